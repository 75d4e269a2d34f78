/**
 * copyState(state) -> an independent deep copy of a CoreState (the books with the same price-time
 * priority, every player's cash, locks, positions and resting-order lists, the idempotency store, the
 * order being placed), so one copy can be evolved without touching the other. Replay keeps such copies
 * every few thousand events (replay/reader.ts). Stored results, news and signals are never mutated once
 * made, so the copies share them.
 */
import type { RestingOrder } from "./matching/book.ts";
import { OrderBook } from "./matching/book.ts";
import { PlayerOrders } from "./player-orders.ts";
import type { CoreState, PlayerState, StopOrder } from "./state.ts";

/**
 * A resting order's fields, unlinked. Built field by field in the order evolve.ts and hydrate.ts use,
 * so copies share the book's hidden class (a spread made a different one, and copying 102,000 orders
 * took 210-255 ms: docs/commit.md "Stop 21").
 */
function copyOrder(o: RestingOrder): RestingOrder {
  return {
    id: o.id,
    securityId: o.securityId,
    side: o.side,
    price: o.price,
    qty: o.qty,
    amount: o.amount,
    playerId: o.playerId,
    clientOrderId: o.clientOrderId,
    ts: o.ts,
    postOnly: o.postOnly,
    level: null,
    prev: null,
    next: null,
    ownerPrev: null,
    ownerNext: null,
  };
}

/**
 * The copies of a book's orders in id order (each player's list of resting orders is kept in id
 * order). Ids are 1..lastOrderId, so an array indexed by id orders them without a sort; an id outside
 * that range (not made by the core) falls back to sorting.
 */
function byIdOrder(copies: RestingOrder[], lastOrderId: number): RestingOrder[] {
  const byId = new Array<RestingOrder | undefined>(lastOrderId + 1);
  for (const c of copies) {
    if (!(c.id >= 1 && c.id <= lastOrderId) || byId[c.id] !== undefined) return copies.sort((a, b) => a.id - b.id);
    byId[c.id] = c;
  }
  const out: RestingOrder[] = [];
  for (const c of byId) if (c !== undefined) out.push(c);
  return out;
}

export function copyState(s: CoreState): CoreState {
  const players = new Map<string, PlayerState>();
  for (const [pid, p] of s.players) {
    const positions = new Map<number, { qty: number; locked: number; openBuy: number }>();
    for (const [sid, pos] of p.positions) positions.set(sid, { ...pos });
    players.set(pid, {
      ...p,
      positions,
      orders: new Map(),
      clientOrders: new Map(p.clientOrders),
      costs: new Map(p.costs),
      leverage: new Map(p.leverage),
    });
  }
  const secs: CoreState["securities"] = new Map();
  for (const sid of s.securityIds) {
    const sec = s.securities.get(sid)!;
    const book = new OrderBook();
    const copies: RestingOrder[] = [];
    for (const side of [sec.book.bids, sec.book.asks]) {
      // best level is last; within a level head -> tail is arrival order
      for (let i = side.levels.length - 1; i >= 0; i--) {
        for (let o = side.levels[i]!.head; o !== null; o = o.next) {
          const c = copyOrder(o);
          book.insert(c);
          copies.push(c);
        }
      }
    }
    for (const c of byIdOrder(copies, sec.lastOrderId)) {
      const owner = players.get(c.playerId)!;
      let mine = owner.orders.get(sid);
      if (!mine) {
        mine = new PlayerOrders();
        owner.orders.set(sid, mine);
      }
      mine.append(c);
    }
    const stops = new Map<number, StopOrder>();
    for (const [id, st] of sec.stops) stops.set(id, { ...st });
    const byParent = new Map<number, number[]>();
    for (const [id, kids] of sec.byParent) byParent.set(id, kids.slice());
    secs.set(sid, { ...sec, book, stops, byParent });
  }
  const pending =
    s.pending === null
      ? null
      : {
          ...s.pending,
          order: copyOrder(s.pending.order),
          fills: s.pending.fills?.slice() ?? null,
          stpCancelled: s.pending.stpCancelled?.slice() ?? null,
        };
  return {
    game: s.game ? { ...s.game } : null,
    seq: s.seq,
    securities: secs,
    securityIds: s.securityIds.slice(),
    players,
    cashTotal: s.cashTotal,
    news: s.news.slice(),
    signals: s.signals.slice(),
    pending,
    fund: { cash: s.fund.cash, positions: new Map(s.fund.positions) },
  };
}
