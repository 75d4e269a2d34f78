/**
 * Marks: the price each security is valued at when a round is scored (docs/export.md).
 *
 *   mark = the security's last trade price in the round (the fill with the highest seq), or, when the
 *          security never traded, its reference price at the end of the round: the scenario's
 *          referenceAt(securityId, elapsedMs at the end) for scenario games, the game's refPrice otherwise.
 *   equity = cash + sum over securities of (final qty x mark x scale), minor units.
 *   ranking: equity descending, ties by player id (plain code-unit order, no locale).
 *
 * The game service scores the round with the same rule (service.doEnd), so leaderboard.csv equals the
 * PostgreSQL leaderboard. Units: ticks, lots, minor units, ms.
 */
import { getScenario } from "../market/scenarios.ts";

/** What the reference needs from a game's settings. */
export interface ReferenceSettings {
  scenario: string | null;
  securities: { securityId: number; refPrice: number }[];
}

/**
 * Reference price of every security of the game at `elapsedMs` of running time, ticks: the scenario's
 * referenceAt (default scenario options, as the service builds it) when the game has a scenario that
 * knows the security, else the security's refPrice.
 */
export function referencesAt(s: ReferenceSettings, elapsedMs: number): Map<number, number> {
  const sc = s.scenario ? getScenario(s.scenario) : undefined;
  const out = new Map<number, number>();
  for (const sec of s.securities) {
    let ref = sec.refPrice;
    if (sc && sc.securities.some((x) => x.securityId === sec.securityId)) ref = sc.referenceAt(sec.securityId, Math.max(0, elapsedMs));
    out.set(sec.securityId, ref);
  }
  return out;
}

export type MarkSource = "last_trade" | "reference";
export interface Mark { securityId: number; markTicks: number; source: MarkSource; lastTradeSeq: number | null; referenceTicks: number }

/** Marks from the last trade per security (seq, price) and the references at the end. */
export function marksOf(securityIds: number[], lastTrades: Map<number, { seq: number; price: number }>, refs: Map<number, number>): Map<number, Mark> {
  const out = new Map<number, Mark>();
  for (const id of securityIds) {
    const t = lastTrades.get(id);
    const referenceTicks = refs.get(id) ?? 0;
    out.set(id, t
      ? { securityId: id, markTicks: t.price, source: "last_trade", lastTradeSeq: t.seq, referenceTicks }
      : { securityId: id, markTicks: referenceTicks, source: "reference", lastTradeSeq: null, referenceTicks });
  }
  return out;
}

/** Ranking order: equity descending, then player id ascending (code units). */
export function compareStanding(a: { equity: number; playerId: string }, b: { equity: number; playerId: string }): number {
  return b.equity - a.equity || (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0);
}
