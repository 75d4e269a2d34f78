/**
 * How several persisters of one consumer group share the games: each game is read by one of them, chosen
 * by rendezvous (highest random weight) hashing of the game id over the live members. A member that
 * joins takes about 1/n of the games from the others; one that leaves (clean stop, or no beat for
 * HEARTBEAT_STALE_MS after a kill) hands its games to the rest; no other game moves. No coordinator, no
 * lease: every member computes the same answer from the same member list.
 *
 * Correctness never depends on this split. The consumer group gives each entry to one reader, and the
 * projection applies a game's events once and in order whoever reads them (projection.ts, watermark
 * lock); during a change of members two persisters may read one game for up to refreshMs, which only
 * costs a gap that the projection fills. What the split buys is speed: one reader per game means no
 * gaps and no waits on the game's watermark lock, so N persisters do N games' work at once.
 *
 * Members: a sorted set per (registry, group), `<registryKey>:persisters:<group>`, member = consumer
 * name, score = its last beat (ms since the epoch). Units: ms.
 */
import type { Redis } from "iovalkey";
import { HEARTBEAT_STALE_MS } from "./persister-status.ts";

/** The member set of the persisters of `group` watching `registryKey`. */
export const membersKey = (registryKey: string, group: string) => `${registryKey}:persisters:${group}`;

/** Consumers that beat into `key` within the last HEARTBEAT_STALE_MS, sorted. */
export async function liveMembers(client: Redis, key: string, now = Date.now()): Promise<string[]> {
  return (await client.zrangebyscore(key, now - HEARTBEAT_STALE_MS, "+inf")).sort();
}

/** The member that reads `gameId`: the one with the highest weight(member, game). Empty members: "". */
export function ownerOf(gameId: string, members: readonly string[]): string {
  let best = "";
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(m, gameId);
    if (w > bestWeight || (w === bestWeight && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** The games of `games` that `me` reads among `members` (`me` counts as a member even before its first beat). */
export function ownedGames(games: readonly string[], members: readonly string[], me: string): string[] {
  const all = members.includes(me) ? members : [...members, me];
  if (all.length === 1) return [...games];
  return games.filter((g) => ownerOf(g, all) === me);
}

/** A 32-bit weight of (member, game): FNV-1a over both, then murmur3's finaliser so near names spread. */
function weight(member: string, gameId: string): number {
  let h = 0x811c9dc5;
  const text = `${member}\u0000${gameId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
