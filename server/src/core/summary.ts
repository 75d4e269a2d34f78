/**
 * The order summary of a place or amend result (shared OrderSummary), built the same way by decide
 * (from its match) and by evolve (from the events, for the idempotency store).
 */
import type { OrderSummary } from "@marketroom/shared";
import type { Side } from "./matching/book.ts";

type Reason = OrderSummary["reason"];

export interface SummaryInput {
  id: number;
  securityId: number;
  playerId: string;
  clientOrderId: string | undefined;
  side: Side;
  postOnly: boolean;
  /** The limit, or a market order's protection bound. */
  price: number;
  qty: number;
  orderType: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  filled: number;
  resting: number;
  notional: number;
  /** Why the remainder did not rest, "" when it rested or nothing remained. */
  reason: Reason;
  stpCancelled: number[];
}

/** new / partially_filled while resting; filled; expired (ioc, fok, market); else cancelled. */
export function orderStatus(qty: number, filled: number, resting: number, reason: Reason): OrderSummary["status"] {
  if (resting > 0) return filled > 0 ? "partially_filled" : "new";
  if (filled === qty) return "filled";
  if (reason === "ioc" || reason === "fok" || reason === "market") return "expired";
  return "cancelled";
}

export function summarize(s: SummaryInput): OrderSummary {
  const out: OrderSummary = {
    orderId: s.id,
    securityId: s.securityId,
    playerId: s.playerId,
    side: s.side,
    orderType: s.orderType,
    tif: s.tif,
    postOnly: s.postOnly,
    price: s.price,
    qty: s.qty,
    filledQty: s.filled,
    restingQty: s.resting,
    cancelledQty: s.qty - s.filled - s.resting,
    notional: s.notional,
    status: orderStatus(s.qty, s.filled, s.resting, s.reason),
    reason: s.reason,
    stp: s.reason === "stp" ? "cancel_incoming" : s.stpCancelled.length > 0 ? "cancel_resting" : "none",
    stpCancelledOrderIds: s.stpCancelled,
    truncated: s.reason === "max_matches",
  };
  if (s.clientOrderId !== undefined) out.clientOrderId = s.clientOrderId;
  return out;
}
