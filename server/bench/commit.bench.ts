/**
 * Group commit benchmark (`npm run bench:commit`, or `node --import tsx server/bench/commit.bench.ts`).
 *
 * Starts its own redis-server/valkey-server (AOF on, appendfsync everysec, free port, stopped at the
 * end; VALKEY_URL is ignored so nothing else shares the figures), then:
 * 1. saturation: one simulated room submits the mixed flow (server/test/support/commit-flow.ts: about
 *    70% resting limits near the mid, 20% crossing IOC orders, 10% cancels; 16 players, 4 securities)
 *    to a GroupCommitter (2 ms / 256 commands) as fast as it acknowledges them, with at most
 *    MAX_OUTSTANDING commands unacknowledged (that many clients waiting); no decide step, no clients:
 *    the commands are generated before the clock starts;
 * 2. latency: the same flow offered at PACED_RATE commands/s (the target rate), and at half the rate
 *    step 1 reached;
 * 3. resume: a game with RESUME_ORDERS resting orders (written with commits of 256 orders) read back
 *    with loadGame;
 * 4. step 1 again against a second server with appendfsync always;
 * 5. calibration: Valkey CPU of a plain pipelined 4-field HSET on the same server, because on a shared
 *    machine every CPU figure is inflated by the other tenants (divide by it to compare runs).
 *
 * Figures: commitOrdersPerSec (step 1), commitP99Ms (step 2 at PACED_RATE, submit to ack),
 * valkeyUsPerOrder (step 1, Valkey main-thread CPU from /proc/<pid>/schedstat per command),
 * resume100kMs (step 3, loadGame wall time), nodeUsPerOrder (step 1, this process's CPU per command:
 * committer, encoding, client), and the other steps' variants. Prints a table, then as its last line
 * one JSON object with those fields.
 * Targets: >= 20,000 orders/s, p99 <= 5 ms, <= 30 us Valkey CPU per order, resume <= 1,000 ms.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { fileURLToPath } from "node:url";
import { Redis } from "iovalkey";
import { claimGame, commitBatch } from "../src/engine/commit.ts";
import { GroupCommitter, connectCommitClient } from "../src/engine/group-commit.ts";
import { loadGame } from "../src/engine/load.ts";
import { CommitFlow, rng, type FlowCommand } from "../test/support/commit-flow.ts";
import { startValkeyChild, type ValkeyChild } from "../test/support/valkey-child.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const MAX_OUTSTANDING = Number(process.env.BENCH_OUTSTANDING ?? 1024);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 20_000);
const RESUME_ORDERS = Number(process.env.BENCH_RESUME_ORDERS ?? 100_000);
const PLAYERS = Array.from({ length: 16 }, (_, i) => `p${i}`);
const SECURITIES = [1, 2, 3, 4];

export interface CommitBenchFigures {
  /** Step 1: commands acknowledged per second at saturation. */
  commitOrdersPerSec: number;
  /** Step 2: p99 ms from submit to ack at PACED_RATE commands/s. */
  commitP99Ms: number;
  /** Step 1: Valkey main-thread CPU per command, us. */
  valkeyUsPerOrder: number;
  /** Step 3: loadGame of RESUME_ORDERS resting orders, ms. */
  resume100kMs: number;
  /** Step 1: this process's CPU per command (committer, encoding, client), us. */
  nodeUsPerOrder: number;
  /** Step 1: mean commands per batch; and p50/p99 ms at saturation (queueing included). */
  avgBatch: number;
  saturationP50Ms: number;
  saturationP99Ms: number;
  pacedRate: number;
  pacedOrdersPerSec: number;
  pacedP50Ms: number;
  /** Step 2 at half the saturation rate. */
  halfRate: number;
  halfRateP99Ms: number;
  /** Step 4 (appendfsync always). */
  alwaysOrdersPerSec: number;
  alwaysP99Ms: number;
  alwaysValkeyUsPerOrder: number;
  /** Step 5: Valkey CPU of one pipelined 4-field HSET, us (about 1-2 on an idle machine). */
  valkeyHsetUs: number;
  /** Load average (1 min) when the run started; the machine has os.availableParallelism() cores. */
  loadAvg: number;
}

interface RunFigures {
  ordersPerSec: number;
  p50Ms: number;
  p99Ms: number;
  usPerOrder: number;
  nodeUsPerOrder: number;
  avgBatch: number;
  kinds: Record<string, number>;
}

/** Main-thread CPU time of a process so far, in ns (first field of /proc/<pid>/schedstat). */
export function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
}

/**
 * Bytes allocated on the V8 heap while `work` runs: the heap's growth between collections (used size
 * before each GC minus used size after the previous one) plus its growth since the last one. Counts
 * everything the process allocates meanwhile (this loop, the writer, the client), as a scavenge does.
 */
export async function allocatedBytes(work: () => Promise<void>): Promise<number> {
  const profiler = new GCProfiler();
  const start = getHeapStatistics().used_heap_size;
  profiler.start();
  await work();
  const end = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let bytes = 0;
  let after = start;
  for (const gc of gcs) {
    bytes += gc.beforeGC.heapStatistics.usedHeapSize - after;
    after = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return bytes + end - after;
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** A claimed game with its setup committed: the flow, its committer and the setup client. */
async function newRoom(server: ValkeyChild, gameId: string) {
  const admin = new Redis(server.url);
  const epoch = await claimGame(admin, gameId, "bench");
  const flow = new CommitFlow(gameId, SECURITIES, PLAYERS);
  const setup = flow.setup();
  await commitBatch(admin, gameId, epoch, 0, setup.events, setup.ops);
  const client = await connectCommitClient(server.url);
  const committer = new GroupCommitter({ client, gameId, epoch, lastSeq: flow.seq });
  return { admin, flow, committer };
}

/**
 * Submits the mixed flow for SECONDS (commands generated beforehand): flat out with at most
 * MAX_OUTSTANDING commands unacknowledged (rate 0), or offered at `rate` commands/s. Returns
 * throughput, latency from submit to ack, Valkey and Node CPU per command.
 */
async function drive(server: ValkeyChild, label: string, rate: number): Promise<RunFigures> {
  const { admin, flow, committer } = await newRoom(server, `bench-${label}-${Date.now()}`);
  const rand = rng(7);
  const total = Math.ceil(SECONDS * (rate > 0 ? rate : 30_000));
  const commands: FlowCommand[] = Array.from({ length: total }, () => flow.next(rand));
  const kinds: Record<string, number> = {};
  for (const c of commands) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
  const lat = new Float64Array(total);
  let acked = 0;
  let sent = 0;
  let wake: (() => void) | null = null;
  const submitOne = () => {
    const i = sent++;
    const at = performance.now();
    committer.submit(commands[i]!).then(() => {
      lat[acked++] = performance.now() - at;
      wake?.();
    });
  };
  const cpu0 = cpuNs(server.pid);
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end && sent < total) {
    if (rate > 0) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) submitOne();
      await new Promise((r) => setTimeout(r, 1));
    } else {
      while (sent < total && sent - acked < MAX_OUTSTANDING) submitOne();
      // sleep until a batch is acknowledged (no busy loop: its CPU would count as the committer's)
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = null;
    }
  }
  await committer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuNs(server.pid) - cpu0;
  const node = process.cpuUsage(node0);
  await committer.close();
  await admin.quit();
  const sorted = lat.slice(0, acked).sort();
  return {
    ordersPerSec: Math.round(acked / seconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    usPerOrder: round(cpu / 1000 / acked, 1),
    nodeUsPerOrder: round((node.user + node.system) / acked, 1),
    avgBatch: round(committer.stats.commands / committer.stats.batches, 1),
    kinds,
  };
}

/** Valkey CPU of one pipelined 4-field HSET on this server, us (median of 3 rounds of 20,000). */
export async function calibrate(server: ValkeyChild): Promise<number> {
  const client = new Redis(server.url);
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const pipe = client.pipeline();
    for (let i = 0; i < 20_000; i++)
      pipe.hset(`calibrate:${r}:${i}`, "side", "buy", "price", 1000, "qty", 5, "amount", 5);
    const c0 = cpuNs(server.pid);
    await pipe.exec();
    rounds.push((cpuNs(server.pid) - c0) / 1000 / 20_000);
  }
  await client.quit();
  return round(rounds.sort((a, b) => a - b)[1]!, 2);
}

/** Writes RESUME_ORDERS resting orders in commits of 256, then times loadGame. Returns ms. */
async function resume(server: ValkeyChild): Promise<{ ms: number; orders: number }> {
  const gameId = `bench-resume-${Date.now()}`;
  const { admin, flow, committer } = await newRoom(server, gameId);
  await committer.close();
  const rand = rng(11);
  const epoch = Number(await admin.hget(`game:{${gameId}}:owner`, "epoch"));
  for (let done = 0; done < RESUME_ORDERS;) {
    const events: string[] = [];
    const ops = [];
    const before = flow.seq;
    for (let i = 0; i < 256 && done < RESUME_ORDERS; i++, done++) {
      const p = PLAYERS[Math.floor(rand() * PLAYERS.length)]!;
      const s = SECURITIES[Math.floor(rand() * SECURITIES.length)]!;
      const side = rand() < 0.5 ? "buy" : "sell";
      const off = 1 + Math.floor(rand() * 500);
      const cmd = flow.rest(p, s, side, side === "buy" ? 10_000 - off : 10_000 + off, 1 + Math.floor(rand() * 10));
      events.push(...cmd.events);
      ops.push(...cmd.ops);
    }
    await commitBatch(admin, gameId, epoch, before, events, ops);
  }
  const t0 = performance.now();
  const game = await loadGame(admin, gameId);
  const ms = performance.now() - t0;
  const orders = game.securities.reduce((n, s) => n + s.orders.length, 0);
  if (orders !== RESUME_ORDERS) throw new Error(`loadGame returned ${orders} orders, expected ${RESUME_ORDERS}`);
  await admin.quit();
  return { ms: round(ms, 1), orders };
}

/** Runs the whole benchmark on private servers (started and stopped here); returns the figures. */
export async function runCommitBench(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<CommitBenchFigures> {
  const load = round(loadavg()[0]!, 1);
  const everysec = await startValkeyChild({ appendfsync: "everysec" });
  let flat: RunFigures, paced: RunFigures, half: RunFigures, res: { ms: number; orders: number }, hsetUs: number;
  try {
    hsetUs = await calibrate(everysec);
    log(`calibration: a pipelined 4-field HSET costs ${hsetUs} us of Valkey CPU (load average ${load})`);
    flat = await drive(everysec, "flat", 0);
    log(`everysec saturation: ${JSON.stringify(flat)}`);
    paced = await drive(everysec, "paced", PACED_RATE);
    log(`everysec offered ${PACED_RATE}/s: ${JSON.stringify(paced)}`);
    half = await drive(everysec, "half", Math.max(100, Math.round(flat.ordersPerSec / 2)));
    log(`everysec offered ${Math.round(flat.ordersPerSec / 2)}/s: ${JSON.stringify(half)}`);
    res = await resume(everysec);
    log(`resume ${res.orders} resting orders: ${res.ms} ms`);
  } finally {
    await everysec.stop();
  }
  const alwaysServer = await startValkeyChild({ appendfsync: "always" });
  let always: RunFigures;
  try {
    always = await drive(alwaysServer, "always", 0);
    log(`always saturation: ${JSON.stringify(always)}`);
  } finally {
    await alwaysServer.stop();
  }
  return {
    commitOrdersPerSec: flat.ordersPerSec,
    commitP99Ms: paced.p99Ms,
    valkeyUsPerOrder: flat.usPerOrder,
    resume100kMs: res.ms,
    nodeUsPerOrder: flat.nodeUsPerOrder,
    avgBatch: flat.avgBatch,
    saturationP50Ms: flat.p50Ms,
    saturationP99Ms: flat.p99Ms,
    pacedRate: PACED_RATE,
    pacedOrdersPerSec: paced.ordersPerSec,
    pacedP50Ms: paced.p50Ms,
    halfRate: Math.round(flat.ordersPerSec / 2),
    halfRateP99Ms: half.p99Ms,
    alwaysOrdersPerSec: always.ordersPerSec,
    alwaysP99Ms: always.p99Ms,
    alwaysValkeyUsPerOrder: always.usPerOrder,
    valkeyHsetUs: hsetUs,
    loadAvg: load,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runCommitBench();
  console.log("figure                    value");
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(26)}${v}`);
  console.log(JSON.stringify(figures));
  process.exit(0);
}
