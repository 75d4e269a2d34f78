/**
 * Random CFD flows for the property and writer tests (cfd-properties.test.ts, cfd-writer.test.ts): a
 * margin game with two CFDs (reference 1000, 10x, random half-spreads and fee), four players with random
 * cash and a fund, and steps of market and limit orders (with and without a leverage), brackets, stops
 * on the mark, cancels and reference ticks with shocks up to 25 %. `command` turns a step into a core
 * command against the current state (null = nothing to do).
 */
import fc from "fast-check";
import type { Command } from "../../src/core/commands.ts";
import type { CoreState } from "../../src/core/state.ts";

export const PLAYERS = ["p1", "p2", "p3", "p4"];
export const SIDS = [1, 2];

const side = fc.constantFrom<"buy" | "sell">("buy", "sell");
const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      p: fc.nat(3),
      s: fc.nat(1),
      side,
      qty: fc.integer({ min: 1, max: 30 }),
      lev: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      p: fc.nat(3),
      s: fc.nat(1),
      side,
      qty: fc.integer({ min: 1, max: 30 }),
      off: fc.integer({ min: -40, max: 40 }),
      ioc: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("bracket" as const),
      p: fc.nat(3),
      s: fc.nat(1),
      side,
      qty: fc.integer({ min: 1, max: 20 }),
      sl: fc.integer({ min: 5, max: 60 }),
      tp: fc.integer({ min: 5, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("stop" as const),
      p: fc.nat(3),
      s: fc.nat(1),
      off: fc.integer({ min: 5, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), p: fc.nat(3), s: fc.nat(1), i: fc.nat(20) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("tick" as const),
      s: fc.nat(1),
      bps: fc.integer({ min: -300, max: 300 }),
      shock: fc.integer({ min: -2500, max: 2500 }),
      big: fc.nat(3),
    }),
  },
);
export const flowArb = fc.record({
  cash: fc.array(fc.integer({ min: 500, max: 15_000 }), { minLength: 4, maxLength: 4 }),
  fund: fc.integer({ min: 0, max: 20_000 }),
  spreads: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 2 }),
  fee: fc.integer({ min: 0, max: 2 }),
  steps: fc.array(step, { minLength: 40, maxLength: 120 }),
});
export type Flow = typeof flowArb extends fc.Arbitrary<infer T> ? T : never;
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

export function setup(f: Flow, gameId = "c1"): Command[] {
  const cmds: Command[] = [
    {
      type: "create_game",
      gameId,
      name: "c",
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: true,
      protectionBps: 1000,
      mode: "margin",
      markRule: "last_trade",
      insuranceFund: f.fund,
    },
  ];
  for (const sid of SIDS)
    cmds.push({
      type: "add_security",
      securityId: sid,
      symbol: `CFD${sid}`,
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 1_000_000,
      shortLimit: 0,
      positionLimit: 0,
      maxOrderQty: 0,
      takerFee: f.fee,
      initialMarginBps: 1000,
      maintenanceMarginBps: 500,
      referencePrice: 1000,
      kind: "cfd",
      halfSpread: f.spreads[sid - 1],
    });
  PLAYERS.forEach((p, i) => cmds.push({ type: "add_player", playerId: p, name: p, cash: f.cash[i]!, holdings: [] }));
  cmds.push({ type: "set_phase", phase: "running" });
  return cmds;
}

export function command(s: CoreState, st: Step): Command | null {
  const sid = SIDS[st.s]!;
  const sec = s.securities.get(sid)!;
  const ref = sec.reference;
  if (st.k === "tick") {
    const bps = st.big === 0 ? st.shock : st.bps;
    return { type: "set_reference", securityId: sid, price: Math.max(1, ref + Math.trunc((ref * bps) / 10_000)) };
  }
  const playerId = PLAYERS[st.p]!;
  const base = { type: "place" as const, playerId, securityId: sid };
  switch (st.k) {
    case "market":
      return {
        ...base,
        side: st.side,
        orderType: "market",
        tif: "IOC",
        qty: st.qty,
        ...(st.lev ? { leverage: st.lev } : {}),
      };
    case "limit":
      return { ...base, side: st.side, price: Math.max(1, ref + st.off), qty: st.qty, tif: st.ioc ? "IOC" : "GTC" };
    case "bracket": {
      const d = st.side === "buy" ? 1 : -1;
      const bracket = { stopLoss: Math.max(1, ref - d * st.sl), takeProfit: Math.max(1, ref + d * st.tp) };
      return { ...base, side: st.side, orderType: "market", tif: "IOC", qty: st.qty, bracket };
    }
    case "stop": {
      const qty = s.players.get(playerId)!.positions.get(sid)?.qty ?? 0;
      if (qty === 0) return null;
      const stopSide = qty > 0 ? "sell" : "buy";
      const stopPrice = Math.max(1, qty > 0 ? ref - st.off : ref + st.off);
      return {
        type: "place_stop",
        playerId,
        securityId: sid,
        side: stopSide,
        qty: Math.abs(qty),
        stopPrice,
        trigger: "mark",
      };
    }
    case "cancel": {
      const mine = [...(s.players.get(playerId)!.orders.get(sid)?.values() ?? [])];
      if (mine.length > 0) return { type: "cancel", playerId, securityId: sid, orderId: mine[st.i % mine.length]!.id };
      const stops = [...sec.stops.values()].filter((x) => x.playerId === playerId);
      return stops.length > 0
        ? { type: "cancel_stop", playerId, securityId: sid, stopId: stops[st.i % stops.length]!.id }
        : null;
    }
  }
  return null;
}
