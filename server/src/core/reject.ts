/**
 * Rejections inside the core: a rule check calls `reject(code, message)`, which throws a `Rejected`
 * (no stack trace is captured: it is a value, not a bug); `decide` catches it once and returns
 * `{ ok: false, code, message }`. Every check runs before any event is built, so a rejection has no
 * effect. Codes: shared/src/errors.ts.
 */
import type { ErrorCode, Rejection } from "@marketroom/shared";

export class Rejected {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
  toRejection(): Rejection {
    return { ok: false, code: this.code, message: this.message };
  }
}

export function reject(code: ErrorCode, message: string): never {
  throw new Rejected(code, message);
}
