/**
 * The create form's "Risk mode" fieldset (docs/margin.md "Settings", docs/client.md "Margin rounds"):
 * cash (every order paid up front, as before) or margin, and for margin the mark rule (the round's one
 * mark: it replaces the round form's "Mark at the end", hidden in margin mode), the insurance
 * fund and the securities' initial and maintenance margin (typed as a percentage or as the largest
 * leverage, the other kept in step), kind (order book or CFD) and a CFD's half-spread. Like the fees of
 * "Trading rules", these go to every security (CreateGameBody.securityRules); different values per
 * security are set through the API (CreateGameBody.securities[i]).
 *
 * Values are checked here before anything is sent, with messages that name the field; the
 * server checks again (INVALID_BODY). Units sent: basis points (margin rates), minor units (fund), ticks
 * (half-spread). In cash mode nothing of this is sent, so a cash round's body is unchanged.
 */
import { cash } from "./format.ts";
import { maxLeverageText } from "./margin-view.ts";

/** The fund's upper bound, minor units (shared GameConfig.insuranceFund). */
const MAX_FUND = 1e15;
/** Largest half-spread accepted, ticks. */
const MAX_HALF_SPREAD = 1_000_000;

/** The fieldset's markup (inserted into the create form). */
export const MARGIN_FIELDS_HTML = `
<fieldset class="margin-set" id="margin-set"><legend>Risk mode</legend>
  <div class="row3">
    <label>Mode <select name="mode" id="mode-choice"><option value="cash">Cash (pay in full)</option><option value="margin">Margin (leverage, long or short)</option></select></label>
    <label data-margin hidden title="One mark for the round: margin, liquidation, P&amp;L, the leaderboard and the final scores">Mark price (margin and scores) <select name="markRule"><option value="last_trade">last trade</option><option value="reference">reference price</option><option value="mid">mid of the book</option></select></label>
    <label data-margin hidden>Insurance fund ($) <input name="insuranceFund" value="0.00" inputmode="decimal"></label>
  </div>
  <div data-margin hidden>
    <p class="muted small">Every security: the initial margin is the share of a position's value a player must hold (10 % = up to 10x leverage); when equity falls below the maintenance margin the player is liquidated. Type a percentage or a leverage. A CFD has no order book: the house quotes the reference ± the half-spread, fills market orders at once and limit orders when its quote reaches them; players choose a leverage per position up to the maximum.</p>
    <div class="row3">
      <label>Initial margin (%) <input name="initialMargin" value="10" inputmode="decimal"></label>
      <label>or max leverage (x) <input name="maxLeverage" value="10" inputmode="decimal"></label>
      <label>Maintenance margin (%) <input name="maintenanceMargin" value="5" inputmode="decimal"></label>
    </div>
    <div class="row3">
      <label>Kind <select name="kind" id="kind-choice"><option value="book">order book</option><option value="cfd">CFD (house quote)</option></select></label>
      <label>Half-spread (ticks) <input name="halfSpread" value="5" inputmode="numeric" disabled></label>
    </div>
  </div>
</fieldset>`;

/** Shows the margin fields in margin mode; keeps the margin % and the leverage in step while typing. */
export function wireMarginForm(root: HTMLElement): void {
  const set = root.querySelector<HTMLElement>("#margin-set")!;
  const field = (n: string) => set.querySelector<HTMLInputElement>(`[name=${n}]`)!;
  const mode = field("mode"),
    kind = field("kind");
  // a margin round has one mark (docs/margin.md "One mark"): the round form's end-of-round mark gives way to it
  const endMark = root.querySelector<HTMLSelectElement>("select[name=markPrice]");
  const sync = () => {
    for (const el of set.querySelectorAll<HTMLElement>("[data-margin]")) el.hidden = mode.value !== "margin";
    field("halfSpread").disabled = kind.value !== "cfd";
    if (endMark) {
      endMark.disabled = mode.value === "margin";
      endMark.closest("label")!.hidden = mode.value === "margin";
    }
  };
  mode.addEventListener("change", sync);
  kind.addEventListener("change", sync);
  sync();
  field("initialMargin").addEventListener("input", () => {
    const bps = percentToBps(field("initialMargin").value);
    if (bps !== null && bps >= 100 && bps <= 10_000) field("maxLeverage").value = maxLeverageText(bps).replace("x", "");
  });
  field("maxLeverage").addEventListener("input", () => {
    const x = Number(field("maxLeverage").value.trim());
    if (Number.isFinite(x) && x >= 1 && x <= 100) field("initialMargin").value = bpsToPercent(Math.ceil(10_000 / x));
  });
}

/** "12.5" (percent, at most two decimals) -> 1250 bps; null when not such a number. */
export function percentToBps(text: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** 1250 -> "12.5", 1000 -> "10" (the percentage of integer basis points). */
export function bpsToPercent(bps: number): string {
  const rest = bps % 100;
  return rest ? `${Math.floor(bps / 100)}.${String(rest).padStart(2, "0").replace(/0$/, "")}` : String(bps / 100);
}

/** The fieldset's values: the round's rules and the margin rules of every security (CreateGameBody.securityRules). */
export interface MarginSettings {
  /** markPrice = markRule: a margin round has one mark rule (docs/margin.md "One mark"). */
  rules: { mode: "margin"; markRule: string; markPrice: string; insuranceFund: number };
  securityRules: { initialMarginBps: number; maintenanceMarginBps: number; kind: "book" | "cfd"; halfSpread?: number };
}

/**
 * The margin settings of the form, or null in cash mode. Throws an Error naming the field: initial margin
 * 1 % to 100 % (at most two decimals; 100x..1x), maintenance above 0 and at most the initial margin,
 * half-spread a whole number of ticks 0..1,000,000, the fund $0 to $10,000,000,000,000.
 */
export function marginSettings(f: FormData): MarginSettings | null {
  if (String(f.get("mode") ?? "cash") !== "margin") return null;
  const fundText = String(f.get("insuranceFund") ?? "").replace(/[,_\s$]/g, "") || "0";
  const fm = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(fundText);
  if (!fm) throw new Error("Insurance fund must be an amount of money from $0 to $10,000,000,000,000.00");
  const insuranceFund = Number(fm[1]) * 100 + Number((fm[2] ?? "").padEnd(2, "0"));
  if (insuranceFund > MAX_FUND) throw new Error(`Insurance fund must be at most $${cash(MAX_FUND)}`);
  const markRule = String(f.get("markRule") || "last_trade");
  const im = percentToBps(String(f.get("initialMargin") ?? ""));
  if (im === null || im < 100 || im > 10_000)
    throw new Error("Initial margin must be 1 % to 100 % (at most two decimals), i.e. 100x to 1x leverage");
  const mmText = String(f.get("maintenanceMargin") ?? "").trim();
  const mm = mmText ? percentToBps(mmText) : Math.floor(im / 2);
  if (mm === null || mm < 1) throw new Error("Maintenance margin must be a percentage above 0 (at most two decimals)");
  if (mm > im)
    throw new Error(`Maintenance margin ${bpsToPercent(mm)} % cannot exceed the initial margin ${bpsToPercent(im)} %`);
  const kind = String(f.get("kind") ?? "book") === "cfd" ? "cfd" : "book";
  const securityRules: MarginSettings["securityRules"] = { initialMarginBps: im, maintenanceMarginBps: mm, kind };
  if (kind === "cfd") {
    const text = String(f.get("halfSpread") ?? "").trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n > MAX_HALF_SPREAD)
      throw new Error("Half-spread must be a whole number of ticks from 0 to 1,000,000");
    securityRules.halfSpread = n;
  }
  return { rules: { mode: "margin", markRule, markPrice: markRule, insuranceFund }, securityRules };
}
