/**
 * The persister's settings (persister.ts) and their defaults. persister-main.ts reads them from the
 * environment (PERSISTER_*); tests pass them directly. Units: ms for times, entries for sizes (one stream
 * entry = one commit batch of the room's group commit; engine/stream-entries.ts).
 */
import { createLogger } from "../config.ts";
import { GAMES_KEY } from "./games-registry.ts";
import { HEARTBEATS_KEY } from "./persister-status.ts";

/** Points where the test hook `faultAt` makes the persister die as if killed (no further step runs). */
export type FaultPoint = "afterRead" | "beforeCommit" | "afterCommit" | "afterAck";

/**
 * The longest linger allowed, ms: a tenth of the lag at which /health reports the persister degraded
 * (http/health.ts, 10 s), and the lag target (1 s at 5,000 orders/s).
 */
export const MAX_LINGER_MS = 1000;

/**
 * Default linger, ms, and the batch size that ends it early, entries (docs/api-benchmark.md "Stop 27"):
 * fewer, larger PostgreSQL transactions cost the persister 34-51 µs per order against 60-70 at 50 ms / 32
 * entries (npm run bench:api, 2,000 orders/s), and on 2 cores every µs it spends is one the game server waits for. Readers that need
 * PostgreSQL to be current hurry it instead of waiting this out (hurry.ts).
 */
export const DEFAULT_LINGER_MS = 250;
export const DEFAULT_LINGER_ENTRIES = 500;

export interface PersisterOptions {
  /** Consumer group name (default 'persister'); every persister of a deployment shares it. */
  group?: string;
  /** Consumer name, unique per process (default `<hostname>-<pid>`). */
  consumer?: string;
  /** Entries per stream per XREADGROUP (default 500). */
  batchSize?: number;
  /** How long an idle read blocks, ms (default 200); also the worst added latency when idle. */
  blockMs?: number;
  /**
   * After a read that found fewer than `lingerEntries` entries, keep reading for up to this long, ms, so
   * that the entries arriving meanwhile share the batch's PostgreSQL transaction (default 250; 0 = never;
   * at most MAX_LINGER_MS). The worst added lag; a batch that fills up ends the wait at once, and so does
   * a reader waiting for PostgreSQL (hurry.ts), so read-your-writes do not pay it.
   */
  lingerMs?: number;
  /** A read or linger that has this many entries (all streams of the call together) is stored at once (default 500, = batchSize). */
  lingerEntries?: number;
  /** Streams per XREADGROUP call (default 64). Use 1 on a Valkey Cluster: games live in different slots. */
  streamsPerCall?: number;
  /** Claim entries another consumer has held pending this long, ms (default 30000; 0 = never). */
  claimIdleMs?: number;
  /** How often to re-read the registry of games, ms (default 1000). */
  refreshMs?: number;
  /** The registry SET of game ids (default GAMES_KEY, `marketroom:games`). */
  registryKey?: string;
  /** Sorted set this consumer beats into every HEARTBEAT_MS (default `marketroom:persisters`; persister-status.ts). */
  heartbeatsKey?: string;
  /** Test hook: die (without any further step) at this point of a batch... */
  faultAt?: FaultPoint;
  /** ...of the n-th batch this persister processes (default 1). */
  faultOnBatch?: number;
  /** Error and warning lines (default: a pino logger, warn level). */
  log?: (line: string) => void;
}

/** The options with every default filled in (group and consumer are resolved by the Persister). */
export type ResolvedOptions = Required<Omit<PersisterOptions, "faultAt" | "group" | "consumer">> &
  Pick<PersisterOptions, "faultAt">;

/** Fills in the defaults. Errors: throws a RangeError when lingerMs is outside [0, MAX_LINGER_MS]. */
export function resolveOptions(options: PersisterOptions): ResolvedOptions {
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  if (!(lingerMs >= 0 && lingerMs <= MAX_LINGER_MS))
    throw new RangeError(`lingerMs must be in [0, ${MAX_LINGER_MS}], got ${lingerMs}`);
  return {
    batchSize: options.batchSize ?? 500,
    blockMs: options.blockMs ?? 200,
    lingerMs,
    lingerEntries: options.lingerEntries ?? DEFAULT_LINGER_ENTRIES,
    streamsPerCall: options.streamsPerCall ?? 64,
    claimIdleMs: options.claimIdleMs ?? 30_000,
    refreshMs: options.refreshMs ?? 1000,
    registryKey: options.registryKey ?? GAMES_KEY,
    heartbeatsKey: options.heartbeatsKey ?? HEARTBEATS_KEY,
    faultAt: options.faultAt,
    faultOnBatch: options.faultOnBatch ?? 1,
    log: options.log ?? defaultLog(),
  };
}

/** The persister's default log: pino lines on stderr at warn level. */
function defaultLog(): (line: string) => void {
  const log = createLogger().child({ src: "persister" });
  return (line) => log.warn(line);
}
