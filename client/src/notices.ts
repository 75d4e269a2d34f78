/**
 * Rejections in plain words for a first-time student. One table, NOTICES, maps every error code the
 * room or the HTTP API can send (shared/src/errors.ts ERROR_CODES and shared/src/messages.ts
 * API_ERROR_CODES) to a builder of a sentence with formatted prices and money: no ticks or minor units
 * on screen. The code itself stays visible in small print next to the sentence (for programs and
 * teachers), see noticeHtml.
 *
 * The game core sends its numbers inside the message (server/src/core/order-checks.ts, risk/), e.g.
 *   INSUFFICIENT_FUNDS  "needs 68583500 available cash (taker fee 0 included), has 10295010"   minor units
 *   PRICE_OUT_OF_BAND   "price must be within [13530, 1693075] ticks"                          ticks
 *   MARKET_CLOSED       "the market is lobby"                                                  phase
 *   INSUFFICIENT_HOLDINGS "can sell at most 12 lots"                                           lots
 * A builder reads those numbers with `nums(message)` and formats them with the security of the order
 * (tick size) and cash helpers; when a message has no numbers it falls back to what the client knows
 * (the order it sent, the player's cash) or to a sentence without numbers.
 */
import type { AnyErrorCode } from "../../shared/src/messages.ts";
import { cash, esc, px, qty } from "./format.ts";

/** What a builder may use: the server's message, the order sent, its security, the player's state. */
export interface NoticeContext {
  /** The server's message (numbers in ticks, lots and minor units). */
  message: string;
  /** The security of the order (tickSize for prices, symbol). */
  sec?: { symbol: string; tickSize: string; scale: number; takerFee?: number } | undefined;
  /** The order as sent: side, type, tif, price in ticks, qty in lots. */
  order?: { side?: string; type?: string; tif?: string; price?: number; qty?: number; postOnly?: boolean } | undefined;
  /** The player's private state (cash, cashLocked in minor units). */
  me?: { cash?: number; cashLocked?: number } | undefined;
  /** RATE_LIMITED: ms until another order may be sent. */
  retryAfterMs?: number | undefined;
}

/** Money for sentences: "$1,234.56", "-$1.00" (minor units, cents). */
export function money(minor: number): string {
  return minor < 0 ? `-$${cash(-minor)}` : `$${cash(minor)}`;
}

/** The integers in a server message, in order ("needs 100 ..., has 5" -> [100, 5]). */
export function nums(message: string): number[] {
  return [...message.matchAll(/-?\d+/g)].map((m) => Number(m[0]));
}

type Builder = (c: NoticeContext) => string;

const price = (c: NoticeContext, ticks: number) => (c.sec ? px(ticks, c.sec.tickSize) : `${qty(ticks)} ticks`);
const available = (c: NoticeContext) =>
  c.me?.cash !== undefined ? (c.me.cash ?? 0) - (c.me.cashLocked ?? 0) : undefined;
const lotsText = (n: number) => `${qty(n)} ${n === 1 ? "lot" : "lots"}`;
const sideWord = (c: NoticeContext) => (c.order?.side === "sell" ? "sell" : "buy");

/**
 * INSUFFICIENT_FUNDS in a margin round (server/src/core/risk/margin.ts): "needs N margin (initial I, price
 * beyond the mark A, taker fee F), equity E": the margin with this order against the equity.
 */
const insufficientMargin: Builder = (c) => {
  const [need, initial, adverse, fee, equity] = nums(c.message);
  if (need === undefined || equity === undefined)
    return "Not enough margin for this order: close a position or cancel open orders first.";
  const parts = [`initial margin ${money(initial ?? need)}`];
  if (adverse) parts.push(`${money(adverse)} for the price beyond the mark`);
  if (fee) parts.push(`taker fee ${money(fee)}`);
  return `Not enough margin: with this order your positions and open orders need ${money(need)} (${parts.join(", ")}), your equity is ${money(equity)}. Trade fewer lots, or close a position or cancel orders first.`;
};

/** INSUFFICIENT_FUNDS: the order's cost (with the taker fee) against the cash not tied up in open buys. */
const insufficientFunds: Builder = (c) => {
  if (/\bmargin\b/.test(c.message)) return insufficientMargin(c);
  const n = nums(c.message);
  const forFee = /taker fee,/.test(c.message) || /for the taker fee/.test(c.message);
  const needs = n[0],
    has = n.length >= 2 ? n[n.length - 1] : available(c);
  if (needs === undefined || has === undefined)
    return "Not enough cash for this order. Cash already tied up in your open buy orders is not available.";
  if (forFee)
    return `Not enough cash for the taker fee: this order needs ${money(needs)}, you have ${money(has)} available.`;
  return (
    `Not enough cash: this order needs ${money(needs)}, you have ${money(has)} available.` +
    ((c.me?.cashLocked ?? 0) > 0 ? ` (${money(c.me!.cashLocked!)} is held for your open buy orders.)` : "")
  );
};

/** MARKET_CLOSED: what the phase means for orders. */
const marketClosed: Builder = (c) => {
  const phase = /\b(lobby|paused|ended)\b/.exec(c.message)?.[1];
  if (phase === "lobby") return "Trading has not started yet: orders are accepted once the organiser starts the round.";
  if (phase === "paused")
    return "Trading is paused: new orders are rejected until the round resumes. You can still cancel your orders.";
  if (phase === "ended") return "The round is over: it takes no more orders or new players.";
  return "The market is closed: no orders are accepted right now.";
};

/**
 * Every code -> its sentence. Keyed by AnyErrorCode, so the compiler refuses a missing code (and
 * client/test/notices.test.ts checks ALL_ERROR_CODES against it at run time).
 */
export const NOTICES: Record<AnyErrorCode, Builder> = {
  INVALID_SIDE: () => "Choose Buy or Sell.",
  INVALID_ORDER_TYPE: () => "Choose Limit (you set the price) or Market (trade now at the best price).",
  INVALID_TIME_IN_FORCE: (c) =>
    c.order?.type === "market"
      ? "A market order trades at once or not at all: choose IOC (keep what fills) or FOK (all or nothing)."
      : c.order?.postOnly
        ? "A post-only order waits in the book: it must be a GTC limit order."
        : "Choose how long the order lives: GTC, IOC or FOK.",
  INVALID_PRICE: (c) => {
    // Stops (server/src/core/decide/stops.ts): a trigger already reached, or a bracket's legs the wrong way round.
    const reached = /the (last trade|mark) \((\d+)\) has already reached the stop price (\d+)/.exec(c.message);
    if (reached)
      return `The ${reached[1]} is already at ${price(c, Number(reached[2]))}, past your trigger price ${price(c, Number(reached[3]))}: a stop waits for the price to get there. Choose a trigger on the other side of the price.`;
    if (/stop-loss must be (below|above)/.test(c.message))
      return /below/.test(c.message)
        ? "For a buy (a long), the stop-loss must be below the take-profit."
        : "For a sell (a short), the stop-loss must be above the take-profit.";
    return "Enter a price above 0.";
  },
  INVALID_QUANTITY: () => "Enter a quantity of whole lots, 1 or more.",
  INVALID_CLIENT_ORDER_ID: () => "The order could not be sent (bad order reference). Please try again.",
  PRICE_OUT_OF_BAND: (c) => {
    const [lo, hi] = nums(c.message);
    return lo !== undefined && hi !== undefined
      ? `Price out of range: this market accepts prices from ${price(c, lo)} to ${price(c, hi)}.`
      : "Price out of range for this market.";
  },
  ORDER_TOO_LARGE: (c) => {
    const [max] = nums(c.message);
    return max !== undefined
      ? `Order too large: at most ${lotsText(max)} per order. Split it into smaller orders.`
      : "Order too large for this market.";
  },
  NOTIONAL_TOO_LARGE: () => "Order too large: its value (price × quantity) is beyond what the market accepts.",
  POST_ONLY_WOULD_TAKE: () =>
    "Not sent: a post-only order must wait in the book, but at this price it would trade at once. Move your price away from the other side.",
  FOK_UNFILLABLE: () =>
    "Not filled: a fill-or-kill (FOK) order trades all of its quantity at once or nothing, and there is not enough on the other side.",
  INVALID_LEVERAGE: (c) => {
    const [, max] = nums(c.message);
    return max !== undefined
      ? `Leverage not allowed: choose from 1x to ${max}x for this CFD.`
      : "Leverage is chosen on CFD securities only.";
  },
  NO_LIQUIDITY: (c) =>
    /no quote/.test(c.message)
      ? "Nothing to trade against: the house has no quote for this CFD yet (no reference price)."
      : `Nothing to trade against: there are no ${sideWord(c) === "buy" ? "sell orders (asks)" : "buy orders (bids)"} in the book right now. Use a limit order to wait in the book.`,
  MARKET_CLOSED: marketClosed,
  INSUFFICIENT_FUNDS: insufficientFunds,
  INSUFFICIENT_HOLDINGS: (c) => {
    // set-exits on a security without a position (server/src/game/stop-commands.ts)
    if (/no open position/.test(c.message))
      return `You have no open position in ${c.sec?.symbol ?? "this security"}: a stop-loss or take-profit needs one.`;
    const [most] = nums(c.message);
    return most !== undefined
      ? `Not enough to sell: you can sell at most ${lotsText(most)} now (lots on your open sell orders are already promised).`
      : "Not enough to sell: you do not hold that many lots.";
  },
  POSITION_LIMIT: (c) => {
    const [limit] = nums(c.message);
    const dir = /short/.test(c.message) ? "short" : "long";
    return limit !== undefined
      ? `Position limit: with your open orders you could hold more than ${lotsText(limit)} ${dir} in ${c.sec?.symbol ?? "this security"}. Trade a smaller quantity or cancel some orders.`
      : "Position limit reached for this security.";
  },
  GROSS_POSITION_LIMIT: (c) => {
    const [would, limit] = nums(c.message);
    return would !== undefined && limit !== undefined
      ? `Total position limit: your positions in all securities could reach ${qty(would)} weighted lots, above the limit of ${qty(limit)}.`
      : "Total position limit reached.";
  },
  NET_POSITION_LIMIT: (c) => {
    const [would, limit] = nums(c.message);
    const dir = /short/.test(c.message) ? "short" : "long";
    return would !== undefined && limit !== undefined
      ? `Net position limit: your net ${dir} position could reach ${qty(would)} weighted lots, above the limit of ${qty(limit)}.`
      : "Net position limit reached.";
  },
  UNKNOWN_GAME: () => "This game does not exist (any more). Ask the organiser for the code.",
  UNKNOWN_SECURITY: () => "This security is not traded in this game.",
  UNKNOWN_PLAYER: () => "You are not a player of this game. Join it again with its code.",
  UNKNOWN_ORDER: () => "That order is no longer open: it was filled or cancelled already.",
  NOT_OWNER: () => "That is not your order.",
  GAME_EXISTS: () => "A game with this id exists already.",
  SECURITY_EXISTS: () => "A security with this id exists already.",
  PLAYER_EXISTS: () => "A player with this id exists already.",
  INVALID_PHASE_TRANSITION: () =>
    "Not possible in the round's current phase (for example, results are only ready once the round has ended).",
  INVALID_ARGUMENT: (c) => `Not accepted: ${c.message}.`,
  INVALID_MESSAGE: () => "The order could not be read by the server. Check the price and quantity and try again.",
  UNKNOWN_MESSAGE: () => "The server does not know this request.",
  READ_ONLY: () => "You are watching: this view cannot trade.",
  INVALID_BODY: (c) => `Not accepted: ${c.message}.`,
  INVALID_QUERY: (c) => `Not accepted: ${c.message}.`,
  UNAUTHORIZED: () => "Not signed in (or your pass expired). Join again with the code.",
  FORBIDDEN: () => "Not allowed with your sign-in.",
  NOT_FOUND: () => "Not found.",
  UNKNOWN_JOIN_CODE: () => "No game has this code. Check the code your organiser gave you.",
  UNKNOWN_BOT: () => "No such bot in this game.",
  UNKNOWN_SCENARIO: () => "No such scenario.",
  UNAVAILABLE: () => "The server cannot be reached right now. Try again in a moment.",
  INTERNAL_ERROR: () => "Something went wrong on the server; nothing was changed. Try again.",
  RATE_LIMITED: (c) => {
    const s = c.retryAfterMs !== undefined ? Math.max(1, Math.ceil(c.retryAfterMs / 1000)) : 0;
    return `Too many orders in a short time: wait${s ? ` ${s} s` : " a moment"} before sending the next one. Nothing was sent.`;
  },
  GAME_FULL: () => "This round is full: it has as many players as the organiser allows. Ask your organiser.",
  FENCED: () => "The game moved to another server. Reconnecting; send your order again if it does not appear.",
  CHANNEL_NOT_ALLOWED: () =>
    "In this round orders come from another channel (the browser or programs through the API), as the organiser set it.",
  QUIZ_REQUIRED: () =>
    "Before you can trade, answer the short quiz about how this round works (open Help, then Instructions).",
  UNKNOWN_SESSION: () => "No such session. Check the code your organiser gave you.",
  SESSION_EXISTS: () => "A session with this id exists already.",
};

/** The plain sentence of a rejection; an unknown code gets the server's message as it is. */
export function noticeText(code: string, ctx: NoticeContext): string {
  const b = (NOTICES as Record<string, Builder | undefined>)[code];
  return b ? b(ctx) : ctx.message || code;
}

/** The sentence and, in small print, the code (kept for programs and teachers). HTML. */
export function noticeHtml(code: string, ctx: NoticeContext): string {
  return `<span class="notice-text">${esc(noticeText(code, ctx))}</span> <small class="code-tag" title="${esc(ctx.message)}">${esc(code)}</small>`;
}

/** What a placed order became (OrderSummary of the place reply; prices in ticks, notional in minor units). */
export interface OrderOutcome {
  orderId: number;
  side: string;
  orderType?: string;
  price: number;
  qty: number;
  filledQty: number;
  restingQty: number;
  cancelledQty?: number;
  notional: number;
  status: string;
  reason?: string;
}

const REMAINDER_WHY: Record<string, string> = {
  ioc: "an IOC order keeps what fills at once and cancels the rest",
  market: "a market order keeps what fills at once and cancels the rest",
  fok: "a FOK order fills completely or not at all",
  stp: "it would have traded with your own order",
  max_matches: "it met too many orders at once",
};

/**
 * The outcome of a placed order in plain words: "Order 12 filled: bought 4 lots at 1.01 for $4.04.",
 * "Order 7 is in the book: sell 10 lots at 1.01, waiting for a buyer.", a partial fill with the rest
 * resting or cancelled (and why). The status word (new, partially filled, filled, cancelled, expired)
 * comes right after the order number, as in the Help glossary.
 */
export function orderOutcomeText(o: OrderOutcome, sec?: { tickSize: string; scale: number }): string {
  const at = (ticks: number) => (sec ? px(ticks, sec.tickSize) : String(ticks));
  const did = o.side === "sell" ? "sold" : "bought";
  const status = o.status.replace(/_/g, " ");
  const avg =
    o.filledQty > 0 && sec && o.notional % (o.filledQty * sec.scale) === 0
      ? at(o.notional / (o.filledQty * sec.scale))
      : "";
  const filled =
    o.filledQty > 0 ? `${did} ${lotsText(o.filledQty)}${avg ? ` at ${avg}` : ""} for ${money(o.notional)}` : "";
  const rest = o.qty - o.filledQty;
  if (o.restingQty > 0) {
    const waits = `${o.side === "sell" ? "sell" : "buy"} ${lotsText(o.restingQty)} at ${at(o.price)}, waiting for a ${o.side === "sell" ? "buyer" : "seller"}`;
    if (!filled) return `Order ${o.orderId} ${status} — in the book: ${waits}.`;
    return `Order ${o.orderId} ${status}: ${filled}; ${lotsText(o.restingQty)} wait in the book at ${at(o.price)} for a ${o.side === "sell" ? "buyer" : "seller"}.`;
  }
  if (rest <= 0) return `Order ${o.orderId} ${status}: ${filled}.`;
  const why = REMAINDER_WHY[o.reason ?? ""];
  return filled
    ? `Order ${o.orderId} ${status}: ${filled}; the other ${lotsText(rest)} were cancelled${why ? ` (${why})` : ""}.`
    : `Order ${o.orderId} ${status}: nothing traded${why ? ` (${why})` : ""}.`;
}
