/**
 * ApiError: a failure with a stable code (shared errors.ts / messages.ts), a message for humans and
 * the HTTP status of the code. Thrown by the game service, turned into `{ code, message }` replies by
 * the HTTP layer and the room.
 */
import { httpStatusOf, type AnyErrorCode, type Rejection } from "@marketroom/shared";
import { isDependencyDown } from "../dependency.ts";
import type { Unavailable } from "../engine/writers.ts";

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = httpStatusOf(code);
  }

  /** An engine rejection as an ApiError. */
  static from(r: Rejection | Unavailable | { code: AnyErrorCode; message: string }): ApiError {
    return new ApiError(r.code, r.message);
  }
}

/**
 * Any thrown value as an ApiError: an ApiError stays itself; Valkey or PostgreSQL being unreachable
 * (dependency.ts) is UNAVAILABLE (503); anything else is INTERNAL_ERROR (500, a bug: log it). The HTTP
 * error handler and the room both map errors through this, so they answer alike.
 */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isDependencyDown(err))
    return new ApiError("UNAVAILABLE", "a service the server needs is unavailable; retry shortly");
  return new ApiError("INTERNAL_ERROR", "internal error");
}

/** Unwraps an engine result; throws ApiError on a rejection (UNAVAILABLE / FENCED included). */
export function unwrap<T>(r: T | Rejection | Unavailable): T {
  if ((r as Rejection).ok === false) throw ApiError.from(r as Rejection);
  return r as T;
}
