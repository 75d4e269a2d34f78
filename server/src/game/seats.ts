/**
 * Seats of a round: the player cap (GameRules.maxPlayers) for joins by join code, kept in Valkey so that
 * simultaneous joins, on one process or several, never seat more than the cap.
 *
 * game:{g}:meta:seats  set  ids of the players who joined by code (bots and admin-made players do not
 *                           take a seat)
 *
 * claim() is one Lua call (check and add must be atomic); release() gives a seat back when the join
 * failed after the claim.
 */
import type { Redis } from "iovalkey";

const seatsKey = (gameId: string) => `game:{${gameId}}:meta:seats`;

/** KEYS[1] the seats set; ARGV[1] player id, ARGV[2] cap. Returns 1 = seated (or was), 0 = full. */
const CLAIM = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1`;

export class Seats {
  constructor(private readonly valkey: Redis) {}

  /** Seats `playerId` in the game unless `cap` players hold seats; true when seated. */
  async claim(gameId: string, playerId: string, cap: number): Promise<boolean> {
    return (await this.valkey.eval(CLAIM, 1, seatsKey(gameId), playerId, cap)) === 1;
  }

  /** Gives a seat back (a join that failed after its claim). */
  async release(gameId: string, playerId: string): Promise<void> {
    await this.valkey.srem(seatsKey(gameId), playerId);
  }
}
