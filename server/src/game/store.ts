/**
 * What the game service keeps beside the engine, in Valkey (the live store; it survives restarts with
 * AOF like the engine's keys). Every per-game key carries the game's hash tag.
 *
 * game:{g}:meta            hash  settings (JSON), joinCode, createdAt, sessionId, round, nextGameId, and
 *                                the schedule: startedAt, resumedAt, elapsedMs, durationMs, endedAt,
 *                                resultsAt, startAt, periodMs, periodCount, breakMs, breakEndsAt
 *                                (ms; 0 = not yet / none)
 * game:{g}:meta:players    hash  player id -> JSON { name, bot, startCash, startHoldings, botKind? }
 * marketroom:game-index    zset  game id, score = createdAt
 * marketroom:joincodes     hash  join code -> game id, or "session:<session id>" for a session's code
 * session:{s}              hash  name, joinCode, createdAt
 * session:{s}:rounds       list  game ids, round 1 first
 * session:{s}:players      hash  player id -> JSON { name, joinedAt }
 * marketroom:session-index zset  session id, score = createdAt
 * game:{g}:kicked          hash  player id -> ms the admin kicked them (their tokens are refused)
 *
 * No secret is kept here: the admin token and the signing secret live in the environment or in 0600 files
 * (secrets.ts). Older versions kept them in marketroom:token-secret / marketroom:admin-token; takeLegacySecrets
 * removes those keys.
 */
import { randomInt } from "node:crypto";
import type { Redis } from "iovalkey";
import type { BotSpec as MarketBotSpec } from "../market/bots.ts";
import type { PlayerMeta } from "./model.ts";
import type { Schedule } from "./round-clock.ts";
import type { GameSettings } from "./settings.ts";

const INDEX_KEY = "marketroom:game-index";
const CODES_KEY = "marketroom:joincodes";
/** Where versions before JWT tokens kept the signing secret and the admin token (plain text). */
const LEGACY_SECRET_KEY = "marketroom:token-secret";
const LEGACY_ADMIN_KEY = "marketroom:admin-token";
const SESSION_INDEX_KEY = "marketroom:session-index";
const SESSION_CODE_PREFIX = "session:";
const metaKey = (g: string) => `game:{${g}}:meta`;
const sessionKey = (s: string) => `session:{${s}}`;
const sessionRoundsKey = (s: string) => `session:{${s}}:rounds`;
const sessionPlayersKey = (s: string) => `session:{${s}}:players`;
const playersKey = (g: string) => `game:{${g}}:meta:players`;
const kickedKey = (g: string) => `game:{${g}}:kicked`;

/** Join code alphabet: no 0/O, 1/I/L. */
const CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** Where a game stands in a session ("" / 0 when it is not a session's round). */
export interface SessionLinkFields {
  sessionId: string;
  round: number;
  nextGameId: string;
}

/**
 * A stored game: its settings, join code, schedule and place in a session. Readers that need only part of
 * the settings may name that part as `S` (GameRecord<GameSettings> is assignable to it).
 */
export interface GameRecord<S = GameSettings> extends Schedule, SessionLinkFields {
  gameId: string;
  settings: S;
  joinCode: string;
  createdAt: number;
}

/** A stored session. */
export interface SessionRecord {
  sessionId: string;
  name: string;
  joinCode: string;
  createdAt: number;
}

/** A session's player: the name it joined with. */
export interface SessionPlayer {
  name: string;
  joinedAt: number;
}

/** A player as stored beside the engine; a bot keeps its spec, and `botOff` while the admin has switched it off. */
export interface StoredPlayer extends PlayerMeta {
  botKind?: string;
  botSpec?: MarketBotSpec;
  botOff?: boolean;
}

const SCHEDULE_FIELDS = [
  "startedAt",
  "resumedAt",
  "elapsedMs",
  "durationMs",
  "endedAt",
  "resultsAt",
  "startAt",
  "periodMs",
  "periodCount",
  "breakMs",
  "breakEndsAt",
] as const;

export class GameStore {
  constructor(private readonly client: Redis) {}

  /** Stores a new game with a fresh join code and its initial schedule fields; returns the code. */
  async create(gameId: string, settings: GameSettings, schedule: Partial<Schedule>): Promise<string> {
    const code = await this.newJoinCode(gameId);
    const now = Date.now();
    const fields = scheduleFields(schedule);
    // Record first, index after (on a Valkey Cluster they live on different shards; docs/deploy.md,
    // "Keys on several shards"): an index entry always has its record; a stop between the two leaves an
    // unlisted game, which ensureIndexed adds when its room opens.
    await this.client.hset(metaKey(gameId), {
      settings: JSON.stringify(settings),
      joinCode: code,
      createdAt: now,
      ...fields,
    });
    await this.client.zadd(INDEX_KEY, now, gameId);
    return code;
  }

  /**
   * Adds a stored game to the game index when its entry is missing (a create that stopped between its
   * record and its index entry), with the record's createdAt; idempotent (ZADD NX). True when it added.
   */
  async ensureIndexed(gameId: string): Promise<boolean> {
    const createdAt = await this.client.hget(metaKey(gameId), "createdAt");
    if (createdAt === null) return false;
    return (await this.client.zadd(INDEX_KEY, "NX", Number(createdAt) || 0, gameId)) === 1;
  }

  /** The game's record, or null when the service does not know it. */
  async get(gameId: string): Promise<GameRecord | null> {
    const h = await this.client.hgetall(metaKey(gameId));
    if (!h.settings) return null;
    const num = (k: string) => Number(h[k] ?? 0) || 0;
    return {
      gameId,
      settings: JSON.parse(h.settings) as GameSettings,
      joinCode: h.joinCode ?? "",
      createdAt: num("createdAt"),
      ...(Object.fromEntries(SCHEDULE_FIELDS.map((k) => [k, num(k)])) as unknown as Schedule),
      sessionId: h.sessionId ?? "",
      round: num("round"),
      nextGameId: h.nextGameId ?? "",
    };
  }

  /** Updates schedule fields. */
  async setSchedule(gameId: string, s: Partial<Schedule>): Promise<void> {
    const fields = scheduleFields(s);
    if (Object.keys(fields).length) await this.client.hset(metaKey(gameId), fields);
  }

  /** Records a game's place in a session (any of the fields given). */
  async setSessionLink(gameId: string, link: Partial<SessionLinkFields>): Promise<void> {
    const fields = Object.fromEntries(Object.entries(link).filter(([, v]) => v !== undefined));
    if (Object.keys(fields).length) await this.client.hset(metaKey(gameId), fields);
  }

  /** Game ids, newest first. */
  async list(offset = 0, limit = 100): Promise<string[]> {
    return this.client.zrevrange(INDEX_KEY, offset, offset + limit - 1);
  }

  /** The game of a join code, or null (also for a session's code). */
  async gameOfCode(code: string): Promise<string | null> {
    const v = await this.client.hget(CODES_KEY, code);
    return v && !v.startsWith(SESSION_CODE_PREFIX) ? v : null;
  }

  /** The session of a session join code, or null. */
  async sessionOfCode(code: string): Promise<string | null> {
    const v = await this.client.hget(CODES_KEY, code);
    return v?.startsWith(SESSION_CODE_PREFIX) ? v.slice(SESSION_CODE_PREFIX.length) : null;
  }

  // ---- sessions ----

  /**
   * Stores a new session with a fresh join code (from the games' code space); null when the id exists.
   * Written in order — the id claimed (name), the join code, the record complete (joinCode, createdAt),
   * the index entry — each step one key (docs/deploy.md, "Keys on several shards"). A create that stopped
   * part way leaves a record without a join code, which `session` does not show; creating the same id
   * again (same name) finishes it.
   */
  async createSession(sessionId: string, name: string): Promise<SessionRecord | null> {
    const now = Date.now();
    if (!(await this.client.hsetnx(sessionKey(sessionId), "name", name))) {
      const h = await this.client.hgetall(sessionKey(sessionId));
      if (h.joinCode || h.name !== name) return null;
    }
    const joinCode = await this.newJoinCode(SESSION_CODE_PREFIX + sessionId);
    await this.client.hset(sessionKey(sessionId), { joinCode, createdAt: now });
    await this.client.zadd(SESSION_INDEX_KEY, now, sessionId);
    return { sessionId, name, joinCode, createdAt: now };
  }

  async session(sessionId: string): Promise<SessionRecord | null> {
    const h = await this.client.hgetall(sessionKey(sessionId));
    if (!h.name || !h.joinCode) return null;
    return { sessionId, name: h.name, joinCode: h.joinCode, createdAt: Number(h.createdAt ?? 0) || 0 };
  }

  /** Session ids, newest first. */
  async sessions(offset = 0, limit = 100): Promise<string[]> {
    return this.client.zrevrange(SESSION_INDEX_KEY, offset, offset + limit - 1);
  }

  /** Appends a round; returns its number (1-based). */
  async addSessionRound(sessionId: string, gameId: string): Promise<number> {
    return this.client.rpush(sessionRoundsKey(sessionId), gameId);
  }

  /** The session's game ids, round 1 first. */
  async sessionRounds(sessionId: string): Promise<string[]> {
    return this.client.lrange(sessionRoundsKey(sessionId), 0, -1);
  }

  async putSessionPlayer(sessionId: string, playerId: string, p: SessionPlayer): Promise<void> {
    await this.client.hset(sessionPlayersKey(sessionId), playerId, JSON.stringify(p));
  }

  async sessionPlayers(sessionId: string): Promise<Map<string, SessionPlayer>> {
    const h = await this.client.hgetall(sessionPlayersKey(sessionId));
    return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as SessionPlayer]));
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

  /** Records that the admin kicked a player (the first kick's time stays); returns that time, ms. */
  async kick(gameId: string, playerId: string, at: number): Promise<number> {
    await this.client.hsetnx(kickedKey(gameId), playerId, String(at));
    return Number(await this.client.hget(kickedKey(gameId), playerId)) || at;
  }

  /** True when the admin kicked this player from this game. */
  async isKicked(gameId: string, playerId: string): Promise<boolean> {
    return (await this.client.hexists(kickedKey(gameId), playerId)) === 1;
  }

  /**
   * Removes the plain-text secrets older versions kept in Valkey and returns the admin token found there
   * (so an existing deployment keeps its admin token; the caller moves it to its file), or null.
   */
  async takeLegacySecrets(): Promise<string | null> {
    // read, then delete (two keys, two slots on a cluster): a stop in between takes the same token next time
    const admin = await this.client.get(LEGACY_ADMIN_KEY);
    await this.client.del(LEGACY_ADMIN_KEY);
    await this.client.del(LEGACY_SECRET_KEY);
    return admin;
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

/** The schedule fields that are set, as a hash (numbers). */
function scheduleFields(s: Partial<Schedule>): Record<string, number> {
  return Object.fromEntries(SCHEDULE_FIELDS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]!]));
}
