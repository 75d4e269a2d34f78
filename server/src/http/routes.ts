/**
 * The HTTP API (Express 5, mounted on the Colyseus transport's app). JSON in and out; every body and
 * path parameter is validated with the zod schemas of shared/src/messages.ts; every error is
 * `{ code, message }` (plus `issues` for validation errors) with the code's HTTP status. See docs/api.md.
 *
 * Admin (Authorization: Bearer <admin token>):
 *   POST   /api/games                      create a game            -> 201 GameDetail
 *   GET    /api/games                      list games               -> { games: GameSummary[] }
 *   GET    /api/games/:id                  one game                 -> GameDetail
 *   POST   /api/games/:id/start [{ countdownSec }]                   -> GameDetail
 *   POST   /api/games/:id/pause|resume                              -> GameDetail
 *   POST   /api/games/:id/end              end the round            -> RoundEnd
 *   GET    /api/games/:id/leaderboard                               -> { gameId, leaderboard }
 *   GET    /api/games/:id/bots                                      -> { bots }
 *   POST   /api/games/:id/bots             add bots (BotSpec)       -> 201 { bots }
 *   DELETE /api/games/:id/bots/:botId      switch a bot off: stop it, cancel its orders -> 204
 *   POST   /api/games/:id/bots/:botId/on   switch it on again      -> 204
 *   GET    /api/scenarios                  available scenarios      -> { scenarios }
 *   POST   /api/sessions, GET /api/sessions[/:id], POST /api/sessions/:id/rounds, GET /api/sessions/:id/results
 *                                          sessions (sessions.ts)
 * Players:
 *   POST   /api/join { code, name }        -> 201 JoinReply { gameId, playerId, name, token, phase, sessionId?, sessionToken? }
 *   GET    /api/sessions/:id/current       -> CurrentRound (player token)
 * Operations:
 *   GET    /health                         Valkey, PostgreSQL, persister lag -> 200 ok / 503 down
 *   GET    /metrics                        Prometheus text
 */
import { mountMarginRoutes } from "./margin.ts";
import express, { type NextFunction, type Request, type Response } from "express";
import { AddBotsBody, BotIdParam, CreateGameBody, GameIdParam, JoinBody, StartBody } from "@marketroom/shared";
import { listScenarios } from "../market/scenarios.ts";
import type { Logger } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import { ApiError, asApiError } from "../game/errors.ts";
import { RETRY_AFTER_SEC } from "../dependency.ts";
import type { GameService } from "../game/service.ts";
import type { HealthCheck } from "./health.ts";
import { mountSessionRoutes } from "./sessions.ts";
import { adminOnly, parse } from "./request.ts";

export interface HttpDeps {
  service: GameService;
  metrics: Metrics;
  health: HealthCheck;
  log: Logger;
}

/** Mounts every route on `app`. */
export function mountRoutes(app: express.Application, deps: HttpDeps): void {
  const { service, metrics, health } = deps;
  const json = express.json({ limit: "256kb" });
  const admin = adminOnly(service);
  const id = (req: Request) => parse(GameIdParam, req.params, "NOT_FOUND").id;

  app.get("/health", async (_req, res) => {
    const h = await health.check();
    res.status(h.status === "ok" ? 200 : 503).json(h);
  });
  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.text());
  });

  app.post("/api/join", json, async (req, res) => {
    const body = parse(JoinBody, req.body);
    res.status(201).json(await service.sessions.join(body.code, body.name));
  });

  app.get("/api/scenarios", admin, (_req, res) => {
    res.json({ scenarios: listScenarios() });
  });
  app.post("/api/games", admin, json, async (req, res) => {
    res.status(201).json(await service.create(parse(CreateGameBody, req.body)));
  });
  app.get("/api/games", admin, async (req, res) => {
    const offset = Math.max(0, Number(req.query.offset ?? 0) | 0);
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) | 0));
    res.json({ games: await service.list(offset, limit) });
  });
  app.get("/api/games/:id", admin, async (req, res) => {
    res.json(await service.get(id(req)));
  });
  app.post("/api/games/:id/start", admin, json, async (req, res) => {
    const gameId = id(req);
    res.json(await service.start(gameId, parse(StartBody, req.body ?? {}).countdownSec));
  });
  app.post("/api/games/:id/pause", admin, async (req, res) => {
    res.json(await service.pause(id(req)));
  });
  app.post("/api/games/:id/resume", admin, async (req, res) => {
    res.json(await service.resume(id(req)));
  });
  app.post("/api/games/:id/end", admin, async (req, res) => {
    res.json(await service.end(id(req)));
  });
  app.get("/api/games/:id/leaderboard", admin, async (req, res) => {
    const gameId = id(req);
    res.json({ gameId, leaderboard: await service.leaderboard(gameId) });
  });
  app.get("/api/games/:id/bots", admin, async (req, res) => {
    res.json({ bots: (await service.get(id(req))).botList });
  });
  app.post("/api/games/:id/bots", admin, json, async (req, res) => {
    res.status(201).json({ bots: await service.addBots(id(req), parse(AddBotsBody, req.body)) });
  });
  app.delete("/api/games/:id/bots/:botId", admin, async (req, res) => {
    const p = parse(BotIdParam, req.params, "NOT_FOUND");
    await service.removeBot(p.id, p.botId);
    res.status(204).end();
  });
  app.post("/api/games/:id/bots/:botId/on", admin, async (req, res) => {
    const p = parse(BotIdParam, req.params, "NOT_FOUND");
    await service.enableBot(p.id, p.botId);
    res.status(204).end();
  });

  mountSessionRoutes(app, { service, json, admin });
  mountMarginRoutes(app, { service, admin });

  app.use("/api", (req, _res, next) => next(new ApiError("NOT_FOUND", `no route ${req.method} ${req.originalUrl}`)));
  app.use(errorHandler(deps.log));
}

/**
 * Turns any error into `{ code, message }` with the right status; logs the unexpected ones (500) and
 * warns about a dependency being down (503, with `Retry-After`).
 */
function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = toApiError(err);
    if (e.code === "UNAVAILABLE") {
      res.set("Retry-After", String(RETRY_AFTER_SEC));
      if (!(err instanceof ApiError)) log.warn({ err: String(err), path: req.path }, "dependency unavailable");
    } else if (e.status >= 500) log.error({ err, path: req.path }, "request failed");
    res.status(e.status).json({ code: e.code, message: e.message, ...(e.details ? { issues: e.details } : {}) });
  };
}

/**
 * Express' own errors (body parser, path decoding) as ApiErrors; everything else through asApiError.
 * A path with a bad %-escape (`/api/games/%ZZ`) names no resource: NOT_FOUND, not INVALID_BODY.
 */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === "entity.parse.failed") return new ApiError("INVALID_BODY", "the body is not valid JSON");
  if (e?.type === "entity.too.large") return new ApiError("INVALID_BODY", "the body is too large");
  if (err instanceof URIError || /^Failed to decode param/.test(e?.message ?? ""))
    return new ApiError("NOT_FOUND", "the path is not valid");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500)
    return new ApiError("INVALID_BODY", "bad request");
  return asApiError(err);
}
