/**
 * The order path shared by place and amend: validate_place (every check, in the order of docs/engine.md
 * "Place: the rules")
 * and execute (order_accepted, then fills and STP cancels from the match plan, then order_rested or
 * the remainder's order_cancelled). A CFD security has no book to match in: cfd-order.ts. Nothing here mutates the state: evolve applies the events.
 */
import type { FillEvent, OrderSummary } from "@marketroom/shared";
import { opposite } from "../matching/book.ts";
import { planCallEntry } from "../matching/auction.ts";
import { bestPrice, fokFillable, planMatch } from "../matching/match.ts";
import { checkCallOrder } from "../call-rules.ts";
import {
  checkBand,
  checkNotional,
  checkPostOnly,
  checkShape,
  protectionBound,
  type CheckedOrder,
  type OrderSpec,
} from "../order-checks.ts";
import { checkCfdOrder, executeCfdOrder } from "../cfd-order.ts";
import { reject } from "../reject.ts";
import { checkRisk, type Credit } from "../risk/index.ts";
import { feesFor } from "../settlement.ts";
import { NO_POSITION, type CoreState, type GameState, type PlayerState, type SecurityState } from "../state.ts";
import { summarize } from "../summary.ts";
import type { EventLog } from "./context.ts";

/**
 * Checks an order (docs/engine.md "Place", steps 1 and 3-9) and returns it with its effective limit
 * (the protection bound for a market order). Rejects with the first rule it breaks.
 */
export function checkOrder(
  state: CoreState,
  game: GameState,
  sec: SecurityState,
  player: PlayerState,
  spec: OrderSpec,
  credit: Readonly<Credit>,
): CheckedOrder {
  const o = checkShape(spec, sec.info);
  if (game.phase !== "running") reject("MARKET_CLOSED", `the market is ${game.phase}`);
  const cfd = sec.kind === "cfd";
  if (cfd) checkCfdOrder(sec, o);
  else checkBookOrder(game, sec, o);
  const notional = checkNotional(o.price, o.qty, sec.info);
  const pos = player.positions.get(sec.info.securityId) ?? NO_POSITION;
  checkRisk(state, game, sec.info, player, pos, o, notional, credit);
  if (!cfd && o.tif === "FOK" && !fokFillable(sec.book, game.stp, game.maxMatches, o)) {
    reject("FOK_UNFILLABLE", "the order cannot be filled completely at once");
  }
  return o;
}

/** The book's part of the order checks: call mode, the protection bound of a market order, the band, post-only. */
function checkBookOrder(game: GameState, sec: SecurityState, o: CheckedOrder): void {
  if (sec.mode === "call") checkCallOrder(o);
  const best = o.orderType === "market" || o.postOnly ? bestPrice(sec.book, opposite(o.side)) : undefined;
  if (o.orderType === "market") o.price = protectionBound(o.side, best, game.protectionBps, sec.info);
  else checkBand(o.price, sec.info);
  checkPostOnly(o, best);
}

/** Why an unfilled remainder does not rest, "" when it rests (a GTC limit order). */
function remainderReason(o: CheckedOrder, stpIncoming: boolean, truncated: boolean): OrderSummary["reason"] {
  if (stpIncoming) return "stp";
  if (truncated) return "max_matches";
  if (o.orderType === "market") return "market";
  if (o.tif === "IOC") return "ioc";
  if (o.tif === "FOK") return "fok";
  return "";
}

/** Logs a checked order's events and returns its summary and fills (a CFD's: cfd-order.ts, no fills). */
export function executeOrder(
  log: EventLog,
  game: GameState,
  sec: SecurityState,
  o: CheckedOrder,
): { order: OrderSummary; fills: FillEvent[] } {
  const info = sec.info;
  const securityId = info.securityId;
  const id = sec.lastOrderId + 1;
  const ts = log.ts;
  // two literal shapes rather than a delete (which would turn the event into a slow dictionary object)
  log.events.push(
    o.clientOrderId === undefined
      ? {
          type: "order_accepted",
          seq: log.next(),
          ts,
          securityId,
          orderId: id,
          playerId: o.playerId,
          side: o.side,
          orderType: o.orderType,
          tif: o.tif,
          postOnly: o.postOnly,
          price: o.price,
          qty: o.qty,
        }
      : {
          type: "order_accepted",
          seq: log.next(),
          ts,
          securityId,
          orderId: id,
          playerId: o.playerId,
          clientOrderId: o.clientOrderId,
          side: o.side,
          orderType: o.orderType,
          tif: o.tif,
          postOnly: o.postOnly,
          price: o.price,
          qty: o.qty,
        },
  );
  if (sec.kind === "cfd") return { order: executeCfdOrder(log, sec, o, id), fills: [] };
  const plan =
    sec.mode === "call"
      ? planCallEntry(sec.book, game.stp, game.maxMatches, o)
      : planMatch(sec.book, game.stp, game.maxMatches, o);
  const fills: FillEvent[] = [];
  const stpCancelled: number[] = [];
  let remaining = o.qty;
  let notional = 0;
  for (let i = 0; i < plan.count; i++) {
    const m = plan.makers[i]!;
    const q = plan.qtys[i]!;
    if (q === 0) {
      stpCancelled.push(m.id);
      log.events.push({
        type: "order_cancelled",
        seq: log.next(),
        ts,
        securityId,
        orderId: m.id,
        playerId: m.playerId,
        side: m.side,
        price: m.price,
        qty: m.amount,
        reason: "stp",
      });
      continue;
    }
    remaining -= q;
    notional += m.price * q * info.scale;
    const fee = feesFor(info, q);
    const fill: FillEvent = {
      type: "fill",
      seq: log.next(),
      ts,
      securityId,
      price: m.price,
      qty: q,
      aggressor: o.side,
      makerOrderId: m.id,
      takerOrderId: id,
      makerPlayerId: m.playerId,
      takerPlayerId: o.playerId,
      makerRemaining: m.amount - q,
      takerRemaining: remaining,
      takerFee: fee.takerFee,
      makerRebate: fee.makerRebate,
    };
    fills.push(fill);
    log.events.push(fill);
  }
  const reason = remaining > 0 ? remainderReason(o, plan.stpIncoming, plan.truncated) : "";
  let resting = 0;
  if (remaining > 0 && reason === "") {
    resting = remaining;
    log.events.push({
      type: "order_rested",
      seq: log.next(),
      ts,
      securityId,
      orderId: id,
      playerId: o.playerId,
      side: o.side,
      price: o.price,
      qty: remaining,
    });
  } else if (remaining > 0) {
    log.events.push({
      type: "order_cancelled",
      seq: log.next(),
      ts,
      securityId,
      orderId: id,
      playerId: o.playerId,
      side: o.side,
      price: o.price,
      qty: remaining,
      reason: reason as Exclude<typeof reason, "">,
    });
  }
  const summary = summarize({
    id,
    securityId,
    playerId: o.playerId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    postOnly: o.postOnly,
    price: o.price,
    qty: o.qty,
    orderType: o.orderType,
    tif: o.tif,
    filled: o.qty - remaining,
    resting,
    notional,
    reason,
    stpCancelled,
  });
  return { order: summary, fills };
}
