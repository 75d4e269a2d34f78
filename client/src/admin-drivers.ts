/**
 * The admin game panel's market drivers (docs/market.md): the "News & signals" card (news with a
 * reference shift in basis points, a private signal to a group with an optional value in ticks), the
 * group and seat cells of the players table (move a player between groups; a bot takes over a seat and
 * hands it back), and the margin card's reference form (admin-margin.ts). Every command goes through
 * the panel's `send`, which reports the outcome.
 */
import { $, setHtml } from "./dom.ts";
import { esc, priceToTicks } from "./format.ts";
import { wireAdminMargin } from "./admin-margin.ts";
import { botKindOptionsHtml } from "./bot-fields.ts";

/** Sends one driver command about the selected game: `what` names it in the message; `path` is under /api/games/:id. */
export type SendDriver = (what: string, method: string, path: string, body?: unknown) => Promise<void>;

/** What the driver forms read from the admin screen and how they act. */
export interface DriverWiring {
  send: SendDriver;
  /** The admin room session's state (the margin form's securities). */
  state: () => any;
  /** The selected game (GET /api/games/:id): its securities give a signal value's tick size. */
  detail: () => any;
  /** Shows a refused input. */
  reject: (text: string) => void;
}

/** The "News & signals" card. */
export const DRIVERS_CARD_HTML = `      <section class="card"><h2>News &amp; signals</h2>
        <form id="news-form" class="inline">
          <input name="headline" required maxlength="280" placeholder="Headline for every player" aria-label="headline">
          <select name="sec" class="sec-choice" aria-label="shifted security"></select>
          <input name="bps" type="number" min="-9000" max="10000" step="1" placeholder="shift bp" aria-label="shift in basis points">
          <button type="submit">Announce</button>
        </form>
        <form id="signal-form" class="inline" hidden>
          <select name="group" id="signal-group" aria-label="group"></select>
          <input name="text" required maxlength="280" placeholder="Private signal" aria-label="signal text">
          <select name="sec" class="sec-choice" aria-label="security"></select>
          <input name="value" inputmode="decimal" placeholder="value" aria-label="value">
          <button type="submit">Send signal</button>
        </form>
        <p id="takeover-box" class="small" hidden>Bot for a taken-over seat: <select id="takeover-kind">${botKindOptionsHtml()}</select></p>
        <div id="news-list" class="scroll"></div>
      </section>`;

/** Wires the news, signal, group, takeover and reference forms of the panel in `r`. */
export function wireDrivers(r: HTMLElement, w: DriverWiring): void {
  wireAdminMargin(r, w.state, (what, path, body) => w.send(what, "PUT", path, body), w.reject);
  wireNewsForm(r, w.send);
  wireSignalForm(r, w);
  wirePlayerDrivers(r, w.send);
}

/** News for every player, with an optional shift of one security's reference (bp). */
function wireNewsForm(r: HTMLElement, send: SendDriver): void {
  ($(r, "#news-form") as HTMLFormElement).addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const sid = Number(f.get("sec") || 0),
      bps = Number(f.get("bps") || 0);
    void send("News", "POST", "/news", {
      headline: String(f.get("headline")).trim(),
      shifts: sid && bps ? [{ securityId: sid, bps }] : [],
    });
  });
}

/** A private signal to a group; the value (a price) must be on the security's tick grid. */
function wireSignalForm(r: HTMLElement, w: DriverWiring): void {
  ($(r, "#signal-form") as HTMLFormElement).addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const body: any = { group: String(f.get("group")), text: String(f.get("text")).trim() };
    if (Number(f.get("sec"))) body.securityId = Number(f.get("sec"));
    if (String(f.get("value") ?? "").trim() && body.securityId) {
      const sec = w.detail()?.securities.find((s: any) => s.securityId === body.securityId);
      try {
        body.value = priceToTicks(String(f.get("value")).replace(/[,_\s]/g, ""), sec?.tickSize ?? "0.01");
      } catch {
        return w.reject("Value must be on the tick grid");
      }
    }
    void w.send("Signal", "POST", "/signals", body);
  });
}

/** The players table's takeover buttons and group menus. */
function wirePlayerDrivers(r: HTMLElement, send: SendDriver): void {
  $(r, "#players").addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-seat]");
    if (!b) return;
    const pid = encodeURIComponent(b.dataset.seat!);
    if (b.dataset.op === "return") void send("Seat handed back", "DELETE", `/players/${pid}/takeover`);
    else
      void send("Seat taken over", "POST", `/players/${pid}/takeover`, {
        kind: ($(r, "#takeover-kind") as HTMLSelectElement).value,
      });
  });
  $(r, "#players").addEventListener("change", (ev) => {
    const sel = (ev.target as HTMLElement).closest<HTMLSelectElement>("select[data-group-of]");
    if (sel)
      void send("Group", "PUT", `/players/${encodeURIComponent(sel.dataset.groupOf!)}/group`, { group: sel.value });
  });
}

/** Security and group choices of the news / signal forms (`drivers`: GET /api/games/:id/drivers). */
export function drawDriverForms(root: HTMLElement, detail: any, drivers: any): void {
  const secs = detail?.securities ?? [];
  const secOptions =
    `<option value="">(none)</option>` +
    secs.map((s: any) => `<option value="${s.securityId}">${esc(s.symbol)}</option>`).join("");
  for (const sel of root.querySelectorAll<HTMLSelectElement>("select.sec-choice")) setHtml(sel, secOptions);
  const groups: string[] = drivers?.plan?.groups ?? [];
  setHtml($(root, "#signal-group"), groups.map((g) => `<option>${esc(g)}</option>`).join(""));
  ($(root, "#signal-form") as HTMLFormElement).hidden = groups.length === 0;
  $(root, "#takeover-box").hidden = !detail?.rules?.botTakeover;
}

/** Group and seat cells of a human player's row (admin room state: group is private, takeover public). */
export function driverCells(p: any, detail: any, drivers: any): string {
  if (p.bot) return "<td></td><td></td>";
  const groups: string[] = drivers?.plan?.groups ?? [];
  const group = groups.length
    ? `<select data-group-of="${esc(p.playerId)}" aria-label="group">${groups.map((g) => `<option${g === p.group ? " selected" : ""}>${esc(g)}</option>`).join("")}</select>`
    : "";
  const seat = !detail?.rules?.botTakeover
    ? ""
    : p.takeover
      ? `<span class="tag">${esc(p.takeover)}</span> <button type="button" class="ghost small" data-seat="${esc(p.playerId)}" data-op="return">Hand back</button>`
      : `<button type="button" class="ghost small" data-seat="${esc(p.playerId)}" data-op="take">Bot plays</button>`;
  return `<td>${group}</td><td>${seat}</td>`;
}

/** The news list of the admin room state, newest first. */
export function newsListHtml(st: any): string {
  const news = st.news ? [...st.news].sort((a: any, b: any) => b.seq - a.seq) : [];
  return news.length
    ? `<ul class="signals">${news.map((n: any) => `<li>${esc(n.headline)}${n.shifts.length ? ` <span class="muted">(${[...n.shifts].map((x: any) => `${esc(st.securities.get(String(x.securityId))?.symbol ?? x.securityId)} ${x.bps >= 0 ? "+" : ""}${x.bps} bp`).join(", ")})</span>` : ""}</li>`).join("")}</ul>`
    : `<p class="muted">No news yet.</p>`;
}
