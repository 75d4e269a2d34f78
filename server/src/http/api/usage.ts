/**
 * API usage of a round, per key (and inbound webhook) and per player, for the admin (docs/algo-trading.md
 * "Usage"). Counted in Valkey, so every server process adds to the same numbers and they outlive a
 * restart: hash `game:{<gameId>}:api_usage`, field `<keyId>|<playerId>|<counter>`, value a count.
 *
 * Counters: `requests` (every request with the key, rate limited ones included), `orders` (place and
 * amend that went through), `rejects` (place and amend that were refused, any code), `rateLimited`
 * (requests refused by the key's own limit, and orders refused by the round's order rate limit).
 *
 * Counting is fire-and-forget on the API's Valkey connection (a failure is logged, never fails the
 * request); a read on the same connection afterwards sees it, because one connection's commands run in
 * order.
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

export const noUsage = (): Usage => ({ requests: 0, orders: 0, rejects: 0, rateLimited: 0 });

export class ApiUsage {
  constructor(
    private readonly valkey: Redis,
    private readonly log: Logger,
  ) {}

  /** Adds one to `counter` of the source. */
  count(s: UsageSource, counter: UsageCounter): void {
    this.valkey
      .hincrby(usageKey(s.gameId), `${s.keyId}|${s.playerId}|${counter}`, 1)
      .catch((err) => this.log.warn({ err: String(err) }, "api usage count failed"));
  }

  /** Usage of every key of the game that made a request: keyId -> { playerId, usage }. */
  async read(gameId: string): Promise<Map<string, { playerId: string; usage: Usage }>> {
    const out = new Map<string, { playerId: string; usage: Usage }>();
    for (const [field, value] of Object.entries(await this.valkey.hgetall(usageKey(gameId)))) {
      const [keyId, playerId, counter] = field.split("|") as [string, string, UsageCounter];
      if (!USAGE_COUNTERS.includes(counter)) continue;
      let k = out.get(keyId);
      if (!k) {
        k = { playerId, usage: noUsage() };
        out.set(keyId, k);
      }
      k.usage[counter] += Number(value);
    }
    return out;
  }
}
