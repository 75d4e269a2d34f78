/**
 * Double auction with induced values and costs (docs/markets.md "Induced values"; Smith 1962, "An
 * experimental study of competitive market behavior", JPE 70(2)). Pure functions over the round's
 * rules and its event log; money in minor units per lot, integers.
 *
 * - Roles: the human players in the order they joined (the log's player_added order, bots left out)
 *   alternate buyer, seller, buyer, ... so a class splits evenly.
 * - Schedules: each buyer gets `units` private values, each seller `units` private costs, each drawn
 *   uniformly from the rules' range by SHA-256("<seed>:induced:<playerId>:<unit>") (seed default: the
 *   game id); values sorted high to low, costs low to high (the k-th unit traded is worth the k-th entry).
 * - Surplus: a buyer's k-th lot bought earns value[k] - price x scale, a seller's k-th lot sold earns
 *   price x scale - cost[k], in fill (seq) order; lots beyond the schedule earn nothing (they are not
 *   part of the experiment; the role gate keeps buyers buying and sellers selling).
 * - Periods: in a round of several periods each schedule starts again in every period (units reset, the
 *   same values and costs; Smith 1962); a fill's period comes from the log's period_ended markers.
 * - Market: demand = every value high to low, supply = every cost low to high; the competitive
 *   equilibrium quantity q* = the most units with demand[k] >= supply[k]; its price range is where the
 *   q*-th unit trades and the next does not; maximum surplus = sum over k < q* of demand[k] - supply[k];
 *   efficiency (basis points) = floor(10000 x realized surplus / maximum surplus), 0 when no surplus is possible.
 */
import { createHash } from "node:crypto";
import type { EngineEvent, InducedRules } from "@marketroom/shared";

export type InducedRole = "buyer" | "seller";

/** The admin_action that closes a period of an induced round (detail = the period's number; rounds/induced-periods.ts). */
export const PERIOD_ENDED = "period_ended";

/** One player's private schedule: values (buyer, high to low) or costs (seller, low to high), minor units per lot. */
export interface InducedSchedule {
  playerId: string;
  role: InducedRole;
  units: number[];
}

/** The role of the `index`-th human player to join (0-based). */
export function inducedRole(index: number): InducedRole {
  return index % 2 === 0 ? "buyer" : "seller";
}

/** One unit's draw in [min, max]. */
function draw(seed: string, playerId: string, unit: number, r: { min: number; max: number }): number {
  const h = createHash("sha256").update(`${seed}:induced:${playerId}:${unit}`).digest();
  return r.min + (h.readUInt32BE(0) % (r.max - r.min + 1));
}

/** The schedule of the `index`-th human player to join. */
export function inducedSchedule(rules: InducedRules, seed: string, playerId: string, index: number): InducedSchedule {
  const role = inducedRole(index);
  const range = role === "buyer" ? rules.values : rules.costs;
  const units = Array.from({ length: rules.units }, (_, u) => draw(seed, playerId, u + 1, range));
  units.sort((a, b) => (role === "buyer" ? b - a : a - b));
  return { playerId, role, units };
}

/** Every human's schedule, from the log's players in join order (bots left out). */
export function inducedSchedules(
  rules: InducedRules,
  seed: string,
  events: readonly EngineEvent[],
  bots: ReadonlySet<string>,
): InducedSchedule[] {
  const humans: string[] = [];
  for (const e of events)
    if (e.type === "player_added" && !bots.has(e.playerId) && !humans.includes(e.playerId)) humans.push(e.playerId);
  return humans.map((p, i) => inducedSchedule(rules, seed, p, i));
}

/** The market's competitive equilibrium (units traded, price range in minor units) and maximum surplus. */
export interface Equilibrium {
  qty: number;
  priceLow: number;
  priceHigh: number;
  maxSurplus: number;
}

/** Demand (values high to low) and supply (costs low to high) of all schedules. */
export function curves(schedules: readonly InducedSchedule[]): { demand: number[]; supply: number[] } {
  const demand = schedules
    .filter((s) => s.role === "buyer")
    .flatMap((s) => s.units)
    .sort((a, b) => b - a);
  const supply = schedules
    .filter((s) => s.role === "seller")
    .flatMap((s) => s.units)
    .sort((a, b) => a - b);
  return { demand, supply };
}

/** The competitive equilibrium of the curves (see the module doc); qty 0 when no unit can trade at a gain. */
export function equilibrium(demand: readonly number[], supply: readonly number[]): Equilibrium {
  let qty = 0,
    maxSurplus = 0;
  while (qty < demand.length && qty < supply.length && demand[qty]! >= supply[qty]!) {
    maxSurplus += demand[qty]! - supply[qty]!;
    qty++;
  }
  if (qty === 0) return { qty, priceLow: 0, priceHigh: 0, maxSurplus };
  // the q*-th unit trades (supply[q-1] <= p <= demand[q-1]); the next does not (p < supply[q] or p > demand[q])
  const priceLow = Math.max(supply[qty - 1]!, demand[qty] ?? 0);
  const priceHigh = Math.min(demand[qty - 1]!, supply[qty] ?? Number.MAX_SAFE_INTEGER);
  return { qty, priceLow, priceHigh, maxSurplus };
}

/**
 * One player's result: lots traded within the schedule and the surplus earned, minor units (all
 * periods); `periodTraded` = lots traded within the schedule in the latest period (the units of the
 * schedule used up now).
 */
export interface PlayerSurplus {
  playerId: string;
  role: InducedRole;
  traded: number;
  periodTraded: number;
  surplus: number;
}

/**
 * One period's market result: lots traded (every fill), turnover (sum of price x scale x qty, minor
 * units), average price per lot (turnover / traded rounded to the minor unit; null without trades),
 * realized surplus (within the schedules), maximum surplus and efficiency (basis points).
 */
export interface PeriodResult {
  period: number;
  traded: number;
  turnover: number;
  avgPrice: number | null;
  realized: number;
  maxSurplus: number;
  efficiencyBps: number;
}

/** The round's results: per player (all periods), per period, and for the whole round. */
export interface InducedResults {
  players: PlayerSurplus[];
  periods: PeriodResult[];
  realized: number;
  maxSurplus: number;
  efficiencyBps: number;
}

const bps = (realized: number, max: number) => (max > 0 ? Math.floor((10_000 * realized) / max) : 0);

/**
 * Each scheduled player's surplus from the log's fills (`scale` = minor units per tick x lot of the
 * fill's security), per period and for the round (module doc). A fill is in period 1 + the highest k of
 * the `period_ended` markers (admin_action, detail k; rounds/induced-periods.ts) logged before it, at
 * most `periodCount`; each player's schedule starts again in every period (units reset, same values and
 * costs). Periods listed: 1 up to the last one begun by the log (at least 1); the round's maximum
 * surplus is the schedule's maximum times the periods listed.
 */
export function realizedSurplus(
  schedules: readonly InducedSchedule[],
  events: readonly EngineEvent[],
  scaleOf: (securityId: number) => number,
  periodCount = 1,
): InducedResults {
  const by = new Map(
    schedules.map((s) => [
      s.playerId,
      { s, inPeriod: 0, out: { playerId: s.playerId, role: s.role, traded: 0, periodTraded: 0, surplus: 0 } },
    ]),
  );
  const { demand, supply } = curves(schedules);
  const perPeriodMax = equilibrium(demand, supply).maxSurplus;
  const fresh = (period: number): PeriodResult => ({
    period,
    traded: 0,
    turnover: 0,
    avgPrice: null,
    realized: 0,
    maxSurplus: perPeriodMax,
    efficiencyBps: 0,
  });
  const periods = [fresh(1)];
  const side = (e: Extract<EngineEvent, { type: "fill" }>, pid: string) =>
    pid === e.takerPlayerId ? e.aggressor : e.aggressor === "buy" ? "sell" : "buy";
  for (const e of events) {
    if (e.type === "admin_action" && e.action === PERIOD_ENDED) {
      const next = Math.min(Math.max(1, periodCount), Number(e.detail) + 1);
      if (next > periods.length) {
        while (periods.length < next) periods.push(fresh(periods.length + 1));
        for (const p of by.values()) p.inPeriod = 0; // a new period: every schedule starts again
      }
      continue;
    }
    if (e.type !== "fill") continue;
    const cur = periods[periods.length - 1]!;
    const money = e.price * scaleOf(e.securityId);
    cur.traded += e.qty;
    cur.turnover += money * e.qty;
    for (const pid of [e.makerPlayerId, e.takerPlayerId]) {
      const p = by.get(pid);
      if (!p || side(e, pid) !== (p.s.role === "buyer" ? "buy" : "sell")) continue;
      for (let i = 0; i < e.qty && p.inPeriod < p.s.units.length; i++) {
        const unit = p.s.units[p.inPeriod]!;
        const gain = p.s.role === "buyer" ? unit - money : money - unit;
        p.out.surplus += gain;
        cur.realized += gain;
        p.out.traded += 1;
        p.inPeriod += 1;
      }
    }
  }
  for (const p of periods) {
    p.avgPrice = p.traded ? Math.round(p.turnover / p.traded) : null;
    p.efficiencyBps = bps(p.realized, p.maxSurplus);
  }
  const players = [...by.values()].map((p) => ({ ...p.out, periodTraded: p.inPeriod }));
  const realized = players.reduce((a, p) => a + p.surplus, 0);
  const maxSurplus = perPeriodMax * periods.length;
  return { players, periods, realized, maxSurplus, efficiencyBps: bps(realized, maxSurplus) };
}
