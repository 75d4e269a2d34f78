/**
 * CFD securities in the core (docs/margin.md "CFD securities", server/src/core/cfd-order.ts): the house
 * quotes the reference -/+ the half-spread; market orders fill at the quote at once, limit orders wait
 * for it; leverage per position; SL/TP and liquidation on every reference tick; the house (the fund) is
 * the counterparty, so players' cash + the fund's is constant. Each rejection changes nothing.
 */
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import type { Command } from "../../src/core/commands.ts";
import { marginAccount } from "../../src/core/margin-account.ts";
import { newGame, ok, refused, replays, send, types, type Game } from "./support.ts";

/** A margin game (marks at the reference) with CFD 1: reference 1000, half-spread 2, at most 10x. */
function cfdGame(players: Record<string, number> = { a: 10_000, b: 10_000 }, fund = 0): Game {
  return newGame({
    mode: "margin",
    markRule: "reference",
    insuranceFund: fund,
    security: { kind: "cfd", halfSpread: 2, referencePrice: 1000, initialMarginBps: 1000, maintenanceMarginBps: 500 },
    players,
  });
}

const order = (playerId: string, side: "buy" | "sell", qty: number, more: Partial<Command> = {}): Command =>
  ({ type: "place", playerId, securityId: 1, side, orderType: "market", tif: "IOC", qty, ...more }) as Command;
const lim = (
  playerId: string,
  side: "buy" | "sell",
  price: number,
  qty: number,
  more: Partial<Command> = {},
): Command => ({ type: "place", playerId, securityId: 1, side, price, qty, ...more }) as Command;
const tick = (price: number): Command => ({ type: "set_reference", securityId: 1, price });

/** Players' cash + the fund's cash. */
const totalCash = (g: Game) => [...g.s.players.values()].reduce((a, p) => a + p.cash, 0) + g.s.fund.cash;

describe("CFD securities (core)", () => {
  it("a market buy fills whole at the ask at once; the house takes the other side and the fee", () => {
    const g = cfdGame({ a: 10_000 }, 500);
    const evs = ok(g, order("a", "buy", 5));
    expect(types(evs)).to.deep.equal(["order_accepted", "cfd_fill"]);
    const fill = evs[1] as Extract<EngineEvent, { type: "cfd_fill" }>;
    expect([fill.price, fill.qty, fill.resting]).to.deep.equal([1002, 5, false]);
    expect(g.s.players.get("a")!.cash).to.equal(10_000 - 5010);
    expect(g.s.players.get("a")!.positions.get(1)!.qty).to.equal(5);
    expect(g.s.fund.cash).to.equal(500 + 5010);
    expect(g.s.fund.positions.get(1)).to.equal(-5);
    expect(g.s.securities.get(1)!.book.orders.size).to.equal(0);
    // sell it back at the bid: the spread (2 x 2 ticks x 5 lots) is the player's cost
    ok(g, order("a", "sell", 5));
    expect(g.s.players.get("a")!.cash).to.equal(10_000 - 20);
    expect(totalCash(g)).to.equal(10_500);
    replays(g);
  });

  it("the taker fee goes to the house, so players + house conserve cash", () => {
    const g = newGame({
      mode: "margin",
      markRule: "reference",
      security: { kind: "cfd", halfSpread: 1, referencePrice: 100, initialMarginBps: 1000, takerFee: 3 },
      players: { a: 5_000 },
    });
    ok(g, order("a", "sell", 10));
    expect(g.s.players.get("a")!.cash).to.equal(5_000 + 990 - 30);
    expect(totalCash(g)).to.equal(5_000);
  });

  it("a limit order waits for the quote and fills at the quote once, on the reference tick that reaches it", () => {
    const g = cfdGame();
    expect(types(ok(g, lim("a", "buy", 995, 4)))).to.deep.equal(["order_accepted", "order_rested"]);
    expect(g.s.players.get("a")!.positions.get(1)!.openBuy).to.equal(4);
    ok(g, lim("b", "sell", 1010, 3));
    // 996 + 2 = 998 > 995: nothing yet
    expect(types(ok(g, tick(996)))).to.deep.equal(["reference_price"]);
    // 990 + 2 = 992 <= 995: a's buy fills at 992 (better than its limit), b's sell waits
    const evs = ok(g, tick(990));
    const fills = evs.filter((e) => e.type === "cfd_fill");
    expect(fills.map((f) => [f.playerId, f.price, f.qty, f.resting])).to.deep.equal([["a", 992, 4, true]]);
    const a = g.s.players.get("a")!;
    expect([a.positions.get(1)!.qty, a.positions.get(1)!.openBuy, a.cashLocked]).to.deep.equal([4, 0, 0]);
    expect(a.orders.get(1)?.size ?? 0).to.equal(0);
    // it never fires again; b's sell fills when the bid reaches 1010
    expect(ok(g, tick(980)).some((e) => e.type === "cfd_fill")).to.equal(false);
    const later = ok(g, tick(1013)).filter((e) => e.type === "cfd_fill");
    expect(later.map((f) => [f.playerId, f.price])).to.deep.equal([["b", 1011]]);
    expect(totalCash(g)).to.equal(20_000);
    replays(g);
  });

  it("waiting orders that one tick reaches fill in order of arrival", () => {
    const g = cfdGame({ a: 10_000, b: 10_000, c: 10_000 });
    ok(g, lim("b", "buy", 990, 1));
    ok(g, lim("a", "buy", 995, 1));
    ok(g, lim("c", "buy", 991, 1));
    const fills = ok(g, tick(980)).filter((e) => e.type === "cfd_fill");
    expect(fills.map((f) => f.playerId)).to.deep.equal(["b", "a", "c"]);
  });

  it("a limit order the quote already reaches fills at once at the quote; IOC that does not is cancelled", () => {
    const g = cfdGame();
    const evs = ok(g, lim("a", "buy", 1010, 2));
    expect(evs.filter((e) => e.type === "cfd_fill").map((e) => e.price)).to.deep.equal([1002]);
    const ioc = ok(g, lim("b", "buy", 990, 2, { tif: "IOC" }));
    expect(types(ioc)).to.deep.equal(["order_accepted", "order_cancelled"]);
  });

  it("leverage per position: cfd_leverage sets the position's initial margin; the margin check uses it", () => {
    const g = cfdGame({ a: 10_000 });
    // 50 lots at 1002 = 50,100 notional: 10x needs 5,010 (+ 100 beyond the mark), 5x needs 10,020
    refused(g, order("a", "buy", 50, { leverage: 5 }), "INSUFFICIENT_FUNDS");
    const evs = ok(g, order("a", "buy", 50, { leverage: 10 }));
    expect(types(evs)).to.deep.equal(["order_accepted", "cfd_fill"]); // 10x is the security's own rate: no event
    const more = ok(g, order("a", "buy", 1, { leverage: 8 }));
    expect(more[0]).to.include({ type: "cfd_leverage", leverage: 8, initialMarginBps: 1250 });
    const acct = marginAccount(g.s, g.s.players.get("a")!);
    expect(acct.positions[0]).to.include({ qty: 51, initialMarginBps: 1250, margin: Math.ceil(51 * 1000 * 0.125) });
    expect(acct.positions[0]!.liquidationPrice).to.be.greaterThan(0);
    replays(g);
  });

  it("INVALID_LEVERAGE: above the security's largest, below 1, not an integer, or on a book security", () => {
    const g = cfdGame();
    for (const leverage of [11, 0, 1.5, -1]) refused(g, order("a", "buy", 1, { leverage }), "INVALID_LEVERAGE");
    const book = newGame({ mode: "margin", players: { a: 1_000 } });
    refused(book, lim("a", "buy", 10, 1, { leverage: 1 }), "INVALID_LEVERAGE");
  });

  it("NO_LIQUIDITY for a market order while the house has no quote; a limit order may wait", () => {
    const g = newGame({
      mode: "margin",
      markRule: "reference",
      security: { kind: "cfd", halfSpread: 2, initialMarginBps: 1000 },
      players: { a: 10_000 },
    });
    refused(g, order("a", "buy", 1), "NO_LIQUIDITY");
    expect(types(ok(g, lim("a", "buy", 100, 1)))).to.deep.equal(["order_accepted", "order_rested"]);
    expect(ok(g, tick(97)).filter((e) => e.type === "cfd_fill")).to.have.length(1);
  });

  it("POST_ONLY_WOULD_TAKE and FOK_UNFILLABLE against the quote", () => {
    const g = cfdGame();
    refused(g, lim("a", "buy", 1002, 1, { postOnly: true }), "POST_ONLY_WOULD_TAKE");
    refused(g, lim("a", "sell", 999, 1, { tif: "FOK" }), "FOK_UNFILLABLE");
    expect(types(ok(g, lim("a", "buy", 1001, 1, { postOnly: true })))).to.deep.equal([
      "order_accepted",
      "order_rested",
    ]);
  });

  it("INVALID_ARGUMENT: a CFD outside margin mode, and a CFD switched to calls", () => {
    const cash = newGame({ players: { a: 1 } });
    refused(
      cash,
      {
        type: "add_security",
        securityId: 2,
        symbol: "CFD",
        tickSize: "0.01",
        lotSize: 1,
        scale: 1,
        bandLow: 1,
        bandHigh: 1000,
        shortLimit: 0,
        positionLimit: 0,
        maxOrderQty: 0,
        kind: "cfd",
      },
      "INVALID_ARGUMENT",
    );
    refused(cfdGame(), { type: "set_trading_mode", securityId: 1, mode: "call" }, "INVALID_ARGUMENT");
  });

  it("a bracket's stop-loss triggers on the reference tick and closes at the bid", () => {
    const g = cfdGame({ a: 10_000 });
    ok(g, order("a", "buy", 10, { bracket: { stopLoss: 990, takeProfit: 1020 } }));
    const sl = [...g.s.securities.get(1)!.stops.values()];
    expect(sl.map((s) => [s.kind, s.trigger, s.qty])).to.deep.equal([
      ["stop", "mark", 10],
      ["take_profit", "mark", 10],
    ]);
    expect(ok(g, tick(995)).some((e) => e.type === "stop_triggered")).to.equal(false);
    const evs = ok(g, tick(989));
    expect(types(evs).filter((t) => t !== "reference_price")).to.deep.equal([
      "stop_triggered",
      "stop_cancelled",
      "order_accepted",
      "cfd_fill",
    ]);
    expect(evs.find((e) => e.type === "cfd_fill")).to.include({ side: "sell", price: 987, qty: 10 });
    expect(g.s.players.get("a")!.positions.get(1)!.qty).to.equal(0);
    expect(g.s.securities.get(1)!.stops.size).to.equal(0);
    replays(g);
  });

  it("a reference shock liquidates: the house takes the position at the mark and covers the deficit", () => {
    const g = cfdGame({ a: 1_000, b: 10_000 }, 2_000);
    ok(g, order("a", "buy", 9)); // 9,018 notional at 10x: 902 margin
    ok(g, lim("a", "sell", 1100, 1)); // a waiting order, cancelled by the liquidation
    const evs = ok(g, tick(850));
    expect(types(evs)).to.include.members(["margin_call", "order_cancelled", "fund_transfer"]);
    const a = g.s.players.get("a")!;
    expect(a.positions.get(1)!.qty).to.equal(0);
    expect(a.orders.get(1)?.size ?? 0).to.equal(0);
    expect(a.cash).to.be.at.least(0);
    expect(g.s.fund.positions.get(1) ?? 0).to.equal(0);
    expect(totalCash(g)).to.equal(13_000);
    replays(g);
  });

  it("a rejected command changes nothing and the log folds to the state", () => {
    const g = cfdGame();
    const d = send(g, order("a", "buy", 1_000_000));
    expect(d.ok).to.equal(false);
    replays(g);
  });
});
