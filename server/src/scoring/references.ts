/**
 * Reference prices: what a security is worth by the round's reference path at some running time
 * (docs/export.md, docs/market.md "News"): the scenario's referenceAt(securityId, elapsedMs) for
 * scenario games, the game's refPrice otherwise, shifted by the log's news. The marks built on them
 * (last trade or reference) are valued by core/valuation.ts. Units: ticks, ms.
 */
import { MAX_PRICE_TICKS, type EngineEvent } from "@marketroom/shared";
import { getScenario } from "../market/scenarios.ts";

/** A logged headline's reference shifts (news event): from round running time `atMs` on. */
export interface NewsShifts {
  seq: number;
  atMs: number;
  shifts: readonly { securityId: number; bps: number }[];
}

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
export function applyNewsShifts(
  ref: number,
  securityId: number,
  news: readonly NewsShifts[] | undefined,
  elapsedMs: number,
): number {
  for (const n of news ?? []) {
    if (n.atMs > elapsedMs) continue;
    for (const sh of n.shifts) if (sh.securityId === securityId) ref = shiftReference(ref, sh.bps);
  }
  return ref;
}

/** The news events of a log (any order) as NewsShifts, by seq. */
export function newsShiftsOf(
  events: Iterable<EngineEvent | { type: string; seq: number; atMs?: number; shifts?: NewsShifts["shifts"] }>,
): NewsShifts[] {
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
    if (sc && sc.securities.some((x) => x.securityId === sec.securityId))
      ref = sc.referenceAt(sec.securityId, Math.max(0, elapsedMs));
    out.set(sec.securityId, applyNewsShifts(ref, sec.securityId, s.news, elapsedMs));
  }
  return out;
}
