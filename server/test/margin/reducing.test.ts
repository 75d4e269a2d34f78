/**
 * Reducing orders in margin mode (docs/margin.md "Reducing orders"; risk/margin.ts reducesOnly): an order
 * that only reduces the position needs no margin, even at a protection bound far beyond the mark; an
 * order that could flip the position or add to it is checked as before; a reducing fill that realises a
 * loss beyond the cash is margin-called and the insurance fund covers the deficit (no balance below 0).
 */
import { expect } from "chai";
import type { EngineEvent, EventOf } from "@marketroom/shared";
import type { Command } from "../../src/core/commands.ts";
import type { CoreState } from "../../src/core/index.ts";
import { limit, newGame, ok, refused, replays, type Game } from "./support.ts";

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], t: T) =>
  events.filter((e): e is EventOf<T> => e.type === t);
const cashSum = (s: CoreState) => [...s.players.values()].reduce((a, p) => a + p.cash, 0) + s.fund.cash;
const qtyOf = (g: Game, pid: string) => g.s.players.get(pid)!.positions.get(1)?.qty ?? 0;
const market = (playerId: string, side: "buy" | "sell", qty: number): Command => ({
  type: "place",
  playerId,
  securityId: 1,
  side,
  orderType: "market",
  tif: "IOC",
  price: 0,
  qty,
});

/** a: long 1,000 lots at 100 with 10,000 cash (10x, all of it used), marked at the reference; m bids `bid`. */
function fullyLeveragedLong(bid: number, reference = 100): Game {
  const g = newGame({
    mode: "margin",
    markRule: "reference",
    insuranceFund: 500_000,
    players: { a: 10_000, b: 1_000_000, m: 1_000_000 },
    security: { referencePrice: 100, initialMarginBps: 1000, maintenanceMarginBps: 500 },
  });
  ok(g, limit("b", "sell", 100, 1000));
  ok(g, limit("a", "buy", 100, 1000));
  if (reference !== 100) ok(g, { type: "set_reference", securityId: 1, price: reference });
  ok(g, limit("m", "buy", bid, 1000));
  return g;
}

describe("core margin mode: reducing orders", () => {
  it("a market sell that only closes a long is accepted although its protection bound lies far below the mark", () => {
    // mark 96: equity 6,000 >= maintenance 4,800; the bound (10 % below the bid 95) is worth 10,000 beyond the mark
    const g = fullyLeveragedLong(95, 96);
    const ev = ok(g, market("a", "sell", 1000));
    expect(of(ev, "fill")[0]).to.include({ takerPlayerId: "a", price: 95, qty: 1000 });
    expect(qtyOf(g, "a")).to.equal(0);
    expect(g.s.players.get("a")!.cash).to.equal(5_000);
    expect(of(ev, "margin_call")).to.have.length(0);
    replays(g);
  });

  it("other open orders on the closing side count: a sell that could flip the long is checked and refused (INSUFFICIENT_FUNDS)", () => {
    const g = fullyLeveragedLong(95, 96);
    ok(g, limit("a", "sell", 200, 600)); // rests: with it, 400 more lots can only reduce
    refused(g, market("a", "sell", 401), "INSUFFICIENT_FUNDS");
    ok(g, market("a", "sell", 400));
    expect(qtyOf(g, "a")).to.equal(600);
    replays(g);
  });

  it("an order that adds exposure beyond the free margin is still refused (INSUFFICIENT_FUNDS)", () => {
    const g = fullyLeveragedLong(95, 96);
    refused(g, limit("a", "buy", 96, 1), "INSUFFICIENT_FUNDS");
    refused(g, market("a", "sell", 1001), "INSUFFICIENT_FUNDS");
  });

  it("a short's closing buy needs no margin either, and a buy beyond the short is checked", () => {
    const g = newGame({
      mode: "margin",
      markRule: "reference",
      insuranceFund: 500_000,
      players: { a: 10_000, b: 1_000_000, m: 1_000_000 },
      security: { referencePrice: 100, initialMarginBps: 1000, maintenanceMarginBps: 500 },
    });
    ok(g, limit("b", "buy", 100, 1000));
    ok(g, limit("a", "sell", 100, 1000));
    ok(g, { type: "set_reference", securityId: 1, price: 104 }); // equity 6,000 >= maintenance 5,200
    ok(g, limit("m", "sell", 105, 1000));
    refused(g, market("a", "buy", 1001), "INSUFFICIENT_FUNDS");
    ok(g, market("a", "buy", 1000));
    expect(qtyOf(g, "a")).to.equal(0);
    expect(g.s.players.get("a")!.cash).to.equal(5_000);
    replays(g);
  });

  it("a closing fill that realises a loss beyond the cash is margin-called and the fund covers the deficit: cash 0, conserved", () => {
    // mark 100 (equity 10,000), but the only bid is 85: closing realises -15,000
    const g = fullyLeveragedLong(85);
    const total = cashSum(g.s);
    const ev = ok(g, market("a", "sell", 1000));
    expect(of(ev, "fill")[0]).to.include({ takerPlayerId: "a", price: 85, qty: 1000 });
    expect(of(ev, "margin_call")[0]).to.include({ playerId: "a", equity: -5_000 });
    expect(of(ev, "fund_transfer")[0]).to.include({ playerId: "a", securityId: 0, cash: 5_000 });
    expect(g.s.players.get("a")!.cash).to.equal(0);
    expect(qtyOf(g, "a")).to.equal(0);
    expect(cashSum(g.s)).to.equal(total);
    replays(g);
  });

  it("a triggered stop-loss of a fully leveraged long closes it instead of being refused", () => {
    const g = fullyLeveragedLong(95, 96);
    const placed = ok(g, {
      type: "set_exits",
      playerId: "a",
      securityId: 1,
      stopLoss: 96,
    });
    expect(of(placed, "stop_accepted")).to.have.length(1);
    ok(g, limit("m", "buy", 95, 1));
    ok(g, limit("b", "sell", 95, 1)); // trades at 95: reaches the stop
    expect(qtyOf(g, "a")).to.equal(0);
    expect(g.s.players.get("a")!.cash).to.be.at.least(0);
    replays(g);
  });
});
