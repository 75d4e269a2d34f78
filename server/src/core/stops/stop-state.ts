/**
 * The waiting stop orders of a security, as evolve keeps them (docs/core.md "Stop orders"): by stop id,
 * plus the index bracket entry -> children. Used by evolve and hydrate only.
 */
import type { SecurityState, StopOrder } from "../state.ts";

export function addStop(sec: SecurityState, s: StopOrder): void {
  sec.stops.set(s.id, s);
  if (s.id > sec.lastStopId) sec.lastStopId = s.id;
  if (s.parentOrderId > 0) {
    const kids = sec.byParent.get(s.parentOrderId);
    if (kids) kids.push(s.id);
    else sec.byParent.set(s.parentOrderId, [s.id]);
  }
}

/** Removes a stop; returns it, or undefined when it does not wait. */
export function removeStop(sec: SecurityState, stopId: number): StopOrder | undefined {
  const s = sec.stops.get(stopId);
  if (!s) return undefined;
  sec.stops.delete(stopId);
  if (s.parentOrderId > 0) {
    const kids = sec.byParent.get(s.parentOrderId);
    const rest = kids?.filter((id) => id !== stopId) ?? [];
    if (rest.length > 0) sec.byParent.set(s.parentOrderId, rest);
    else sec.byParent.delete(s.parentOrderId);
  }
  return s;
}

/**
 * True when `price` (ticks) reaches the stop's trigger: a "stop" buy at or above its stop price, a
 * "stop" sell at or below; a "take_profit" the reverse.
 */
export function reaches(s: Pick<StopOrder, "side" | "kind" | "stopPrice">, price: number): boolean {
  const rising = (s.side === "buy") === (s.kind === "stop");
  return rising ? price >= s.stopPrice : price <= s.stopPrice;
}
