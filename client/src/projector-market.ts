/**
 * The projector's market-type panel (docs/markets.md "Projector"): public facts from
 * GET /api/games/:id/market (no token), fetched every POLL_MS, with the call countdown ticking locally.
 *
 * - call market: "Next call in m:ss" (or "Continuous trading" between a call and the next call period)
 *   and the last call's price (the last trade: every fill of a call is at the call price);
 * - dividends: the period and the fundamental value per share now (the price chart's dashed line shows
 *   it too, projector.ts);
 * - contingent claims: each claim's chance and the payout; the state once the round has ended;
 * - induced values and continuous: the type's name only (schedules are private).
 */
import { api } from "./api.ts";
import { cash, clock, esc } from "./format.ts";

export const MARKET_POLL_MS = 2000;

/** The last fetched facts and when they were fetched (ms). */
export interface MarketInfoAt {
  info: any;
  at: number;
}

export async function fetchMarketInfo(gameId: string): Promise<MarketInfoAt> {
  return { info: await api("GET", `/api/games/${encodeURIComponent(gameId)}/market`), at: Date.now() };
}

/** The panel's markup at `now`; `lastCall` = the last trade price as display text ("" when none). */
export function marketPanelHtml(m: MarketInfoAt, now: number, lastCall: string): string {
  const i = m.info;
  const head = `<span class="proj-type" id="proj-type">${esc(i.label)}</span>`;
  if (i.call) {
    const c = i.call;
    const left = c.nextCallInMs === null ? null : Math.max(0, c.nextCallInMs - (now - m.at));
    const when =
      c.mode === "continuous"
        ? "Continuous trading until the next call period"
        : left === null
          ? "Calls wait while the round is not running"
          : `Next call in <b id="proj-next-call" class="num">${clock(left)}</b>`;
    return `${head}<span>${when}</span>${lastCall ? `<span>Last call price <b id="proj-call-price" class="num">${esc(lastCall)}</b></span>` : ""}`;
  }
  if (i.dividends) {
    const d = i.dividends;
    return `${head}<span>${d.period > d.periods ? "All dividends paid" : `Period ${d.period} of ${d.periods}`}</span><span>Fundamental value <b id="proj-fundamental" class="num">${esc(cash(d.fundamental))}</b> per share</span>`;
  }
  if (i.contingent) {
    const c = i.contingent;
    const won = c.states.find((s: any) => s.securityId === c.state);
    return `${head}<span>Pays ${esc(cash(c.payout))} per claim of the state that occurs: ${c.states.map((s: any) => `${esc(s.symbol)} ${(s.chanceBps / 100).toFixed(0)}%`).join(" · ")}</span>${won ? `<span>State: <b id="proj-state">${esc(won.symbol)}</b></span>` : ""}`;
  }
  return head;
}
