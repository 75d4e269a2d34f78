/**
 * The player's margin screens (docs/client.md "Margin rounds"), as pure HTML builders over plain data
 * so that client/test/margin-view.test.ts checks them without a browser:
 *
 * - marginAccountHtml: equity, used (initial) margin, free margin, maintenance requirement and the
 *   account's leverage (gross notional at the marks / equity);
 * - marginPositionsHtml: per position side, lots, entry price, mark, unrealized P&L, liquidation price;
 *   exitsHtml: the SL / TP fields per position (set, change, clear);
 * - stopsHtml: the player's waiting stops (stop, take-profit, OCO legs, bracket children), each with
 *   Cancel;
 * - cfdQuoteHtml: a CFD security's house quote (bid / ask = reference -/+ half-spread) instead of a book.
 *
 * Units as everywhere: prices in ticks, lots, money in minor units, rates in basis points (integers);
 * only the leverage ratio is a float, at the display edge. Source of the rules: docs/margin.md.
 */
import { cash, esc, px, qty, signClass, signedCash } from "./format.ts";

/** The owner's margin figures (minor units). */
export interface MarginAccount {
  equity: number;
  /** Initial margin of the positions and open orders at their worst case. */
  usedMargin: number;
  /** equity - usedMargin (may be negative). */
  freeMargin: number;
  /** Maintenance requirement of the positions: below it the account is liquidated. */
  maintenance: number;
  /** Gross notional at the marks / equity, basis points (10000 = 1x; 0 when flat or equity <= 0). */
  leverageBps: number;
}

/** One open position in a margin round (prices in ticks, money in minor units). */
export interface MarginPosition {
  securityId: number;
  symbol: string;
  tickSize: string;
  /** Signed lots: > 0 long, < 0 short. */
  qty: number;
  entryPrice: number;
  mark: number;
  unrealizedPnl: number;
  /** The mark at which this position's account would reach its maintenance requirement (0 = none). */
  liquidationPrice: number;
  /** The position's initial margin (minor units) and its rate (bps; leverage = 10000 / it; 0 = unknown). */
  margin: number;
  initialMarginBps: number;
  /** The position's waiting stop-loss / take-profit trigger prices (its closing-side stops), ticks (0 = none). */
  stopLoss: number;
  takeProfit: number;
}

/** A waiting stop of the player (docs/core.md "Stop orders"). */
export interface StopView {
  stopId: number;
  securityId: number;
  symbol: string;
  tickSize: string;
  side: string;
  /** "stop" or "take_profit". */
  kind: string;
  /** What it places when it triggers: "market" or "limit" (at `price`). */
  orderType: string;
  price: number;
  stopPrice: number;
  qty: number;
  /** "last" (last trade) or "mark". */
  trigger: string;
  /** The other leg of a one-cancels-other pair (0 = none). */
  ocoStopId: number;
  /** The bracket entry whose fills arm it (0 = armed); qty 0 until the entry fills. */
  parentOrderId: number;
}

/** num / den as a leverage with at most one decimal: "10x", "3.3x" (display only; den > 0). */
function ratioText(num: number, den: number): string {
  const tenths = Math.round((num * 10) / den);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}x`;
}

/** The account's leverage from basis points (10000 = 1x): "2.5x"; "0x" when flat. */
export function leverageText(leverageBps: number): string {
  return ratioText(leverageBps, 10_000);
}

/** The largest leverage an initial margin rate allows: 10000 / bps ("10x" for 1000 bps, "3.3x" for 3000). */
export function maxLeverageText(initialMarginBps: number): string {
  return initialMarginBps > 0 ? ratioText(10_000, initialMarginBps) : "—";
}

/** Basis points as a percentage with up to two decimals, from integers: 1000 -> "10 %", 125 -> "1.25 %". */
export function bpsText(bps: number): string {
  const whole = Math.floor(bps / 100),
    rest = bps % 100;
  return rest ? `${whole}.${String(rest).padStart(2, "0").replace(/0$/, "")} %` : `${whole} %`;
}

/** The account part of the margin screen: equity, used / free margin, maintenance, leverage. HTML. */
export function marginAccountHtml(m: MarginAccount): string {
  const low = m.freeMargin < 0 || m.equity < m.maintenance;
  return `<dl class="kv margin-kv${low ? " low" : ""}" id="margin-account">
    <dt title="cash + every position at its mark">Equity</dt><dd class="num" id="m-equity">${cash(m.equity)}</dd>
    <dt title="initial margin of your positions and open orders (each order counted as if it filled)">Used margin</dt><dd class="num" id="m-used">${cash(m.usedMargin)}</dd>
    <dt title="equity − used margin: what new orders can use">Free margin</dt><dd class="num ${signClass(Math.min(0, m.freeMargin))}" id="m-free">${cash(m.freeMargin)}</dd>
    <dt title="below this equity your positions are closed (liquidation)">Maintenance</dt><dd class="num" id="m-maint">${cash(m.maintenance)}</dd>
    <dt title="value of your positions at the mark ÷ equity">Leverage</dt><dd class="num" id="m-leverage">${leverageText(m.leverageBps)}</dd>
  </dl>`;
}

/** "Long" / "Short" and its class. */
function sideOf(q: number): { word: string; cls: string } {
  return q >= 0 ? { word: "Long", cls: "buy" } : { word: "Short", cls: "sell" };
}

/** A price for an input's value: no thousands separators, "" for none. */
function inputPrice(ticks: number, tickSize: string): string {
  return ticks ? px(ticks, tickSize).replace(/,/g, "") : "";
}

/**
 * The positions table of a margin round: side, lots, entry, mark, unrealized P&L and liquidation price.
 * HTML. (The SL / TP fields are apart, exitsHtml, so that price moves do not redraw what is being typed.)
 */
export function marginPositionsHtml(ps: MarginPosition[]): string {
  if (!ps.length) return `<p class="muted" id="m-positions-empty">No open positions.</p>`;
  const rows = ps.map((p) => {
    const s = sideOf(p.qty);
    return `<tr class="m-pos ${s.cls}" data-sym="${esc(p.symbol)}" data-sid="${p.securityId}">
      <td>${esc(p.symbol)}</td><td class="m-side"><span class="side">${s.word}</span> <span class="num m-qty">${qty(Math.abs(p.qty))}</span></td>
      <td class="num m-entry">${px(p.entryPrice, p.tickSize)}</td><td class="num m-mark">${px(p.mark, p.tickSize)}</td>
      <td class="num m-upnl ${signClass(p.unrealizedPnl)}">${signedCash(p.unrealizedPnl)}</td>
      <td class="num m-lev" title="margin ${cash(p.margin)}">${p.initialMarginBps > 0 ? maxLeverageText(p.initialMarginBps) : ""}</td>
      <td class="num m-liq" title="if the mark reaches this price, your positions are closed">${px(p.liquidationPrice, p.tickSize)}</td></tr>`;
  });
  return `<div class="m-positions-wrap"><table class="m-positions" id="m-positions"><thead><tr><th>Sec</th><th>Position</th><th>Entry</th><th>Mark</th><th title="unrealized P&amp;L at the mark">P&amp;L</th><th title="leverage of the position (its margin in the tooltip)">Lev.</th><th title="liquidation price: the mark at which your positions are closed">Liq.</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/**
 * Stop-loss and take-profit per open position: a small form each (data-exits = security id) with the
 * current trigger prices filled in, Set and Clear. HTML.
 */
export function exitsHtml(ps: MarginPosition[]): string {
  if (!ps.length) return "";
  const head = `<h3>Stop-loss / take-profit <small class="muted">per position</small></h3>`;
  return (
    head +
    ps
      .map(
        (p) => `<form class="m-exits" data-exits="${p.securityId}" data-sym="${esc(p.symbol)}" autocomplete="off">
      <span class="m-exits-sym">${esc(p.symbol)} <span class="small muted">${sideOf(p.qty).word.toLowerCase()} ${qty(Math.abs(p.qty))}</span></span>
      <label>SL <input name="stopLoss" inputmode="decimal" placeholder="stop-loss" value="${esc(inputPrice(p.stopLoss, p.tickSize))}" aria-label="stop-loss for ${esc(p.symbol)}"></label>
      <label>TP <input name="takeProfit" inputmode="decimal" placeholder="take-profit" value="${esc(inputPrice(p.takeProfit, p.tickSize))}" aria-label="take-profit for ${esc(p.symbol)}"></label>
      <button type="submit" class="small">Set</button>
      <button type="button" class="small ghost" data-clear="${p.securityId}"${p.stopLoss || p.takeProfit ? "" : " disabled"}>Clear</button>
    </form>`,
      )
      .join("")
  );
}

/** A stop in words: "Stop-market sell 5 @ ≤ 95.00 (last)", "Take-profit limit sell 5 @ ≥ 110.00 → 110.00". */
export function stopText(s: StopView): string {
  const kind = s.kind === "take_profit" ? "Take-profit" : s.orderType === "limit" ? "Stop-limit" : "Stop-market";
  const tp = s.kind === "take_profit";
  // A stop (buy ≥, sell ≤) or take-profit (the reverse) triggers when the watched price reaches it.
  const up = (s.side === "buy") !== tp;
  const lim = s.orderType === "limit" ? ` → limit ${px(s.price, s.tickSize)}` : "";
  // A bracket child not armed yet has qty 0: its lots are what the entry fills.
  return `${kind} ${s.side}${s.qty ? ` ${qty(s.qty)}` : ""} when ${s.trigger === "mark" ? "mark" : "last"} ${up ? "≥" : "≤"} ${px(s.stopPrice, s.tickSize)}${lim}`;
}

/** The waiting stops with a Cancel button each (data-stop, data-sec). HTML. */
export function stopsHtml(stops: StopView[]): string {
  if (!stops.length) return `<p class="muted" id="stops-empty">No waiting stops.</p>`;
  const rows = [...stops]
    .sort((a, b) => a.securityId - b.securityId || a.stopId - b.stopId)
    .map((s) => {
      const notes = [
        s.ocoStopId ? `OCO with #${s.ocoStopId}` : "",
        s.parentOrderId
          ? s.qty
            ? `bracket of order ${s.parentOrderId}`
            : `armed when order ${s.parentOrderId} fills`
          : "",
      ].filter(Boolean);
      return `<tr class="stop ${s.side}" data-stop-id="${s.stopId}"><td class="muted">#${s.stopId}</td><td>${esc(s.symbol)}</td><td class="stop-text">${esc(stopText(s))}${notes.length ? ` <span class="small muted">(${esc(notes.join(", "))})</span>` : ""}</td>
        <td><button type="button" class="cancel" data-stop="${s.stopId}" data-sec="${s.securityId}" title="Cancel stop ${s.stopId}">Cancel</button></td></tr>`;
    });
  return `<table class="stops" id="stops-table"><tbody>${rows.join("")}</tbody></table>`;
}

/** A CFD's house quote: bid and ask (ticks) around the reference, and the half-spread. HTML. */
export function cfdQuoteHtml(
  q: { bid: number; ask: number; reference: number; halfSpread: number },
  tickSize: string,
): string {
  return `<div class="cfd-quote" id="cfd-quote">
    <p class="small muted">A CFD has no order book: the house quotes the reference price ± ${px(q.halfSpread, tickSize)}. Market orders fill at the quote at once; limit orders wait until the quote reaches them.</p>
    <div class="cfd-sides"><div class="sell-text"><span class="muted">You sell at (bid)</span><b class="num" id="cfd-bid">${px(q.bid, tickSize)}</b></div>
    <div class="buy-text"><span class="muted">You buy at (ask)</span><b class="num" id="cfd-ask">${px(q.ask, tickSize)}</b></div></div>
    <p class="small muted">Reference <span class="num" id="cfd-ref">${px(q.reference, tickSize)}</span></p>
  </div>`;
}

/**
 * The rules line of a margin security above the order form: initial / maintenance margin and the
 * largest leverage they allow. HTML.
 */
export function marginRulesHtml(sec: { initialMarginBps?: number; maintenanceMarginBps?: number }): string {
  const im = sec.initialMarginBps || 10_000,
    mm = sec.maintenanceMarginBps || Math.floor(im / 2);
  return `<span id="entry-margin">margin ${bpsText(im)} (up to ${maxLeverageText(im)}) · maintenance ${bpsText(mm)}</span>`;
}

/**
 * The margin an order needs at its price, under the estimate: ceil(notional x initialMarginBps / 10000)
 * (docs/margin.md; the server counts open orders at their worst case and the price beyond the mark). HTML.
 */
export function marginEstimateHtml(notional: number, initialMarginBps: number | undefined): string {
  const bps = initialMarginBps || 10_000;
  const need = Math.ceil((notional * bps) / 10_000);
  return `<br><span id="est-margin">Margin needed ≈ <b class="num">${cash(need)}</b> <span class="muted">(${bpsText(bps)} of ${cash(notional)})</span></span>`;
}
