/**
 * A player's margin account as players see it (docs/margin.md "Protocol"): computed here, once, from the
 * core state, for the room's private state, the HTTP reads and the exports. Pure; reads only.
 * Units: ticks, lots, minor units; ratios in basis points. The rules are those of risk/margin.ts:
 *
 *   equity       = cash + sum_s qty_s x mark_s x scale_s
 *   usedMargin   = sum_s margin(worst case_s, mark_s, initialMarginBps_s)   (open orders filled)
 *   maintenance  = sum_s margin(|qty_s|, mark_s, maintenanceMarginBps_s)
 *   freeMargin   = equity - usedMargin
 *   leverageBps  = floor(sum_s |qty_s| x mark_s x scale_s x 10000 / equity)   (0 when flat or equity <= 0)
 *
 * Per position: entryPrice = round(cost / (qty x scale)) (average cost, risk/cost.ts), unrealizedPnl =
 * qty x mark x scale - cost, margin = its initial margin (worst case), and liquidationPrice = the mark of
 * this security at which equity < maintenance, all other marks unchanged: for a long the highest such
 * tick, for a short the lowest; 0 when no positive price liquidates it. The maintenance margin's
 * rounding up is ignored there, so the figure may be one tick early.
 */
import { markOf } from "./mark.ts";
import { marginOf } from "./risk/margin.ts";
import type { CoreState, PlayerState } from "./state.ts";

export interface PositionMargin {
  securityId: number;
  qty: number;
  entryPrice: number;
  mark: number;
  unrealizedPnl: number;
  margin: number;
  /** The position's initial margin rate, bps (a CFD's: from the player's leverage); leverage = 10000 / it. */
  initialMarginBps: number;
  liquidationPrice: number;
}

export interface MarginAccount {
  equity: number;
  usedMargin: number;
  maintenance: number;
  freeMargin: number;
  leverageBps: number;
  /** Open positions (qty != 0), by security id ascending. */
  positions: PositionMargin[];
}

interface Leg {
  securityId: number;
  qty: number;
  scale: number;
  mark: number;
  value: number;
  maintenance: number;
  maintenanceBps: number;
  cost: number;
  initial: number;
  initialBps: number;
}

/** The account of `p` at the current marks. */
export function marginAccount(state: CoreState, p: PlayerState): MarginAccount {
  const rule = state.game?.markRule ?? "last_trade";
  const legs: Leg[] = [];
  let equity = p.cash;
  let usedMargin = 0;
  let maintenance = 0;
  let gross = 0;
  for (const sid of state.securityIds) {
    const pos = p.positions.get(sid);
    if (!pos) continue;
    const sec = state.securities.get(sid)!;
    const scale = sec.info.scale;
    const mark = markOf(sec, rule);
    const worst = Math.max(pos.qty + pos.openBuy, -(pos.qty - pos.locked));
    const initialBps = p.leverage.get(sid) ?? sec.initialMarginBps;
    const initial = marginOf(Math.max(0, worst), mark, scale, initialBps);
    usedMargin += initial;
    if (pos.qty === 0) continue;
    const value = pos.qty * mark * scale;
    const maint = marginOf(Math.abs(pos.qty), mark, scale, sec.maintenanceMarginBps);
    equity += value;
    maintenance += maint;
    gross += Math.abs(value);
    legs.push({
      securityId: sid,
      qty: pos.qty,
      scale,
      mark,
      value,
      maintenance: maint,
      maintenanceBps: sec.maintenanceMarginBps,
      cost: p.costs.get(sid) ?? 0,
      initial,
      initialBps,
    });
  }
  return {
    equity,
    usedMargin,
    maintenance,
    freeMargin: equity - usedMargin,
    leverageBps: equity > 0 && gross > 0 ? Number((BigInt(gross) * 10_000n) / BigInt(equity)) : 0,
    positions: legs.map((l) => ({
      securityId: l.securityId,
      qty: l.qty,
      entryPrice: l.cost === 0 ? 0 : Math.round(l.cost / (l.qty * l.scale)),
      mark: l.mark,
      unrealizedPnl: l.value - l.cost,
      margin: l.initial,
      initialMarginBps: l.initialBps,
      liquidationPrice: liquidationPrice(l, equity - l.value, maintenance - l.maintenance),
    })),
  };
}

/**
 * The liquidation price of one leg (see the header): `rest` = equity without it, `restMaintenance` = the
 * other legs' maintenance. BigInt: (equity - maintenance) x 10000 may pass 2^53.
 */
function liquidationPrice(l: Leg, rest: number, restMaintenance: number): number {
  const lots = BigInt(Math.abs(l.qty) * l.scale);
  if (l.qty > 0) {
    const den = lots * BigInt(10_000 - l.maintenanceBps);
    const num = BigInt(restMaintenance - rest) * 10_000n;
    if (den <= 0n || num <= 0n) return 0;
    const p = (num - 1n) / den; // largest P with P x den < num
    return p >= 1n ? Number(p) : 0;
  }
  const den = lots * BigInt(10_000 + l.maintenanceBps);
  const num = BigInt(rest - restMaintenance) * 10_000n;
  if (num < 0n) return 1;
  return Number(num / den + 1n); // smallest P with P x den > num
}
