/**
 * Group commit: the room hands over each decided command's events and key ops; they are committed to
 * Valkey in batches, ONE commit-n script call per batch (./commit.ts, docs/commit.md), and each
 * command's promise resolves only once its batch is committed. Key ops are generic KeyOps (coalesced
 * per batch) or deferred ops (key-ops.ts), which the batch projects from the room's state once, when
 * it is sealed (the state is then at the batch's boundary), and which it then encodes.
 *
 * Batching: the open batch is sealed when it holds `maxBatch` commands (default 256), or, while fewer
 * than `maxInFlight` batches (default 2) are in flight, at the end of the event-loop turn in which its
 * first command arrived (`maxDelayMs` 0, the default; a positive value waits that long instead), so a
 * command never waits for a timer while Valkey has room. While `maxInFlight` batches are in flight
 * the open batch keeps filling (up to maxBatch) and is sent as soon as one of them is committed. A
 * full batch (maxBatch commands) goes while fewer than `maxInFlightFull` (default 8) are in flight: it
 * gains nothing by waiting, and with only `maxInFlight` slots a room whose event-loop turns grow long
 * (a burst, GC, a busy machine) commits at most 2 x maxBatch commands per turn while it may read many
 * more, so the commands awaiting commit pile up in the heap and make every turn longer (issue 13: 17,798
 * commands awaiting commit 4 s into a 5,000/s step of bench:e2e, docs/throughput.md "Stop 19"). The
 * batches in flight are pipelined on the committer's one connection, where Valkey runs them in the
 * order they were sent; each one's script checks the seq its predecessor leaves, so a batch can only
 * land when every earlier one did (docs/commit.md "Pipelining").
 *
 * Durability: an ack means Valkey executed the batch; it is on disk per the server's AOF policy
 * (appendfsync always: before the reply; everysec: within about a second).
 *
 * Failure: when a commit fails (Valkey down or unreachable, no reply within `timeoutMs`, FENCED, or any
 * refusal), the batches in flight and every command after them are rejected with a CommitError, code
 * FENCED when fenced and UNAVAILABLE otherwise (a retry with the same clientOrderId is safe); the
 * committer stops accepting (submit rejects at once with the same code), disconnects its client so no
 * queued call can reach Valkey later, and calls `onFailure` once. A batch is atomic in Valkey, so
 * nothing half-written remains; a batch whose reply was lost may have landed: the room reclaims the
 * game (a new epoch fences any straggler) and reloads from Valkey to learn its state.
 */
import { Redis } from "iovalkey";
import {
  BatchEncoder,
  CommitError,
  checkOps,
  runEncoded,
  type BatchProjection,
  type DeferredKeyOps,
  type EncodedBatch,
  type KeyOp,
  type Kind,
} from "./commit.ts";

/**
 * A connection for one GroupCommitter: no offline queue, no retries and no resending after a
 * reconnect, so a commit either reaches Valkey now or fails now, and never lands later behind the
 * room's back. Resolves once connected; rejects when Valkey cannot be reached.
 */
export async function connectCommitClient(url: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => null,
  });
  await client.connect();
  return client;
}

/** What one decided command hands to the committer. */
export interface CommandCommit {
  /**
   * The command's events in order, as JSON text or as objects (serialised with JSON.stringify). Their
   * seqs continue the log: an object's `seq` field, when present, must be the next seq.
   */
  events: readonly (string | { readonly seq?: number })[];
  /**
   * The key changes that bring the game's keys to the state after this command: KeyOps (coalesced
   * per batch, see KeyOp), or deferred ops (key-ops.ts keyOpsFor) that the batch projects from the
   * room's state once, when it is sealed, after marking what `events` touched (they must then be the
   * event objects, not JSON text); those are written after the batch's KeyOps.
   */
  ops: readonly KeyOp[] | DeferredKeyOps;
}

/** What a command's promise resolves to once its batch is committed. */
export interface CommitAck {
  /** The last seq of the command's batch (>= the command's own last event seq). */
  batchLastSeq: number;
  /** Commands in the batch (1..maxBatch). */
  batchSize: number;
}

export interface GroupCommitterOptions {
  /** A client used by this committer alone (see connectCommitClient); disconnected on failure and on close(). */
  client: Redis;
  gameId: string;
  /** The epoch returned by claimGame for this room. */
  epoch: number;
  /** The last committed seq (game:{g}:seq) when the room loaded the game; 0 for an empty log. */
  lastSeq: number;
  /** Most commands per batch (default 256). */
  maxBatch?: number;
  /**
   * How long the open batch waits, after its first command, before it is sent while a commit slot is
   * free, in ms: 0 (the default) = at the end of the current event-loop turn (setImmediate), so the
   * commands decided in one turn share a batch. While every slot is taken the batch fills until one frees.
   */
  maxDelayMs?: number;
  /** Most batches sent and not yet answered, pipelined on the one connection (default 2; >= 1). */
  maxInFlight?: number;
  /** The same when the next batch to send is full (maxBatch commands): default 8, never below maxInFlight. */
  maxInFlightFull?: number;
  /** A commit without a reply after this many ms counts as failed (UNAVAILABLE); default 5000. */
  timeoutMs?: number;
  /** Called once, with the error, when the committer stops after a failed commit. */
  onFailure?: (err: CommitError) => void;
}

interface Batch {
  encoder: BatchEncoder;
  projection: BatchProjection | null;
  /** The commit call, encoded when the batch is sealed. */
  call: EncodedBatch | null;
  events: number;
  /** Commands in the batch; they all share `done`, settled once for the whole batch. */
  size: number;
  done: Promise<CommitAck>;
  resolve: (ack: CommitAck) => void;
  reject: (err: CommitError) => void;
  firstSeq: number;
  lastSeq: number;
  /** Its wait (maxDelayMs) is over: it goes as soon as a commit slot is free. */
  due: boolean;
}

const NO_OPS: readonly KeyOp[] = [];

export class GroupCommitter {
  private readonly client: Redis;
  private readonly gameId: string;
  private readonly epoch: number;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxInFlight: number;
  private readonly maxInFlightFull: number;
  private readonly timeoutMs: number;
  private readonly onFailure: ((err: CommitError) => void) | undefined;
  /** Seq of the last event handed over (committed or not). */
  private nextSeq: number;
  private committed: number;
  private open: Batch | null = null;
  /** The open batch's wait: a timer (maxDelayMs > 0) or an immediate (0). */
  private openTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly sealed: Batch[] = [];
  /** Batches sent and not yet answered, oldest first (their replies come in this order). */
  private readonly inFlight: Batch[] = [];
  private failure: CommitError | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /**
   * Key -> the type it will have once every sealed batch is committed: the script type-checks a key
   * the first time this committer writes it (or when its ops need another type), not in every batch.
   * Sound because the epoch makes this committer the game's only writer.
   */
  private readonly known = new Map<string, Kind>();
  /** Batches committed so far and their sizes (for tests and metrics). */
  readonly stats = { batches: 0, commands: 0, events: 0, maxBatchSize: 0, maxInFlight: 0 };

  constructor(opts: GroupCommitterOptions) {
    this.client = opts.client;
    this.gameId = opts.gameId;
    this.epoch = opts.epoch;
    this.nextSeq = opts.lastSeq;
    this.committed = opts.lastSeq;
    this.maxBatch = opts.maxBatch ?? 256;
    this.maxDelayMs = opts.maxDelayMs ?? 0;
    this.maxInFlight = Math.max(1, Math.floor(opts.maxInFlight ?? 2));
    this.maxInFlightFull = Math.max(this.maxInFlight, Math.floor(opts.maxInFlightFull ?? 8));
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.onFailure = opts.onFailure;
  }

  /** The last seq known committed. */
  get lastCommittedSeq(): number {
    return this.committed;
  }

  /** The last seq handed over (the next command's first event must be this + 1). */
  get lastSubmittedSeq(): number {
    return this.nextSeq;
  }

  /** The failure that stopped the committer, or null while it runs. */
  get failed(): CommitError | null {
    return this.failure;
  }

  /**
   * Queues one decided command. Resolves once its batch is committed (the commands of a batch share
   * one promise); rejects with CommitError
   * UNAVAILABLE or FENCED when the committer has failed (or fails before that batch commits), or
   * UNAVAILABLE when it was closed. Throws at once (and queues nothing) for a malformed command:
   * CommitError BAD_KEY / BAD_OP for an op, RangeError for an event whose seq does not continue the log.
   */
  submit(command: CommandCommit): Promise<CommitAck> {
    if (this.failure) return Promise.reject(this.stoppedError(this.failure));
    if (this.closed) return Promise.reject(new CommitError("UNAVAILABLE", "the committer is closed"));
    const ops = command.ops;
    const deferred = "addTo" in ops ? ops : null;
    if (deferred === null) checkOps(this.gameId, ops as readonly KeyOp[]);
    const events = command.events;
    this.checkSeqs(events);
    const batch = this.open ?? this.openBatch();
    // the encoder serialises the event objects straight into its list (an array of texts per
    // command was about 180 bytes, docs/commit.md "Stop 22")
    batch.encoder.add(events, deferred === null ? (ops as readonly KeyOp[]) : NO_OPS);
    if (deferred !== null) batch.projection = deferred.addTo(batch.projection, command.events);
    batch.events += events.length;
    this.nextSeq += events.length;
    batch.lastSeq = this.nextSeq;
    batch.size += 1;
    const done = batch.done;
    if (batch.size >= this.maxBatch) this.seal();
    return done;
  }

  /**
   * Sends the open batch now; resolves when everything submitted before the call has been committed,
   * or the committer has failed (the commands' own promises say which). Never rejects.
   */
  async flush(): Promise<void> {
    if (this.open) this.seal();
    if (this.inFlight.length === 0 && this.sealed.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Commits what was submitted, then stops accepting and disconnects the client. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.client.disconnect();
  }

  /** Throws RangeError when an event object's seq does not continue the log. */
  private checkSeqs(events: CommandCommit["events"]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const seq = this.nextSeq + i + 1;
      if (typeof e !== "string" && e.seq !== undefined && e.seq !== seq) {
        throw new RangeError(`event seq ${e.seq} does not continue the log (expected ${seq})`);
      }
    }
  }

  private openBatch(): Batch {
    let resolve!: Batch["resolve"];
    let reject!: Batch["reject"];
    const done = new Promise<CommitAck>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // a batch whose commands all threw at submit has no other handler
    const batch: Batch = {
      encoder: new BatchEncoder(this.gameId),
      projection: null,
      call: null,
      events: 0,
      size: 0,
      done,
      resolve,
      reject,
      firstSeq: this.nextSeq,
      lastSeq: this.nextSeq,
      due: false,
    };
    this.open = batch;
    this.openTimer =
      this.maxDelayMs > 0 ? setTimeout(() => this.due(), this.maxDelayMs) : setImmediate(() => this.due());
    return batch;
  }

  private clearOpenTimer(): void {
    if (this.openTimer === null) return;
    if (this.maxDelayMs > 0) clearTimeout(this.openTimer as NodeJS.Timeout);
    else clearImmediate(this.openTimer as NodeJS.Immediate);
    this.openTimer = null;
  }

  /**
   * The open batch has waited maxDelayMs: send it, or, while every commit slot is taken, let it keep
   * filling until one frees (it then goes at once; see committedBatch).
   */
  private due(): void {
    this.openTimer = null;
    if (this.open) this.open.due = true;
    if (this.inFlight.length + this.sealed.length < this.maxInFlight) this.seal();
  }

  /**
   * Closes the open batch (projecting its deferred ops from the state, which is now at the batch's
   * boundary, and encoding it) and sends it when nothing is in flight. A projection that throws is a
   * bug in the caller: the committer fails (UNAVAILABLE).
   */
  private seal(): void {
    this.clearOpenTimer();
    const batch = this.open;
    this.open = null;
    if (batch) {
      try {
        batch.projection?.write(batch.encoder);
        batch.call = batch.encoder.encode(this.epoch, batch.firstSeq, this.known);
      } catch (err) {
        this.sealed.push(batch);
        this.fail(
          err instanceof CommitError
            ? err
            : new CommitError("UNAVAILABLE", `the batch could not be encoded: ${String(err)}`, { cause: err }),
        );
        return;
      }
      batch.projection = null;
      this.sealed.push(batch);
    }
    this.pump();
  }

  /**
   * Sends sealed batches, in order, while a commit slot is free (maxInFlight, or maxInFlightFull for a
   * full batch); wakes flush() once nothing is left.
   */
  private pump(): void {
    while (!this.failure) {
      const batch = this.sealed[0];
      if (!batch) break;
      const slots = batch.size >= this.maxBatch ? this.maxInFlightFull : this.maxInFlight;
      if (this.inFlight.length >= slots) break;
      this.sealed.shift();
      this.inFlight.push(batch);
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight.length);
      this.send(batch);
    }
    if (this.inFlight.length === 0 && this.sealed.length === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Sends one batch; its reply commits it, an error or no reply within timeoutMs fails the committer. */
  private send(batch: Batch): void {
    const call = batch.call!;
    batch.call = null;
    const timer = setTimeout(
      () => this.fail(new CommitError("UNAVAILABLE", `no reply from Valkey within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    runEncoded(this.client, call).then(
      (last) => {
        clearTimeout(timer);
        this.committedBatch(batch, last);
      },
      (err: unknown) => {
        clearTimeout(timer);
        this.fail(err instanceof CommitError ? err : new CommitError("UNAVAILABLE", String(err), { cause: err }));
      },
    );
  }

  private committedBatch(batch: Batch, last: number): void {
    if (this.failure) return;
    // Valkey answers a connection's commands in the order they were sent, and each batch's script
    // checks the seq the one before leaves: a reply out of that order is a broken connection.
    if (this.inFlight[0] !== batch || last !== batch.lastSeq) {
      this.fail(new CommitError("UNAVAILABLE", `commit reply out of order (seq ${last}, expected ${batch.lastSeq})`));
      return;
    }
    this.inFlight.shift();
    this.committed = last;
    const ack: CommitAck = { batchLastSeq: last, batchSize: batch.size };
    this.stats.batches += 1;
    this.stats.commands += batch.size;
    this.stats.events += batch.events;
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, batch.size);
    batch.resolve(ack);
    this.pump();
    // A batch that waited its time while every slot was taken goes at once.
    if (this.open?.due && this.sealed.length === 0 && this.inFlight.length < this.maxInFlight) this.seal();
  }

  /** Rejects everything not committed, stops, disconnects, reports once. */
  private fail(err: CommitError): void {
    if (this.failure) return;
    this.failure = err;
    this.clearOpenTimer();
    const batches = [...this.inFlight.splice(0), ...this.sealed.splice(0), this.open].filter(
      (b): b is Batch => b !== null,
    );
    this.open = null;
    const stopped = this.stoppedError(err);
    for (const b of batches) b.reject(stopped);
    this.client.disconnect();
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.onFailure?.(err);
  }

  /** The error a command gets after a failure: FENCED stays FENCED, anything else is UNAVAILABLE. */
  private stoppedError(err: CommitError): CommitError {
    const code = err.code === "FENCED" ? "FENCED" : "UNAVAILABLE";
    return new CommitError(code, `commit failed, nothing after seq ${this.committed} is committed: ${err.message}`, {
      cause: err,
    });
  }
}
