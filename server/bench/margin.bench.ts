/**
 * Margin-mode benchmark of the core alone (issue 15), `npm run bench:margin`:
 *
 * - marginCoreOrdersPerSec: the mixed flow of core.bench.ts (70% resting limits 1..20 ticks from the mid,
 *   20% crossing, 10% cancels; 8 players, 1 security) in a margin game (10x, marked by last trade), every
 *   order through run() with the margin check (equity and worst-case initial margin at the marks).
 *   Also marginCoreUsPerOrder: CPU µs per order (process.cpuUsage, GC threads included).
 *   Warm-up, then BENCH_MARGIN_REPS (3) runs of BENCH_MARGIN_ORDERS (100,000) commands; the median.
 *   Target >= 150,000.
 * - liquidationCascadeMs: 1,000 players hold 10x longs of 500 lots bought at 100 from a house seller; a
 *   market maker bids below. A reference shock (100 -> 90, marks by reference) puts every third player
 *   below maintenance: the time of that one command through run() (margin scan, margin calls, IOC
 *   orders into the bids, fund take-overs) in the core, median of BENCH_MARGIN_SHOCKS (5) fresh games.
 *   Target <= 100 ms. The group commit of the cascade's events to Valkey is not included here;
 *   measureCascadeCommitted (called by bench:engine) times the same shock through a GameWriter until
 *   its batch is committed.
 *
 * Prints a table and, last, one JSON line with both figures.
 */
import { pathToFileURL } from "node:url";
import { emptyState, run, type CoreState } from "../src/core/index.ts";
import type { Command } from "../src/core/commands.ts";
import { Redis } from "iovalkey";
import { GameWriter } from "../src/engine/game-writer.ts";
import { flow } from "./core.bench.ts";
import { benchSecurity } from "./fixtures.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function must(s: CoreState, c: Command, ts: number): void {
  const d = run(s, c, { ts });
  if (!d.ok) throw new Error(`${c.type} refused: ${d.code} ${d.message}`);
}

/** The setup commands of a margin game: 10x, maintenance 5%, one security referenced at `mid`. */
function marginSetup(
  players: string[],
  cash: (i: number) => number,
  markRule: "last_trade" | "reference",
  mid: number,
): Command[] {
  return [
    {
      type: "create_game",
      gameId: "mbench",
      name: "margin bench",
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: false,
      protectionBps: 1000,
      mode: "margin",
      markRule,
      insuranceFund: 1e12,
    },
    benchSecurity(1, "M", { initialMarginBps: 1000, maintenanceMarginBps: 500, referencePrice: mid }),
    ...players.map((p, i): Command => ({ type: "add_player", playerId: p, name: p, cash: cash(i), holdings: [] })),
    { type: "set_phase", phase: "running" },
  ];
}

function marginGame(...args: Parameters<typeof marginSetup>): CoreState {
  const s = emptyState();
  for (const c of marginSetup(...args)) must(s, c, 0);
  return s;
}

/** Orders per second (wall clock) and CPU µs per order of the mixed flow with margin checks. */
function ordersPerSec(orders: number, seed: number): { perSec: number; cpuUs: number } {
  const s = marginGame(
    Array.from({ length: 8 }, (_, p) => `p${p}`),
    () => 1e13,
    "last_trade",
    10_000,
  );
  const f = flow(1, seed);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < orders; i++) {
    const { c, pi } = f.next();
    const d = run(s, c, { ts: 1_700_000_000_000 + i });
    if (d.ok && c.type === "place") {
      const r = d.result as { order: { restingQty: number; orderId: number; securityId: number } };
      if (r.order.restingQty > 0) f.rested(pi, r.order.securityId, r.order.orderId);
    }
  }
  const perSec = orders / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  return { perSec, cpuUs: (cpu.user + cpu.system) / orders };
}

const CASCADE_PLAYERS = 1000;

/**
 * The cascade game's commands after its setup (marginGame): a house seller, 1,000 players buying 500
 * lots at 100 (every third with 6,000 cash, the others 20,000), a market maker's bids from 89 down to 80.
 */
function cascadeOrders(): Command[] {
  const players = Array.from({ length: CASCADE_PLAYERS }, (_, i) => `u${i}`);
  const out: Command[] = [
    { type: "place", playerId: "house", securityId: 1, side: "sell", price: 100, qty: 500 * CASCADE_PLAYERS },
  ];
  for (const p of players) out.push({ type: "place", playerId: p, securityId: 1, side: "buy", price: 100, qty: 500 });
  for (let price = 89; price >= 80; price--)
    out.push({ type: "place", playerId: "mm", securityId: 1, side: "buy", price, qty: 20_000 });
  return out;
}

/** The cascade game's setup commands. */
function cascadeSetup(): Command[] {
  const players = Array.from({ length: CASCADE_PLAYERS }, (_, i) => `u${i}`);
  // 500 lots at 100 on 10x: initial margin 5,000; after 100 -> 90 equity = cash - 5,000 vs maintenance 2,250
  return marginSetup(
    [...players, "house", "mm"],
    (i) => (i >= CASCADE_PLAYERS ? 1e12 : i % 3 === 0 ? 6_000 : 20_000),
    "reference",
    100,
  );
}

/**
 * liquidationCascadeMs through the commit path: the cascade game set up through a GameWriter on the
 * Valkey at `valkeyUrl` (a private one), then the shock's execute() timed until it resolves, i.e. until the batch holding
 * the last liquidation event is committed to Valkey (wall clock). For bench:engine.
 */
export async function measureCascadeCommitted(
  valkeyUrl: string,
): Promise<{ liquidationCascadeMs: number; liquidated: number; cascadeEvents: number }> {
  const client = new Redis(valkeyUrl);
  const w = await GameWriter.open(client, `mbench-${Date.now()}`, "bench");
  try {
    for (const c of [...cascadeSetup(), ...cascadeOrders()]) {
      const r = await w.execute(c, 1);
      if (!r.ok) throw new Error(`${c.type} refused: ${r.code} ${r.message}`);
    }
    const t0 = performance.now();
    const d = await w.execute({ type: "set_reference", securityId: 1, price: 90 }, 2);
    const ms = performance.now() - t0;
    if (!d.ok) throw new Error("shock refused");
    return {
      liquidationCascadeMs: Number(ms.toFixed(2)),
      liquidated: d.events.filter((e) => e.type === "margin_call").length,
      cascadeEvents: d.events.length,
    };
  } finally {
    await w.close();
    client.disconnect();
  }
}

/** ms of the shock command that liquidates a third of 1,000 leveraged players. */
function cascadeMs(): { ms: number; liquidated: number; events: number } {
  const s = emptyState();
  for (const c of cascadeSetup()) must(s, c, 0);
  let ts = 1;
  for (const c of cascadeOrders()) must(s, c, ts++);
  const t0 = performance.now();
  const d = run(s, { type: "set_reference", securityId: 1, price: 90 }, { ts });
  const ms = performance.now() - t0;
  if (!d.ok) throw new Error("shock refused");
  return { ms, liquidated: d.events.filter((e) => e.type === "margin_call").length, events: d.events.length };
}

export function measureMargin(): {
  marginCoreOrdersPerSec: number;
  marginCoreUsPerOrder: number;
  liquidationCascadeMs: number;
  liquidated: number;
  cascadeEvents: number;
} {
  const orders = Number(process.env.BENCH_MARGIN_ORDERS ?? 100_000);
  const reps = Number(process.env.BENCH_MARGIN_REPS ?? 3);
  const shocks = Number(process.env.BENCH_MARGIN_SHOCKS ?? 5);
  ordersPerSec(Math.min(orders, 50_000), 7);
  const rates = Array.from({ length: reps }, (_, r) => ordersPerSec(orders, 42 + r));
  cascadeMs();
  const cascades = Array.from({ length: shocks }, () => cascadeMs());
  return {
    marginCoreOrdersPerSec: Math.round(median(rates.map((r) => r.perSec))),
    marginCoreUsPerOrder: Number(median(rates.map((r) => r.cpuUs)).toFixed(3)),
    liquidationCascadeMs: Number(median(cascades.map((c) => c.ms)).toFixed(2)),
    liquidated: cascades[0]!.liquidated,
    cascadeEvents: cascades[0]!.events,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const m = measureMargin();
  console.log(
    `margin core: ${m.marginCoreOrdersPerSec} orders/s, ${m.marginCoreUsPerOrder} CPU µs per order (target >= 150,000)`,
  );
  console.log(
    `liquidation cascade: ${m.liquidationCascadeMs} ms for ${m.liquidated} of 1,000 players, ${m.cascadeEvents} events (target <= 100 ms)`,
  );
  console.log(JSON.stringify(m));
}
