/**
 * Trade history of a game up to a seq, for rebuilding a room: per security the last trades and the
 * session statistics, per player the last own fills, and every fill in seq order (the players' FIFO
 * ledgers are rebuilt from all of them, so a rebuilt model's P&L equals the live one).
 *
 * Fills live in two places: PostgreSQL `fills` holds every fill the persister has projected (seq <=
 * event_projection.applied_seq, contiguous), and the Valkey stream holds what is not yet persisted (the
 * persister trims only after its commit). Events between the two that were trimmed but not yet
 * projected (several persisters, one waiting behind a gap) are read from PostgreSQL `events`. So the
 * union is complete: PostgreSQL to applied_seq, then the stream (or `events`) to `uptoSeq`.
 *
 * Units: ticks, lots, minor units, ms.
 */
import { sql } from "kysely";
import { OWN_FILLS_KEPT, TRADES_KEPT, type EngineEvent, type FillEvent } from "@marketroom/shared";
import type { GameWriters as Engine } from "../engine/writers.ts";
import type { Db } from "../persistence/db.ts";
import type { FillHistory, TradeStats } from "./model.ts";

const PAGE = 10_000;

interface FillRowLike {
  seq: number | string; ts: number | string; security_id: number | string; price: number | string; qty: number | string;
  aggressor: string; maker_order_id: number | string; taker_order_id: number | string; maker_player_id: string;
  taker_player_id: string; maker_remaining: number | string; taker_remaining: number | string;
  taker_fee?: number | string; maker_rebate?: number | string;
}

/** History of `gameId` up to `uptoSeq` (inclusive). `scales` maps security id -> scale (for turnover). */
export async function loadFillHistory(engine: Engine, db: Db | undefined, gameId: string, uptoSeq: number, scales: Map<number, number>): Promise<FillHistory> {
  const h: FillHistory = { recent: new Map(), stats: new Map(), ownFills: new Map(), all: [] };
  const applied = db ? Math.min(await appliedSeq(db, gameId), uptoSeq) : 0;
  if (db && applied > 0) await loadFromPostgres(db, gameId, applied, h, scales);
  const tail = await tailFills(engine, db, gameId, applied, uptoSeq);
  for (const f of tail) addFill(h, f, scales.get(f.securityId) ?? 0);
  return h;
}

async function appliedSeq(db: Db, gameId: string): Promise<number> {
  const row = await db.selectFrom("event_projection").select("applied_seq").where("game_id", "=", gameId).executeTakeFirst();
  return row ? Number(row.applied_seq) : 0;
}

/** Every fill with seq <= applied from PostgreSQL `fills`, in pages, folded into the history. */
async function loadFromPostgres(db: Db, gameId: string, applied: number, h: FillHistory, scales: Map<number, number>): Promise<void> {
  for (let after = 0; after < applied;) {
    const page = await sql<FillRowLike>`
      SELECT * FROM fills WHERE game_id = ${gameId} AND seq > ${after} AND seq <= ${applied} ORDER BY seq LIMIT ${PAGE}`.execute(db);
    for (const r of page.rows) addFill(h, fillOfRow(r), scales.get(Number(r.security_id)) ?? 0);
    if (page.rows.length < PAGE) break;
    after = Number(page.rows[page.rows.length - 1]!.seq);
  }
}

/** Fill events with after < seq <= upto: from the stream, and from PostgreSQL `events` for trimmed ones. */
async function tailFills(engine: Engine, db: Db | undefined, gameId: string, after: number, upto: number): Promise<FillEvent[]> {
  if (upto <= after) return [];
  const events: EngineEvent[] = [];
  for (let from = after + 1; from <= upto;) {
    const page = await engine.events(gameId, from, upto, PAGE);
    events.push(...page);
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.seq + 1;
  }
  const have = new Set(events.map((e) => e.seq));
  const missing = upto - after - have.size;
  if (missing > 0 && db) {
    const rows = await db.selectFrom("events").select(["seq", "data"]).where("game_id", "=", gameId)
      .where("seq", ">", after).where("seq", "<=", upto).where("type", "=", "fill").execute();
    for (const r of rows) if (!have.has(Number(r.seq))) events.push(r.data as unknown as EngineEvent);
  }
  return events.filter((e): e is FillEvent => e.type === "fill").sort((a, b) => a.seq - b.seq);
}

function addFill(h: FillHistory, f: FillEvent, scale: number): void {
  const st: TradeStats = h.stats.get(f.securityId) ?? { lastPrice: 0, high: f.price, low: f.price, volume: 0, turnover: 0, count: 0 };
  st.lastPrice = f.price;
  st.high = Math.max(st.high, f.price);
  st.low = Math.min(st.low, f.price);
  st.volume += f.qty;
  st.turnover += f.price * f.qty * scale;
  st.count += 1;
  h.stats.set(f.securityId, st);
  h.all.push(f);
  capped(listOf(h.recent, f.securityId), f, TRADES_KEPT);
  for (const pid of new Set([f.makerPlayerId, f.takerPlayerId])) capped(listOf(h.ownFills, pid), f, OWN_FILLS_KEPT);
}

function capped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

function listOf<K, T>(map: Map<K, T[]>, key: K): T[] {
  let list = map.get(key);
  if (!list) { list = []; map.set(key, list); }
  return list;
}

function fillOfRow(r: FillRowLike): FillEvent {
  return {
    type: "fill", seq: Number(r.seq), ts: Number(r.ts), securityId: Number(r.security_id), price: Number(r.price),
    qty: Number(r.qty), aggressor: r.aggressor as "buy" | "sell", makerOrderId: Number(r.maker_order_id),
    takerOrderId: Number(r.taker_order_id), makerPlayerId: r.maker_player_id, takerPlayerId: r.taker_player_id,
    makerRemaining: Number(r.maker_remaining), takerRemaining: Number(r.taker_remaining),
    takerFee: Number(r.taker_fee ?? 0), makerRebate: Number(r.maker_rebate ?? 0),
  };
}
