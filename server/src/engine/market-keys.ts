/**
 * The key-ops projection and hydration of the market-type state (docs/markets.md), apart from
 * key-ops.ts / hydrate.ts, which call these once each:
 *
 *   game:{g}:security:<s>          fields trading_mode ("continuous" | "call"; absent = continuous) and
 *                                  dividend_period (the last dividend period paid; absent = 0)
 *   game:{g}                       cash_total, and each paid player's inventory field 0 (cash), after a dividend
 *
 * A call's fills (the fills after an `auction` event of the same command) trade two RESTING orders,
 * each at its own limit: key-ops.ts writes the maker's order like any fill's; here the taker's order
 * (hash, side member, player member) is written from the state, and the security's price-level hash
 * is rewritten whole (DEL then every level), since the levels a call touched are not all in its
 * events. The commit coalesces a DEL with the writes after it (docs/commit.md).
 */
import type { EngineEvent } from "@marketroom/shared";
import type { CoreState } from "../core/index.ts";
import type { TradingModeName } from "../core/state.ts";
import type { KeyOp } from "./commit.ts";
import { orderFields } from "./key-ops.ts";
import * as K from "./keys.ts";

/** The ops of a command's market-type events; call after evolving them (as keyOpsFor). */
export function marketKeyOps(gameId: string, state: CoreState, events: readonly EngineEvent[]): KeyOp[] {
  const ops: KeyOp[] = [];
  const called = new Set<number>();
  for (const ev of events) {
    if (ev.type === "trading_mode") ops.push(["HSET", K.securityKey(gameId, ev.securityId), "trading_mode", ev.mode]);
    else if (ev.type === "auction") called.add(ev.securityId);
    else if (ev.type === "dividend") dividendOps(gameId, state, ev, ops);
    else if (ev.type === "fill" && called.has(ev.securityId)) takerOps(gameId, state, ev, ops);
  }
  for (const sid of called) levelOps(gameId, state, sid, ops);
  return ops;
}

function takerOps(g: string, state: CoreState, ev: Extract<EngineEvent, { type: "fill" }>, ops: KeyOp[]): void {
  const sid = ev.securityId;
  const id = ev.takerOrderId;
  const member = K.orderMember(id);
  const sideKey = ev.aggressor === "buy" ? K.bidsKey(g, sid) : K.asksKey(g, sid);
  const resting = state.securities.get(sid)?.book.orders.get(id);
  if (resting) {
    ops.push(["HSET", K.orderKey(g, sid, id), ...orderFields(resting)], ["ZADD", sideKey, ev.aggressor === "buy" ? -resting.price : resting.price, member],
      ["ZADD", K.playerOrdersKey(g, ev.takerPlayerId, sid), id, member]);
  } else {
    ops.push(["DEL", K.orderKey(g, sid, id)], ["ZREM", sideKey, member], ["ZREM", K.playerOrdersKey(g, ev.takerPlayerId, sid), member]);
  }
}

/** The whole price-level hash of a security: price -> net resting lots (+ bids, - asks). */
function levelOps(g: string, state: CoreState, sid: number, ops: KeyOp[]): void {
  const book = state.securities.get(sid)?.book;
  if (!book) throw new Error(`market-keys: no security ${sid} in the state`);
  const net = new Map<number, number>();
  for (const l of book.bids.levels) net.set(l.price, l.qty);
  for (const l of book.asks.levels) net.set(l.price, (net.get(l.price) ?? 0) - l.qty);
  const fields: (string | number)[] = [];
  for (const [price, q] of net) if (q !== 0) fields.push(price, q);
  ops.push(["DEL", K.bookKey(g, sid)]);
  if (fields.length) ops.push(["HSET", K.bookKey(g, sid), ...fields] as KeyOp);
}

function dividendOps(g: string, state: CoreState, ev: Extract<EngineEvent, { type: "dividend" }>, ops: KeyOp[]): void {
  ops.push(["HSET", K.securityKey(g, ev.securityId), "dividend_period", ev.period], ["HSET", K.gameKey(g), "cash_total", state.cashTotal]);
  for (const p of ev.payments) {
    const player = state.players.get(p.playerId);
    if (!player) throw new Error(`market-keys: no player ${p.playerId} in the state`);
    ops.push(["HSET", K.inventoryKey(g, p.playerId), "0", player.cash]);
  }
}

/**
 * The market-type fields of a security's state from its stored hash: the trading mode (continuous
 * when absent) and the last dividend period paid (0 when absent). Throws on a value the projection
 * never writes.
 */
export function marketSecurityState(config: Record<string, string>): { mode: TradingModeName; dividendPeriod: number } {
  const m = config.trading_mode ?? "continuous";
  if (m !== "continuous" && m !== "call") throw new Error(`hydrate: trading_mode is not continuous or call: ${m}`);
  const dividendPeriod = Number(config.dividend_period ?? "0");
  if (!Number.isSafeInteger(dividendPeriod) || dividendPeriod < 0) throw new Error(`hydrate: dividend_period is not an integer: ${config.dividend_period}`);
  return { mode: m, dividendPeriod };
}
