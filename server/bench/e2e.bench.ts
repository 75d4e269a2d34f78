/**
 * End-to-end benchmark: N SDK clients (E2E_CLIENTS, default 200) in one game, each sending limit
 * orders through the room with room.request() one at a time for E2E_SECONDS (default 10) seconds, with
 * a cancel-all every 20 orders. The server (createApp, WebSocket transport, persister) runs in this
 * process on a free port, against VALKEY_URL / DATABASE_URL (`npm run bench:e2e` starts private ones).
 * The clients run in a child process (same file, `--clients` mode), so that decoding 200 clients' state
 * patches does not share the server's event loop; on a 2-core machine they still share the CPU.
 *
 * Prints orders/s acknowledged, ack latency p50/p99 (ms, client-measured round trip), fills, rejects,
 * the persister lag (max sampled each second, and after the run), and as its last line one JSON object
 * {"clients","ordersPerSec","p50Ms","p99Ms","persistLagMs"} (persistLagMs = max lag sampled).
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Redis } from "iovalkey";
import { Client, type Room } from "@colyseus/sdk";
import { GameRules, type CommandReply } from "@marketroom/shared";
import { createApp } from "../src/app.ts";
import { createLogger, loadConfig } from "../src/config.ts";
import { createDb, createPool } from "../src/persistence/db.ts";
import { migrate } from "../src/persistence/migrate.ts";
import { Persister, writeRoundResults } from "../src/persistence/persister.ts";

const CLIENTS = Number(process.env.E2E_CLIENTS ?? 200);
const SECONDS = Number(process.env.E2E_SECONDS ?? 10);
const CONNECT_CONCURRENCY = 10;

const out = (line: string) => process.stdout.write(`${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `fn` over `items` with at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) { const i = next++; results[i] = await fn(items[i]!); }
  }));
  return results;
}

interface Tally { acked: number; rejected: number; fills: number; latencies: number[] }

/** One trader: random limit orders around 100 ticks, a cancel-all every 20 orders, until `until`. */
async function trade(room: Room, until: number, seed: number, t: Tally): Promise<void> {
  let x = seed;
  const rnd = () => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x / 0x7fffffff; };
  for (let i = 1; performance.now() < until; i++) {
    const side = rnd() < 0.5 ? "buy" : "sell";
    const price = 100 + Math.floor(rnd() * 9) - (side === "buy" ? 5 : 3);
    const started = performance.now();
    const r = await room.request("place", { securityId: 1, side, price, qty: 1 + Math.floor(rnd() * 3) }) as CommandReply;
    t.latencies.push(performance.now() - started);
    if (r.ok) { t.acked++; t.fills += r.fills?.length ?? 0; } else t.rejected++;
    if (i % 20 === 0) await room.request("cancel-all", {});
  }
}

/** Child mode: connect the clients, trade, print one JSON line with the tally. */
async function clients(base: string, gameId: string, code: string): Promise<void> {
  const t0 = performance.now();
  const rooms = await pool(Array.from({ length: CLIENTS }, (_, i) => i), CONNECT_CONCURRENCY, async (i) => {
    const res = await fetch(`${base}/api/join`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code, name: `trader ${i + 1}` }) });
    const j = await res.json() as { token: string };
    const sdk = new Client(base);
    sdk.auth.token = j.token;
    return sdk.joinOrCreate("game", { gameId });
  });
  process.stderr.write(`connected ${rooms.length} clients in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const tally: Tally = { acked: 0, rejected: 0, fills: 0, latencies: [] };
  const started = performance.now();
  await Promise.all(rooms.map((room, i) => trade(room, started + SECONDS * 1000, i + 1, tally)));
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(rooms.map((r) => r.leave().catch(() => {})));
  process.stdout.write(`${JSON.stringify({ ...tally, elapsed })}\n`, () => process.exit(0));
}

/** Runs the client process; resolves with its tally. */
function runClients(base: string, gameId: string, code: string, onStart: () => void): Promise<Tally & { elapsed: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--clients", base, gameId, code], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout.on("data", (d) => { text += d; });
  child.stderr.on("data", (d) => { process.stdout.write(String(d)); if (String(d).includes("connected")) onStart(); });
  return new Promise((resolve, reject) => child.once("close", (c) => {
    if (c !== 0) return reject(new Error(`client process exited with ${c}`));
    resolve(JSON.parse(text.trim().split("\n").pop()!));
  }));
}

async function main(): Promise<void> {
  const log = createLogger(process.env.LOG_LEVEL ?? "warn");
  const valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 3 });
  const pg = createPool(process.env.DATABASE_URL, 8);
  await migrate(pg);
  const db = createDb(pg);
  const persister = new Persister(valkey, db, { log: (l) => log.warn(l) });
  persister.start().catch((err) => log.error({ err }, "persister stopped"));
  const port = await freePort();
  const config = { ...loadConfig({}), port, reconnectGraceSec: 0 };
  const app = await createApp({ config, log, valkey, db, persister, metrics: undefined, results: (g, i, l, s) => writeRoundResults(db, g, i, l, s) });
  await app.server.listen(port, "127.0.0.1");
  const base = `http://127.0.0.1:${port}`;

  const game = await app.service.create({
    name: "e2e bench", securities: [{ securityId: 1, symbol: "BENCH", refPrice: 100, tickSize: "0.01", lotSize: 1, scale: 1, bandLow: 1, bandHigh: 1_000_000_000, shortLimit: 0, positionLimit: 0, maxOrderQty: 0, takerFee: 0, makerRebate: 0, limitWeight: 1 }],
    endowment: { cash: 1_000_000_000, holdings: [{ securityId: 1, qty: 1_000_000 }] }, bots: [], allowObservers: true,
    rules: GameRules.parse({}),
  });
  await app.service.start(game.gameId);
  out(`e2e: ${CLIENTS} clients, ${SECONDS} s, game ${game.gameId}, server ${base}`);

  let maxLag = 0;
  let sampler: NodeJS.Timeout | undefined;
  const tally = await runClients(base, game.gameId, game.joinCode, () => {
    sampler = setInterval(() => { persister.lagMs().then((l) => { maxLag = Math.max(maxLag, l); }).catch(() => {}); }, 1000);
  });
  clearInterval(sampler);
  const elapsed = tally.elapsed;
  const lagAfter = await persister.lagMs();
  maxLag = Math.max(maxLag, lagAfter);

  const sorted = tally.latencies.sort((a, b) => a - b);
  const result = {
    clients: CLIENTS, ordersPerSec: Math.round(tally.acked / elapsed),
    p50Ms: Number(percentile(sorted, 50).toFixed(2)), p99Ms: Number(percentile(sorted, 99).toFixed(2)), persistLagMs: Math.round(maxLag),
  };
  out(`orders acked: ${tally.acked} in ${elapsed.toFixed(1)} s = ${result.ordersPerSec}/s; rejected ${tally.rejected}; fills ${tally.fills}`);
  out(`ack latency: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${percentile(sorted, 100).toFixed(1)} ms`);
  out(`persister lag: max ${result.persistLagMs} ms while running, ${lagAfter} ms at the end`);

  const end = await app.service.end(game.gameId);
  await persister.drain(game.gameId, end.seq, 60_000);
  out(`round ended at seq ${end.seq}; ${end.cancelled} orders cancelled; log persisted`);
  await app.service.shutdown();
  await persister.stop();
  out(JSON.stringify(result));
  process.exit(0);
}

const argv = process.argv.slice(2);
(argv[0] === "--clients" ? clients(argv[1]!, argv[2]!, argv[3]!) : main()).catch((err) => {
  process.stderr.write(`e2e bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
