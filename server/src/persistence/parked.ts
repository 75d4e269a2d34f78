/**
 * Parked games (table `parked_games`, sql/004_parked.sql; docs/persistence.md, "Parked games"): a game
 * whose next event PostgreSQL refuses is parked, so that it cannot block the other games. The row names
 * the refused event (seq, stream entry id, the entry's bytes) and the reason. While it exists, every
 * persister leaves the game's stream alone: the refused event and all later ones stay in Valkey, and
 * the game's derived tables stop just before it. Deleting the row resumes the game.
 *
 * PostgreSQL is the one place that says which games are parked, so every persister process, /health and
 * /metrics agree.
 */
import type { Db } from "./db.ts";

export interface ParkedGame {
  gameId: string;
  /** seq of the refused event (0 when the entry had no readable seq). */
  seq: number;
  /** Its stream entry id in `game:{<gameId>}:events`. */
  entryId: string;
  reason: string;
  /** When it was parked, ms since the epoch. */
  parkedAt: number;
}

/** Longest reason kept, characters. */
const MAX_REASON = 1000;

/** A reason safe for a text column and a log line: control characters shown as \uXXXX, bounded. */
export function cleanReason(reason: string): string {
  return (
    reason
      // eslint-disable-next-line no-control-regex -- control characters are what this escapes
      .replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
      .slice(0, MAX_REASON)
  );
}

/** Parks `gameId` at the refused entry; a game already parked keeps its first row. */
export async function parkGame(
  db: Db,
  p: { gameId: string; seq: number; entryId: string; reason: string; data: string },
): Promise<void> {
  await db
    .insertInto("parked_games")
    .values({
      game_id: p.gameId,
      seq: p.seq,
      entry_id: p.entryId,
      reason: cleanReason(p.reason),
      event: Buffer.from(p.data, "utf8"),
    })
    .onConflict((oc) => oc.column("game_id").doNothing())
    .execute();
}

/** The parked games, oldest first (at most `limit`). */
export async function parkedGames(db: Db, limit = 1000): Promise<ParkedGame[]> {
  const rows = await db
    .selectFrom("parked_games")
    .select(["game_id", "seq", "entry_id", "reason", "parked_at"])
    .orderBy("parked_at")
    .orderBy("game_id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    gameId: r.game_id,
    seq: r.seq,
    entryId: r.entry_id,
    reason: r.reason,
    parkedAt: r.parked_at.getTime(),
  }));
}

/** How many games are parked. */
export async function parkedCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom("parked_games")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
