/**
 * The market part of the player screen, drawn from the room's public state (shared/src/state.ts
 * SecurityState): the chosen security's book ladder (the player's own levels marked), its depth chart,
 * its session statistics, the price chart and the tape of its last trades. Prices in ticks (shown with
 * the tick size), lots.
 */
import type { DepthChart, PriceChart } from "./charts.ts";
import { $, setHtml } from "./dom.ts";
import { px, qty, time } from "./format.ts";
import { ladderHtml, type LadderLevel } from "./ladder.ts";

const LADDER_LEVELS = 10;
/** Levels per side on a phone, so that the book and the order form fit one screen together. */
const PHONE_LADDER_LEVELS = 5;
const PHONE = "(max-width: 640px)";

/** What the market part draws into: the screen's root and its two charts. */
export interface MarketView {
  root: HTMLElement;
  depth: DepthChart;
  price: PriceChart;
}

/**
 * Draws the ladder, depth, statistics, price chart and tape of `sec`; `me` = the player's private state
 * (own orders marked), `refOf` = the reference shown for a security (the core's in a margin round).
 */
export function drawMarket(view: MarketView, sec: any, me: any, refOf: (s: any) => number): void {
  const { root: r, depth, price } = view;
  // book ladder
  const ts = sec.tickSize;
  const own = new Set<string>();
  if (me?.orders)
    for (const o of me.orders.values()) if (o.securityId === sec.securityId) own.add(`${o.side}:${o.price}`);
  const levels = matchMedia(PHONE).matches ? PHONE_LADDER_LEVELS : LADDER_LEVELS;
  const bids = [...sec.bids].slice(0, levels),
    asks = [...sec.asks].slice(0, levels);
  const lv = (l: any): LadderLevel => ({ price: l.price, lots: l.amount, total: l.total, orders: l.orders });
  setHtml($(r, "#ladder"), ladderHtml(bids.map(lv), asks.map(lv), own, ts));
  depth.show(bids.length ? [...sec.bids] : [], [...sec.asks], ts);

  // stats, chart, tape
  setHtml(
    $(r, "#stats"),
    [
      ["Last", px(sec.lastPrice, ts)],
      ["High", px(sec.high, ts)],
      ["Low", px(sec.low, ts)],
      ["Volume", qty(sec.volume)],
      ["Trades", qty(sec.tradeCount)],
      ["Ref", px(refOf(sec), ts)],
    ]
      .map(([k, v]) => `<div><span class="muted">${k}</span><b class="num">${v}</b></div>`)
      .join(""),
  );
  price.show(sec.securityId, ts);
  const trades = [...sec.trades].sort((a: any, b: any) => b.seq - a.seq).slice(0, 30);
  setHtml(
    $(r, "#tape"),
    `<table class="tape"><thead><tr><th>Time</th><th>Price</th><th>Lots</th></tr></thead><tbody>${
      trades
        .map(
          (t: any) =>
            `<tr class="${t.aggressor}"><td class="muted">${time(t.ts)}</td><td class="num price">${px(t.price, ts)}</td><td class="num">${qty(t.qty)}</td></tr>`,
        )
        .join("") || `<tr><td colspan="3" class="muted center">no trades yet</td></tr>`
    }</tbody></table>`,
  );
}
