/**
 * API for programs benchmark (`npm run bench:api`): API_PROGRAMS programs (default 50), each with its own
 * API key, place and cancel orders over REST open-loop at a fixed total rate (API_RATE orders/s, default
 * 2000, spread evenly over the programs; a place every tick, a cancel of its oldest resting order every
 * other tick) for API_SECONDS (default 10), while each consumes the stream (book of security 1, trades,
 * its executions). The server (createApp with the stream, persister) runs in this process; the programs
 * in a child process (same file, `--programs` mode). Per-key and per-round rate limits are lifted.
 *
 * Measured: REST latency of each place (client round trip, ms), and stream lag = when a program receives
 * its `accepted` execution minus the event's engine ts (same machine clock). Orders sent late because
 * the client fell behind still count from their scheduled time (open loop: no coordinated omission).
 * Last line: {"programs","ordersPerSec","p50Ms","p99Ms","streamLagP99Ms"}.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Redis } from "iovalkey";
import { WebSocket } from "ws";
import { createApp } from "../src/app.ts";
import { createLogger, loadConfig } from "../src/config.ts";
import { createDb, createPool } from "../src/persistence/db.ts";
import { migrate } from "../src/persistence/migrate.ts";
import { Persister } from "../src/persistence/persister.ts";

const PROGRAMS = Number(process.env.API_PROGRAMS ?? 50);
const RATE = Number(process.env.API_RATE ?? 2000);
const SECONDS = Number(process.env.API_SECONDS ?? 10);

const out = (line: string) => process.stdout.write(`${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

interface Tally {
  placed: number;
  rejected: number;
  cancels: number;
  errors: number;
  latencies: number[];
  lags: number[];
}

/** Requests one program keeps in flight; beyond it the program falls behind its schedule (counted in the latency). */
const MAX_INFLIGHT = 8;

/** One program: stream + open-loop REST orders at `perSec` until `until`. */
async function program(
  base: string,
  key: string,
  perSec: number,
  until: number,
  seed: number,
  t: Tally,
): Promise<void> {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === "execution" && m.kind === "accepted") t.lags.push(Date.now() - m.ts);
  });
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  for (const m of [{ channel: "book", securityId: 1 }, { channel: "trades" }, { channel: "executions" }])
    ws.send(JSON.stringify({ op: "subscribe", ...m }));
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  const resting: string[] = [];
  const interval = 1000 / perSec;
  const inflight: Promise<void>[] = [];
  for (let i = 0, next = performance.now(); next < until; i++, next += interval) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const scheduled = next;
    const side = rnd() < 0.5 ? "buy" : "sell";
    const price = 100 + Math.floor(rnd() * 9) - (side === "buy" ? 5 : 3);
    inflight.push(
      fetch(`${base}/api/v1/orders`, {
        method: "POST",
        headers,
        body: JSON.stringify({ securityId: 1, side, price, qty: 1 }),
      })
        .then(async (res) => {
          const body = (await res.json()) as { id?: string; order?: { restingQty: number } };
          t.latencies.push(performance.now() - scheduled);
          if (res.status === 201) {
            t.placed++;
            if (body.order!.restingQty > 0) resting.push(body.id!);
          } else t.rejected++;
        })
        .catch(() => {
          t.errors++;
        }),
    );
    if (i % 2 === 1 && resting.length) {
      const id = resting.shift()!;
      inflight.push(
        fetch(`${base}/api/v1/orders/${id}`, { method: "DELETE", headers })
          .then(async (res) => {
            await res.arrayBuffer();
            t.cancels++;
          })
          .catch(() => {
            t.errors++;
          }),
      );
    }
    if (inflight.length >= MAX_INFLIGHT) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  ws.close();
}

/** Child mode: run the programs, print one JSON line with the tally. */
async function programs(base: string, keys: string[]): Promise<void> {
  const t: Tally = { placed: 0, rejected: 0, cancels: 0, errors: 0, latencies: [], lags: [] };
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(keys.map((k, i) => program(base, k, RATE / keys.length, until, i + 1, t)));
  const secs = (performance.now() - started) / 1000;
  t.latencies.sort((a, b) => a - b);
  t.lags.sort((a, b) => a - b);
  out(
    JSON.stringify({
      placed: t.placed,
      rejected: t.rejected,
      cancels: t.cancels,
      errors: t.errors,
      secs,
      p50Ms: percentile(t.latencies, 50),
      p99Ms: percentile(t.latencies, 99),
      lagP50: percentile(t.lags, 50),
      lagP99: percentile(t.lags, 99),
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === "--programs") return programs(process.argv[3]!, process.argv.slice(4));
  process.env.API_KEY_RATE_LIMIT = "1000000";
  const valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379");
  const pool = createPool(process.env.DATABASE_URL, 4);
  await migrate(pool);
  const db = createDb(pool);
  const persister = new Persister(valkey, db, {});
  persister.start().catch(() => {});
  const app = await createApp({
    config: { ...loadConfig({}), adminToken: "b".repeat(40) },
    log: createLogger("warn"),
    valkey,
    db,
    persister,
  });
  const port = await freePort();
  await app.server.listen(port);
  const base = `http://127.0.0.1:${port}`;
  const admin = { authorization: `Bearer ${"b".repeat(40)}`, "content-type": "application/json" };
  const create = await fetch(`${base}/api/games`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({
      name: "api bench",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 1_000_000_000, holdings: [{ securityId: 1, qty: 1_000_000 }] },
      rules: { orderRateLimit: null },
    }),
  });
  const game = (await create.json()) as { gameId: string; joinCode: string };
  await fetch(`${base}/api/games/${game.gameId}/start`, { method: "POST", headers: admin });
  const keys: string[] = [];
  for (let i = 0; i < PROGRAMS; i++) {
    const j = (await (
      await fetch(`${base}/api/join`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: game.joinCode, name: `prog ${i + 1}` }),
      })
    ).json()) as { token: string };
    const k = (await (
      await fetch(`${base}/api/v1/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${j.token}`, "content-type": "application/json" },
        body: "{}",
      })
    ).json()) as { key: string };
    keys.push(k.key);
  }
  out(
    `api bench: ${PROGRAMS} programs, ${RATE} orders/s open loop for ${SECONDS} s (places; cancels on every other tick)`,
  );
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--programs", base, ...keys],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let text = "";
  child.stdout!.on("data", (d) => {
    text += d;
  });
  await new Promise((r) => child.once("exit", r));
  const r = JSON.parse(text.trim().split("\n").at(-1)!);
  out(
    `placed ${r.placed}, rejected ${r.rejected}, cancels ${r.cancels}, failed requests ${r.errors} in ${r.secs.toFixed(1)} s; REST p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms; stream lag p50 ${r.lagP50} ms, p99 ${r.lagP99} ms`,
  );
  await app.service.shutdown();
  await persister.stop();
  out(
    JSON.stringify({
      programs: PROGRAMS,
      ordersPerSec: Math.round(r.placed / r.secs),
      p50Ms: Math.round(r.p50Ms * 10) / 10,
      p99Ms: Math.round(r.p99Ms * 10) / 10,
      streamLagP99Ms: r.lagP99,
    }),
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
