/**
 * place: a limit or market order (docs/engine.md "Place: the rules"). Checks in order: UNKNOWN_GAME, UNKNOWN_PLAYER (id
 * shape), UNKNOWN_SECURITY, UNKNOWN_PLAYER (no such player), INVALID_CLIENT_ORDER_ID (more than 64
 * bytes), then a used clientOrderId returns its first result (duplicate: true, no events), then every
 * order rule (order.ts; a CFD's leverage first: INVALID_LEVERAGE, cfd-order.ts), then the bracket
 * (stops.ts: INVALID_ARGUMENT, INVALID_PRICE, PRICE_OUT_OF_BAND). Rejected orders do not consume the
 * clientOrderId. A bracket's children (stop_accepted, qty 0) follow the entry's events; the entry's
 * fills arm them (run.ts). A CFD order whose leverage changes the player's rate logs cfd_leverage
 * before its order_accepted.
 */
import type { PlaceResult } from "@marketroom/shared";
import type { PlaceCommand } from "../commands.ts";
import { leverageBps, logLeverage } from "../cfd-order.ts";
import { reject } from "../reject.ts";
import { NO_CREDIT } from "../risk/index.ts";
import type { CoreState } from "../state.ts";
import { isPlayerId, utf8Bytes } from "../validation.ts";
import { EventLog, needGame, needPlayer, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";
import { checkOrder, executeOrder } from "./order.ts";
import { checkBracket, logBracket } from "./stops.ts";

export function decidePlace(state: CoreState, c: PlaceCommand, ts: number): Decision<PlaceResult> {
  const game = needGame(state);
  // a known player id was validated when added: the pattern is only checked for unknown ids
  const known = state.players.get(c.playerId);
  if (known === undefined && !isPlayerId(c.playerId)) reject("UNKNOWN_PLAYER", "no such player");
  const sec = needSecurity(state, c.securityId);
  const player = known ?? needPlayer(state, c.playerId);
  const cid = c.clientOrderId === undefined || c.clientOrderId === "" ? undefined : c.clientOrderId;
  if (cid !== undefined) {
    if (typeof cid !== "string" || utf8Bytes(cid) > 64)
      reject("INVALID_CLIENT_ORDER_ID", "clientOrderId is at most 64 characters");
    const prior = player.clientOrders.get(cid);
    if (prior) {
      const result: PlaceResult = {
        duplicate: true,
        ok: true,
        order: { ...prior.order },
        events: [],
        firstSeq: prior.firstSeq,
        lastSeq: prior.lastSeq,
        fills: prior.fills.slice(),
      };
      return { ok: true, events: result.events, result };
    }
  }
  const initialMarginBps = leverageBps(sec, c.leverage);
  const o = checkOrder(
    state,
    game,
    sec,
    player,
    {
      playerId: c.playerId,
      side: c.side,
      orderType: c.orderType ?? "limit",
      tif: c.tif ?? "GTC",
      postOnly: c.postOnly === true,
      price: c.price,
      qty: c.qty,
      clientOrderId: cid,
      initialMarginBps,
    },
    NO_CREDIT,
  );
  const bracket = c.bracket === undefined ? undefined : checkBracket(sec, o.side, c.bracket);
  const log = new EventLog(state.seq, ts);
  if (o.initialMarginBps !== undefined) logLeverage(log, sec, player, c.leverage!, o.initialMarginBps);
  const { order, fills } = executeOrder(log, game, sec, o);
  if (bracket) logBracket(log, sec, o.playerId, o.side, order.orderId, bracket);
  const events = log.events;
  return {
    ok: true,
    events,
    result: { ok: true, order, events, firstSeq: log.firstSeq(), lastSeq: log.lastSeq(), fills },
  };
}
