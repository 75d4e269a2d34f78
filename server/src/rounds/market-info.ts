/**
 * The public facts of a round's market type at some moment, for the projector (client/src/projector.ts;
 * docs/markets.md "Projector"): nothing private (no schedule of a player, no undrawn state).
 *
 *   { gameId, marketType, label,
 *     call?:       { everySec, continuousSec, mode: "call" | "continuous", nextCallInMs: number | null },
 *     dividends?:  { period, periods, values, fundamental },      // minor units per lot
 *     contingent?: { payout, states: [{ securityId, symbol, chanceBps }], state: securityId | null } }
 *
 * Times are running time (the round's clock, stopped while paused): nextCallInMs is null while the round
 * is not running. `fundamental` is the fundamental value at the start of the current period (0 after the
 * last); `state` is null until the round has ended.
 */
import { CallRules, ContingentRules, DividendRules, type MarketType } from "@marketroom/shared";
import { dueCalls } from "../game/calls.ts";
import type { GameRecord } from "../game/store.ts";
import { contingentState, stateWeights } from "./contingent.ts";
import { fundamentalValue } from "./dividends.ts";
import { DEFAULT_MARKET_TYPE, marketTypeDefaults } from "./market-types.ts";

export interface MarketInfoSettings {
  rules: {
    marketType?: MarketType;
    call?: Partial<CallRules>;
    dividends?: Partial<DividendRules>;
    contingent?: Partial<ContingentRules>;
  };
  securities: { securityId: number; symbol: string }[];
}

/** Running time of the round at `now`, ms. */
function runningTime(r: GameRecord<unknown>, now: number): number {
  return r.elapsedMs + (r.resumedAt && !r.endedAt ? Math.max(0, now - r.resumedAt) : 0);
}

/** The market facts of `rec` at `now` (module doc). */
export function marketInfo(rec: GameRecord<MarketInfoSettings>, now: number): Record<string, unknown> {
  const type = rec.settings.rules.marketType ?? DEFAULT_MARKET_TYPE;
  const out: Record<string, unknown> = { gameId: rec.gameId, marketType: type, label: marketTypeDefaults(type).label };
  const t = runningTime(rec, now);
  const running = !!rec.resumedAt && !rec.endedAt;
  if (type === "call") {
    const rules = CallRules.parse(rec.settings.rules.call ?? {});
    const e = rules.everySec * 1000,
      l = e + rules.continuousSec * 1000;
    const k = dueCalls(rules, t).call; // calls run so far; call k + 1 is at k x L + E
    const inContinuous = rules.continuousSec > 0 && k > 0 && t < (k - 1) * l + l;
    out.call = {
      everySec: rules.everySec,
      continuousSec: rules.continuousSec,
      mode: inContinuous ? "continuous" : "call",
      nextCallInMs: running ? Math.max(0, k * l + e - t) : null,
    };
  } else if (type === "dividends") {
    const rules = DividendRules.parse(rec.settings.rules.dividends ?? {});
    const periods = Math.max(1, rec.periodCount);
    const len = rec.periodMs || rec.durationMs;
    const period = rec.endedAt ? periods + 1 : len ? Math.min(periods, Math.floor(t / len) + 1) : 1;
    out.dividends = {
      period,
      periods,
      values: rules.values,
      fundamental: fundamentalValue(rules.values, periods, period),
    };
  } else if (type === "contingent") {
    const rules = ContingentRules.parse(rec.settings.rules.contingent ?? {});
    const secs = rec.settings.securities;
    const w = stateWeights(secs.length, rules.weights);
    const total = w.reduce((a, v) => a + v, 0);
    out.contingent = {
      payout: rules.payout,
      states: secs.map((s, i) => ({
        securityId: s.securityId,
        symbol: s.symbol,
        chanceBps: Math.floor((10_000 * w[i]!) / total),
      })),
      state: rec.endedAt
        ? secs[contingentState(rules.seed ?? rec.gameId, secs.length, rules.weights)]!.securityId
        : null,
    };
  }
  return out;
}
