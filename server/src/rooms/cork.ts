/**
 * Socket corking for the room's sends (issue 13: the server's CPU per order and per patch tick went
 * mostly to one `writev` system call per WebSocket frame). ws writes each frame to the client's TCP
 * socket at once; while a socket is corked (Node's Writable.cork, counted, so ws's own cork/uncork
 * inside a frame nests), the frames wait in memory and go out in one write when it is uncorked.
 *
 * - `corkAll(clients)` / `uncorkAll(corked)` around a patch tick: a client's private message and its
 *   state patch of that tick leave in one write.
 * - `TurnCork.hold(client)`: keeps the client's frames of this turn of the event loop (the replies of
 *   one group commit) until the end of the turn (setImmediate), then writes them at once.
 *
 * Only the order and timing of bytes within one turn change; nothing is dropped or reordered.
 */
import type { Writable } from "node:stream";

/** The TCP socket under a Colyseus WebSocket client (ws keeps it as `_socket`); undefined otherwise. */
export function socketOf(client: unknown): Writable | undefined {
  const ws = (client as { ref?: { _socket?: Writable } } | null)?.ref;
  const s = ws?._socket;
  return s && typeof s.cork === "function" && !s.destroyed ? s : undefined;
}

/** Corks every client's socket; returns them for `uncorkAll`. */
export function corkAll(clients: Iterable<unknown>): Writable[] {
  const out: Writable[] = [];
  for (const c of clients) {
    const s = socketOf(c);
    if (!s) continue;
    s.cork();
    out.push(s);
  }
  return out;
}

/** Uncorks what `corkAll` corked (each socket writes what it holds in one go). */
export function uncorkAll(corked: Writable[]): void {
  for (const s of corked) s.uncork();
}

/** Holds clients' frames until the end of the current turn of the event loop. */
export class TurnCork {
  private readonly held = new Set<Writable>();

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
    for (const s of this.held) s.uncork();
    this.held.clear();
  }
}
