/**
 * Socket corking for the room's sends (issue 13: the server's CPU per order and per patch tick went
 * mostly to one `writev` system call per WebSocket frame). ws writes each frame to the client's TCP
 * socket at once; while a socket is corked (Node's Writable.cork, counted, so ws's own cork/uncork
 * inside a frame nests), the frames wait in memory and go out in one write when it is uncorked.
 *
 * - `corkAll(clients)` before a patch tick, `UncorkSlicer.add` after it: a client's private message and
 *   its state patch of that tick leave in one write.
 * - `UncorkSlicer`: uncorks a tick's sockets a slice at a time (about `budgetMs` of writes per turn of
 *   the event loop, the rest after setImmediate), so that commands and their replies run between the
 *   slices instead of waiting behind ~200 writev calls (about 30 µs each; 5-13 ms a tick with 200
 *   clients). A socket still held by the slicer keeps its frames in order: whatever is sent to it
 *   meanwhile (a reply) goes after the tick's frames in the same write. A reply calls `hurry` so its
 *   socket is written at once rather than when its slice comes.
 * - `TurnCork.hold(client)`: keeps the client's frames of this turn of the event loop (the replies of
 *   one group commit) until the end of the turn (setImmediate), then writes them at once.
 *
 * Node's cork is counted: every cork here gets exactly one uncork, so the holds nest (a socket corked
 * by two ticks and a TurnCork writes when the last of them lets go). Uncorking a destroyed or ended
 * socket is a no-op (Writable.end uncorks fully; uncork never goes below zero). Only the timing of
 * bytes changes; nothing is dropped or reordered on a socket.
 */
import type { Writable } from "node:stream";
import { performance } from "node:perf_hooks";
import { ClientState } from "@colyseus/core";

/** The TCP socket under a Colyseus WebSocket client (ws keeps it as `_socket`); undefined otherwise. */
export function socketOf(client: unknown): Writable | undefined {
  const ws = (client as { ref?: { _socket?: Writable } } | null)?.ref;
  const s = ws?._socket;
  return s && typeof s.cork === "function" && !s.destroyed ? s : undefined;
}

/**
 * Corks the socket of every client that has joined; returns them for `UncorkSlicer.add`. A client still
 * joining (Colyseus ClientState.JOINING) gets no patch and is left alone: its full state (a view of the
 * serializer's full-state buffer, which the next join re-encodes) must not wait in a held socket.
 */
export function corkAll(clients: Iterable<unknown>): Writable[] {
  const out: Writable[] = [];
  for (const c of clients) {
    if ((c as { state?: unknown }).state !== ClientState.JOINED) continue;
    const s = socketOf(c);
    if (!s) continue;
    s.cork();
    out.push(s);
  }
  return out;
}

/** Holds clients' frames until the end of the current turn of the event loop. */
export class TurnCork {
  private readonly held = new Set<Writable>();

  /** `slicer`: the room's tick slicer, hurried for each socket released (its reply need not wait for its slice). */
  constructor(private readonly slicer?: UncorkSlicer) {}

  /** Corks `client`'s socket until the end of this turn (once per turn per socket). */
  hold(client: unknown): void {
    const s = socketOf(client);
    if (!s || this.held.has(s)) return;
    s.cork();
    this.held.add(s);
    if (this.held.size === 1) setImmediate(() => this.release());
  }

  /** Uncorks everything held. */
  release(): void {
    for (const s of this.held) {
      s.uncork();
      this.slicer?.hurry(s);
    }
    this.held.clear();
  }
}

/**
 * Uncorks the sockets of patch ticks in slices (see the file's comment). Each `add` queues one uncork
 * per socket given (one per cork); the first slice runs at once, the rest in later turns.
 *
 * Fairness: the sockets of a tick are queued from a start that moves by ROTATE_STRIDE each tick, so no
 * client is always the last to get its patch; a socket with a reply skips the queue (`hurry`).
 */
export class UncorkSlicer {
  /** Uncorks still owed per socket (more than one when ticks overlap). */
  private readonly owed = new Map<Writable, number>();
  private queue: Writable[] = [];
  private next = 0;
  private scheduled = false;
  private start = 0;

  /** `budgetMs`: the time one turn may spend uncorking (checked every CHECK_EVERY sockets). */
  constructor(private readonly budgetMs = 1) {}

  /** Sockets corked and not yet uncorked by this slicer (counting a socket once per cork). */
  get pending(): number {
    let n = 0;
    for (const c of this.owed.values()) n += c;
    return n;
  }

  /** Takes over one uncork for each socket in `corked` (as corkAll returns them) and runs the first slice. */
  add(corked: readonly Writable[]): void {
    if (!corked.length) return;
    const from = this.start % corked.length;
    this.start = from + ROTATE_STRIDE;
    for (let i = 0; i < corked.length; i++) {
      const s = corked[(from + i) % corked.length]!;
      this.owed.set(s, (this.owed.get(s) ?? 0) + 1);
      this.queue.push(s);
    }
    this.run();
  }

  /** Pays what is owed to `socket` now (a reply was sent to it: the tick's frames and the reply leave in one write). */
  hurry(socket: Writable | undefined): void {
    if (!socket) return;
    const n = this.owed.get(socket);
    if (!n) return;
    this.owed.delete(socket);
    for (let i = 0; i < n; i++) socket.uncork();
  }

  /** Uncorks everything still owed (the room is closing). */
  drain(): void {
    for (const s of this.owed.keys()) this.hurry(s);
    this.queue = [];
    this.next = 0;
  }

  /** One slice: uncorks queued sockets until the budget is spent, then continues after setImmediate. */
  private run(): void {
    const until = performance.now() + this.budgetMs;
    const q = this.queue;
    let i = this.next;
    while (i < q.length) {
      this.release(q[i++]!);
      if (i % CHECK_EVERY === 0 && performance.now() >= until) break;
    }
    if (i < q.length) {
      this.next = i;
      this.schedule();
      return;
    }
    this.queue = [];
    this.next = 0;
  }

  /** One uncork owed to `s` (none when `hurry` already paid it). */
  private release(s: Writable): void {
    const n = this.owed.get(s);
    if (!n) return;
    if (n === 1) this.owed.delete(s);
    else this.owed.set(s, n - 1);
    s.uncork();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }
}

/** Sockets uncorked between two looks at the clock (a look costs far less than one writev). */
const CHECK_EVERY = 4;
/** How far the start of a tick's queue moves each tick (a prime, so starts spread over any client count). */
const ROTATE_STRIDE = 61;
