/**
 * cancel and cancel_all; both allowed in every phase.
 * cancel: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_ORDER (malformed id or not open), NOT_OWNER.
 * cancel_all: UNKNOWN_GAME, INVALID_ARGUMENT (reason), UNKNOWN_PLAYER, UNKNOWN_SECURITY; cancels the
 * player's orders by security id then order id, at most maxMatches of them (truncated = more remain).
 */
import type { CancelAllResult, CancelResult } from "@marketroom/shared";
import type { CancelAllCommand, CancelCommand } from "../commands.ts";
import type { RestingOrder } from "../matching/book.ts";
import { reject } from "../reject.ts";
import type { CoreState, SecurityState } from "../state.ts";
import { MAX_ORDER_ID, isIntIn } from "../validation.ts";
import { EventLog, needGame, needPlayer, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";

/** The player's open order; UNKNOWN_ORDER (no such open order) or NOT_OWNER. */
export function ownOrder(sec: SecurityState, orderId: unknown, playerId: unknown): RestingOrder {
  const o = isIntIn(orderId, 1, MAX_ORDER_ID) ? sec.book.orders.get(orderId) : undefined;
  if (!o) reject("UNKNOWN_ORDER", `no open order ${String(orderId)}`);
  if (o.playerId !== playerId) reject("NOT_OWNER", "the order belongs to another player");
  return o;
}

function logCancel(log: EventLog, o: RestingOrder, reason: "user" | "cancel_all" | "round_end" | "admin"): void {
  log.events.push({
    type: "order_cancelled",
    seq: log.next(),
    ts: log.ts,
    securityId: o.securityId,
    orderId: o.id,
    playerId: o.playerId,
    side: o.side,
    price: o.price,
    qty: o.amount,
    reason,
  });
}

export function decideCancel(state: CoreState, c: CancelCommand, ts: number): Decision<CancelResult> {
  needGame(state);
  const sec = needSecurity(state, c.securityId);
  const o = ownOrder(sec, c.orderId, c.playerId);
  const log = new EventLog(state.seq, ts);
  logCancel(log, o, "user");
  const cancelled = { orderId: o.id, securityId: o.securityId, side: o.side, price: o.price, qty: o.amount };
  return { ok: true, events: log.events, result: { ok: true, cancelled, events: log.events, ...log.range() } };
}

const REASONS = new Set(["cancel_all", "round_end", "admin"]);

export function decideCancelAll(state: CoreState, c: CancelAllCommand, ts: number): Decision<CancelAllResult> {
  const game = needGame(state);
  const reason = c.reason === undefined || c.reason === "" ? "cancel_all" : c.reason;
  if (!REASONS.has(reason)) reject("INVALID_ARGUMENT", "unknown cancel reason");
  const player = needPlayer(state, c.playerId);
  const secIds = c.securityId === undefined ? state.securityIds : [needSecurity(state, c.securityId).info.securityId];
  const log = new EventLog(state.seq, ts);
  const done: { securityId: number; orderId: number }[] = [];
  let budget = game.maxMatches;
  let truncated = false;
  outer: for (const sid of secIds) {
    const orders = player.orders.get(sid);
    if (!orders) continue;
    for (const o of orders.values()) {
      if (budget === 0) {
        truncated = true;
        break outer;
      }
      logCancel(log, o, reason as "cancel_all" | "round_end" | "admin");
      done.push({ securityId: sid, orderId: o.id });
      budget -= 1;
    }
  }
  // the player's waiting stops go too (not counted in cancelledOrderIds, nor in the budget: they touch no book)
  for (const sid of secIds) {
    for (const s of state.securities.get(sid)!.stops.values()) {
      if (s.playerId !== player.playerId) continue;
      log.events.push({
        type: "stop_cancelled",
        seq: log.next(),
        ts,
        securityId: sid,
        stopId: s.id,
        playerId: s.playerId,
        reason: reason as "cancel_all" | "round_end" | "admin",
      });
    }
  }
  return {
    ok: true,
    events: log.events,
    result: { ok: true, cancelledOrderIds: done, truncated, events: log.events, ...log.range() },
  };
}
