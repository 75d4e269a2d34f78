/**
 * Membership of the server processes of one deployment, kept in Valkey beside Colyseus' own presence:
 * who is alive (a heartbeat), how many rooms each runs, and which process holds the room of each game.
 *
 * Keys (hash tag `{cluster}`, so the scripts touch one slot of a Valkey Cluster):
 * - `{cluster}:procs`  hash processId -> last heartbeat, ms of Valkey's own clock (TIME), so processes
 *   on hosts with skewed clocks agree on who is alive.
 * - `{cluster}:load`   hash processId -> rooms the process runs, as of its last heartbeat (for operators;
 *   the placement counts leases and placements instead, which change at once, not half a second later).
 * - `{cluster}:rooms`  hash gameId -> processId holding the game's room (its lease).
 * - `{cluster}:games`  set of games that must have a room somewhere (not ended); node.ts watches it.
 * - `{cluster}:placed` hash gameId -> "processId:expiresAtMs": where the room of a game without a lease
 *   goes (`place`), until its lease is taken (the claim deletes it) or PLACE_TTL_MS pass.
 *
 * A process is alive while its last heartbeat is younger than `ttlMs` (HEARTBEAT_TTL_MS).
 *
 * Placement (`place`) is decided once per game and recorded, in one script, so that every process and
 * every retry agrees where a game's room goes until it exists: the live lease holder; else the recorded
 * placement while it is fresh and its process alive; else the live process with the fewest rooms —
 * leases held plus placements not yet claimed, so games placed close together spread at once — ties
 * broken by rendezvous hashing (SHA-1 of gameId and processId), so different games tie differently.
 *
 * The lease of a game's room is taken with `claimRoom`: granted when nobody alive holds it and the game
 * is not placed on another live process (a fresh placement), or when the caller holds it already. The
 * lease says where the room runs; the data itself is fenced by the game's ownership epoch
 * (game:{g}:owner, lua/commands/claim-1.lua): a process that lost the lease while paused can no longer
 * commit when it wakes (docs/deploy.md, "Failover").
 */
import type { Redis } from "iovalkey";

export const PROCS = "{cluster}:procs";
export const LOAD = "{cluster}:load";
export const ROOMS = "{cluster}:rooms";
export const GAMES = "{cluster}:games";
export const PLACED = "{cluster}:placed";

/** A process is dead once its heartbeat is older than this (ms). */
export const HEARTBEAT_TTL_MS = 2500;
/** How often a process beats (ms). */
export const HEARTBEAT_EVERY_MS = 500;
/**
 * How long a placement holds while its room is not created (ms): longer than a room's creation takes on
 * a busy machine (a claim, a rebuild from Valkey), short enough that a placement whose process failed to
 * create the room is decided again soon.
 */
export const PLACE_TTL_MS = 10_000;

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS procs, load; ARGV processId, rooms. Returns Valkey's now in ms. */
const BEAT = `${NOW_MS}
redis.call('HSET', KEYS[1], ARGV[1], now)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return now`;

const IS_ALIVE = `local function alive(id)
  local seen = id and redis.call('HGET', KEYS[1], id)
  return seen and now - tonumber(seen) < tonumber(ARGV[3])
end`;

/** The process of a placement "processId:expiresAtMs" while it is fresh and alive, else nil. */
const PLACED_TO = `local function placedTo(value)
  if not value then return nil end
  local sep = string.find(value, ':[^:]*$')
  local id, expires = string.sub(value, 1, sep - 1), tonumber(string.sub(value, sep + 1))
  if expires > now and alive(id) then return id end
  return nil
end`;

/**
 * KEYS procs, rooms, games, placed; ARGV gameId, processId, ttlMs. Returns the holder after the call (the
 * caller when granted), or the live process the game is placed on.
 */
const CLAIM = `${NOW_MS}
${IS_ALIVE}
${PLACED_TO}
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if holder and holder ~= ARGV[2] and alive(holder) then return holder end
if holder ~= ARGV[2] then
  local placed = placedTo(redis.call('HGET', KEYS[4], ARGV[1]))
  if placed and placed ~= ARGV[2] then return placed end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return ARGV[2]`;

/**
 * KEYS procs, rooms, placed; ARGV gameId, (unused), ttlMs, placeTtlMs. Where the game's room goes (see
 * the header); records a new placement. Nil when no process is alive.
 */
const PLACE = `${NOW_MS}
${IS_ALIVE}
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if holder and alive(holder) then return holder end
local count = {}
local procs = redis.call('HGETALL', KEYS[1])
for i = 1, #procs, 2 do if now - tonumber(procs[i + 1]) < tonumber(ARGV[3]) then count[procs[i]] = 0 end end
local leases = redis.call('HGETALL', KEYS[2])
for i = 2, #leases, 2 do if count[leases[i]] then count[leases[i]] = count[leases[i]] + 1 end end
local placed = redis.call('HGETALL', KEYS[3])
for i = 1, #placed, 2 do
  local sep = string.find(placed[i + 1], ':[^:]*$')
  local id, expires = string.sub(placed[i + 1], 1, sep - 1), tonumber(string.sub(placed[i + 1], sep + 1))
  if expires <= now then
    redis.call('HDEL', KEYS[3], placed[i])
  elseif placed[i] == ARGV[1] and count[id] then
    return id
  elseif count[id] then
    count[id] = count[id] + 1
  end
end
local best, bestCount, bestRank
for id, n in pairs(count) do
  local rank = redis.sha1hex(ARGV[1] .. ':' .. id)
  if not best or n < bestCount or (n == bestCount and rank < bestRank) then best, bestCount, bestRank = id, n, rank end
end
if not best then return false end
redis.call('HSET', KEYS[3], ARGV[1], best .. ':' .. (now + tonumber(ARGV[4])))
return best`;

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

  /**
   * The process the game's room goes to (see the header): its live lease holder, else its fresh
   * placement, else a new placement on the least loaded live process. Null when none is alive.
   */
  async place(gameId: string): Promise<string | null> {
    const args = [gameId, "", String(this.ttlMs), String(PLACE_TTL_MS)];
    return (await this.valkey.eval(PLACE, 3, PROCS, ROOMS, PLACED, ...args)) as string | null;
  }

  /**
   * Takes the lease of the game's room for `processId`; returns the holder afterwards (`processId` when
   * granted), or the other live process the game is placed on (refused: that one creates the room).
   */
  async claimRoom(gameId: string, processId: string): Promise<string> {
    const keys = [PROCS, ROOMS, GAMES, PLACED];
    return (await this.valkey.eval(CLAIM, 4, ...keys, gameId, processId, String(this.ttlMs))) as string;
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
