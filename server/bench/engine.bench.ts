/**
 * Matching engine benchmark (`npm run bench:engine`).
 *
 * Against the Valkey in VALKEY_URL (scripts/bench.mjs starts a private one), it runs a mixed workload
 * through the real Engine: about 70% limit orders resting near the mid, 20% crossing orders that take
 * liquidity, 10% cancels of a random own resting order; 8 players; once with one security and once
 * with four. Calls are pipelined (iovalkey auto-pipelining with CONCURRENCY calls in flight). In the
 * same run it measures the server's EVALSHA ceiling with a no-op script under the same client and
 * concurrency, so the ratio says how much of the raw scripting throughput the engine keeps.
 *
 * Prints a table, then as its last line one JSON object:
 * {"ordersPerSec", "p50Ms", "p99Ms", "evalshaCeilingPerSec", "ratio"} where orders/s and latencies
 * are the worse of the two runs (one and four securities) and ratio = ordersPerSec / ceiling.
 * Target on the 2-core development machine: ratio >= 0.35 and p99 <= 5 ms.
 */
import { Redis } from "iovalkey";
import { Engine, expectOk } from "../src/engine/engine.ts";

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PLAYERS = 8;
const MID = 10_000;

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RunStats { ops: number; seconds: number; p50: number; p99: number; fills: number; rejects: number }

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs `op` with CONCURRENCY workers for DURATION_MS; returns throughput and latency percentiles. */
async function drive(op: (worker: number) => Promise<{ fills: number; rejected: boolean }>): Promise<RunStats> {
  const lat: number[] = [];
  let fills = 0, rejects = 0;
  const start = performance.now();
  const end = start + DURATION_MS;
  const worker = async (w: number) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const r = await op(w);
      lat.push(performance.now() - t0);
      fills += r.fills;
      if (r.rejected) rejects++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(lat).sort();
  return { ops: lat.length, seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), fills, rejects };
}

async function setup(engine: Engine, gameId: string, securities: number) {
  expectOk(await engine.createGame(gameId, { name: "bench" }));
  for (let s = 1; s <= securities; s++) expectOk(await engine.addSecurity(gameId, { securityId: s, symbol: `S${s}` }));
  const holdings = Array.from({ length: securities }, (_, i) => ({ securityId: i + 1, qty: 100_000_000 }));
  for (let p = 0; p < PLAYERS; p++) {
    expectOk(await engine.addPlayer(gameId, { playerId: `p${p}`, name: `P${p}`, cash: 1e15, holdings }));
  }
  expectOk(await engine.setPhase(gameId, "running"));
}

/** The mixed workload on one game with `securities` books. */
async function mixed(engine: Engine, securities: number): Promise<RunStats> {
  const gameId = `bench-${securities}-${Date.now()}`;
  await setup(engine, gameId, securities);
  const rand = rng(42 + securities);
  const open: { p: string; s: number; id: number }[][] = Array.from({ length: PLAYERS }, () => []);
  return drive(async (w) => {
    const pi = w % PLAYERS;
    const player = `p${pi}`;
    const s = 1 + Math.floor(rand() * securities);
    const x = rand();
    if (x < 0.1 && open[pi]!.length > 0) {
      const k = Math.floor(rand() * open[pi]!.length);
      const o = open[pi]![k]!;
      open[pi]![k] = open[pi]![open[pi]!.length - 1]!;
      open[pi]!.pop();
      const r = await engine.cancel(gameId, player, o.s, o.id);
      return { fills: 0, rejected: !r.ok && r.code !== "UNKNOWN_ORDER" };
    }
    const side = rand() < 0.5 ? "buy" : "sell";
    const crossing = x >= 0.8;
    const offset = 1 + Math.floor(rand() * 20);
    // Passive orders rest 1..20 ticks away from the mid; crossing ones reach 5 ticks through it.
    const price = crossing ? (side === "buy" ? MID + 5 : MID - 5) : side === "buy" ? MID - offset : MID + offset;
    const r = await engine.place(gameId, player, { securityId: s, side, price, qty: crossing ? 3 : 1 + Math.floor(rand() * 3) });
    if (!r.ok) return { fills: 0, rejected: true };
    if (r.order.restingQty > 0) open[pi]!.push({ p: player, s, id: r.order.orderId });
    return { fills: r.fills.length, rejected: false };
  });
}

/** The ceiling: a no-op script through EVALSHA, same client and concurrency. */
async function ceiling(client: Redis): Promise<RunStats> {
  client.defineCommand("mr_noop", { numberOfKeys: 1, lua: "return 1" });
  const call = (client as unknown as { mr_noop(k: string): Promise<number> }).mr_noop.bind(client);
  return drive(async () => { await call("game:{bench}:noop"); return { fills: 0, rejected: false }; });
}

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

async function main() {
  const url = process.env.VALKEY_URL;
  if (!url) throw new Error("VALKEY_URL is not set: run through `npm run bench:engine`");
  const client = new Redis(url, { enableAutoPipelining: true });
  const info = await client.info("server");
  const server = /(valkey|redis)_version:(\S+)/.exec(info);
  const engine = new Engine(client);
  const noop = await ceiling(client);
  const one = await mixed(engine, 1);
  const four = await mixed(engine, 4);
  await client.quit();

  const rows: [string, RunStats][] = [["EVALSHA no-op (ceiling)", noop], ["mixed, 1 security", one], ["mixed, 4 securities", four]];
  console.log(`server: ${server?.[1] ?? "?"} ${server?.[2] ?? "?"}; ${CONCURRENCY} calls in flight; ${DURATION_MS / 1000} s per run`);
  console.log("run                       |     calls |   calls/s | p50 ms | p99 ms |   fills | rejects");
  console.log("--------------------------+-----------+-----------+--------+--------+---------+--------");
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(26)}| ${fmt(r.ops).padStart(9)} | ${fmt(r.ops / r.seconds).padStart(9)} | ${fmt(r.p50, 2).padStart(6)} | ${fmt(r.p99, 2).padStart(6)} | ${fmt(r.fills).padStart(7)} | ${fmt(r.rejects).padStart(6)}`);
  }
  const ordersPerSec = Math.min(one.ops / one.seconds, four.ops / four.seconds);
  const ceil = noop.ops / noop.seconds;
  const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
  console.log(JSON.stringify({
    ordersPerSec: Math.round(ordersPerSec), p50Ms: round(Math.max(one.p50, four.p50), 3), p99Ms: round(Math.max(one.p99, four.p99), 3),
    evalshaCeilingPerSec: Math.round(ceil), ratio: round(ordersPerSec / ceil, 3),
  }));
}

await main();
