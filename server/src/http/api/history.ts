/**
 * The past of a game for the REST API: order history, a player's fills, trades and candles, read from
 * PostgreSQL (the persister's projections `orders` and `fills`, sql/001_init.sql) after waiting until the
 * persister has applied every event up to the game's seq at the time of the request. So a program reads
 * its own writes: an order it placed a moment ago is in its history, its fill in /fills. If the persister
 * cannot catch up within DRAIN_MS (PostgreSQL down, a parked game), the request is UNAVAILABLE (503)
 * rather than a silently incomplete answer.
 *
 * Units: ticks, lots, minor units, ms; `seq` = the game's event sequence number.
 */
import { sql } from "kysely";
import type { EngineEvent } from "@marketroom/shared";
import type { GameWriters as Engine } from "../../engine/writers.ts";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { PersisterPort } from "../../game/service.ts";
import type { Db, OrderRow } from "../../persistence/db.ts";
import { cfdFills, mergeFills } from "./cfd-fills.ts";

/** How long a read waits for the persister to reach the game's seq. */
const DRAIN_MS = 5000;

export interface OrderFilter {
  securityId?: number;
  side?: "buy" | "sell";
  before?: number;
  limit: number;
}

/** An order as the REST API shows it (schemas.ts OrderView). */
export interface OrderOut {
  id: string;
  orderId: number;
  securityId: number;
  side: "buy" | "sell";
  type?: "limit" | "market";
  tif?: "GTC" | "IOC" | "FOK";
  postOnly?: boolean;
  price: number;
  qty: number;
  openQty: number;
  filledQty?: number;
  cancelledQty?: number;
  status: "new" | "partially_filled" | "filled" | "cancelled" | "expired";
  cancelReason?: string;
  clientOrderId?: string;
  acceptedSeq?: number;
  ts: number;
}

export interface FillOut {
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

/** The REST id of an order: `<securityId>-<orderId>`. */
export const orderIdOf = (securityId: number, orderId: number) => `${securityId}-${orderId}`;

function orderOut(r: OrderRow): OrderOut {
  return {
    id: orderIdOf(r.security_id, r.order_id),
    orderId: r.order_id,
    securityId: r.security_id,
    side: r.side as "buy" | "sell",
    type: r.order_type as "limit" | "market",
    tif: r.tif as "GTC" | "IOC" | "FOK",
    postOnly: r.post_only,
    price: r.price,
    qty: r.qty,
    openQty: r.resting_qty,
    filledQty: r.filled_qty,
    cancelledQty: r.cancelled_qty,
    status: r.status as OrderOut["status"],
    ...(r.cancel_reason ? { cancelReason: r.cancel_reason } : {}),
    ...(r.client_order_id ? { clientOrderId: r.client_order_id } : {}),
    acceptedSeq: r.accepted_seq,
    ts: r.accepted_ts,
  };
}

export class History {
  constructor(
    private readonly engine: Engine,
    private readonly db: Db | undefined,
    private readonly persister: PersisterPort | undefined,
  ) {}

  /** Waits until PostgreSQL holds the game up to its current seq. Errors: UNKNOWN_GAME, UNAVAILABLE. */
  private async caughtUp(gameId: string): Promise<Db> {
    const { seq } = unwrap(await this.engine.gameInfo(gameId));
    if (!this.db || !this.persister) throw new ApiError("UNAVAILABLE", "history needs PostgreSQL and the persister");
    try {
      await this.persister.drain(gameId, seq, DRAIN_MS);
    } catch {
      throw new ApiError("UNAVAILABLE", "the game's history is not yet stored; retry shortly");
    }
    return this.db;
  }

  /** A player's orders, newest first; `nextBefore` pages on (null = no more). */
  async orders(
    gameId: string,
    playerId: string,
    f: OrderFilter,
  ): Promise<{ orders: OrderOut[]; nextBefore: number | null }> {
    const db = await this.caughtUp(gameId);
    let q = db.selectFrom("orders").selectAll().where("game_id", "=", gameId).where("player_id", "=", playerId);
    if (f.securityId !== undefined) q = q.where("security_id", "=", f.securityId);
    if (f.side !== undefined) q = q.where("side", "=", f.side);
    if (f.before !== undefined) q = q.where("accepted_seq", "<", f.before);
    const rows = await q
      .orderBy("accepted_seq", "desc")
      .orderBy("security_id")
      .orderBy("order_id")
      .limit(f.limit + 1)
      .execute();
    const page = rows.slice(0, f.limit);
    return { orders: page.map(orderOut), nextBefore: rows.length > f.limit ? page.at(-1)!.accepted_seq : null };
  }

  /** One order of the game, or null. */
  async order(gameId: string, securityId: number, orderId: number): Promise<(OrderOut & { playerId: string }) | null> {
    const db = await this.caughtUp(gameId);
    const r = await db
      .selectFrom("orders")
      .selectAll()
      .where("game_id", "=", gameId)
      .where("security_id", "=", securityId)
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    return r ? { ...orderOut(r), playerId: r.player_id } : null;
  }

  /** A player's fills with seq > since, oldest first, at most `limit`: book fills and CFD fills (cfd-fills.ts). */
  async fills(
    gameId: string,
    playerId: string,
    f: { securityId?: number; since: number; limit: number },
  ): Promise<FillOut[]> {
    const db = await this.caughtUp(gameId);
    let q = db
      .selectFrom("fills")
      .selectAll()
      .where("game_id", "=", gameId)
      .where("seq", ">", f.since)
      .where((w) => w.or([w("maker_player_id", "=", playerId), w("taker_player_id", "=", playerId)]));
    if (f.securityId !== undefined) q = q.where("security_id", "=", f.securityId);
    const rows = await q.orderBy("seq").limit(f.limit).execute();
    // A player who traded with itself (self-trade prevention off) gets both sides.
    const book = rows.flatMap((r) => {
      const out: FillOut[] = [];
      const maker = r.aggressor === "buy" ? "sell" : "buy";
      if (r.taker_player_id === playerId)
        out.push({
          seq: r.seq,
          ts: r.ts,
          securityId: r.security_id,
          orderId: r.taker_order_id,
          side: r.aggressor as "buy" | "sell",
          price: r.price,
          qty: r.qty,
          role: "taker",
          fee: Number(r.taker_fee ?? 0),
        });
      if (r.maker_player_id === playerId)
        out.push({
          seq: r.seq,
          ts: r.ts,
          securityId: r.security_id,
          orderId: r.maker_order_id,
          side: maker,
          price: r.price,
          qty: r.qty,
          role: "maker",
          fee: -Number(r.maker_rebate ?? 0),
        });
      return out;
    });
    return mergeFills(book, await cfdFills(db, gameId, playerId, f), f.limit);
  }

  /**
   * The game's events with seq > since, oldest first, at most `limit` (the stream's executions replay).
   * Only the event types whose shape the shared event schema gives are returned, as they were committed.
   */
  async events(gameId: string, since: number, limit: number): Promise<EngineEvent[]> {
    const db = await this.caughtUp(gameId);
    const rows = await db
      .selectFrom("events")
      .select(["seq", "data"])
      .where("game_id", "=", gameId)
      .where("seq", ">", since)
      .orderBy("seq")
      .limit(limit)
      .execute();
    return rows.map((r) => r.data as unknown as EngineEvent);
  }

  /** Trades of a security: with since > 0 the first `limit` after it, else the latest `limit`; oldest first. */
  async trades(
    gameId: string,
    securityId: number,
    since: number,
    limit: number,
  ): Promise<{ seq: number; ts: number; price: number; qty: number; aggressor: "buy" | "sell" }[]> {
    const db = await this.caughtUp(gameId);
    const q = db
      .selectFrom("fills")
      .select(["seq", "ts", "price", "qty", "aggressor"])
      .where("game_id", "=", gameId)
      .where("security_id", "=", securityId)
      .where("seq", ">", since);
    const rows =
      since > 0
        ? await q.orderBy("seq").limit(limit).execute()
        : (await q.orderBy("seq", "desc").limit(limit).execute()).reverse();
    return rows.map((r) => ({ ...r, aggressor: r.aggressor as "buy" | "sell" }));
  }

  /** OHLCV candles of a security's trades per `widthMs` time bucket (empty buckets left out), the latest `limit`, oldest first. */
  async candles(
    gameId: string,
    securityId: number,
    widthMs: number,
    limit: number,
  ): Promise<{ t: number; open: number; high: number; low: number; close: number; volume: number; trades: number }[]> {
    const db = await this.caughtUp(gameId);
    // A literal (widthMs is one of CANDLE_INTERVALS), so the SELECT and GROUP BY expressions are the same text.
    const t = sql<number>`(ts / ${sql.lit(widthMs)}) * ${sql.lit(widthMs)}`;
    const rows = await db
      .selectFrom("fills")
      .select([
        t.as("t"),
        sql<number>`(array_agg(price ORDER BY seq))[1]`.as("open"),
        sql<number>`max(price)`.as("high"),
        sql<number>`min(price)`.as("low"),
        sql<number>`(array_agg(price ORDER BY seq DESC))[1]`.as("close"),
        sql<number>`sum(qty)`.as("volume"),
        sql<number>`count(*)`.as("trades"),
      ])
      .where("game_id", "=", gameId)
      .where("security_id", "=", securityId)
      .groupBy(t)
      .orderBy(t, "desc")
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => ({
      t: Number(r.t),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
      trades: Number(r.trades),
    }));
  }
}
