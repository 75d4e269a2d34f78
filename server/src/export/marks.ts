/**
 * Marks: the price each security is valued at when a round is scored (docs/export.md).
 *
 *   mark = the security's last trade price in the round (the fill with the highest seq), or, when the
 *          security never traded, its reference price at the end of the round: the scenario's
 *          referenceAt(securityId, elapsedMs at the end) for scenario games, the game's refPrice otherwise,
 *          shifted by the log's news (docs/market.md, "News").
 *   equity = cash + sum over securities of (final qty x mark x scale), minor units.
 *   ranking: export/ranking.ts (P&L or return on starting value; bots apart, hidden or ranked).
 *
 * The game service scores the round with the same rule (service.doEnd), so leaderboard.csv equals the
 * PostgreSQL leaderboard. Units: ticks, lots, minor units, ms.
 */
import { MAX_PRICE_TICKS, type EngineEvent } from "@marketroom/shared";
import { getScenario } from "../market/scenarios.ts";

/** A logged headline's reference shifts (news event): from round running time `atMs` on. */
export interface NewsShifts { seq: number; atMs: number; shifts: readonly { securityId: number; bps: number }[] }

/** What the reference needs from a game's settings, plus the log's news. */
export interface ReferenceSettings {
  scenario: string | null;
  securities: { securityId: number; refPrice: number }[];
  /** The news events of the game's log, in seq order (none = no shifts). */
  news?: readonly NewsShifts[];
}

/**
 * One news shift of a reference price: round(ref x (10000 + bps) / 10000), half up, in integer math
 * (exact: ref <= 10^9 ticks and 10000 + bps <= 20000 keep every product below 2^53), kept within
 * 1..MAX_PRICE_TICKS; a reference of 0 (none) stays 0.
 */
export function shiftReference(ref: number, bps: number): number {
  if (ref <= 0) return ref;
  const shifted = Math.floor((2 * ref * (10_000 + bps) + 10_000) / 20_000);
  return Math.min(MAX_PRICE_TICKS, Math.max(1, shifted));
}

/** `ref` of one security after every news shift with atMs <= elapsedMs, applied in seq order. */
export function applyNewsShifts(ref: number, securityId: number, news: readonly NewsShifts[] | undefined, elapsedMs: number): number {
  for (const n of news ?? []) {
    if (n.atMs > elapsedMs) continue;
    for (const sh of n.shifts) if (sh.securityId === securityId) ref = shiftReference(ref, sh.bps);
  }
  return ref;
}

/** The news events of a log (any order) as NewsShifts, by seq. */
export function newsShiftsOf(events: Iterable<EngineEvent | { type: string; seq: number; atMs?: number; shifts?: NewsShifts["shifts"] }>): NewsShifts[] {
  const out: NewsShifts[] = [];
  for (const e of events) {
    if (e.type !== "news") continue;
    const n = e as { seq: number; atMs?: number; shifts?: NewsShifts["shifts"] };
    out.push({ seq: Number(n.seq), atMs: Number(n.atMs ?? 0), shifts: n.shifts ?? [] });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Reference price of every security of the game at `elapsedMs` of running time, ticks: the scenario's
 * referenceAt (default scenario options, as the service builds it) when the game has a scenario that
 * knows the security, else the security's refPrice; then shifted by every news of `s.news` announced
 * at or before `elapsedMs` (shiftReference, cumulative, in seq order).
 */
export function referencesAt(s: ReferenceSettings, elapsedMs: number): Map<number, number> {
  const sc = s.scenario ? getScenario(s.scenario) : undefined;
  const out = new Map<number, number>();
  for (const sec of s.securities) {
    let ref = sec.refPrice;
    if (sc && sc.securities.some((x) => x.securityId === sec.securityId)) ref = sc.referenceAt(sec.securityId, Math.max(0, elapsedMs));
    out.set(sec.securityId, applyNewsShifts(ref, sec.securityId, s.news, elapsedMs));
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
