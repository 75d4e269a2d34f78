/**
 * Help for a first-time student: the glossary of the Help panel (HELP_HTML) and the explanation next to
 * the P&L (pnlHelpHtml). The P&L text follows the server's rule exactly (server/src/game/model.ts
 * startValue / pnl, server/src/scoring/scoring.ts and references.ts, docs/export.md "Scoring rule"):
 *
 *   starting value = starting cash + Σ starting lots × the security's opening reference price × scale
 *                    (opening reference = the refPrice the round was created with, the same for every
 *                    player whenever they join)
 *   equity         = cash + Σ lots × mark × scale; mark (live) = last trade price, else the current
 *                    reference price; at the end: the round's mark rule (last trade in the round, else the
 *                    closing reference; or always the closing reference)
 *   P&L            = equity − starting value = realised + unrealised − fees (FIFO lots; starting lots
 *                    count as bought at the opening reference)
 */
import { esc } from "./format.ts";
import { money } from "./notices.ts";

/** The glossary shown by the Help button (static HTML). */
export const HELP_HTML = `
<h2>Help <button type="button" id="help-close" class="ghost small" aria-label="Close help">Close</button></h2>
<p class="small">You trade against the other players. Everyone starts with cash and, in most rounds, some lots of each security.
Your aim: end the round with more value than you started with.</p>
<dl class="glossary">
  <dt>Bid / ask</dt><dd>A <b>bid</b> is a buy order waiting in the book (green, below the spread); an <b>ask</b> is a sell order waiting (red, above).
    The best bid is the highest price someone will pay now, the best ask the lowest price someone will sell at; the gap between them is the <b>spread</b>.</dd>
  <dt>Order book</dt><dd>All waiting orders, by price. Orders at the same price trade first come, first served (price-time priority).
    ● marks a level that holds one of your orders. Click a price to copy it into the order form.</dd>
  <dt>Lot</dt><dd>The unit you trade in (quantity).</dd>
  <dt>Limit order</dt><dd>You set the price: a buy trades at that price or lower, a sell at that price or higher. What does not trade at once waits in the book (with GTC).</dd>
  <dt>Market order</dt><dd>Trade now at the best prices in the book, whatever they are. It never waits in the book, so it is always IOC or FOK.</dd>
  <dt>GTC</dt><dd><i>Good till cancelled</i>: the unfilled part waits in the book until it trades, you cancel it, or the round ends.</dd>
  <dt>IOC</dt><dd><i>Immediate or cancel</i>: trade what you can at once, cancel the rest.</dd>
  <dt>FOK</dt><dd><i>Fill or kill</i>: trade the whole quantity at once, or nothing at all.</dd>
  <dt>Post-only</dt><dd>A limit order that must wait in the book: if it would trade at once it is rejected instead. It never pays the taker fee.</dd>
  <dt>Maker / taker</dt><dd>In each trade the order that was waiting in the book is the <b>maker</b>; the order that arrived and traded with it is the <b>taker</b>.
    The trade happens at the maker's price.</dd>
  <dt>Fee / rebate</dt><dd>The taker pays the round's <b>taker fee</b> per lot traded; the maker may receive a <b>maker rebate</b> per lot. Both are shown above the order form.</dd>
  <dt>Equity</dt><dd>Your cash plus the value of your lots at today's price (the last trade, or the reference price before the first trade).</dd>
  <dt>P&amp;L</dt><dd>Profit and loss: your equity now minus your starting value (see "How is P&amp;L measured?" next to your P&amp;L).</dd>
  <dt>Realised P&amp;L</dt><dd>Gains and losses on lots you have sold again (or bought back): locked in. Lots are matched first in, first out.</dd>
  <dt>Unrealised P&amp;L</dt><dd>Gains and losses on lots you still hold, at today's price: they change while the price moves.</dd>
  <dt>"Order 158 new"</dt><dd>The number is your order's id; the word is its status:
    <b>new</b> = waiting in the book, nothing traded yet; <b>partially filled</b> = some lots traded, the rest waits;
    <b>filled</b> = all traded; <b>cancelled</b> = taken off the book (by you, by the organiser, or at the round's end);
    <b>expired</b> = the part of an IOC, FOK or market order that could not trade at once.</dd>
  <dt>Paused</dt><dd>While the round is paused (or in a break) new orders are rejected; you can still cancel orders.</dd>
</dl>
<div id="margin-help" hidden>
<h3>Margin rounds</h3>
<dl class="glossary">
  <dt>Margin / leverage</dt><dd>You hold only a share of a position's value: with 10 % <b>initial margin</b> you can hold positions worth up to 10 times your equity (10x leverage). You can be long (bought) or short (sold) without holding the lots.</dd>
  <dt>Equity, used and free margin</dt><dd><b>Equity</b> = cash + your positions at the mark price. <b>Used margin</b> = the initial margin of your positions and open orders (each order counted as if it filled). <b>Free margin</b> = equity − used margin: an order that needs more is refused.</dd>
  <dt>Mark price</dt><dd>The price your positions are valued at: the round's rule (last trade, reference or mid of the book).</dd>
  <dt>Liquidation</dt><dd>If your equity falls below the <b>maintenance margin</b>, all your orders and stops are cancelled and your positions closed at market at once; what the book cannot take, the house takes at the mark. The <b>liquidation price</b> beside each position is the mark at which that happens (other prices unchanged).</dd>
  <dt>Stop / stop-limit</dt><dd>Waits unseen until the price reaches its <b>trigger</b> (a buy at or above, a sell at or below), then sends a market order (stop) or a limit order (stop-limit).</dd>
  <dt>Take-profit</dt><dd>The other way round: a sell that triggers at or above its price, a buy at or below.</dd>
  <dt>SL / TP, OCO, bracket</dt><dd><b>Stop-loss</b> and <b>take-profit</b> on a position close it when the price reaches them; as a pair they are <b>one-cancels-other (OCO)</b>: the first to trigger cancels the other. A <b>bracket</b> puts both on a new order, armed by its fills.</dd>
</dl></div>
<p class="small muted">Keyboard: <kbd>B</kbd> buy, <kbd>S</kbd> sell, <kbd>P</kbd> price, <kbd>Q</kbd> quantity, <kbd>Enter</kbd> send, <kbd>Esc</kbd> leave a field.</p>`;

/** A margin round's mark rule in words (docs/margin.md "Mark price"). */
const MARK_WORDS: Record<string, string> = {
  last_trade: "the last trade (the reference price before any trade)",
  reference: "the reference price",
  mid: "the middle of the best bid and ask (the last trade while a side is empty)",
};

/**
 * The "How is P&L measured?" text of the account panel, with the player's own numbers: starting value
 * = equity − P&L (the server's identity, minor units) and the round's end-of-round mark rule; in a margin
 * round `marginRule`, the round's one mark (docs/margin.md "One mark").
 */
export function pnlHelpHtml(equity: number, pnl: number, markRule: string, marginRule?: string): string {
  const start = equity - pnl;
  const end = marginRule
    ? `This margin round has one mark, ${MARK_WORDS[marginRule] ?? marginRule}: it values your lots now, at the end of the round and for your margin alike.`
    : markRule === "reference"
      ? "At the end of the round every security is valued at its closing reference price."
      : "At the end of the round every security is valued at its last trade in the round (its closing reference price if it never traded).";
  return `<details id="pnl-help" class="pnl-help small"><summary>How is P&amp;L measured?</summary>
    <p><b>P&amp;L = equity now − starting value.</b></p>
    <p><b>Starting value</b> = your starting cash + your starting lots × each security's <b>opening price</b> (the reference price the round opened with).
      Yours: <b class="num" id="my-start-value">${esc(money(start))}</b>. It is measured at the opening prices for everyone, whenever they joined.</p>
    <p><b>Equity now</b> = cash + your lots × today's price (the last trade, or the reference price before any trade). ${esc(end)}</p>
    <p>So if prices have moved since the round opened, the lots you were given already show a gain or a loss before your first trade.
      Joining late after a fall shows a loss that is not yours: every player holding the same starting lots has it too.</p>
    <p>P&amp;L = realised (lots sold again) + unrealised (lots still held, at today's price) − fees.</p></details>`;
}
