/**
 * The set of games whose event streams the persisters consume: the Valkey SET `marketroom:games` of
 * game ids. The game service registers a game when it creates it (the engine's createGame does not),
 * and may unregister it once the round has ended and `Persister.drain` has seen its last seq.
 * Registering before or after createGame are both fine: the persister starts its consumer group at
 * id 0, so it reads the stream from the first event either way.
 */
import type { Redis } from "iovalkey";

/** Key of the registry set (no hash tag: one key, read whole by every persister). */
export const GAMES_KEY = "marketroom:games";

// `key` is for tests and side-by-side deployments on one Valkey; production uses GAMES_KEY.

/** Adds a game to the watched set; idempotent. */
export async function registerGame(client: Redis, gameId: string, key = GAMES_KEY): Promise<void> {
  await client.sadd(key, gameId);
}

/** Removes a game from the watched set; its stream and PostgreSQL rows are untouched. */
export async function unregisterGame(client: Redis, gameId: string, key = GAMES_KEY): Promise<void> {
  await client.srem(key, gameId);
}

/** Every registered game id, sorted (SSCAN, so a large set does not block the server). */
export async function registeredGames(client: Redis, key = GAMES_KEY): Promise<string[]> {
  const ids = new Set<string>();
  let cursor = "0";
  do {
    const [next, batch] = await client.sscan(key, cursor, "COUNT", 1000);
    for (const id of batch) ids.add(id);
    cursor = next;
  } while (cursor !== "0");
  return [...ids].sort();
}
