/**
 * Orders on a CFD security (docs/margin.md "CFD securities"): there is no order book to match in; the
 * house (the insurance fund) is the counterparty of every fill, at its quote (cfd-quote.ts: the
 * reference -/+ the half-spread, ticks). Pure: these functions read the state and log events.
 *
 *   - a market order fills whole at once: a buy at the ask, a sell at the bid (NO_LIQUIDITY while the
 *     house has no quote, i.e. the security has no reference price yet);
 *   - a limit order that the quote reaches (buy: ask <= limit; sell: bid >= limit) fills whole at once at
 *     the quote (never worse than its limit); otherwise a GTC order waits on the security's book (locked
 *     and counted in the margin check like any open order; it never matches another player's order), and
 *     an IOC or FOK order is cancelled (FOK: FOK_UNFILLABLE at entry);
 *   - a waiting order fills whole at the quote when a reference tick brings the quote to it (run.ts),
 *     in order id (= arrival) order, once: the fill takes it off the book;
 *   - post-only: POST_ONLY_WOULD_TAKE when the quote already reaches it;
 *   - leverage (place's `leverage`, 1 .. floor(10000 / initialMarginBps)): the position's initial margin
 *     rate from that order on = ceil(10000 / leverage) bps (cfd_leverage event); INVALID_LEVERAGE
 *     outside that range or on a book security.
 * Every fill pays the security's taker fee per lot to the house. Cash moves only between the player
 * and the fund (cfd_fill), so players' cash + the fund's cash stays constant.
 */
import type { EventOf, OrderSummary } from "@marketroom/shared";
import { quoteOf } from "./cfd-quote.ts";
import type { EventLog } from "./decide/context.ts";
import { checkBand, checkPostOnly, type CheckedOrder } from "./order-checks.ts";
import { reject } from "./reject.ts";
import type { PlayerState, SecurityState } from "./state.ts";
import { summarize } from "./summary.ts";

/** The quote price a `side` order trades at: the ask for a buy, the bid for a sell (0 = no quote). */
function quotePrice(sec: SecurityState, side: "buy" | "sell"): number {
  const q = quoteOf(sec);
  return side === "buy" ? q.ask : q.bid;
}

/** Whether the house's quote reaches a limit order now. */
function reaches(sec: SecurityState, side: "buy" | "sell", limit: number): boolean {
  const p = quotePrice(sec, side);
  return p > 0 && (side === "buy" ? p <= limit : p >= limit);
}

/**
 * The CFD part of the order checks (in place of the book's: call mode, protection bound, post-only,
 * FOK): a market order takes the quote as its price. NO_LIQUIDITY, PRICE_OUT_OF_BAND,
 * POST_ONLY_WOULD_TAKE, FOK_UNFILLABLE.
 */
export function checkCfdOrder(sec: SecurityState, o: CheckedOrder): void {
  if (o.orderType === "market") {
    o.price = quotePrice(sec, o.side);
    if (o.price === 0) reject("NO_LIQUIDITY", "the house has no quote for this CFD yet (no reference price)");
    return;
  }
  checkBand(o.price, sec.info);
  const p = quotePrice(sec, o.side);
  checkPostOnly(o, p > 0 ? p : undefined);
  if (o.tif === "FOK" && !reaches(sec, o.side, o.price))
    reject("FOK_UNFILLABLE", "the house's quote does not reach the limit");
}

/**
 * The initial margin rate (bps) a CFD order's `leverage` sets for the position, or undefined when the
 * order names none. INVALID_LEVERAGE on a book security or outside 1 .. floor(10000 / initialMarginBps).
 */
export function leverageBps(sec: SecurityState, leverage: unknown): number | undefined {
  if (leverage === undefined) return undefined;
  if (sec.kind !== "cfd") reject("INVALID_LEVERAGE", "leverage is chosen on CFD securities only");
  const max = Math.floor(10_000 / sec.initialMarginBps);
  if (typeof leverage !== "number" || !Number.isInteger(leverage) || leverage < 1 || leverage > max)
    reject("INVALID_LEVERAGE", `leverage must be an integer from 1 to ${max}`);
  return Math.ceil(10_000 / leverage);
}

/** Logs cfd_leverage when the order's leverage changes the player's rate for the security. */
export function logLeverage(log: EventLog, sec: SecurityState, p: PlayerState, leverage: number, bps: number): void {
  const sid = sec.info.securityId;
  if ((p.leverage.get(sid) ?? sec.initialMarginBps) === bps) return;
  log.events.push({
    type: "cfd_leverage",
    seq: log.next(),
    ts: log.ts,
    securityId: sid,
    playerId: p.playerId,
    leverage,
    initialMarginBps: bps,
  });
}

function fillEvent(
  log: EventLog,
  sec: SecurityState,
  o: { id: number; playerId: string; side: "buy" | "sell"; qty: number; price: number },
  resting: boolean,
): EventOf<"cfd_fill"> {
  return {
    type: "cfd_fill",
    seq: log.next(),
    ts: log.ts,
    securityId: sec.info.securityId,
    orderId: o.id,
    playerId: o.playerId,
    side: o.side,
    price: quotePrice(sec, o.side),
    qty: o.qty,
    fee: sec.info.takerFee * o.qty,
    limit: o.price,
    resting,
  };
}

/**
 * Logs a checked CFD order after its order_accepted (order id `id`): cfd_fill, order_rested or
 * order_cancelled; returns its summary.
 */
export function executeCfdOrder(log: EventLog, sec: SecurityState, o: CheckedOrder, id: number): OrderSummary {
  const base = { securityId: sec.info.securityId, orderId: id, playerId: o.playerId, side: o.side, price: o.price };
  let filled = 0;
  let notional = 0;
  let reason: OrderSummary["reason"] = "";
  if (reaches(sec, o.side, o.price)) {
    const f = fillEvent(log, sec, { id, playerId: o.playerId, side: o.side, qty: o.qty, price: o.price }, false);
    log.events.push(f);
    filled = o.qty;
    notional = f.price * f.qty * sec.info.scale;
  } else if (o.orderType === "limit" && o.tif === "GTC") {
    log.events.push({ type: "order_rested", seq: log.next(), ts: log.ts, ...base, qty: o.qty });
  } else {
    reason = o.orderType === "market" ? "market" : o.tif === "IOC" ? "ioc" : "fok";
    log.events.push({ type: "order_cancelled", seq: log.next(), ts: log.ts, ...base, qty: o.qty, reason });
  }
  return summarize({
    id,
    securityId: sec.info.securityId,
    playerId: o.playerId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    postOnly: o.postOnly,
    price: o.price,
    qty: o.qty,
    orderType: o.orderType,
    tif: o.tif,
    filled,
    resting: filled === 0 && reason === "" ? o.qty : 0,
    notional,
    reason,
    stpCancelled: [],
  });
}

/**
 * A reference tick moved the quote: the waiting orders it reaches fill, in order id order, each once
 * (the fill takes it off the book). Nothing while the game is not running. Returns whether any filled.
 */
export function fillWaitingCfdOrders(sec: SecurityState, running: boolean, log: EventLog): boolean {
  if (!running || sec.kind !== "cfd" || sec.book.orders.size === 0) return false;
  const before = log.events.length;
  const due = [...sec.book.orders.values()].filter((o) => reaches(sec, o.side, o.price)).sort((a, b) => a.id - b.id);
  for (const o of due) log.events.push(fillEvent(log, sec, { ...o, qty: o.amount }, true));
  return log.events.length > before;
}
