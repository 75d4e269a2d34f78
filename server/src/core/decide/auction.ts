/**
 * Call market commands (docs/markets.md "Call market"):
 *
 * - `uncross {securityId, referencePrice?}`: a call. The book of a security in call mode clears at one
 *   price (matching/auction.ts clearingPrice); events: `auction` (price, volume, demand and supply at
 *   the price; price 0 when nothing crossed), then one `fill` per pair of orders at that price, in
 *   price-time priority. Fills of a call carry takerFee 0 and makerRebate 0: nobody takes liquidity
 *   from a waiting book in a call, and resting orders are not charged fees (docs/engine.md "Fees").
 *   Rejections: UNKNOWN_GAME, UNKNOWN_SECURITY, INVALID_ARGUMENT (reference price; the security
 *   trades continuously), MARKET_CLOSED (not running).
 * - `set_trading_mode {securityId, mode, referencePrice?}`: continuous <-> call, event
 *   `trading_mode`. Leaving call mode first runs a call (the book must not stay crossed); a crossed
 *   book can only leave call mode while the market runs. The same mode again changes nothing.
 *   Rejections: UNKNOWN_GAME, UNKNOWN_SECURITY, INVALID_ARGUMENT (mode, reference price),
 *   MARKET_CLOSED (ended; or crossed and not running).
 */
import type { AuctionResult, FillEvent } from "@marketroom/shared";
import type { SetTradingModeCommand, UncrossCommand } from "../commands.ts";
import { clearingPrice, planAuction } from "../matching/auction.ts";
import { reject } from "../reject.ts";
import type { CoreState, SecurityState } from "../state.ts";
import { MAX_PRICE, needInt } from "../validation.ts";
import { EventLog, needGame, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";

function referenceOf(v: unknown): number | undefined {
  return v === undefined ? undefined : needInt(v, 1, MAX_PRICE, "INVALID_ARGUMENT", "referencePrice");
}

/** Logs a call of `sec` (auction event, then fills) and returns its price, volume and fills. */
function runCall(
  log: EventLog,
  sec: SecurityState,
  ref: number | undefined,
): { price: number; qty: number; fills: FillEvent[] } {
  const securityId = sec.info.securityId;
  const ts = log.ts;
  const c = clearingPrice(sec.book, ref);
  const price = c?.price ?? 0;
  const qty = c?.qty ?? 0;
  log.events.push({
    type: "auction",
    seq: log.next(),
    ts,
    securityId,
    price,
    qty,
    buyQty: c?.buyQty ?? 0,
    sellQty: c?.sellQty ?? 0,
    referencePrice: ref ?? 0,
  });
  const fills: FillEvent[] = [];
  if (c === null) return { price, qty, fills };
  for (const p of planAuction(sec.book, price, qty)) {
    const buyFirst = p.buy.id < p.sell.id;
    const maker = buyFirst ? p.buy : p.sell;
    const taker = buyFirst ? p.sell : p.buy;
    const fill: FillEvent = {
      type: "fill",
      seq: log.next(),
      ts,
      securityId,
      price,
      qty: p.qty,
      aggressor: taker.side,
      makerOrderId: maker.id,
      takerOrderId: taker.id,
      makerPlayerId: maker.playerId,
      takerPlayerId: taker.playerId,
      makerRemaining: buyFirst ? p.buyLeft : p.sellLeft,
      takerRemaining: buyFirst ? p.sellLeft : p.buyLeft,
      takerFee: 0,
      makerRebate: 0,
    };
    fills.push(fill);
    log.events.push(fill);
  }
  return { price, qty, fills };
}

function result(log: EventLog, price: number, qty: number, fills: FillEvent[]): Decision<AuctionResult> {
  return { ok: true, events: log.events, result: { ok: true, events: log.events, ...log.range(), price, qty, fills } };
}

export function decideUncross(state: CoreState, c: UncrossCommand, ts: number): Decision<AuctionResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  const ref = referenceOf(c.referencePrice);
  if (sec.mode !== "call")
    reject("INVALID_ARGUMENT", `security ${sec.info.securityId} trades continuously: there is no call`);
  if (game.phase !== "running") reject("MARKET_CLOSED", `the market is ${game.phase}`);
  const log = new EventLog(state.seq, ts);
  const { price, qty, fills } = runCall(log, sec, ref);
  return result(log, price, qty, fills);
}

export function decideSetTradingMode(state: CoreState, c: SetTradingModeCommand, ts: number): Decision<AuctionResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  if (c.mode !== "continuous" && c.mode !== "call") reject("INVALID_ARGUMENT", "mode must be continuous or call");
  if (c.mode === "call" && sec.kind === "cfd") reject("INVALID_ARGUMENT", "a CFD has no book to call (cfd-order.ts)");
  const ref = referenceOf(c.referencePrice);
  if (game.phase === "ended") reject("MARKET_CLOSED", "the game has ended");
  const log = new EventLog(state.seq, ts);
  if (c.mode === sec.mode) return result(log, 0, 0, []);
  let call = { price: 0, qty: 0, fills: [] as FillEvent[] };
  if (c.mode === "continuous" && clearingPrice(sec.book, ref) !== null) {
    if (game.phase !== "running")
      reject("MARKET_CLOSED", `the book is crossed and can only leave the call by a call; the market is ${game.phase}`);
    call = runCall(log, sec, ref);
  }
  log.events.push({ type: "trading_mode", seq: log.next(), ts, securityId: sec.info.securityId, mode: c.mode });
  return result(log, call.price, call.qty, call.fills);
}
