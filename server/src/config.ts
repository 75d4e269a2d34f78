/**
 * Server configuration from the environment, with defaults for local runs, and the pino logger.
 *
 * PORT (2567), HOST (0.0.0.0), VALKEY_URL (redis://127.0.0.1:6379), DATABASE_URL (required by main.ts),
 * ADMIN_TOKEN (admin bearer token, >= 32 characters), else ADMIN_TOKEN_FILE (.data/admin-token, generated
 * with mode 0600 on first run), TOKEN_SECRET (signing secret of player tokens, >= 32 characters), else
 * TOKEN_SECRET_FILE (.data/token-secret, generated likewise), PLAYER_TOKEN_TTL_SEC (604800 = 7 days; a player
 * token's lifetime), RECONNECT_GRACE_SEC (30), PATCH_RATE_MS (50), HTTP_KEEP_ALIVE_SEC (65), LOG_LEVEL (info),
 * CLIENT_URL (printed by `npm start`). Relative file paths are resolved against the working directory. Secrets: game/secrets.ts.
 * Read where they are used: PRESENCE, PRESENCE_URL, PUBLIC_ADDRESS (cluster/index.ts), VALKEY_CLUSTER
 * (cluster/valkey.ts; docs/deploy.md), TRUST_PROXY (limits.ts), PERSISTER_STREAMS_PER_CALL (persister-main.ts),
 * API_MAX_INFLIGHT (http/api/overload.ts).
 */
import { pino, destination, type Logger } from "pino";
import { DEFAULT_TOKEN_TTL_SEC } from "./game/tokens.ts";

export interface Config {
  port: number;
  host: string;
  valkeyUrl: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  /** File holding the admin token when ADMIN_TOKEN is unset (created on first run). */
  adminTokenFile: string;
  tokenSecret: string | undefined;
  /** File holding the signing secret when TOKEN_SECRET is unset (created on first run). */
  tokenSecretFile: string;
  /** Lifetime of a player token, seconds. */
  playerTokenTtlSec: number;
  /** Seconds a dropped player may take to reconnect to the same session. */
  reconnectGraceSec: number;
  /** Room state patch interval, ms. */
  patchRateMs: number;
  /**
   * Seconds an idle keep-alive HTTP connection stays open (Node's `server.keepAliveTimeout`; Node's own
   * default is 5). Programs keep a few connections and reuse them (docs/algo-trading.md); closing one
   * after 5 idle seconds made a program that paused, or used its spare connections only in a burst,
   * reconnect exactly when it got busy, and a busy server accepts one new connection per event-loop
   * turn (bench:api's window started with 94 requests on new connections, p99 82 ms in that second).
   * 65 s is the usual value behind a load balancer whose idle timeout is 60 s: the proxy, not the
   * server, closes an idle connection, so it never sends a request on one the server is closing.
   */
  httpKeepAliveSec: number;
  logLevel: string;
  clientUrl: string | undefined;
}

/** Integer from an environment variable within [min, max]; throws a clear Error otherwise. */
export function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  return n;
}

/** Reads the configuration from `env` (default process.env). Throws on malformed numbers. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intEnv(env, "PORT", 2567, 0, 65535),
    host: env.HOST || "0.0.0.0",
    valkeyUrl: env.VALKEY_URL || "redis://127.0.0.1:6379",
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken: env.ADMIN_TOKEN || undefined,
    adminTokenFile: env.ADMIN_TOKEN_FILE || ".data/admin-token",
    tokenSecret: env.TOKEN_SECRET || undefined,
    tokenSecretFile: env.TOKEN_SECRET_FILE || ".data/token-secret",
    playerTokenTtlSec: intEnv(env, "PLAYER_TOKEN_TTL_SEC", DEFAULT_TOKEN_TTL_SEC, 1, 366 * 24 * 3600),
    reconnectGraceSec: intEnv(env, "RECONNECT_GRACE_SEC", 30, 0, 3600),
    patchRateMs: intEnv(env, "PATCH_RATE_MS", 50, 10, 5000),
    httpKeepAliveSec: intEnv(env, "HTTP_KEEP_ALIVE_SEC", 65, 1, 3600),
    logLevel: env.LOG_LEVEL || "info",
    clientUrl: env.CLIENT_URL || undefined,
  };
}

/** The process logger (JSON lines on stderr, so stdout stays free for summaries). */
export function createLogger(level = process.env.LOG_LEVEL || "info"): Logger {
  return pino({ level, base: { svc: "marketroom" } }, destination(2));
}

export type { Logger };
