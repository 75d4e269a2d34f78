/**
 * The stop triggers a room shows each player (docs/margin.md "Protocol", `stopTriggers`): the newest
 * STOP_TRIGGERS_KEPT stops of the player that triggered, oldest first: a stop_triggered event (its order
 * was sent), or a stop_cancelled with reason "rejected" (it was reached but its order was refused; `code`
 * says why, and the price that reached it is the watched price then). What the stop was (side, kind,
 * qty in lots, stop price in ticks) is read from the waiting stop just before the event removed it.
 */
import { STOP_TRIGGERS_KEPT, type EventOf, type PrivateStopTrigger } from "@marketroom/shared";
import { markOf } from "../core/mark.ts";
import type { MarkRuleName, SecurityState, StopOrder } from "../core/state.ts";

/** One kept trigger: the private message's shape (shared PrivateStopTrigger; lots, ticks). */
export type StopTriggerRec = PrivateStopTrigger;

/** Keeps the trigger of a stop_triggered or a rejected stop_cancelled event (others are ignored). */
export function keepStopTrigger(
  triggers: Map<string, StopTriggerRec[]>,
  e: EventOf<"stop_triggered"> | EventOf<"stop_cancelled">,
  sec: SecurityState | undefined,
  markRule: MarkRuleName,
): void {
  if (e.type === "stop_cancelled" && e.reason !== "rejected") return;
  const stop: StopOrder | undefined = sec?.stops.get(e.stopId);
  const watched = !sec ? 0 : stop?.trigger === "mark" ? markOf(sec, markRule) : sec.lastPrice;
  let list = triggers.get(e.playerId);
  if (!list) {
    list = [];
    triggers.set(e.playerId, list);
  }
  list.push({
    seq: e.seq,
    ts: e.ts,
    securityId: e.securityId,
    stopId: e.stopId,
    side: stop?.side ?? "sell",
    kind: stop?.kind ?? "stop",
    qty: stop?.qty ?? 0,
    stopPrice: stop?.stopPrice ?? 0,
    triggerPrice: e.type === "stop_triggered" ? e.triggerPrice : watched,
    rejected: e.type === "stop_cancelled" ? (e.code ?? "REJECTED") : "",
  });
  if (list.length > STOP_TRIGGERS_KEPT) list.splice(0, list.length - STOP_TRIGGERS_KEPT);
}
