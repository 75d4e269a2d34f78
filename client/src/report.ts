/**
 * One-page results report of a round for the teacher (issue 16; docs/client.md "Results report"):
 * `#/report/<gameId>`, with the admin token the admin view keeps in sessionStorage. It shows the round's
 * settings, the final leaderboard (the server's ranking: scoring/ranking.ts), one price chart per security
 * (trade prices and the reference path, drawn as SVG so it prints sharp) with its volume and fills count, and
 * a per-player table (P&L, return, fees, trades, points). A `@media print` stylesheet (style.css, "report")
 * fits it on one or two A4/Letter pages; the Print button calls window.print().
 *
 * Data: GET /api/games/:id and /leaderboard, and the round's export files fills.csv and reference.csv
 * (GET /api/games/:id/export/:file, so the round must have ended with its results written; before the
 * round has ended the page says so and asks for nothing else, notEndedHtml). Prices are the export's display columns; money is formatted from minor units.
 */
import { api, errorText } from "./api.ts";
import { $, setHtml } from "./dom.ts";
import { fetchExport } from "./export.ts";
import { cash, decimalsOf, esc, px, qty, signClass, signedCash } from "./format.ts";
import { leaderboardTable, pct, pointsRuleText } from "./leaderboard-table.ts";
import { drawShareReplay } from "./share.ts";
import { fundamentalPoints, loadMarketExtras, marketResultsHtml, type MarketExtras } from "./market-results.ts";

const TOKEN_KEY = "marketroom.admin";

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes) into objects keyed by the header. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [],
    field = "",
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [head, ...body] = rows;
  return body
    .filter((r) => r.length > 1 || r[0])
    .map((r) => Object.fromEntries((head ?? []).map((h, i) => [h, r[i] ?? ""])));
}

/** A point of a chart: x in ms since the round's start, y a price. */
interface Pt {
  x: number;
  y: number;
}

/**
 * An SVG line chart of trade prices (solid, dots) and the reference (dashed), with min/max price labels
 * (`decimals` = the tick size's; display only).
 * Pure markup, so it prints as vectors.
 */
export function priceSvg(trades: Pt[], refs: Pt[], decimals = 2, w = 340, hgt = 130): string {
  const all = [...trades, ...refs];
  if (!all.length) return `<p class="muted">No trades and no reference.</p>`;
  const xMax = Math.max(1, ...all.map((p) => p.x));
  let yMin = Math.min(...all.map((p) => p.y)),
    yMax = Math.max(...all.map((p) => p.y));
  if (yMax === yMin) {
    yMax += 1;
    yMin -= 1;
  }
  const L = 44,
    T = 6,
    W = w - L - 6,
    H = hgt - T - 18;
  const X = (x: number) => (L + (x / xMax) * W).toFixed(1),
    Y = (y: number) => (T + (1 - (y - yMin) / (yMax - yMin)) * H).toFixed(1);
  const path = (ps: Pt[]) => ps.map((p, i) => `${i ? "L" : "M"}${X(p.x)},${Y(p.y)}`).join(" ");
  const mins = (ms: number) =>
    `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}`;
  return `<svg class="rep-svg" viewBox="0 0 ${w} ${hgt}" width="${w}" height="${hgt}" role="img" aria-label="price chart">
    <rect x="${L}" y="${T}" width="${W}" height="${H}" fill="none" stroke="#cbd5e1"/>
    <text x="${L - 4}" y="${T + 8}" text-anchor="end" class="ax">${esc(yMax.toFixed(decimals))}</text><text x="${L - 4}" y="${T + H}" text-anchor="end" class="ax">${esc(yMin.toFixed(decimals))}</text>
    <text x="${L}" y="${hgt - 4}" class="ax">0:00</text><text x="${L + W}" y="${hgt - 4}" text-anchor="end" class="ax">${mins(xMax)}</text>
    ${refs.length ? `<path d="${path(refs)}" fill="none" stroke="#6366f1" stroke-width="1.2" stroke-dasharray="4 3" class="ref-line"/>` : ""}
    ${trades.length ? `<path d="${path(trades)}" fill="none" stroke="#0f172a" stroke-width="1.2" class="trade-line"/>${trades.length <= 200 ? trades.map((p) => `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="1.6" fill="#0f172a"/>`).join("") : ""}` : ""}
  </svg>`;
}

/** Mounts the report for the game in the URL (`#/report/<gameId>`). */
export function mountReport(root: HTMLElement): void {
  const m = /^#\/?report\/([^?]+)/.exec(location.hash);
  const gameId = m ? decodeURIComponent(m[1]!) : "";
  const token = sessionStorage.getItem(TOKEN_KEY) ?? "";
  setHtml(
    root,
    `<div class="report"><p class="no-print"><a href="#/admin">← Admin</a> <button type="button" id="rep-print">Print</button></p><div id="rep-share" class="no-print"></div><div id="rep-body"><p class="muted">Loading…</p></div></div>`,
  );
  $(root, "#rep-print").addEventListener("click", () => window.print());
  if (!token) {
    setHtml(
      $(root, "#rep-body"),
      `<p>Sign in on the <a href="#/admin">admin page</a> first: the report needs the admin token.</p>`,
    );
    return;
  }
  // The report exists only for an ended round (it reads the export), so the link can be offered at once.
  drawShareReplay($(root, "#rep-share"), gameId, token, true);
  load(gameId, token).then(
    (html) => setHtml($(root, "#rep-body"), html),
    (err) => setHtml($(root, "#rep-body"), `<p class="msg reject" id="rep-error">${esc(errorText(err))}</p>`),
  );
}

async function load(gameId: string, token: string): Promise<string> {
  const enc = encodeURIComponent(gameId);
  const g = await api<any>("GET", `/api/games/${enc}`, undefined, token);
  // The export answers 409 until the round has ended: say so in words instead of asking for it.
  if (g.phase !== "ended") return notEndedHtml(g);
  const [lb, fillsText, refText] = await Promise.all([
    api<any>("GET", `/api/games/${enc}/leaderboard`, undefined, token),
    fetchExport(gameId, "fills.csv", token),
    fetchExport(gameId, "reference.csv", token),
  ]);
  return reportHtml(g, lb.leaderboard, parseCsv(fillsText), parseCsv(refText), await loadMarketExtras(g, token));
}

/** What the report page says for a round that has not ended yet (`g`: the game detail, with `name` and `phase`). */
export function notEndedHtml(g: { name?: string; phase?: string }): string {
  return `<p id="rep-not-ended">The report of <b>${esc(g.name ?? "")}</b> is ready once the round has ended (it is
    ${esc(g.phase ?? "not ended")} now). End it on the <a href="#/admin">admin page</a>, then open this report again.</p>`;
}

/**
 * The report's markup from the game detail, its final leaderboard, the export's fills and reference rows,
 * and the market type's results (market-results.ts: for a dividend round the reference line is the
 * fundamental value).
 */
export function reportHtml(
  g: any,
  board: any[],
  fills: Record<string, string>[],
  refs: Record<string, string>[],
  market: MarketExtras = {},
): string {
  const r = g.rules ?? {};
  const start = g.startedAt || Number(fills[0]?.ts ?? 0);
  const secs = (g.securities ?? []) as any[];
  const secCards = secs
    .map((s) => {
      const mine = fills.filter((f) => Number(f.security_id) === s.securityId);
      const trades = mine.map((f) => ({ x: Math.max(0, Number(f.ts) - start), y: Number(f.price) }));
      const path = market.fundamental
        ? fundamentalPoints(g, market.fundamental, s.tickSize, s.scale ?? 1)
        : refs
            .filter((x) => Number(x.security_id) === s.securityId)
            .map((x) => ({ x: Number(x.elapsed_ms), y: Number(x.reference) }));
      const volume = mine.reduce((n, f) => n + Number(f.qty), 0);
      const last = mine.at(-1)?.price ?? "—";
      return `<div class="rep-sec" data-sec="${s.securityId}"><h3>${esc(s.symbol)} <span class="muted small">last ${esc(last)} · <span class="rep-fills">${qty(mine.length)} fills</span> · <span class="rep-volume">${qty(volume)} lots</span></span></h3>${priceSvg(trades, path, decimalsOf(s.tickSize))}
      <p class="small muted legend"><span class="key trade"></span> trades <span class="key ref"></span> ${market.fundamental ? "fundamental value" : "reference"}</p></div>`;
    })
    .join("");
  const humans = board.filter((l) => !l.bot);
  const settings: [string, string][] = [
    ["Round", `${g.name} (${g.gameId})`],
    ["Started", g.startedAt ? new Date(g.startedAt).toLocaleString() : "—"],
    ["Length", g.durationSec ? `${Math.round((g.durationSec / 60) * 10) / 10} min` : "open-ended"],
    ["Players", `${humans.length} students, ${board.length - humans.length} bots`],
    [
      "Endowment",
      `${cash(g.endowment?.cash ?? 0)}${(g.endowment?.holdings ?? []).map((h: any) => ` + ${h.qty} ${secs.find((s) => s.securityId === h.securityId)?.symbol ?? h.securityId}`).join("")}`,
    ],
    [
      "Securities",
      secs.map((s) => `${s.symbol} (tick ${s.tickSize}, opening ${px(s.refPrice, s.tickSize)})`).join(", "),
    ],
    [
      "Scoring",
      `ranked by ${r.rankBy === "return" ? "return on starting value" : "P&L"}; bots ${r.bots === "hidden" ? "hidden from players" : r.bots === "ranked" ? "ranked with students" : "listed apart, not ranked"}; marks at ${r.mode === "margin" ? `the margin round's one mark (${String(r.markRule ?? "last_trade").replace("_", " ")}, as the round ended)` : r.markPrice === "reference" ? "closing reference" : "last trade"}`,
    ],
    [
      "Rules",
      `short selling ${r.allowShort ? "allowed" : "not allowed"}${r.grossLimit ? `, gross limit ${r.grossLimit}` : ""}${r.netLimit ? `, net limit ${r.netLimit}` : ""}`,
    ],
  ];
  const points = r.coursePoints
    ? pointsRuleText({
        pointsBase: r.coursePoints.base,
        pointsPer: r.coursePoints.per,
        pointsMin: r.coursePoints.min,
        pointsMax: r.coursePoints.max,
      })
    : "";
  if (points) settings.push(["Course points", points]);
  const boardRules = { rankBy: r.rankBy, bots: r.bots, pointsPer: r.coursePoints?.per ?? 0 };
  const shown = r.bots === "hidden" ? humans : board;
  const perPlayer = `<table class="rep-players"><thead><tr><th>#</th><th>Player</th><th>P&amp;L</th><th>Return</th><th>Fees</th><th>Trades</th>${points ? "<th>Points</th>" : ""}</tr></thead><tbody>${board
    .map(
      (l) =>
        `<tr data-player="${esc(l.playerId)}"><td class="num">${l.ranked === false ? "–" : l.rank}</td><td>${esc(l.name)}${l.bot ? ` <span class="tag">bot</span>` : ""}</td><td class="num ${signClass(l.pnl)}">${signedCash(l.pnl)}</td><td class="num">${pct(l.returnBps ?? 0)}</td><td class="num">${cash(l.fees)}</td><td class="num">${qty(l.trades)}</td>${points ? `<td class="num">${l.points ?? ""}</td>` : ""}</tr>`,
    )
    .join("")}</tbody></table>`;
  return `<article class="rep-page">
    <h1>Results: ${esc(g.name)}</h1>
    <section class="rep-settings"><h2>Round settings</h2><dl class="kv">${settings.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl></section>
    <section class="rep-charts"><h2>Prices</h2><div class="rep-secs">${secCards}</div></section>
    ${marketResultsHtml(market, new Map(board.map((l) => [l.playerId, l.name])))}
    <section class="rep-board"><h2>Final leaderboard</h2>${leaderboardTable(shown.slice(0, 15), undefined, true, boardRules)}${shown.length > 15 ? `<p class="small muted">Top 15 of ${shown.length}; every player below.</p>` : ""}</section>
    <section class="rep-table"><h2>Players</h2>${perPlayer}</section>
    <p class="small muted">marketroom · printed ${esc(new Date().toLocaleString())} · P&amp;L = equity at the marks − starting value at the opening prices (docs/export.md).</p>
  </article>`;
}
