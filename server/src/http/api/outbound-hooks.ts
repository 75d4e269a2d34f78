/**
 * Outbound webhooks: registering a URL of a round that receives its events (delivery: outbound-delivery.ts;
 * storage: sql/007_outbound_webhooks.sql; docs/algo-trading.md "Webhooks (outbound)").
 *
 *   POST   /outbound-webhooks { url, events? }         (player token or key) -> 201 NewOutboundWebhook (secret shown once)
 *   GET    /outbound-webhooks                          -> { webhooks } (no secrets)
 *   DELETE /outbound-webhooks/:hookId                  -> the webhook, revokedAt set (queued deliveries fail)
 *   GET    /outbound-webhooks/:hookId/deliveries?limit= -> { deliveries } newest first
 *   and the same under /admin/games/:id/outbound-webhooks for the admin (a hook with every fill of the round).
 *
 * `events` ⊆ { "fill", "phase" } (default both). The URL is http(s), at most 2000 characters, without
 * credentials; a loopback, private or link-local address literal (or "localhost") is INVALID_BODY unless
 * OUTBOUND_WEBHOOK_ALLOW_PRIVATE=1 (a server whose receivers run beside it, tests). A new hook gets the
 * round's events from its registration on (its cursor starts at the game's current seq).
 */
import { randomBytes } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { Generated, Kysely } from "kysely";
import { z } from "zod";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { Db } from "../../persistence/db.ts";
import type { Caller } from "./auth.ts";
import type { ApiRouter } from "./router.ts";
import { AdminGameParam } from "./schemas.ts";

export type OutboundHooksTable = {
  hook_id: string;
  game_id: string;
  player_id: string | null;
  url: string;
  events: string[];
  secret: string;
  cursor_seq: number;
  created_by: "player" | "admin";
  created_at: Generated<Date>;
  revoked_at: Date | null;
};
export type OutboundDeliveriesTable = {
  delivery_id: string;
  hook_id: string;
  seq: number;
  type: string;
  payload: unknown;
  status: Generated<"pending" | "delivered" | "failed">;
  attempts: Generated<number>;
  next_at: Generated<Date>;
  last_status: number | null;
  last_error: string | null;
  created_at: Generated<Date>;
  delivered_at: Date | null;
};
export type OutboundTables = {
  api_outbound_hooks: OutboundHooksTable;
  api_outbound_deliveries: OutboundDeliveriesTable;
};

/** A new hook's signing secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::1", 128],
  ["::", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

/** Whether a URL host names this machine or a private network (by name "localhost" or an address literal). */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v = isIP(host);
  return v !== 0 && PRIVATE.check(host, v === 4 ? "ipv4" : "ipv6");
}

const Url = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "an http(s) URL without credentials");
const CreateBody = z
  .object({
    url: Url,
    events: z
      .array(z.enum(["fill", "phase"]))
      .min(1)
      .max(2)
      .default(["fill", "phase"]),
  })
  .meta({ id: "CreateOutboundWebhookBody" });
const HookIdParam = z.object({ hookId: z.string().regex(/^oh_[0-9a-f]{16}$/, "an outbound webhook id") });
const AdminHookParams = AdminGameParam.extend({ hookId: HookIdParam.shape.hookId });
const Info = z
  .object({
    hookId: z.string(),
    gameId: z.string(),
    playerId: z.string().nullable(),
    url: z.string(),
    events: z.array(z.string()),
    createdBy: z.enum(["player", "admin"]),
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: "OutboundWebhook" });
const NewInfo = Info.extend({
  secret: z.string().describe("whsec_...: verify webhook-signature with it (Standard Webhooks)"),
}).meta({ id: "NewOutboundWebhook" });
const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const Deliveries = z
  .object({
    deliveries: z.array(
      z.object({
        deliveryId: z.string(),
        seq: z.number().int(),
        type: z.string(),
        status: z.enum(["pending", "delivered", "failed"]),
        attempts: z.number().int(),
        lastStatus: z.number().int().nullable(),
        lastError: z.string().nullable(),
        createdAt: z.number().int(),
        deliveredAt: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: "OutboundDeliveries" });

type Row = Omit<OutboundHooksTable, "created_at"> & { created_at: Date };
const infoOf = (r: Row) => ({
  hookId: r.hook_id,
  gameId: r.game_id,
  playerId: r.player_id,
  url: r.url,
  events: r.events,
  createdBy: r.created_by,
  createdAt: r.created_at.getTime(),
  revokedAt: r.revoked_at ? r.revoked_at.getTime() : null,
});

export function mountOutboundHookRoutes(r: ApiRouter<Caller>, service: GameService, db: Db | undefined): void {
  const table = () => {
    if (!db) throw new ApiError("UNAVAILABLE", "webhooks need PostgreSQL, which this server runs without");
    return db.withTables<OutboundTables>() as unknown as Kysely<OutboundTables>;
  };
  const player = (c: Caller) => {
    if ((c.kind !== "player" && c.kind !== "key") || c.gameId.startsWith("session:"))
      throw new ApiError("FORBIDDEN", "a round's player token or API key is required");
    return c;
  };
  const create = async (
    gameId: string,
    playerId: string | null,
    body: z.output<typeof CreateBody>,
    createdBy: "player" | "admin",
  ) => {
    if (process.env.OUTBOUND_WEBHOOK_ALLOW_PRIVATE !== "1" && isPrivateHost(new URL(body.url).hostname)) {
      throw new ApiError("INVALID_BODY", "the URL names this machine or a private network");
    }
    const { seq } = unwrap(await service.hub.engine.gameInfo(gameId));
    const secret = newSigningSecret();
    const row = await table()
      .insertInto("api_outbound_hooks")
      .values({
        hook_id: `oh_${randomBytes(8).toString("hex")}`,
        game_id: gameId,
        player_id: playerId,
        url: body.url,
        events: body.events,
        secret,
        cursor_seq: seq,
        created_by: createdBy,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...infoOf(row), secret };
  };
  const list = async (gameId: string, playerId?: string) => {
    let q = table().selectFrom("api_outbound_hooks").selectAll().where("game_id", "=", gameId);
    if (playerId !== undefined) q = q.where("player_id", "=", playerId);
    return { webhooks: (await q.orderBy("created_at", "desc").execute()).map(infoOf) };
  };
  /** The hook of the game (and player, unless the admin asks), or NOT_FOUND. */
  const hookOf = async (gameId: string, hookId: string, playerId?: string) => {
    let q = table()
      .selectFrom("api_outbound_hooks")
      .selectAll()
      .where("hook_id", "=", hookId)
      .where("game_id", "=", gameId);
    if (playerId !== undefined) q = q.where("player_id", "=", playerId);
    const row = await q.executeTakeFirst();
    if (!row) throw new ApiError("NOT_FOUND", `no outbound webhook ${hookId}`);
    return row;
  };
  const revoke = async (gameId: string, hookId: string, playerId?: string) => {
    await hookOf(gameId, hookId, playerId);
    await table()
      .updateTable("api_outbound_hooks")
      .set({ revoked_at: new Date() })
      .where("hook_id", "=", hookId)
      .where("revoked_at", "is", null)
      .execute();
    return infoOf(await hookOf(gameId, hookId, playerId));
  };
  const deliveries = async (gameId: string, hookId: string, limit: number, playerId?: string) => {
    await hookOf(gameId, hookId, playerId);
    const rows = await table()
      .selectFrom("api_outbound_deliveries")
      .selectAll()
      .where("hook_id", "=", hookId)
      .orderBy("seq", "desc")
      .orderBy("delivery_id", "desc")
      .limit(limit)
      .execute();
    return {
      deliveries: rows.map((d) => ({
        deliveryId: d.delivery_id,
        seq: Number(d.seq),
        type: d.type,
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.last_status,
        lastError: d.last_error,
        createdAt: d.created_at.getTime(),
        deliveredAt: d.delivered_at ? d.delivered_at.getTime() : null,
      })),
    };
  };
  const errors = ["INVALID_BODY", "FORBIDDEN", "UNKNOWN_GAME"];

  r.add({
    method: "post",
    path: "/outbound-webhooks",
    access: "player",
    summary:
      "Register a URL that receives the player's fills and the round's phase changes, signed (the secret is in this reply only)",
    body: CreateBody,
    replies: { 201: NewInfo },
    errors,
    handler: async ({ body, caller }) => {
      const c = player(caller);
      return create(c.gameId, c.playerId, body, "player");
    },
  });
  r.add({
    method: "get",
    path: "/outbound-webhooks",
    access: "player",
    summary: "The player's outbound webhooks (no secrets)",
    replies: { 200: z.object({ webhooks: z.array(Info) }) },
    errors: ["FORBIDDEN"],
    handler: async ({ caller }) => {
      const c = player(caller);
      return list(c.gameId, c.playerId);
    },
  });
  r.add({
    method: "delete",
    path: "/outbound-webhooks/:hookId",
    access: "player",
    summary: "Revoke one of the player's outbound webhooks",
    params: HookIdParam,
    replies: { 200: Info },
    errors: ["NOT_FOUND", "FORBIDDEN"],
    handler: async ({ params, caller }) => {
      const c = player(caller);
      return revoke(c.gameId, params.hookId, c.playerId);
    },
  });
  r.add({
    method: "get",
    path: "/outbound-webhooks/:hookId/deliveries",
    access: "player",
    summary: "Deliveries of one of the player's outbound webhooks, newest first",
    params: HookIdParam,
    query: DeliveriesQuery,
    replies: { 200: Deliveries },
    errors: ["NOT_FOUND", "FORBIDDEN", "INVALID_QUERY"],
    handler: async ({ params, query, caller }) => {
      const c = player(caller);
      return deliveries(c.gameId, params.hookId, query.limit, c.playerId);
    },
  });
  r.add({
    method: "post",
    path: "/admin/games/:id/outbound-webhooks",
    access: "admin",
    summary: "Register a URL that receives every fill of the round and its phase changes, signed",
    params: AdminGameParam,
    body: CreateBody,
    replies: { 201: NewInfo },
    errors: [...errors, "NOT_FOUND"],
    handler: async ({ params, body }) => create(params.id, null, body, "admin"),
  });
  r.add({
    method: "get",
    path: "/admin/games/:id/outbound-webhooks",
    access: "admin",
    summary: "Every outbound webhook of a round (players' and the admin's; no secrets)",
    params: AdminGameParam,
    replies: { 200: z.object({ webhooks: z.array(Info) }) },
    errors: ["NOT_FOUND", "FORBIDDEN"],
    handler: async ({ params }) => list(params.id),
  });
  r.add({
    method: "delete",
    path: "/admin/games/:id/outbound-webhooks/:hookId",
    access: "admin",
    summary: "Revoke any outbound webhook of a round",
    params: AdminHookParams,
    replies: { 200: Info },
    errors: ["NOT_FOUND", "FORBIDDEN"],
    handler: async ({ params }) => revoke(params.id, params.hookId),
  });
  r.add({
    method: "get",
    path: "/admin/games/:id/outbound-webhooks/:hookId/deliveries",
    access: "admin",
    summary: "Deliveries of any outbound webhook of a round, newest first",
    params: AdminHookParams,
    query: DeliveriesQuery,
    replies: { 200: Deliveries },
    errors: ["NOT_FOUND", "FORBIDDEN", "INVALID_QUERY"],
    handler: async ({ params, query }) => deliveries(params.id, params.hookId, query.limit),
  });
}
