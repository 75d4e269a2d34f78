/**
 * API keys of algorithmic players, in PostgreSQL (sql/005_api_keys.sql). A key names one player of one
 * game; it is `mrk_` + 32 random bytes (base64url), shown once by `create` and stored only as its
 * SHA-256, so a database dump reveals no usable key. Lookup is by that hash (unique index): an
 * attacker's timing sees only a hash of a 256-bit random value, never a prefix of a real key.
 *
 * A key may expire (`expires_at`, sql/007_api_key_scope.sql): from then on it is as unknown. A session
 * key (game_id `session:<id>`) names a player of a session; auth.ts resolves it to the session's current
 * round on each use.
 *
 * Each key carries its own request limit (`rateRequests` per `rateWindowMs`, docs/algo-trading.md); a
 * player or admin may choose a smaller one than the server's default, never a larger one.
 *
 * Errors: connection errors throw (the HTTP layer answers UNAVAILABLE).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Generated, Kysely } from "kysely";
import type { Db } from "../../persistence/db.ts";
import { LIVE_TTL_MS, type Invalidation } from "./auth-cache.ts";
import { REVOKED_CHANNEL } from "./stream-publisher.ts";

/** The api_keys table of sql/005_api_keys.sql. */
export interface ApiKeysTable {
  key_id: string;
  key_hash: Buffer;
  game_id: string;
  player_id: string;
  name: string;
  rate_requests: number;
  rate_window_ms: number;
  created_by: "player" | "admin";
  created_at: Generated<Date>;
  revoked_at: Date | null;
  expires_at: Date | null;
}

/** A key as listed (never the key text). Times in ms since the epoch; revokedAt null while valid. */
export interface ApiKeyInfo {
  keyId: string;
  gameId: string;
  playerId: string;
  name: string;
  rateLimit: { requests: number; windowMs: number };
  createdBy: "player" | "admin";
  createdAt: number;
  revokedAt: number | null;
  /** ms since the epoch, null = until revoked. */
  expiresAt: number | null;
  /** "session": gameId is `session:<id>` and the key follows the session's current round. */
  scope: "round" | "session";
}

/** A new key: its info plus the key text, shown this once. */
export interface NewApiKey extends ApiKeyInfo {
  key: string;
}

/** Prefix of every key text, so a leaked key is recognisable (secret scanners, logs). */
export const KEY_PREFIX = "mrk_";

/** Prefix of the game id of a session key (sessions.ts sessionTokenGame). */
export const SESSION_GAME_PREFIX = "session:";

/** SHA-256 of a key text. */
export function keyHash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

type Row = Omit<ApiKeysTable, "created_at"> & { created_at: Date };

function info(r: Row): ApiKeyInfo {
  return {
    keyId: r.key_id,
    gameId: r.game_id,
    playerId: r.player_id,
    name: r.name,
    rateLimit: { requests: r.rate_requests, windowMs: r.rate_window_ms },
    createdBy: r.created_by,
    createdAt: r.created_at.getTime(),
    revokedAt: r.revoked_at ? r.revoked_at.getTime() : null,
    expiresAt: r.expires_at ? r.expires_at.getTime() : null,
    scope: r.game_id.startsWith(SESSION_GAME_PREFIX) ? "session" : "round",
  };
}

/**
 * How long a verified key is remembered in this process (ms) while revocations do not reach it over
 * pub/sub (auth-cache.ts), so a program's requests do not each cost a PostgreSQL lookup. While they do,
 * a key is remembered LIVE_TTL_MS and a revocation on any process is applied when its message arrives.
 * Revoking through this process takes effect here at once.
 */
export const KEY_CACHE_MS = 2000;

export class ApiKeyStore {
  private readonly db: Kysely<{ api_keys: ApiKeysTable }>;
  /** Key text -> its info and until when it may be used without a lookup (this process's memory only). */
  private readonly cache = new Map<string, { info: ApiKeyInfo; until: number }>();
  private readonly lookups = new Map<string, Promise<Row | undefined>>();
  /** Revocations made by this process so far: a lookup that overlapped one is not trusted. */
  private revocations = 0;

  /** `invalidation`: revocations of every process (REVOKED_CHANNEL); without it keys are remembered KEY_CACHE_MS. */
  constructor(
    db: Db,
    private readonly invalidation?: Invalidation,
  ) {
    this.db = db.withTables<{ api_keys: ApiKeysTable }>() as unknown as Kysely<{ api_keys: ApiKeysTable }>;
    invalidation?.on(REVOKED_CHANNEL, (keyId) => this.forget(keyId));
    invalidation?.onReset(() => {
      this.revocations++;
      this.cache.clear();
      this.lookups.clear();
    });
  }

  /** Makes a key for (gameId, playerId); the returned `key` is the only copy of its text. */
  async create(
    gameId: string,
    playerId: string,
    opts: { name: string; requests: number; windowMs: number; createdBy: "player" | "admin"; expiresAt?: number },
  ): Promise<NewApiKey> {
    const key = KEY_PREFIX + randomBytes(32).toString("base64url");
    const row = await this.db
      .insertInto("api_keys")
      .values({
        key_id: `k_${randomBytes(8).toString("hex")}`,
        key_hash: keyHash(key),
        game_id: gameId,
        player_id: playerId,
        name: opts.name,
        rate_requests: opts.requests,
        rate_window_ms: opts.windowMs,
        created_by: opts.createdBy,
        revoked_at: null,
        expires_at: opts.expiresAt !== undefined ? new Date(opts.expiresAt) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...info(row), key };
  }

  /** The valid (neither revoked nor expired) key with this text, or null. */
  async verify(key: string): Promise<ApiKeyInfo | null> {
    if (!key.startsWith(KEY_PREFIX)) return null;
    // Remembered by the text itself (which every request carries anyway), so a hit costs no hashing.
    const id = key;
    const hit = this.cache.get(id);
    const now = Date.now();
    if (hit && hit.until > now) return hit.info;
    const hash = keyHash(key);
    // One lookup per key at a time: the requests that arrive meanwhile share it (a burst, or the cache's expiry).
    const revocations = this.revocations;
    let lookup = this.lookups.get(id);
    if (!lookup) {
      lookup = this.db
        .selectFrom("api_keys")
        .selectAll()
        .where("key_hash", "=", hash)
        .where("revoked_at", "is", null)
        .executeTakeFirst()
        .finally(() => this.lookups.delete(id));
      this.lookups.set(id, lookup);
    }
    const row = await lookup;
    if (revocations !== this.revocations) return this.verify(key); // the row may predate a revocation here: read again
    const found = row ? info(row) : null;
    if (!found || (found.expiresAt !== null && found.expiresAt <= now)) {
      this.cache.delete(id);
      return null;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    // Remembered no later than its expiry, so an expired key is refused to the millisecond.
    const ttl = this.invalidation?.live ? LIVE_TTL_MS : KEY_CACHE_MS;
    this.cache.set(id, { info: found, until: Math.min(now + ttl, found.expiresAt ?? Infinity) });
    return found;
  }

  /** Keys of a game, newest first; of one player when `playerId` is given. Revoked keys included. */
  async list(gameId: string, playerId?: string): Promise<ApiKeyInfo[]> {
    let q = this.db.selectFrom("api_keys").selectAll().where("game_id", "=", gameId);
    if (playerId !== undefined) q = q.where("player_id", "=", playerId);
    return (await q.orderBy("created_at", "desc").orderBy("key_id").execute()).map(info);
  }

  /** One key of the game, or null. */
  async get(gameId: string, keyId: string): Promise<ApiKeyInfo | null> {
    const row = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("game_id", "=", gameId)
      .where("key_id", "=", keyId)
      .executeTakeFirst();
    return row ? info(row) : null;
  }

  /** Revokes a key (idempotent: the first revocation time stays); the key as it is now, or null when unknown. */
  async revoke(gameId: string, keyId: string): Promise<ApiKeyInfo | null> {
    this.forget(keyId);
    await this.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where("game_id", "=", gameId)
      .where("key_id", "=", keyId)
      .where("revoked_at", "is", null)
      .execute();
    this.forget(keyId); // a lookup that ran during the update must not be remembered either
    return this.get(gameId, keyId);
  }

  /** Drops what this process remembers of a key (revoked here or on another process). */
  forget(keyId: string): void {
    this.revocations++;
    for (const [id, c] of this.cache) if (c.info.keyId === keyId) this.cache.delete(id);
    this.lookups.clear();
  }
}
