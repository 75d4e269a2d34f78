/**
 * Margin mode in the core (docs/margin.md): the initial margin check with open orders at their worst
 * case, shorts within margin, closing never refused, the position limit; and liquidation: margin call,
 * orders cancelled, positions closed largest loss first with protected IOC orders, the rest taken over
 * by the insurance fund at the mark, a negative balance covered, every step an event.
 */
import { expect } from "chai";
import type { EngineEvent, EventOf } from "@marketroom/shared";
import type { CoreState } from "../../src/core/index.ts";
import { marginStatus } from "../../src/core/risk/margin.ts";
import { limit, newGame, ok, refused, replays, types, type Game } from "./support.ts";

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], t: T) =>
  events.filter((e): e is EventOf<T> => e.type === t);
const cashSum = (s: CoreState) => [...s.players.values()].reduce((a, p) => a + p.cash, 0) + s.fund.cash;
const qtyOf = (g: Game, pid: string) => g.s.players.get(pid)!.positions.get(1)?.qty ?? 0;

/** Margin game, 10x (initial 1000 bps, maintenance 500 bps), marked at the reference (100). */
function game(players: Record<string, number>, fund = 0): Game {
  return newGame({
    mode: "margin",
    markRule: "reference",
    insuranceFund: fund,
    allowShort: false,
    players,
    security: { referencePrice: 100, initialMarginBps: 1000, maintenanceMarginBps: 500 },
  });
}

describe("core margin mode", () => {
  it("an order needs initial margin at the mark within equity: 10x of 10,000 buys 1,000 lots at 100, not 1,001", () => {
    const g = game({ a: 10_000, b: 1_000_000 });
    refused(g, limit("a", "buy", 100, 1001), "INSUFFICIENT_FUNDS");
    ok(g, limit("a", "buy", 100, 1000));
    // open orders count at their worst case: nothing is left for another buy, nor for a sell beyond the bid's size
    refused(g, limit("a", "buy", 100, 1), "INSUFFICIENT_FUNDS");
    refused(g, limit("a", "sell", 110, 1001), "INSUFFICIENT_FUNDS");
    ok(g, limit("a", "sell", 110, 1000));
    replays(g);
  });

  it("shorts are allowed within margin (no holdings, allowShort off), a price beyond the mark needs the difference, closing is never refused", () => {
    const g = game({ a: 10_000, b: 1_000_000 });
    ok(g, limit("b", "buy", 100, 1000));
    ok(g, limit("a", "sell", 100, 1000));
    expect(qtyOf(g, "a")).to.equal(-1000);
    expect(g.s.players.get("a")!.cash).to.equal(110_000);
    // paying 10 ticks above the mark on 1 lot costs 10 on top of the margin
    refused(g, limit("b", "buy", 1_000_000, 1), "INSUFFICIENT_FUNDS");
    ok(g, { type: "set_reference", securityId: 1, price: 101 });
    expect(marginStatus(g.s, g.s.players.get("a")!)).to.deep.equal({ equity: 9_000, maintenance: 5_050 });
    ok(g, limit("b", "sell", 101, 1000));
    ok(g, limit("a", "buy", 101, 1000)); // closes: accepted although equity < initial margin
    expect(qtyOf(g, "a")).to.equal(0);
    replays(g);
  });

  it("the position limit holds long and short in margin mode (POSITION_LIMIT)", () => {
    const g = newGame({
      mode: "margin",
      players: { a: 1_000_000 },
      security: { referencePrice: 100, positionLimit: 5 },
    });
    refused(g, limit("a", "buy", 100, 6), "POSITION_LIMIT");
    refused(g, limit("a", "sell", 100, 6), "POSITION_LIMIT");
    ok(g, limit("a", "buy", 100, 5));
  });

  it("margin settings are checked at creation (INVALID_ARGUMENT)", () => {
    const g = newGame({ players: {} });
    const sec = {
      type: "add_security" as const,
      securityId: 2,
      symbol: "X",
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 10,
      shortLimit: 0,
      positionLimit: 0,
      maxOrderQty: 0,
    };
    refused(g, { ...sec, initialMarginBps: 99 }, "INVALID_ARGUMENT");
    refused(g, { ...sec, initialMarginBps: 1000, maintenanceMarginBps: 1001 }, "INVALID_ARGUMENT");
    refused(g, { type: "set_reference", securityId: 1, price: 0 }, "INVALID_PRICE");
  });

  it("liquidation: margin call, orders cancelled, IOC into the book, the rest to the fund at the mark, the deficit covered; cash conserved", () => {
    const g = game({ a: 11_000, b: 1_000_000, m: 1_000_000 }, 500_000);
    const total = cashSum(g.s);
    ok(g, limit("b", "sell", 100, 1000));
    ok(g, limit("a", "buy", 100, 1000));
    ok(g, limit("a", "buy", 50, 10)); // an open order, cancelled by the liquidation
    ok(g, limit("m", "buy", 90, 300)); // the book absorbs 300 lots at 90
    const ev = ok(g, { type: "set_reference", securityId: 1, price: 80 }); // equity 11,000 - 20,000 < maintenance 4,000
    expect(types(ev)).to.deep.equal([
      "reference_price",
      "margin_call",
      "order_cancelled",
      "liquidation_order",
      "order_accepted",
      "fill",
      "order_cancelled",
      "fund_transfer",
      "fund_transfer",
    ]);
    expect(of(ev, "margin_call")[0]).to.include({ playerId: "a", equity: -9_000, maintenance: 4_000 });
    expect(of(ev, "order_cancelled")[0]).to.include({ reason: "liquidation", price: 50 });
    expect(of(ev, "fill")[0]).to.include({ takerPlayerId: "a", makerPlayerId: "m", price: 90, qty: 300 });
    const [take, cover] = of(ev, "fund_transfer");
    expect(take).to.include({ playerId: "a", securityId: 1, qty: 700, price: 80, cash: 56_000 });
    // cash: 11,000 - 100,000 + 27,000 + 56,000 = -6,000: the fund covers it
    expect(cover).to.include({ playerId: "a", securityId: 0, qty: 0, cash: 6_000 });
    const a = g.s.players.get("a")!;
    expect(a.cash).to.equal(0);
    expect(qtyOf(g, "a")).to.equal(0);
    expect([...a.orders.values()].every((o) => o.size === 0)).to.equal(true);
    expect(g.s.fund.positions.get(1)).to.equal(700);
    expect(cashSum(g.s)).to.equal(total);
    replays(g);
  });
});
