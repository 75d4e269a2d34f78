/**
 * Who calls /api/v1, and how often.
 *
 * - `key` routes take `Authorization: Bearer <API key>` (key-store.ts): the key's player in the key's
 *   game. A missing, unknown or revoked key, or a key of a kicked player, is UNAUTHORIZED (401).
 * - `player` routes (managing one's own keys) take the player token from POST /api/join, or an API key
 *   (its player); `admin` routes the admin token (a player's token: FORBIDDEN, 403).
 *
 * Every request with a key counts against the key's limit (`rateLimit.requests` per `rateLimit.windowMs`,
 * a fixed window opened by the key's first request; rate-limiter-flexible RateLimiterMemory, per process).
 * Each answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the
 * window frees up; IETF draft "RateLimit header fields for HTTP"); over the limit the request is
 * RATE_LIMITED (429) with `Retry-After` (seconds) and `retryAfterMs`, and nothing is done. This is on top
 * of the round's order rate limit (GameHub), which counts the player's orders from every source.
 *
 * Usage per key (requests, orders, rejects, rate limited) is counted here, in Valkey (usage.ts), for the
 * admin's usage page.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { ApiError } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import { bearer } from "../request.ts";
import type { KickedPlayers } from "./auth-cache.ts";
import { setReplyHeader } from "./reply-headers.ts";
import { SESSION_GAME_PREFIX, type ApiKeyInfo, type ApiKeyStore } from "./key-store.ts";
import type { Access } from "./router.ts";
import type { ApiUsage, UsageSource } from "./usage.ts";

/** RATE_LIMITED with the ms until a retry may succeed (body `retryAfterMs`, header Retry-After). */
export class RetryLater extends ApiError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super("RATE_LIMITED", message);
  }
}

export type Caller =
  | { kind: "key"; gameId: string; playerId: string; keyId: string }
  | { kind: "player"; gameId: string; playerId: string }
  | { kind: "admin" }
  | { kind: "public" };

export class ApiAuth {
  /** `${requests}/${windowMs}` -> its limiter and the fixed RateLimit-* header values. */
  private readonly limiters = new Map<string, { limiter: RateLimiterMemory; limit: string; policy: string }>();

  /** `kicks`: kicked players as this process remembers them (auth-cache.ts). */
  constructor(
    private readonly service: GameService,
    private readonly keys: ApiKeyStore | undefined,
    readonly usage: ApiUsage,
    readonly kicks: KickedPlayers,
  ) {}

  /** The caller of `req` for a route of `access`; throws ApiError. Sets the rate limit headers for keys. */
  async authorize(access: Access, req: IncomingMessage, res: ServerResponse): Promise<Caller> {
    if (access === "public") return { kind: "public" };
    const token = bearer(req);
    if (access === "admin") {
      const who = await this.service.authenticate(token);
      if (!who) throw new ApiError("UNAUTHORIZED", "an admin bearer token is required");
      if (who.role !== "admin") throw new ApiError("FORBIDDEN", "this needs the admin token");
      return { kind: "admin" };
    }
    if (access === "player" && token && !token.startsWith("mrk_")) {
      const who = await this.service.authenticate(token);
      if (who?.role === "player") return { kind: "player", gameId: who.gameId, playerId: who.playerId };
      if (who?.role === "admin")
        throw new ApiError("FORBIDDEN", "this needs a player token; admins use /api/v1/admin/...");
      throw new ApiError("UNAUTHORIZED", "a player token or API key is required");
    }
    const key = await this.key(token);
    await this.consume(key.keyId, key.rateLimit, res, { gameId: key.gameId, playerId: key.playerId, keyId: key.keyId });
    return { kind: "key", gameId: key.gameId, playerId: key.playerId, keyId: key.keyId };
  }

  /**
   * The valid key of a bearer token (also for the stream); throws UNAUTHORIZED (missing, unknown,
   * revoked, expired, kicked player). A session key comes back with `gameId` = the session's current
   * round (UNKNOWN_GAME while the session has none).
   */
  async key(token: string | undefined): Promise<ApiKeyInfo> {
    if (!this.keys) throw new ApiError("UNAVAILABLE", "API keys need PostgreSQL, which this server runs without");
    const found = token ? await this.keys.verify(token) : null;
    if (!found)
      throw new ApiError(
        "UNAUTHORIZED",
        token ? "unknown, revoked or expired API key" : "an API key is required (Authorization: Bearer mrk_...)",
      );
    const key =
      found.scope === "session"
        ? { ...found, gameId: await this.currentRound(found.gameId.slice(SESSION_GAME_PREFIX.length)) }
        : found;
    if (await this.kicks.kicked(key.gameId, key.playerId))
      throw new ApiError("UNAUTHORIZED", "this player was removed from the game");
    return key;
  }

  /** The latest round of a session (sessions.ts: the current one). */
  private async currentRound(sessionId: string): Promise<string> {
    const rounds = await this.service.store.sessionRounds(sessionId);
    const last = rounds.at(-1);
    if (!last) throw new ApiError("UNKNOWN_GAME", `session ${sessionId} has no round yet`);
    return last;
  }

  /** Counts an order command's outcome of a key or webhook (place, amend): an order, or a reject (and a rate limit hit). */
  noteOrder(source: UsageSource, outcome: { ok: true } | { ok: false; code: string }): void {
    if (outcome.ok) {
      this.usage.count(source, "orders");
      return;
    }
    this.usage.count(source, "rejects");
    if (outcome.code === "RATE_LIMITED") this.usage.count(source, "rateLimited");
  }

  /**
   * Counts one request of `id` (a key or a webhook) against `limit`; sets the RateLimit-* headers;
   * throws RetryLater (RATE_LIMITED, Retry-After) over the limit. Counts the request (and a refusal) in
   * the usage of `source`.
   */
  async consume(
    id: string,
    limit: { requests: number; windowMs: number },
    res: ServerResponse,
    source: UsageSource,
  ): Promise<void> {
    const { requests, windowMs } = limit;
    const policy = `${requests}/${windowMs}`;
    let p = this.limiters.get(policy);
    if (!p) {
      p = {
        limiter: new RateLimiterMemory({ points: requests, duration: windowMs / 1000 }),
        limit: String(requests),
        policy: `${requests};w=${Math.ceil(windowMs / 1000)}`,
      };
      this.limiters.set(policy, p);
    }
    const { limiter } = p;
    this.usage.count(source, "requests");
    try {
      rateLimitHeaders(res, p, await limiter.consume(id));
    } catch (r) {
      if (!(r instanceof RateLimiterRes)) throw r;
      rateLimitHeaders(res, p, r);
      this.usage.count(source, "rateLimited");
      const retryAfterMs = Math.max(1, Math.ceil(r.msBeforeNext));
      setReplyHeader(res, "Retry-After", String(Math.ceil(retryAfterMs / 1000)));
      throw new RetryLater(
        `at most ${requests} requests per ${windowMs} ms with this key; retry in ${retryAfterMs} ms`,
        retryAfterMs,
      );
    }
  }
}

/**
 * The RateLimit-* headers of a consumed (or refused) request (held for the fast lane's one writeHead,
 * reply-headers.ts). A module function rather than a closure
 * made per request (under tsx's keepNames each closure made costs an Object.defineProperty: profiled).
 */
function rateLimitHeaders(res: ServerResponse, p: { limit: string; policy: string }, r: RateLimiterRes): void {
  setReplyHeader(res, "RateLimit-Limit", p.limit);
  setReplyHeader(res, "RateLimit-Remaining", String(Math.max(0, r.remainingPoints)));
  setReplyHeader(res, "RateLimit-Reset", String(Math.ceil(r.msBeforeNext / 1000)));
  setReplyHeader(res, "RateLimit-Policy", p.policy);
}
