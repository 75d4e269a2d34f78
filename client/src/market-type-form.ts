/**
 * The create form's "Market type" fieldset (docs/markets.md): which market the round runs and that
 * type's parameters, sent as CreateGameBody.rules.marketType plus rules.call / rules.dividends /
 * rules.induced / rules.contingent. The values are checked in the browser with the same zod schema the
 * server uses (shared MarketTypeRules, a pick of GameRules), so a bad value is named before anything is
 * sent; the server checks again (INVALID_BODY).
 *
 * Only the chosen type's parameters are shown and sent. The type also picks the default instructions
 * and quiz (server/src/rounds/market-types.ts).
 */
import { MarketTypeRules } from "../../shared/src/messages.ts";

/** Each market type: its label and one line for the teacher. */
const TYPES: { id: string; label: string; hint: string }[] = [
  {
    id: "continuous",
    label: "Continuous double auction",
    hint: "A limit order book trading continuously on a reference price path, with bots.",
  },
  {
    id: "call",
    label: "Call market",
    hint: "Orders do not trade on arrival; at each call the book clears at the one price that trades the most lots (then the smallest imbalance, then the closest to the reference price).",
  },
  {
    id: "dividends",
    label: "Asset market with dividends",
    hint: "Smith-Suchanek-Williams: every share pays a random dividend (equally likely values) at the end of each period; set Periods above.",
  },
  {
    id: "induced",
    label: "Double auction, induced values",
    hint: "Players alternate as buyers (private values) and sellers (private costs) per unit; the score is the surplus. With Periods set above, each period starts again with the same values and costs. Use a custom security, no bots.",
  },
  {
    id: "contingent",
    label: "State-contingent claims",
    hint: "Each security pays the payout if its state is drawn at the end, else nothing. Each player gets a private signal about the state at the start. Use a scenario with one security per state.",
  },
];

/**
 * A number input without min/max attributes: the browser's own range check would block the submit
 * silently (no submit event), so the range is the shared schema's and its message names the field.
 */
const num = (name: string, label: string, value: string) =>
  `<label>${label} <input name="${name}" type="number" step="1" value="${value}"></label>`;

/** The fieldset's markup (inserted into the create form). */
export const MARKET_TYPE_FIELDS_HTML = `
<fieldset class="market-type" id="market-type"><legend>Market type</legend>
  <label>Market <select name="marketType" id="market-type-choice">${TYPES.map((t) => `<option value="${t.id}">${t.label}</option>`).join("")}</select></label>
  <p class="muted small" id="market-type-hint"></p>
  <div class="row3" data-market="call" hidden>
    ${num("callEverySec", "Call every (s)", "30")}
    ${num("callContinuousSec", "Continuous trading after each call (s)", "0")}
  </div>
  <div data-market="dividends" hidden>
    <label>Dividends per share (minor units, equally likely, comma separated) <input name="dividendValues" value="0, 8, 28, 60" spellcheck="false"></label>
  </div>
  <div data-market="induced" hidden>
    <div class="row3">
      ${num("inducedUnits", "Units per player", "3")}
      ${num("valueMin", "Buyer values from (minor units)", "60")}
      ${num("valueMax", "to", "160")}
    </div>
    <div class="row3">
      ${num("costMin", "Seller costs from (minor units)", "40")}
      ${num("costMax", "to", "140")}
      <label>Seed (optional) <input name="inducedSeed" maxlength="64" spellcheck="false" placeholder="the game id"></label>
    </div>
  </div>
  <div data-market="contingent" hidden>
    <div class="row3">
      ${num("payout", "Payout of the winning claim (minor units per lot)", "100")}
      <label>State weights (optional, one per security) <input name="stateWeights" placeholder="equal" spellcheck="false"></label>
    </div>
    <div class="row3">
      <label>Private signals <select name="signalKind">
        <option value="not">"The state is not X" clues (always true)</option>
        <option value="noisy">A state named, right with the accuracy given</option>
        <option value="none">None (send your own with the signal form)</option>
      </select></label>
      ${num("signalAccuracy", "Accuracy of a named state (%)", "70")}
      <label><input type="checkbox" name="signalEveryPeriod"> A new signal each period</label>
    </div>
  </div>
</fieldset>`;

/** Shows the chosen type's hint and parameters only. */
export function wireMarketTypeForm(root: HTMLElement): void {
  const sel = root.querySelector<HTMLSelectElement>("#market-type-choice")!;
  const sync = () => {
    root.querySelector("#market-type-hint")!.textContent = TYPES.find((t) => t.id === sel.value)?.hint ?? "";
    for (const el of root.querySelectorAll<HTMLElement>("#market-type [data-market]"))
      el.hidden = el.dataset.market !== sel.value;
  };
  sel.addEventListener("change", sync);
  sync();
}

/** "1, 2,3" -> [1, 2, 3]; a part that is not a number stays as NaN, so the schema names it. */
function list(v: FormDataEntryValue | null): number[] {
  return String(v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
}

const n = (f: FormData, name: string) => Number(String(f.get(name) ?? "").trim() || NaN);

/**
 * rules.marketType and the type's own rules from the form, validated by MarketTypeRules; nothing for the
 * default type. Throws an Error naming the field when a value is out of range.
 */
export function marketTypeRules(f: FormData): Record<string, unknown> {
  const type = String(f.get("marketType") ?? "continuous");
  let raw: Record<string, unknown>;
  switch (type) {
    case "continuous":
      return {};
    case "call":
      raw = { marketType: type, call: { everySec: n(f, "callEverySec"), continuousSec: n(f, "callContinuousSec") } };
      break;
    case "dividends":
      raw = { marketType: type, dividends: { values: list(f.get("dividendValues")) } };
      break;
    case "induced": {
      const seed = String(f.get("inducedSeed") ?? "").trim();
      raw = {
        marketType: type,
        induced: {
          units: n(f, "inducedUnits"),
          values: { min: n(f, "valueMin"), max: n(f, "valueMax") },
          costs: { min: n(f, "costMin"), max: n(f, "costMax") },
          ...(seed ? { seed } : {}),
        },
      };
      break;
    }
    case "contingent": {
      const weights = list(f.get("stateWeights"));
      const signals = {
        kind: String(f.get("signalKind") ?? "not"),
        accuracyBps: Math.round(n(f, "signalAccuracy") * 100),
        everyPeriod: f.get("signalEveryPeriod") === "on",
      };
      raw = {
        marketType: type,
        contingent: { payout: n(f, "payout"), ...(weights.length ? { weights } : {}), signals },
      };
      break;
    }
    default:
      throw new Error(`Unknown market type ${type}`);
  }
  const r = MarketTypeRules.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`Market type: ${i.path.join(".")}: ${i.message}`);
  }
  return Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined));
}
