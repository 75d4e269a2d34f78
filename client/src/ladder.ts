/**
 * The book ladder table the player's screen and replay both draw: asks above (best ask lowest), the
 * spread, bids below (best first); each row a price level with its lots, the cumulative lots from the
 * best price (drawn as a bar, `--w` in % of the deepest total shown) and its order count; the levels
 * in `own` (keys `"buy:<price>"` / `"sell:<price>"`) marked with a dot. Prices in ticks, shown with the
 * tick size `ts` (the security's tick size as a decimal string); lots as integers.
 */
import { esc, px, qty } from "./format.ts";

/** One price level: price in ticks, lots at it, lots from the best price through it, resting orders. */
export interface LadderLevel {
  price: number;
  lots: number;
  total: number;
  orders: number;
}

/** The ladder's `<table>` HTML for `bids` and `asks`, each best first, already cut to the levels shown. */
export function ladderHtml(bids: LadderLevel[], asks: LadderLevel[], own: Set<string>, ts: string): string {
  const maxTotal = Math.max(1, bids.at(-1)?.total ?? 0, asks.at(-1)?.total ?? 0);
  const row = (l: LadderLevel, side: "buy" | "sell") => {
    const mine = own.has(`${side}:${l.price}`);
    const w = Math.round((l.total / maxTotal) * 100);
    return `<tr class="${side}${mine ? " own" : ""}" data-price="${esc(px(l.price, ts).replace(/,/g, ""))}" style="--w:${w}%">
      <td class="mark">${mine ? "●" : ""}</td><td class="num price">${px(l.price, ts)}</td><td class="num">${qty(l.lots)}</td><td class="num muted">${qty(l.total)}</td><td class="num muted">${l.orders}</td></tr>`;
  };
  const spread = bids[0] && asks[0] ? px(asks[0].price - bids[0].price, ts) : "—";
  const askRows =
    asks
      .slice()
      .reverse()
      .map((l) => row(l, "sell"))
      .join("") || `<tr><td colspan="5" class="muted center">no asks</td></tr>`;
  const bidRows =
    bids.map((l) => row(l, "buy")).join("") || `<tr><td colspan="5" class="muted center">no bids</td></tr>`;
  return `<table class="ladder"><thead><tr><th></th><th>Price</th><th>Lots</th><th>Total</th><th>#</th></tr></thead><tbody>
    ${askRows}
    <tr class="spread"><td></td><td class="num" colspan="4">spread ${spread}</td></tr>
    ${bidRows}
    </tbody></table>`;
}
