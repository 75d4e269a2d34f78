/**
 * Request helpers every route module shares: body and path parsing with the shared zod schemas, the
 * bearer token of a request, and the admin-only middleware. Errors are ApiErrors (game/errors.ts):
 * INVALID_BODY / INVALID_QUERY / NOT_FOUND with the zod issues, UNAUTHORIZED (no valid token),
 * FORBIDDEN (a player's token where the admin's is needed).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { z } from "zod";
import { zodIssues } from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { Principal } from "../game/access.ts";

/** Parses `value` with `schema`; throws ApiError(code) with the issues. */
export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: "INVALID_BODY" | "INVALID_QUERY" | "NOT_FOUND" = "INVALID_BODY",
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ApiError(
      code,
      code === "INVALID_BODY" ? "invalid request body" : "invalid path or query",
      zodIssues(r.error),
    );
  return r.data;
}

/** Bearer token of a request (Express' or Node's), or undefined. */
export function bearer(req: { headers: IncomingHttpHeaders }): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/** Whatever can say whose token a bearer token is (GameService.authenticate). */
export interface Authenticator {
  authenticate(token: string | undefined): Promise<Principal | null>;
}

/** Middleware: only the admin token passes (401 without a valid token, 403 with a player's). */
export function adminOnly(service: Authenticator) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const who = await service.authenticate(bearer(req));
    if (!who) return next(new ApiError("UNAUTHORIZED", "an admin bearer token is required"));
    if (who.role !== "admin") return next(new ApiError("FORBIDDEN", "this needs the admin token"));
    next();
  };
}
