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
 * - Market: demand = every value high to low, supply = every cost low to high; the competitive
 *   equilibrium quantity q* = the most units with demand[k] >= supply[k]; its price range is where the
 *   q*-th unit trades and the next does not; maximum surplus = sum over k < q* of demand[k] - supply[k];
 *   efficiency (basis points) = floor(10000 x realized surplus / maximum surplus), 0 when no surplus is possible.
 */
import { createHash } from "node:crypto";
import type { EngineEvent, InducedRules } from "@marketroom/shared";

export type InducedRole = "buyer" | "seller";

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

/** One player's result: lots traded within the schedule and the surplus earned, minor units. */
export interface PlayerSurplus {
  playerId: string;
  role: InducedRole;
  traded: number;
  surplus: number;
}

/**
 * Each scheduled player's surplus from the log's fills (`scale` = minor units per tick x lot of the
 * fill's security), and the round's realized surplus and efficiency (module doc).
 */
export function realizedSurplus(
  schedules: readonly InducedSchedule[],
  events: readonly EngineEvent[],
  scaleOf: (securityId: number) => number,
): { players: PlayerSurplus[]; realized: number; efficiencyBps: number; maxSurplus: number } {
  const by = new Map(
    schedules.map((s) => [
      s.playerId,
      { s, out: { playerId: s.playerId, role: s.role, traded: 0, surplus: 0 } as PlayerSurplus },
    ]),
  );
  const side = (e: Extract<EngineEvent, { type: "fill" }>, pid: string) =>
    pid === e.takerPlayerId ? e.aggressor : e.aggressor === "buy" ? "sell" : "buy";
  for (const e of events) {
    if (e.type !== "fill") continue;
    const money = e.price * scaleOf(e.securityId);
    for (const pid of [e.makerPlayerId, e.takerPlayerId]) {
      const p = by.get(pid);
      if (!p || side(e, pid) !== (p.s.role === "buyer" ? "buy" : "sell")) continue;
      for (let i = 0; i < e.qty && p.out.traded < p.s.units.length; i++) {
        const unit = p.s.units[p.out.traded]!;
        p.out.surplus += p.s.role === "buyer" ? unit - money : money - unit;
        p.out.traded += 1;
      }
    }
  }
  const players = [...by.values()].map((p) => p.out);
  const realized = players.reduce((a, p) => a + p.surplus, 0);
  const { demand, supply } = curves(schedules);
  const { maxSurplus } = equilibrium(demand, supply);
  return {
    players,
    realized,
    maxSurplus,
    efficiencyBps: maxSurplus > 0 ? Math.floor((10_000 * realized) / maxSurplus) : 0,
  };
}
