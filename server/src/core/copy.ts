/**
 * copyState(state) -> an independent deep copy of a CoreState (the books with the same price-time
 * priority, every player's cash, locks, positions and resting-order lists, the idempotency store, the
 * order being placed), so one copy can be evolved without touching the other. Replay keeps such copies
 * every few thousand events (replay/reader.ts). Stored results, news and signals are never mutated once
 * made, so the copies share them.
 *
 * A book is copied in order id order (its OrderIndex), not level by level: within a price level the
 * queue is in id order (an order keeps its id only while it keeps its place; an amend that loses
 * priority is a new order), and so is each player's list, so appending the copies in id order
 * rebuilds both without a sort, as hydrate does from Valkey. Walking the levels' linked lists and
 * sorting the copies by id afterwards took about twice as long (docs/commit.md "Stop 35").
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
    // in id order, which is each level's queue order and each player's list order (see module doc)
    for (const o of sec.book.orders.values()) {
      const c = copyOrder(o);
      book.insert(c);
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
