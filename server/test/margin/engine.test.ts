/**
 * The process-wide face (GameWriters) for margin rounds and stops: a margin game configured through
 * createGame/addSecurity (mode, mark rule, fund, margin rates, reference), a bracket entry, a stop with
 * a one-cancels-other leg, a reference shock that triggers a mark stop and liquidates a player, and
 * cancelStop; answers carry the cascade's events, and a malformed stop is a ZodError that changes nothing.
 */
import { expect } from "chai";
import { closeEngine, connectEngine, newGameId, type Engine } from "../engine/helpers.ts";

describe("GameWriters: margin rounds and stops", function () {
  this.timeout(60_000);
  let engine: Engine;
  before(async () => {
    engine = await connectEngine();
  });
  after(async () => {
    await closeEngine(engine);
  });

  it("a margin round: bracket, OCO stop, a reference shock that triggers a mark stop and liquidates, cancelStop", async () => {
    const g = newGameId("mgw");
    const must = async <R extends { ok: boolean }>(p: Promise<R>): Promise<R & { ok: true }> => {
      const r = await p;
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      return r as R & { ok: true };
    };
    await must(
      engine.createGame(g, { name: "margin", mode: "margin", markRule: "reference", insuranceFund: 1_000_000 }),
    );
    await must(
      engine.addSecurity(g, {
        securityId: 1,
        symbol: "ACME",
        initialMarginBps: 1000,
        maintenanceMarginBps: 500,
        referencePrice: 100,
      }),
    );
    for (const [p, cash] of [
      ["a", 11_000],
      ["b", 1_000_000],
      ["m", 1_000_000],
    ] as const) {
      await must(engine.addPlayer(g, { playerId: p, name: p, cash }));
    }
    await must(engine.setPhase(g, "running"));
    await must(engine.place(g, "b", { securityId: 1, side: "sell", price: 100, qty: 1000 }));
    const entry = await must(
      engine.place(g, "a", { securityId: 1, side: "buy", price: 100, qty: 1000, bracket: { stopLoss: 60 } }),
    );
    expect(entry.events.map((e) => e.type)).to.include.members(["stop_accepted", "stop_armed"]);
    const stop = await must(
      engine.placeStop(g, "m", {
        securityId: 1,
        side: "buy",
        qty: 1,
        stopPrice: 150,
        trigger: "mark",
        oco: { stopPrice: 95, kind: "take_profit", trigger: "mark", type: "limit", price: 95 },
      }),
    );
    expect(stop.stopIds).to.deep.equal([2, 3]);
    const extra = await must(engine.placeStop(g, "b", { securityId: 1, side: "sell", qty: 1, stopPrice: 50 }));
    await must(engine.cancelStop(g, "b", 1, extra.stopIds[0]!));
    await must(engine.place(g, "m", { securityId: 1, side: "buy", price: 90, qty: 300 }));
    const shock = await must(engine.setReference(g, 1, 80));
    const types = shock.events.map((e) => e.type);
    expect(types).to.include.members([
      "reference_price",
      "stop_triggered",
      "margin_call",
      "liquidation_order",
      "fund_transfer",
    ]);
    const inv = await must(engine.inventory(g, "a"));
    expect(inv.positions.find((p) => p.securityId === 1)?.qty ?? 0).to.equal(0);
    expect(inv.cash).to.be.at.least(0);
    expect(() => engine.placeStop(g, "a", { securityId: 1, side: "buy", qty: 0, stopPrice: 1 })).to.throw();
  });
});
