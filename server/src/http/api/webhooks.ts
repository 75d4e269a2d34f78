/**
 * Inbound webhooks (docs/algo-trading.md, "Webhooks"): a per-player signal URL that turns a
 * TradingView-style alert into an order of that player, answering with the order's result.
 *
 *   POST   /webhooks { name? }    (player token or key) -> 201 { hookId, url, secret, ... } (secret shown once)
 *   GET    /webhooks                                  -> { webhooks } (no secrets)
 *   DELETE /webhooks/:hookId                          -> the webhook, revokedAt set
 *   POST   /hooks/:hookId { secret, ticker, action: buy|sell|close, qty?, price?, id?, timestamp? }  (no bearer)
 *       -> 201 { action, order: PlaceReply | null }
 *
 * The alert proves itself with the hook's secret in the body (TradingView can neither sign nor set
 * headers) or in `X-Webhook-Secret`; only the secret's SHA-256 is stored (sql/006_webhooks.sql) and it is
 * compared in constant time. An unknown hook, a revoked one and a wrong secret all answer UNAUTHORIZED.
 * Replay protection: `id` (unique per alert) becomes the order's clientOrderId `wh-<id>`, so a replayed
 * alert returns the first result (duplicate: true) and places nothing; `timestamp` (ms since the epoch),
 * when given, must be within REPLAY_WINDOW_MS of the server's clock (else INVALID_BODY).
 *
 * Orders: `buy`/`sell` with `price` = a GTC limit order, without = a market order (IOC); `close` = a
 * market order for the whole position of `ticker` (nothing when flat: `order: null`). Every order goes
 * through GameHub like any other. Each hook has the server's per-key request limit.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Generated, Kysely } from "kysely";
import { z } from "zod";
import { text } from "@marketroom/shared";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { Db } from "../../persistence/db.ts";
import type { ApiAuth, Caller } from "./auth.ts";
import { orderIdOf } from "./history.ts";
import type { KeyRateDefaults } from "./key-routes.ts";
import { fillFor, rejection } from "./orders.ts";
import type { ApiRouter } from "./router.ts";
import { PlaceReply } from "./schemas.ts";
import { channelRefusal } from "../../rounds/trading-channels.ts";

/** How far an alert's `timestamp` may be from the server's clock. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

interface WebhooksTable {
  hook_id: string;
  secret_hash: Buffer;
  game_id: string;
  player_id: string;
  name: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

const HookIdParam = z.object({ hookId: z.string().regex(/^wh_[0-9a-f]{16}$/, "a webhook id") });
const CreateHookBody = z.object({ name: text({ max: 64 }).default("") }).meta({ id: "CreateWebhookBody" });
const WebhookInfo = z
  .object({
    hookId: z.string(),
    url: z.string(),
    gameId: z.string(),
    playerId: z.string(),
    name: z.string(),
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: "Webhook" });
const NewWebhook = WebhookInfo.extend({ secret: z.string() }).meta({ id: "NewWebhook" });
/** A TradingView-style alert. */
export const Alert = z
  .object({
    secret: z.string().max(200).optional(),
    ticker: z.string().regex(/^[A-Za-z0-9._^-]{1,16}$/),
    action: z.enum(["buy", "sell", "close"]),
    qty: z.number().int().min(1).max(1_000_000_000).optional(),
    price: z.number().int().min(1).max(1_000_000_000).optional(),
    id: text({ max: 48 }).optional(),
    timestamp: z.number().int().min(0).optional(),
  })
  .meta({ id: "Alert" });
const AlertReply = z.object({ action: z.string(), order: PlaceReply.nullable() }).meta({ id: "AlertReply" });

type Row = Omit<WebhooksTable, "created_at"> & { created_at: Date };
const infoOf = (r: Row) => ({
  hookId: r.hook_id,
  url: `/api/v1/hooks/${r.hook_id}`,
  gameId: r.game_id,
  playerId: r.player_id,
  name: r.name,
  createdAt: r.created_at.getTime(),
  revokedAt: r.revoked_at ? r.revoked_at.getTime() : null,
});

export function mountWebhookRoutes(
  r: ApiRouter<Caller>,
  service: GameService,
  db: Db | undefined,
  auth: ApiAuth,
  limit: KeyRateDefaults,
): void {
  const table = () => {
    if (!db) throw new ApiError("UNAVAILABLE", "webhooks need PostgreSQL, which this server runs without");
    return db.withTables<{ api_webhooks: WebhooksTable }>() as unknown as Kysely<{ api_webhooks: WebhooksTable }>;
  };
  const player = (c: Caller) => {
    if ((c.kind !== "player" && c.kind !== "key") || c.gameId.startsWith("session:"))
      throw new ApiError("FORBIDDEN", "a round's player token is required");
    return c;
  };

  r.add({
    method: "post",
    path: "/webhooks",
    access: "player",
    summary: "Create an inbound signal URL for the caller's player (the secret is in this reply only)",
    body: CreateHookBody,
    replies: { 201: NewWebhook },
    errors: ["INVALID_BODY", "FORBIDDEN"],
    handler: async ({ body, caller }) => {
      const c = player(caller);
      const secret = `whs_${randomBytes(24).toString("base64url")}`;
      const row = await table()
        .insertInto("api_webhooks")
        .values({
          hook_id: `wh_${randomBytes(8).toString("hex")}`,
          secret_hash: sha256(secret),
          game_id: c.gameId,
          player_id: c.playerId,
          name: body.name,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...infoOf(row), secret };
    },
  });

  r.add({
    method: "get",
    path: "/webhooks",
    access: "player",
    summary: "The caller's player's inbound webhooks (no secrets)",
    replies: { 200: z.object({ webhooks: z.array(WebhookInfo) }) },
    errors: ["FORBIDDEN"],
    handler: async ({ caller }) => {
      const c = player(caller);
      const rows = await table()
        .selectFrom("api_webhooks")
        .selectAll()
        .where("game_id", "=", c.gameId)
        .where("player_id", "=", c.playerId)
        .orderBy("created_at", "desc")
        .execute();
      return { webhooks: rows.map(infoOf) };
    },
  });

  r.add({
    method: "delete",
    path: "/webhooks/:hookId",
    access: "player",
    summary: "Revoke one of the caller's player's webhooks",
    params: HookIdParam,
    replies: { 200: WebhookInfo },
    errors: ["NOT_FOUND", "FORBIDDEN"],
    handler: async ({ params, caller }) => {
      const c = player(caller);
      const t = table();
      await t
        .updateTable("api_webhooks")
        .set({ revoked_at: new Date() })
        .where("hook_id", "=", params.hookId)
        .where("game_id", "=", c.gameId)
        .where("player_id", "=", c.playerId)
        .where("revoked_at", "is", null)
        .execute();
      const row = await t
        .selectFrom("api_webhooks")
        .selectAll()
        .where("hook_id", "=", params.hookId)
        .where("game_id", "=", c.gameId)
        .where("player_id", "=", c.playerId)
        .executeTakeFirst();
      if (!row) throw new ApiError("NOT_FOUND", `no webhook ${params.hookId}`);
      return infoOf(row);
    },
  });

  r.add({
    method: "post",
    path: "/hooks/:hookId",
    access: "public",
    summary: "An alert (TradingView style) for a webhook: places the order it describes",
    params: HookIdParam,
    body: Alert,
    replies: { 201: AlertReply },
    errors: [
      "NOT_FOUND",
      "INVALID_BODY",
      "CHANNEL_NOT_ALLOWED",
      "RATE_LIMITED",
      "UNKNOWN_SECURITY",
      "MARKET_CLOSED",
      "NO_LIQUIDITY",
      "INSUFFICIENT_FUNDS",
      "INSUFFICIENT_HOLDINGS",
    ],
    handler: async ({ params, body, req, res }) => {
      const hook = await table()
        .selectFrom("api_webhooks")
        .selectAll()
        .where("hook_id", "=", params.hookId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      const header = req.headers["x-webhook-secret"];
      const given = body.secret ?? (Array.isArray(header) ? header[0] : header) ?? "";
      if (!hook || !timingSafeEqual(sha256(given), hook.secret_hash))
        throw new ApiError("UNAUTHORIZED", "unknown webhook or wrong secret");
      if (await auth.kicks.kicked(hook.game_id, hook.player_id))
        throw new ApiError("UNAUTHORIZED", "this player was removed from the game");
      const source = { gameId: hook.game_id, playerId: hook.player_id, keyId: hook.hook_id };
      await auth.consume(hook.hook_id, limit, res, source);
      if (body.timestamp !== undefined && Math.abs(Date.now() - body.timestamp) > REPLAY_WINDOW_MS) {
        throw new ApiError(
          "INVALID_BODY",
          `the alert's timestamp is more than ${REPLAY_WINDOW_MS / 60_000} minutes from the server's clock`,
        );
      }
      const { game_id: gameId, player_id: playerId } = hook;
      const info = unwrap(await service.hub.engine.gameInfo(gameId));
      const sec = info.securities.find((s) => s.symbol.toUpperCase() === body.ticker.toUpperCase());
      if (!sec) throw new ApiError("UNKNOWN_SECURITY", `no security ${body.ticker}`);
      let side: "buy" | "sell";
      let qty: number;
      if (body.action === "close") {
        const pos =
          unwrap(await service.hub.engine.inventory(gameId, playerId)).positions.find(
            (p) => p.securityId === sec.securityId,
          )?.qty ?? 0;
        if (pos === 0) return { action: "close", order: null };
        side = pos > 0 ? "sell" : "buy";
        qty = Math.abs(pos);
      } else {
        if (body.qty === undefined) throw new ApiError("INVALID_BODY", "buy and sell alerts need qty");
        side = body.action;
        qty = body.qty;
      }
      const limitPrice = body.action !== "close" ? body.price : undefined;
      const order = {
        securityId: sec.securityId,
        side,
        qty,
        ...(limitPrice !== undefined
          ? { type: "limit" as const, tif: "GTC" as const, price: limitPrice }
          : { type: "market" as const, tif: "IOC" as const }),
        ...(body.id !== undefined ? { clientOrderId: `wh-${body.id}` } : {}),
      };
      const out =
        (await channelRefusal(service.store, gameId, "api")) ?? (await service.hub.place(gameId, playerId, order));
      auth.noteOrder(source, out);
      if (!out.ok) throw rejection(out);
      return {
        action: body.action,
        order: {
          id: orderIdOf(out.order.securityId, out.order.orderId),
          seq: out.lastSeq,
          order: out.order,
          fills: out.fills.map((f) => fillFor(f, playerId)),
          duplicate: out.duplicate === true,
        },
      };
    },
  });
}
