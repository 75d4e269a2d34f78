/**
 * The leaderboard as the player, projector, admin and report pages draw it (pure HTML from the room
 * state's rows; money in minor units), with the scoring rule texts.
 */
import { cash, esc, qty, signClass, signedCash } from "./format.ts";

/** Leaderboard rows shown in the side card; the player's own row is pinned below them when lower. */
const BOARD_TOP_ROWS = 10;

/** Scoring rules as the room state carries them (RulesState; docs/rounds.md "Scoring"). */
export interface BoardRules {
  rankBy?: string;
  bots?: string;
  pointsBase?: number;
  pointsPer?: number;
  pointsMin?: number;
  pointsMax?: number;
}

/** A return in basis points as a percentage with two decimals, from integers ("+12.34 %"). */
export function pct(bps: number): string {
  const a = Math.abs(bps);
  return `${bps > 0 ? "+" : bps < 0 ? "−" : ""}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")} %`;
}

/** The course-points rule in words, or "" when the round sets none. */
export function pointsRuleText(r: BoardRules | undefined): string {
  if (!r?.pointsPer) return "";
  return `Course points = ${r.pointsBase ?? 0} + 1 per ${cash(r.pointsPer)} of P&L (rounded down), between ${r.pointsMin ?? 0} and ${r.pointsMax ?? 0}.`;
}

/** "3 of 12": the player's rank among the ranked rows, or "not ranked" for a bot listed apart. */
export function rankText(row: any, all: any[]): string {
  if (!row) return "—";
  if (row.ranked === false) return "not ranked";
  return `${row.rank} of ${all.filter((l) => l.ranked !== false).length}`;
}

/**
 * The leaderboard as a table (own row marked): rank, name, equity, P&L and its FIFO parts (realized,
 * unrealized), fees (taker fees - maker rebates) and trades; money in minor units from the room state.
 * `rules` (the room's RulesState) adds a Return column when the round ranks by return and a Points column
 * when it sets course points; bots the server lists apart (ranked = false) come after a "Bots (not ranked)"
 * row with "–" as their rank. `compact` (the player's narrow side card) keeps rank, name, equity, P&L and
 * trades, puts the P&L parts in the row's tooltip and shows the top BOARD_TOP_ROWS rows, then the player's
 * own row pinned under a "…" row when it ranks lower (so it is always visible without scrolling).
 */
export function leaderboardTable(all: any[], me?: string, compact = false, rules?: BoardRules): string {
  if (!all.length) return `<p class="muted">No players yet.</p>`;
  let rows = all,
    gap = -1,
    skippedRows = 0;
  if (compact && all.length > BOARD_TOP_ROWS) {
    rows = all.slice(0, BOARD_TOP_ROWS);
    const own = all.findIndex((l) => l.playerId === me);
    if (own >= BOARD_TOP_ROWS) {
      gap = rows.length;
      skippedRows = own - BOARD_TOP_ROWS;
      rows = [...rows, all[own]];
    }
  }
  const byReturn = rules?.rankBy === "return",
    points = !!rules?.pointsPer;
  const signed = (n: number, part = false) =>
    `<td class="num ${signClass(n)}${part ? " part" : ""}">${signedCash(n)}</td>`;
  const head = [
    ...(compact
      ? ["#", "Name", "Equity", "P&amp;L"]
      : ["#", "Name", "Equity", "P&amp;L", "Realized", "Unrealized", "Fees"]),
    ...(byReturn ? ["Return"] : []),
    ...(compact && (points || byReturn) ? [] : ["Trades"]),
    ...(points ? ["Points"] : []),
  ];
  // The narrow card has room for one extra column: Return or Points replace Trades there (trades stay in the tooltip).
  const tradesCol = head.includes("Trades");
  // Realized / Unrealized carry class "part": a phone hides them in the round-over panel (the row's tooltip and the "You finished" line keep them).
  const th = (h: string) => `<th${/ealized/.test(h) ? ` class="part"` : ""}>${h}</th>`;
  const apart = rows.findIndex((l) => l.ranked === false);
  return `<table class="board${compact ? " compact" : ""}"><thead><tr>${head.map(th).join("")}</tr></thead><tbody>${rows
    .map((l, i) => {
      const parts = `realized ${signedCash(l.realizedPnl ?? 0)}, unrealized ${signedCash(l.unrealizedPnl ?? 0)}, fees ${cash(l.fees ?? 0)}${tradesCol ? "" : `, trades ${qty(l.trades ?? 0)}`}`;
      const cls = [l.playerId === me ? "own" : "", i === gap ? "pinned" : "", l.ranked === false ? "unranked" : ""]
        .filter(Boolean)
        .join(" ");
      const skipped =
        i === gap
          ? `<tr class="gap"><td colspan="${head.length}" class="muted center">${skippedRows ? `… ${qty(skippedRows)} more …` : "…"}</td></tr>`
          : "";
      const botsRow =
        i === apart && i !== gap
          ? `<tr class="bots-apart"><td colspan="${head.length}" class="muted small">Bots (not ranked)</td></tr>`
          : "";
      return (
        `${skipped}${botsRow}<tr class="${cls}" data-player="${esc(l.playerId)}" title="${esc(parts)}"><td class="num">${l.ranked === false ? "–" : l.rank}</td><td class="name"><span class="nm">${esc(l.name)}</span>${l.bot ? ` <span class="tag">bot</span>` : ""}</td><td class="num">${cash(l.equity)}</td>${signed(l.pnl)}` +
        (compact
          ? ""
          : `${signed(l.realizedPnl ?? 0, true)}${signed(l.unrealizedPnl ?? 0, true)}<td class="num">${cash(l.fees ?? 0)}</td>`) +
        (byReturn ? `<td class="num ${signClass(l.returnBps ?? 0)}">${pct(l.returnBps ?? 0)}</td>` : "") +
        (tradesCol ? `<td class="num">${qty(l.trades ?? 0)}</td>` : "") +
        (points ? `<td class="num points">${l.bot ? "–" : (l.points ?? "–")}</td>` : "") +
        `</tr>`
      );
    })
    .join("")}</tbody></table>`;
}
