/**
 * Group commit benchmark (`npm run bench:commit`, or `node --import tsx server/bench/commit.bench.ts`).
 *
 * Starts its own redis-server/valkey-server (AOF on, appendfsync everysec, free port, stopped at the
 * end; VALKEY_URL is ignored so the figures are not shared with anything else), then:
 * 1. one simulated room (server/test/support/commit-flow.ts: about 70% resting limits near the mid,
 *    20% crossing IOC orders, 10% cancels; 16 players, 4 securities) submits commands flat out to a
 *    GroupCommitter (2 ms / 256 commands) with at most MAX_OUTSTANDING unacknowledged commands, like
 *    that many clients waiting for their answers; no decide step and no clients;
 * 2. the same flow paced at PACED_RATE commands/s, for the latency a room sees below saturation;
 * 3. a game with 100,000 resting orders (written with commits of 256 orders), read back with loadGame;
 * 4. step 1 again against a second server with appendfsync always.
 *
 * Figures: commitOrdersPerSec (step 1, commands acknowledged per second), commitP99Ms (step 1, p99
 * from submit to ack), valkeyUsPerOrder (step 1, Valkey main-thread CPU from /proc/<pid>/schedstat
 * divided by commands), resume100kMs (step 3, loadGame wall time), and the paced and always-fsync
 * variants. Prints a table, then as its last line one JSON object with those fields.
 * Targets: >= 20,000 orders/s, p99 <= 5 ms, <= 30 us per order, resume <= 1,000 ms.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "iovalkey";
import { claimGame, commitBatch } from "../src/engine/commit.ts";
import { GroupCommitter, connectCommitClient } from "../src/engine/group-commit.ts";
import { loadGame } from "../src/engine/load.ts";
import { CommitFlow, rng } from "../test/support/commit-flow.ts";
import { startValkeyChild, type ValkeyChild } from "../test/support/valkey-child.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MAX_OUTSTANDING = Number(process.env.BENCH_OUTSTANDING ?? 1024);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 20_000);
const RESUME_ORDERS = Number(process.env.BENCH_RESUME_ORDERS ?? 100_000);
const PLAYERS = Array.from({ length: 16 }, (_, i) => `p${i}`);
const SECURITIES = [1, 2, 3, 4];

export interface CommitBenchFigures {
  commitOrdersPerSec: number;
  commitP99Ms: number;
  commitP50Ms: number;
  valkeyUsPerOrder: number;
  resume100kMs: number;
  avgBatch: number;
  pacedRate: number;
  pacedP99Ms: number;
  pacedValkeyUsPerOrder: number;
  alwaysOrdersPerSec: number;
  alwaysP99Ms: number;
  alwaysValkeyUsPerOrder: number;
}

interface RunFigures { ordersPerSec: number; p50Ms: number; p99Ms: number; usPerOrder: number; avgBatch: number; kinds: Record<string, number> }

/** Main-thread CPU time of a process so far, in ns (first field of /proc/<pid>/schedstat). */
function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
}

function percentile(sorted: Float64Array, p: number): number {
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
 * Submits the mixed flow for SECONDS: flat out with at most MAX_OUTSTANDING commands unacknowledged
 * (rate 0), or paced at `rate` commands/s. Returns throughput, latency and Valkey CPU per command.
 */
async function drive(server: ValkeyChild, label: string, rate: number): Promise<RunFigures> {
  const { admin, flow, committer } = await newRoom(server, `bench-${label}-${Date.now()}`);
  const rand = rng(7);
  const lat: number[] = [];
  const kinds: Record<string, number> = {};
  let outstanding = 0;
  let wake: (() => void) | null = null;
  const cpu0 = cpuNs(server.pid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let sent = 0;
  const submitOne = () => {
    const cmd = flow.next(rand);
    kinds[cmd.kind] = (kinds[cmd.kind] ?? 0) + 1;
    const at = performance.now();
    outstanding += 1;
    sent += 1;
    committer.submit(cmd).then(() => {
      lat.push(performance.now() - at);
      outstanding -= 1;
      wake?.();
    });
  };
  while (performance.now() < end) {
    if (rate > 0) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (sent < due) submitOne();
      await new Promise((r) => setTimeout(r, 1));
    } else {
      while (outstanding < MAX_OUTSTANDING && sent % 64 !== 63) submitOne();
      if (outstanding < MAX_OUTSTANDING) submitOne();
      await new Promise<void>((r) => { wake = r; setImmediate(r); });
      wake = null;
    }
  }
  await committer.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuNs(server.pid) - cpu0;
  await admin.quit();
  const sorted = Float64Array.from(lat).sort();
  return {
    ordersPerSec: Math.round(lat.length / seconds), p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)),
    usPerOrder: round(cpu / 1000 / lat.length, 1), avgBatch: round(committer.stats.commands / committer.stats.batches, 1), kinds,
  };
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
  const orders = game.securities.reduce((n, s) => n + s.bids.length + s.asks.length, 0);
  if (orders !== RESUME_ORDERS) throw new Error(`loadGame returned ${orders} orders, expected ${RESUME_ORDERS}`);
  await admin.quit();
  return { ms: round(ms, 1), orders };
}

/** Runs the whole benchmark on private servers (started and stopped here); returns the figures. */
export async function runCommitBench(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<CommitBenchFigures> {
  const everysec = await startValkeyChild({ appendfsync: "everysec" });
  let flat: RunFigures, paced: RunFigures, res: { ms: number; orders: number };
  try {
    flat = await drive(everysec, "flat", 0);
    log(`everysec flat out: ${JSON.stringify(flat)}`);
    paced = await drive(everysec, "paced", PACED_RATE);
    log(`everysec paced ${PACED_RATE}/s: ${JSON.stringify(paced)}`);
    res = await resume(everysec);
    log(`resume ${res.orders} resting orders: ${res.ms} ms`);
  } finally {
    await everysec.stop();
  }
  const alwaysServer = await startValkeyChild({ appendfsync: "always" });
  let always: RunFigures;
  try {
    always = await drive(alwaysServer, "always", 0);
    log(`always flat out: ${JSON.stringify(always)}`);
  } finally {
    await alwaysServer.stop();
  }
  return {
    commitOrdersPerSec: flat.ordersPerSec, commitP99Ms: flat.p99Ms, commitP50Ms: flat.p50Ms, valkeyUsPerOrder: flat.usPerOrder,
    resume100kMs: res.ms, avgBatch: flat.avgBatch,
    pacedRate: PACED_RATE, pacedP99Ms: paced.p99Ms, pacedValkeyUsPerOrder: paced.usPerOrder,
    alwaysOrdersPerSec: always.ordersPerSec, alwaysP99Ms: always.p99Ms, alwaysValkeyUsPerOrder: always.usPerOrder,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runCommitBench();
  console.log("figure                    value");
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(26)}${v}`);
  console.log(JSON.stringify(figures));
  process.exit(0);
}
