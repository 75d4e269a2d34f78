/**
 * The player's own panel (the "Account" card), drawn from the private state (shared/src/state.ts
 * PlayerState, laid onto the room state by attachPrivateState): cash, equity, P&L and its parts, fees,
 * trades, return, course points and rank; the positions table (each valued at its mark: in a margin round
 * the round's one mark, docs/margin.md "One mark", else the last trade or the reference); the open orders
 * (with their cancel buttons) and the last fills. Money in minor units (shown as $), prices in ticks, lots.
 */
import { $, setHtml } from "./dom.ts";
import { cash, esc, px, qty, signClass, signedCash, time } from "./format.ts";
import { pnlHelpHtml } from "./help.ts";
import { pct, pointsRuleText, rankText } from "./leaderboard-table.ts";

/** Draws the account, positions, open orders and fills of `playerId` (`me`); `secs` sorted by id. */
export function drawAccount(r: HTMLElement, st: any, me: any, secs: any[], playerId: string, margin: boolean): void {
  if (!(me && me.cash !== undefined && me.positions && me.orders && me.fills)) return;
  const rank = [...st.leaderboard].find((l: any) => l.playerId === playerId);
  setHtml(
    $(r, "#account"),
    `<dl class="kv">
    <dt>Cash</dt><dd class="num" id="my-cash">${cash(me.cash)}</dd>
    <dt>Locked cash</dt><dd class="num">${cash(me.cashLocked)}</dd>
    <dt>Equity</dt><dd class="num">${cash(me.equity)}</dd>
    <dt>P&amp;L <a href="#pnl-help" class="qmark" id="pnl-why" title="How is P&amp;L measured?">?</a></dt><dd class="num ${signClass(me.pnl)}" id="my-pnl">${signedCash(me.pnl)}</dd>
    <dt title="lots sold again (or bought back), first in first out">Realised</dt><dd class="num ${signClass(me.realizedPnl ?? 0)}" id="my-realized">${signedCash(me.realizedPnl ?? 0)}</dd>
    <dt title="lots still held, at today's price">Unrealised</dt><dd class="num ${signClass(me.unrealizedPnl ?? 0)}" id="my-unrealized">${signedCash(me.unrealizedPnl ?? 0)}</dd>
    <dt title="taker fees paid minus maker rebates">Fees</dt><dd class="num" id="my-fees">${cash(me.fees ?? 0)}</dd>
    <dt>Trades</dt><dd class="num" id="my-trades">${qty(me.trades ?? 0)}</dd>
    ${st.rules?.rankBy === "return" ? `<dt title="P&amp;L ÷ starting value">Return</dt><dd class="num ${signClass(me.returnBps ?? 0)}" id="my-return">${pct(me.returnBps ?? 0)}</dd>` : ""}
    ${st.rules?.pointsPer ? `<dt title="${esc(pointsRuleText(st.rules))}">Course points</dt><dd class="num" id="my-points">${me.points ?? 0}</dd>` : ""}
    <dt>Rank${st.rules?.rankBy === "return" ? " (by return)" : " (by P&amp;L)"}</dt><dd class="num" id="my-rank">${rankText(rank, [...st.leaderboard])}</dd></dl>
    ${st.rules?.pointsPer ? `<p class="small muted" id="points-rule">${esc(pointsRuleText(st.rules))}</p>` : ""}
`,
  );
  setHtml(
    $(r, "#pnl-help-box"),
    pnlHelpHtml(me.equity, me.pnl, st.rules?.markPrice ?? "last_trade", margin ? st.rules?.markRule : undefined),
  );
  const positions = secs
    .map((s: any) => {
      const p = me.positions.get(String(s.securityId));
      const q = p?.qty ?? 0,
        mark = (margin && s.mark) || s.lastPrice || s.refPrice;
      return `<tr data-sym="${esc(s.symbol)}"><td>${esc(s.symbol)}</td><td class="num holding">${qty(q)}</td><td class="num">${qty(p?.locked ?? 0)}</td><td class="num">${qty(p?.openBuy ?? 0)}</td><td class="num">${cash(q * mark * s.scale)}</td></tr>`;
    })
    .join("");
  setHtml(
    $(r, "#positions"),
    `<table><thead><tr><th>Security</th><th>Lots</th><th>Locked</th><th>On bids</th><th>Value</th></tr></thead><tbody>${positions}</tbody></table>`,
  );
  const orders = [...me.orders.values()].sort((a: any, b: any) => b.ts - a.ts);
  const symOf = (id: number) => st.securities.get(String(id));
  setHtml(
    $(r, "#orders"),
    orders.length
      ? `<table><thead><tr><th>Sec</th><th>Side</th><th>Price</th><th>Open</th><th>Qty</th><th></th></tr></thead><tbody>${orders
          .map((o: any) => {
            const s = symOf(o.securityId);
            return `<tr class="${o.side}"><td>${esc(s?.symbol ?? o.securityId)}</td><td class="side">${o.side}</td><td class="num">${px(o.price, s?.tickSize ?? "1")}</td><td class="num">${qty(o.amount)}</td><td class="num muted">${qty(o.qty)}</td>
      <td><button type="button" class="cancel" data-sec="${o.securityId}" data-oid="${o.orderId}" title="Cancel order ${o.orderId}">Cancel</button></td></tr>`;
          })
          .join("")}</tbody></table>`
      : `<p class="muted">No open orders.</p>`,
  );
  ($(r, "#cancel-all") as HTMLButtonElement).disabled = orders.length === 0;
  const fills = [...me.fills].sort((a: any, b: any) => b.seq - a.seq).slice(0, 30);
  setHtml(
    $(r, "#fills"),
    fills.length
      ? `<table><thead><tr><th>Time</th><th>Sec</th><th>Side</th><th>Price</th><th>Lots</th><th>Role</th></tr></thead><tbody>${fills
          .map((f: any) => {
            const s = symOf(f.securityId);
            return `<tr class="${f.side}"><td class="muted">${time(f.ts)}</td><td>${esc(s?.symbol ?? f.securityId)}</td><td class="side">${f.side}</td><td class="num">${px(f.price, s?.tickSize ?? "1")}</td><td class="num">${qty(f.qty)}</td><td class="muted">${f.role}</td></tr>`;
          })
          .join("")}</tbody></table>`
      : `<p class="muted">No fills yet.</p>`,
  );
}
