/**
 * The mark price of a security, computed once here for the core (margin checks, liquidation, stops
 * that trigger on the mark); docs/margin.md "Mark price". Units: ticks; 0 = no price known.
 *
 *   "reference"  = the security's reference price (reference_price events, or its starting reference),
 *                  or its last trade while it has no reference;
 *   "last_trade" = its last trade price, or its reference while it never traded;
 *   "mid"        = floor((best bid + best ask) / 2) while both sides have orders, else as "last_trade".
 * A CFD security (cfd-order.ts) is always marked at its reference: the house's quote is centred on it.
 * Once a margin round has ended the mark is its closing mark (closeMarks): the round end cancels every
 * open order, so a `mid` would otherwise fall to the last trade.
 */
import { bestPrice } from "./matching/match.ts";
import type { CoreState, MarkRuleName, SecurityState } from "./state.ts";

export function markOf(sec: SecurityState, rule: MarkRuleName): number {
  if (sec.closeMark > 0) return sec.closeMark;
  if (sec.kind === "cfd") return sec.reference > 0 ? sec.reference : sec.lastPrice;
  if (rule === "reference") return sec.reference > 0 ? sec.reference : sec.lastPrice;
  if (rule === "mid") {
    const bid = bestPrice(sec.book, "buy");
    const ask = bestPrice(sec.book, "sell");
    if (bid !== undefined && ask !== undefined) return Math.floor((bid + ask) / 2);
  }
  return sec.lastPrice > 0 ? sec.lastPrice : sec.reference;
}

/**
 * Fixes every security's closing mark (SecurityState.closeMark) at the round's end (evolve, phase_changed
 * to "ended"; margin mode only, where the mark values positions): the mark by the round's rule at that
 * moment, before the round end's cancellations empty the books. Mutates `state`.
 */
export function closeMarks(state: CoreState): void {
  const game = state.game;
  if (!game || game.mode !== "margin") return;
  for (const sec of state.securities.values()) if (sec.closeMark === 0) sec.closeMark = markOf(sec, game.markRule);
}
