/**
 * The mark price of a security, computed once here for the core (margin checks, liquidation, stops
 * that trigger on the mark); docs/margin.md "Mark price". Units: ticks; 0 = no price known.
 *
 *   "reference"  = the security's reference price (reference_price events, or its starting reference),
 *                  or its last trade while it has no reference;
 *   "last_trade" = its last trade price, or its reference while it never traded;
 *   "mid"        = floor((best bid + best ask) / 2) while both sides have orders, else as "last_trade".
 * A CFD security (cfd-order.ts) is always marked at its reference: the house's quote is centred on it.
 */
import { bestPrice } from "./matching/match.ts";
import type { MarkRuleName, SecurityState } from "./state.ts";

export function markOf(sec: SecurityState, rule: MarkRuleName): number {
  if (sec.kind === "cfd") return sec.reference > 0 ? sec.reference : sec.lastPrice;
  if (rule === "reference") return sec.reference > 0 ? sec.reference : sec.lastPrice;
  if (rule === "mid") {
    const bid = bestPrice(sec.book, "buy");
    const ask = bestPrice(sec.book, "sell");
    if (bid !== undefined && ask !== undefined) return Math.floor((bid + ask) / 2);
  }
  return sec.lastPrice > 0 ? sec.lastPrice : sec.reference;
}
