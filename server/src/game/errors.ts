/**
 * ApiError: a failure with a stable code (shared errors.ts / messages.ts), a message for humans and
 * the HTTP status of the code. Thrown by the game service, turned into `{ code, message }` replies by
 * the HTTP layer and the room.
 */
import { httpStatusOf, type AnyErrorCode, type Rejection } from "@marketroom/shared";

export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: AnyErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = httpStatusOf(code);
  }

  /** An engine rejection as an ApiError. */
  static from(r: Rejection): ApiError {
    return new ApiError(r.code, r.message);
  }
}

/** Unwraps an engine result; throws ApiError on a rejection. */
export function unwrap<T>(r: T | Rejection): T {
  if ((r as Rejection).ok === false) throw ApiError.from(r as Rejection);
  return r as T;
}
