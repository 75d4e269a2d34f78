/**
 * The player screen's "Round over" card: shown once the round has ended (until the player closes it to
 * look at the market), with their rank, P&L and its parts, return and course points as the round's rules
 * say, the final leaderboard, a button to the session's next round and a link to the round's replay.
 * Money in minor units (shown as $).
 */
import { setHtml } from "./dom.ts";
import { cash, esc, signClass, signedCash } from "./format.ts";
import { leaderboardTable, pct, pointsRuleText } from "./leaderboard-table.ts";

/** Shows or hides the card `final` for the room state `st` (the board `rows`) of `playerId` in `gameId`. */
export function drawFinal(final: HTMLElement, st: any, rows: any[], playerId: string, gameId: string): void {
  if (st.phase !== "ended") {
    final.hidden = true;
    return;
  }
  final.hidden = false;
  const mine = [...st.leaderboard].find((l: any) => l.playerId === playerId);
  const ranked = rows.filter((l: any) => l.ranked !== false).length;
  setHtml(
    final,
    `<div class="card final"><h2>Round over</h2>${
      mine
        ? `<p>You finished <b>#${mine.rank}</b> of ${ranked} with P&amp;L <b class="${signClass(mine.pnl)}">${signedCash(mine.pnl)}</b>
      <span class="small muted">(realised ${signedCash(mine.realizedPnl ?? 0)}, unrealised ${signedCash(mine.unrealizedPnl ?? 0)}, fees ${cash(mine.fees ?? 0)})</span>${st.rules?.rankBy === "return" ? `, return <b>${pct(mine.returnBps ?? 0)}</b>` : ""}.</p>
      ${st.rules?.pointsPer ? `<p id="final-points">Course points: <b>${mine.points ?? 0}</b> <span class="small muted">${esc(pointsRuleText(st.rules))}</span></p>` : ""}`
        : ""
    }
      <h3>Final leaderboard</h3>${leaderboardTable(rows, playerId, false, st.rules)}
      ${st.nextGameId ? `<p><button type="button" id="join-next" class="primary">Join next round</button> <span id="next-msg" class="msg reject"></span></p>` : ""}
      <p><button type="button" id="close-final">Look at the market</button> <a href="#replay/${encodeURIComponent(gameId)}" id="review">Review the round</a></p></div>`,
  );
  if (final.dataset.closed) final.hidden = true;
}
