/**
 * The house's quote of a CFD security (docs/margin.md "CFD securities"): bid = reference - halfSpread,
 * ask = reference + halfSpread, in ticks, the bid at least 1. No quote (0, 0) while the security has no
 * reference, or for a book security.
 */
import type { SecurityState } from "./state.ts";

export interface Quote {
  bid: number;
  ask: number;
}

export function quoteOf(sec: Pick<SecurityState, "kind" | "reference" | "halfSpread">): Quote {
  if (sec.kind !== "cfd" || sec.reference <= 0) return { bid: 0, ask: 0 };
  return { bid: Math.max(1, sec.reference - sec.halfSpread), ask: sec.reference + sec.halfSpread };
}
