/**
 * A player's CFD fills for GET /fills (docs/margin.md "CFD securities"): the house fills CFD orders
 * (event cfd_fill), so they have no row in the `fills` projection (its maker and taker are players);
 * they are read from the `events` table instead (index events_game_type). Each is the player's side:
 * role "taker" (the house quoted), fee = the taker fee paid. Units: ticks, lots, minor units, ms.
 */
import { sql } from "kysely";
import type { EventOf } from "@marketroom/shared";
import type { Db } from "../../persistence/db.ts";

/** One fill as GET /fills shows it (history.ts FillOut, schemas.ts FillView). */
interface FillOut {
  seq: number;
  ts: number;
  securityId: number;
  orderId: number;
  side: "buy" | "sell";
  price: number;
  qty: number;
  role: "maker" | "taker";
  fee: number;
}

/** `playerId`'s CFD fills with seq > since (in `securityId` when given), oldest first, at most `limit`. */
export async function cfdFills(
  db: Db,
  gameId: string,
  playerId: string,
  f: { securityId?: number; since: number; limit: number },
): Promise<FillOut[]> {
  let q = db
    .selectFrom("events")
    .select(["data"])
    .where("game_id", "=", gameId)
    .where("type", "=", "cfd_fill")
    .where("seq", ">", f.since)
    .where(sql<string>`data->>'playerId'`, "=", playerId);
  if (f.securityId !== undefined) q = q.where(sql<string>`data->>'securityId'`, "=", String(f.securityId));
  const rows = await q.orderBy("seq").limit(f.limit).execute();
  return rows.map((r) => {
    const e = r.data as unknown as EventOf<"cfd_fill">;
    return {
      seq: e.seq,
      ts: e.ts,
      securityId: e.securityId,
      orderId: e.orderId,
      side: e.side,
      price: e.price,
      qty: e.qty,
      role: "taker",
      fee: e.fee,
    };
  });
}

/** Book fills and CFD fills merged by seq, at most `limit`. */
export function mergeFills<F extends FillOut>(book: F[], cfd: F[], limit: number): F[] {
  if (cfd.length === 0) return book;
  return [...book, ...cfd].sort((a, b) => a.seq - b.seq).slice(0, limit);
}
