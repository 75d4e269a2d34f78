/**
 * Matching, read-only: which resting orders an incoming order meets, in price-time priority, and
 * what it takes from each. decide turns the plan into events; evolve applies them to the book.
 *
 * Rules (docs/engine.md "Matching"): the incoming order meets the opposite side best price first,
 * arrival first within a price, while the resting price crosses its limit (for a market order, the
 * protection bound). A fill is min(remaining, resting amount) at the resting order's price.
 * Self-trade prevention: cancel_incoming stops at the player's own resting order; cancel_resting
 * cancels it and goes on. One command touches at most maxMatches resting orders (fills and STP
 * cancels both count); meeting another crossing order after that sets `truncated`.
 */
import { crosses, opposite, type OrderBook, type RestingOrder, type Side } from "./book.ts";

export interface Incoming {
  side: Side;
  price: number;
  qty: number;
  playerId: string;
}

export interface MatchPlan {
  /** Resting orders touched, in order: makers[0 .. count - 1]. */
  makers: RestingOrder[];
  /** Lots filled against makers[i]; 0 = cancelled by self-trade prevention (cancel_resting). */
  qtys: number[];
  count: number;
  /** Lots left unfilled. */
  remaining: number;
  /** Stopped at maxMatches with a crossing order left. */
  truncated: boolean;
  /** Stopped at the player's own order (stp cancel_incoming). */
  stpIncoming: boolean;
}

/**
 * One plan object reused by every call (the core runs on one thread and the caller consumes the plan
 * before the next call): matching allocates nothing per order.
 */
const PLAN: MatchPlan = { makers: [], qtys: [], count: 0, remaining: 0, truncated: false, stpIncoming: false };

/**
 * The match plan of an incoming order against the book (does not change the book). The plan is
 * valid until the next call.
 */
export function planMatch(book: OrderBook, stp: string, maxMatches: number, o: Incoming): MatchPlan {
  const plan = PLAN;
  plan.count = 0;
  plan.remaining = o.qty;
  plan.truncated = false;
  plan.stpIncoming = false;
  const levels = book.side(opposite(o.side)).levels;
  let touched = 0;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    if (!crosses(o.side, o.price, level.price)) break;
    for (let m = level.head; m !== null; m = m.next) {
      if (touched >= maxMatches) {
        plan.truncated = true;
        return plan;
      }
      if (m.playerId === o.playerId) {
        if (stp !== "cancel_resting") {
          plan.stpIncoming = true;
          return plan;
        }
        plan.makers[plan.count] = m;
        plan.qtys[plan.count++] = 0;
      } else {
        const q = m.amount < plan.remaining ? m.amount : plan.remaining;
        plan.makers[plan.count] = m;
        plan.qtys[plan.count++] = q;
        plan.remaining -= q;
        if (plan.remaining === 0) return plan;
      }
      touched += 1;
    }
  }
  return plan;
}

/**
 * Fill-or-kill: can qty fill completely at once within maxMatches resting orders, under self-trade
 * prevention (own orders stop it under cancel_incoming and count as touched under cancel_resting)?
 */
export function fokFillable(book: OrderBook, stp: string, maxMatches: number, o: Incoming): boolean {
  const levels = book.side(opposite(o.side)).levels;
  let seen = 0;
  let sum = 0;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    if (!crosses(o.side, o.price, level.price)) return false;
    for (let m = level.head; m !== null; m = m.next) {
      if (seen >= maxMatches) return false;
      seen += 1;
      if (m.playerId === o.playerId) {
        if (stp !== "cancel_resting") return false;
      } else {
        sum += m.amount;
        if (sum >= o.qty) return true;
      }
    }
  }
  return false;
}

/** Best price on a side, or undefined when it is empty. */
export function bestPrice(book: OrderBook, side: Side): number | undefined {
  return book.side(side).best()?.price;
}
