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
 * - the stop notice (`stopTriggerText`, drawn by drawStopNote): one of the player's stops triggered
 *   (PlayerState.stopTriggers), with its kind, the price that reached it and the order it sent.
 *
 * Units: money in minor units.
 */
import { $, setHtml } from "./dom.ts";
import { esc, px } from "./format.ts";
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

/** What a stop trigger notice reads (PlayerState.stopTriggers; lots, ticks). */
export interface StopTriggerFigures {
  side: string;
  /** "stop" (stop-loss) or "take_profit". */
  kind: string;
  qty: number;
  stopPrice: number;
  triggerPrice: number;
  /** "" = the order was sent; else the code that refused it. */
  rejected?: string;
}

/**
 * The notice of a stop that triggered (or was reached but its order refused: `rejected`), e.g. "Your stop-loss on ACME triggered: the price reached 94.50
 * (stop 95.00), so a market order to sell 10 lots was sent." Prices shown with the security's tick size.
 */
export function stopTriggerText(t: StopTriggerFigures, symbol: string, tickSize: string): string {
  const what = t.kind === "take_profit" ? "take-profit" : "stop-loss";
  const lots = t.qty === 0 ? "" : ` ${t.qty} lot${t.qty === 1 ? "" : "s"}`;
  if (t.rejected)
    return (
      `Your ${what} on ${symbol} was reached at ${px(t.triggerPrice, tickSize)} (stop ${px(t.stopPrice, tickSize)}), ` +
      `but its order to ${t.side}${lots} was refused (${t.rejected}): the stop is gone and your position is still open.`
    );
  return (
    `Your ${what} on ${symbol} triggered: the price reached ${px(t.triggerPrice, tickSize)} (stop ${px(t.stopPrice, tickSize)}), ` +
    `so an order to ${t.side}${lots} was sent to the market. See your fills and positions.`
  );
}

/** The stop notice's element (beside the margin banner). */
export const STOP_NOTE_HTML = `<div id="stop-note" class="banner stop-note" role="status" hidden><span id="stop-note-text"></span> <button type="button" id="stop-note-close" class="ghost small">Close</button></div>`;

const stopSeenKey = (gameId: string) => `marketroom.stopTriggerSeen.${gameId}`;

/**
 * Shows the newest stop trigger of the player (`me.stopTriggers`) whose seq is above the last one the
 * player closed (sessionStorage), else hides the notice. Rounds of both modes (stops exist in both).
 */
export function drawStopNote(root: HTMLElement, st: any, me: any, gameId: string): void {
  const note = root.querySelector<HTMLElement>("#stop-note");
  if (!note) return;
  const last = me?.stopTriggers ? [...me.stopTriggers].at(-1) : undefined;
  const seen = Number(sessionStorage.getItem(stopSeenKey(gameId)) ?? 0);
  if (!last || last.seq <= seen) {
    note.hidden = true;
    return;
  }
  const sec = st?.securities?.get?.(String(last.securityId));
  note.dataset.seq = String(last.seq);
  note.className = `banner stop-note ${last.kind === "take_profit" ? "take-profit" : "stop-loss"}`;
  setHtml(
    $(root, "#stop-note-text"),
    esc(stopTriggerText(last, sec?.symbol ?? `#${last.securityId}`, sec?.tickSize ?? "1")),
  );
  note.hidden = false;
}

/** Closing the stop notice remembers its seq for this game (sessionStorage). */
export function wireStopNote(root: HTMLElement, gameId: string): void {
  root.querySelector("#stop-note-close")?.addEventListener("click", () => {
    const note = $(root, "#stop-note");
    sessionStorage.setItem(stopSeenKey(gameId), note.dataset.seq ?? "0");
    note.hidden = true;
  });
}
