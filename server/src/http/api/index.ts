/**
 * The REST API for programs, under /api/v1 (docs/algo-trading.md): orders, market data, the account and
 * the game for an API key's player; API key management; the OpenAPI 3.1 document generated from the
 * routes' zod schemas at GET /api/v1/openapi.json, rendered at GET /api/v1/docs. Errors are `{ code, message }` (plus `issues`, or
 * `retryAfterMs` with RATE_LIMITED) with the code's HTTP status, as everywhere (docs/api.md, "Errors").
 *
 * `ApiV1.mount` must run before the generic /api routes (their catch-all answers NOT_FOUND for any other
 * /api path, /api/v1 included).
 */
import type { Server as HttpServer } from "node:http";
import type { Application, NextFunction, Request, Response } from "express";
import type { Server } from "@colyseus/core";
import type { Redis } from "iovalkey";
import { OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { Logger } from "../../config.ts";
import { ApiError } from "../../game/errors.ts";
import type { GameService, PersisterPort } from "../../game/service.ts";
import type { Db } from "../../persistence/db.ts";
import { ApiAuth, type Caller } from "./auth.ts";
import { errorReply } from "./error-reply.ts";
import { attachFastLane } from "./fast-lane.ts";
import { Invalidation, KickedPlayers, publishKick } from "./auth-cache.ts";
import { History } from "./history.ts";
import { ApiKeyStore } from "./key-store.ts";
import { mountKeyRoutes, type KeyRateDefaults } from "./key-routes.ts";
import { mountMarketRoutes } from "./market.ts";
import { mountOrderRoutes } from "./orders.ts";
import { mountMarginRoutes } from "./margin-routes.ts";
import { InflightLimit, maxInflightFromEnv } from "./overload.ts";
import { ApiRouter } from "./router.ts";
import { STREAM_PATH, StreamGateway } from "./stream.ts";
import { REVOKED_CHANNEL, startStreamPublisher } from "./stream-publisher.ts";
import { mountWebhookRoutes } from "./webhooks.ts";
import { REFERENCE_PATH, referencePage } from "./reference-page.ts";
import { ApiUsage } from "./usage.ts";
import { mountUsageRoutes } from "./usage-routes.ts";
import { mountOutboundHookRoutes } from "./outbound-hooks.ts";
import { OutboundDelivery } from "./outbound-delivery.ts";

export interface ApiV1Deps {
  service: GameService;
  db?: Db;
  persister?: PersisterPort;
  log: Logger;
  /** Valkey: the stream's pub/sub (publishing on this connection, subscribing on a duplicate). */
  valkey: Redis;
  keyRate?: KeyRateDefaults;
  /** Requests the routes work on at once (overload.ts); default API_MAX_INFLIGHT or 256. */
  maxInflight?: number;
}

/** Default per-key request limit: API_KEY_RATE_LIMIT requests per API_KEY_RATE_WINDOW_MS (100 per 1000 ms). */
export function keyRateFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRateDefaults {
  const requests = Number(env.API_KEY_RATE_LIMIT ?? 100);
  const windowMs = Number(env.API_KEY_RATE_WINDOW_MS ?? 1000);
  if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(windowMs) || windowMs < 100) {
    throw new Error("API_KEY_RATE_LIMIT must be a positive whole number and API_KEY_RATE_WINDOW_MS at least 100");
  }
  return { requests, windowMs };
}

/**
 * The API for programs of one server process: `mount(app)` adds the /api/v1 routes (before the generic
 * /api ones), `attachStream(server)` the WebSocket stream on the server's HTTP server, the Valkey
 * publisher of committed commands and the outbound webhooks' delivery loop (with PostgreSQL).
 */
export class ApiV1 {
  readonly auth: ApiAuth;
  readonly keys: ApiKeyStore | undefined;
  private readonly router: ApiRouter<Caller>;
  private doc: unknown;
  private gateway: StreamGateway | undefined;
  private readonly history: History;
  private readonly invalidation: Invalidation;

  constructor(private readonly deps: ApiV1Deps) {
    const { service, db, persister } = deps;
    const invalidation = (this.invalidation = new Invalidation(deps.valkey, deps.log));
    this.keys = db ? new ApiKeyStore(db, invalidation) : undefined;
    const kicks = new KickedPlayers(service.store, invalidation);
    const auth = (this.auth = new ApiAuth(service, this.keys, new ApiUsage(deps.valkey, deps.log), kicks));
    const limit = new InflightLimit(deps.maxInflight ?? maxInflightFromEnv());
    const r = (this.router = new ApiRouter<Caller>((access, req, res) => auth.authorize(access, req, res), limit));
    const history = (this.history = new History(service.hub.engine, db, persister));
    const keyStore = () => {
      if (!this.keys) throw new ApiError("UNAVAILABLE", "API keys need PostgreSQL, which this server runs without");
      return this.keys;
    };
    mountOrderRoutes(r, service.hub, history, auth, service.store);
    mountMarketRoutes(r, service, history);
    mountMarginRoutes(r, service);
    const keyRate = deps.keyRate ?? keyRateFromEnv();
    mountKeyRoutes(r, service, keyStore, auth, keyRate, (keyId) => this.revoked(keyId));
    mountWebhookRoutes(r, service, db, auth, keyRate);
    mountOutboundHookRoutes(r, service, db);
    mountUsageRoutes(r, service, auth.usage, keyStore);
    r.add({
      method: "get",
      path: "/openapi.json",
      access: "public",
      summary: "This API's OpenAPI 3.1 document",
      replies: { 200: z.object({ openapi: z.string() }).loose() },
      handler: async () => this.openapi(),
    });
    r.router.use(errorHandler(deps.log));
  }

  /** Closes a revoked key's streams: at once in this process, and on every other through Valkey. */
  private revoked(keyId: string): void {
    this.gateway?.closeKey(keyId);
    this.deps.valkey
      .publish(REVOKED_CHANNEL, keyId)
      .catch((err) => this.deps.log.warn({ err: String(err) }, "revocation publish failed"));
  }

  /**
   * A player was kicked (http/kick.ts): their keys are refused at once in this process, and on every
   * other when the message published here arrives (auth-cache.ts). Resolves once Valkey has it.
   */
  async kicked(gameId: string, playerId: string): Promise<void> {
    this.auth.kicks.markKicked(`${gameId}|${playerId}`);
    await publishKick(this.deps.valkey, gameId, playerId);
  }

  /** The OpenAPI 3.1 document of every /api/v1 route (generated once). */
  openapi(): unknown {
    return (this.doc ??= new OpenApiGeneratorV31(this.router.registry.definitions).generateDocument({
      openapi: "3.1.0",
      info: {
        title: "marketroom API for programs",
        version: "1.0.0",
        description:
          "Orders, market data and account of an API key's player. Units: price in ticks, qty in lots, cash in minor units, times in ms since the epoch. The stream: WebSocket " +
          STREAM_PATH +
          ". Rendered at " +
          REFERENCE_PATH +
          ". See docs/algo-trading.md.",
      },
      servers: [{ url: "/" }],
    }));
  }

  /** The routes, and the rendered reference at /api/v1/docs (reference-page.ts). */
  mount(app: Application): void {
    app.use(REFERENCE_PATH, referencePage());
    app.use("/api/v1", this.router.router);
  }

  /**
   * Starts the stream (on the transport's HTTP server) and the publisher of committed commands; with
   * `fastLane` (one server process, no cluster routing) the routes are also served ahead of Express
   * (fast-lane.ts).
   */
  attachStream(server: Server, opts: { fastLane: boolean }): void {
    const http = (server.transport as unknown as { server?: HttpServer }).server;
    if (!http) throw new Error("the transport has no HTTP server to attach the stream to");
    const gateway = (this.gateway = new StreamGateway(
      this.deps.service,
      this.auth,
      this.deps.valkey,
      this.deps.log,
      this.history,
      opts.fastLane, // alone: the publisher below hands this process's messages over without Valkey
    ));
    gateway.attach(http);
    if (opts.fastLane) attachFastLane(http, this.router, this.deps.log);
    this.invalidation.start();
    http.on("close", () => this.invalidation.stop());
    const stop = startStreamPublisher(
      this.deps.service.hub,
      this.deps.valkey,
      this.deps.log,
      undefined,
      opts.fastLane ? gateway : undefined,
    );
    http.on("close", stop);
    if (this.deps.db) {
      // Outbound webhooks go out from every process (rows are claimed with SKIP LOCKED), off the command path.
      const outbound = new OutboundDelivery(this.deps.db, this.deps.log);
      outbound.start();
      http.on("close", () => void outbound.stop());
    }
  }
}

/** `{ code, message, issues?, retryAfterMs? }` with the code's status; Retry-After on 429 and 503 (error-reply.ts). */
function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const r = errorReply(err, log, req.path);
    for (const [name, value] of Object.entries(r.headers)) res.set(name, value);
    res.status(r.status).json(r.body);
  };
}
