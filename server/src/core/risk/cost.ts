/**
 * Average cost of open positions (margin mode): the signed notional (minor units, + long, - short)
 * the open lots were traded at. A trade that adds to a position (or opens one) adds its notional; one
 * that reduces it releases the reduced share of the cost (rounded toward zero, all of it when the
 * position closes), and a trade that flips the position opens the rest at its price. Unrealized
 * P&L = qty x mark x scale - cost; liquidation closes the largest loss first by it.
 */
import type { PlayerState } from "../state.ts";

/** Updates `p`'s cost in `sid` for a trade of `dqty` lots (+ bought, - sold) at `price` ticks; `qty` = the position before it. */
export function tradeCost(p: PlayerState, sid: number, qty: number, dqty: number, price: number, scale: number): void {
  const cost = p.costs.get(sid) ?? 0;
  let next: number;
  if (qty === 0 || qty > 0 === dqty > 0) {
    next = cost + dqty * price * scale;
  } else {
    const closed = Math.min(Math.abs(dqty), Math.abs(qty));
    const released = closed === Math.abs(qty) ? cost : Number((BigInt(cost) * BigInt(closed)) / BigInt(Math.abs(qty)));
    next = cost - released;
    const opened = qty + dqty; // same sign as dqty when the trade flips the position
    if (closed < Math.abs(dqty)) next = opened * price * scale;
  }
  if (next === 0 && qty + dqty === 0) p.costs.delete(sid);
  else p.costs.set(sid, next);
}
