/**
 * Validation of an order against its security's rules, in the order the rules list them
 * (docs/engine.md "Place: the rules", steps 1 and 4-6): shape, price band, market protection bound,
 * post-only, notional. Balances are risk/'s concern.
 */
import type { SecurityInfo } from "@marketroom/shared";
import type { Side } from "./matching/book.ts";
import { reject } from "./reject.ts";
import { MAX_PRICE, MAX_QTY, MAX_SAFE, needInt } from "./validation.ts";

/** What an order asks for, as received (checked by checkShape). */
export interface OrderSpec {
  playerId: string;
  side: unknown;
  orderType: unknown;
  tif: unknown;
  postOnly: boolean;
  price: unknown;
  qty: unknown;
  clientOrderId: string | undefined;
  /** CFD: the initial margin rate its leverage sets (cfd-order.ts leverageBps). */
  initialMarginBps?: number;
}

/** A spec whose shape passed: typed side, type and time in force, integer qty and (limit) price. */
export interface CheckedOrder {
  playerId: string;
  side: Side;
  orderType: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  postOnly: boolean;
  /** The limit; for a market order 0 until the protection bound is known. */
  price: number;
  qty: number;
  clientOrderId: string | undefined;
  /** CFD: the position's initial margin rate (bps) this order sets (its leverage; cfd-order.ts); absent = unchanged. */
  initialMarginBps?: number;
}

/** Step 1: side, type, time in force, post-only, qty, max order size, limit price. */
export function checkShape(spec: OrderSpec, sec: SecurityInfo): CheckedOrder {
  const { side, orderType, tif } = spec;
  if (side !== "buy" && side !== "sell") reject("INVALID_SIDE", "side must be buy or sell");
  if (orderType !== "limit" && orderType !== "market") reject("INVALID_ORDER_TYPE", "type must be limit or market");
  if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK")
    reject("INVALID_TIME_IN_FORCE", "time in force must be GTC, IOC or FOK");
  if (orderType === "market" && tif === "GTC")
    reject("INVALID_TIME_IN_FORCE", "a market order never rests: use IOC or FOK");
  if (spec.postOnly && (orderType !== "limit" || tif !== "GTC"))
    reject("INVALID_TIME_IN_FORCE", "post-only orders are GTC limit orders");
  const qty = needInt(spec.qty, 1, MAX_QTY, "INVALID_QUANTITY", "qty");
  if (sec.maxOrderQty > 0 && qty > sec.maxOrderQty)
    reject("ORDER_TOO_LARGE", `qty exceeds the maximum order size of ${sec.maxOrderQty} lots`);
  const price = orderType === "limit" ? needInt(spec.price, 1, MAX_PRICE, "INVALID_PRICE", "price") : 0;
  return {
    playerId: spec.playerId,
    side,
    orderType,
    tif,
    postOnly: spec.postOnly,
    price,
    qty,
    clientOrderId: spec.clientOrderId,
    initialMarginBps: spec.initialMarginBps,
  };
}

/**
 * A market order's protection bound: best opposite price +/- max(1, best x protectionBps / 10000)
 * ticks, clamped to the band. NO_LIQUIDITY when the opposite side is empty.
 */
export function protectionBound(
  side: Side,
  best: number | undefined,
  protectionBps: number,
  sec: SecurityInfo,
): number {
  if (best === undefined) reject("NO_LIQUIDITY", `no ${side === "buy" ? "asks" : "bids"} to trade against`);
  const band = Math.max(1, Math.floor((best * protectionBps) / 10000));
  return side === "buy" ? Math.min(best + band, sec.bandHigh) : Math.max(best - band, sec.bandLow);
}

/** A limit price must lie within the security's band. */
export function checkBand(price: number, sec: SecurityInfo): void {
  if (price < sec.bandLow || price > sec.bandHigh)
    reject("PRICE_OUT_OF_BAND", `price must be within [${sec.bandLow}, ${sec.bandHigh}] ticks`);
}

/** A post-only order must not trade on entry. */
export function checkPostOnly(o: CheckedOrder, best: number | undefined): void {
  if (o.postOnly && best !== undefined && (o.side === "buy" ? best <= o.price : best >= o.price)) {
    reject("POST_ONLY_WOULD_TAKE", "a post-only order must not trade on entry");
  }
}

/** price x qty x scale must stay below 2^53 (exact integers everywhere); returns it. */
export function checkNotional(price: number, qty: number, sec: SecurityInfo): number {
  const notional = price * qty * sec.scale;
  if (notional > MAX_SAFE) reject("NOTIONAL_TOO_LARGE", "price x qty x scale exceeds 2^53 - 1");
  return notional;
}
