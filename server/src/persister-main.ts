/**
 * The persister as a process of its own: `npm run persister` (deployment), or
 * `node --import tsx server/src/persister-main.ts [--exit-with-parent]`.
 *
 * Copies every registered game's Valkey event stream into PostgreSQL exactly once (persistence/persister.ts;
 * docs/persistence.md). Run one or more beside the game servers: they share the consumer group and split
 * the games between them (persistence/game-shares.ts), so each entry is stored by one of them; a killed
 * one's games go to the others once its beat is 5 s old, and its pending entries are claimed after
 * PERSISTER_CLAIM_IDLE_MS. Applies the SQL migrations first (safe beside a server doing the same).
 *
 * Environment: VALKEY_URL (redis://127.0.0.1:6379) or VALKEY_CLUSTER (host:port,...; cluster/valkey.ts),
 * DATABASE_URL (required), LOG_LEVEL (info), and
 *   PERSISTER_CONSUMER        consumer name, unique per process (default <hostname>-<pid>)
 *   PERSISTER_GROUP           consumer group (persister)
 *   PERSISTER_BATCH           entries per stream per read (500)
 *   PERSISTER_STREAMS_PER_CALL games per read (64; 1 on a Valkey Cluster)
 *   PERSISTER_BLOCK_MS        how long an idle read blocks, ms (200)
 *   PERSISTER_LINGER_MS       after a read of few entries, wait up to this long for more to share its
 *                             PostgreSQL transaction, ms (250; 0 = never; at most 1000; a reader
 *                             waiting for PostgreSQL cuts it short: persistence/hurry.ts)
 *   PERSISTER_LINGER_ENTRIES  a batch with this many entries stops lingering (500)
 *   PERSISTER_REFRESH_MS      how often the game registry is re-read, ms (1000)
 *   PERSISTER_CLAIM_IDLE_MS   claim entries another consumer held this long, ms (30000)
 *   PERSISTER_REGISTRY        registry SET of game ids (marketroom:games)
 *   PERSISTER_HEARTBEATS      sorted set of live persisters (marketroom:persisters; read by /health)
 *   PERSISTER_POOL            PostgreSQL connections (2)
 *   PERSISTER_NICE            raise this process's nice value by this much at start (5; 0 = leave it),
 *                             so it yields the cores it shares with game servers (persistence/yield-cpu.ts)
 *
 * stdout: one line "persister ready (consumer C, group G)" once the loop runs; after a clean stop one
 * JSON line of the counters ({"consumer", batches, entries, inserted, duplicates, applied, ...}).
 * stderr: pino JSON lines. SIGTERM / SIGINT finish the batch in flight and exit 0; with
 * --exit-with-parent, so does the end of stdin (the parent that spawned it died). Exit 1 on a start-up
 * failure (bad setting, PostgreSQL unreachable), 2 on an unknown argument.
 */
import { clusterNodes, connectValkey } from "./cluster/valkey.ts";
import { createLogger, intEnv } from "./config.ts";
import { createDb, createPool } from "./persistence/db.ts";
import { migrate } from "./persistence/migrate.ts";
import { Persister, type PersisterOptions } from "./persistence/persister.ts";
import { DEFAULT_LINGER_ENTRIES, DEFAULT_LINGER_MS, MAX_LINGER_MS } from "./persistence/persister-options.ts";
import { DEFAULT_PERSISTER_NICE, yieldCpu } from "./persistence/yield-cpu.ts";

/** The Persister options of the environment (see the header); throws on a malformed number. */
function persisterOptions(env: NodeJS.ProcessEnv = process.env): PersisterOptions {
  return {
    consumer: env.PERSISTER_CONSUMER || undefined,
    group: env.PERSISTER_GROUP || undefined,
    batchSize: intEnv(env, "PERSISTER_BATCH", 500, 1, 100_000),
    // on a Valkey Cluster one XREADGROUP names one game's stream (one slot)
    streamsPerCall: intEnv(env, "PERSISTER_STREAMS_PER_CALL", clusterNodes(env) ? 1 : 64, 1, 10_000),
    blockMs: intEnv(env, "PERSISTER_BLOCK_MS", 200, 1, 60_000),
    lingerMs: intEnv(env, "PERSISTER_LINGER_MS", DEFAULT_LINGER_MS, 0, MAX_LINGER_MS),
    lingerEntries: intEnv(env, "PERSISTER_LINGER_ENTRIES", DEFAULT_LINGER_ENTRIES, 1, 100_000),
    refreshMs: intEnv(env, "PERSISTER_REFRESH_MS", 1000, 1, 600_000),
    claimIdleMs: intEnv(env, "PERSISTER_CLAIM_IDLE_MS", 30_000, 0, 86_400_000),
    registryKey: env.PERSISTER_REGISTRY || undefined,
    heartbeatsKey: env.PERSISTER_HEARTBEATS || undefined,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = args.find((a) => a !== "--exit-with-parent");
  if (unknown) {
    process.stderr.write(`unknown argument ${unknown}\nusage: persister-main.ts [--exit-with-parent]\n`);
    process.exit(2);
  }
  const log = createLogger().child({ src: "persister" });
  const options = persisterOptions();
  const nice = yieldCpu(intEnv(process.env, "PERSISTER_NICE", DEFAULT_PERSISTER_NICE, 0, 19));
  if (nice !== null) log.info({ nice }, "persister runs below the game servers' CPU priority");
  if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const valkey = connectValkey(process.env, { maxRetriesPerRequest: 3 });
  valkey.on("error", (err: Error) => log.warn({ err: err.message }, "valkey connection error"));
  const pool = createPool(process.env.DATABASE_URL, intEnv(process.env, "PERSISTER_POOL", 2, 1, 100));
  await migrate(pool);
  const db = createDb(pool);
  const persister = new Persister(valkey, db, { ...options, log: (line) => log.warn(line) });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await persister.stop();
      process.stdout.write(`${JSON.stringify({ consumer: persister.consumer, ...persister.stats })}\n`);
      await db.destroy();
      valkey.disconnect();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (args.includes("--exit-with-parent")) {
    process.stdin.on("end", stop).on("close", stop).on("error", stop).resume();
  }
  const loop = persister.start();
  process.stdout.write(`persister ready (consumer ${persister.consumer}, group ${persister.group})\n`);
  log.info({ consumer: persister.consumer, group: persister.group }, "persister running");
  await loop;
}

main().catch((err: unknown) => {
  createLogger().fatal({ err }, `persister: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
