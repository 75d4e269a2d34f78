/**
 * What the game service keeps beside the engine, in Valkey (the live store; it survives restarts with
 * AOF like the engine's keys). Every per-game key carries the game's hash tag.
 *
 * game:{g}:meta            hash  settings (JSON), joinCode, createdAt, and the schedule: startedAt,
 *                                resumedAt, elapsedMs, durationMs, endedAt, resultsAt (ms; 0 = not yet)
 * game:{g}:meta:players    hash  player id -> JSON { name, bot, startCash, startHoldings, botKind? }
 * marketroom:game-index    zset  game id, score = createdAt
 * marketroom:joincodes     hash  join code -> game id
 * marketroom:token-secret  string  HMAC key of player tokens (when TOKEN_SECRET is unset)
 * marketroom:admin-token   string  admin bearer token (when ADMIN_TOKEN is unset)
 */
import { randomInt } from "node:crypto";
import type { Redis } from "iovalkey";
import type { PlayerMeta } from "./model.ts";
import { randomSecret } from "./tokens.ts";

const INDEX_KEY = "marketroom:game-index";
const CODES_KEY = "marketroom:joincodes";
const SECRET_KEY = "marketroom:token-secret";
const ADMIN_KEY = "marketroom:admin-token";
const metaKey = (g: string) => `game:{${g}}:meta`;
const playersKey = (g: string) => `game:{${g}}:meta:players`;

/** Join code alphabet: no 0/O, 1/I/L. */
const CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/**
 * The schedule of a round. Times in ms since the epoch (0 = not yet): first start, start of the current
 * running stretch (0 while not running), end, results written. elapsedMs = running time accumulated
 * before the current stretch; durationMs = round length (0 = no scheduled end).
 */
export interface Schedule { startedAt: number; resumedAt: number; elapsedMs: number; durationMs: number; endedAt: number; resultsAt: number }

export interface GameRecord<S> extends Schedule { gameId: string; settings: S; joinCode: string; createdAt: number }

/** A stored player: its start endowment and whether it is a bot (and of which kind). */
export interface StoredPlayer extends PlayerMeta { botKind?: string; botSpec?: unknown }

const SCHEDULE_FIELDS = ["startedAt", "resumedAt", "elapsedMs", "durationMs", "endedAt", "resultsAt"] as const;

export class GameStore {
  constructor(private readonly client: Redis) {}

  /** Stores a new game with a fresh join code; returns the code. */
  async create<S>(gameId: string, settings: S, durationMs: number): Promise<string> {
    const code = await this.newJoinCode(gameId);
    const now = Date.now();
    await this.client.multi()
      .hset(metaKey(gameId), { settings: JSON.stringify(settings), joinCode: code, createdAt: now, durationMs })
      .zadd(INDEX_KEY, now, gameId)
      .exec();
    return code;
  }

  /** The game's record, or null when the service does not know it. */
  async get<S>(gameId: string): Promise<GameRecord<S> | null> {
    const h = await this.client.hgetall(metaKey(gameId));
    if (!h.settings) return null;
    const num = (k: string) => Number(h[k] ?? 0) || 0;
    return {
      gameId, settings: JSON.parse(h.settings) as S, joinCode: h.joinCode ?? "", createdAt: num("createdAt"),
      startedAt: num("startedAt"), resumedAt: num("resumedAt"), elapsedMs: num("elapsedMs"), durationMs: num("durationMs"),
      endedAt: num("endedAt"), resultsAt: num("resultsAt"),
    };
  }

  /** Updates schedule fields. */
  async setSchedule(gameId: string, s: Partial<Schedule>): Promise<void> {
    const fields = Object.fromEntries(SCHEDULE_FIELDS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]!]));
    if (Object.keys(fields).length) await this.client.hset(metaKey(gameId), fields);
  }

  /** Game ids, newest first. */
  async list(offset = 0, limit = 100): Promise<string[]> {
    return this.client.zrevrange(INDEX_KEY, offset, offset + limit - 1);
  }

  /** The game of a join code, or null. */
  async gameOfCode(code: string): Promise<string | null> {
    return this.client.hget(CODES_KEY, code);
  }

  async putPlayer(gameId: string, playerId: string, p: StoredPlayer): Promise<void> {
    await this.client.hset(playersKey(gameId), playerId, JSON.stringify(p));
  }

  async players(gameId: string): Promise<Map<string, StoredPlayer>> {
    const h = await this.client.hgetall(playersKey(gameId));
    return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as StoredPlayer]));
  }

  async player(gameId: string, playerId: string): Promise<StoredPlayer | null> {
    const v = await this.client.hget(playersKey(gameId), playerId);
    return v ? (JSON.parse(v) as StoredPlayer) : null;
  }

  /** The HMAC secret kept in Valkey, created on first use. */
  async tokenSecret(): Promise<string> {
    return this.persistentSecret(SECRET_KEY);
  }

  /** The admin token kept in Valkey, created on first use. */
  async adminToken(): Promise<string> {
    return this.persistentSecret(ADMIN_KEY);
  }

  private async persistentSecret(key: string): Promise<string> {
    await this.client.set(key, randomSecret(), "NX");
    return (await this.client.get(key))!;
  }

  private async newJoinCode(gameId: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const len = attempt < 10 ? 6 : 8;
      const code = Array.from({ length: len }, () => CODE_CHARS[randomInt(CODE_CHARS.length)]).join("");
      if (await this.client.hsetnx(CODES_KEY, code, gameId)) return code;
    }
    throw new Error("could not allocate a join code");
  }
}
