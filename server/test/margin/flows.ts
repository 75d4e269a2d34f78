/**
 * Random margin flows for the property and writer tests: players, a margin security and steps (limit
 * and market orders, stops with OCO legs, brackets, cancels, a reference path with shocks) that are
 * turned into commands against the current state (`command`), so they stay meaningful as it changes.
 */
import fc from "fast-check";
import type { Command } from "../../src/core/commands.ts";
import { markOf } from "../../src/core/mark.ts";
import type { CoreState } from "../../src/core/index.ts";
import { setupCommands as gameSetupCommands } from "./support.ts";

export const STEPS = Number(process.env.MPROP_STEPS ?? 150);
export const PLAYERS = ["p1", "p2", "p3", "p4", "p5"];

export type Step =
  | { k: "limit"; p: number; buy: boolean; off: number; qty: number }
  | { k: "market"; p: number; buy: boolean; qty: number }
  | {
      k: "stop";
      p: number;
      buy: boolean;
      off: number;
      qty: number;
      tp: boolean;
      mark: boolean;
      lim: boolean;
      oco: boolean;
    }
  | { k: "bracket"; p: number; buy: boolean; off: number; qty: number; sl: number; tp: number }
  | { k: "cancel"; p: number; i: number }
  | { k: "cancelStop"; p: number; i: number }
  | { k: "ref"; bps: number };

const player = fc.integer({ min: 0, max: PLAYERS.length - 1 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("limit" as const),
      p: player,
      buy: fc.boolean(),
      off: fc.integer({ min: -8, max: 8 }),
      qty: fc.integer({ min: 1, max: 200 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("market" as const),
      p: player,
      buy: fc.boolean(),
      qty: fc.integer({ min: 1, max: 200 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("stop" as const),
      p: player,
      buy: fc.boolean(),
      off: fc.integer({ min: 1, max: 10 }),
      qty: fc.integer({ min: 1, max: 100 }),
      tp: fc.boolean(),
      mark: fc.boolean(),
      lim: fc.boolean(),
      oco: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("bracket" as const),
      p: player,
      buy: fc.boolean(),
      off: fc.integer({ min: -3, max: 3 }),
      qty: fc.integer({ min: 1, max: 100 }),
      sl: fc.integer({ min: 1, max: 10 }),
      tp: fc.integer({ min: 1, max: 10 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("cancel" as const), p: player, i: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancelStop" as const), p: player, i: fc.nat(50) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("ref" as const),
      bps: fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -2500, max: 2500 })),
    }),
  },
);

export const flowArb = fc.record({
  markRule: fc.constantFrom("reference" as const, "last_trade" as const, "mid" as const),
  initial: fc.integer({ min: 500, max: 3000 }),
  fee: fc.integer({ min: 0, max: 2 }),
  cash: fc.array(fc.integer({ min: 1_000, max: 30_000 }), { minLength: PLAYERS.length, maxLength: PLAYERS.length }),
  steps: fc.array(stepArb, { minLength: Math.floor(STEPS / 2), maxLength: STEPS }),
});

export function command(s: CoreState, st: Step): Command | null {
  const sec = s.securities.get(1)!;
  const ref = Math.max(2, markOf(sec, s.game!.markRule) || sec.reference);
  if (st.k === "ref")
    return {
      type: "set_reference",
      securityId: 1,
      price: Math.max(2, Math.round(sec.reference * (1 + st.bps / 10_000))),
    };
  const playerId = PLAYERS[st.p]!;
  const side = "buy" in st && st.buy ? "buy" : "sell";
  switch (st.k) {
    case "limit":
      return { type: "place", playerId, securityId: 1, side, price: Math.max(1, ref + st.off), qty: st.qty };
    case "market":
      return { type: "place", playerId, securityId: 1, side, orderType: "market", tif: "IOC", qty: st.qty };
    case "stop": {
      const away = st.buy !== st.tp ? st.off : -st.off; // a buy stop waits above, a buy take-profit below
      const stopPrice = Math.max(1, ref + away);
      const leg = {
        stopPrice,
        kind: st.tp ? "take_profit" : "stop",
        trigger: st.mark ? "mark" : "last",
        orderType: st.lim ? "limit" : "market",
        price: st.lim ? stopPrice : undefined,
      };
      const other = { stopPrice: Math.max(1, ref - away), kind: st.tp ? "stop" : "take_profit", orderType: "market" };
      return {
        type: "place_stop",
        playerId,
        securityId: 1,
        side,
        qty: st.qty,
        ...leg,
        oco: st.oco ? other : undefined,
      };
    }
    case "bracket": {
      const price = Math.max(1, ref + st.off);
      const down = Math.max(1, price - st.sl);
      const up = price + st.tp;
      return {
        type: "place",
        playerId,
        securityId: 1,
        side,
        price,
        qty: st.qty,
        bracket: st.buy ? { stopLoss: down, takeProfit: up } : { stopLoss: up, takeProfit: down },
      };
    }
    case "cancel": {
      const ids = [...(s.players.get(playerId)!.orders.get(1)?.keys() ?? [])];
      return ids.length === 0 ? null : { type: "cancel", playerId, securityId: 1, orderId: ids[st.i % ids.length]! };
    }
    case "cancelStop": {
      const ids = [...sec.stops.values()].filter((s) => s.playerId === playerId).map((s) => s.id);
      return ids.length === 0
        ? null
        : { type: "cancel_stop", playerId, securityId: 1, stopId: ids[st.i % ids.length]! };
    }
  }
}

export type Flow = typeof flowArb extends fc.Arbitrary<infer F> ? F : never;

/** The flow's game: margin mode, security 1 at reference 100, the players, running. */
export function setupCommands(flow: Flow, gameId = "m1"): Command[] {
  return gameSetupCommands(
    {
      mode: "margin",
      markRule: flow.markRule,
      insuranceFund: 1_000_000,
      allowShort: true,
      security: {
        referencePrice: 100,
        initialMarginBps: flow.initial,
        maintenanceMarginBps: Math.floor(flow.initial / 2),
        takerFee: flow.fee,
        makerRebate: 0,
      },
      players: Object.fromEntries(PLAYERS.map((p, i) => [p, flow.cash[i]!])),
    },
    gameId,
  );
}
