/**
 * A BotContext on the Engine (GameWriters), for simulations, benchmarks and tests that run bots without
 * a room. Prices in ticks, quantities in lots, cash in minor units.
 */
import type { OpenOrder, Rejection } from "@marketroom/shared";
import type { GameWriters as Engine, Unavailable } from "../engine/writers.ts";
import type { Scenario } from "./scenarios.ts";
import type { BotContext, BotOpenOrder, BotSecurity } from "./bot-context.ts";

/**
 * A BotContext implemented directly on the Engine: refresh() reads each security's top of book
 * (engine.book, depth 1), the player's inventory and open orders; commands call engine.place / cancel /
 * cancelAll for (gameId, playerId). now() = clock() - startedAt (ms; pass a fake clock for simulations).
 * Reads before the first refresh see an empty book and no holdings. refresh() throws on a rejection
 * (unknown game or player): that is a setup bug, not a market event.
 */
export function engineBotContext(
  engine: Engine,
  gameId: string,
  playerId: string,
  scenario: Scenario,
  startedAt: number,
  clock: () => number = Date.now,
): BotContext {
  const securities: BotSecurity[] = scenario.securities.map((s) => ({
    securityId: s.securityId,
    symbol: s.symbol,
    scale: s.scale,
    bandLow: s.bandLow,
    bandHigh: s.bandHigh,
  }));
  let tops = new Map<number, { bid?: number; ask?: number }>();
  let positions = new Map<number, number>();
  let available = 0;
  let orders = new Map<number, BotOpenOrder[]>();
  const now = () => clock() - startedAt;
  const unwrap = <T>(r: T | Rejection | Unavailable): T => {
    if ((r as Rejection).ok === false) throw new Error(`${(r as Rejection).code}: ${(r as Rejection).message}`);
    return r as T;
  };

  return {
    playerId,
    securities: () => securities,
    now,
    reference: (sid) => scenario.referenceAt(sid, now()),
    bestBid: (sid) => tops.get(sid)?.bid,
    bestAsk: (sid) => tops.get(sid)?.ask,
    position: (sid) => positions.get(sid) ?? 0,
    cash: () => available,
    openOrders: (sid) => orders.get(sid) ?? [],
    async refresh() {
      const [books, inv, open] = await Promise.all([
        Promise.all(securities.map((s) => engine.book(gameId, s.securityId, 1))),
        engine.inventory(gameId, playerId),
        engine.orders(gameId, playerId),
      ]);
      tops = new Map(
        books.map((r, i) => {
          const b = unwrap(r);
          return [securities[i]!.securityId, { bid: b.bids[0]?.price, ask: b.asks[0]?.price }];
        }),
      );
      const i = unwrap(inv);
      available = i.cash - i.cashLocked;
      positions = new Map(i.positions.map((p) => [p.securityId, p.qty]));
      orders = new Map();
      const list = [...unwrap(open).orders].sort(
        (a: OpenOrder, b: OpenOrder) => a.securityId - b.securityId || a.orderId - b.orderId,
      );
      for (const o of list) {
        const arr = orders.get(o.securityId) ?? [];
        arr.push({ orderId: o.orderId, side: o.side, price: o.price, amount: o.amount });
        orders.set(o.securityId, arr);
      }
    },
    place: (order) => engine.place(gameId, playerId, order),
    cancel: (sid, orderId) => engine.cancel(gameId, playerId, sid, orderId),
    cancelAll: (sid) => engine.cancelAll(gameId, playerId, sid),
  };
}
