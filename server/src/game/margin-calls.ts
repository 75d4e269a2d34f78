/**
 * The margin calls a room shows each player (docs/margin.md "Protocol"): the newest MARGIN_CALLS_KEPT
 * margin_call events per player, oldest first; equity and maintenance in minor units.
 */
import { MARGIN_CALLS_KEPT, type EventOf } from "@marketroom/shared";

export interface MarginCallRec {
  seq: number;
  ts: number;
  equity: number;
  maintenance: number;
}

/** Appends a margin call to its player's list, dropping the oldest past MARGIN_CALLS_KEPT. */
export function keepMarginCall(calls: Map<string, MarginCallRec[]>, e: EventOf<"margin_call">): void {
  let list = calls.get(e.playerId);
  if (!list) {
    list = [];
    calls.set(e.playerId, list);
  }
  list.push({ seq: e.seq, ts: e.ts, equity: e.equity, maintenance: e.maintenance });
  if (list.length > MARGIN_CALLS_KEPT) list.splice(0, list.length - MARGIN_CALLS_KEPT);
}
