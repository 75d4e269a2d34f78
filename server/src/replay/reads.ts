/**
 * What replay serves of a game at one event: reads of a folded log (core/fold.ts, the core's state after
 * `evolve` of events 1..seq), as copies the caller may keep. The shapes are those of the engine's read
 * commands (book with every order in price-time priority, inventories, open orders).
 *
 * Units: price in ticks, qty/amount in lots, cash in minor units, ts in ms since the epoch.
 */
import type { GameFold } from "../core/fold.ts";
import type { BookSide } from "../core/matching/book.ts";

/** A resting order. qty = accepted lots, amount = open (unfilled) lots; ts = ms of the command that rested it. */
export interface ReplayOrder {
  orderId: number;
  securityId: number;
  playerId: string;
  side: "buy" | "sell";
  price: number;
  qty: number;
  amount: number;
  clientOrderId?: string;
  postOnly: boolean;
  ts: number;
}

/** One price level: price in ticks, qty = open lots, orders = how many orders. */
export interface LevelView {
  price: number;
  qty: number;
  orders: number;
}

/** A book at a seq: levels best first (bids high to low, asks low to high); `orders` per side in priority order. */
export interface BookView {
  securityId: number;
  seq: number;
  ts: number;
  bids: LevelView[];
  asks: LevelView[];
  /** Every resting order of the first `depth` levels of each side, best price first, then arrival. */
  orders: { bids: ReplayOrder[]; asks: ReplayOrder[] };
  /** Last trade price, ticks (0 before the first), and lots traded so far. */
  lastPrice: number;
  volume: number;
}

/** A player's inventory as the engine's `inventory` command shapes it (positions by security id, ascending). */
export interface InventoryView {
  playerId: string;
  name: string;
  cash: number;
  cashLocked: number;
  positions: { securityId: number; qty: number; locked: number; openBuy: number }[];
}

function side(s: BookSide, depth: number): { levels: LevelView[]; orders: ReplayOrder[] } {
  const levels: LevelView[] = [];
  const orders: ReplayOrder[] = [];
  for (let i = s.levels.length - 1; i >= 0 && levels.length < depth; i--) {
    const l = s.levels[i]!;
    levels.push({ price: l.price, qty: l.qty, orders: l.orders });
    for (let o = l.head; o !== null; o = o.next) {
      const r: ReplayOrder = {
        orderId: o.id,
        securityId: o.securityId,
        playerId: o.playerId,
        side: o.side,
        price: o.price,
        qty: o.qty,
        amount: o.amount,
        postOnly: o.postOnly,
        ts: o.ts,
      };
      if (o.clientOrderId !== undefined) r.clientOrderId = o.clientOrderId;
      orders.push(r);
    }
  }
  return { levels, orders };
}

/**
 * The book of `securityId` at the fold's seq: the first `depth` price levels per side (default all) with
 * their orders in price-time priority. A security not added yet at that seq has an empty book; null
 * when the fold does not know it.
 */
export function bookView(fold: GameFold, securityId: number, depth = Number.MAX_SAFE_INTEGER): BookView | null {
  const sec = fold.state.securities.get(securityId);
  const st = fold.stats.get(securityId);
  if (!sec) return null;
  const b = side(sec.book.bids, depth);
  const a = side(sec.book.asks, depth);
  return {
    securityId,
    seq: fold.seq,
    ts: fold.ts,
    bids: b.levels,
    asks: a.levels,
    orders: { bids: b.orders, asks: a.orders },
    lastPrice: st?.lastPrice ?? 0,
    volume: st?.volume ?? 0,
  };
}

/** An empty book of `securityId` at `seq` (a security the game adds later). */
export function emptyBook(fold: GameFold, securityId: number): BookView {
  return {
    securityId,
    seq: fold.seq,
    ts: fold.ts,
    bids: [],
    asks: [],
    orders: { bids: [], asks: [] },
    lastPrice: 0,
    volume: 0,
  };
}

/** Every player's inventory (or only `playerId`'s), players in the order they were added. */
export function inventoriesView(fold: GameFold, playerId?: string): InventoryView[] {
  const out: InventoryView[] = [];
  for (const p of fold.state.players.values()) {
    if (playerId !== undefined && p.playerId !== playerId) continue;
    const positions = [...p.positions.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([securityId, x]) => ({ securityId, qty: x.qty, locked: x.locked, openBuy: x.openBuy }));
    out.push({ playerId: p.playerId, name: p.name, cash: p.cash, cashLocked: p.cashLocked, positions });
  }
  return out;
}

/** A player's resting orders, by security id then order id (as the engine's `orders`). */
export function ordersView(fold: GameFold, playerId: string): ReplayOrder[] {
  const p = fold.state.players.get(playerId);
  const out: ReplayOrder[] = [];
  if (!p) return out;
  for (const sid of fold.state.securityIds) {
    for (const o of p.orders.get(sid)?.values() ?? []) {
      const r: ReplayOrder = {
        orderId: o.id,
        securityId: sid,
        playerId,
        side: o.side,
        price: o.price,
        qty: o.qty,
        amount: o.amount,
        postOnly: o.postOnly,
        ts: o.ts,
      };
      if (o.clientOrderId !== undefined) r.clientOrderId = o.clientOrderId;
      out.push(r);
    }
  }
  return out;
}
