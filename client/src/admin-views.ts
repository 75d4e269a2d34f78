/**
 * The admin page's tables and panels drawn from HTTP views and the admin room state: the games list
 * (GET /api/games), the selected game's head (GET /api/games/:id), its export buttons, and the live
 * players and market tables (prices in ticks shown in the security's tick size, cash in minor units).
 */
import { cash, clock, esc, px, qty, signClass, signedCash } from "./format.ts";
import { EXPORT_FILES } from "./export.ts";
import { rulesText } from "./admin-rules-text.ts";

/** The games list, `selectedId`'s row marked, with replay, projector and report links. */
export function gamesTableHtml(games: any[], selectedId: string | null): string {
  return games.length
    ? `<table><thead><tr><th>Game</th><th>Phase</th><th title="the round's own code; a session's round: students use the session code">Round code</th><th>Players</th><th>Bots</th><th></th></tr></thead><tbody>${games
        .map(
          (g: any) =>
            `<tr data-game="${esc(g.gameId)}" class="${g.gameId === selectedId ? "selected" : ""}"><td><b>${esc(g.name)}</b><br><span class="muted small">${esc(g.gameId)}</span></td><td><span class="phase-badge ${esc(g.phase)}">${esc(g.phase)}</span></td><td class="code">${esc(g.joinCode)}</td><td class="num">${g.players}</td><td class="num">${g.bots}</td><td><a href="#replay/${encodeURIComponent(g.gameId)}" class="replay-link" title="Replay this round">Replay</a> · <a href="#/projector/${encodeURIComponent(g.gameId)}?code=${encodeURIComponent(g.joinCode)}" target="_blank" class="projector-link" title="Classroom screen: join code, clock, prices, leaderboard">Projector</a> · <a href="#/report/${encodeURIComponent(g.gameId)}" class="report-link" title="One-page results report (after the round)">Report</a></td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="muted">No games yet: create one.</p>`;
}

/** The selected game's head: name, phase, codes box (#codes), securities, endowment, duration, rules. */
export function gameHeadHtml(d: any): string {
  return `<h2>${esc(d.name)} <span class="phase-badge ${esc(d.phase)}" id="game-phase">${esc(d.phase)}</span></h2>
      <div id="codes"></div>
      <p class="muted small">${esc(d.gameId)}${d.scenario ? ` · scenario ${esc(d.scenario)}` : ""}</p>
      <p class="muted small">Securities: ${d.securities.map((s: any) => `${esc(s.symbol)} (ref ${px(s.refPrice, s.tickSize)})`).join(", ")} · endowment ${cash(d.endowment.cash)} cash${d.endowment.holdings?.length ? ` + ${qty(d.endowment.holdings[0].qty)} lots each` : ""}${d.durationSec ? ` · ${clock(d.durationSec * 1000)} round` : ""}</p>
      <p class="muted small" id="game-rules">${esc(rulesText(d.rules, d.securities))}</p>`;
}

/** Export buttons of a round: each file of GET /api/games/:id/export/:file, and all as a zip; enabled once `ended`. */
export function exportsHtml(ended: boolean): string {
  return `<p class="small muted">${
    ended
      ? "The round's data as files (docs/export.md): integer columns carry their unit (_ticks, _minor)."
      : "Available once the round has ended."
  }</p><div class="export-buttons">${EXPORT_FILES.map(
    (f) => `<button type="button" class="small" data-export="${f}"${ended ? "" : " disabled"}>${f}</button>`,
  ).join("")}
      <button type="button" class="small primary" data-export="zip"${ended ? "" : " disabled"}>All files (.zip)</button></div>`;
}

/** The players table of the admin room state (bots last); `driverCells` gives each row's group and seat cells. */
export function playersTableHtml(st: any, driverCells: (p: any) => string): string {
  const players = [...st.players.values()].sort(
    (a: any, b: any) => Number(a.bot) - Number(b.bot) || a.name.localeCompare(b.name),
  );
  return players.length
    ? `<table><thead><tr><th>Player</th><th>Online</th><th>Cash</th><th>Equity</th><th>P&amp;L</th><th>Orders</th><th>Group</th><th>Seat</th></tr></thead><tbody>${players
        .map(
          (p: any) =>
            `<tr><td>${esc(p.name)}${p.bot ? ` <span class="tag">bot</span>` : ""}</td><td>${p.bot ? "" : p.connected ? `<span class="dot on" title="connected"></span>` : `<span class="dot off" title="offline"></span>`}</td>
       <td class="num">${p.cash === undefined ? "" : cash(p.cash)}</td><td class="num">${p.equity === undefined ? "" : cash(p.equity)}</td>
       <td class="num ${signClass(p.pnl ?? 0)}">${p.pnl === undefined ? "" : signedCash(p.pnl)}</td><td class="num">${p.orders ? qty(p.orders.size) : ""}</td>${driverCells(p)}</tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="muted">Nobody has joined yet.</p>`;
}

/** The market table of the admin room state: best bid / ask, last, volume and reference per security. */
export function marketTableHtml(st: any): string {
  const secs = [...st.securities.values()].sort((a: any, b: any) => a.securityId - b.securityId);
  return `<table><thead><tr><th>Sec</th><th>Bid</th><th>Ask</th><th>Last</th><th>Volume</th><th>Ref</th></tr></thead><tbody>${secs
    .map(
      (s: any) =>
        `<tr><td>${esc(s.symbol)}</td><td class="num buy-text">${px(s.bids[0]?.price ?? 0, s.tickSize)}</td><td class="num sell-text">${px(s.asks[0]?.price ?? 0, s.tickSize)}</td><td class="num">${px(s.lastPrice, s.tickSize)}</td><td class="num">${qty(s.volume)}</td><td class="num muted">${px(s.refPrice, s.tickSize)}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}
