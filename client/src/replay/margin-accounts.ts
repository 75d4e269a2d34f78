/**
 * The replay's margin accounts card (docs/margin.md "Replay"): at the replay's seq, the insurance fund's
 * balance and each account the viewer may see (GET .../replay/margin: the admin every player, a player
 * their own, a shared link none) with equity, used and free margin, and per position its quantity,
 * entry price, mark and liquidation price. The server folds the log through the core and computes the
 * accounts with the live room's function (server/src/replay/margin.ts); this module only renders them.
 * Money in minor units (shown as $), prices in ticks (shown with the security's tick size), lots.
 */
import { esc, px, qty, signClass, signedCash } from "../format.ts";
import { money as cash } from "../notices.ts";

/** What the card needs of the securities: symbol and tick size by id. */
export type SecNames = Map<number, { symbol: string; tickSize: string }>;

/** The card's HTML for one MarginReplayView; `follow` = the followed player's id (row highlighted). */
export function marginAccountsHtml(view: any, secs: SecNames, follow: string): string {
  const sym = (id: number) => secs.get(id)?.symbol ?? `#${id}`;
  const price = (id: number, p: number) => (p > 0 ? px(p, secs.get(id)?.tickSize ?? "1") : "—");
  const fundPositions = (view.fund.positions as any[])
    .filter((p) => p.qty !== 0)
    .map((p) => `${p.qty > 0 ? "long" : "short"} ${qty(Math.abs(p.qty))} ${esc(sym(p.securityId))}`)
    .join(", ");
  const fund = `<p class="fund">Insurance fund <b class="num" id="r-fund-cash">${cash(view.fund.cash)}</b>${fundPositions ? ` · holds ${fundPositions}` : ""}</p>`;
  const accounts = view.accounts as any[];
  if (!accounts.length) return `${fund}<p class="muted">No account to show here.</p>`;
  return `${fund}<table class="margin-accounts"><thead><tr><th>Player</th><th>Equity</th><th>Used margin</th><th>Free margin</th><th>Positions (entry → liquidation)</th></tr></thead><tbody>${accounts
    .map((a) => {
      const pos = (a.positions as any[]).length
        ? (a.positions as any[])
            .map(
              (p) =>
                `<span class="position" data-sid="${p.securityId}">${p.qty > 0 ? "long" : "short"} ${qty(Math.abs(p.qty))} ${esc(sym(p.securityId))} @ <span class="num entry">${price(p.securityId, p.entryPrice)}</span> → <span class="num liq">${price(p.securityId, p.liquidationPrice)}</span> <span class="num ${signClass(p.unrealizedPnl)}">${signedCash(p.unrealizedPnl)}</span></span>`,
            )
            .join("<br>")
        : `<span class="muted">flat</span>`;
      return `<tr data-player="${esc(a.playerId)}" class="${a.playerId === follow ? "own" : ""}"><td>${esc(a.name)}</td><td class="num equity">${cash(a.equity)}</td><td class="num used">${cash(a.usedMargin)}</td><td class="num free ${signClass(a.freeMargin)}">${cash(a.freeMargin)}</td><td class="small">${pos}</td></tr>`;
    })
    .join("")}</tbody></table>`;
}
