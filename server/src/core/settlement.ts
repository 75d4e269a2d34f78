/**
 * Settlement: what fills and order locks do to players' cash, holdings and locks. Used by evolve only.
 *
 * A fill of q lots at price p (the maker's price): the buyer pays p x q x scale and gets q lots, the
 * seller the reverse; the maker's lock for those q lots is released at the same price; the taker
 * pays the fill's takerFee and the maker receives its makerRebate (totals carried by the fill event,
 * takerFee x q and makerRebate x q when decided). Locks (docs/engine.md "Locks"): an open buy locks
 * price x qty x scale of cash and counts qty in openBuy; an open sell locks qty lots.
 */
import type { FillEvent, SecurityInfo } from "@marketroom/shared";
import type { Side } from "./matching/book.ts";
import { positionOf, type PlayerState } from "./state.ts";

/** Fee and rebate totals of a fill of q lots (minor units). */
export function feesFor(sec: SecurityInfo, q: number): { takerFee: number; makerRebate: number } {
  return { takerFee: sec.takerFee * q, makerRebate: sec.makerRebate * q };
}

/** Adds (sign = 1) or releases (sign = -1) what an open order of qty lots at price holds back. */
export function applyLock(
  p: PlayerState,
  sec: SecurityInfo,
  side: Side,
  price: number,
  qty: number,
  sign: 1 | -1,
): void {
  const pos = positionOf(p, sec.securityId);
  if (side === "buy") {
    p.cashLocked += sign * price * qty * sec.scale;
    pos.openBuy += sign * qty;
  } else {
    pos.locked += sign * qty;
  }
}

/** Moves cash, lots and fees of one fill between taker and maker, and releases the maker's lock. */
export function settleFill(taker: PlayerState, maker: PlayerState, sec: SecurityInfo, ev: FillEvent): void {
  const notional = ev.price * ev.qty * sec.scale;
  const buyer = ev.aggressor === "buy" ? taker : maker;
  const seller = ev.aggressor === "buy" ? maker : taker;
  buyer.cash -= notional;
  positionOf(buyer, sec.securityId).qty += ev.qty;
  seller.cash += notional;
  positionOf(seller, sec.securityId).qty -= ev.qty;
  applyLock(maker, sec, ev.aggressor === "buy" ? "sell" : "buy", ev.price, ev.qty, -1);
  taker.cash -= ev.takerFee;
  maker.cash += ev.makerRebate;
}

/**
 * A fill of a call between two resting orders (docs/markets.md): cash and lots move at the fill's
 * price as in settleFill, but each order's lock is released at its own limit (a bid that trades
 * below its limit gets the difference back), and fees as the event says (0 in a call).
 */
export function settleCallFill(
  taker: PlayerState,
  maker: PlayerState,
  takerOrder: { side: Side; price: number },
  makerOrder: { side: Side; price: number },
  sec: SecurityInfo,
  ev: FillEvent,
): void {
  const notional = ev.price * ev.qty * sec.scale;
  const buyer = ev.aggressor === "buy" ? taker : maker;
  const seller = ev.aggressor === "buy" ? maker : taker;
  buyer.cash -= notional;
  positionOf(buyer, sec.securityId).qty += ev.qty;
  seller.cash += notional;
  positionOf(seller, sec.securityId).qty -= ev.qty;
  applyLock(maker, sec, makerOrder.side, makerOrder.price, ev.qty, -1);
  applyLock(taker, sec, takerOrder.side, takerOrder.price, ev.qty, -1);
  taker.cash -= ev.takerFee;
  maker.cash += ev.makerRebate;
}
