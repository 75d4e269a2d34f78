/**
 * Market drivers in the player view: the news ticker (headlines every player sees, newest first, with
 * the reference shifts they carry), the private signal panel (only this player's signals arrive: the
 * room's StateView sends them to their recipients alone) and the banner while a bot plays the seat.
 * Drawn from the room state (GameState.news, PlayerState.signals / group / takeover).
 */
import { $, setHtml } from "./dom.ts";
import { esc, px, time } from "./format.ts";

/** Headlines shown in the ticker. */
const TICKER_ITEMS = 5;

/** A shift as text: "ACME +5.00 %". bps are integers; the percentage is display only. */
function shiftText(sh: { securityId: number; bps: number }, symbolOf: (id: number) => string): string {
  const pct = (sh.bps / 100).toFixed(2);
  return `${esc(symbolOf(sh.securityId))} ${sh.bps >= 0 ? "+" : ""}${pct} %`;
}

/** Draws the ticker, the signal panel and the takeover banner (elements #news, #signals, #my-group, #takeover). */
export function drawDrivers(root: HTMLElement, st: any, me: any): void {
  const symbolOf = (id: number) => st.securities.get(String(id))?.symbol ?? String(id);
  const news = st.news ? [...st.news].sort((a: any, b: any) => b.seq - a.seq).slice(0, TICKER_ITEMS) : [];
  const ticker = $(root, "#news");
  ticker.hidden = news.length === 0;
  setHtml(
    ticker,
    news
      .map(
        (n: any, i: number) =>
          `<span class="headline${i === 0 ? " latest" : ""}" data-seq="${n.seq}"><span class="muted">${time(n.ts)}</span> ${esc(n.headline)}${
            n.shifts.length
              ? ` <span class="shifts">(${[...n.shifts].map((s: any) => shiftText(s, symbolOf)).join(", ")})</span>`
              : ""
          }</span>`,
      )
      .join(""),
  );

  const banner = $(root, "#takeover");
  banner.hidden = !me?.takeover;
  banner.textContent = me?.takeover
    ? `A ${String(me.takeover).replace(/_/g, " ")} bot is trading for you while you are away.`
    : "";

  if (!me || me.signals === undefined) return;
  setHtml($(root, "#my-group"), me.group ? `group ${esc(me.group)}` : "");
  const signals = [...me.signals].sort((a: any, b: any) => b.seq - a.seq);
  setHtml(
    $(root, "#signals"),
    signals.length
      ? `<ul class="signals">${signals
          .map((s: any) => {
            const sec = s.securityId ? st.securities.get(String(s.securityId)) : undefined;
            const about = sec
              ? ` <span class="tag">${esc(sec.symbol)}${s.value ? ` ${px(s.value, sec.tickSize)}` : ""}</span>`
              : "";
            return `<li data-seq="${s.seq}"><span class="muted">${time(s.ts)}</span> ${esc(s.text)}${about}</li>`;
          })
          .join("")}</ul>`
      : `<p class="muted">No private signals.</p>`,
  );
}
