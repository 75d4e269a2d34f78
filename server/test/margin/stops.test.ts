/**
 * Stop orders in the core (docs/core.md "Stop orders"): stop-market and stop-limit, the two kinds,
 * last-trade and mark triggers, one-cancels-other pairs, brackets, the cascade order within one
 * incoming order, cancels, and the rejections of place_stop / cancel_stop (each changes nothing).
 */
import { expect } from "chai";
import type { EngineEvent, EventOf } from "@marketroom/shared";
import { limit, newGame, ok, refused, replays, send, types, type Game } from "./support.ts";

const players = { a: 1_000_000, b: 1_000_000, c: 1_000_000, d: 1_000_000 };

/** A trade at `price` between c (buy) and d (sell), qty 1. */
function trade(g: Game, price: number): EngineEvent[] {
  ok(g, limit("d", "sell", price, 1));
  return ok(g, limit("c", "buy", price, 1));
}

const stopsOf = (g: Game) => [...g.s.securities.get(1)!.stops.values()];
const of = <T extends EngineEvent["type"]>(events: EngineEvent[], t: T) =>
  events.filter((e): e is EventOf<T> => e.type === t);

describe("core stop orders", () => {
  it("a buy stop-market triggers on a trade at or above its stop price, in the same command, and buys at once", () => {
    const g = newGame({ players: { ...players, e: { cash: 0, qty: 10 } } });
    trade(g, 100);
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 2, stopPrice: 105 });
    ok(g, limit("e", "sell", 110, 5));
    expect(of(trade(g, 104), "stop_triggered")).to.have.length(0);
    const ev = trade(g, 105);
    expect(types(ev)).to.deep.equal(["order_accepted", "fill", "stop_triggered", "order_accepted", "fill"]);
    expect(of(ev, "stop_triggered")[0]).to.include({ stopId: 1, triggerPrice: 105 });
    const fill = of(ev, "fill")[1]!;
    expect(fill).to.include({ takerPlayerId: "a", makerPlayerId: "e", price: 110, qty: 2 });
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("a sell stop-limit triggers at or below its stop price and rests at its limit when it cannot trade", () => {
    const g = newGame({ players: { ...players, a: { cash: 0, qty: 5 } } });
    trade(g, 100);
    ok(g, {
      type: "place_stop",
      playerId: "a",
      securityId: 1,
      side: "sell",
      qty: 3,
      stopPrice: 95,
      orderType: "limit",
      price: 94,
    });
    expect(of(trade(g, 96), "stop_triggered")).to.have.length(0);
    const ev = trade(g, 95);
    expect(types(ev).slice(-3)).to.deep.equal(["stop_triggered", "order_accepted", "order_rested"]);
    expect(g.s.securities.get(1)!.book.asks.best()?.price).to.equal(94);
    replays(g);
  });

  it("take-profit kind: a sell triggers at or above, a buy at or below (if-touched)", () => {
    const g = newGame({ players: { ...players, a: { cash: 1_000_000, qty: 5 } } });
    trade(g, 100);
    ok(g, {
      type: "place_stop",
      playerId: "a",
      securityId: 1,
      side: "sell",
      qty: 1,
      stopPrice: 110,
      kind: "take_profit",
      orderType: "limit",
      price: 110,
    });
    ok(g, {
      type: "place_stop",
      playerId: "a",
      securityId: 1,
      side: "buy",
      qty: 1,
      stopPrice: 90,
      kind: "take_profit",
      orderType: "limit",
      price: 90,
    });
    expect(of(trade(g, 109), "stop_triggered")).to.have.length(0);
    expect(of(trade(g, 110), "stop_triggered").map((e) => e.stopId)).to.deep.equal([1]);
    expect(of(trade(g, 90), "stop_triggered").map((e) => e.stopId)).to.deep.equal([2]);
    replays(g);
  });

  it("a stop already reached is refused INVALID_PRICE; so are a bad kind or trigger (INVALID_ARGUMENT), shapes, a closed market", () => {
    const g = newGame({ players });
    trade(g, 100);
    const stop = { type: "place_stop" as const, playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 100 };
    refused(g, stop, "INVALID_PRICE");
    refused(g, { ...stop, side: "sell", stopPrice: 101 }, "INVALID_PRICE");
    refused(g, { ...stop, stopPrice: 101, kind: "x" }, "INVALID_ARGUMENT");
    refused(g, { ...stop, stopPrice: 101, trigger: "x" }, "INVALID_ARGUMENT");
    refused(g, { ...stop, stopPrice: 101, side: "x" }, "INVALID_SIDE");
    refused(g, { ...stop, stopPrice: 101, qty: 0 }, "INVALID_QUANTITY");
    refused(g, { ...stop, stopPrice: 101, orderType: "market", tif: "GTC" }, "INVALID_TIME_IN_FORCE");
    refused(g, { ...stop, stopPrice: 101, orderType: "limit" }, "INVALID_PRICE");
    refused(g, { ...stop, stopPrice: 2_000_000 }, "PRICE_OUT_OF_BAND");
    refused(g, { ...stop, stopPrice: 101, securityId: 9 }, "UNKNOWN_SECURITY");
    refused(g, { ...stop, stopPrice: 101, playerId: "zz" }, "UNKNOWN_PLAYER");
    ok(g, { type: "set_phase", phase: "paused" });
    refused(g, { ...stop, stopPrice: 101 }, "MARKET_CLOSED");
  });

  it("cancel_stop: the owner cancels (UNKNOWN_ORDER, NOT_OWNER otherwise); cancel_all takes the stops too", () => {
    const g = newGame({ players });
    trade(g, 100);
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 110 });
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 120 });
    refused(g, { type: "cancel_stop", playerId: "b", securityId: 1, stopId: 1 }, "NOT_OWNER");
    refused(g, { type: "cancel_stop", playerId: "a", securityId: 1, stopId: 9 }, "UNKNOWN_ORDER");
    expect(of(ok(g, { type: "cancel_stop", playerId: "a", securityId: 1, stopId: 1 }), "stop_cancelled")[0]).to.include(
      { reason: "user" },
    );
    expect(
      of(ok(g, { type: "cancel_all", playerId: "a" }), "stop_cancelled").map((e) => [e.stopId, e.reason]),
    ).to.deep.equal([[2, "cancel_all"]]);
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("trigger on the mark: a reference change (mark rule reference) triggers a mark stop, not a last-trade stop (which the next trade triggers)", () => {
    const g = newGame({
      markRule: "reference",
      players: { ...players, e: { cash: 0, qty: 10 } },
      security: { referencePrice: 100 },
    });
    ok(g, limit("e", "sell", 120, 5));
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 110, trigger: "mark" });
    ok(g, { type: "place_stop", playerId: "b", securityId: 1, side: "buy", qty: 1, stopPrice: 110 });
    const ev = ok(g, { type: "set_reference", securityId: 1, price: 111 });
    // a's order trades at 120: that trade reaches b's last-trade stop (the reference alone did not)
    expect(of(ev, "stop_triggered").map((e) => [e.playerId, e.triggerPrice])).to.deep.equal([
      ["a", 111],
      ["b", 120],
    ]);
    expect(of(ev, "fill").map((e) => [e.takerPlayerId, e.price])).to.deep.equal([
      ["a", 120],
      ["b", 120],
    ]);
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("one-cancels-other: the leg that triggers cancels its partner", () => {
    const g = newGame({ players: { ...players, a: { cash: 0, qty: 5 } } });
    trade(g, 100);
    const ids = send(g, {
      type: "place_stop",
      playerId: "a",
      securityId: 1,
      side: "sell",
      qty: 2,
      stopPrice: 90,
      oco: { kind: "take_profit", orderType: "limit", price: 115, stopPrice: 115 },
    });
    expect(ids.ok && "stopIds" in ids.result ? ids.result.stopIds : []).to.deep.equal([1, 2]);
    const ev = trade(g, 115);
    expect(types(ev).slice(2)).to.deep.equal(["stop_triggered", "stop_cancelled", "order_accepted", "order_rested"]);
    expect(of(ev, "stop_cancelled")[0]).to.include({ stopId: 1, reason: "oco" });
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("bracket: children wait unarmed, are armed by the entry's fills, and the stop-loss closes the position and cancels the take-profit", () => {
    const g = newGame({ players: { ...players, e: { cash: 0, qty: 10 } } });
    trade(g, 100);
    const ev = ok(g, {
      type: "place",
      playerId: "a",
      securityId: 1,
      side: "buy",
      price: 100,
      qty: 5,
      bracket: { stopLoss: 90, takeProfit: 120 },
    });
    expect(types(ev)).to.deep.equal(["order_accepted", "order_rested", "stop_accepted", "stop_accepted"]);
    expect(stopsOf(g).map((s) => [s.side, s.kind, s.qty, s.parentOrderId])).to.deep.equal([
      ["sell", "stop", 0, 3],
      ["sell", "take_profit", 0, 3],
    ]);
    const fill = ok(g, limit("e", "sell", 100, 3));
    expect(types(fill).slice(-2)).to.deep.equal(["stop_armed", "stop_armed"]);
    expect(stopsOf(g).map((s) => s.qty)).to.deep.equal([3, 3]);
    ok(g, limit("e", "sell", 100, 2));
    expect(stopsOf(g).map((s) => s.qty)).to.deep.equal([5, 5]);
    ok(g, limit("b", "buy", 89, 5)); // liquidity for the stop-loss
    const hit = trade(g, 90);
    expect(types(hit).slice(2)).to.deep.equal(["stop_triggered", "stop_cancelled", "order_accepted", "fill"]);
    expect(g.s.players.get("a")!.positions.get(1)!.qty).to.equal(0);
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("bracket: an entry cancelled before any fill drops its children; a bad bracket is refused", () => {
    const g = newGame({ players });
    trade(g, 100);
    ok(g, { type: "place", playerId: "a", securityId: 1, side: "buy", price: 99, qty: 2, bracket: { stopLoss: 90 } });
    const ev = ok(g, { type: "cancel", playerId: "a", securityId: 1, orderId: 3 });
    expect(of(ev, "stop_cancelled").map((e) => e.reason)).to.deep.equal(["entry_unfilled"]);
    refused(
      g,
      {
        type: "place",
        playerId: "a",
        securityId: 1,
        side: "buy",
        price: 99,
        qty: 2,
        bracket: { stopLoss: 120, takeProfit: 110 },
      },
      "INVALID_PRICE",
    );
    refused(
      g,
      { type: "place", playerId: "a", securityId: 1, side: "buy", price: 99, qty: 2, bracket: {} },
      "INVALID_ARGUMENT",
    );
    replays(g);
  });

  it("cascade: stops reached by one trade fire farthest first, and a triggered order's trades trigger more, in order", () => {
    const g = newGame({ players: { ...players, e: { cash: 0, qty: 20 }, f: 1_000_000 } });
    trade(g, 100);
    ok(g, { type: "place_stop", playerId: "b", securityId: 1, side: "buy", qty: 1, stopPrice: 103 });
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 102 });
    ok(g, { type: "place_stop", playerId: "f", securityId: 1, side: "buy", qty: 1, stopPrice: 106 });
    for (const p of [104, 106, 107, 108]) ok(g, limit("e", "sell", p, 1));
    const ev = ok(g, limit("c", "buy", 104, 1)); // trades at 104: reaches 102 (a) and 103 (b); a's trade at 106 reaches f's 106
    expect(of(ev, "stop_triggered").map((e) => [e.playerId, e.triggerPrice])).to.deep.equal([
      ["a", 104],
      ["b", 104],
      ["f", 106],
    ]);
    expect(of(ev, "fill").map((e) => [e.takerPlayerId, e.price])).to.deep.equal([
      ["c", 104],
      ["a", 106],
      ["b", 107],
      ["f", 108],
    ]);
    replays(g);
  });

  it("a triggered order that breaks a rule is not placed: stop_cancelled 'rejected' with the code", () => {
    const g = newGame({ players: { ...players, a: 50, e: { cash: 0, qty: 10 } } });
    trade(g, 100);
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 101 });
    ok(g, limit("e", "sell", 102, 1));
    const ev = trade(g, 101);
    expect(of(ev, "stop_cancelled")[0]).to.include({ reason: "rejected", code: "INSUFFICIENT_FUNDS" });
    replays(g);
  });
});
