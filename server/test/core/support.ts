/**
 * Helpers for the game core's tests.
 *
 *   canonical(state)            the whole core state as plain data (books level by level in queue order,
 *                               players, locks, client order results, counters, seq, phase, news,
 *                               signals): two states are equal iff their canonical forms are deep-equal
 *   fold(events)                emptyState() with the events (zod-parsed first) applied by evolve
 *   apply(state, command, ts)   decide then evolve; returns decide's answer
 */
import { EngineEvent } from "@marketroom/shared";
import { decide, emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import type { BookSide } from "../../src/core/matching/book.ts";

function sideDump(side: BookSide): unknown[] {
  return side.levels.map((l) => {
    const orders: unknown[] = [];
    for (let o = l.head; o !== null; o = o.next) {
      orders.push({
        id: o.id,
        side: o.side,
        price: o.price,
        qty: o.qty,
        amount: o.amount,
        playerId: o.playerId,
        clientOrderId: o.clientOrderId ?? null,
        ts: o.ts,
        postOnly: o.postOnly,
      });
    }
    return { price: l.price, qty: l.qty, orders: l.orders, queue: orders };
  });
}

const sortedEntries = <V>(m: Map<string | number, V>) =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The state as plain, order-canonical data (deep-equal iff the states are equal). */
export function canonical(s: CoreState): unknown {
  return {
    game: s.game,
    seq: s.seq,
    cashTotal: s.cashTotal,
    securityIds: s.securityIds,
    pending: s.pending,
    securities: sortedEntries(s.securities).map(([id, sec]) => ({
      id,
      info: sec.info,
      lastOrderId: sec.lastOrderId,
      mode: sec.mode,
      dividendPeriod: sec.dividendPeriod,
      bids: sideDump(sec.book.bids),
      asks: sideDump(sec.book.asks),
      initialMarginBps: sec.initialMarginBps,
      maintenanceMarginBps: sec.maintenanceMarginBps,
      reference: sec.reference,
      kind: sec.kind,
      halfSpread: sec.halfSpread,
      lastPrice: sec.lastPrice,
      lastStopId: sec.lastStopId,
      stops: sortedEntries(sec.stops),
      byParent: sortedEntries(sec.byParent),
      orderIds: [...sec.book.orders.keys()].sort((a, b) => a - b),
    })),
    players: sortedEntries(s.players).map(([id, p]) => ({
      id,
      name: p.name,
      cash: p.cash,
      cashLocked: p.cashLocked,
      positions: sortedEntries(p.positions),
      orders: sortedEntries(p.orders)
        .map(([sid, m]) => [sid, [...m.keys()]])
        .filter(([, ids]) => (ids as number[]).length > 0),
      clientOrders: sortedEntries(p.clientOrders),
      costs: sortedEntries(p.costs),
      leverage: sortedEntries(p.leverage),
    })),
    fund: { cash: s.fund.cash, positions: sortedEntries(s.fund.positions) },
    news: s.news,
    signals: s.signals,
  };
}

/** Folds a log (parsed and upgraded by the EngineEvent schema) from an empty state. */
export function fold(events: unknown[]): CoreState {
  const s = emptyState();
  for (const e of events) evolve(s, EngineEvent.parse(e));
  return s;
}

/** decide, then evolve its events into `state` (mutated); returns decide's answer. */
export function apply(state: CoreState, c: Command, ts: number): ReturnType<typeof decide> {
  const d = decide(state, c, { ts });
  if (d.ok) for (const e of d.events) evolve(state, e);
  return d;
}
