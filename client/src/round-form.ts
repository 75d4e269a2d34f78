/**
 * The admin page's "New round" form (docs/rounds.md): its markup, its wiring (scenario choice, money
 * hints, and the margin, market-type and instructions fieldsets of their own files), and the
 * CreateGameBody it sends: name, endowment (cash in minor units, lots per security), bots, schedule
 * (duration or periods with breaks), signal groups, a scenario's securities or one custom security,
 * the round-wide rules and the per-security rules. An invalid field throws an Error with readable text.
 */
import { $ } from "./dom.ts";
import { cash, esc, priceToTicks } from "./format.ts";
import { ROUND_HELP_FIELDS_HTML, roundHelpRules, wireRoundHelpForm } from "./round-help-form.ts";
import { MARGIN_FIELDS_HTML, marginSettings, wireMarginForm } from "./margin-form.ts";
import { MARKET_TYPE_FIELDS_HTML, marketTypeRules, wireMarketTypeForm } from "./market-type-form.ts";
import { BOT_KINDS } from "@marketroom/shared";
import { botCountFieldsHtml } from "./bot-fields.ts";

type Call = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;

/** The "New round" card (form #create-form; the scenario menu is filled by scenarioOptionsHtml). */
export const ROUND_FORM_HTML = `      <section class="card">
        <h2>New round</h2>
        <form id="create-form" autocomplete="off">
          <label>Name <input name="name" value="Class round" required maxlength="200"></label>
          <label>Securities <select name="scenario" id="scenario"></select></label>
          <div id="custom-sec" class="row3" hidden>
            <label>Symbol <input name="symbol" value="ACME" maxlength="12"></label>
            <label>Tick size <input name="tick" value="0.01"></label>
            <label>Ref price <input name="ref" value="100.00" inputmode="decimal"></label>
          </div>
          <div class="row2">
            <label>Starting cash <input name="cash" value="100,000.00" inputmode="decimal"></label>
            <label>Starting lots (each security) <input name="lots" value="20" inputmode="numeric"></label>
          </div>
          <div class="row2">
            <label>Duration (minutes, empty = until ended) <input name="duration" value="10" inputmode="decimal"></label>
            <label class="check"><input type="checkbox" name="observers" checked> Allow observers</label>
          </div>
          <div class="row3">
            <label>Periods <input name="periods" type="number" min="1" max="100" value="1"></label>
            <label>Break between periods (s) <input name="breakSec" type="number" min="0" value="60"></label>
            <label class="check"><input type="checkbox" name="session"> First round of a new session</label>
          </div>
          <div class="row2">
            <label>Signal groups (comma separated, optional) <input name="groups" placeholder="e.g. informed, uninformed" spellcheck="false"></label>
            <label class="check"><input type="checkbox" name="takeover"> Bots take over absent players</label>
          </div>
          <fieldset class="rules" id="rules-set"><legend>Trading rules <span class="muted small">(every security; 0 = no limit)</span></legend>
            <div class="row3">
              <label>Taker fee (minor units/lot) <input name="takerFee" type="number" min="0" step="1" value="0"><small class="hint" data-money="takerFee"></small></label>
              <label>Maker rebate (minor units/lot) <input name="makerRebate" type="number" min="0" step="1" value="0"><small class="hint" data-money="makerRebate"></small></label>
              <label>Max order (lots) <input name="maxOrderQty" type="number" min="0" step="1" value="0"></label>
            </div>
            <div class="row3">
              <label>Position limit (lots) <input name="positionLimit" type="number" min="0" step="1" value="0"></label>
              <label class="check"><input type="checkbox" name="allowShort"> Allow short selling</label>
              <label>Short limit (lots) <input name="shortLimit" type="number" min="0" step="1" value="0"></label>
            </div>
            <div class="row3">
              <label>Gross limit (weighted lots) <input name="grossLimit" type="number" min="0" step="1" value="0"></label>
              <label>Net limit (weighted lots) <input name="netLimit" type="number" min="0" step="1" value="0"></label>
              <label>Limit weight (per lot) <input name="limitWeight" type="number" min="0" max="1000" step="1" value="1"></label>
            </div>
            <div class="row3">
              <label>Order rate: orders <input name="rateOrders" type="number" min="1" step="1" placeholder="default 50"></label>
              <label>per window (s) <input name="rateWindowSec" type="number" min="0.1" step="0.1" placeholder="default 1"></label>
              <label>Mark at the end <select name="markPrice"><option value="last_trade">last trade (else closing ref)</option><option value="reference">closing reference</option></select></label>
            </div>
            <div class="row3">
              <label>Who may trade <select name="trading"><option value="both">browser and programs (API)</option><option value="browser">browser only</option><option value="api">programs (API keys) only</option></select></label>
            </div>
          </fieldset>
          ${MARGIN_FIELDS_HTML}
          ${MARKET_TYPE_FIELDS_HTML}
          ${ROUND_HELP_FIELDS_HTML}
          <fieldset class="row3"><legend>Bots</legend>
            ${botCountFieldsHtml()}
          </fieldset>
          <button type="submit" class="primary" id="create">Create round</button>
        </form>
      </section>`;

/** The scenario menu's options (GET /api/scenarios), then "Custom: one security". */
export function scenarioOptionsHtml(scenarios: any[]): string {
  return (
    scenarios
      .map(
        (s: any) =>
          `<option value="${esc(s.name)}" data-symbols="${esc(s.symbols.join(","))}" title="${esc(s.description)}">${esc(s.name)} — ${esc(s.symbols.join(", "))}</option>`,
      )
      .join("") + `<option value="">Custom: one security</option>`
  );
}

/** Wires the form's own behaviour: custom-security fields, money hints, the fieldsets of other files. */
export function wireRoundForm(root: HTMLElement, call: Call): void {
  $(root, "#scenario").addEventListener("change", () => syncScenario(root));
  $(root, "#rules-set").addEventListener("input", () => drawMoneyHints(root));
  drawMoneyHints(root);
  wireRoundHelpForm(root, call);
  wireMarketTypeForm(root);
  wireMarginForm(root);
}

/** Shows the custom security's fields when "Custom: one security" is chosen. */
export function syncScenario(root: HTMLElement): void {
  const custom = ($(root, "#scenario") as HTMLSelectElement).value === "";
  $(root, "#custom-sec").hidden = !custom;
}

/** "= 0.05" beside each money input (minor units shown as cash). */
function drawMoneyHints(root: HTMLElement): void {
  for (const hint of root.querySelectorAll<HTMLElement>("[data-money]")) {
    const v = ($(root, `#create-form input[name=${hint.dataset.money}]`) as HTMLInputElement).value.trim();
    hint.textContent = /^\d{1,15}$/.test(v) ? `= ${cash(Number(v))} per lot` : "whole minor units";
  }
}

/**
 * The CreateGameBody of the filled create form `form` in `root` (whose scenario menu tells how many
 * securities the scenario has); `call` serves the instructions fieldset. Throws an Error with readable
 * text on an invalid field.
 */
export async function createGameBody(root: HTMLElement, form: HTMLFormElement, call: Call): Promise<any> {
  const f = new FormData(form);
  const scenario = String(f.get("scenario") ?? "");
  const cashMinor = priceToTicks(String(f.get("cash")).replace(/[,_\s]/g, "") || "0", "0.01");
  const lots = Number(f.get("lots") || 0);
  const margin = marginSettings(f);
  const body: any = {
    name: String(f.get("name")).trim() || "Round",
    endowment: { cash: cashMinor, holdings: [] as { securityId: number; qty: number }[] },
    allowObservers: f.get("observers") === "on",
    bots: BOT_KINDS.map((kind) => ({ kind, count: Number(f.get(`bots_${kind}`) || 0) })).filter((b) => b.count > 0),
    rules: {
      botTakeover: f.get("takeover") === "on",
      ...roundRules(f),
      ...marketTypeRules(f),
      ...margin?.rules,
      ...(await roundHelpRules(f, call)),
    },
    securityRules: { ...securityRules(f), ...margin?.securityRules },
  };
  const groups = String(f.get("groups") ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  if (groups.length) body.groups = groups;
  const minutes = Number(f.get("duration") || 0);
  const periods = Math.max(1, Math.floor(Number(f.get("periods") || 1)));
  if (minutes > 0 && periods > 1) {
    body.schedule = {
      periods: {
        count: periods,
        durationSec: Math.round(minutes * 60),
        breakSec: Math.max(0, Math.round(Number(f.get("breakSec") || 0))),
      },
    };
  } else if (minutes > 0) body.durationSec = Math.round(minutes * 60);
  if (scenario) {
    body.scenario = scenario;
    const opt = ($(root, "#scenario") as HTMLSelectElement).selectedOptions[0];
    const n = (opt?.dataset.symbols ?? "").split(",").filter(Boolean).length;
    if (lots > 0) for (let i = 1; i <= n; i++) body.endowment.holdings.push({ securityId: i, qty: lots });
  } else {
    const tickSize = String(f.get("tick")).trim() || "0.01";
    body.securities = [
      {
        securityId: 1,
        symbol: String(f.get("symbol")).trim().toUpperCase() || "ACME",
        tickSize,
        lotSize: 1,
        scale: 1,
        refPrice: priceToTicks(String(f.get("ref")).replace(/[,_\s]/g, "") || "100", tickSize),
      },
    ];
    if (lots > 0) body.endowment.holdings.push({ securityId: 1, qty: lots });
  }
  return body;
}

/** A whole number in [min, max] from the form field `name` (empty = `empty`); throws a readable Error. */
function intField(f: FormData, name: string, label: string, min: number, max: number, empty = 0): number {
  const text = String(f.get(name) ?? "").trim();
  if (!text) return empty;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new Error(`${label} must be a whole number from ${min} to ${max.toLocaleString("en-US")}`);
  return n;
}

const MAX_LOTS = 1_000_000_000;

/**
 * The round-wide rules of the create form (GameRules): short selling, gross and net limits (weighted
 * lots), mark rule and the order rate limit (orders per window, window in seconds -> ms; both empty = the
 * server's default, docs/rounds.md).
 */
export function roundRules(f: FormData): Record<string, unknown> {
  const orders = intField(f, "rateOrders", "Order rate: orders", 1, 100_000);
  const windowText = String(f.get("rateWindowSec") ?? "").trim();
  if (!!orders !== !!windowText)
    throw new Error("Order rate limit: give both the number of orders and the window, or neither");
  let orderRateLimit: { orders: number; windowMs: number } | undefined;
  if (orders) {
    const windowMs = Math.round(Number(windowText) * 1000);
    if (!Number.isFinite(windowMs) || windowMs < 100 || windowMs > 3_600_000)
      throw new Error("Order rate window must be 0.1 to 3600 seconds");
    orderRateLimit = { orders, windowMs };
  }
  return {
    allowShort: f.get("allowShort") === "on",
    grossLimit: intField(f, "grossLimit", "Gross limit", 0, MAX_LOTS),
    netLimit: intField(f, "netLimit", "Net limit", 0, MAX_LOTS),
    markPrice: String(f.get("markPrice") || "last_trade"),
    trading: String(f.get("trading") || "both"),
    ...(orderRateLimit ? { orderRateLimit } : {}),
  };
}

/** The per-security rules of the create form, sent as CreateGameBody.securityRules (applied to every security). */
export function securityRules(f: FormData): Record<string, number> {
  const r = {
    takerFee: intField(f, "takerFee", "Taker fee", 0, 1_000_000_000),
    makerRebate: intField(f, "makerRebate", "Maker rebate", 0, 1_000_000_000),
    maxOrderQty: intField(f, "maxOrderQty", "Max order", 0, MAX_LOTS),
    positionLimit: intField(f, "positionLimit", "Position limit", 0, MAX_LOTS),
    shortLimit: intField(f, "shortLimit", "Short limit", 0, MAX_LOTS),
    limitWeight: intField(f, "limitWeight", "Limit weight", 0, 1000, 1),
  };
  if (r.makerRebate > r.takerFee) throw new Error("The maker rebate cannot exceed the taker fee");
  return r;
}
