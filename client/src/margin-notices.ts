/**
 * Margin notices in plain words for the player (docs/margin.md "Liquidation"; docs/client.md "Margin
 * rounds"), one builder per notice code in MARGIN_NOTICES, with money as "$1,234.56" as notices.ts does
 * for rejections:
 *
 * - `margin_low`: the account's free margin is below zero (equity under the initial margin its positions
 *   and orders use) but above the maintenance requirement: orders that add risk are refused, and a
 *   further loss liquidates;
 * - `margin_call`: the core's margin_call (PlayerState.marginCalls: equity and maintenance then): the
 *   player was liquidated in that command (orders and stops cancelled, positions closed in the book or
 *   taken over by the house at the mark, a deficit covered by the insurance fund).
 *
 * Units: money in minor units.
 */
import { money } from "./notices.ts";

/** The figures a margin notice reads (minor units). */
export interface MarginFigures {
  equity: number;
  /** Initial margin in use (margin_low). */
  usedMargin?: number;
  /** The maintenance requirement (below it: liquidation). */
  maintenance: number;
}

export type MarginNoticeCode = "margin_low" | "margin_call";

/** Every margin notice code -> its sentence. */
export const MARGIN_NOTICES: Record<MarginNoticeCode, (m: MarginFigures) => string> = {
  margin_low: (m) =>
    `Margin warning: your equity ${money(m.equity)} is below the margin your positions and orders use (${money(m.usedMargin ?? 0)}). ` +
    `Orders that add to your positions are refused. If your equity falls below ${money(m.maintenance)} (the maintenance margin), all your positions are closed.`,
  margin_call: (m) =>
    `You were liquidated: your equity ${money(m.equity)} fell below the maintenance margin ${money(m.maintenance)}. ` +
    `All your open orders and stops were cancelled and your positions were closed at market (what the book could not take, the house took at the mark price). Your cash does not go below $0.00.`,
};

/** The notice of the account as it stands: margin_low when free margin < 0 and equity >= maintenance, else null. */
export function marginStateNotice(m: { equity: number; usedMargin: number; maintenance: number }): string | null {
  return m.equity < m.usedMargin && m.equity >= m.maintenance && m.maintenance > 0
    ? MARGIN_NOTICES.margin_low(m)
    : null;
}
