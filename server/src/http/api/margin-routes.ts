/**
 * Stop, exit and margin routes of /api/v1 (docs/margin.md "Protocol"), the REST face of the room's
 * "place-stop", "cancel-stop" and "set-exits" messages: the same schemas, the same path through GameHub
 * (entry gate and order rate limit included), the same codes. A stop's REST id is `<securityId>-<stopId>`.
 *
 *   POST   /stops                          place a stop-market / stop-limit order or an OCO pair -> 201 StopReply
 *   DELETE /stops/:id                      cancel a waiting stop                                  -> 200 StopReply
 *   POST   /positions/:security/exits      stop-loss / take-profit on the open position           -> 200 ExitsReply
 *   GET    /margin                         the key's player's margin account and waiting stops    -> 200 MarginReply
 *   POST   /admin/games/:id/securities/:security/reference { price }   (admin) the reference -> 200 { seq }
 *
 * Brackets are POST /orders with `bracket`. Place and exits are CHANNEL_NOT_ALLOWED in a browser-only round.
 */
import { z } from "zod";
import { PlaceStop, ReferenceBody, SetExitsMessage } from "@marketroom/shared";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import { setExits } from "../../game/stop-commands.ts";
import { marginAccount } from "../../core/margin-account.ts";
import { waitingStops } from "../../core/read.ts";
import { channelRefusal } from "../../rounds/trading-channels.ts";
import type { Caller } from "./auth.ts";
import { rejection } from "./orders.ts";
import type { ApiRouter } from "./router.ts";
import { AdminGameParam, SecurityParam } from "./schemas.ts";

type KeyCaller = Extract<Caller, { kind: "key" }>;
const int = z.number().int();

export const PlaceStopBody = PlaceStop.meta({ id: "PlaceStopBody" });
export const SetExitsBody = SetExitsMessage.omit({ ref: true, securityId: true }).meta({ id: "SetExitsBody" });
const StopIdParam = z.object({
  id: z.string().regex(/^[1-9]\d{0,9}-[1-9]\d{0,11}$/, "a stop id is <securityId>-<stopId>"),
});
export const StopReply = z.object({ seq: int, stopIds: z.array(int) }).meta({ id: "StopReply" });
export const ExitsReply = StopReply.extend({ cancelledStopIds: z.array(int) }).meta({ id: "ExitsReply" });
const Stop = z.object({
  stopId: int,
  securityId: int,
  side: z.enum(["buy", "sell"]),
  orderType: z.enum(["limit", "market"]),
  price: int,
  qty: int,
  stopPrice: int,
  trigger: z.enum(["last", "mark"]),
  kind: z.enum(["stop", "take_profit"]),
  ocoStopId: int,
  parentOrderId: int,
});
export const MarginReply = z
  .object({
    mode: z.enum(["cash", "margin"]),
    equity: int,
    usedMargin: int,
    maintenance: int,
    freeMargin: int,
    leverageBps: int,
    positions: z.array(
      z.object({
        securityId: int,
        qty: int,
        entryPrice: int,
        mark: int,
        unrealizedPnl: int,
        margin: int,
        liquidationPrice: int,
      }),
    ),
    stops: z.array(Stop),
  })
  .meta({ id: "MarginReply" });

const STOP_ERRORS = [
  "INVALID_BODY",
  "CHANNEL_NOT_ALLOWED",
  "RATE_LIMITED",
  "MARKET_CLOSED",
  "UNKNOWN_SECURITY",
  "INVALID_PRICE",
  "INVALID_QUANTITY",
  "INVALID_ARGUMENT",
];

export function mountMarginRoutes(r: ApiRouter<Caller>, service: GameService): void {
  const { hub } = service;
  const key = (c: Caller) => c as KeyCaller;

  r.add({
    method: "post",
    path: "/stops",
    access: "key",
    summary: "Place a stop-market or stop-limit order (trigger on the last trade or the mark), or an OCO pair",
    body: PlaceStopBody,
    replies: { 201: StopReply },
    errors: STOP_ERRORS,
    handler: async ({ body, caller }) => {
      const { gameId, playerId } = key(caller);
      const res = (await channelRefusal(service.store, gameId, "api")) ?? (await hub.placeStop(gameId, playerId, body));
      if (!res.ok) throw rejection(res);
      return { seq: res.lastSeq, stopIds: res.stopIds };
    },
  });

  r.add({
    method: "delete",
    path: "/stops/:id",
    access: "key",
    summary: "Cancel a waiting stop (its OCO partner stays)",
    params: StopIdParam,
    replies: { 200: StopReply },
    errors: ["NOT_FOUND", "UNKNOWN_ORDER", "NOT_OWNER", "UNKNOWN_SECURITY"],
    handler: async ({ params, caller }) => {
      const { gameId, playerId } = key(caller);
      const [s, id] = params.id.split("-").map(Number);
      const res = await hub.cancelStop(gameId, playerId, s!, id!);
      if (!res.ok) throw rejection(res);
      return { seq: res.lastSeq, stopIds: res.stopIds };
    },
  });

  r.add({
    method: "post",
    path: "/positions/:security/exits",
    access: "key",
    summary:
      "Stop-loss and/or take-profit on the open position: replaces the closing-side stops with a market stop (an OCO pair when both)",
    params: SecurityParam,
    body: SetExitsBody,
    replies: { 200: ExitsReply },
    errors: [...STOP_ERRORS, "INSUFFICIENT_HOLDINGS", "UNKNOWN_ORDER"],
    handler: async ({ params, body, caller }) => {
      const { gameId, playerId } = key(caller);
      const refused = await channelRefusal(service.store, gameId, "api");
      if (refused) throw rejection(refused);
      const res = await setExits(hub, gameId, playerId, { ...body, securityId: params.security });
      if (!res.ok) throw new ApiError(res.code, res.message);
      return { seq: res.seq, stopIds: res.stopIds ?? [], cancelledStopIds: res.cancelledStopIds ?? [] };
    },
  });

  r.add({
    method: "get",
    path: "/margin",
    access: "key",
    summary:
      "The key's player's margin account (equity, used/free margin, leverage, positions with liquidation prices) and waiting stops",
    replies: { 200: MarginReply },
    errors: ["UNKNOWN_PLAYER"],
    handler: async ({ caller }) => {
      const { gameId, playerId } = key(caller);
      const state = (await hub.engine.writer(gameId)).state;
      const p = state?.players.get(playerId);
      if (!state || !p) throw new ApiError("UNKNOWN_PLAYER", `no player ${playerId}`);
      const a = marginAccount(state, p);
      const stops = waitingStops(state, playerId).map(({ ts: _ts, ...s }) => s);
      const { equity, usedMargin, maintenance, freeMargin, leverageBps, positions } = a;
      return {
        mode: state.game?.mode ?? "cash",
        equity,
        usedMargin,
        maintenance,
        freeMargin,
        leverageBps,
        positions,
        stops,
      };
    },
  });

  r.add({
    method: "post",
    path: "/admin/games/:id/securities/:security/reference",
    access: "admin",
    summary: "Set a security's reference price (ticks); stops on the mark, margin calls and liquidations follow",
    params: AdminGameParam.extend(SecurityParam.shape),
    body: ReferenceBody,
    replies: { 200: z.object({ seq: int }) },
    errors: ["INVALID_BODY", "UNKNOWN_GAME", "UNKNOWN_SECURITY", "MARKET_CLOSED", "INVALID_PRICE"],
    handler: async ({ params, body }) => {
      const res = unwrap(await hub.setReference(params.id, params.security, body.price));
      return { seq: res.lastSeq };
    },
  });
}
