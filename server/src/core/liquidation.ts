/**
 * Liquidation in margin mode (docs/margin.md "Liquidation"), one step at a time: each call returns the
 * events of the next step for a margin-called player, or null when the player is done. Pure: it reads
 * the state (after every earlier step was evolved) and never writes it.
 *
 * Steps, in order:
 *   1. cancel every open order (order_cancelled, reason "liquidation") and waiting stop (stop_cancelled);
 *   2. the position with the largest loss (unrealized P&L = qty x mark x scale - cost, lowest first; then
 *      the lower security id) is closed with a protected IOC order into the book: liquidation_order,
 *      then the order's events (a market order bounded by the game's protectionBps; no margin check);
 *   3. what that order could not close (or a book in call mode, or an empty opposite side) the insurance
 *      fund takes over at the mark: fund_transfer; a CFD position (no book; the house is its counterparty
 *      anyway) goes to the fund at the mark (its reference) at once;
 *   4. with every position closed, a negative cash balance is covered by the fund: fund_transfer with
 *      securityId 0. So a liquidated player ends with no orders, no positions and cash >= 0.
 */
import { executeOrder } from "./decide/order.ts";
import type { EventLog } from "./decide/context.ts";
import { markOf } from "./mark.ts";
import { bestPrice } from "./matching/match.ts";
import { opposite } from "./matching/book.ts";
import { protectionBound } from "./order-checks.ts";
import type { CoreState, GameState, PlayerState } from "./state.ts";

/** Logs the next step of `p`'s liquidation; false when nothing is left to do. `tried` = securities whose IOC already ran. */
export function liquidationStep(
  state: CoreState,
  game: GameState,
  p: PlayerState,
  tried: Set<number>,
  log: EventLog,
): boolean {
  if (cancelEverything(state, p, log)) return true;
  const sid = largestLoss(state, game, p);
  if (sid === undefined) {
    if (p.cash >= 0) return false;
    log.events.push({
      type: "fund_transfer",
      seq: log.next(),
      ts: log.ts,
      playerId: p.playerId,
      securityId: 0,
      qty: 0,
      price: 0,
      cash: -p.cash,
    });
    return true;
  }
  const sec = state.securities.get(sid)!;
  const qty = p.positions.get(sid)!.qty;
  const side = qty > 0 ? "sell" : "buy";
  const best = bestPrice(sec.book, opposite(side));
  if (sec.kind === "book" && !tried.has(sid) && sec.mode === "continuous" && best !== undefined) {
    tried.add(sid);
    const price = protectionBound(side, best, game.protectionBps, sec.info);
    log.events.push({
      type: "liquidation_order",
      seq: log.next(),
      ts: log.ts,
      playerId: p.playerId,
      securityId: sid,
      orderId: sec.lastOrderId + 1,
      side,
      qty: Math.abs(qty),
    });
    executeOrder(log, game, sec, {
      playerId: p.playerId,
      side,
      orderType: "market",
      tif: "IOC",
      postOnly: false,
      price,
      qty: Math.abs(qty),
      clientOrderId: undefined,
    });
    return true;
  }
  const mark = markOf(sec, game.markRule);
  log.events.push({
    type: "fund_transfer",
    seq: log.next(),
    ts: log.ts,
    playerId: p.playerId,
    securityId: sid,
    qty,
    price: mark,
    cash: qty * mark * sec.info.scale,
  });
  return true;
}

/** Step 1: cancels the player's open orders and stops; false when there are none. */
function cancelEverything(state: CoreState, p: PlayerState, log: EventLog): boolean {
  const before = log.events.length;
  const ts = log.ts;
  for (const sid of state.securityIds) {
    const mine = p.orders.get(sid);
    if (mine) {
      for (const o of mine.values()) {
        log.events.push({
          type: "order_cancelled",
          seq: log.next(),
          ts,
          securityId: sid,
          orderId: o.id,
          playerId: p.playerId,
          side: o.side,
          price: o.price,
          qty: o.amount,
          reason: "liquidation",
        });
      }
    }
    const sec = state.securities.get(sid)!;
    if (sec.stops.size === 0) continue;
    for (const s of sec.stops.values()) {
      if (s.playerId !== p.playerId) continue;
      log.events.push({
        type: "stop_cancelled",
        seq: log.next(),
        ts,
        securityId: sid,
        stopId: s.id,
        playerId: p.playerId,
        reason: "liquidation",
      });
    }
  }
  return log.events.length > before;
}

/** The open position with the lowest unrealized P&L at the mark (then the lowest id); undefined when flat. */
function largestLoss(state: CoreState, game: GameState, p: PlayerState): number | undefined {
  let pick: number | undefined;
  let worst = 0;
  for (const sid of state.securityIds) {
    const qty = p.positions.get(sid)?.qty ?? 0;
    if (qty === 0) continue;
    const sec = state.securities.get(sid)!;
    const pnl = qty * markOf(sec, game.markRule) * sec.info.scale - (p.costs.get(sid) ?? 0);
    if (pick === undefined || pnl < worst) {
      pick = sid;
      worst = pnl;
    }
  }
  return pick;
}
