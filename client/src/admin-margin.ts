/**
 * The admin game panel's margin part (docs/client.md "Margin rounds"): in a margin round, under the
 * Market card, the core's reference and mark per security, the insurance fund's cash now
 * (RulesState.fundCash) and a form that sets a security's reference price
 * (PUT /api/games/:id/securities/:sid/reference { price } in ticks; docs/margin.md "Protocol"): a
 * shock that may margin-call and liquidate players at once. Hidden in a cash round.
 */
import { setHtml } from "./dom.ts";
import { cash, esc, priceToTicks, px } from "./format.ts";

/** The card's markup (the form's security choices are drawn by drawAdminMargin). */
export const ADMIN_MARGIN_HTML = `<div id="admin-margin" hidden>
  <div id="admin-margin-info" class="small"></div>
  <form id="reference-form" class="inline" autocomplete="off">
    <select name="sec" aria-label="security"></select>
    <input name="price" inputmode="decimal" placeholder="new reference" aria-label="new reference price">
    <button type="submit">Set reference</button>
  </form>
</div>`;

/** Shows the margin part for a margin round: each security's reference and mark, the fund's cash. */
export function drawAdminMargin(root: HTMLElement, st: any): void {
  const box = root.querySelector<HTMLElement>("#admin-margin");
  if (!box) return;
  box.hidden = st?.rules?.mode !== "margin";
  if (box.hidden) return;
  const secs = [...st.securities.values()].sort((a: any, b: any) => a.securityId - b.securityId);
  setHtml(
    root.querySelector("#admin-margin-info")!,
    `<p>Margin round · mark: ${esc(String(st.rules.markRule).replace("_", " "))} · insurance fund <b class="num" id="fund-cash">${cash(st.rules.fundCash ?? 0)}</b></p>
    <p>${secs.map((s: any) => `${esc(s.symbol)}${s.kind === "cfd" ? " (CFD)" : ""}: reference <span class="num">${px(s.reference, s.tickSize)}</span>, mark <span class="num">${px(s.mark, s.tickSize)}</span>`).join(" · ")}</p>`,
  );
  setHtml(
    root.querySelector("#reference-form select[name=sec]")!,
    secs.map((s: any) => `<option value="${s.securityId}">${esc(s.symbol)}</option>`).join(""),
  );
}

/**
 * Wires the reference form: the price in the security's tick size, sent with `send` (the panel's admin
 * call with its notice); a price off the grid is refused before sending.
 */
export function wireAdminMargin(
  root: HTMLElement,
  st: () => any,
  send: (what: string, path: string, body: unknown) => Promise<void>,
  refuse: (text: string) => void,
): void {
  root.querySelector<HTMLFormElement>("#reference-form")!.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const sid = Number(f.get("sec"));
    const sec = st()?.securities?.get(String(sid));
    if (!sec) return;
    let price: number;
    try {
      price = priceToTicks(String(f.get("price") ?? "").replace(/[,_\s]/g, "") || "0", sec.tickSize);
    } catch {
      return refuse(`The reference must be a multiple of the tick size ${sec.tickSize}`);
    }
    if (price <= 0) return refuse("Enter a reference price above 0");
    void send(`Reference of ${sec.symbol} set to ${px(price, sec.tickSize)}`, `/securities/${sid}/reference`, {
      price,
    });
  });
}
