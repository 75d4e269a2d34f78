/**
 * A persister as its own process, for the SIGKILL test (kill.test.ts). Reads VALKEY_URL and
 * DATABASE_URL, and PERSIST_REGISTRY (registry key), PERSIST_CONSUMER, PERSIST_BATCH from the
 * environment (PERSIST_CLAIM_IDLE_MS optional); prints "ready" once its loop runs.
 * SIGTERM stops it cleanly (exit 0); SIGKILL is the point of the test.
 * Run: node --import tsx server/test/persistence/persister-proc.ts
 */
import { Redis } from "iovalkey";
import { createDb, createPool } from "../../src/persistence/db.ts";
import { Persister } from "../../src/persistence/persister.ts";

const client = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379");
const db = createDb(createPool(undefined, 2));
const persister = new Persister(client, db, {
  registryKey: process.env.PERSIST_REGISTRY,
  consumer: process.env.PERSIST_CONSUMER,
  batchSize: Number(process.env.PERSIST_BATCH ?? 20),
  blockMs: 20,
  refreshMs: 50,
  claimIdleMs: Number(process.env.PERSIST_CLAIM_IDLE_MS ?? 30_000),
});

process.on("SIGTERM", () => {
  void persister.stop().then(async () => {
    await db.destroy();
    client.disconnect();
    process.exit(0);
  });
});

const loop = persister.start();
console.log("ready");
loop.catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
