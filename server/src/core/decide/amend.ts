/**
 * amend: a smaller qty at the same price keeps time priority (order_amended, allowed
 * in every phase); a new price or a larger qty is cancel + new GTC limit order (order_cancelled with
 * reason "amend", then the replacement's events), checked like a place with the old order's lock
 * credited first. Checks in order: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_ORDER, NOT_OWNER,
 * INVALID_QUANTITY, INVALID_PRICE, INVALID_QUANTITY (changes nothing), then the place rules.
 */
import type { AmendResult } from "@marketroom/shared";
import type { AmendCommand } from "../commands.ts";
import { reject } from "../reject.ts";
import type { Credit } from "../risk/index.ts";
import type { CoreState } from "../state.ts";
import { MAX_PRICE, MAX_QTY, needInt } from "../validation.ts";
import { EventLog, needGame, needPlayer, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";
import { ownOrder } from "./cancel.ts";
import { checkOrder, executeOrder } from "./order.ts";

export function decideAmend(state: CoreState, c: AmendCommand, ts: number): Decision<AmendResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  const o = ownOrder(sec, c.orderId, c.playerId);
  const qty = needInt(c.qty, 1, MAX_QTY, "INVALID_QUANTITY", "qty");
  const price = c.price === undefined ? o.price : needInt(c.price, 1, MAX_PRICE, "INVALID_PRICE", "price");
  if (price === o.price && qty === o.amount) reject("INVALID_QUANTITY", "the amendment changes nothing");
  const log = new EventLog(state.seq, ts);
  const securityId = sec.info.securityId;
  if (price === o.price && qty < o.amount) {
    log.events.push({
      type: "order_amended",
      seq: log.next(),
      ts,
      securityId,
      orderId: o.id,
      playerId: o.playerId,
      side: o.side,
      price: o.price,
      oldQty: o.amount,
      qty,
    });
    return {
      ok: true,
      events: log.events,
      result: {
        ok: true,
        amended: { orderId: o.id, qty, priorityKept: true },
        events: log.events,
        ...log.range(),
        fills: [],
      },
    };
  }
  const player = needPlayer(state, c.playerId);
  const credit: Credit =
    o.side === "buy"
      ? { cash: o.price * o.amount * sec.info.scale, openBuy: o.amount, holdLocked: 0 }
      : { cash: 0, openBuy: 0, holdLocked: o.amount };
  const checked = checkOrder(
    state,
    game,
    sec,
    player,
    {
      playerId: o.playerId,
      side: o.side,
      orderType: "limit",
      tif: "GTC",
      postOnly: o.postOnly,
      price,
      qty,
      clientOrderId: undefined,
    },
    credit,
  );
  log.events.push({
    type: "order_cancelled",
    seq: log.next(),
    ts,
    securityId,
    orderId: o.id,
    playerId: o.playerId,
    side: o.side,
    price: o.price,
    qty: o.amount,
    reason: "amend",
  });
  const { order, fills } = executeOrder(log, game, sec, checked);
  return {
    ok: true,
    events: log.events,
    result: {
      ok: true,
      amended: { orderId: o.id, qty, priorityKept: false },
      order,
      events: log.events,
      ...log.range(),
      fills,
    },
  };
}
