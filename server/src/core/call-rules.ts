/**
 * What a security in call mode accepts (docs/markets.md "Call market"): plain GTC limit orders only.
 * Market, IOC and FOK orders would have nothing to trade against while orders only collect (they
 * would expire at once), and post-only has no meaning when no order takes liquidity; they are refused
 * with the code a malformed order of that kind gets, and a message that says why.
 */
import type { CheckedOrder } from "./order-checks.ts";
import { reject } from "./reject.ts";

const WHY =
  "the market is in a call period: orders collect and trade together at the next call, so only GTC limit orders are accepted";

/** Rejects an order a call book does not take: INVALID_ORDER_TYPE (market), INVALID_TIME_IN_FORCE (IOC, FOK, post-only). */
export function checkCallOrder(o: CheckedOrder): void {
  if (o.orderType === "market") reject("INVALID_ORDER_TYPE", `${WHY}; a market order cannot wait for the call`);
  if (o.tif !== "GTC") reject("INVALID_TIME_IN_FORCE", `${WHY}; ${o.tif} orders would expire before the call`);
  if (o.postOnly) reject("INVALID_TIME_IN_FORCE", `${WHY}; post-only has no meaning in a call`);
}
