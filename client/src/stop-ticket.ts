/**
 * The order form's margin-round order types (docs/client.md "Margin rounds"; rules in docs/core.md
 * "Stop orders"): stop-market and stop-limit (a trigger price, on the last trade or the mark),
 * take-profit (a trigger price; market, or limit when a price is given), OCO (a stop-loss and a
 * take-profit, the first to trigger cancels the other) and a bracket on a limit or market entry (a
 * stop-loss and a take-profit armed by the entry's fills).
 *
 * On a CFD (syncCfdTicket) the form also offers a leverage and shows the house's quote.
 *
 * stopRequest turns the form into the room message: "place-stop" (shared PlaceStopMessage) or the
 * `bracket` of a "place". Prices are parsed with the security's tick size (ticks); a bad field throws
 * an Error whose message says which and why, before anything is sent.
 */
import { priceToTicks, px, qty } from "./format.ts";

/** The stop order types the form offers (its `type` select) beside limit and market. */
export const STOP_TYPES = ["stop", "stop_limit", "take_profit", "oco"] as const;
export type StopType = (typeof STOP_TYPES)[number];

/** <option>s added to the type select in margin rounds. */
export const STOP_TYPE_OPTIONS = `<option value="stop" data-margin-only>Stop-market</option><option value="stop_limit" data-margin-only>Stop-limit</option><option value="take_profit" data-margin-only>Take-profit</option><option value="oco" data-margin-only>OCO (stop-loss + take-profit)</option>`;

/** The extra fields (shown in margin rounds, each row for the types in its data-for). */
export const STOP_FIELDS_HTML = `
<div id="stop-fields" hidden>
  <div id="cfd-ticket" class="cfd-ticket" hidden>
    <label>Leverage <select name="leverage" disabled></select></label>
    <p class="small" id="cfd-ticket-quote"></p>
  </div>
  <div class="row2" data-for="stop stop_limit take_profit">
    <label>Trigger price <input name="stopPrice" inputmode="decimal" placeholder="triggers at"></label>
    <label>Trigger on <select name="trigger"><option value="last">last trade</option><option value="mark">mark price</option></select></label>
  </div>
  <div class="row2" data-for="oco">
    <label>Stop-loss at <input name="ocoStop" inputmode="decimal" placeholder="stop price"></label>
    <label>Take-profit at <input name="ocoTake" inputmode="decimal" placeholder="take-profit price"></label>
  </div>
  <label class="check" data-for="limit market"><input type="checkbox" name="bracket"> Bracket: stop-loss and take-profit when this fills</label>
  <div class="row2" data-for="bracket">
    <label>Stop-loss at <input name="bracketStop" inputmode="decimal" placeholder="optional"></label>
    <label>Take-profit at <input name="bracketTake" inputmode="decimal" placeholder="optional"></label>
  </div>
  <p class="small muted" id="stop-hint"></p>
</div>`;

/** What each type does, in one line under the fields. */
const HINTS: Record<string, string> = {
  stop: "Stop-market: when the price reaches the trigger (a buy at or above, a sell at or below), a market order is sent.",
  stop_limit: "Stop-limit: when the price reaches the trigger, a limit order at your price is sent.",
  take_profit:
    "Take-profit: when the price reaches the trigger (a sell at or above, a buy at or below), an order is sent: at market, or a limit at your price if you give one.",
  oco: "OCO: a stop-loss and a take-profit for the same lots; when one triggers the other is cancelled. Use it to close a position.",
  limit: "",
  market: "",
};

/** Shows the fields of the chosen type (margin rounds only); the price field serves limit, stop-limit and take-profit. */
export function syncStopFields(form: HTMLFormElement, margin: boolean): void {
  const box = form.querySelector<HTMLElement>("#stop-fields");
  if (!box) return;
  box.hidden = !margin;
  for (const o of form.querySelectorAll<HTMLOptionElement>("option[data-margin-only]")) {
    o.hidden = !margin;
    o.disabled = !margin;
  }
  const type = (form.elements.namedItem("type") as HTMLSelectElement).value;
  const bracket = (form.elements.namedItem("bracket") as HTMLInputElement).checked;
  for (const el of box.querySelectorAll<HTMLElement>("[data-for]")) {
    const fors = el.dataset.for!.split(" ");
    el.hidden = !(
      fors.includes(type) ||
      (fors.includes("bracket") && bracket && (type === "limit" || type === "market"))
    );
  }
  box.querySelector("#stop-hint")!.textContent = HINTS[type] ?? "";
}

/** What the CFD ticket reads of the selected security (public state; ticks, bps). */
export interface CfdTicketSecurity {
  kind?: string;
  tickSize: string;
  initialMarginBps?: number;
  quoteBid?: number;
  quoteAsk?: number;
}

/**
 * The CFD part of the order form (docs/margin.md "CFD securities"): shown when the selected security is
 * a CFD in a margin round (`sec` undefined otherwise). A leverage from 1x to the security's largest
 * (10000 / initialMarginBps; default the largest), and the house's price the order would take: the ask
 * for a buy, the bid for a sell. SL / TP are the bracket fields below it.
 */
export function syncCfdTicket(form: HTMLFormElement, sec: CfdTicketSecurity | undefined): void {
  const box = form.querySelector<HTMLElement>("#cfd-ticket");
  if (!box) return;
  const cfd = sec?.kind === "cfd";
  const select = form.elements.namedItem("leverage") as HTMLSelectElement;
  box.hidden = !cfd;
  select.disabled = !cfd;
  if (!cfd) return;
  const max = Math.max(1, Math.floor(10_000 / (sec.initialMarginBps || 10_000)));
  if (select.options.length !== max) {
    const keep = Number(select.value);
    select.innerHTML = Array.from({ length: max }, (_, i) => `<option value="${max - i}">${max - i}x</option>`).join(
      "",
    );
    select.value = String(keep >= 1 && keep <= max ? keep : max);
  }
  const buy = (form.querySelector("input[name=side]:checked") as HTMLInputElement | null)?.value !== "sell";
  const price = (buy ? sec.quoteAsk : sec.quoteBid) ?? 0;
  form.querySelector("#cfd-ticket-quote")!.textContent = price
    ? `You ${buy ? "buy at the house's ask" : "sell at the house's bid"} ${px(price, sec.tickSize)}: a market order fills there at once, a limit order when the quote reaches it.`
    : "The house has no quote yet (no reference price): a limit order waits for one.";
}

/** The leverage chosen on the CFD ticket, or undefined when the security is not a CFD. */
export function cfdLeverage(form: HTMLFormElement): number | undefined {
  const select = form.elements.namedItem("leverage") as HTMLSelectElement | null;
  return select && !select.disabled && select.value ? Number(select.value) : undefined;
}

/** A stop-type order as the room message "place-stop" (PlaceStopMessage), or a bracket for "place". */
export type StopRequest =
  | { message: "place-stop"; body: Record<string, unknown> }
  | { message: "place"; bracket: { stopLoss?: number; takeProfit?: number } | undefined };

/** A price field in ticks; "" = undefined when optional. Throws a readable Error. */
function priceField(f: FormData, name: string, label: string, tickSize: string, optional = false): number | undefined {
  const text = String(f.get(name) ?? "").replace(/[,_\s]/g, "");
  if (!text) {
    if (optional) return undefined;
    throw new Error(`Enter the ${label}`);
  }
  let t: number;
  try {
    t = priceToTicks(text, tickSize);
  } catch {
    throw new Error(`The ${label} must be a multiple of the tick size ${tickSize}`);
  }
  if (t <= 0) throw new Error(`The ${label} must be above 0`);
  return t;
}

/**
 * The request for the form's order type: place-stop for stop, stop-limit, take-profit and OCO; for limit
 * and market the bracket to add to the "place" (undefined without one). `base` = securityId, side, qty.
 */
export function stopRequest(
  f: FormData,
  tickSize: string,
  base: { securityId: number; side: string; qty: number },
): StopRequest {
  const type = String(f.get("type"));
  const trigger = String(f.get("trigger") || "last");
  if (type === "limit" || type === "market") {
    if (!f.get("bracket")) return { message: "place", bracket: undefined };
    const stopLoss = priceField(f, "bracketStop", "bracket's stop-loss", tickSize, true);
    const takeProfit = priceField(f, "bracketTake", "bracket's take-profit", tickSize, true);
    if (stopLoss === undefined && takeProfit === undefined)
      throw new Error("A bracket needs a stop-loss or a take-profit price (or untick Bracket)");
    return {
      message: "place",
      bracket: { ...(stopLoss ? { stopLoss } : {}), ...(takeProfit ? { takeProfit } : {}) },
    };
  }
  if (type === "oco") {
    const sl = priceField(f, "ocoStop", "stop-loss price", tickSize)!;
    const tp = priceField(f, "ocoTake", "take-profit price", tickSize)!;
    if (base.side === "sell" ? sl >= tp : sl <= tp)
      throw new Error(
        base.side === "sell"
          ? "Selling to close a long: the stop-loss must be below the take-profit"
          : "Buying to close a short: the stop-loss must be above the take-profit",
      );
    return {
      message: "place-stop",
      body: {
        ...base,
        type: "market",
        stopPrice: sl,
        kind: "stop",
        trigger,
        oco: { type: "market", stopPrice: tp, kind: "take_profit", trigger },
      },
    };
  }
  const stopPrice = priceField(f, "stopPrice", "trigger price", tickSize)!;
  const kind = type === "take_profit" ? "take_profit" : "stop";
  const limit =
    type === "stop_limit"
      ? priceField(f, "price", "limit price", tickSize)
      : type === "take_profit"
        ? priceField(f, "price", "limit price", tickSize, true)
        : undefined;
  return {
    message: "place-stop",
    body: { ...base, kind, trigger, stopPrice, ...(limit ? { type: "limit", price: limit } : { type: "market" }) },
  };
}

/** The reply to a placed stop in words: "Stop #4 waits: sell 5 lots when the last trade ≤ 95.00 (OCO with #5)." */
export function stopPlacedText(body: Record<string, unknown>, stopIds: number[], tickSize: string): string {
  const side = String(body.side);
  const tp = body.kind === "take_profit";
  const up = (side === "buy") !== tp;
  const on = body.trigger === "mark" ? "the mark" : "the last trade";
  const lots = `${qty(Number(body.qty))} ${body.qty === 1 ? "lot" : "lots"}`;
  const ids = stopIds.map((id) => `#${id}`).join(" and ");
  const first = `${side} ${lots} when ${on} ${up ? "≥" : "≤"} ${px(Number(body.stopPrice), tickSize)}`;
  const oco = body.oco as { stopPrice: number } | undefined;
  if (oco)
    return `OCO ${ids} waits: stop-loss — ${first}; take-profit — ${side} when ${on} ${up ? "≤" : "≥"} ${px(oco.stopPrice, tickSize)}. The first to trigger cancels the other.`;
  return `${tp ? "Take-profit" : "Stop"} ${ids} waits: ${first}${body.type === "limit" ? `, then a limit at ${px(Number(body.price), tickSize)}` : ", then at market"}.`;
}
