/**
 * One place that tells "a dependency is down" (Valkey or PostgreSQL unreachable, closed, restarting)
 * from every other failure. The HTTP error handler and the room answer such errors with UNAVAILABLE
 * (503, Retry-After) instead of INTERNAL_ERROR; the persister retries them with backoff instead of
 * parking a game's batch (docs/persistence.md, "Parked games").
 *
 * Recognised (the error itself, its `cause`, or any of an AggregateError's `errors`):
 * - socket errors: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENOTFOUND,
 *   EAI_AGAIN, ECONNABORTED (Node's net, used by both iovalkey and pg);
 * - iovalkey / ioredis: MaxRetriesPerRequestError, ClusterAllFailedError, "Connection is closed.",
 *   "Stream isn't writeable and enableOfflineQueue options is false", LOADING and MASTERDOWN replies;
 * - pg: SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot
 *   connect now), 53300 (too many connections), and node-postgres' own "Connection terminated",
 *   "timeout exceeded when trying to connect", "Cannot use a pool after calling end on the pool".
 */

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);
const PG_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
const NAMES = new Set(["MaxRetriesPerRequestError", "ClusterAllFailedError"]);
const MESSAGES = [
  /^Connection is closed\.?$/,
  /^Stream isn't writeable/,
  /^LOADING /,
  /^MASTERDOWN /,
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Cannot use a pool after calling end/,
  /^Client has encountered a connection error/,
];

/** Seconds a client should wait before retrying an UNAVAILABLE answer (the Retry-After header). */
export const RETRY_AFTER_SEC = 2;

/** True when `err` says Valkey or PostgreSQL cannot be reached right now (see the file header). */
export function isDependencyDown(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 4) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  if (SOCKET_CODES.has(code) || PG_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.name === "string" && NAMES.has(e.name)) return true;
  if (typeof e.message === "string" && MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => isDependencyDown(x, depth + 1)))
    return true;
  return isDependencyDown(e.cause, depth + 1);
}
