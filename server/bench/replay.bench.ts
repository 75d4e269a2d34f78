/**
 * Replay benchmark (`npm run bench:replay`, or `node scripts/bench.mjs replay`).
 *
 * 1. Builds a round of at least BENCH_REPLAY_EVENTS (default 100,000) events by running the real
 *    Engine on the Valkey in VALKEY_URL: RandomTrader traders (limit GTC/IOC/FOK, post-only, market,
 *    cancels, amends, cancel-alls) on 2 securities, several drivers concurrently on one game.
 * 2. Copies the game's event stream into the PostgreSQL `events` table (bulk multi-row INSERTs, the
 *    same rows the persister writes) and deletes the game's Valkey keys, so replay has only PostgreSQL.
 * 3. Loads the game into a ReplayReader (snapshot every BENCH_SNAPSHOT_EVERY = 5000 events) and
 *    measures BENCH_QUERIES (default 500) full-depth book snapshots (levels and every order) at random
 *    seqs, plus a few inventories/timeline/price-series queries.
 *
 * Prints a table, then as its last line one JSON object {"events", "snapshotP50Ms", "snapshotP99Ms"}.
 * Target: snapshotP99Ms <= 200.
 */
import { Redis } from "iovalkey";
import { sql } from "kysely";
import type { EngineEvent } from "@marketroom/shared";
import { GameWriters as Engine } from "../src/engine/writers.ts";
import * as K from "../src/engine/keys.ts";
import { createDb, createPool } from "../src/persistence/db.ts";
import { migrate } from "../src/persistence/migrate.ts";
import { RandomTrader, rng } from "../test/support/random-trader.ts";
import { ReplayReader } from "../src/replay/reader.ts";

const TARGET_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 100_000);
const SNAPSHOT_EVERY = Number(process.env.BENCH_SNAPSHOT_EVERY ?? 5000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const DRIVERS = 8;
const SECURITIES = [1, 2];

const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};

async function main() {
  const client = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
  });
  const engine = new Engine(client);
  const pool = createPool(process.env.DATABASE_URL, 4);
  await migrate(pool);
  const db = createDb(pool);
  const gameId = `replay-bench-${Date.now().toString(36)}`;

  // 1. a real round through the engine
  let t0 = performance.now();
  const players = Array.from({ length: DRIVERS * 3 }, (_, i) => `p${i}`);
  const setup = new RandomTrader(engine, gameId, {
    seed: 1,
    securityIds: SECURITIES,
    playerIds: players,
    cash: 1e10,
    holdings: 100_000,
  });
  await setup.setup();
  const drivers = Array.from(
    { length: DRIVERS },
    (_, d) =>
      new RandomTrader(engine, gameId, {
        seed: 100 + d,
        securityIds: SECURITIES,
        playerIds: players.slice(d * 3, d * 3 + 3),
      }),
  );
  const seqOf = async () => Number(await client.get(K.seqKey(gameId)));
  let done = false;
  await Promise.all(
    drivers.map(async (d) => {
      while (!done) {
        for (let i = 0; i < 200; i++) await d.step();
        if ((await seqOf()) >= TARGET_EVENTS) done = true;
      }
    }),
  );
  const lastSeq = await seqOf();
  const commands = drivers.reduce((n, d) => n + d.commands, 0);
  log(`engine: ${commands} commands -> ${lastSeq} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // 2. into PostgreSQL, then the game is removed from Valkey
  t0 = performance.now();
  for (let from = 1; from <= lastSeq; from += 5000) {
    const page: EngineEvent[] = await engine.events(gameId, from, Math.min(lastSeq, from + 4999), 5000);
    for (let i = 0; i < page.length; i += 1000) {
      await db
        .insertInto("events")
        .values(
          page
            .slice(i, i + 1000)
            .map((e) => ({ game_id: gameId, seq: e.seq, type: e.type, ts: e.ts, data: JSON.stringify(e) })),
        )
        .execute();
    }
  }
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `game:{${gameId}}*`, "COUNT", 10_000);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== "0");
  log(
    `postgres: ${lastSeq} events inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s; Valkey keys of the game deleted`,
  );

  // 3. replay
  const store = new ReplayReader(db, { snapshotEvery: SNAPSHOT_EVERY });
  t0 = performance.now();
  const summary = (await store.summary(gameId))!;
  const loadMs = performance.now() - t0;
  if (summary.lastSeq !== lastSeq) throw new Error(`loaded ${summary.lastSeq} of ${lastSeq} events`);
  const rand = rng(7);
  const lat: number[] = [];
  let orders = 0,
    levels = 0;
  for (let i = 0; i < QUERIES; i++) {
    const seq = 10 + Math.floor(rand() * (lastSeq - 10));
    const s = SECURITIES[i % SECURITIES.length]!;
    const q0 = performance.now();
    const b = (await store.bookAt(gameId, s, seq))!;
    lat.push(performance.now() - q0);
    orders += b.orders.bids.length + b.orders.asks.length;
    levels += b.bids.length + b.asks.length;
  }
  const time = async (f: () => Promise<unknown>, n = 20) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const q = performance.now();
      await f();
      xs.push(performance.now() - q);
    }
    return pct(xs, 0.5);
  };
  const invMs = await time(() => store.inventoriesAt(gameId, 1 + Math.floor(rand() * lastSeq)));
  const tlMs = await time(
    () => store.playerTimeline(gameId, "p0", () => ({ marks: new Map(), openRefs: new Map() })),
    5,
  );
  const pxMs = await time(() => store.priceSeries(gameId, 1, { bucketEvents: 1000 }), 5);
  const evMs = await time(() => store.events(gameId, 1 + Math.floor(rand() * lastSeq), 1000));

  const p50 = pct(lat, 0.5),
    p99 = pct(lat, 0.99);
  console.log(`events                    ${lastSeq}`);
  console.log(`engine commands           ${commands}`);
  console.log(`snapshot interval         ${SNAPSHOT_EVERY} events`);
  console.log(`initial load (PostgreSQL) ${loadMs.toFixed(0)} ms`);
  console.log(
    `book snapshots            ${QUERIES} at random seqs, full depth: avg ${(levels / QUERIES).toFixed(1)} levels, ${(orders / QUERIES).toFixed(1)} orders`,
  );
  console.log(`bookAt p50 / p99 / max    ${p50.toFixed(2)} / ${p99.toFixed(2)} / ${Math.max(...lat).toFixed(2)} ms`);
  console.log(`inventoriesAt p50         ${invMs.toFixed(2)} ms`);
  console.log(`playerTimeline (whole)    ${tlMs.toFixed(2)} ms`);
  console.log(`priceSeries (1000/bucket) ${pxMs.toFixed(2)} ms`);
  console.log(`events page (1000)        ${evMs.toFixed(2)} ms`);
  await db.deleteFrom("events").where("game_id", "=", gameId).execute();
  await sql`select 1`.execute(db);
  await db.destroy();
  client.disconnect();
  console.log(
    JSON.stringify({ events: lastSeq, snapshotP50Ms: Number(p50.toFixed(3)), snapshotP99Ms: Number(p99.toFixed(3)) }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
