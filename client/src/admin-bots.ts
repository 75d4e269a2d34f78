/**
 * The admin game panel's "Bots" card: the add-bots form and the bots table, per bot its kind, orders
 * placed / cancelled / rejected (GET /api/games/:id/bots, the bot's own counters in the server process)
 * and its fills (trades in the room's leaderboard), with Switch off / on.
 */
import { esc, qty } from "./format.ts";
import { botKindOptionsHtml } from "./bot-fields.ts";

/** The card: table #bots, form #bot-form (kind, count). */
export const BOTS_CARD_HTML = `      <section class="card"><h2>Bots</h2><div id="bots"></div>
        <form id="bot-form" class="inline">
          <select name="kind">${botKindOptionsHtml()}</select>
          <input name="count" type="number" min="1" max="200" value="1" aria-label="count">
          <button type="submit">Add bots</button>
        </form>
      </section>`;

/** Fills per player id from the admin room state's leaderboard; empty while the state is not `gameId`'s. */
export function botFills(st: any, gameId: string | null): Map<string, number> {
  const fills = new Map<string, number>();
  if (st?.leaderboard && st.gameId === gameId) for (const l of st.leaderboard) fills.set(l.playerId, l.trades ?? 0);
  return fills;
}

/** The bots table of `list` (GET .../bots), with each bot's fills from `fills`. */
export function botsTableHtml(list: any[], fills: Map<string, number>): string {
  return list.length
    ? `<table><thead><tr><th>Bot</th><th>Kind</th><th title="orders the bot placed">Placed</th><th title="orders the bot cancelled">Cancelled</th><th title="orders refused by the market">Rejected</th><th title="fills the bot took part in">Fills</th><th></th></tr></thead><tbody>${list
        .map(
          (b: any) =>
            `<tr data-bot-row="${esc(b.playerId)}"><td>${esc(b.name)}</td><td>${esc(b.kind)}${b.enabled === false ? ` <span class="tag">off</span>` : ""}</td><td class="num placed">${qty(b.placed)}</td><td class="num">${qty(b.cancelled ?? 0)}</td><td class="num">${qty(b.rejected)}</td><td class="num fills">${qty(fills.get(b.playerId) ?? 0)}</td><td>${
              b.enabled === false
                ? `<button type="button" class="ghost small" data-bot="${esc(b.playerId)}" data-on="1">Switch on</button>`
                : `<button type="button" class="ghost small" data-bot="${esc(b.playerId)}">Switch off</button>`
            }</td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="muted">No bots.</p>`;
}
