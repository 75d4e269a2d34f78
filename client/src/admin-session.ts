/**
 * The admin game panel's session parts (docs/sessions.md): the join code students need (a session's
 * round: the session's code), the session card (rounds, players, results per round and overall P&L in
 * minor units) and the next round's CreateGameBody (the selected round's settings).
 */
import { esc, signClass, signedCash } from "./format.ts";

/**
 * The join code students need, labelled: the round's code, or for a session's round the session's
 * code (it joins whichever round is open and keeps the player across rounds); the round's own code
 * is then shown small, with what it is for. `sessionCode` is "" until fetched.
 */
export function codesHtml(d: any, sessionCode: string): string {
  const studentCode = d.sessionId ? sessionCode : d.joinCode;
  const link = studentCode ? `${location.origin}${location.pathname}#/?code=${encodeURIComponent(studentCode)}` : "";
  const big = d.sessionId
    ? `<b class="code big" id="session-code">${esc(sessionCode || "…")}</b>`
    : `<b class="code big" id="join-code">${esc(d.joinCode)}</b>`;
  return `<p class="student-code">Students join with ${d.sessionId ? "the session code" : "code"} ${big}
      ${link ? `<a href="${esc(link)}" target="_blank" id="player-link" class="small">player link</a>` : ""}</p>
      ${
        d.sessionId
          ? `<p class="muted small">The session code joins whichever round is open and keeps each student's name and results across rounds.
        This round's own code <span class="code" id="join-code">${esc(d.joinCode)}</span> joins only round ${esc(d.round)} (and the session): students do not need it.</p>`
          : ""
      }`;
}

/** The session's name, the round's place in it and its players (GET /api/sessions/:id). */
export function sessionInfoHtml(s: any, d: any): string {
  return `<p>Session <b>${esc(s.name)}</b>
        <span class="muted small">· round ${d.round} of ${s.rounds.length} · ${s.players.length} player(s) · students join with the session code above</span></p>`;
}

/** The session's results table (GET /api/sessions/:id/results): P&L per round and overall. */
export function sessionResultsHtml(res: any): string {
  const rounds = res.rounds.map((r: any) => `<th>R${r.round}</th>`).join("");
  return res.overall.length
    ? `<table class="board"><thead><tr><th>#</th><th>Name</th>${rounds}<th>Total P&amp;L</th></tr></thead><tbody>${res.overall
        .map(
          (o: any) =>
            `<tr><td class="num">${o.rank}</td><td>${esc(o.name)}</td>${o.roundPnl.map((p: number | null) => `<td class="num ${signClass(p ?? 0)}">${p === null ? "—" : signedCash(p)}</td>`).join("")}<td class="num ${signClass(o.pnl)}"><b>${signedCash(o.pnl)}</b></td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="muted">No players in the session yet.</p>`;
}

/**
 * The CreateGameBody of the session's next round: the selected round `d`'s rules, endowment,
 * securities, schedule and the kinds of its bots that are on.
 */
export function nextRoundBody(d: any): any {
  const kinds = new Map<string, number>();
  for (const b of d.botList) if (b.enabled !== false) kinds.set(b.kind, (kinds.get(b.kind) ?? 0) + 1);
  const body: any = {
    name: `${String(d.name).replace(/ · round \d+$/, "")} · round ${d.round + 1}`,
    rules: d.rules,
    endowment: d.endowment,
    allowObservers: true,
    bots: [...kinds].map(([kind, count]) => ({ kind, count })),
    // The securities as created (with their fees and limits); a scenario still drives the reference path.
    ...(d.scenario ? { scenario: d.scenario } : {}),
    securities: d.securities,
    ...(d.schedule?.periods
      ? { schedule: { periods: d.schedule.periods } }
      : d.durationSec
        ? { durationSec: d.durationSec }
        : {}),
  };
  return body;
}
