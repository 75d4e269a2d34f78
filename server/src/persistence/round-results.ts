/**
 * A game's round results in PostgreSQL: the `final` inventories (security 0 = cash) and the leaderboard,
 * written by the game server at round end once the persister has stored the log up to `asOfSeq`
 * (docs/persistence.md "Round end"). Money in minor units, quantities in lots.
 */
import type { Db } from "./db.ts";
import { chunks } from "./projection.ts";

/** Final per-player holdings as the engine reports them (Engine.inventory fits). */
export interface RoundInventory {
  playerId: string;
  /** Minor units. */
  cash: number;
  cashLocked?: number;
  positions: { securityId: number; qty: number; locked?: number }[];
}

/** A leaderboard line, money in minor units (FIFO P&L fields as in LeaderboardRow; 0 when omitted). */
export interface LeaderboardEntry {
  playerId: string;
  rank: number;
  equity: number;
  cash: number;
  holdingsValue?: number;
  pnl?: number;
  realizedPnl?: number;
  unrealizedPnl?: number;
  fees?: number;
  trades?: number;
}

/**
 * Writes a game's final inventories (kind 'final', security 0 = cash) and leaderboard, replacing any
 * earlier write of them, in one transaction; idempotent. `asOfSeq` is the seq the numbers hold at
 * (drain the persister to it first). Errors: foreign-key violation when a player is not in `players`.
 */
export async function writeRoundResults(
  db: Db,
  gameId: string,
  inventories: RoundInventory[],
  leaderboard: LeaderboardEntry[],
  asOfSeq = 0,
): Promise<void> {
  const inv = inventories.flatMap((p) => [
    {
      game_id: gameId,
      player_id: p.playerId,
      kind: "final" as const,
      security_id: 0,
      qty: p.cash,
      locked: p.cashLocked ?? 0,
      as_of_seq: asOfSeq,
    },
    ...p.positions.map((s) => ({
      game_id: gameId,
      player_id: p.playerId,
      kind: "final" as const,
      security_id: s.securityId,
      qty: s.qty,
      locked: s.locked ?? 0,
      as_of_seq: asOfSeq,
    })),
  ]);
  const board = leaderboard.map((l) => ({
    game_id: gameId,
    player_id: l.playerId,
    rank: l.rank,
    equity: l.equity,
    cash: l.cash,
    holdings_value: l.holdingsValue ?? 0,
    pnl: l.pnl ?? 0,
    realized_pnl: l.realizedPnl ?? 0,
    unrealized_pnl: l.unrealizedPnl ?? 0,
    fees: l.fees ?? 0,
    trades: l.trades ?? 0,
    as_of_seq: asOfSeq,
  }));
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("inventories").where("game_id", "=", gameId).where("kind", "=", "final").execute();
    await trx.deleteFrom("leaderboard").where("game_id", "=", gameId).execute();
    for (const c of chunks(inv, 5000)) await trx.insertInto("inventories").values(c).execute();
    for (const c of chunks(board, 5000)) await trx.insertInto("leaderboard").values(c).execute();
    await trx.updateTable("games").set({ results_written_at: new Date() }).where("id", "=", gameId).execute();
  });
}
