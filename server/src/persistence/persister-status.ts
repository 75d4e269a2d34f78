/**
 * What the game server knows about the persisters, which run in processes of their own
 * (server/src/persister-main.ts): everything is read from Valkey and PostgreSQL, nothing from an
 * in-process object, so the server works the same whether zero, one or several persisters run.
 *
 *   lagMs()     now minus the ts of the oldest event still in the stream of a registered, unparked game
 *               (Valkey XRANGE COUNT 1 per game, pipelined); 0 when every stream is empty. ms.
 *   drain(g, s) resolves once `event_projection.applied_seq` of game g reaches s (PostgreSQL, polled);
 *               throws at once when g is parked, and after `timeoutMs` with the seq reached. Publishes
 *               a hurry meanwhile (hurry.ts) so that no persister lingers over the entries it waits for.
 *   consumers() how many persister processes beat in the last HEARTBEAT_STALE_MS (Valkey sorted set
 *               `marketroom:persisters`, score = last beat in ms; written by every Persister loop).
 *
 * The persister process itself uses the same functions (persister.ts), so both report the same numbers.
 */
import type { Redis } from "iovalkey";
import { eventsKey } from "../engine/keys.ts";
import type { Db } from "./db.ts";
import { GAMES_KEY, registeredGames } from "./games-registry.ts";
import { parkedGames } from "./parked.ts";
import { entryData, entryTexts } from "../engine/stream-entries.ts";
import { HurrySender } from "./hurry.ts";

/** Sorted set of persister consumers, scored by their last heartbeat (ms since the epoch). */
export const HEARTBEATS_KEY = "marketroom:persisters";
/** How often a persister beats, ms. */
export const HEARTBEAT_MS = 1000;
/** A consumer that has not beaten for this long counts as gone, ms. */
export const HEARTBEAT_STALE_MS = 5000;
/** How often the parked games are re-read from PostgreSQL at most, ms. */
const PARKED_REFRESH_MS = 1000;
/**
 * Poll intervals of drain(), ms: the first poll comes soon, because a hurried persister (hurry.ts) stores
 * the entries a reader waits for in about one transaction (a few ms); then it backs off to the last one.
 */
const DRAIN_POLL_MS = [2, 4, 8, 16, 25] as const;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Now minus the ts of the oldest entry in the streams of `games`, ms (0 when all are empty). The entry's
 * `data` field is the event JSON with an integer `ts` (ms since the epoch).
 */
export async function streamLagMs(client: Redis, games: string[]): Promise<number> {
  if (!games.length) return 0;
  const pipe = client.pipeline();
  for (const g of games) pipe.xrange(eventsKey(g), "-", "+", "COUNT", 1);
  let oldest = Infinity;
  for (const [err, rows] of (await pipe.exec()) ?? []) {
    const first = !err && (rows as [string, string[]][])[0];
    if (first) oldest = Math.min(oldest, tsOf(first[1]));
  }
  return oldest === Infinity ? 0 : Math.max(0, Date.now() - oldest);
}

/** The ts of an entry's first event (flat [field, value, ...] with field `data`); Infinity when unreadable. */
function tsOf(fields: string[]): number {
  try {
    const ts = (JSON.parse(entryTexts(entryData(fields) ?? "{}")[0] ?? "{}") as { ts?: unknown }).ts;
    return typeof ts === "number" ? ts : Infinity;
  } catch {
    return Infinity; // a bad entry parks its game; it says nothing about lag
  }
}

/** Records that `consumer` is alive (ZADD now) and drops consumers silent for a long time. */
export async function beat(client: Redis, consumer: string, key = HEARTBEATS_KEY): Promise<void> {
  const now = Date.now();
  await client
    .pipeline()
    .zadd(key, now, consumer)
    .zremrangebyscore(key, "-inf", now - 60 * HEARTBEAT_STALE_MS)
    .exec();
}

/** Removes `consumer` from the heartbeats (a clean stop). */
export async function unbeat(client: Redis, consumer: string, key = HEARTBEATS_KEY): Promise<void> {
  await client.zrem(key, consumer);
}

export interface PersisterStatusOptions {
  /** The registry SET of game ids (default `marketroom:games`). */
  registryKey?: string;
  /** The heartbeats sorted set (default `marketroom:persisters`). */
  heartbeatsKey?: string;
}

/**
 * The server's view of the persisters (GameService's PersisterPort, /health, /metrics, the history API).
 * `client` is the server's Valkey connection; no blocking command is sent on it.
 */
export class PersisterStatus {
  private readonly registryKey: string;
  private readonly heartbeatsKey: string;
  /** applied_seq last seen per game (monotonic), so a drain already reached needs no query. */
  private readonly applied = new Map<string, number>();
  private parked = new Set<string>();
  private parkedAt = 0;
  private readonly hurry: HurrySender;

  constructor(
    private readonly client: Redis,
    private readonly db: Db,
    options: PersisterStatusOptions = {},
  ) {
    this.registryKey = options.registryKey ?? GAMES_KEY;
    this.heartbeatsKey = options.heartbeatsKey ?? HEARTBEATS_KEY;
    this.hurry = new HurrySender(client);
  }

  /**
   * Lag in ms: now minus the ts of the oldest event not yet stored, over registered games that are not
   * parked (a parked game's waiting entries are reported as parked instead). 0 when nothing waits.
   */
  async lagMs(): Promise<number> {
    await this.refreshParked();
    const games = (await registeredGames(this.client, this.registryKey)).filter((g) => !this.parked.has(g));
    return streamLagMs(this.client, games);
  }

  /** Persister processes that beat within the last HEARTBEAT_STALE_MS. */
  async consumers(): Promise<number> {
    return this.client.zcount(this.heartbeatsKey, Date.now() - HEARTBEAT_STALE_MS, "+inf");
  }

  /**
   * Waits until event `seq` of `gameId` and every earlier one are in PostgreSQL with their derived rows,
   * whichever persister process wrote them. While it waits it asks the persisters to stop lingering
   * (hurry.ts), so a read-your-writes costs about one PostgreSQL transaction, not a linger. Errors: the
   * game is parked (at once); `timeoutMs` passed (default 10 s; the message gives the seq reached).
   */
  async drain(gameId: string, seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let polls = 0; ; polls++) {
      if ((this.applied.get(gameId) ?? 0) >= seq) return;
      const [row, parked] = await Promise.all([
        this.db.selectFrom("event_projection").select("applied_seq").where("game_id", "=", gameId).executeTakeFirst(),
        this.db.selectFrom("parked_games").select("seq").where("game_id", "=", gameId).executeTakeFirst(),
      ]);
      const reached = row?.applied_seq ?? 0;
      if (reached > (this.applied.get(gameId) ?? 0)) this.applied.set(gameId, reached);
      if (reached >= seq) return;
      if (parked) throw new Error(`game ${gameId} is parked: an event PostgreSQL refused blocks it (see parked_games)`);
      if (Date.now() >= deadline) {
        throw new Error(
          `drain timeout: game ${gameId} persisted up to seq ${reached}, waited for ${seq} (${timeoutMs} ms)`,
        );
      }
      this.hurry.request(gameId, seq); // only once PostgreSQL is known to be behind: no needless hurry
      await sleep(DRAIN_POLL_MS[Math.min(polls, DRAIN_POLL_MS.length - 1)]!);
    }
  }

  private async refreshParked(): Promise<void> {
    if (Date.now() - this.parkedAt < PARKED_REFRESH_MS) return;
    this.parked = new Set((await parkedGames(this.db)).map((p) => p.gameId));
    this.parkedAt = Date.now();
  }
}
