/**
 * The asset market with dividends: the core's `dividend` command (holders paid, shorts pay from
 * available cash, once per period, fold = live state), the seeded draw and the fundamental value
 * (server/src/rounds/dividends.ts), each against values computed here.
 */
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { emptyState, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { dividendDraw, fundamentalPath, fundamentalValue } from "../../src/rounds/dividends.ts";
import { apply, canonical, fold } from "../core/support.ts";
import { GameFold } from "../../src/core/fold.ts";
import { marksOf, valuesOf } from "../../src/core/valuation.ts";

const T = 1_700_000_000_000;

function game(allowShort: boolean): { s: CoreState; log: EngineEvent[]; run: (c: Command) => any } {
  const s = emptyState();
  const log: EngineEvent[] = [];
  const run = (c: Command) => {
    const d = apply(s, c, T);
    if (d.ok) log.push(...d.events);
    return d;
  };
  run({
    type: "create_game",
    gameId: "g",
    name: "ssw",
    stp: "cancel_incoming",
    maxMatches: 1000,
    allowShort,
    protectionBps: 500,
  });
  run({
    type: "add_security",
    securityId: 1,
    symbol: "ASSET",
    tickSize: "0.01",
    lotSize: 1,
    scale: 1,
    bandLow: 1,
    bandHigh: 10_000,
    shortLimit: allowShort ? 10 : 0,
    positionLimit: 0,
    maxOrderQty: 0,
  });
  run({ type: "add_player", playerId: "a", name: "A", cash: 1000, holdings: [{ securityId: 1, qty: 3 }] });
  run({ type: "add_player", playerId: "b", name: "B", cash: 1000, holdings: [{ securityId: 1, qty: 2 }] });
  run({ type: "add_player", playerId: "c", name: "C", cash: 50, holdings: [] });
  return { s, log, run };
}

describe("asset market with dividends", () => {
  it("each holder receives qty x amount; the lobby refuses; a period is paid once", () => {
    const g = game(false);
    expect(g.run({ type: "dividend", securityId: 1, period: 1, amount: 28 })).to.include({
      ok: false,
      code: "MARKET_CLOSED",
    });
    g.run({ type: "set_phase", phase: "running" });
    // a sells 1 lot to b at 100: a holds 2, b 3
    g.run({ type: "place", playerId: "a", securityId: 1, side: "sell", price: 100, qty: 1 });
    g.run({ type: "place", playerId: "b", securityId: 1, side: "buy", price: 100, qty: 1 });
    const d = g.run({ type: "dividend", securityId: 1, period: 1, amount: 28 });
    expect(d.events[0]).to.deep.include({
      type: "dividend",
      period: 1,
      amount: 28,
      payments: [
        { playerId: "a", qty: 2, cash: 56 },
        { playerId: "b", qty: 3, cash: 84 },
      ],
    });
    const cash = (id: string) => g.s.players.get(id)!.cash;
    expect([cash("a"), cash("b"), cash("c")]).to.deep.equal([1000 + 100 + 56, 1000 - 100 + 84, 50]);
    expect(g.s.cashTotal).to.equal(2050 + 56 + 84);
    // the same period again, or an earlier one: nothing
    expect(g.run({ type: "dividend", securityId: 1, period: 1, amount: 60 }).events).to.have.length(0);
    g.run({ type: "set_phase", phase: "paused" });
    g.run({ type: "dividend", securityId: 1, period: 2, amount: 0 });
    g.run({ type: "set_phase", phase: "ended" });
    g.run({ type: "dividend", securityId: 1, period: 3, amount: 60 });
    expect([cash("a"), cash("b")]).to.deep.equal([1156 + 120, 984 + 180]);
    expect(g.s.securities.get(1)!.dividendPeriod).to.equal(3);
    expect(canonical(fold(g.log))).to.deep.equal(canonical(g.s));
    for (const bad of [
      { period: 0, amount: 1 },
      { period: 4, amount: -1 },
      { period: 4.5, amount: 1 },
      { period: 4, amount: 1e10 },
    ]) {
      expect(g.run({ type: "dividend", securityId: 1, ...bad }), JSON.stringify(bad)).to.include({
        ok: false,
        code: "INVALID_ARGUMENT",
      });
    }
  });

  it("a short pays qty x amount out of its available cash, never more", () => {
    const g = game(true);
    g.run({ type: "set_phase", phase: "running" });
    // c (50 cash) sells 5 short at 10 to a: c has 100 cash, -5 lots; then c bids 9 x 10 = 90 locked: 10 available
    g.run({ type: "place", playerId: "a", securityId: 1, side: "buy", price: 10, qty: 5 });
    g.run({ type: "place", playerId: "c", securityId: 1, side: "sell", price: 10, qty: 5 });
    g.run({ type: "place", playerId: "c", securityId: 1, side: "buy", price: 9, qty: 10 });
    const d = g.run({ type: "dividend", securityId: 1, period: 1, amount: 8 });
    expect(d.events[0].payments).to.deep.equal([
      { playerId: "a", qty: 8, cash: 64 },
      { playerId: "b", qty: 2, cash: 16 },
      { playerId: "c", qty: -5, cash: -10 },
    ]);
    const c = g.s.players.get("c")!;
    expect([c.cash, c.cashLocked]).to.deep.equal([90, 90]);
    expect(canonical(fold(g.log))).to.deep.equal(canonical(g.s));
  });

  it("dividends are realized P&L: pnl = realized + unrealized - fees, realized = closed trades + net dividends", () => {
    const g = game(true);
    g.run({ type: "set_phase", phase: "running" });
    // c sells 5 short at 10 to a; a sells 2 of them back at 11 to b (closing 2 opening lots, opened at 10)
    g.run({ type: "place", playerId: "a", securityId: 1, side: "buy", price: 10, qty: 5 });
    g.run({ type: "place", playerId: "c", securityId: 1, side: "sell", price: 10, qty: 5 });
    g.run({ type: "place", playerId: "a", securityId: 1, side: "sell", price: 11, qty: 2 });
    g.run({ type: "place", playerId: "b", securityId: 1, side: "buy", price: 11, qty: 2 });
    g.run({ type: "dividend", securityId: 1, period: 1, amount: 8 }); // a 6 lots +48, b 4 lots +32, c -5 lots pays min(40, 100 - 22 - 0)
    g.run({ type: "dividend", securityId: 1, period: 2, amount: 3 }); // a +18, b +12, c pays 15
    const f = GameFold.of(g.log);
    const openRefs = new Map([[1, 10]]);
    const values = new Map(
      valuesOf(f, { marks: marksOf(f, "reference", new Map([[1, 12]])), openRefs }).map((v) => [v.playerId, v]),
    );
    // computed here: realized = (close - open) x qty on closed lots + dividends; unrealized = (12 - open) x open lots
    const want = {
      a: { realizedPnl: (11 - 10) * 2 + 48 + 18, unrealizedPnl: 6 * (12 - 10) },
      b: { realizedPnl: 32 + 12, unrealizedPnl: 2 * (12 - 10) + 2 * (12 - 11) },
      c: { realizedPnl: -40 - 15, unrealizedPnl: 5 * (10 - 12) },
    };
    for (const [id, w] of Object.entries(want)) {
      const v = values.get(id)!;
      expect(v, id).to.include(w);
      expect(v.pnl, `${id}: pnl = realized + unrealized - fees`).to.equal(v.realizedPnl + v.unrealizedPnl - v.fees);
    }
  });

  it("the draw is one of the values, the same for the same seed, security and period, and about uniform", () => {
    const values = [0, 8, 28, 60];
    const counts = new Map<number, number>();
    for (let k = 1; k <= 400; k++) {
      const v = dividendDraw("seed", 1, k, values);
      expect(values).to.include(v);
      expect(dividendDraw("seed", 1, k, values)).to.equal(v);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const v of values) expect(counts.get(v) ?? 0, `value ${v}`).to.be.within(60, 140);
  });

  it("the fundamental value is the expected remaining dividends: 15 periods of {0, 8, 28, 60} start at 360", () => {
    const values = [0, 8, 28, 60];
    expect(fundamentalValue(values, 15, 1)).to.equal(15 * 24);
    expect(fundamentalValue(values, 15, 15)).to.equal(24);
    expect(fundamentalValue(values, 15, 16)).to.equal(0);
    expect(fundamentalPath(values, 3)).to.deep.equal([72, 48, 24, 0]);
    expect(fundamentalPath([1, 2], 2)).to.deep.equal([3, 1, 0]); // 2 x 1.5 = 3, 1.5 rounded down
  });
});
