/**
 * Managing API keys (docs/algo-trading.md, "API keys"):
 *
 *   POST   /keys { name?, rateLimit? }     a key for the caller's player  -> 201 NewApiKey (the key text, shown once)
 *   GET    /keys                           the player's keys (never their text) -> { keys }
 *   DELETE /keys/:keyId                    revoke one of them            -> ApiKey (revokedAt set)
 *   GET    /admin/games/:id/keys           every key of a game (and of its session), with usage and lastUsedAt -> { keys }
 *   POST   /admin/games/:id/players/:pid/keys  a key for any player       -> 201 NewApiKey
 *   DELETE /admin/games/:id/keys/:keyId    revoke any key of the game or its session -> ApiKey
 *
 * The player routes take the player token (or one of the player's API keys). A key's rate limit is the
 * server's (`defaults`) unless a smaller one is asked for; more is INVALID_BODY. `expiresAt` (ms since
 * the epoch, in the future, at most MAX_KEY_LIFETIME_MS ahead) makes a key that stops working then.
 * With a session token the key is a session key (it follows the session's current round) or, with
 * `gameId`, a key for that one round of the session. Revoking calls `revoked(keyId)`, which closes the
 * key's open streams on every process (index.ts).
 */
import { z } from "zod";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { ApiAuth, Caller } from "./auth.ts";
import type { ApiKeyStore } from "./key-store.ts";
import type { ApiRouter } from "./router.ts";
import { SESSION_GAME_PREFIX } from "./key-store.ts";
import { noUsage } from "./usage.ts";
import {
  AdminGameParam,
  AdminKeyIdParams,
  AdminKeyParams,
  CreateKeyBody,
  KeyIdParam,
  KeyInfo,
  KeyList,
  MAX_KEY_LIFETIME_MS,
  NewKey,
} from "./schemas.ts";

/** The server's per-key request limit (API_KEY_RATE_LIMIT requests per API_KEY_RATE_WINDOW_MS). */
export interface KeyRateDefaults {
  requests: number;
  windowMs: number;
}

const KeyUsageList = z.object({
  keys: z.array(
    KeyInfo.extend({
      usage: z.object({
        requests: z.number().int(),
        orders: z.number().int(),
        rejects: z.number().int(),
        rateLimited: z.number().int(),
      }),
      lastUsedAt: z.number().int().nullable().meta({ description: "the key's latest request, ms since the epoch" }),
    }),
  ),
});

export function mountKeyRoutes(
  r: ApiRouter<Caller>,
  service: GameService,
  keys: () => ApiKeyStore,
  auth: ApiAuth,
  defaults: KeyRateDefaults,
  revoked: (keyId: string) => void,
): void {
  const player = (c: Caller) => {
    if (c.kind !== "player" && c.kind !== "key") throw new ApiError("FORBIDDEN", "a player token is required");
    return c;
  };
  const expiryOf = (expiresAt?: number) => {
    if (expiresAt === undefined) return undefined;
    const now = Date.now();
    if (expiresAt <= now || expiresAt > now + MAX_KEY_LIFETIME_MS)
      throw new ApiError("INVALID_BODY", "expiresAt must be in the future and at most a year ahead");
    return expiresAt;
  };
  /** The game a player's new key names: the caller's round, a session (session key), or one round of it. */
  const scopeOf = async (gameId: string, asked?: string) => {
    if (!gameId.startsWith(SESSION_GAME_PREFIX)) {
      if (asked !== undefined && asked !== gameId)
        throw new ApiError("INVALID_BODY", "gameId may only name a round of the caller's session");
      return gameId;
    }
    if (asked === undefined) return gameId;
    const rounds = await service.store.sessionRounds(gameId.slice(SESSION_GAME_PREFIX.length));
    if (!rounds.includes(asked)) throw new ApiError("INVALID_BODY", `${asked} is not a round of this session`);
    return asked;
  };
  const limitOf = (asked?: { requests: number; windowMs: number }) => {
    if (!asked) return defaults;
    // Compare rates without floats: requests/windowMs <= defaults.requests/defaults.windowMs.
    if (asked.requests * defaults.windowMs > defaults.requests * asked.windowMs || asked.requests > defaults.requests) {
      throw new ApiError(
        "INVALID_BODY",
        `a key may make at most ${defaults.requests} requests per ${defaults.windowMs} ms`,
      );
    }
    return asked;
  };
  const create = async (
    gameId: string,
    playerId: string,
    body: z.output<typeof CreateKeyBody>,
    createdBy: "player" | "admin",
  ) => {
    if (!gameId.startsWith(SESSION_GAME_PREFIX)) {
      // A session player is in every round of the session; a session token proves that already.
      const info = unwrap(await service.hub.engine.gameInfo(gameId));
      if (!info.players.some((p) => p.playerId === playerId))
        throw new ApiError("UNKNOWN_PLAYER", `no player ${playerId}`);
    }
    const limit = limitOf(body.rateLimit);
    const expiresAt = expiryOf(body.expiresAt);
    return keys().create(gameId, playerId, {
      name: body.name,
      requests: limit.requests,
      windowMs: limit.windowMs,
      createdBy,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
  };
  /** The game ids a round's keys may name: the round, and `session:<id>` when it is a session's round. */
  const keyGames = async (gameId: string) => {
    const { sessionId } = await service.record(gameId);
    return sessionId ? [gameId, SESSION_GAME_PREFIX + sessionId] : [gameId];
  };
  const revoke = async (gameId: string, keyId: string) => {
    const k = await keys().revoke(gameId, keyId);
    if (k) revoked(keyId);
    return k;
  };

  r.add({
    method: "post",
    path: "/keys",
    access: "player",
    summary: "Create an API key for the caller's player (the key is in this reply only)",
    body: CreateKeyBody,
    replies: { 201: NewKey },
    errors: ["INVALID_BODY", "FORBIDDEN"],
    handler: async ({ body, caller }) => {
      const c = player(caller);
      return create(await scopeOf(c.gameId, body.gameId), c.playerId, body, "player");
    },
  });

  r.add({
    method: "get",
    path: "/keys",
    access: "player",
    summary: "The caller's player's API keys (without their text)",
    replies: { 200: KeyList },
    errors: ["FORBIDDEN"],
    handler: async ({ caller }) => {
      const c = player(caller);
      return { keys: await keys().list(c.gameId, c.playerId) };
    },
  });

  r.add({
    method: "delete",
    path: "/keys/:keyId",
    access: "player",
    summary: "Revoke one of the caller's player's API keys",
    params: KeyIdParam,
    replies: { 200: KeyInfo },
    errors: ["NOT_FOUND", "FORBIDDEN"],
    handler: async ({ params, caller }) => {
      const c = player(caller);
      const k = await keys().get(c.gameId, params.keyId);
      if (!k || k.playerId !== c.playerId) throw new ApiError("NOT_FOUND", `no key ${params.keyId}`);
      return revoke(c.gameId, params.keyId);
    },
  });

  r.add({
    method: "get",
    path: "/admin/games/:id/keys",
    access: "admin",
    summary:
      "Every API key of a game (and the session keys of its session) with its usage in the game and its last request (all server processes)",
    params: AdminGameParam,
    replies: { 200: KeyUsageList },
    errors: ["NOT_FOUND", "FORBIDDEN", "UNKNOWN_GAME"],
    handler: async ({ params }) => {
      const games = await keyGames(params.id);
      const usage = await auth.usage.read(params.id);
      const all = (await Promise.all(games.map((g) => keys().list(g)))).flat();
      all.sort((a, b) => b.createdAt - a.createdAt || a.keyId.localeCompare(b.keyId));
      return {
        keys: all.map((k) => {
          const u = usage.get(k.keyId);
          return { ...k, usage: u?.usage ?? noUsage(), lastUsedAt: u?.lastUsedAt ?? null };
        }),
      };
    },
  });

  r.add({
    method: "post",
    path: "/admin/games/:id/players/:pid/keys",
    access: "admin",
    summary: "Create an API key for any player of a game",
    params: AdminKeyParams,
    body: CreateKeyBody,
    replies: { 201: NewKey },
    errors: ["NOT_FOUND", "FORBIDDEN", "INVALID_BODY", "UNKNOWN_GAME", "UNKNOWN_PLAYER"],
    handler: async ({ params, body }) => {
      if (body.gameId !== undefined && body.gameId !== params.id)
        throw new ApiError("INVALID_BODY", "gameId must be the game of the path");
      return create(params.id, params.pid, body, "admin");
    },
  });

  r.add({
    method: "delete",
    path: "/admin/games/:id/keys/:keyId",
    access: "admin",
    summary: "Revoke any API key of a game (or a session key of its session)",
    params: AdminKeyIdParams,
    replies: { 200: KeyInfo },
    errors: ["NOT_FOUND", "FORBIDDEN", "UNKNOWN_GAME"],
    handler: async ({ params }) => {
      for (const g of await keyGames(params.id)) {
        const k = await revoke(g, params.keyId);
        if (k) return k;
      }
      throw new ApiError("NOT_FOUND", `no key ${params.keyId}`);
    },
  });
}
