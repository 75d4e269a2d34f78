/**
 * API usage of a round, per key (and inbound webhook) and per player, for the admin (docs/algo-trading.md
 * "Usage"). Counted in Valkey, so every server process adds to the same numbers and they outlive a
 * restart: hash `game:{<gameId>}:api_usage`, field `<keyId>|<playerId>|<counter>`, value a count.
 *
 * Counters: `requests` (every request with the key, rate limited ones included), `orders` (place and
 * amend that went through), `rejects` (place and amend that were refused, any code), `rateLimited`
 * (requests refused by the key's own limit, and orders refused by the round's order rate limit).
 *
 * Besides the counters, field `<keyId>|<playerId>|lastUsedAt` holds when the key last made a request (ms
 * since the epoch; each process writes the latest it saw, so across processes it may lag by FLUSH_MS).
 *
 * Counting is fire-and-forget (a failure is logged, never fails the request): counts collect in memory
 * and go to Valkey every FLUSH_MS in one pipeline (per game one script of HINCRBYs and one HSET of the
 * request times), so a request costs no
 * Valkey command of its own. `read` sends what is pending first, so a process reads its own counts; a
 * count made on another process shows within FLUSH_MS.
 */
import type { Redis } from "iovalkey";
import type { Logger } from "../../config.ts";

export const usageKey = (gameId: string) => `game:{${gameId}}:api_usage`;

export const USAGE_COUNTERS = ["requests", "orders", "rejects", "rateLimited"] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number];
export type Usage = Record<UsageCounter, number>;

/** Who a counted request came from: a key (or webhook id) of a player of a game. */
export interface UsageSource {
  gameId: string;
  playerId: string;
  keyId: string;
}

/** How long counts collect in memory before they go to Valkey, ms. */
export const FLUSH_MS = 100;

export const noUsage = (): Usage => ({ requests: 0, orders: 0, rejects: 0, rateLimited: 0 });

/** Field suffix of a key's last request time. */
const LAST_USED = "lastUsedAt";

/**
 * HINCRBY of every field of one hash in one command: KEYS[1] the hash, ARGV field, increment, field,
 * increment... A flush sends one command per game instead of one per key and counter, which at a
 * thousand requests a second was two Valkey commands per request in the server's client
 * (docs/api-benchmark.md).
 */
const HINCRBY_ALL = "for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end";

export class ApiUsage {
  /** Counts not yet in Valkey: game id -> field -> increment. */
  private pending = new Map<string, Map<string, number>>();
  /** `<gameId>\n<field>` -> the latest request time not yet in Valkey (ms). */
  private lastUsed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly valkey: Redis,
    private readonly log: Logger,
  ) {}

  /** Adds one to `counter` of the source (in Valkey within FLUSH_MS). */
  count(s: UsageSource, counter: UsageCounter): void {
    let fields = this.pending.get(s.gameId);
    if (!fields) this.pending.set(s.gameId, (fields = new Map()));
    const field = `${s.keyId}|${s.playerId}|${counter}`;
    fields.set(field, (fields.get(field) ?? 0) + 1);
    if (counter === "requests") this.lastUsed.set(`${s.gameId}\n${s.keyId}|${s.playerId}|${LAST_USED}`, Date.now());
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Sends the pending counts to Valkey in one pipeline; resolves once Valkey has them (errors logged). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.valkey.pipeline();
    for (const [gameId, fields] of this.pending) {
      const args: (string | number)[] = [];
      for (const [field, n] of fields) args.push(field, n);
      batch.eval(HINCRBY_ALL, 1, usageKey(gameId), ...args);
    }
    const times = new Map<string, string[]>();
    for (const [at, ms] of this.lastUsed) {
      const cut = at.indexOf("\n");
      const gameId = at.slice(0, cut);
      let pairs = times.get(gameId);
      if (!pairs) times.set(gameId, (pairs = []));
      pairs.push(at.slice(cut + 1), String(ms));
    }
    for (const [gameId, pairs] of times) batch.hset(usageKey(gameId), ...pairs);
    this.pending = new Map();
    this.lastUsed = new Map();
    await batch.exec().catch((err) => this.log.warn({ err: String(err) }, "api usage count failed"));
  }

  /**
   * Usage of every key of the game that made a request: keyId -> { playerId, usage, lastUsedAt } (ms since
   * the epoch; null when unknown).
   */
  async read(gameId: string): Promise<Map<string, { playerId: string; usage: Usage; lastUsedAt: number | null }>> {
    await this.flush();
    const out = new Map<string, { playerId: string; usage: Usage; lastUsedAt: number | null }>();
    for (const [field, value] of Object.entries(await this.valkey.hgetall(usageKey(gameId)))) {
      const [keyId, playerId, counter] = field.split("|") as [string, string, UsageCounter | typeof LAST_USED];
      if (counter !== LAST_USED && !USAGE_COUNTERS.includes(counter)) continue;
      let k = out.get(keyId);
      if (!k) {
        k = { playerId, usage: noUsage(), lastUsedAt: null };
        out.set(keyId, k);
      }
      if (counter === LAST_USED) k.lastUsedAt = Number(value);
      else k.usage[counter] += Number(value);
    }
    return out;
  }
}
