/**
 * Membership of the server processes of one deployment, kept in Valkey beside Colyseus' own presence:
 * who is alive (a heartbeat), how many rooms each runs, and which process holds the room of each game.
 *
 * Keys (hash tag `{cluster}`, so the scripts touch one slot of a Valkey Cluster):
 * - `{cluster}:procs`  hash processId -> last heartbeat, ms of Valkey's own clock (TIME), so processes
 *   on hosts with skewed clocks agree on who is alive.
 * - `{cluster}:load`   hash processId -> rooms the process runs (the room placement reads it).
 * - `{cluster}:rooms`  hash gameId -> processId holding the game's room (its lease).
 * - `{cluster}:games`  set of games that must have a room somewhere (not ended); failover.ts watches it.
 *
 * A process is alive while its last heartbeat is younger than `ttlMs` (HEARTBEAT_TTL_MS). The lease of a
 * game's room is taken with `claimRoom`: granted when nobody holds it, the caller holds it, or the
 * holder is no longer alive. The lease says where the room runs; the data itself is fenced by the game's
 * ownership epoch (game:{g}:owner, lua/commands/claim-1.lua): a process that lost the lease while
 * paused can no longer commit when it wakes (docs/deploy.md, "Failover").
 */
import type { Redis } from "iovalkey";

export const PROCS = "{cluster}:procs";
export const LOAD = "{cluster}:load";
export const ROOMS = "{cluster}:rooms";
export const GAMES = "{cluster}:games";

/** A process is dead once its heartbeat is older than this (ms). */
export const HEARTBEAT_TTL_MS = 2500;
/** How often a process beats (ms). */
export const HEARTBEAT_EVERY_MS = 500;

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS procs, load; ARGV processId, rooms. Returns Valkey's now in ms. */
const BEAT = `${NOW_MS}
redis.call('HSET', KEYS[1], ARGV[1], now)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return now`;

/**
 * KEYS procs, rooms, games; ARGV gameId, processId, ttlMs. Returns the holder after the call (the caller
 * when granted).
 */
const CLAIM = `${NOW_MS}
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if holder and holder ~= ARGV[2] then
  local seen = redis.call('HGET', KEYS[1], holder)
  if seen and now - tonumber(seen) < tonumber(ARGV[3]) then return holder end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return ARGV[2]`;

/** KEYS rooms; ARGV gameId, processId. Drops the lease only when the caller holds it. */
const DROP = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

/** KEYS procs; ARGV ttlMs. The ids of the live processes. */
const ALIVE = `${NOW_MS}
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do if now - tonumber(all[i + 1]) < tonumber(ARGV[1]) then out[#out + 1] = all[i] end end
return out`;

export class Membership {
  constructor(
    private readonly valkey: Redis,
    readonly ttlMs = HEARTBEAT_TTL_MS,
  ) {}

  /** Records that `processId` is alive and runs `rooms` rooms. */
  async beat(processId: string, rooms: number): Promise<void> {
    await this.valkey.eval(BEAT, 2, PROCS, LOAD, processId, String(rooms));
  }

  /** Ids of the processes whose heartbeat is younger than ttlMs. */
  async alive(): Promise<string[]> {
    return (await this.valkey.eval(ALIVE, 1, PROCS, String(this.ttlMs))) as string[];
  }

  /** The live process with the fewest rooms (ties: by id), or null when none is alive. */
  async leastLoaded(): Promise<string | null> {
    const alive = await this.alive();
    if (!alive.length) return null;
    const load = await this.valkey.hmget(LOAD, ...alive);
    const rows = alive.map((id, i) => ({ id, rooms: Number(load[i] ?? 0) }));
    rows.sort((a, b) => a.rooms - b.rooms || (a.id < b.id ? -1 : 1));
    return rows[0]!.id;
  }

  /** Takes the lease of the game's room for `processId`; returns the holder afterwards. */
  async claimRoom(gameId: string, processId: string): Promise<string> {
    return (await this.valkey.eval(CLAIM, 3, PROCS, ROOMS, GAMES, gameId, processId, String(this.ttlMs))) as string;
  }

  /** Drops the lease when `processId` holds it; `done` also stops watching the game (it ended). */
  async dropRoom(gameId: string, processId: string, done: boolean): Promise<void> {
    // unwatched first: a watcher must not see a free lease of a game that is over
    if (done) await this.valkey.srem(GAMES, gameId);
    await this.valkey.eval(DROP, 1, ROOMS, gameId, processId);
  }

  /** The process holding the game's room, or null. */
  async holder(gameId: string): Promise<string | null> {
    return this.valkey.hget(ROOMS, gameId);
  }

  /** Every watched game with its holder (null when nobody holds its room). */
  async watched(): Promise<Map<string, string | null>> {
    const games = await this.valkey.smembers(GAMES);
    if (!games.length) return new Map();
    const holders = await this.valkey.hmget(ROOMS, ...games);
    return new Map(games.map((g, i) => [g, holders[i] ?? null]));
  }

  /** Stops watching a game (it ended or no longer exists). */
  async unwatch(gameId: string): Promise<void> {
    await this.valkey.srem(GAMES, gameId);
  }

  /** Forgets a process (it shut down cleanly). */
  async leave(processId: string): Promise<void> {
    await this.valkey.hdel(PROCS, processId);
    await this.valkey.hdel(LOAD, processId);
  }
}
