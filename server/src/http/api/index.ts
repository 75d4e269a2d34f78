/**
 * The REST API for programs, under /api/v1 (docs/algo-trading.md): orders, market data, the account and
 * the game for an API key's player; API key management; the OpenAPI 3.1 document generated from the
 * routes' zod schemas at GET /api/v1/openapi.json. Errors are `{ code, message }` (plus `issues`, or
 * `retryAfterMs` with RATE_LIMITED) with the code's HTTP status, as everywhere (docs/api.md, "Errors").
 *
 * `mountApiV1` must run before the generic /api routes (their catch-all answers NOT_FOUND for any other
 * /api path, /api/v1 included).
 */
import type { Application, NextFunction, Request, Response } from "express";
import { OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { Logger } from "../../config.ts";
import { RETRY_AFTER_SEC } from "../../dependency.ts";
import { ApiError, asApiError } from "../../game/errors.ts";
import type { GameService, PersisterPort } from "../../game/service.ts";
import type { Db } from "../../persistence/db.ts";
import { ApiAuth, RetryLater, type Caller } from "./auth.ts";
import { History } from "./history.ts";
import { ApiKeyStore } from "./key-store.ts";
import { mountKeyRoutes, type KeyRateDefaults } from "./key-routes.ts";
import { mountMarketRoutes } from "./market.ts";
import { mountOrderRoutes } from "./orders.ts";
import { ApiRouter } from "./router.ts";

export interface ApiV1Deps { service: GameService; db?: Db; persister?: PersisterPort; log: Logger; keyRate?: KeyRateDefaults }

export interface ApiV1 { auth: ApiAuth; keys: ApiKeyStore | undefined; openapi: () => unknown }

/** Default per-key request limit: API_KEY_RATE_LIMIT requests per API_KEY_RATE_WINDOW_MS (100 per 1000 ms). */
export function keyRateFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRateDefaults {
  const requests = Number(env.API_KEY_RATE_LIMIT ?? 100);
  const windowMs = Number(env.API_KEY_RATE_WINDOW_MS ?? 1000);
  if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(windowMs) || windowMs < 100) {
    throw new Error("API_KEY_RATE_LIMIT must be a positive whole number and API_KEY_RATE_WINDOW_MS at least 100");
  }
  return { requests, windowMs };
}

/** Mounts /api/v1 on `app`. */
export function mountApiV1(app: Application, deps: ApiV1Deps): ApiV1 {
  const { service, db, persister, log } = deps;
  const keys = db ? new ApiKeyStore(db) : undefined;
  const auth = new ApiAuth(service, keys);
  const r = new ApiRouter<Caller>((access, req, res) => auth.authorize(access, req, res));
  const history = new History(service.hub.engine, db, persister);
  const keyStore = () => {
    if (!keys) throw new ApiError("UNAVAILABLE", "API keys need PostgreSQL, which this server runs without");
    return keys;
  };
  mountOrderRoutes(r, service.hub, history, auth);
  mountMarketRoutes(r, service, history);
  mountKeyRoutes(r, service, keyStore, auth, deps.keyRate ?? keyRateFromEnv());

  let doc: unknown;
  const openapi = () => (doc ??= new OpenApiGeneratorV31(r.registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "marketroom API for programs", version: "1.0.0", description: "Orders, market data and account of an API key's player. Units: price in ticks, qty in lots, cash in minor units, times in ms since the epoch. See docs/algo-trading.md." },
    servers: [{ url: "/" }],
  }));
  r.add({
    method: "get", path: "/openapi.json", access: "public", summary: "This API's OpenAPI 3.1 document",
    replies: { 200: z.object({ openapi: z.string() }).loose() },
    handler: async () => openapi(),
  });

  r.router.use(errorHandler(log));
  app.use("/api/v1", r.router);
  return { auth, keys, openapi };
}

/** `{ code, message, issues?, retryAfterMs? }` with the code's status; Retry-After on 429 and 503. */
function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = toApiError(err);
    if (e.code === "UNAVAILABLE") res.set("Retry-After", String(RETRY_AFTER_SEC));
    if (e instanceof RetryLater) res.set("Retry-After", String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
    if (e.status >= 500 && e.code !== "UNAVAILABLE") log.error({ err, path: req.path }, "api request failed");
    res.status(e.status).json({
      code: e.code, message: e.message,
      ...(e.details ? { issues: e.details } : {}), ...(e instanceof RetryLater ? { retryAfterMs: e.retryAfterMs } : {}),
    });
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.parse.failed") return new ApiError("INVALID_BODY", "the body is not valid JSON");
  if (e?.type === "entity.too.large") return new ApiError("INVALID_BODY", "the body is too large");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new ApiError("INVALID_BODY", "bad request");
  return asApiError(err);
}
