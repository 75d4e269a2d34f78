/**
 * Load shedding for the /api/v1 routes: a server process works on at most `max` requests at once
 * (API_MAX_INFLIGHT, default 256); a request past that is answered at once with 503 `UNAVAILABLE` and
 * `Retry-After` (error-reply.ts) and nothing is done, instead of queueing behind the others for seconds.
 * A program sending more than the server can take sees a clear, cheap refusal it can back off from,
 * and the requests admitted keep a bounded wait (docs/algo-trading.md "Overload").
 *
 * A request counts from when its route is matched (before its body is read, so a refusal costs no parsing
 * or validation) until its response closes (sent, or the connection lost).
 */
import type { ServerResponse } from "node:http";
import { intEnv } from "../../config.ts";
import { ApiError } from "../../game/errors.ts";

/** Requests a process works on at once by default; past it: 503 UNAVAILABLE. */
export const DEFAULT_MAX_INFLIGHT = 256;

/** API_MAX_INFLIGHT (a whole number in [1, 1,000,000]; default DEFAULT_MAX_INFLIGHT); throws otherwise. */
export function maxInflightFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return intEnv(env, "API_MAX_INFLIGHT", DEFAULT_MAX_INFLIGHT, 1, 1_000_000);
}

/**
 * The refusal, made without a stack trace: it is an answer, not a fault (the error reply logs no 503
 * UNAVAILABLE), and a shed must stay cheap when the server is already behind (in bench:api at 2,000
 * orders/s, with ~2,000 refusals in a run, ApiError was 1.8% of the server's busy samples;
 * docs/api-benchmark.md "Stop 19").
 */
function overloaded(): ApiError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ApiError(
      "UNAVAILABLE",
      "the server is overloaded (too many requests in progress); retry after Retry-After seconds",
    );
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Counts the requests in the works and refuses those past `max`. */
export class InflightLimit {
  private count = 0;

  constructor(readonly max: number) {}

  /** Requests in the works now. */
  get inflight(): number {
    return this.count;
  }

  /**
   * Admits the request answered by `res`: it counts until `res` closes. Throws ApiError UNAVAILABLE
   * (503, Retry-After) when `max` are in the works already; nothing is counted then.
   */
  admit(res: ServerResponse): void {
    if (this.count >= this.max) throw overloaded();
    this.count++;
    res.once("close", () => this.count--);
  }
}
