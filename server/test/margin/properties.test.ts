/**
 * Property tests of stops and the margin mode (issue 15): seeded random flows of limit and market
 * orders, stops of both kinds and triggers, one-cancels-other pairs, brackets, cancels and a random
 * reference path with shocks, in margin games marked by reference, last trade or mid, run through
 * run() (decide, evolve, cascade). After EVERY command:
 *
 * - cash is conserved: the players' cash + the insurance fund's + net fees = the endowed cash + the fund's start;
 * - a player liquidated by the command (margin_call) ends it with no positions, no open orders, no
 *   stops and cash >= 0;
 * - every stop fires or leaves at most once (one stop_triggered or stop_cancelled per stop id, ever),
 *   and only while waiting; a stop on the last trade triggers after a trade of the same command that
 *   reached its stop price, and such stops fire in the order of the trades that first reached them;
 * - no waiting armed stop is reached by its watched price (last trade or mark) after a command;
 * - the book is never crossed; locks equal the open orders.
 * After each flow the log folded through evolve equals the live state.
 *
 * MPROP_RUNS flows (default 60) of up to MPROP_STEPS commands (default 150), seed MPROP_SEED.
 */
import fc from "fast-check";
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { markOf } from "../../src/core/mark.ts";
import type { StopOrder } from "../../src/core/state.ts";
import { reaches } from "../../src/core/stops/stop-state.ts";
import { emptyState } from "../../src/core/index.ts";
import { command, flowArb, setupCommands } from "./flows.ts";
import { ok, replays, send, type Game } from "./support.ts";

const RUNS = Number(process.env.MPROP_RUNS ?? 60);
const SEED = Number(process.env.MPROP_SEED ?? 15);
function checkCommand(
  g: Game,
  events: EngineEvent[],
  before: Map<number, Pick<StopOrder, "side" | "kind" | "stopPrice" | "trigger" | "parentOrderId">>,
  gone: Set<number>,
  startCash: number,
  feesSoFar: { v: number },
): void {
  const s = g.s;
  const sec = s.securities.get(1)!;
  // conservation
  for (const e of events) if (e.type === "fill") feesSoFar.v += e.takerFee - e.makerRebate;
  const cash = [...s.players.values()].reduce((a, p) => a + p.cash, 0) + s.fund.cash;
  expect(cash + feesSoFar.v).to.equal(startCash);
  // liquidated players
  for (const e of events) {
    if (e.type !== "margin_call") continue;
    const p = s.players.get(e.playerId)!;
    expect(p.cash, `${e.playerId} cash after liquidation`).to.be.at.least(0);
    expect(
      [...p.positions.values()].every((x) => x.qty === 0),
      "no positions",
    ).to.equal(true);
    expect(p.orders.get(1)?.size ?? 0, "no open orders").to.equal(0);
    expect(
      [...sec.stops.values()].some((x) => x.playerId === e.playerId),
      "no stops",
    ).to.equal(false);
  }
  // every stop leaves once; a "last" trigger follows a trade that reached it; such triggers fire in the order of those trades
  const prices: number[] = [];
  let lastReach = -1;
  for (const e of events) {
    if (e.type === "fill") prices.push(e.price);
    if (e.type === "stop_accepted") before.set(e.stopId, e);
    if (e.type !== "stop_triggered" && e.type !== "stop_cancelled") continue;
    expect(gone.has(e.stopId), `stop ${e.stopId} leaves once`).to.equal(false);
    gone.add(e.stopId);
    const st = before.get(e.stopId);
    expect(st, `stop ${e.stopId} was waiting`).to.not.equal(undefined);
    if (e.type !== "stop_triggered" || st!.trigger !== "last") continue;
    const reach = prices.findIndex((p) => reaches(st!, p));
    expect(reach, `stop ${e.stopId} triggered by a trade of the command`).to.be.at.least(0);
    if (st!.parentOrderId > 0) continue; // a bracket child counts from the fill that armed it
    expect(reach, "triggers in the order of the trades").to.be.at.least(lastReach);
    lastReach = reach;
  }
  // nothing left waiting that its watched price reaches
  if (s.game!.phase === "running") {
    for (const st of sec.stops.values()) {
      if (st.qty === 0 || st.parentOrderId > 0) continue;
      const now = st.trigger === "last" ? sec.lastPrice : markOf(sec, s.game!.markRule);
      if (now > 0)
        expect(reaches(st, now), `stop ${st.id} (${st.side} ${st.kind} ${st.stopPrice}) reached by ${now}`).to.equal(
          false,
        );
    }
  }
  // book never crossed; locks = open orders
  const bid = sec.book.bids.best()?.price;
  const ask = sec.book.asks.best()?.price;
  if (bid !== undefined && ask !== undefined) expect(bid).to.be.below(ask);
  for (const p of s.players.values()) {
    let locked = 0,
      openBuy = 0,
      sold = 0;
    for (const o of p.orders.get(1)?.values() ?? []) {
      if (o.side === "buy") {
        locked += o.price * o.amount;
        openBuy += o.amount;
      } else sold += o.amount;
    }
    expect(p.cashLocked).to.equal(locked);
    const pos = p.positions.get(1);
    expect(pos?.openBuy ?? 0).to.equal(openBuy);
    expect(pos?.locked ?? 0).to.equal(sold);
  }
}

describe("margin and stop properties", function () {
  this.timeout(300_000);

  it(`${RUNS} random margin flows with reference shocks: conservation, liquidation outcomes, each stop once and in order`, () => {
    let liquidations = 0;
    let triggers = 0;
    let fund = 0;
    fc.assert(
      fc.property(flowArb, (flow) => {
        const g: Game = { s: emptyState(), log: [], ts: 1_000 };
        for (const c of setupCommands(flow)) ok(g, c);
        const startCash = [...g.s.players.values()].reduce((a, p) => a + p.cash, 0) + g.s.fund.cash;
        const gone = new Set<number>();
        const fees = { v: 0 };
        for (const st of flow.steps) {
          const c = command(g.s, st);
          if (c === null) continue;
          const before = new Map<number, StopOrder>(g.s.securities.get(1)!.stops);
          const d = send(g, c);
          if (!d.ok) continue;
          for (const e of d.events) {
            if (e.type === "margin_call") liquidations += 1;
            if (e.type === "stop_triggered") triggers += 1;
            if (e.type === "fund_transfer") fund += 1;
          }
          checkCommand(g, d.events, before, gone, startCash, fees);
        }
        replays(g);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`      liquidations ${liquidations}, stop triggers ${triggers}, fund transfers ${fund}`);
    // the flows must exercise what they check
    expect(liquidations, "liquidations").to.be.above(10);
    expect(triggers, "stop triggers").to.be.above(50);
    expect(fund, "fund transfers").to.be.above(5);
  });
});
