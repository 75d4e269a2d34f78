/**
 * Market driver routes (admin bearer token; docs/api.md and docs/market.md):
 *   GET    /api/games/:id/drivers                      plan, items sent, groups, takeovers -> 200
 *   POST   /api/games/:id/news { headline, shifts }    announce now                -> 201 { news: event }
 *   POST   /api/games/:id/signals { group, text, securityId?, value? }
 *                                                      signal the group now        -> 201 { signal: event }
 *   PUT    /api/games/:id/players/:pid/group { group } reassign a player           -> 200 { playerId, group }
 *   POST   /api/games/:id/players/:pid/takeover { kind }  a bot plays the seat     -> 200 { playerId, kind, auto }
 *   DELETE /api/games/:id/players/:pid/takeover        hand the seat back          -> 204 (404 UNKNOWN_PLAYER when no bot had it)
 * Errors: `{ code, message, issues? }` with the code's status: INVALID_BODY (schema, unknown group or bot
 * kind, empty group), UNAUTHORIZED, FORBIDDEN (player token; takeover not allowed by the rules),
 * UNKNOWN_GAME, UNKNOWN_PLAYER, UNKNOWN_SECURITY, MARKET_CLOSED (ended), INVALID_ARGUMENT.
 */
import express, { type Request } from "express";
import type { z } from "zod";
import {
  GameIdParam,
  GroupBody,
  NewsBody,
  PlayerIdParam,
  SignalBody,
  TakeoverBody,
  zodIssues,
} from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import { bearer } from "./request.ts";

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: "INVALID_BODY" | "NOT_FOUND" = "INVALID_BODY",
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ApiError(code, code === "INVALID_BODY" ? "invalid request body" : "invalid path", zodIssues(r.error));
  return r.data;
}

async function requireAdmin(service: GameService, req: Request): Promise<void> {
  const who = await service.authenticate(bearer(req));
  if (!who) throw new ApiError("UNAUTHORIZED", "an admin bearer token is required");
  if (who.role !== "admin") throw new ApiError("FORBIDDEN", "this needs the admin token");
}

/** Mounts the market driver routes (before mountRoutes' /api catch-all). */
export function mountDriverRoutes(app: express.Application, deps: { service: GameService }): void {
  const { service } = deps;
  const json = express.json({ limit: "64kb" });
  const game = async (req: Request) => {
    await requireAdmin(service, req);
    return parse(GameIdParam, req.params, "NOT_FOUND").id;
  };
  const seat = async (req: Request) => {
    await requireAdmin(service, req);
    return parse(PlayerIdParam, req.params, "NOT_FOUND");
  };

  app.get("/api/games/:id/drivers", async (req, res) => {
    res.json(await service.drivers.info(await game(req)));
  });
  app.post("/api/games/:id/news", json, async (req, res) => {
    const id = await game(req);
    res.status(201).json({ news: await service.drivers.announce(id, parse(NewsBody, req.body)) });
  });
  app.post("/api/games/:id/signals", json, async (req, res) => {
    const id = await game(req);
    res.status(201).json({ signal: await service.drivers.signal(id, parse(SignalBody, req.body)) });
  });
  app.put("/api/games/:id/players/:pid/group", json, async (req, res) => {
    const p = await seat(req);
    res.json(await service.drivers.setGroup(p.id, p.pid, parse(GroupBody, req.body).group));
  });
  app.post("/api/games/:id/players/:pid/takeover", json, async (req, res) => {
    const p = await seat(req);
    res.json(await service.drivers.takeOver(p.id, p.pid, parse(TakeoverBody, req.body).kind));
  });
  app.delete("/api/games/:id/players/:pid/takeover", async (req, res) => {
    const p = await seat(req);
    if (!(await service.drivers.handBack(p.id, p.pid)))
      throw new ApiError("UNKNOWN_PLAYER", `no bot plays the seat of ${p.pid}`);
    res.status(204).end();
  });
}
