/**
 * PrivatePatch both ways: diffPrivate (server) then applyPrivatePatch (client) rebuilds the same
 * private state as a full snapshot would, through adds, changes, removals and list trimming.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  applyPrivatePatch,
  OWN_FILLS_KEPT,
  type PrivateFill,
  type PrivateOrder,
  type PrivatePlayer,
  type PrivateView,
} from "@marketroom/shared";
import { diffPrivate, fullPatch } from "../../src/rooms/private-view.ts";

function player(cash: number, orders: PrivateOrder[], fills: PrivateFill[]): PrivatePlayer {
  return {
    cash,
    cashLocked: 0,
    equity: cash,
    pnl: 0,
    realizedPnl: 0,
    unrealizedPnl: 0,
    fees: 0,
    trades: fills.length,
    returnBps: 0,
    points: 0,
    group: cash % 2 ? "odd" : "",
    marginEquity: 0,
    usedMargin: 0,
    maintenanceMargin: 0,
    freeMargin: 0,
    leverageBps: 0,
    positions: {
      "1": {
        securityId: 1,
        qty: cash % 7,
        locked: 0,
        openBuy: 0,
        entryPrice: 0,
        mark: 0,
        unrealizedPnl: 0,
        margin: 0,
        liquidationPrice: 0,
        initialMarginBps: 0,
      },
    },
    orders: Object.fromEntries(orders.map((o) => [`1:${o.orderId}`, o])),
    stops: {},
    fills: fills.slice(-OWN_FILLS_KEPT),
    signals: [],
    marginCalls: [],
    stopTriggers: [],
  };
}

const order = (orderId: number, amount: number): PrivateOrder => ({
  orderId,
  securityId: 1,
  side: "buy",
  price: 90,
  qty: 10,
  amount,
  clientOrderId: `c${orderId}`,
  ts: orderId,
});
const fill = (seq: number): PrivateFill => ({
  seq,
  securityId: 1,
  orderId: seq,
  side: "sell",
  price: 100,
  qty: 1,
  role: "maker",
  ts: seq,
});

/** The view as plain data, to compare with a snapshot's (map entries by key: screens sort them themselves). */
const byKey = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const plain = (v: PrivateView) => ({
  ...v,
  positions: byKey(v.positions),
  orders: byKey(v.orders),
  stops: byKey(v.stops),
});

describe("PrivatePatch: diff on the server, fold on the client", () => {
  it("a run of diffs folds to the same view as a snapshot of the last state", () => {
    const step = fc.record({
      cash: fc.integer({ min: 0, max: 1_000 }),
      orders: fc.uniqueArray(
        fc.record({ id: fc.integer({ min: 1, max: 8 }), amount: fc.integer({ min: 1, max: 10 }) }),
        {
          selector: (o) => o.id,
          maxLength: 6,
        },
      ),
      newFills: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        let seq = 0;
        let fills: PrivateFill[] = [];
        let prev: PrivatePlayer | null = null;
        let view: PrivateView | undefined;
        for (const s of steps) {
          for (let i = 0; i < s.newFills; i++) fills.push(fill(++seq));
          fills = fills.slice(-OWN_FILLS_KEPT);
          const cur = player(
            s.cash,
            s.orders.map((o) => order(o.id, o.amount)),
            fills,
          );
          const patch = prev ? diffPrivate("p1", prev, cur) : fullPatch("p1", cur);
          if (patch) view = applyPrivatePatch(view, patch);
          prev = cur;
          const snap = applyPrivatePatch(undefined, fullPatch("p1", cur));
          expect(plain(view!)).to.deep.equal(plain(snap));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("no change, no patch; a removed order is a del", () => {
    const a = player(100, [order(1, 5), order(2, 3)], [fill(1)]);
    expect(diffPrivate("p1", a, player(100, [order(1, 5), order(2, 3)], [fill(1)]))).to.equal(null);
    const p = diffPrivate("p1", a, player(100, [order(1, 4)], [fill(1), fill(2)]));
    expect(p).to.deep.equal({
      playerId: "p1",
      set: { trades: 2 },
      orders: { put: { "1:1": order(1, 4) }, del: ["1:2"] },
      fills: [fill(2)],
    });
  });

  it("orders listed in any order diff by key (the feed's walk is for its own lists, by id)", () => {
    const a = player(100, [order(3, 5), order(1, 2), order(2, 3)], []);
    const p = diffPrivate("p1", a, player(100, [order(2, 3), order(1, 1)], []));
    expect(p).to.deep.equal({ playerId: "p1", orders: { put: { "1:1": order(1, 1) }, del: ["1:3"] } });
    expect(diffPrivate("p1", a, player(100, [order(1, 2), order(2, 3), order(3, 5)], []))).to.equal(null);
  });
});
