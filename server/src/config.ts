/**
 * Server configuration from the environment, with defaults for local runs, and the pino logger.
 *
 * PORT (2567), HOST (0.0.0.0), VALKEY_URL (redis://127.0.0.1:6379), DATABASE_URL (required by main.ts),
 * ADMIN_TOKEN (admin bearer token; generated once and kept in Valkey when unset), TOKEN_SECRET (HMAC key of
 * player tokens; generated once and kept in Valkey when unset), RECONNECT_GRACE_SEC (30), PATCH_RATE_MS
 * (50), LOG_LEVEL (info), CLIENT_URL (printed by `npm start`).
 */
import { pino, destination, type Logger } from "pino";

export interface Config {
  port: number;
  host: string;
  valkeyUrl: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  tokenSecret: string | undefined;
  /** Seconds a dropped player may take to reconnect to the same session. */
  reconnectGraceSec: number;
  /** Room state patch interval, ms. */
  patchRateMs: number;
  logLevel: string;
  clientUrl: string | undefined;
}

/** Integer from an environment variable within [min, max]; throws a clear Error otherwise. */
function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
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
    tokenSecret: env.TOKEN_SECRET || undefined,
    reconnectGraceSec: intEnv(env, "RECONNECT_GRACE_SEC", 30, 0, 3600),
    patchRateMs: intEnv(env, "PATCH_RATE_MS", 50, 10, 5000),
    logLevel: env.LOG_LEVEL || "info",
    clientUrl: env.CLIENT_URL || undefined,
  };
}

/** The process logger (JSON lines on stderr, so stdout stays free for summaries). */
export function createLogger(level = process.env.LOG_LEVEL || "info"): Logger {
  return pino({ level, base: { svc: "marketroom" } }, destination(2));
}

export type { Logger };
