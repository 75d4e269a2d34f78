/**
 * place_stop, cancel_stop and the children of a bracket entry (docs/core.md "Stop orders").
 *
 * place_stop checks, in order: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_PLAYER, INVALID_SIDE,
 * INVALID_QUANTITY, ORDER_TOO_LARGE, then per leg INVALID_ORDER_TYPE, INVALID_TIME_IN_FORCE (a market
 * order is IOC or FOK), INVALID_PRICE (limit price), PRICE_OUT_OF_BAND, INVALID_ARGUMENT (kind, trigger),
 * INVALID_PRICE (stop price not an integer in the band, or already reached: a stop must wait), then
 * MARKET_CLOSED. Margin and funds are checked when a stop triggers (its order is placed then). Events:
 * stop_accepted per leg; a one-cancels-other pair names each other in ocoStopId.
 * cancel_stop: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_ORDER (no such waiting stop), NOT_OWNER.
 */
import type { EventOf, SetupResult, StopResult } from "@marketroom/shared";
import type { CancelStopCommand, PlaceStopCommand, SetReferenceCommand, StopLeg } from "../commands.ts";
import { markOf } from "../mark.ts";
import { checkBand } from "../order-checks.ts";
import { reject } from "../reject.ts";
import type { CoreState, SecurityState, StopOrder } from "../state.ts";
import { reaches } from "../stops/stop-state.ts";
import { MAX_ORDER_ID, MAX_PRICE, MAX_QTY, isIntIn, needInt } from "../validation.ts";
import { EventLog, needGame, needPlayer, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";

export type Leg = Omit<
  StopOrder,
  "id" | "securityId" | "playerId" | "side" | "qty" | "ocoStopId" | "parentOrderId" | "ts"
>;

/** The price a stop with this trigger watches now (ticks; 0 = none yet). */
export function watchedPrice(state: CoreState, sec: SecurityState, trigger: "last" | "mark"): number {
  return trigger === "last" ? sec.lastPrice : markOf(sec, state.game?.markRule ?? "last_trade");
}

export function checkLeg(state: CoreState, sec: SecurityState, side: "buy" | "sell", leg: StopLeg): Leg {
  const orderType = leg.orderType ?? "market";
  if (orderType !== "limit" && orderType !== "market") reject("INVALID_ORDER_TYPE", "type must be limit or market");
  const tif = leg.tif ?? (orderType === "market" ? "IOC" : "GTC");
  if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK")
    reject("INVALID_TIME_IN_FORCE", "time in force must be GTC, IOC or FOK");
  if (orderType === "market" && tif === "GTC")
    reject("INVALID_TIME_IN_FORCE", "a market order never rests: use IOC or FOK");
  const price = orderType === "limit" ? needInt(leg.price, 1, MAX_PRICE, "INVALID_PRICE", "price") : 0;
  if (orderType === "limit") checkBand(price, sec.info);
  const kind = leg.kind ?? "stop";
  if (kind !== "stop" && kind !== "take_profit") reject("INVALID_ARGUMENT", "kind must be stop or take_profit");
  const asked = leg.trigger ?? "last";
  if (asked !== "last" && asked !== "mark") reject("INVALID_ARGUMENT", "trigger must be last or mark");
  // a CFD's stops watch its reference (the mark), which every reference tick moves; its fills are rare
  const trigger = sec.kind === "cfd" ? "mark" : asked;
  const stopPrice = needInt(leg.stopPrice, 1, MAX_PRICE, "INVALID_PRICE", "stopPrice");
  checkBand(stopPrice, sec.info);
  const now = watchedPrice(state, sec, trigger);
  if (now > 0 && reaches({ side, kind, stopPrice }, now)) {
    reject(
      "INVALID_PRICE",
      `the ${trigger === "last" ? "last trade" : "mark"} (${now}) has already reached the stop price ${stopPrice}`,
    );
  }
  return { orderType, tif, price, stopPrice, kind, trigger };
}

export function accepted(
  log: EventLog,
  sec: SecurityState,
  id: number,
  playerId: string,
  side: "buy" | "sell",
  qty: number,
  leg: Leg,
  ocoStopId: number,
  parentOrderId: number,
): EventOf<"stop_accepted"> {
  return {
    type: "stop_accepted",
    seq: log.next(),
    ts: log.ts,
    securityId: sec.info.securityId,
    stopId: id,
    playerId,
    side,
    orderType: leg.orderType,
    tif: leg.tif,
    price: leg.price,
    qty,
    stopPrice: leg.stopPrice,
    trigger: leg.trigger,
    kind: leg.kind,
    ocoStopId,
    parentOrderId,
  };
}

export function decidePlaceStop(state: CoreState, c: PlaceStopCommand, ts: number): Decision<StopResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  const player = needPlayer(state, c.playerId);
  if (c.side !== "buy" && c.side !== "sell") reject("INVALID_SIDE", "side must be buy or sell");
  const qty = needInt(c.qty, 1, MAX_QTY, "INVALID_QUANTITY", "qty");
  if (sec.info.maxOrderQty > 0 && qty > sec.info.maxOrderQty)
    reject("ORDER_TOO_LARGE", `qty exceeds the maximum order size of ${sec.info.maxOrderQty} lots`);
  const first = checkLeg(state, sec, c.side, c);
  const second = c.oco === undefined ? undefined : checkLeg(state, sec, c.side, c.oco);
  if (game.phase !== "running") reject("MARKET_CLOSED", `the market is ${game.phase}`);
  const log = new EventLog(state.seq, ts);
  const id = sec.lastStopId + 1;
  log.events.push(accepted(log, sec, id, player.playerId, c.side, qty, first, second ? id + 1 : 0, 0));
  if (second) log.events.push(accepted(log, sec, id + 1, player.playerId, c.side, qty, second, id, 0));
  const stopIds = second ? [id, id + 1] : [id];
  return { ok: true, events: log.events, result: { ok: true, stopIds, events: log.events, ...log.range() } };
}

/** The player's waiting stop; UNKNOWN_ORDER or NOT_OWNER. */
function ownStop(sec: SecurityState, stopId: unknown, playerId: unknown): StopOrder {
  const s = isIntIn(stopId, 1, MAX_ORDER_ID) ? sec.stops.get(stopId) : undefined;
  if (!s) reject("UNKNOWN_ORDER", `no waiting stop ${String(stopId)}`);
  if (s.playerId !== playerId) reject("NOT_OWNER", "the stop belongs to another player");
  return s;
}

/** Cancels a waiting stop (any phase). Its one-cancels-other partner stays (cancel it on its own). */
export function decideCancelStop(state: CoreState, c: CancelStopCommand, ts: number): Decision<StopResult> {
  needGame(state);
  const sec = needSecurity(state, c.securityId);
  const s = ownStop(sec, c.stopId, c.playerId);
  const log = new EventLog(state.seq, ts);
  log.events.push({
    type: "stop_cancelled",
    seq: log.next(),
    ts,
    securityId: s.securityId,
    stopId: s.id,
    playerId: s.playerId,
    reason: "user",
  });
  return { ok: true, events: log.events, result: { ok: true, stopIds: [s.id], events: log.events, ...log.range() } };
}

/** A bracket's legs, checked (INVALID_PRICE): for a buy entry the stop-loss below the take-profit, for a sell above. */
export function checkBracket(
  sec: SecurityState,
  side: "buy" | "sell",
  b: { stopLoss?: number; takeProfit?: number },
): { stopLoss: number; takeProfit: number } {
  if (typeof b !== "object" || b === null) reject("INVALID_ARGUMENT", "bracket must be an object");
  const stopLoss = b.stopLoss === undefined ? 0 : needInt(b.stopLoss, 1, MAX_PRICE, "INVALID_PRICE", "stopLoss");
  const takeProfit =
    b.takeProfit === undefined ? 0 : needInt(b.takeProfit, 1, MAX_PRICE, "INVALID_PRICE", "takeProfit");
  if (stopLoss === 0 && takeProfit === 0) reject("INVALID_ARGUMENT", "a bracket needs a stopLoss or a takeProfit");
  if (stopLoss > 0) checkBand(stopLoss, sec.info);
  if (takeProfit > 0) checkBand(takeProfit, sec.info);
  if (stopLoss > 0 && takeProfit > 0 && (side === "buy" ? stopLoss >= takeProfit : stopLoss <= takeProfit)) {
    reject(
      "INVALID_PRICE",
      side === "buy"
        ? "a long's stop-loss must be below its take-profit"
        : "a short's stop-loss must be above its take-profit",
    );
  }
  return { stopLoss, takeProfit };
}

/**
 * The stop_accepted events of a bracket entry's children (qty 0: armed by the entry's fills): a
 * stop-market stop-loss and a limit take-profit on the other side, one cancelling the other.
 */
/** A bracket's trigger: the last trade on a book; the mark (its reference) on a CFD, which the house quotes around it. */
function triggerOf(sec: SecurityState): "last" | "mark" {
  return sec.kind === "cfd" ? "mark" : "last";
}

export function logBracket(
  log: EventLog,
  sec: SecurityState,
  playerId: string,
  entrySide: "buy" | "sell",
  entryOrderId: number,
  b: { stopLoss: number; takeProfit: number },
): void {
  const side = entrySide === "buy" ? "sell" : "buy";
  const id = sec.lastStopId;
  const slId = b.stopLoss > 0 ? id + 1 : 0;
  const tpId = b.takeProfit > 0 ? Math.max(id, slId) + 1 : 0;
  if (slId > 0) {
    log.events.push(
      accepted(
        log,
        sec,
        slId,
        playerId,
        side,
        0,
        { orderType: "market", tif: "IOC", price: 0, stopPrice: b.stopLoss, kind: "stop", trigger: triggerOf(sec) },
        tpId,
        entryOrderId,
      ),
    );
  }
  if (tpId > 0) {
    log.events.push(
      accepted(
        log,
        sec,
        tpId,
        playerId,
        side,
        0,
        {
          orderType: "limit",
          tif: "GTC",
          price: b.takeProfit,
          stopPrice: b.takeProfit,
          kind: "take_profit",
          trigger: triggerOf(sec),
        },
        slId,
        entryOrderId,
      ),
    );
  }
}

/** set_reference: the security's reference price from now on. UNKNOWN_GAME, UNKNOWN_SECURITY, INVALID_PRICE. */
export function decideSetReference(state: CoreState, c: SetReferenceCommand, ts: number): Decision<SetupResult> {
  needGame(state);
  const sec = needSecurity(state, c.securityId);
  const price = needInt(c.price, 1, MAX_PRICE, "INVALID_PRICE", "price");
  const log = new EventLog(state.seq, ts);
  log.events.push({ type: "reference_price", seq: log.next(), ts, securityId: sec.info.securityId, price });
  return { ok: true, events: log.events, result: { ok: true, events: log.events, ...log.range() } };
}
