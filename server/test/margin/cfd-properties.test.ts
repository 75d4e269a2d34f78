/**
 * Property tests of CFD securities (issue 15 item 4; server/src/core/cfd-order.ts): seeded random flows
 * of market and limit orders (GTC and IOC, with and without a leverage), brackets, stops on the mark,
 * cancels and a random reference path with shocks up to 25 %, on two CFDs of one margin game, run
 * through run() (decide, evolve, cascade). After EVERY command:
 *
 * - players' cash + the house's (the fund's) cash = the endowed cash + the fund's start (the house is the
 *   counterparty of every CFD fill and takes its fee);
 * - every CFD fill is at the house's quote: a buy at reference + half-spread, a sell at the bid;
 * - a waiting order fills at most once, only while it was waiting, never beyond its limit, and the
 *   waiting orders one reference tick fills fill in order of arrival (order id);
 * - no waiting order is left that the quote reaches, and no armed stop that the mark reaches;
 * - every stop fires or leaves once;
 * - a player liquidated by the command (margin_call) ends it with no positions, no open orders, no
 *   stops and cash >= 0;
 * - locks equal the open orders.
 * After each flow the log folded through evolve equals the live state.
 *
 * CFDPROP_RUNS flows (default 50) of up to 120 commands, seed CFDPROP_SEED.
 */
import fc from "fast-check";
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { quoteOf } from "../../src/core/cfd-quote.ts";
import { emptyState } from "../../src/core/index.ts";
import { markOf } from "../../src/core/mark.ts";
import { reaches } from "../../src/core/stops/stop-state.ts";
import { SIDS, command, flowArb, setup } from "./cfd-flows.ts";
import { ok, replays, send, type Game } from "./support.ts";

const RUNS = Number(process.env.CFDPROP_RUNS ?? 50);
const SEED = Number(process.env.CFDPROP_SEED ?? 4);
interface Seen {
  filled: Set<string>;
  stopsGone: Set<string>;
}

function checkCommand(g: Game, events: EngineEvent[], waiting: Set<string>, seen: Seen, total: number): void {
  const s = g.s;
  expect([...s.players.values()].reduce((a, p) => a + p.cash, 0) + s.fund.cash, "players + house").to.equal(total);
  let lastTickFill = { sid: 0, id: 0 };
  for (const e of events) {
    if (e.type === "reference_price") lastTickFill = { sid: e.securityId, id: 0 };
    if (e.type === "stop_triggered" || e.type === "stop_cancelled") {
      const k = `${e.securityId}:${e.stopId}`;
      expect(seen.stopsGone.has(k), `stop ${k} leaves once`).to.equal(false);
      seen.stopsGone.add(k);
    }
    if (e.type !== "cfd_fill") continue;
    const sec = s.securities.get(e.securityId)!;
    const q = quoteOf(sec);
    expect(e.price, "at the quote").to.equal(e.side === "buy" ? q.ask : q.bid);
    expect(e.side === "buy" ? e.price <= e.limit : e.price >= e.limit, "within the limit").to.equal(true);
    if (!e.resting) continue;
    const k = `${e.securityId}:${e.orderId}`;
    expect(waiting.has(k), `order ${k} was waiting`).to.equal(true);
    expect(seen.filled.has(k), `order ${k} fills once`).to.equal(false);
    seen.filled.add(k);
    if (lastTickFill.sid === e.securityId) {
      expect(e.orderId, "in order of arrival").to.be.above(lastTickFill.id);
      lastTickFill.id = e.orderId;
    }
  }
  for (const e of events) {
    if (e.type !== "margin_call") continue;
    const p = s.players.get(e.playerId)!;
    expect(p.cash, `${e.playerId} cash after liquidation`).to.be.at.least(0);
    expect(
      [...p.positions.values()].every((x) => x.qty === 0),
      "no positions",
    ).to.equal(true);
    expect(
      [...p.orders.values()].every((m) => m.size === 0),
      "no open orders",
    ).to.equal(true);
    for (const sid of SIDS)
      expect([...s.securities.get(sid)!.stops.values()].some((x) => x.playerId === e.playerId)).to.equal(false);
  }
  for (const sid of SIDS) {
    const sec = s.securities.get(sid)!;
    const q = quoteOf(sec);
    for (const o of sec.book.orders.values()) {
      expect(o.side === "buy" ? q.ask <= o.price : q.bid >= o.price, `order ${o.id} left reached`).to.equal(false);
    }
    const mark = markOf(sec, s.game!.markRule);
    expect(mark).to.equal(sec.reference);
    for (const st of sec.stops.values())
      if (st.qty > 0) expect(reaches(st, mark), `stop ${st.id} left reached`).to.equal(false);
  }
  for (const p of s.players.values()) {
    let locked = 0;
    for (const sid of SIDS) {
      let openBuy = 0;
      let sold = 0;
      for (const o of p.orders.get(sid)?.values() ?? []) {
        if (o.side === "buy") {
          locked += o.price * o.amount;
          openBuy += o.amount;
        } else sold += o.amount;
      }
      expect([p.positions.get(sid)?.openBuy ?? 0, p.positions.get(sid)?.locked ?? 0]).to.deep.equal([openBuy, sold]);
    }
    expect(p.cashLocked).to.equal(locked);
  }
}

describe("CFD properties", function () {
  this.timeout(300_000);

  it(`${RUNS} random CFD flows with reference shocks: players + house conserve cash, each trigger once and in order, liquidations clean`, () => {
    const n = { fills: 0, waited: 0, liquidations: 0, stops: 0, leverage: 0 };
    fc.assert(
      fc.property(flowArb, (flow) => {
        const g: Game = { s: emptyState(), log: [], ts: 1_000 };
        for (const c of setup(flow)) ok(g, c);
        const total = [...g.s.players.values()].reduce((a, p) => a + p.cash, 0) + g.s.fund.cash;
        const seen: Seen = { filled: new Set(), stopsGone: new Set() };
        for (const st of flow.steps) {
          const c = command(g.s, st);
          if (c === null) continue;
          const waiting = new Set(
            SIDS.flatMap((sid) => [...g.s.securities.get(sid)!.book.orders.keys()].map((id) => `${sid}:${id}`)),
          );
          const d = send(g, c);
          if (!d.ok) continue;
          for (const e of d.events) {
            if (e.type === "cfd_fill") n.fills += 1;
            if (e.type === "cfd_fill" && e.resting) n.waited += 1;
            if (e.type === "margin_call") n.liquidations += 1;
            if (e.type === "stop_triggered") n.stops += 1;
            if (e.type === "cfd_leverage") n.leverage += 1;
          }
          checkCommand(g, d.events, waiting, seen, total);
        }
        replays(g);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`      ${JSON.stringify(n)}`);
    // the flows must exercise what they check
    expect(n.waited, "waiting orders filled").to.be.above(20);
    expect(n.liquidations, "liquidations").to.be.above(5);
    expect(n.stops, "stop triggers").to.be.above(20);
    expect(n.leverage, "leverage changes").to.be.above(10);
  });
});
