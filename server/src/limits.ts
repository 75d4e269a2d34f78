/**
 * Process-wide abuse limits, read from the environment (docs/api.md, "Limits"). Per-round limits (the
 * order rate limit and the player cap) are round rules instead (GameRules, docs/rounds.md):
 *
 *   rules.orderRateLimit  (50 per 1000 ms, DEFAULT_ORDER_RATE_LIMIT in shared)  order entries (place,
 *                         amend, cancel; cancel-all never counts) per player over all of the player's
 *                         connections, the REST API and bots together, counted in GameHub; over it
 *                         RATE_LIMITED with retryAfterMs and nothing changes. null = none.
 *   rules.maxPlayers      (500) joins by code per round; GAME_FULL above it.
 *
 *   MAX_MESSAGES_PER_SEC  (200)  WebSocket messages one connection may send per second; above it the
 *                                server closes that connection (code 4002) at once. 0 = no cap.
 *   JOIN_RATE_LIMIT       (300)  POST /api/join requests per client address per JOIN_RATE_WINDOW_SEC;
 *                                above it 429 RATE_LIMITED with Retry-After. 0 = no limit.
 *   JOIN_RATE_WINDOW_SEC  (60)   the join limit's window, seconds.
 *   TRUST_PROXY           (unset) Express "trust proxy" value (e.g. "loopback" or a hop count) when the
 *                                server sits behind a reverse proxy, so that the client address comes
 *                                from X-Forwarded-For; unset = the TCP peer's address.
 *
 * Why these defaults: a person clicks a few times a second and the bundled bots send a few orders a
 * second, so 200 messages a second is never reached by them, while a flood (thousands a second) is cut
 * off within a second. A whole class behind one NAT address joins well within 300 a minute.
 */

export interface Limits {
  /** Messages per second per WebSocket connection; Infinity = no cap. */
  maxMessagesPerSec: number;
  /** Joins per address per window; null = no limit. */
  joinRate: { joins: number; windowSec: number } | null;
  /** Express "trust proxy" setting; undefined = do not trust forwarded headers. */
  trustProxy: string | number | undefined;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessagesPerSec: 200,
  joinRate: { joins: 300, windowSec: 60 },
  trustProxy: undefined,
};

/** A non-negative integer from `env[name]` (fallback when unset); throws a clear Error otherwise. */
function count(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be an integer in [0, ${max}], got "${raw}"`);
  return n;
}

/** Reads the limits from `env` (default process.env). Throws on malformed values. */
export function loadLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  const perSec = count(env, "MAX_MESSAGES_PER_SEC", DEFAULT_LIMITS.maxMessagesPerSec, 1_000_000);
  const joins = count(env, "JOIN_RATE_LIMIT", DEFAULT_LIMITS.joinRate!.joins, 1_000_000);
  const windowSec = count(env, "JOIN_RATE_WINDOW_SEC", DEFAULT_LIMITS.joinRate!.windowSec, 86_400);
  if (joins > 0 && windowSec === 0) throw new Error("JOIN_RATE_WINDOW_SEC must be at least 1");
  const proxy = env.TRUST_PROXY || undefined;
  return {
    maxMessagesPerSec: perSec === 0 ? Infinity : perSec,
    joinRate: joins === 0 ? null : { joins, windowSec },
    trustProxy: proxy !== undefined && /^\d+$/.test(proxy) ? Number(proxy) : proxy,
  };
}
