/**
 * set_exits in the core (core/stops/exits.ts): the closing-side stops of a position are replaced in one
 * command, all or nothing; every rejection code leaves the state byte-identical (old exits included).
 */
import { expect } from "chai";
import type { EngineEvent, EventOf } from "@marketroom/shared";
import type { ExitsResult } from "../../src/core/stops/exits.ts";
import type { Command, SetExitsCommand } from "../../src/core/commands.ts";
import { limit, newGame, ok, refused, replays, send, type Game } from "./support.ts";

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], t: T) =>
  events.filter((e): e is EventOf<T> => e.type === t);
const stopsOf = (g: Game) => [...g.s.securities.get(1)!.stops.values()];
const exits = (playerId: string, e: { stopLoss?: number; takeProfit?: number; trigger?: string }): SetExitsCommand => ({
  type: "set_exits",
  playerId,
  securityId: 1,
  ...e,
});

/** a long 10 lots bought from b at 100 (margin mode, 10x); c and d trade to move the last price. */
function longA(): Game {
  const g = newGame({
    mode: "margin",
    insuranceFund: 1_000_000,
    security: { initialMarginBps: 1000, maintenanceMarginBps: 500 },
    players: { a: 100_000, b: 100_000, c: 100_000, d: 100_000 },
  });
  ok(g, limit("b", "sell", 100, 10));
  ok(g, limit("a", "buy", 100, 10));
  return g;
}

function result(g: Game, c: Command): ExitsResult {
  const d = send(g, c);
  if (!d.ok) throw new Error(`refused: ${d.code} ${d.message}`);
  return d.result as ExitsResult;
}

describe("core set_exits", () => {
  it("places a stop-loss and a take-profit for the whole position as one OCO pair on the closing side", () => {
    const g = longA();
    const r = result(g, exits("a", { stopLoss: 90, takeProfit: 120 }));
    expect(r.stopIds).to.deep.equal([1, 2]);
    expect(r.cancelledStopIds).to.deep.equal([]);
    const [sl, tp] = stopsOf(g);
    expect(sl).to.include({ side: "sell", qty: 10, stopPrice: 90, kind: "stop", orderType: "market", ocoStopId: 2 });
    expect(tp).to.include({ side: "sell", qty: 10, stopPrice: 120, kind: "take_profit", ocoStopId: 1 });
    replays(g);
  });

  it("replaces every closing-side stop of the player in one command, leaving other players' and other sides' stops", () => {
    const g = longA();
    ok(g, exits("a", { stopLoss: 90, takeProfit: 120 }));
    ok(g, { type: "place_stop", playerId: "a", securityId: 1, side: "buy", qty: 1, stopPrice: 130 });
    ok(g, { type: "place_stop", playerId: "c", securityId: 1, side: "sell", qty: 1, stopPrice: 80 });
    const d = send(g, exits("a", { stopLoss: 95, trigger: "mark" }));
    expect(d.ok).to.equal(true);
    const r = (d as { result: ExitsResult }).result;
    expect(r.cancelledStopIds).to.deep.equal([1, 2]);
    expect(r.stopIds).to.deep.equal([5]);
    const events = (d as { events: EngineEvent[] }).events;
    expect(events.map((e) => e.type)).to.deep.equal(["stop_cancelled", "stop_cancelled", "stop_accepted"]);
    expect(of(events, "stop_cancelled").map((e) => e.reason)).to.deep.equal(["user", "user"]);
    expect(stopsOf(g).map((s) => [s.id, s.playerId, s.side])).to.deep.equal([
      [3, "a", "buy"],
      [4, "c", "sell"],
      [5, "a", "sell"],
    ]);
    expect(g.s.securities.get(1)!.stops.get(5)).to.include({ trigger: "mark", stopPrice: 95, ocoStopId: 0 });
    replays(g);
  });

  it("a short's exits are buys: stop-loss above, take-profit below", () => {
    const g = longA();
    const r = result(g, exits("b", { stopLoss: 110, takeProfit: 85 }));
    expect(stopsOf(g).map((s) => [s.id, s.playerId, s.side, s.kind, s.qty])).to.deep.equal([
      [r.stopIds[0], "b", "buy", "stop", 10],
      [r.stopIds[1], "b", "buy", "take_profit", 10],
    ]);
  });

  it("neither price removes the exits, in any phase (placing needs a running market)", () => {
    const g = longA();
    ok(g, exits("a", { stopLoss: 90, takeProfit: 120 }));
    ok(g, { type: "set_phase", phase: "paused" });
    refused(g, exits("a", { stopLoss: 90 }), "MARKET_CLOSED");
    expect(stopsOf(g)).to.have.length(2);
    const r = result(g, exits("a", {}));
    expect(r).to.include({ ok: true });
    expect(r.stopIds).to.deep.equal([]);
    expect(r.cancelledStopIds).to.deep.equal([1, 2]);
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("a replaced exit fires once, at its new price, and closes the position", () => {
    const g = longA();
    ok(g, exits("a", { stopLoss: 90 }));
    ok(g, exits("a", { stopLoss: 97 }));
    ok(g, limit("c", "buy", 96, 20));
    ok(g, limit("d", "sell", 96, 1)); // last trade 96 reaches 97 (not 90): the new stop sells 10 into c's bid
    expect(g.s.players.get("a")!.positions.get(1)?.qty ?? 0).to.equal(0);
    const triggered = of(g.log, "stop_triggered");
    expect(triggered.map((e) => e.stopId)).to.deep.equal([2]);
    expect(stopsOf(g)).to.deep.equal([]);
    replays(g);
  });

  it("every rejection changes nothing: the old exits stay", () => {
    const g = longA();
    ok(g, exits("a", { stopLoss: 90, takeProfit: 120 }));
    refused(g, { ...exits("a", { stopLoss: 90 }), securityId: 9 }, "UNKNOWN_SECURITY");
    refused(g, exits("zz", { stopLoss: 90 }), "UNKNOWN_PLAYER");
    refused(g, exits("c", { stopLoss: 90 }), "INSUFFICIENT_HOLDINGS");
    refused(g, exits("a", { stopLoss: 101 }), "INVALID_PRICE"); // the last trade (100) has reached it already
    refused(g, exits("a", { takeProfit: 100 }), "INVALID_PRICE");
    refused(g, exits("a", { stopLoss: 0 }), "INVALID_PRICE");
    refused(g, exits("a", { stopLoss: 90.5 }), "INVALID_PRICE");
    refused(g, exits("a", { stopLoss: 2_000_000 }), "PRICE_OUT_OF_BAND");
    refused(g, exits("a", { stopLoss: 90, trigger: "bid" }), "INVALID_ARGUMENT");
    expect(stopsOf(g).map((s) => s.id)).to.deep.equal([1, 2]);
    replays(g);
  });

  it("refuses a stop-loss at or beyond the take-profit before any price exists (INVALID_PRICE)", () => {
    const g = newGame({ mode: "margin", players: { a: 100_000, b: 100_000 } });
    // a position without a last trade: a's long comes from its starting holdings
    const h = newGame({ mode: "margin", players: { a: { cash: 100_000, qty: 5 } } });
    refused(h, exits("a", { stopLoss: 120, takeProfit: 110 }), "INVALID_PRICE");
    expect(result(h, exits("a", { stopLoss: 110, takeProfit: 120 })).stopIds).to.deep.equal([1, 2]);
    refused(g, exits("a", { stopLoss: 90 }), "INSUFFICIENT_HOLDINGS");
  });

  it("refuses ORDER_TOO_LARGE when the position exceeds the maximum order size", () => {
    const g = newGame({
      mode: "margin",
      security: { maxOrderQty: 5, initialMarginBps: 1000 },
      players: { a: 100_000, b: 100_000, c: 100_000 },
    });
    ok(g, limit("b", "sell", 100, 5));
    ok(g, limit("a", "buy", 100, 5));
    ok(g, limit("c", "sell", 100, 5));
    ok(g, limit("a", "buy", 100, 5));
    refused(g, exits("a", { stopLoss: 90 }), "ORDER_TOO_LARGE");
  });
});
