/**
 * The answer to a failed /api/v1 request, for both doors (the Express router and fast-lane.ts):
 * `{ code, message, issues?, retryAfterMs? }` with the code's HTTP status (docs/api.md, "Errors"), and
 * `Retry-After` (seconds) on RATE_LIMITED and UNAVAILABLE. Body parser failures are INVALID_BODY; any
 * error that is not an ApiError is INTERNAL_ERROR (logged).
 */
import type { Logger } from "../../config.ts";
import { RETRY_AFTER_SEC } from "../../dependency.ts";
import { ApiError, asApiError } from "../../game/errors.ts";
import { RetryLater } from "./auth.ts";

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { code: string; message: string; issues?: unknown; retryAfterMs?: number };
}

/** The reply to `err` raised while serving `path`. */
export function errorReply(err: unknown, log: Logger, path: string): ErrorReply {
  const e = toApiError(err);
  const headers: Record<string, string> = {};
  if (e.code === "UNAVAILABLE") headers["Retry-After"] = String(RETRY_AFTER_SEC);
  if (e instanceof RetryLater) headers["Retry-After"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  if (e.status >= 500 && e.code !== "UNAVAILABLE") log.error({ err, path }, "api request failed");
  return {
    status: e.status,
    headers,
    body: {
      code: e.code,
      message: e.message,
      ...(e.details ? { issues: e.details } : {}),
      ...(e instanceof RetryLater ? { retryAfterMs: e.retryAfterMs } : {}),
    },
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.parse.failed") return new ApiError("INVALID_BODY", "the body is not valid JSON");
  if (e?.type === "entity.too.large") return new ApiError("INVALID_BODY", "the body is too large");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500)
    return new ApiError("INVALID_BODY", "bad request");
  return asApiError(err);
}
