/**
 * set_exits (docs/margin.md "Protocol"): the stop-loss / take-profit of a player's open position in one
 * security, replaced in ONE command: every waiting stop of the player in that security on the closing
 * side is cancelled (stop_cancelled reason "user"; unarmed bracket children included), then the new exit
 * is accepted: a market stop for the whole position (|qty| lots, IOC) with kind "stop" at `stopLoss`,
 * kind "take_profit" at `takeProfit`, a one-cancels-other pair when both; neither = the exits are removed.
 * All of it is decided before any event is logged, so a rejection changes nothing (the old exits stay).
 *
 * Checks, in order: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_PLAYER, INSUFFICIENT_HOLDINGS (no position in
 * the security), then for a new exit: ORDER_TOO_LARGE (the position exceeds the security's maximum order
 * size), per leg INVALID_PRICE / PRICE_OUT_OF_BAND (not an integer in the band, or the watched price has
 * already reached it), INVALID_ARGUMENT (trigger), INVALID_PRICE (a long's stop-loss at or above its
 * take-profit, a short's at or below), MARKET_CLOSED (phase not running; removing exits works in any phase).
 */
import type { StopResult } from "@marketroom/shared";
import type { SetExitsCommand } from "../commands.ts";
import { EventLog, needGame, needPlayer, needSecurity } from "../decide/context.ts";
import type { Decision } from "../decide/decision.ts";
import { accepted, checkLeg, type Leg } from "../decide/stops.ts";
import { reject } from "../reject.ts";
import type { CoreState } from "../state.ts";

/** set_exits' result: the exit stops placed (none, one, or an OCO pair) and the closing-side stops cancelled. */
export type ExitsResult = StopResult & { cancelledStopIds: number[] };

export function decideSetExits(state: CoreState, c: SetExitsCommand, ts: number): Decision<ExitsResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  const player = needPlayer(state, c.playerId);
  const qty = player.positions.get(sec.info.securityId)?.qty ?? 0;
  if (qty === 0) reject("INSUFFICIENT_HOLDINGS", `no open position in security ${sec.info.securityId}`);
  const side = qty > 0 ? "sell" : "buy";
  const legs = newLegs(state, c, side, Math.abs(qty));
  if (legs.length > 0 && game.phase !== "running") reject("MARKET_CLOSED", `the market is ${game.phase}`);

  const log = new EventLog(state.seq, ts);
  const cancelledStopIds: number[] = [];
  for (const s of sec.stops.values()) {
    if (s.playerId !== player.playerId || s.side !== side) continue;
    cancelledStopIds.push(s.id);
    log.events.push({
      type: "stop_cancelled",
      seq: log.next(),
      ts,
      securityId: s.securityId,
      stopId: s.id,
      playerId: s.playerId,
      reason: "user",
    });
  }
  const id = sec.lastStopId + 1;
  const stopIds = legs.map((_, i) => id + i);
  legs.forEach((leg, i) => {
    const partner = legs.length === 2 ? id + 1 - i : 0;
    log.events.push(accepted(log, sec, id + i, player.playerId, side, Math.abs(qty), leg, partner, 0));
  });
  const result: ExitsResult = { ok: true, stopIds, cancelledStopIds, events: log.events, ...log.range() };
  return { ok: true, events: log.events, result };
}

/** The new exit's legs, checked (none when neither price is given). */
function newLegs(state: CoreState, c: SetExitsCommand, side: "buy" | "sell", qty: number): Leg[] {
  if (c.stopLoss === undefined && c.takeProfit === undefined) return [];
  const sec = state.securities.get(c.securityId)!;
  if (sec.info.maxOrderQty > 0 && qty > sec.info.maxOrderQty)
    reject("ORDER_TOO_LARGE", `the position (${qty} lots) exceeds the maximum order size of ${sec.info.maxOrderQty}`);
  const leg = (stopPrice: number, kind: "stop" | "take_profit"): Leg =>
    checkLeg(state, sec, side, { orderType: "market", tif: "IOC", stopPrice, kind, trigger: c.trigger ?? "last" });
  const sl = c.stopLoss === undefined ? undefined : leg(c.stopLoss, "stop");
  const tp = c.takeProfit === undefined ? undefined : leg(c.takeProfit, "take_profit");
  if (sl && tp && (side === "sell" ? sl.stopPrice >= tp.stopPrice : sl.stopPrice <= tp.stopPrice)) {
    reject(
      "INVALID_PRICE",
      side === "sell"
        ? "a long's stop-loss must be below its take-profit"
        : "a short's stop-loss must be above its take-profit",
    );
  }
  return [sl, tp].filter((l) => l !== undefined);
}
