/**
 * Session routes (see game/sessions.ts and docs/api.md, "Sessions"). JSON in and out, bodies validated
 * with the shared zod schemas, errors `{ code, message }` like every route.
 *
 * Admin (Authorization: Bearer <admin token>):
 *   POST /api/sessions { sessionId?, name }     -> 201 SessionInfo (with its join code)
 *   GET  /api/sessions                          -> { sessions: SessionInfo[] }, newest first
 *   GET  /api/sessions/:id                      -> SessionInfo
 *   POST /api/sessions/:id/rounds CreateGameBody -> 201 GameDetail of the new round (session players added)
 *   GET  /api/sessions/:id/results              -> SessionResults
 * Players (session token, or a token of one of the session's rounds):
 *   GET  /api/sessions/:id/current              -> CurrentRound { gameId, token, phase, round, ... }
 */
import type express from "express";
import type { Request, RequestHandler } from "express";
import { CreateGameBody, CreateSessionBody, SessionIdParam } from "@marketroom/shared";
import type { GameService } from "../game/service.ts";
import { bearer, parse } from "./request.ts";

export interface SessionRouteDeps {
  service: GameService;
  json: RequestHandler;
  admin: RequestHandler;
}

/** Mounts the session routes on `app` (before the API's 404 handler). */
export function mountSessionRoutes(app: express.Application, { service, json, admin }: SessionRouteDeps): void {
  const sessions = service.sessions;
  const sid = (req: Request) => parse(SessionIdParam, req.params, "NOT_FOUND").id;

  app.post("/api/sessions", admin, json, async (req, res) => {
    res.status(201).json(await sessions.create(parse(CreateSessionBody, req.body)));
  });
  app.get("/api/sessions", admin, async (req, res) => {
    const offset = Math.max(0, Number(req.query.offset ?? 0) | 0);
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) | 0));
    res.json({ sessions: await sessions.list(offset, limit) });
  });
  app.get("/api/sessions/:id", admin, async (req, res) => {
    res.json(await sessions.get(sid(req)));
  });
  app.post("/api/sessions/:id/rounds", admin, json, async (req, res) => {
    const id = sid(req);
    res.status(201).json(await sessions.createRound(id, parse(CreateGameBody, req.body)));
  });
  app.get("/api/sessions/:id/results", admin, async (req, res) => {
    res.json(await sessions.results(sid(req)));
  });
  app.get("/api/sessions/:id/current", async (req, res) => {
    const id = sid(req);
    res.json(await sessions.current(id, await service.authenticate(bearer(req))));
  });
}
