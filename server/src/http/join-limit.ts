/**
 * Rate limit of POST /api/join per client address (Limits.joinRate; docs/api.md, "Limits"), with
 * rate-limiter-flexible's in-memory fixed window keyed by `req.ip` (the TCP peer, or X-Forwarded-For
 * when Express trusts the proxy). Every request counts, good or bad. Over the limit the reply is
 * 429 `{ code: "RATE_LIMITED", message, retryAfterMs }` with a Retry-After header (whole seconds, at
 * least 1), and the join does not happen.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Limits } from "../limits.ts";

/** Express middleware enforcing `rate`; a pass-through when it is null. */
export function joinRateLimit(rate: Limits["joinRate"]): RequestHandler {
  if (!rate) return (_req, _res, next) => next();
  const limiter = new RateLimiterMemory({ points: rate.joins, duration: rate.windowSec });
  return (req: Request, res: Response, next: NextFunction) => {
    limiter.consume(req.ip ?? "unknown").then(
      () => next(),
      (r: unknown) => {
        if (!(r instanceof RateLimiterRes)) return next(r);
        const retryAfterMs = Math.max(1, Math.ceil(r.msBeforeNext));
        res
          .status(429)
          .set("Retry-After", String(Math.ceil(retryAfterMs / 1000)))
          .json({
            code: "RATE_LIMITED",
            retryAfterMs,
            message: `at most ${rate.joins} joins per ${rate.windowSec} s from one address; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
          });
      },
    );
  };
}
