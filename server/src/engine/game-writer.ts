/**
 * GameWriter: the single writer of one game in a process (issue 10, step 2a; docs/commit.md "The
 * writer"). It owns the game's core state in memory, decides every command there in arrival order,
 * and group-commits the outcome to Valkey; a command is answered only once its batch is committed.
 *
 *   const w = await GameWriter.open(client, gameId, node);   // claim (new epoch), load, hydrate
 *   const r = await w.execute(command, ts);                   // Decided: result or Rejection
 *   w.book(securityId, depth); w.inventory(playerId); w.orders(playerId); w.info();   // from memory
 *
 * execute(command, ts): `decide` runs synchronously at the call, against the state every earlier call
 * left (arrival order; the next batch fills while one is in flight). A Rejection answers at once and
 * changes nothing. An accepted command's events are evolved into the state, its key ops are projected
 * from the state (key-ops.ts) and both go to the GroupCommitter; the promise resolves with the core's
 * Decision once the batch is committed. An accepted command without events (a duplicate clientOrderId,
 * a cancel-all with nothing to cancel) changes nothing but is answered only after everything decided
 * before it is committed, so a duplicate never acknowledges an original that could still be lost.
 *
 * Failure: when a commit fails, every command past the last committed batch rejects with CommitError
 * (code UNAVAILABLE, or FENCED when another writer claimed the game), the in-memory state is
 * discarded, and:
 * - UNAVAILABLE: the writer is "down"; commands reject UNAVAILABLE at once; it reloads in the
 *   background (claim again, load, hydrate; every `reloadRetryMs` until it succeeds), or when
 *   `reload()` is called. A retry with the same clientOrderId is then safe: it is answered from the
 *   committed state (duplicate) or decided anew.
 * - FENCED: the writer is "fenced" for good; every later command rejects FENCED and nothing is written.
 * Reads reject (throw CommitError) while the writer is not "open".
 */
import type { GameInfo, Rejection } from "@marketroom/shared";
import type { Redis } from "iovalkey";
import { bookDepth, inventoryOf, openOrders, run, type CoreState, type Decided } from "../core/index.ts";
import type { Command, DecideContext } from "../core/commands.ts";
import { CommitError, claimGame } from "./commit.ts";
import { GroupCommitter, type CommitAck } from "./group-commit.ts";
import { hydrate } from "./hydrate.ts";
import { keyOpsFor } from "./key-ops.ts";
import { loadGame } from "./load.ts";

export type WriterStatus = "open" | "down" | "fenced" | "closed";

export interface GameWriterOptions {
  /**
   * GroupCommitter batching (defaults: 256 commands; sent at the end of the event-loop turn while a
   * commit slot is free; 2 batches in flight) and commit timeout (default 5000 ms).
   */
  maxBatch?: number;
  maxDelayMs?: number;
  maxInFlight?: number;
  timeoutMs?: number;
  /** Pause between background reload attempts while down, ms (default 250); 0 = no background reload. */
  reloadRetryMs?: number;
}

export class GameWriter {
  private core: CoreState | null = null;
  private committer: GroupCommitter | null = null;
  /** The promise of the last submitted command (zero-event answers wait for it). */
  private tail: Promise<CommitAck> | null = null;
  private currentEpoch = 0;
  private state_: WriterStatus = "down";
  private failure: CommitError | null = null;
  private reloading: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** run()'s context, one per writer: run reads `ts` synchronously and keeps nothing (an object per command otherwise). */
  private readonly ctx: DecideContext = { ts: 0 };

  private constructor(
    private readonly client: Redis,
    readonly gameId: string,
    readonly node: string,
    private readonly opts: GameWriterOptions,
  ) {}

  /**
   * Claims the game (new epoch, fencing any earlier writer), loads and hydrates it, and starts its
   * committer on a connection of its own (a duplicate of `client` without offline queue or retries).
   * `client` stays the caller's; it is used for claims and loads. Rejects with CommitError
   * UNAVAILABLE when Valkey cannot be reached, or Error when the stored game is corrupt.
   */
  static async open(client: Redis, gameId: string, node: string, opts: GameWriterOptions = {}): Promise<GameWriter> {
    const w = new GameWriter(client, gameId, node, opts);
    await w.takeOver();
    return w;
  }

  /** "open" (deciding), "down" (reloading after UNAVAILABLE), "fenced" or "closed". */
  get status(): WriterStatus {
    return this.state_;
  }

  /** The fencing epoch of the current claim. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** The last committed event seq (0 while not open). */
  get committedSeq(): number {
    return this.committer?.lastCommittedSeq ?? 0;
  }

  /** The in-memory core state (read only for callers; includes decided, not yet committed events); null unless open. */
  get state(): CoreState | null {
    return this.core;
  }

  /** Batches committed by the current committer (for tests and metrics). */
  get commitStats(): GroupCommitter["stats"] | null {
    return this.committer?.stats ?? null;
  }

  /**
   * Decides `command` at `ts` (ms) and resolves once it is committed (see module doc). Resolves a
   * Rejection for a refused command; rejects with CommitError UNAVAILABLE or FENCED when the commit
   * failed or the writer is not open.
   */
  execute<C extends Command>(command: C, ts: number): Promise<Decided<C>> {
    // Not an async function: it answers with one promise derived from the batch's (an async function
    // and its await cost about 200 bytes more per command on the commit path; docs/commit.md "Stop 18").
    const state = this.core;
    const committer = this.committer;
    if (this.state_ !== "open" || state === null || committer === null) return Promise.reject(this.stopped());
    let d: Decided<C>;
    try {
      // decide, evolve, and the stops and liquidations the command sets off (core/run.ts)
      this.ctx.ts = ts;
      d = run(state, command, this.ctx);
    } catch (err) {
      return Promise.reject(this.broken(committer, err));
    }
    if (!d.ok) return Promise.resolve(d);
    if (d.events.length === 0) {
      if (this.tail !== null && committer.lastSubmittedSeq > committer.lastCommittedSeq) return this.tail.then(() => d);
      return Promise.resolve(d);
    }
    let done: Promise<CommitAck>;
    try {
      done = committer.submit({ events: d.events, ops: keyOpsFor(this.gameId, state) });
    } catch (err) {
      return Promise.reject(this.broken(committer, err));
    }
    this.tail = done; // awaited by nobody is fine: the committer handles every batch promise's rejection
    return done.then(() => d);
  }

  /** An event that does not fit or a malformed projection is a bug; the state may hold part of it, so it must go. */
  private broken(committer: GroupCommitter, err: unknown): CommitError {
    const e = new CommitError("UNAVAILABLE", `the command could not be committed: ${String(err)}`, { cause: err });
    this.discard(committer, e);
    void committer.close();
    return e;
  }

  /** Aggregated depth from memory (core read.ts bookDepth). Throws CommitError when not open. */
  book(securityId: number, depth = 20): ReturnType<typeof bookDepth> {
    return bookDepth(this.open(), securityId, depth);
  }

  /** A player's inventory from memory (core read.ts inventoryOf). Throws CommitError when not open. */
  inventory(playerId: string): ReturnType<typeof inventoryOf> {
    return inventoryOf(this.open(), playerId);
  }

  /** A player's open orders from memory (core read.ts openOrders). Throws CommitError when not open. */
  orders(playerId: string, securityId?: number): ReturnType<typeof openOrders> {
    return openOrders(this.open(), playerId, securityId);
  }

  /** Game config, securities and players (shared GameInfo), or UNKNOWN_GAME. Throws CommitError when not open. */
  info(): GameInfo | Rejection {
    return infoOf(this.open());
  }

  /**
   * Claims the game again, loads and hydrates it, and opens (resolves at once when open). Rejects
   * with CommitError FENCED / UNAVAILABLE (closed) when the writer cannot reopen, or the claim's or
   * load's error (the writer stays down).
   */
  reload(): Promise<void> {
    if (this.state_ === "open") return Promise.resolve();
    if (this.state_ === "fenced" || this.state_ === "closed") return Promise.reject(this.stopped());
    this.reloading ??= this.takeOver().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** Commits what was decided, then stops (later commands reject UNAVAILABLE). Does not close `client`. */
  async close(): Promise<void> {
    const committer = this.committer;
    this.state_ = "closed";
    this.core = null;
    this.committer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await committer?.close();
  }

  private open(): CoreState {
    if (this.state_ !== "open" || this.core === null) throw this.stopped();
    return this.core;
  }

  private stopped(): CommitError {
    if (this.state_ === "fenced")
      return new CommitError("FENCED", `game ${this.gameId} is owned by a newer writer`, { cause: this.failure });
    if (this.state_ === "closed") return new CommitError("UNAVAILABLE", "the writer is closed");
    return new CommitError("UNAVAILABLE", `game ${this.gameId} is reloading after a failed commit`, {
      cause: this.failure,
    });
  }

  private async takeOver(): Promise<void> {
    const epoch = await claimGame(this.client, this.gameId, this.node);
    const loaded = await loadGame(this.client, this.gameId);
    const state = hydrate(loaded);
    const commitClient = this.client.duplicate({
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => null,
    });
    try {
      await commitClient.connect();
    } catch (err) {
      commitClient.disconnect();
      throw new CommitError("UNAVAILABLE", `cannot connect the commit client: ${String(err)}`, { cause: err });
    }
    if (this.state_ === "closed" || this.state_ === "fenced") {
      commitClient.disconnect();
      throw this.stopped();
    }
    const committer: GroupCommitter = new GroupCommitter({
      client: commitClient,
      gameId: this.gameId,
      epoch,
      lastSeq: loaded.seq,
      maxBatch: this.opts.maxBatch,
      maxDelayMs: this.opts.maxDelayMs,
      maxInFlight: this.opts.maxInFlight,
      timeoutMs: this.opts.timeoutMs,
      onFailure: (err) => this.discard(committer, err),
    });
    this.core = state;
    this.committer = committer;
    this.tail = null;
    this.currentEpoch = epoch;
    this.failure = null;
    this.state_ = "open";
  }

  /** The committer failed: drop the state; fenced for good, or down and reloading. */
  private discard(committer: GroupCommitter, err: CommitError): void {
    if (committer !== this.committer) return;
    this.core = null;
    this.committer = null;
    this.tail = null;
    this.failure = err;
    if (err.code === "FENCED") {
      this.state_ = "fenced";
      return;
    }
    this.state_ = "down";
    this.scheduleReload();
  }

  private scheduleReload(): void {
    const every = this.opts.reloadRetryMs ?? 250;
    if (every <= 0 || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state_ !== "down") return;
      this.reload().catch((err: unknown) => {
        if (err instanceof CommitError && err.code === "FENCED") return;
        if (this.state_ === "down") this.scheduleReload();
      });
    }, every);
    this.retryTimer.unref();
  }
}

/** Game config, securities and players of a core state (shared GameInfo), or UNKNOWN_GAME before create_game. */
export function infoOf(s: CoreState): GameInfo | Rejection {
  if (!s.game) return { ok: false, code: "UNKNOWN_GAME", message: "no such game" };
  const { mode: _mode, ...game } = s.game;
  return {
    ok: true,
    seq: s.seq,
    game,
    securities: s.securityIds.map((id) => ({ ...s.securities.get(id)!.info })),
    players: [...s.players.values()].map((p) => ({ playerId: p.playerId, name: p.name })),
  };
}
