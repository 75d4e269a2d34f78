/**
 * Game core benchmark (`npm run bench:core`): the core alone, in process, no I/O.
 *
 * The mixed flow of bench/engine.bench.ts: about 70% limit orders resting 1..20 ticks from the mid,
 * 20% crossing orders (5 ticks through the mid, 3 lots), 10% cancels of a random own resting order;
 * 8 players; once with one security and once with four. Each command is decide + evolve of its events
 * (what the room does per command). Per configuration: a warm-up, then REPS timed repetitions of
 * ORDERS commands each; the figures are the medians. CPU time is process.cpuUsage (user + system).
 *
 * `measureCore()` returns the figures; run alone, the file prints a short table and as its last line
 * one JSON object: {"coreOrdersPerSec", "coreUsPerOrder", "coreOrdersPerSec1", "coreOrdersPerSec4"}
 * where coreOrdersPerSec is the worse of the two configurations and coreUsPerOrder the higher CPU
 * cost. Target on the 2-core development machine: coreOrdersPerSec >= 300,000.
 */
import { pathToFileURL } from "node:url";
import { decide, emptyState, evolve, type CoreState } from "../src/core/index.ts";
import type { Command } from "../src/core/commands.ts";
import { benchSecurity } from "./fixtures.ts";

const PLAYERS = 8;
const MID = 10_000;

export interface CoreFigures {
  securities: number;
  ordersPerSec: number;
  cpuUsPerOrder: number;
  fills: number;
  rejects: number;
  restingAtEnd: number;
}

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function run(s: CoreState, c: Command, ts: number): ReturnType<typeof decide> {
  const d = decide(s, c, { ts });
  if (d.ok) for (let i = 0; i < d.events.length; i++) evolve(s, d.events[i]!);
  return d;
}

/** The bench game's setup: create, `securities` securities, PLAYERS rich players, running. */
export function setupCommands(securities: number): Command[] {
  const holdings = Array.from({ length: securities }, (_, i) => ({ securityId: i + 1, qty: 100_000_000 }));
  return [
    {
      type: "create_game",
      gameId: "bench",
      name: "bench",
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: false,
      protectionBps: 500,
    },
    ...Array.from({ length: securities }, (_, k): Command => benchSecurity(k + 1, `S${k + 1}`)),
    ...Array.from({ length: PLAYERS }, (_, p): Command => ({
      type: "add_player",
      playerId: `p${p}`,
      name: `P${p}`,
      cash: 1e15,
      holdings,
    })),
    { type: "set_phase", phase: "running" },
  ];
}

function newGame(securities: number): CoreState {
  const s = emptyState();
  for (const c of setupCommands(securities))
    if (!run(s, c, 0).ok) throw new Error(`setup failed: ${JSON.stringify(c)}`);
  return s;
}

/** An own resting order as the flow keeps it: security * 2^32 + order id (one unboxed double). */
const PACK = 2 ** 32;

/**
 * The mixed flow: a generator of the next command, fed back with each decision (own resting orders).
 * Each player's open orders are numbers (security * 2^32 + id) in a double array, not objects: the
 * paced runs of bench:engine share this process's heap with the writer, and a 40-byte object per
 * resting order was about a sixth of what their scavenges copied (docs/commit.md "Stop 31").
 */
export function flow(securities: number, seed: number) {
  const rand = rng(seed);
  const open: number[][] = Array.from({ length: PLAYERS }, () => []);
  const players = Array.from({ length: PLAYERS }, (_, p) => `p${p}`);
  let n = 0;
  return {
    next(): { c: Command; pi: number } {
      const pi = n++ % PLAYERS;
      const mine = open[pi]!;
      const s = 1 + Math.floor(rand() * securities);
      const x = rand();
      if (x < 0.1 && mine.length > 0) {
        const k = Math.floor(rand() * mine.length);
        const o = mine[k]!;
        mine[k] = mine[mine.length - 1]!;
        mine.pop();
        const securityId = Math.floor(o / PACK);
        return { c: { type: "cancel", playerId: players[pi]!, securityId, orderId: o - securityId * PACK }, pi };
      }
      const side = rand() < 0.5 ? "buy" : "sell";
      const crossing = x >= 0.8;
      const offset = 1 + Math.floor(rand() * 20);
      const price = crossing ? (side === "buy" ? MID + 5 : MID - 5) : side === "buy" ? MID - offset : MID + offset;
      return {
        c: {
          type: "place",
          playerId: players[pi]!,
          securityId: s,
          side,
          price,
          qty: crossing ? 3 : 1 + Math.floor(rand() * 3),
        },
        pi,
      };
    },
    rested(pi: number, s: number, id: number) {
      open[pi]!.push(s * PACK + id);
    },
  };
}

/** Runs `orders` commands of the flow on a fresh game; returns wall and CPU time. */
function timed(securities: number, orders: number, seed: number): CoreFigures {
  const s = newGame(securities);
  const f = flow(securities, seed);
  let fills = 0,
    rejects = 0;
  const ts = 1_700_000_000_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < orders; i++) {
    const { c, pi } = f.next();
    const d = run(s, c, ts + i);
    if (!d.ok) {
      rejects++;
      continue;
    }
    if (c.type === "place") {
      const r = d.result as { order: { restingQty: number; orderId: number; securityId: number }; fills: unknown[] };
      fills += r.fills.length;
      if (r.order.restingQty > 0) f.rested(pi, r.order.securityId, r.order.orderId);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  let resting = 0;
  for (const sec of s.securities.values()) resting += sec.book.orders.size;
  return {
    securities,
    ordersPerSec: orders / seconds,
    cpuUsPerOrder: (cpu.user + cpu.system) / orders,
    fills,
    rejects,
    restingAtEnd: resting,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Measures the core on the mixed flow with 1 and 4 securities: a warm-up run, then `reps` runs of
 * `orders` commands; returns the median figures per configuration.
 */
export function measureCore(opts: { orders?: number; reps?: number; warmup?: number } = {}): CoreFigures[] {
  const orders = opts.orders ?? Number(process.env.BENCH_CORE_ORDERS ?? 200_000);
  const reps = opts.reps ?? Number(process.env.BENCH_CORE_REPS ?? 5);
  const warmup = opts.warmup ?? Math.min(orders, 100_000);
  return [1, 4].map((securities) => {
    timed(securities, warmup, 7);
    const runs = Array.from({ length: reps }, (_, r) => timed(securities, orders, 42 + r));
    return {
      securities,
      ordersPerSec: median(runs.map((r) => r.ordersPerSec)),
      cpuUsPerOrder: median(runs.map((r) => r.cpuUsPerOrder)),
      fills: median(runs.map((r) => r.fills)),
      rejects: median(runs.map((r) => r.rejects)),
      restingAtEnd: median(runs.map((r) => r.restingAtEnd)),
    };
  });
}

function main(): void {
  const figures = measureCore();
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `core alone (decide + evolve per command), mixed flow, ${PLAYERS} players; median of the repetitions; node ${process.version}`,
  );
  console.log("securities |  orders/s | CPU µs/order |   fills | rejects | resting at end");
  console.log("-----------+-----------+--------------+---------+---------+---------------");
  for (const f of figures) {
    console.log(
      `${String(f.securities).padStart(10)} | ${fmt(f.ordersPerSec).padStart(9)} | ${fmt(f.cpuUsPerOrder, 2).padStart(12)} | ${fmt(f.fills).padStart(7)} | ${fmt(f.rejects).padStart(7)} | ${fmt(f.restingAtEnd).padStart(14)}`,
    );
  }
  const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      coreOrdersPerSec: Math.round(Math.min(...figures.map((f) => f.ordersPerSec))),
      coreUsPerOrder: round(Math.max(...figures.map((f) => f.cpuUsPerOrder)), 3),
      coreOrdersPerSec1: Math.round(figures[0]!.ordersPerSec),
      coreOrdersPerSec4: Math.round(figures[1]!.ordersPerSec),
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
