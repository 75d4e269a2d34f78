/**
 * The replay's liquidation rows (docs/margin.md "Liquidation"; docs/replay.md): the log's margin_call,
 * liquidation_order and fund_transfer events up to the replay's seq, newest first, as sentences. Money
 * in minor units (shown as $), prices in ticks (shown with the security's tick size), quantities in lots.
 * Player ids are shown by name when the replay lists the players (not on a shared viewer link: "a player").
 */
import { esc, px, qty, time } from "../format.ts";
import { money as cash } from "../notices.ts";

/** The events this module shows. */
export const MARGIN_EVENT_TYPES = new Set(["margin_call", "liquidation_order", "fund_transfer"]);

export interface MarginRowContext {
  /** Player id -> display name. */
  names: Map<string, string>;
  /** Security id -> symbol and tick size. */
  secs: Map<number, { symbol: string; tickSize: string }>;
}

/** One margin event in plain words (unknown types give ""). */
export function marginEventText(e: any, ctx: MarginRowContext): string {
  const who = ctx.names.get(e.playerId) ?? "a player";
  const sec = ctx.secs.get(e.securityId);
  const sym = sec?.symbol ?? `#${e.securityId}`;
  const price = (p: number) => px(p, sec?.tickSize ?? "1");
  switch (e.type) {
    case "margin_call":
      return `Margin call: ${who}'s equity ${cash(e.equity)} fell below the maintenance margin ${cash(e.maintenance)}; their orders and stops are cancelled and their positions closed.`;
    case "liquidation_order":
      return `Liquidation order: ${who} ${e.side === "sell" ? "sells" : "buys"} ${qty(e.qty)} ${sym} at market (order #${e.orderId}).`;
    case "fund_transfer":
      if (e.securityId === 0) return `Insurance fund: covers ${who}'s negative balance with ${cash(e.cash)}.`;
      return `Insurance fund: takes over ${who}'s ${e.qty > 0 ? "long" : "short"} of ${qty(Math.abs(e.qty))} ${sym} at the mark ${price(e.price)} (${e.cash >= 0 ? `${cash(e.cash)} to ${who}` : `${cash(-e.cash)} from ${who}`}).`;
    default:
      return "";
  }
}

/** The rows' table (newest first, at most `limit`), or a muted line when there are none up to seq. */
export function marginEventsHtml(events: any[], ctx: MarginRowContext, limit = 50): string {
  const rows = events
    .filter((e) => MARGIN_EVENT_TYPES.has(e.type))
    .reverse()
    .slice(0, limit);
  if (!rows.length) return `<p class="muted">No margin calls or liquidations up to this point.</p>`;
  return `<table class="margin-events"><thead><tr><th>Time</th><th>Seq</th><th>What happened</th></tr></thead><tbody>${rows
    .map(
      (e) =>
        `<tr class="${e.type.replace(/_/g, "-")}" data-seq="${e.seq}"><td class="muted">${time(e.ts)}</td><td class="num muted">${e.seq}</td><td>${esc(marginEventText(e, ctx))}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}
