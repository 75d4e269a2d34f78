/**
 * Call auctions, read-only (docs/markets.md "Call market"): the price at which a crossed book clears,
 * which resting orders trade at it, and the self-trade check of an order entering a call book. Like
 * match.ts this knows nothing about balances; decide turns the plans into events, evolve applies them.
 *
 * Clearing price (the rule of exchanges' opening and closing auctions, e.g. Euronext's and Xetra's
 * call auctions; Smith, Williams, Bratton & Vannoni 1982 for the classroom call market). For a price p:
 * demand D(p) = lots bid at limits >= p, supply S(p) = lots offered at limits <= p, executable volume
 * V(p) = min(D, S), imbalance |D - S|. Among all integer ticks the price chosen has
 *   1. the maximum executable volume, then
 *   2. the minimum imbalance, then
 *   3. the smallest distance to the reference price (when one is given), then
 *   4. the lower price.
 * D is non-increasing and S non-decreasing in p, so the ticks of maximum volume form one range, and
 * within it those of minimum imbalance form one range again: with a reference the price is that
 * range's tick closest to the reference (unique), without one its lowest tick (rule 4).
 * D and S only change at the book's limit prices, so every tick between two neighbouring limits p_i <
 * p_j has the same (D, S) = (D(p_j), S(p_i)); of such a gap only its tick closest to the reference (its
 * lowest tick without a reference) can win, so the candidates are the limit prices plus one tick per gap.
 *
 * Allocation: every bid at or above the price and every offer at or below it is eligible; lots are
 * allocated in price-time priority on each side (best limit first, then arrival), so the short side
 * trades completely and the long side's last orders may trade in part. A partly filled order keeps
 * its place in the queue. Each fill pairs one bid with one offer at the clearing price; the order that
 * arrived first (lower order id) is named the maker.
 */
import type { MatchPlan, Incoming } from "./match.ts";
import { crosses, opposite, type OrderBook, type RestingOrder } from "./book.ts";

/** The outcome of a call: price (ticks), qty = lots traded, buyQty = D(price), sellQty = S(price). */
export interface Clearing {
  price: number;
  qty: number;
  buyQty: number;
  sellQty: number;
}

/** One fill of a call: `qty` lots between a bid and an offer, with what each has left after it. */
export interface AuctionPair {
  buy: RestingOrder;
  sell: RestingOrder;
  qty: number;
  buyLeft: number;
  sellLeft: number;
}

/** True when a (qty, imbalance, distance, price) candidate beats the best so far. */
function better(c: Clearing, best: Clearing | null, ref: number | undefined): boolean {
  if (best === null) return true;
  if (c.qty !== best.qty) return c.qty > best.qty;
  const ci = Math.abs(c.buyQty - c.sellQty);
  const bi = Math.abs(best.buyQty - best.sellQty);
  if (ci !== bi) return ci < bi;
  if (ref !== undefined) {
    const cd = Math.abs(c.price - ref);
    const bd = Math.abs(best.price - ref);
    if (cd !== bd) return cd < bd;
  }
  return c.price < best.price;
}

/**
 * The clearing price of the book (see the module doc), or null when the book is not crossed (the
 * best bid is below the best offer, or a side is empty). `referencePrice` in ticks, optional.
 */
export function clearingPrice(book: OrderBook, referencePrice?: number): Clearing | null {
  const bestBid = book.bids.best()?.price;
  const bestAsk = book.asks.best()?.price;
  if (bestBid === undefined || bestAsk === undefined || bestBid < bestAsk) return null;
  // limit prices in [bestAsk, bestBid], ascending: only there can both sides trade
  const set = new Set<number>();
  for (const l of book.bids.levels) if (l.price >= bestAsk) set.add(l.price);
  for (const l of book.asks.levels) if (l.price <= bestBid) set.add(l.price);
  const prices = [...set].sort((a, b) => a - b);
  const n = prices.length;
  const demand: number[] = new Array<number>(n + 1).fill(0);
  const supply: number[] = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) demand[i] = demand[i + 1]! + (book.bids.levelAt(prices[i]!)?.qty ?? 0);
  for (let i = 0; i < n; i++) supply[i] = (i > 0 ? supply[i - 1]! : 0) + (book.asks.levelAt(prices[i]!)?.qty ?? 0);
  let best: Clearing | null = null;
  const consider = (price: number, d: number, s: number) => {
    const c = { price, qty: Math.min(d, s), buyQty: d, sellQty: s };
    if (better(c, best, referencePrice)) best = c;
  };
  for (let i = 0; i < n; i++) {
    consider(prices[i]!, demand[i]!, supply[i]!);
    if (i + 1 < n && prices[i + 1]! - prices[i]! >= 2) {
      const lo = prices[i]! + 1;
      const hi = prices[i + 1]! - 1;
      const tick = referencePrice === undefined ? lo : Math.min(hi, Math.max(lo, referencePrice));
      consider(tick, demand[i + 1]!, supply[i]!);
    }
  }
  return best;
}

/** The orders of one side eligible at `price`, best limit first then arrival. */
function* eligible(book: OrderBook, side: "buy" | "sell", price: number): Generator<RestingOrder> {
  const levels = book.side(side).levels;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    if (side === "buy" ? level.price < price : level.price > price) return;
    for (let o = level.head; o !== null; o = o.next) yield o;
  }
}

/** The fills of a call of `qty` lots at `price` (qty = the clearing volume), in price-time priority on both sides. */
export function planAuction(book: OrderBook, price: number, qty: number): AuctionPair[] {
  const pairs: AuctionPair[] = [];
  const bids = eligible(book, "buy", price);
  const asks = eligible(book, "sell", price);
  let buy: RestingOrder | undefined;
  let sell: RestingOrder | undefined;
  let buyLeft = 0;
  let sellLeft = 0;
  let left = qty;
  while (left > 0) {
    if (buyLeft === 0) {
      buy = bids.next().value ?? undefined;
      buyLeft = buy?.amount ?? 0;
    }
    if (sellLeft === 0) {
      sell = asks.next().value ?? undefined;
      sellLeft = sell?.amount ?? 0;
    }
    if (buy === undefined || sell === undefined)
      throw new Error(`planAuction: ${qty} lots are not executable at ${price}`);
    const q = Math.min(buyLeft, sellLeft, left);
    buyLeft -= q;
    sellLeft -= q;
    left -= q;
    pairs.push({ buy, sell, qty: q, buyLeft, sellLeft });
  }
  return pairs;
}

const PLAN: MatchPlan = { makers: [], qtys: [], count: 0, remaining: 0, truncated: false, stpIncoming: false };

/**
 * The plan of an order entering a book in call mode: it never matches on arrival. Self-trade
 * prevention still applies to the player's own opposite orders that its limit crosses (they would
 * meet at the next call): cancel_incoming cancels the incoming order (stpIncoming), cancel_resting
 * cancels those resting orders (makers with qty 0), at most maxMatches of them. So no player ever
 * has a bid at or above their own offer, and a call never pairs a player with themselves.
 */
export function planCallEntry(book: OrderBook, stp: string, maxMatches: number, o: Incoming): MatchPlan {
  const plan = PLAN;
  plan.count = 0;
  plan.remaining = o.qty;
  plan.truncated = false;
  plan.stpIncoming = false;
  const levels = book.side(opposite(o.side)).levels;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    if (!crosses(o.side, o.price, level.price)) break;
    for (let m = level.head; m !== null; m = m.next) {
      if (m.playerId !== o.playerId) continue;
      if (stp !== "cancel_resting") {
        plan.stpIncoming = true;
        return plan;
      }
      if (plan.count >= maxMatches) {
        plan.truncated = true;
        return plan;
      }
      plan.makers[plan.count] = m;
      plan.qtys[plan.count++] = 0;
    }
  }
  return plan;
}
