/**
 * A player's private executions on the stream (stream.ts): acks, rests, fills, cancels and amends of the
 * key owner's orders as `{ type: "execution", kind, ... }` messages, live from the player's own Valkey
 * channel (`game:{g}:exec:<player>`, stream-publisher.ts) and, with `since`, replayed from the stored log
 * first (docs/algo-trading.md, "Stream").
 */
import type { EngineEvent } from "@marketroom/shared";
import { asApiError } from "../../game/errors.ts";
import { orderIdOf, type History } from "./history.ts";
import { fillFor } from "./orders.ts";
import type { Fanout } from "./stream-fanout.ts";
import { execsOf } from "./stream-publisher.ts";
import type { Conn } from "./stream-subscriptions.ts";

/** Most events of the game an executions `since` replays; further back is a `resync` message. */
export const REPLAY_MAX_EVENTS = 10_000;

/**
 * Executions from game seq `since` on. The caller has set `c.execBuffer = []` and `c.executions` and
 * listens to the player's exec channel (live ones wait in execBuffer); this reads the stored log up
 * to now (History.events: waits for the persister), sends the player's executions after `since`, then
 * the waiting live ones not already sent, then live as usual. Each event goes out once, in seq order.
 * When the log cannot be read, or holds more than REPLAY_MAX_EVENTS after `since`, the client gets
 * `{ type: "resync", channel: "executions", since, reason: "log_unavailable" | "too_far_back", message }`
 * (read GET /fills?since= instead) and the live feed from now.
 */
export async function replayExecutions(out: Fanout, history: History, c: Conn, since: number): Promise<void> {
  out.send(c, { type: "subscribed", channel: "executions", since });
  let last = since;
  const resync = (reason: "too_far_back" | "log_unavailable", message: string) => {
    out.send(c, {
      type: "resync",
      channel: "executions",
      since,
      reason,
      message: `${message}; read GET /api/v1/fills?since=${since} for what this feed did not replay`,
    });
    last = Infinity; // the buffered live events cannot be placed against an unknown past: they all go out
  };
  try {
    const events = await history.events(c.gameId, since, REPLAY_MAX_EVENTS + 1);
    if (events.length > REPLAY_MAX_EVENTS)
      resync("too_far_back", `more than ${REPLAY_MAX_EVENTS} events since seq ${since}`);
    else {
      for (const e of execsOf(events).get(c.playerId) ?? [])
        for (const x of executionsOf(e, c.playerId)) out.send(c, x);
      last = Math.max(since, events.at(-1)?.seq ?? since);
    }
  } catch (err) {
    resync("log_unavailable", asApiError(err).message);
  }
  const waiting = c.execBuffer ?? [];
  c.execBuffer = undefined;
  for (const e of waiting)
    if (last === Infinity || e.seq > last) for (const x of executionsOf(e, c.playerId)) out.send(c, x);
}

/** A player's own event as execution messages: one, none, or two for a fill against the player's own order. */
export function executionsOf(e: EngineEvent, playerId: string): object[] {
  if (e.type === "fill" && e.makerPlayerId === playerId && e.takerPlayerId === playerId) {
    const maker = { ...e, takerPlayerId: "" };
    return [executionOf(e, playerId), executionOf(maker, playerId)].filter((x): x is object => x !== null);
  }
  const x = executionOf(e, playerId);
  return x ? [x] : [];
}

/** A player's own event as an execution message, or null for events that are none. */
function executionOf(e: EngineEvent, playerId: string): object | null {
  switch (e.type) {
    case "order_accepted":
      return {
        type: "execution",
        kind: "accepted",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        orderType: e.orderType,
        tif: e.tif,
        price: e.price,
        qty: e.qty,
        ...(e.clientOrderId ? { clientOrderId: e.clientOrderId } : {}),
      };
    case "order_rested":
      return {
        type: "execution",
        kind: "rested",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        qty: e.qty,
      };
    case "fill":
      return {
        type: "execution",
        kind: "fill",
        id: orderIdOf(e.securityId, e.takerPlayerId === playerId ? e.takerOrderId : e.makerOrderId),
        ...fillFor(e, playerId),
      };
    case "order_cancelled":
      return {
        type: "execution",
        kind: "cancelled",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        qty: e.qty,
        reason: e.reason,
      };
    case "order_amended":
      return {
        type: "execution",
        kind: "amended",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        oldQty: e.oldQty,
        qty: e.qty,
      };
    default:
      return null;
  }
}
