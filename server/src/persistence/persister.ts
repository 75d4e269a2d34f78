/**
 * The persister: moves every game's event stream (Valkey `game:{<id>}:events`, entry id '<seq>-0',
 * field `data` = the JSON texts of one committed batch of events; engine/stream-entries.ts) into
 * PostgreSQL, exactly once, and trims what is safely stored.
 *
 * Per batch: XREADGROUP (consumer group, default 'persister'; stream-group.ts; a read of a few entries
 * lingers up to lingerMs for more, so that a trickle of entries shares transactions) -> one PostgreSQL
 * transaction that stores the events not yet stored (COPY) and projects them onto the derived tables
 * (batch-write.ts, projection.ts; guarded by a per-game watermark) -> COMMIT -> XACK -> XTRIM MINID below
 * the oldest entry any consumer group still needs. A kill between any two steps leaves the entries
 * pending in the group: a restart re-reads its own pending entries first (and entries of consumers
 * that vanished are claimed after `claimIdleMs`), storing them again changes nothing, so nothing is
 * lost or doubled. Games to watch are the Valkey SET `marketroom:games` (games-registry.ts); the
 * persisters of one group split them, one reader per game (game-shares.ts).
 *
 * One game never blocks another: when PostgreSQL refuses a batch for a reason other than being down
 * (dependency.ts), each game of it is written in a transaction of its own, and a game that still fails
 * is written event by event up to the one refused. That event's game is parked (parked.ts): recorded
 * in `parked_games` with the reason, its refused entry and every later one left pending in Valkey, its
 * stream skipped until the row is deleted. An entry that is not an event (bad JSON, no seq) parks its
 * game the same way. The other games carry on.
 *
 * Units: seq is the game's event number; ts and lag in ms.
 */
import { hostname } from "node:os";
import type { Redis } from "iovalkey";
import { parseEntry } from "./event-parse.ts";
import { eventsKey } from "../engine/keys.ts";
import { entryTexts } from "../engine/stream-entries.ts";
import { isDependencyDown } from "../dependency.ts";
import type { Db } from "./db.ts";
import { registeredGames } from "./games-registry.ts";
import { parkGame, parkedGames } from "./parked.ts";
import { HEARTBEAT_MS, beat, streamLagMs, unbeat } from "./persister-status.ts";
import { HurryListener } from "./hurry.ts";
import { resolveOptions, type FaultPoint, type PersisterOptions, type ResolvedOptions } from "./persister-options.ts";
import { chunks, type ScaleCache } from "./projection.ts";
import { writeBatch, type BatchEvent } from "./batch-write.ts";
import { liveMembers, membersKey, ownedGames } from "./game-shares.ts";
import {
  ackAndInspect,
  compareIds,
  gameOfKey,
  toEntries,
  trimStreams,
  type Entry,
  type StreamReply,
} from "./stream-group.ts";

export type { FaultPoint, PersisterOptions } from "./persister-options.ts";

/** What the test hook throws: the loop ends at once, as if the process had been killed. */
export class SimulatedCrash extends Error {
  constructor(readonly point: FaultPoint) {
    super(`simulated crash at ${point}`);
    this.name = "SimulatedCrash";
  }
}

/** Counters since construction. */
export interface PersisterStats {
  batches: number;
  entries: number;
  /** Event rows inserted, and entries whose row was already there (redelivered after a crash). */
  inserted: number;
  duplicates: number;
  /** Events applied to the derived tables; `fromStore` of them waited in `events` behind a gap. */
  applied: number;
  fromStore: number;
  /** Entries claimed from idle consumers; entries found deleted; loop errors retried. */
  claimed: number;
  missing: number;
  errors: number;
  /** Games this persister parked (a refused event; see parked.ts). */
  parked: number;
}

/** A batch read and parsed, not yet stored: its entries, number, games parked at an entry, and events. */
interface Prepared {
  entries: Entry[];
  batchNo: number;
  stops: Map<string, string>;
  events: Decoded[];
}

/** A decoded entry: the event to store, its JSON as logged, and the entry it came from. */
interface Decoded extends BatchEvent {
  entry: Entry;
}

/**
 * SQLSTATEs that say "try again", not "this data is bad": serialization failure, deadlock, lock not
 * available, statement cancelled. Such a refusal is retried like a dependency being down, never parked.
 */
const TRANSIENT_SQLSTATES = new Set(["40001", "40P01", "55P03", "57014"]);
/** True when a refused write should be retried as a whole rather than isolate a game. */
const retryable = (err: unknown) =>
  err instanceof SimulatedCrash ||
  isDependencyDown(err) ||
  TRANSIENT_SQLSTATES.has(String((err as { code?: unknown })?.code));

/**
 * While lingering, one non-blocking read per this many ms (docs/persistence.md "Stop 20", "Stop 27"):
 * without a pace a linger over entries arriving every 2 ms made one XREADGROUP round trip per entry
 * (about 23 per batch at 1,000 orders/s). The linger ends at most this late after lingerMs (or after
 * lingerEntries have come); a hurry ends it at once. At a trickle, 1000 / LINGER_PACE_MS mostly empty
 * reads a second while lingering.
 */
const LINGER_PACE_MS = 20;

/** How often the parked games are re-read from PostgreSQL at most, ms. */
const PARKED_REFRESH_MS = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export class Persister {
  readonly group: string;
  readonly consumer: string;
  readonly stats: PersisterStats = {
    batches: 0,
    entries: 0,
    inserted: 0,
    duplicates: 0,
    applied: 0,
    fromStore: 0,
    claimed: 0,
    missing: 0,
    errors: 0,
    parked: 0,
  };
  private readonly opts: ResolvedOptions;
  /** Connection for blocking reads and acks, so a BLOCK never stalls the caller's client. */
  private conn?: Redis;
  /** The registered games this consumer reads (its share among the live members of the group). */
  private games: string[] = [];
  /** `games` as a set, for the hurry's ownership check. */
  private owned = new Set<string>();
  /** The sorted set of this group's live members (game-shares.ts). */
  private readonly membersKey: string;
  private grouped = new Set<string>();
  private gamesAt = 0;
  private claimAt = Date.now();
  private idle = false;
  private stopping = false;
  private loop?: Promise<void>;
  private persisted = new Map<string, number>();
  /** Games parked (from `parked_games`, re-read with the registry): their streams are left alone. */
  private parked = new Set<string>();
  private parkedAt = 0;
  /** Set when a parked game was resumed: its pending entries are re-read first. */
  private resumed = false;
  private scales: ScaleCache = new Map();
  /**
   * The last batch read by readNew being stored (commit, ack, trim) while the next one is read and
   * parsed: the persister's parsing and PostgreSQL's writing overlap instead of taking turns. Settled
   * before anything else touches the streams or PostgreSQL, so batches are still stored one at a time,
   * in order.
   */
  private inflight: Promise<void> | null = null;
  /**
   * Active while a reader waits for PostgreSQL (hurry.ts): no lingering then. A game another persister
   * owns is not this one's to hurry (Infinity = already met).
   */
  private readonly hurry = new HurryListener((g) => (this.owned.has(g) ? this.lastPersistedSeq(g) : Infinity));

  /** `client` is the caller's connection (used for reads of the registry and metrics; duplicated for the loop). */
  constructor(
    private readonly client: Redis,
    private readonly db: Db,
    options: PersisterOptions = {},
  ) {
    this.group = options.group ?? "persister";
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}`;
    this.opts = resolveOptions(options);
    this.membersKey = membersKey(this.opts.registryKey, this.group);
  }

  /**
   * Runs the loop until stop(). Returns the loop's promise: it resolves after stop(), and rejects only
   * with a SimulatedCrash (test hook). Other errors (PostgreSQL or Valkey down) are logged and retried
   * with backoff, re-reading pending entries. Calling start() again while running returns the same promise.
   */
  start(): Promise<void> {
    if (!this.loop) {
      this.stopping = false;
      this.loop = this.run().finally(() => {
        this.loop = undefined;
      });
    }
    return this.loop;
  }

  /** Lets the in-flight batch finish (commit, ack, trim), then ends the loop. Waits at most ~max(blockMs, lingerMs) beyond the batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => {});
  }

  /** Highest seq of `gameId` that this persister knows to be in PostgreSQL with all before it (0 if none). */
  lastPersistedSeq(gameId: string): number {
    return this.persisted.get(gameId) ?? 0;
  }

  /**
   * Waits until event `seq` of `gameId` (and every earlier one) is in PostgreSQL, whichever persister
   * wrote it. Errors: throws after `timeoutMs` (default 10 s) with the seq reached so far.
   */
  async drain(gameId: string, seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.lastPersistedSeq(gameId) >= seq) return;
      this.hurry.hurry(gameId, seq); // this process's loop stops lingering (others hear PersisterStatus.drain's)
      if (this.parked.has(gameId))
        throw new Error(`game ${gameId} is parked: an event PostgreSQL refused blocks it (see parked_games)`);
      const row = await this.db
        .selectFrom("event_projection")
        .select("applied_seq")
        .where("game_id", "=", gameId)
        .executeTakeFirst();
      if (row) this.noteApplied(gameId, row.applied_seq);
      if (this.lastPersistedSeq(gameId) >= seq) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `drain timeout: game ${gameId} persisted up to seq ${this.lastPersistedSeq(gameId)}, waited for ${seq} (${timeoutMs} ms)`,
        );
      }
      await sleep(25);
    }
  }

  /**
   * Now minus the ts of the oldest event of a registered game not yet acknowledged, ms; 0 when every
   * stream is empty. Acknowledged entries are trimmed at once, so this is the oldest entry left in any
   * stream (an entry another consumer group still needs counts too). Parked games are left out: they
   * are reported as parked (/health, /metrics), and their waiting entries would hide the others' lag.
   */
  async lagMs(): Promise<number> {
    const games = (await registeredGames(this.client, this.opts.registryKey)).filter((g) => !this.parked.has(g));
    return streamLagMs(this.client, games);
  }

  // ---------------------------------------------------------------- the loop

  private async run(): Promise<void> {
    this.conn = this.client.duplicate();
    // A duplicate has no listeners: without one iovalkey prints each connection error with a stack.
    this.conn.on("error", (err: Error) => this.opts.log(`persister valkey connection error: ${err.message}`));
    // not awaited: with Valkey down the SUBSCRIBE waits for it, and the loop's retries report the outage
    this.hurry
      .start(this.client, this.opts.log)
      .catch((err: Error) => this.opts.log(`persister hurry: ${err.message}`));
    let recover = true; // a previous life of this consumer may have left entries read but not acked
    let failures = 0;
    let beatAt = 0;
    try {
      while (!this.stopping) {
        try {
          if (Date.now() - beatAt >= HEARTBEAT_MS) {
            await beat(this.conn, this.consumer, this.opts.heartbeatsKey);
            await beat(this.conn, this.consumer, this.membersKey);
            beatAt = Date.now();
          }
          await this.refreshGames();
          if (this.resumed) {
            recover = true;
            this.resumed = false;
          }
          if (recover) {
            await this.recoverPending();
            recover = false;
          }
          await this.claimStale();
          await this.readNew();
          failures = 0;
        } catch (err) {
          await this.settle().catch(() => {}); // a batch still being stored ends first; what it left pending is recovered
          if (err instanceof SimulatedCrash) throw err;
          this.stats.errors++;
          if (/NOGROUP/.test(String(err))) this.grouped.clear(); // stream or group deleted: recreate
          failures++;
          recover = true;
          this.opts.log(`[persister] ${(err as Error).message}; retrying`);
          await sleep(Math.min(5000, 50 * 2 ** failures));
        }
      }
      await this.settle();
      // A clean stop says so at once; a crash (or the test hook) leaves the beat to go stale (HEARTBEAT_STALE_MS).
      await unbeat(this.conn, this.consumer, this.opts.heartbeatsKey).catch(() => {});
      await unbeat(this.conn, this.consumer, this.membersKey).catch(() => {});
    } finally {
      this.hurry.stop();
      this.conn.disconnect();
      this.conn = undefined;
    }
  }

  /**
   * Re-reads `marketroom:games` and the live members of this group every refreshMs, keeps the games this
   * consumer reads (game-shares.ts: one reader per game), and creates the consumer group of new games (from id 0).
   */
  private async refreshGames(): Promise<void> {
    if (Date.now() - this.gamesAt < this.opts.refreshMs && this.games.length) return;
    this.gamesAt = Date.now();
    const registered = await registeredGames(this.client, this.opts.registryKey);
    this.games = ownedGames(registered, await liveMembers(this.client, this.membersKey), this.consumer);
    this.owned = new Set(this.games);
    await this.refreshParked();
    const fresh = this.games.filter((g) => !this.grouped.has(g));
    if (!fresh.length) return;
    const pipe = this.conn!.pipeline();
    for (const g of fresh) pipe.xgroup("CREATE", eventsKey(g), this.group, "0", "MKSTREAM");
    const replies = (await pipe.exec()) ?? [];
    replies.forEach(([err], i) => {
      if (err && !/BUSYGROUP/.test(err.message)) throw err;
      this.grouped.add(fresh[i]!);
    });
  }

  /**
   * Re-reads `parked_games` at most every PARKED_REFRESH_MS (a game another persister parked is only
   * refused again here until then, and parks nothing twice). A game whose row is gone resumes.
   */
  private async refreshParked(): Promise<void> {
    if (Date.now() - this.parkedAt < Math.max(this.opts.refreshMs, PARKED_REFRESH_MS)) return;
    this.parkedAt = Date.now();
    const parked = new Set((await parkedGames(this.db)).map((p) => p.gameId));
    if ([...this.parked].some((g) => !parked.has(g))) this.resumed = true;
    this.parked = parked;
  }

  /** Persists this consumer's pending entries (read before a crash, never acked), oldest first. */
  private async recoverPending(): Promise<void> {
    await this.settle();
    for (const keys of chunks(this.active().map(eventsKey), this.opts.streamsPerCall)) {
      const after = new Map(keys.map((k) => [k, "0"]));
      while (after.size && !this.stopping) {
        const entries = await this.read([...after.keys()], [...after.values()]);
        const seen = new Set(entries.map((e) => e.key));
        for (const k of [...after.keys()]) if (!seen.has(k)) after.delete(k);
        for (const e of entries) if (after.has(e.key)) after.set(e.key, e.id);
        await this.process(entries);
        for (const k of [...after.keys()]) if (this.parked.has(gameOfKey(k))) after.delete(k);
      }
    }
  }

  /** Takes over entries other consumers have left pending longer than claimIdleMs (a dead process). */
  private async claimStale(): Promise<void> {
    const idle = this.opts.claimIdleMs;
    if (idle <= 0 || Date.now() - this.claimAt < Math.min(idle, 5000)) return;
    this.claimAt = Date.now();
    await this.settle();
    for (const g of this.active()) {
      let start = "0-0";
      do {
        const [next, rows] = (await this.conn!.call(
          "XAUTOCLAIM",
          eventsKey(g),
          this.group,
          this.consumer,
          idle,
          start,
          "COUNT",
          this.opts.batchSize,
        )) as [string, [string, string[] | null][]];
        const entries = toEntries([[eventsKey(g), rows]]);
        this.stats.claimed += entries.length;
        await this.process(entries);
        start = next;
      } while (start !== "0-0" && !this.stopping && !this.parked.has(g));
    }
  }

  /**
   * One pass over every game's new entries; blocks briefly per chunk only when the last pass found
   * nothing. A read that found a few entries lingers for more (`linger`). Each chunk's batch is parsed
   * while the previous one is stored (`inflight`), then stored in the background; a pass that finds
   * nothing waits for the last one.
   */
  private async readNew(): Promise<void> {
    const keyChunks = chunks(this.active().map(eventsKey), this.opts.streamsPerCall);
    if (!keyChunks.length) {
      await sleep(this.opts.blockMs);
      return;
    }
    const block = this.idle ? Math.max(1, Math.floor(this.opts.blockMs / keyChunks.length)) : undefined;
    const linger = { until: 0 };
    let total = 0;
    for (const keys of keyChunks) {
      if (this.stopping) break;
      const first = await this.read(
        keys,
        keys.map(() => ">"),
        block,
      );
      const entries = await this.linger(keys, first, linger);
      total += entries.length;
      if (!entries.length) continue;
      const batch = await this.prepare(entries);
      await this.settle();
      const storing = this.finish(batch);
      storing.catch(() => {}); // seen by settle(), which rethrows it into the loop
      this.inflight = storing;
    }
    this.idle = total === 0;
    if (this.idle || this.stopping) await this.settle();
  }

  /**
   * Lingering: after a read of `keys` that found some entries but fewer than min(lingerEntries,
   * batchSize), reads on (every LINGER_PACE_MS, without blocking) until it has that many or
   * the pass's deadline (`linger.until`, lingerMs after its first linger) has passed, so that entries
   * arriving close together share one PostgreSQL transaction instead of one each. At trickle rates the
   * transaction's fixed cost (a dozen round trips) dwarfs the per-event cost (docs/persistence.md
   * "Lingering at classroom rates"). A hurry (hurry.ts: a reader waits for PostgreSQL) ends it at once.
   * Returns `first` and what arrived meanwhile, each stream's in order.
   */
  private async linger(keys: string[], first: Entry[], linger: { until: number }): Promise<Entry[]> {
    const { lingerMs } = this.opts;
    // a read as large as batchSize is no trickle: the next read takes the rest at once
    const enough = Math.min(this.opts.lingerEntries, this.opts.batchSize);
    if (!first.length || first.length >= enough || lingerMs <= 0 || this.hurry.active) return first;
    linger.until ||= Date.now() + lingerMs;
    const entries = [...first];
    for (;;) {
      const left = linger.until - Date.now();
      if (left <= 0 || entries.length >= enough || this.stopping || this.hurry.active) return entries;
      // Paced reads that never block in Valkey: a blocked XREADGROUP could not be cut short by a hurry, and
      // an idle Valkey ends a BLOCK timeout only at its next cron tick (hz 10: up to 100 ms late). The
      // sleep is what a hurry (a reader waiting for PostgreSQL) ends: one last read, then store.
      await this.hurry.sleep(Math.min(left, LINGER_PACE_MS));
      entries.push(
        ...(await this.read(
          keys,
          keys.map(() => ">"),
          undefined,
          enough - entries.length,
        )),
      );
    }
  }

  /** Waits for the batch being stored in the background; rethrows its failure. */
  private async settle(): Promise<void> {
    const p = this.inflight;
    this.inflight = null;
    if (p) await p;
  }

  /** The watched games that are not parked. */
  private active(): string[] {
    return this.parked.size ? this.games.filter((g) => !this.parked.has(g)) : this.games;
  }

  /** XREADGROUP of `keys` after `ids` ('>' = new, '0' = own pending), at most `count` entries per stream. */
  private async read(keys: string[], ids: string[], blockMs?: number, count = this.opts.batchSize): Promise<Entry[]> {
    const args: (string | number)[] = ["GROUP", this.group, this.consumer, "COUNT", count];
    if (blockMs !== undefined) args.push("BLOCK", blockMs);
    args.push("STREAMS", ...keys, ...ids);
    return toEntries((await this.conn!.call("XREADGROUP", ...args)) as StreamReply);
  }

  // ---------------------------------------------------------------- one batch

  /**
   * Commit, then ack, then trim: the order that makes a kill anywhere harmless. Entries of a game parked
   * by this batch, from its refused entry on, are not acked: they stay pending. Returns entries handled.
   */
  private async process(entries: Entry[]): Promise<number> {
    if (!entries.length) return 0;
    await this.finish(await this.prepare(entries));
    return entries.length;
  }

  /** The first half of a batch: counts it and parses its entries (parking a game at an entry that is no event). */
  private async prepare(entries: Entry[]): Promise<Prepared> {
    const batchNo = ++this.stats.batches;
    this.stats.entries += entries.length;
    this.fault("afterRead", batchNo);
    const stops = new Map<string, string>(); // game -> first entry id left pending (parked there)
    const events = await this.decode(entries, stops);
    return { entries, batchNo, stops, events };
  }

  /** The second half: commit, ack, trim (see process). A game parked since the batch was read keeps all its entries pending. */
  private async finish({ entries, batchNo, stops, events: all }: Prepared): Promise<void> {
    for (const e of entries) if (this.parked.has(e.gameId) && !stops.has(e.gameId)) stops.set(e.gameId, "0-0");
    const events = stops.size ? all.filter((e) => stops.get(e.gameId) !== "0-0") : all;
    if (events.length) await this.commit(events, batchNo, stops);
    this.fault("afterCommit", batchNo);
    const done = entries.filter((e) => {
      const stop = stops.get(e.gameId);
      return stop === undefined || compareIds(e.id, stop) < 0;
    });
    const streams = await ackAndInspect(this.conn!, this.group, done, [...new Set(entries.map((e) => e.key))]);
    this.fault("afterAck", batchNo);
    await trimStreams(this.conn!, this.group, streams);
  }

  /**
   * Parses entries. A deleted one (null) is counted and acked: nothing is left to store. One that is not
   * an event (bad JSON, or not an EngineEvent: wrong type, missing field) parks its game there; its game's
   * later entries wait.
   */
  private async decode(entries: Entry[], stops: Map<string, string>): Promise<Decoded[]> {
    const out: Decoded[] = [];
    for (const e of entries) {
      if (stops.has(e.gameId)) continue;
      if (e.data === null) {
        this.stats.missing++;
        this.opts.log(`[persister] ${e.key} ${e.id} was deleted before it was persisted`);
        continue;
      }
      // one entry holds the events of one committed batch (engine/stream-entries.ts)
      for (const raw of entryTexts(e.data)) {
        const event = parseEntry(raw);
        if (typeof event === "string") {
          await this.settle(); // the batch before this one is stored before the game is parked
          await this.park(e, 0, `not an event: ${event}`, stops);
          break;
        }
        out.push({ gameId: e.gameId, raw, event, entry: e });
      }
    }
    return out;
  }

  /**
   * Stores `events`: one transaction for the batch; if PostgreSQL refuses it (and is not down), one per
   * game; a game that still fails is stored event by event up to the refused one, which parks the game.
   * A dependency being down (or the test hook) throws: the loop retries the whole batch.
   */
  private async commit(events: Decoded[], batchNo: number, stops: Map<string, string>): Promise<void> {
    try {
      await this.write(events, batchNo);
      return;
    } catch (err) {
      if (retryable(err)) throw err;
      this.opts.log(
        `[persister] a batch of ${events.length} events was refused (${(err as Error).message}); writing each game alone`,
      );
    }
    const byGame = new Map<string, Decoded[]>();
    for (const e of events) (byGame.get(e.gameId) ?? byGame.set(e.gameId, []).get(e.gameId)!).push(e);
    for (const [, game] of [...byGame].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      try {
        await this.write(game);
      } catch (err) {
        if (retryable(err)) throw err;
        await this.writeUpToRefused(game, stops);
      }
    }
  }

  /** One game's events one transaction each, in seq order, until PostgreSQL refuses one: that one parks the game. */
  private async writeUpToRefused(game: Decoded[], stops: Map<string, string>): Promise<void> {
    for (const e of [...game].sort((a, b) => a.event.seq - b.event.seq)) {
      try {
        await this.write([e]);
      } catch (err) {
        if (retryable(err)) throw err;
        await this.park(e.entry, e.event.seq, (err as Error).message, stops);
        return;
      }
    }
  }

  /** Records the game as parked at `entry` (PostgreSQL row, this process's set) and stops its batch there. */
  private async park(entry: Entry, seq: number, reason: string, stops: Map<string, string>): Promise<void> {
    await parkGame(this.db, { gameId: entry.gameId, seq, entryId: entry.id, reason, data: entry.data ?? "" });
    this.parked.add(entry.gameId);
    stops.set(entry.gameId, entry.id);
    this.stats.parked++;
    this.opts.log(`[persister] game ${entry.gameId} parked at entry ${entry.id} (seq ${seq}): ${reason}`);
  }

  /** One transaction for `events` (batch-write.ts); the counters and watermarks follow what it did. */
  private async write(events: Decoded[], batchNo?: number): Promise<void> {
    const results = await writeBatch(this.db, events, this.scales, () => {
      if (batchNo !== undefined) this.fault("beforeCommit", batchNo); // throwing here rolls the transaction back
    });
    this.stats.inserted += results.inserted;
    this.stats.duplicates += events.length - results.inserted;
    for (const p of results.projected) {
      this.stats.applied += p.applied;
      this.stats.fromStore += p.fromStore;
      this.noteApplied(p.gameId, p.appliedSeq);
    }
  }

  private noteApplied(gameId: string, seq: number): void {
    if (seq > this.lastPersistedSeq(gameId)) this.persisted.set(gameId, seq);
  }

  private fault(point: FaultPoint, batchNo: number): void {
    if (this.opts.faultAt === point && batchNo >= this.opts.faultOnBatch) {
      this.stopping = true;
      throw new SimulatedCrash(point);
    }
  }
}
