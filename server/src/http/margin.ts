/**
 * Margin-round admin routes (admin bearer token; docs/margin.md "Protocol"):
 *   PUT /api/games/:id/securities/:sid/reference { price }   the reference from now on (ticks)
 *        -> 200 { gameId, securityId, price, seq }; stops on the mark, margin calls and liquidations
 *        follow in the same command (their events are in the log).
 * Errors `{ code, message, issues? }`: INVALID_BODY, NOT_FOUND (bad path), UNAUTHORIZED, FORBIDDEN,
 * UNKNOWN_GAME, UNKNOWN_SECURITY, MARKET_CLOSED (ended), INVALID_PRICE.
 */
import express, { type RequestHandler } from "express";
import type { z } from "zod";
import { ReferenceBody, SecurityIdParam, zodIssues } from "@marketroom/shared";
import { ApiError, unwrap } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";

function parse<S extends z.ZodType>(schema: S, value: unknown, code: "INVALID_BODY" | "NOT_FOUND"): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ApiError(code, code === "INVALID_BODY" ? "invalid request body" : "invalid path", zodIssues(r.error));
  return r.data;
}

/** Mounts the margin admin routes (before mountRoutes' /api catch-all); `admin` = the admin-token check. */
export function mountMarginRoutes(
  app: express.Application,
  deps: { service: GameService; admin: RequestHandler },
): void {
  const json = express.json({ limit: "4kb" });
  app.put("/api/games/:id/securities/:sid/reference", deps.admin, json, async (req, res) => {
    const p = parse(SecurityIdParam, req.params, "NOT_FOUND");
    const { price } = parse(ReferenceBody, req.body, "INVALID_BODY");
    const r = unwrap(await deps.service.hub.setReference(p.id, p.sid, price));
    res.json({ gameId: p.id, securityId: p.sid, price, seq: r.lastSeq });
  });
}
