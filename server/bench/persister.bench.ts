/**
 * Persister lag and cost benchmark (`npm run bench:persister`, or with services already running
 * `node --import tsx server/bench/persister.bench.ts`; needs VALKEY_URL and DATABASE_URL).
 *
 * 1. record: a real engine game (test/persistence/helpers.ts TradingGame: 2 securities, 4 players,
 *    limit/IOC/market orders, cancels and amends, most crossing) runs BENCH_RECORD commands; its event
 *    log is the template.
 * 2. feed: for BENCH_SECONDS the template is written into fresh games' streams at BENCH_RATE orders/s
 *    (order_accepted events; the other events of each order come with it), as the room's group commit
 *    writes them: every 2 ms the orders due form one entry (id '<last seq>-0', the events' JSON texts
 *    joined by '\n', ts restamped to the moment of writing; at most 256 orders per entry) into
 *    BENCH_GAMES (1) games at once, orders dealt round-robin (a new game when a template runs out).
 *    The games are in a registry of their own.
 * 3. BENCH_PERSISTERS persister processes (server/src/persister-main.ts with its production defaults:
 *    batch 500, block 200 ms, linger 50 ms, registry refresh 1 s; PERSISTER_* in this environment reach
 *    them, e.g. PERSISTER_LINGER_MS=0) store it. Every 100 ms the lag is read the way
 *    /health reads it (PersisterStatus.lagMs: now - ts of the oldest event not yet stored).
 *
 * Figures: lag p50/p99/max during the feed (ms), drainMs (end of feed until every event is stored),
 * persisterUsPerOrder (CPU of the persister processes, /proc utime+stime, per order), pgUsPerOrder
 * (CPU of every PostgreSQL process, the postmaster's children included, per order), valkeyUsPerOrder
 * (Valkey INFO used_cpu, per order; includes this feeder's XADDs, so an upper bound), events per
 * entry, entries per persister batch. CPU windows run from the feed's start to the end of the drain. Prints a table, then as its
 * last line one JSON object. Target: lag <= 1,000 ms at 5,000 orders/s.
 */
import { readFileSync, readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { Redis } from "iovalkey";
import { sql } from "kysely";
import type { EngineEvent } from "@marketroom/shared";
import { eventsKey } from "../src/engine/keys.ts";
import { createDb, createPool, type Db } from "../src/persistence/db.ts";
import { registerGame } from "../src/persistence/games-registry.ts";
import { migrate } from "../src/persistence/migrate.ts";
import { PersisterStatus } from "../src/persistence/persister-status.ts";
import { Engine, TradingGame, newGameId } from "../test/persistence/helpers.ts";
import { startPersister, type FinalStats, type PersisterProcess } from "../test/support/persister-process.ts";

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RECORD = Number(process.env.BENCH_RECORD ?? 4000);
const PERSISTERS = Number(process.env.BENCH_PERSISTERS ?? 1);
const GAMES = Number(process.env.BENCH_GAMES ?? 1);
/** Clock ticks per second of /proc/<pid>/stat times (Linux: 100). */
const CLK_TCK = 100;
/** The feed's tick: the room's group commit writes a batch every <= 2 ms. */
const FEED_TICK_MS = 2;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** utime + stime (+ children's, for the postmaster) of a process, µs; 0 when it is gone. */
function cpuUs(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
    return (ticks * 1e6) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** The postmaster's pid (first line of postmaster.pid in the data directory). */
async function postmasterPid(db: Db): Promise<number> {
  const dir = (await sql<{ data_directory: string }>`SHOW data_directory`.execute(db)).rows[0]!.data_directory;
  return Number(readFileSync(`${dir}/postmaster.pid`, "utf8").split("\n")[0]);
}

/** CPU of the postmaster (with its reaped children) and every live child, µs. */
function pgCpuUs(postmaster: number): number {
  let total = cpuUs(postmaster, true);
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) total += cpuUs(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/** Valkey's own CPU (INFO cpu: used_cpu_sys + used_cpu_user), µs. */
async function valkeyCpuUs(client: Redis): Promise<number> {
  const info = await client.info("cpu");
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return (num("used_cpu_sys") + num("used_cpu_user")) * 1e6;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Records the template: a real engine game's events, in seq order. */
async function record(engine: Engine): Promise<EngineEvent[]> {
  const game = await TradingGame.create(engine, `bench:persister:scratch:${process.pid}`, "rec");
  await game.trade(RECORD, 3);
  await engine.client.del(eventsKey(game.gameId));
  return game.events;
}

/** Commands per stream entry at most: the room's group commit closes a batch at 256 commands (docs/commit.md). */
const MAX_ORDERS_PER_ENTRY = 256;

/** One game being fed: where it is in the template, and the entry being built for this tick. */
interface Lane {
  game: string;
  next: number;
  texts: string[];
  orders: number;
  lastSeq: number;
}

/**
 * Feeds the template into fresh games at RATE orders/s for SECONDS, as the room's group commit writes
 * them: every FEED_TICK_MS the orders due (with the events that follow each) form ONE stream entry per
 * game (id '<last seq>-0', data = the events' JSON texts joined by '\n'; engine/stream-entries.ts), at
 * most MAX_ORDERS_PER_ENTRY orders each. BENCH_GAMES games are fed at once (orders dealt round-robin);
 * a game whose template runs out is replaced by a fresh one. Returns the counts and each game's last seq.
 */
async function feed(
  client: Redis,
  template: EngineEvent[],
  registry: string,
): Promise<{ orders: number; events: number; entries: number; lastSeqs: Map<string, number> }> {
  const lastSeqs = new Map<string, number>();
  const lanes: Lane[] = Array.from({ length: GAMES }, () => ({
    game: "",
    next: template.length,
    texts: [],
    orders: 0,
    lastSeq: 0,
  }));
  let orders = 0;
  let events = 0;
  let entries = 0;
  const pipe = () => client.pipeline();
  let p = pipe();
  const cut = (lane: Lane) => {
    if (!lane.texts.length) return;
    p.xadd(eventsKey(lane.game), `${lane.lastSeq}-0`, "data", lane.texts.join("\n"));
    lastSeqs.set(lane.game, lane.lastSeq);
    entries++;
    events += lane.texts.length;
    lane.texts = [];
    lane.orders = 0;
  };
  const start = Date.now();
  while (Date.now() - start < SECONDS * 1000) {
    const due = Math.floor((RATE * (Date.now() - start)) / 1000);
    const ts = Date.now();
    for (; orders < due; orders++) {
      const lane = lanes[orders % GAMES]!;
      if (lane.next >= template.length || lane.orders >= MAX_ORDERS_PER_ENTRY) cut(lane);
      if (lane.next >= template.length) {
        lane.game = newGameId("bench");
        lane.next = 0;
        await registerGame(client, lane.game, registry);
      }
      // the game's next order with every event up to the one after it (a fresh game: its set-up first)
      do {
        const e = template[lane.next++]!;
        if (e.type === "order_accepted") lane.orders++;
        lane.texts.push(JSON.stringify({ ...e, ts }));
        lane.lastSeq = e.seq;
      } while (lane.next < template.length && (template[lane.next]!.type !== "order_accepted" || lane.orders === 0));
    }
    for (const lane of lanes) cut(lane);
    await p.exec();
    p = pipe();
    await sleep(FEED_TICK_MS);
  }
  return { orders, events, entries, lastSeqs };
}

async function main(): Promise<void> {
  const valkeyUrl = process.env.VALKEY_URL ?? "redis://127.0.0.1:6379";
  const client = new Redis(valkeyUrl);
  const engine = new Engine(new Redis(valkeyUrl));
  const pool = createPool(process.env.DATABASE_URL, 2);
  await migrate(pool);
  const db = createDb(pool);
  const registry = `bench:persister:${process.pid}`;
  const heartbeats = `${registry}:beats`;
  const status = new PersisterStatus(client, db, { registryKey: registry, heartbeatsKey: heartbeats });

  const t0 = Date.now();
  const template = await record(engine);
  const templateOrders = template.filter((e) => e.type === "order_accepted").length;
  process.stdout.write(
    `recorded ${template.length} events (${templateOrders} orders, ${(template.length / templateOrders).toFixed(2)} events per order) in ${Date.now() - t0} ms\n`,
  );

  const procs: PersisterProcess[] = [];
  for (let i = 0; i < PERSISTERS; i++) {
    procs.push(
      await startPersister({
        consumer: `bench-${i}`,
        env: {
          PERSISTER_REGISTRY: registry,
          PERSISTER_HEARTBEATS: heartbeats,
          PERSISTER_BLOCK_MS: "200",
          PERSISTER_REFRESH_MS: "1000",
          LOG_LEVEL: "warn",
        },
        // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the persister processes
        nodeArgs: process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean),
      }),
    );
  }
  const pids = procs.map((p) => p.child.pid!);
  const postmaster = await postmasterPid(db);
  const cpu0 = {
    persister: pids.reduce((s, p) => s + cpuUs(p), 0),
    pg: pgCpuUs(postmaster),
    valkey: await valkeyCpuUs(client),
  };

  const lags: number[] = [];
  let feeding = true;
  const sampler = (async () => {
    while (feeding) {
      lags.push(await status.lagMs());
      await sleep(100);
    }
  })();
  const fed = await feed(client, template, registry);
  const feedEnd = Date.now();
  feeding = false;
  await sampler;
  for (const [g, seq] of fed.lastSeqs) await status.drain(g, seq, 120_000);
  const drainMs = Date.now() - feedEnd;
  const cpu1 = {
    persister: pids.reduce((s, p) => s + cpuUs(p), 0),
    pg: pgCpuUs(postmaster),
    valkey: await valkeyCpuUs(client),
  };
  const stats = (await Promise.all(procs.map((p) => p.stop()))).filter((s): s is FinalStats => s !== null);

  const per = (us: number) => Math.round(us / fed.orders);
  const batches = stats.reduce((s, x) => s + x.batches, 0);
  const entries = stats.reduce((s, x) => s + x.entries, 0);
  const result = {
    ordersPerSec: Math.round(fed.orders / SECONDS),
    seconds: SECONDS,
    orders: fed.orders,
    events: fed.events,
    entries: fed.entries,
    eventsPerEntry: Math.round(fed.events / Math.max(1, fed.entries)),
    games: fed.lastSeqs.size,
    gamesAtOnce: GAMES,
    persisters: PERSISTERS,
    lagP50Ms: pct(lags, 50),
    lagP99Ms: pct(lags, 99),
    lagMaxMs: Math.max(0, ...lags),
    drainMs,
    persisterUsPerOrder: per(cpu1.persister - cpu0.persister),
    pgUsPerOrder: per(cpu1.pg - cpu0.pg),
    valkeyUsPerOrder: per(cpu1.valkey - cpu0.valkey),
    entriesPerBatch: batches ? Math.round(entries / batches) : 0,
    loadavg1: Number(loadavg()[0]!.toFixed(2)),
  };
  process.stdout.write(
    `\npersister at ${RATE} orders/s for ${SECONDS} s (${PERSISTERS} process${PERSISTERS > 1 ? "es" : ""}), machine load ${result.loadavg1}\n`,
  );
  for (const [k, v] of Object.entries(result)) process.stdout.write(`  ${k.padEnd(22)} ${v}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);

  const pipe = client.pipeline();
  for (const g of fed.lastSeqs.keys()) pipe.del(eventsKey(g));
  pipe.del(registry, heartbeats);
  await pipe.exec();
  await db.destroy();
  client.disconnect();
  engine.client.disconnect();
  process.exit(0); // the engine's writer connections would keep the loop alive
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
