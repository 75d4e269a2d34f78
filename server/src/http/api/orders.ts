/**
 * Order routes of /api/v1 (an API key's player in the key's game). Every write goes through GameHub
 * (place, cancel, cancelAll, amend), the path the room and the bots take, so a REST order and a room
 * order of the same player are one sequence of the game's log and obey the same rules (the round's
 * order rate limit included). Reads of open orders come from the engine; history from history.ts.
 *
 *   POST   /orders               place                     -> 201 PlaceReply (a retry with the same clientOrderId: the first result, duplicate true)
 *   GET    /orders?status=open|history&securityId=&side=&before=&limit=   -> OrderList
 *   GET    /orders/:id           one order (`<securityId>-<orderId>`)      -> Order
 *   DELETE /orders/:id           cancel                    -> CancelReply
 *   DELETE /orders?securityId=   cancel all (or one security's)           -> CancelAllReply
 *   PATCH  /orders/:id { qty, price? }  amend              -> AmendReply
 *
 * An engine rejection is its code with the code's status (docs/api.md, "Errors") and changes nothing.
 * Place and amend are CHANNEL_NOT_ALLOWED (403) in a round whose rules.trading is "browser".
 */
import type { FillEvent, OpenOrder, Rejection } from "@marketroom/shared";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameHub, GateRefusal, RateLimited } from "../../game/hub.ts";
import type { Unavailable } from "../../engine/writers.ts";
import type { GameStore } from "../../game/store.ts";
import { channelRefusal, type ChannelNotAllowed } from "../../rounds/trading-channels.ts";
import type { ApiAuth, Caller } from "./auth.ts";
import { RetryLater } from "./auth.ts";
import { orderIdOf, type FillOut, type History, type OrderOut } from "./history.ts";
import type { ApiRouter } from "./router.ts";
import {
  AmendBody,
  AmendReply,
  CancelAllQuery,
  CancelAllReply,
  CancelReply,
  OrderIdParam,
  OrderList,
  OrdersQuery,
  OrderView,
  PlaceOrderBody,
  PlaceReply,
} from "./schemas.ts";

type KeyCaller = Extract<Caller, { kind: "key" }>;

const ORDER_ERRORS = [
  "CHANNEL_NOT_ALLOWED",
  "INVALID_BODY",
  "RATE_LIMITED",
  "MARKET_CLOSED",
  "UNKNOWN_SECURITY",
  "INVALID_PRICE",
  "INVALID_QUANTITY",
  "PRICE_OUT_OF_BAND",
  "ORDER_TOO_LARGE",
  "NOTIONAL_TOO_LARGE",
  "POST_ONLY_WOULD_TAKE",
  "FOK_UNFILLABLE",
  "NO_LIQUIDITY",
  "INVALID_LEVERAGE",
  "INSUFFICIENT_FUNDS",
  "INSUFFICIENT_HOLDINGS",
  "POSITION_LIMIT",
  "GROSS_POSITION_LIMIT",
  "NET_POSITION_LIMIT",
];

/**
 * A rejection (engine or the round's order rate limit) as the error to answer. Made without a stack
 * trace: a rejection is an answer, not a fault (nothing logs the stack of a 4xx or a 503), and capturing
 * one under the route's chain of awaits cost about 7 µs per refused order (a loop: 11 µs with the trace,
 * 4 µs without; a program's cancel of an order that has just filled is one; docs/api-benchmark.md
 * "Stop 18"). A 5xx other than UNAVAILABLE, which the error reply logs, keeps its trace.
 */
export function rejection(r: Rejection | RateLimited | Unavailable | GateRefusal | ChannelNotAllowed): ApiError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let e: ApiError;
  try {
    e = "retryAfterMs" in r ? new RetryLater(r.message, r.retryAfterMs) : ApiError.from(r);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (e.status < 500 || e.code === "UNAVAILABLE") return e;
  return "retryAfterMs" in r ? new RetryLater(r.message, r.retryAfterMs) : ApiError.from(r);
}

/** A fill event as seen by one of its players (the taker side when it traded with itself). */
export function fillFor(e: FillEvent, playerId: string): FillOut {
  const taker = e.takerPlayerId === playerId;
  return {
    seq: e.seq,
    ts: e.ts,
    securityId: e.securityId,
    orderId: taker ? e.takerOrderId : e.makerOrderId,
    side: taker ? e.aggressor : e.aggressor === "buy" ? "sell" : "buy",
    price: e.price,
    qty: e.qty,
    role: taker ? "taker" : "maker",
    fee: taker ? (e.takerFee ?? 0) : -(e.makerRebate ?? 0),
  };
}

/** An open order from the engine in the REST shape. */
export function openOrderOut(o: OpenOrder): OrderOut {
  return {
    id: orderIdOf(o.securityId, o.orderId),
    orderId: o.orderId,
    securityId: o.securityId,
    side: o.side,
    price: o.price,
    qty: o.qty,
    openQty: o.amount,
    status: o.amount < o.qty ? "partially_filled" : "new",
    ...(o.clientOrderId ? { clientOrderId: o.clientOrderId } : {}),
    ts: o.ts,
  };
}

function splitId(id: string): { securityId: number; orderId: number } {
  const [s, o] = id.split("-");
  return { securityId: Number(s), orderId: Number(o) };
}

/** `store`: the rounds' settings, for the round's rule of who may trade (rounds/trading-channels.ts). */
export function mountOrderRoutes(
  r: ApiRouter<Caller>,
  hub: GameHub,
  history: History,
  auth: ApiAuth,
  store: GameStore,
): void {
  const key = (c: Caller) => c as KeyCaller;

  r.add({
    method: "post",
    path: "/orders",
    access: "key",
    summary: "Place an order (limit or market; GTC, IOC or FOK; post-only; clientOrderId for safe retries)",
    body: PlaceOrderBody,
    replies: { 201: PlaceReply },
    errors: ORDER_ERRORS,
    handler: async ({ body, caller }) => {
      const { gameId, playerId, keyId } = key(caller);
      const refused = await channelRefusal(store, gameId, "api");
      const res = refused ?? (await hub.place(gameId, playerId, body));
      auth.noteOrder({ gameId, playerId, keyId }, res);
      if (!res.ok) throw rejection(res);
      return {
        id: orderIdOf(res.order.securityId, res.order.orderId),
        seq: res.lastSeq,
        order: res.order,
        fills: res.fills.map((f) => fillFor(f, playerId)),
        duplicate: res.duplicate === true,
      };
    },
  });

  r.add({
    method: "get",
    path: "/orders",
    access: "key",
    summary:
      "The key's player's open orders (status=open, from the engine) or order history (status=history, newest first, paged with before)",
    query: OrdersQuery,
    replies: { 200: OrderList },
    errors: ["INVALID_QUERY", "UNKNOWN_SECURITY"],
    handler: async ({ query, caller }) => {
      const { gameId, playerId } = key(caller);
      if (query.status === "history") return history.orders(gameId, playerId, query);
      const open = unwrap(await hub.engine.orders(gameId, playerId, query.securityId))
        .orders.filter((o) => !query.side || o.side === query.side)
        .sort((a, b) => a.securityId - b.securityId || a.orderId - b.orderId);
      return { orders: open.slice(0, query.limit).map(openOrderOut), nextBefore: null };
    },
  });

  r.add({
    method: "get",
    path: "/orders/:id",
    access: "key",
    summary: "One order of the key's player (open or past)",
    params: OrderIdParam,
    replies: { 200: OrderView },
    errors: ["NOT_FOUND", "UNKNOWN_ORDER", "NOT_OWNER"],
    handler: async ({ params, caller }) => {
      const { gameId, playerId } = key(caller);
      const { securityId, orderId } = splitId(params.id);
      const open = await hub.engine.orders(gameId, playerId, securityId);
      const found = open.ok ? open.orders.find((o) => o.orderId === orderId) : undefined;
      if (found) return openOrderOut(found);
      const past = await history.order(gameId, securityId, orderId);
      if (!past) throw new ApiError("UNKNOWN_ORDER", `no order ${params.id}`);
      if (past.playerId !== playerId) throw new ApiError("NOT_OWNER", `order ${params.id} is another player's`);
      const { playerId: _p, ...order } = past;
      return order;
    },
  });

  r.add({
    method: "delete",
    path: "/orders/:id",
    access: "key",
    summary: "Cancel one resting order",
    params: OrderIdParam,
    replies: { 200: CancelReply },
    errors: ["NOT_FOUND", "UNKNOWN_ORDER", "NOT_OWNER", "UNKNOWN_SECURITY", "RATE_LIMITED"],
    handler: async ({ params, caller }) => {
      const { gameId, playerId } = key(caller);
      const { securityId, orderId } = splitId(params.id);
      const res = await hub.cancel(gameId, playerId, securityId, orderId);
      if (!res.ok) throw rejection(res);
      return { seq: res.lastSeq, cancelled: { id: params.id, ...res.cancelled } };
    },
  });

  r.add({
    method: "delete",
    path: "/orders",
    access: "key",
    summary: "Cancel every resting order of the key's player, or one security's",
    query: CancelAllQuery,
    replies: { 200: CancelAllReply },
    errors: ["INVALID_QUERY", "UNKNOWN_SECURITY"],
    handler: async ({ query, caller }) => {
      const { gameId, playerId } = key(caller);
      const res = await hub.cancelAll(gameId, playerId, query.securityId);
      if (!res.ok) throw rejection(res);
      return {
        seq: res.lastSeq,
        truncated: res.truncated,
        cancelled: res.cancelledOrderIds.map((c) => ({ id: orderIdOf(c.securityId, c.orderId), ...c })),
      };
    },
  });

  r.add({
    method: "patch",
    path: "/orders/:id",
    access: "key",
    summary:
      "Amend a resting order: a smaller qty at the same price keeps time priority; a new price or a larger qty replaces it",
    params: OrderIdParam,
    body: AmendBody,
    replies: { 200: AmendReply },
    errors: ["INVALID_BODY", "UNKNOWN_ORDER", "NOT_OWNER", ...ORDER_ERRORS],
    handler: async ({ params, body, caller }) => {
      const { gameId, playerId, keyId } = key(caller);
      const { securityId, orderId } = splitId(params.id);
      const refused = await channelRefusal(store, gameId, "api");
      const res =
        refused ??
        (await hub.amend(gameId, playerId, {
          securityId,
          orderId,
          qty: body.qty,
          ...(body.price !== undefined ? { price: body.price } : {}),
        }));
      auth.noteOrder({ gameId, playerId, keyId }, res);
      if (!res.ok) throw rejection(res);
      const id = res.order ? orderIdOf(res.order.securityId, res.order.orderId) : params.id;
      return {
        seq: res.lastSeq,
        id,
        amended: res.amended,
        ...(res.order ? { order: res.order } : {}),
        fills: res.fills.map((f) => fillFor(f, playerId)),
      };
    },
  });
}
