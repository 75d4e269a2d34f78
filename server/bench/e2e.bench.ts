/**
 * End-to-end benchmark (`npm run bench:e2e`, issue 13): the server measured by its own CPU, not by
 * what the load generator manages to do.
 *
 * Processes (each its own, so /proc tells their CPU apart; VALKEY_URL / DATABASE_URL are the private
 * services `npm run bench` starts):
 *   - the server: `server/src/main.ts` on a free port, with the flags `npm start` gives it
 *     (scripts/lib/node-flags.mjs) (plus the persister process when the server
 *     does not run one itself: PERSISTER_ENTRY below);
 *   - the load generator (e2e/load.ts): E2E_LIGHT light clients (default 190) that speak the room
 *     protocol without decoding patches, open-loop paced at each rate of E2E_RATES (default
 *     1000,2000,5000,10000,15000 commands/s) for E2E_STEP_SECONDS (default 8) each, latency from the
 *     intended send time, after a warm-up at the first rate for E2E_WARMUP_SECONDS (default 5; 0 = none),
 *     reported on its own line and not in the table (from cold, the server's first seconds ran in V8's
 *     interpreter and cost it about 1.7 times the CPU per command: docs/throughput.md "Stop 23");
 *   - the watchers (e2e/watchers.ts): E2E_SDK full SDK clients (default 10) that decode every patch,
 *     to check that state keeps arriving.
 * One game, one security, every client a player (E2E_LIGHT + E2E_SDK, default 200 in all); no order
 * rate limit in the round, the default per-connection message cap (200/s) stays on.
 *
 * Per rate, CPU per command from /proc/<pid>/stat (all threads) of the server, the persister (when
 * separate) and every PostgreSQL process but the backend of the bench's own lag probe, and Valkey's main
 * thread (/proc/<pid>/schedstat). Per command acknowledged in the step, except the persister's and
 * PostgreSQL's: per order stored in the step's window (rows of `orders`; the column pg_orders), since a
 * server or persister that falls behind stores the step's orders after it. Before the
 * steps, everybody connected and idle: the server's CPU per patch tick (20 ticks/s, Colyseus' default
 * patch rate). The persister lag is sampled every 100 ms: how long after Valkey's game:{g}:seq reached
 * a value PostgreSQL's events table reached it too. The server's event-loop delay per step (p99 and max,
 * ms; e2e/loop-delay.mjs, preloaded): how long a message arriving at a bad moment waits for the loop.
 *
 * Also per step: the load generator's CPU per command (gen_us) and the cores all the measured processes
 * used together (cores: server, persister, Valkey, PostgreSQL and generator CPU over the step's wall
 * time; the watchers are not in it), against the machine's two.
 *
 * E2E_FLOOR=1: the same generator, clients and load against e2e/floor-server.ts instead of the game
 * server (a Colyseus room with no game that answers every command at once; no persister, no watchers,
 * every client a light one). What it holds is the floor: the p99 and CPU this machine, Node, ws and
 * Colyseus allow before any of the game's work (docs/throughput.md "Stop 28").
 *
 * A rate is HELD when p99 <= 10 ms, every command was answered within 1 s of the step's end, and the
 * generator itself sent on time (behind <= 50 ms). Prints a table and, as its last line:
 * {"clients","maxOrdersPerSec","p50MsAt5k","p99MsAt5k","serverUsPerOrder","valkeyUsPerOrder",
 *  "persisterUsPerOrder","pgUsPerOrder","persistLagMs","serverUsPerTick", "loadAvg", "serverLoopP99Ms",
 *  "serverLoopMaxMs","generatorUsPerOrder","coresAt5k","floor"}
 * where the per-order CPU figures and the lag are those of the 5,000/s step (or the highest step
 * run, if it stopped earlier), persisterUsPerOrder is null when the persister runs in the server, and
 * pgUsPerOrder is null for the floor.
 * Targets (issue 13): maxOrdersPerSec >= 10,000, p99MsAt5k <= 10, serverUsPerOrder <= 150,
 * persistLagMs <= 1,000.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "iovalkey";
import pg from "pg";
import { BENCH_HELPER_NODE_FLAGS, GAME_SERVER_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";
import { node } from "./spawn-node.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LIGHT = Number(process.env.E2E_LIGHT ?? 190);
const SDK = Number(process.env.E2E_SDK ?? 10);
const RATES = (process.env.E2E_RATES ?? "1000,2000,5000,10000,15000").split(",").map(Number);
const STEP_SECONDS = Number(process.env.E2E_STEP_SECONDS ?? 8);
const IDLE_SECONDS = Number(process.env.E2E_IDLE_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.E2E_WARMUP_SECONDS ?? 5);
/** E2E_FLOOR=1: the same clients and load against e2e/floor-server.ts (no game; see its header). */
const FLOOR = process.env.E2E_FLOOR === "1";
const PATCH_TICKS_PER_SEC = 20;
const ADMIN = randomBytes(24).toString("hex");
/** The persister's own entry point, when the server does not run it in-process. */
const PERSISTER_ENTRY = ["server/src/persister-main.ts", "server/src/persistence/main.ts"]
  .map((p) => join(ROOT, p))
  .find(existsSync);

const out = (line: string) => process.stdout.write(`${line}\n`);
const r1 = (x: number) => Number(x.toFixed(1));

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

/** CPU time of a process, all threads (utime + stime), ms; 0 when it is gone. */
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // fields 14, 15; USER_HZ = 100
  } catch {
    return 0;
  }
}

/** Main-thread CPU time from /proc/<pid>/schedstat, ms (Valkey executes commands on its main thread). */
function schedCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return 0;
  }
}

/** The postmaster and its children (backends, walwriter, checkpointer...). */
function pgPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) pids.push(Number(d));
    } catch {
      /* exited */
    }
  }
  return pids;
}

async function http<T>(base: string, path: string, body?: unknown, token = ADMIN): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Waits until `check` resolves true (polling), or throws after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await check().catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith("the server exited")) throw err;
      return false;
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The CPU readings of every measured process at one moment. */
interface Cpu {
  server: number;
  /** The load generator (all threads). */
  gen: number;
  persister: number;
  valkey: number;
  pg: number;
  t: number;
}

interface Step {
  rate: number;
  seconds: number;
  sent: number;
  acked: number;
  rejected: number;
  behindMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  unansweredAfter1s: number;
  /** The load generator's own event-loop delay over the step, ms (load.ts). */
  genLoopP99Ms: number;
  genLoopMaxMs: number;
  /** Rejections by code (load.ts). */
  codes?: Record<string, number>;
}

/** Creates and starts the bench's game (one security, no bots, no order rate limit); a token per client. */
/** Cores the measured processes used together between two readings (CPU ms over wall ms). */
function coresBetween(from: Cpu, to: Cpu): number {
  const cpu = (["server", "persister", "valkey", "pg", "gen"] as const).reduce((sum, k) => sum + to[k] - from[k], 0);
  return Number((cpu / (to.t - from.t)).toFixed(2));
}

async function createGame(base: string): Promise<{ gameId: string; tokens: string[] }> {
  const game = await http<{ gameId: string; joinCode: string }>(base, "/api/games", {
    name: "e2e bench",
    securities: [
      {
        securityId: 1,
        symbol: "BENCH",
        refPrice: 100,
        tickSize: "0.01",
        lotSize: 1,
        scale: 1,
        bandLow: 1,
        bandHigh: 1_000_000_000,
        shortLimit: 0,
        positionLimit: 0,
        maxOrderQty: 0,
        takerFee: 0,
        makerRebate: 0,
        limitWeight: 1,
      },
    ],
    endowment: { cash: 1_000_000_000, holdings: [{ securityId: 1, qty: 1_000_000 }] },
    bots: [],
    allowObservers: true,
    rules: { orderRateLimit: null }, // the default per-player limit (50/s) would refuse the catch-up bursts of a server that fell behind
  });
  await http(base, `/api/games/${game.gameId}/start`, {});
  const tokens: string[] = [];
  for (let i = 0; i < LIGHT + SDK; i++) {
    tokens.push(
      (await http<{ token: string }>(base, "/api/join", { code: game.joinCode, name: `trader ${i + 1}` })).token,
    );
  }
  return { gameId: game.gameId, tokens };
}

async function main(): Promise<void> {
  const valkeyUrl = process.env.VALKEY_URL ?? "redis://127.0.0.1:6379";
  const valkey = new Redis(valkeyUrl);
  // one connection for the bench's own queries (the lag probe), so its backend can be left out of
  // PostgreSQL's CPU: it is the bench's load, not the server's or the persister's
  const probe = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await probe.connect();
  const probeBackend = (await probe.query<{ p: number }>("SELECT pg_backend_pid() AS p")).rows[0]!.p;
  const valkeyPid = Number(/process_id:(\d+)/.exec(await valkey.info("server"))![1]);
  const dataDir = (await probe.query<{ data_directory: string }>("SHOW data_directory")).rows[0]!.data_directory;
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: "warn",
    JOIN_RATE_LIMIT: "0",
  };
  const children: ChildProcess[] = [];
  // E2E_PROFILE=<dir>: the server writes a V8 CPU profile there when it exits
  const prof = process.env.E2E_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.E2E_PROFILE}`] : [];
  // E2E_SERVER_FLAGS="--max-semi-space-size=32 ...": extra node flags for the server (experiments);
  // E2E_HEAP=<file> / E2E_HEAP_SNAPSHOT=<file>: heap figures of the server's step (e2e/heap-sampler.mjs)
  const extra = (process.env.E2E_SERVER_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const heap = !!(process.env.E2E_HEAP || process.env.E2E_HEAP_SNAPSHOT);
  if (heap) extra.push("--import", join(ROOT, "server/bench/e2e/heap-sampler.mjs"));
  // the server's event-loop delay per step (e2e/loop-delay.mjs): its lines, by signal number
  extra.push("--import", join(ROOT, "server/bench/e2e/loop-delay.mjs"));
  const loops = new Map<number, { p99Ms: number; maxMs: number }>();
  let signals = 0;
  const onServerLine = (l: string) => {
    if (!l.startsWith('{"e2eLoop"')) return out(`[server] ${l}`);
    const m = JSON.parse(l) as { e2eLoop: number; p99Ms: number; maxMs: number };
    loops.set(m.e2eLoop, m);
  };
  const serverEntry = FLOOR ? "server/bench/e2e/floor-server.ts" : "server/src/main.ts";
  const server = node(join(ROOT, serverEntry), ["--port", String(port)], env, onServerLine, [
    ...GAME_SERVER_NODE_FLAGS,
    ...prof,
    ...extra,
  ]);
  children.push(server);
  const persister =
    PERSISTER_ENTRY && !FLOOR
      ? node(PERSISTER_ENTRY, [], env, (l) => out(`[persister] ${l}`), BENCH_HELPER_NODE_FLAGS)
      : null;
  if (persister) children.push(persister);
  const stopAll = () => {
    for (const c of children) c.kill("SIGTERM");
  };
  const serverGone = new Promise((r) => server.once("exit", r));
  process.on("exit", stopAll);
  let serverExit: number | null = null;
  server.once("exit", (code) => {
    serverExit = code ?? -1;
  });
  await until("the server", 60_000, async () => {
    if (serverExit !== null) throw new Error(`the server exited with ${serverExit}`);
    return (await fetch(`${base}/health`)).status < 500;
  });

  const { gameId, tokens } = FLOOR
    ? { gameId: "floor", tokens: Array.from({ length: LIGHT + SDK }, (_, i) => `floor-${i + 1}`) }
    : await createGame(base);
  // the floor has no game state for SDK watchers to check: every client is a light one there
  const light = FLOOR ? LIGHT + SDK : LIGHT;
  const dir = mkdtempSync(join(tmpdir(), "mr-e2e-"));
  writeFileSync(join(dir, "watch.json"), JSON.stringify({ base, gameId, tokens: tokens.slice(light) }));
  writeFileSync(
    join(dir, "load.json"),
    JSON.stringify({
      base,
      gameId,
      tokens: tokens.slice(0, light),
      rates: RATES,
      stepSeconds: STEP_SECONDS,
      idleSeconds: IDLE_SECONDS,
      warmupSeconds: WARMUP_SECONDS,
    }),
  );
  if (FLOOR) out("e2e FLOOR: the same clients and load against e2e/floor-server.ts (Colyseus, no game, no services)");
  out(
    `e2e: ${light} light + ${LIGHT + SDK - light} SDK clients, one game (${gameId}), rates ${RATES.join(", ")}/s for ${STEP_SECONDS} s each ` +
      `after a warm-up of ${WARMUP_SECONDS} s at ${RATES[0]}/s; ` +
      `persister ${persister ? "in its own process" : "inside the server"}; load average ${loadavg()[0]!.toFixed(1)}`,
  );

  // watchers first, so they see the whole run
  type Watched = { clients: number; patches: number; minSeq: number; maxSeq: number; sawTrades: number };
  let watched: Watched | null = null;
  let watchersReady!: () => void;
  const watchersUp = new Promise<void>((r) => {
    watchersReady = r;
  });
  const watchers = FLOOR
    ? null
    : node(
        join(ROOT, "server/bench/e2e/watchers.ts"),
        [join(dir, "watch.json")],
        env,
        (l) => {
          const m = JSON.parse(l) as { event: string };
          if (m.event === "ready") watchersReady();
          if (m.event === "watched") watched = m as unknown as Watched;
        },
        BENCH_HELPER_NODE_FLAGS,
      );
  if (watchers) {
    children.push(watchers);
    await watchersUp;
  }

  // persister lag: (time Valkey reached seq s) -> time PostgreSQL reached s
  const seqKey = `game:{${gameId}}:seq`;
  const marks: { t: number; seq: number }[] = [];
  let lagMax = 0;
  let sampling = !FLOOR; // the floor stores nothing (no game, no tables)
  const sampler = (async () => {
    while (sampling) {
      const [vs, ps] = await Promise.all([
        valkey.get(seqKey),
        probe.query<{ s: string | null }>("SELECT max(seq) AS s FROM events WHERE game_id = $1", [gameId]),
      ]);
      const now = Date.now();
      marks.push({ t: now, seq: Number(vs ?? 0) });
      const inPg = Number(ps.rows[0]?.s ?? 0);
      while (marks.length > 0 && marks[0]!.seq <= inPg) lagMax = Math.max(lagMax, now - marks.shift()!.t);
      if (marks.length > 0) lagMax = Math.max(lagMax, now - marks[0]!.t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  let genPid = 0;
  const read = (): Cpu => ({
    server: procCpuMs(server.pid!),
    gen: genPid ? procCpuMs(genPid) : 0,
    persister: persister ? procCpuMs(persister.pid!) : 0,
    valkey: schedCpuMs(valkeyPid),
    pg: pgPids(postmaster)
      .filter((p) => p !== probeBackend)
      .reduce((s, p) => s + procCpuMs(p), 0),
    t: Date.now(),
  });
  let idleAt: Cpu | null = null;
  let idleUsPerTick = 0;
  let stepAt: Cpu | null = null;
  // PostgreSQL's CPU in a step's window is divided by the orders it stored in that window (rows of
  // `orders`), not by the orders acknowledged: when the server or the persister falls behind, the
  // acknowledged orders are stored after the window, and their cost would be missed (or, after a slow
  // step, a backlog's cost charged to the next one)
  const storedOrders = async () =>
    FLOOR
      ? 0
      : Number(
          (await probe.query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE game_id = $1", [gameId])).rows[0]!
            .n,
        );
  let storedAtStart: Promise<number> = Promise.resolve(0);
  const storedInStep: Promise<number>[] = [];
  const rows: (Step & {
    serverUs: number;
    genUs: number;
    /** Cores the measured processes used together over the step (server, persister, Valkey, PostgreSQL, generator). */
    cores: number;
    persisterUs: number;
    persisterMs: number;
    valkeyUs: number;
    pgMs: number;
    pgOrders: number;
    pgUs: number;
    lagMs: number;
    held: boolean;
    loopSignal: number;
    loopP99Ms: number | null;
    loopMaxMs: number | null;
  })[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const gen = node(
      join(ROOT, "server/bench/e2e/load.ts"),
      [join(dir, "load.json")],
      env,
      (l) => {
        const m = JSON.parse(l) as { event: string } & Step;
        // the monotonic clock V8's CPU profile times its samples with, to cut the profile into phases
        if (prof.length) out(`[mark] ${m.event} ${m.rate ?? ""} ${process.hrtime.bigint() / 1000n} us`);
        if (m.event === "step-start" || m.event === "step") {
          server.kill("SIGWINCH");
          signals++;
        }
        if (m.event === "warmup")
          out(
            `warm-up at ${m.rate}/s for ${m.seconds} s (not a step): acked ${m.acked}/${m.sent}, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, max ${m.maxMs} ms`,
          );
        else if (m.event === "idle-start") idleAt = read();
        else if (m.event === "idle-end") {
          const now = read();
          idleUsPerTick = ((now.server - idleAt!.server) * 1000) / (((now.t - idleAt!.t) / 1000) * PATCH_TICKS_PER_SEC);
        } else if (m.event === "step-start") {
          stepAt = read();
          storedAtStart = storedOrders();
          lagMax = 0;
        } else if (m.event === "step") {
          const now = read();
          const from = storedAtStart;
          storedInStep.push(storedOrders().then(async (to) => to - (await from)));
          const n = Math.max(1, m.acked);
          const held = m.p99Ms <= 10 && m.unansweredAfter1s === 0 && m.behindMs <= 50;
          rows.push({
            ...m,
            serverUs: r1(((now.server - stepAt!.server) * 1000) / n),
            genUs: r1(((now.gen - stepAt!.gen) * 1000) / n),
            cores: coresBetween(stepAt!, now),
            persisterUs: 0,
            persisterMs: now.persister - stepAt!.persister,
            valkeyUs: r1(((now.valkey - stepAt!.valkey) * 1000) / n),
            pgMs: now.pg - stepAt!.pg,
            pgOrders: 0,
            pgUs: 0,
            lagMs: lagMax,
            held,
            loopSignal: signals,
            loopP99Ms: null,
            loopMaxMs: null,
          });
          out(
            `rate ${m.rate}/s: acked ${m.acked}/${m.sent}, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${held ? "held" : "NOT held"}; ` +
              `the generator's own loop delay p99 ${m.genLoopP99Ms} ms, max ${m.genLoopMaxMs} ms` +
              (m.rejected ? `, rejected ${JSON.stringify(m.codes ?? {})}` : ""),
          );
        } else if (m.event === "done") resolve();
      },
      BENCH_HELPER_NODE_FLAGS,
    );
    genPid = gen.pid!;
    children.push(gen);
    gen.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
  await done;
  for (const [i, r] of rows.entries()) {
    r.pgOrders = await storedInStep[i]!;
    r.pgUs = r1((r.pgMs * 1000) / Math.max(1, r.pgOrders));
    r.persisterUs = r1((r.persisterMs * 1000) / Math.max(1, r.pgOrders));
  }
  await until("the server's loop delay figures", 10_000, async () => rows.every((r) => loops.has(r.loopSignal)));
  for (const r of rows) {
    r.loopP99Ms = loops.get(r.loopSignal)!.p99Ms;
    r.loopMaxMs = loops.get(r.loopSignal)!.maxMs;
  }
  await new Promise((r) => setTimeout(r, 1000));
  if (watchers) {
    watchers.stdin!.write("stop\n");
    await until("the watchers' report", 30_000, async () => watched !== null);
  }
  const finalSeq = Number(await valkey.get(seqKey));
  if (!FLOOR)
    await until(
      "PostgreSQL to hold the whole log",
      120_000,
      async () =>
        Number(
          (await probe.query<{ s: string | null }>("SELECT max(seq) AS s FROM events WHERE game_id = $1", [gameId]))
            .rows[0]?.s ?? 0,
        ) >= finalSeq,
    );
  sampling = false;
  await sampler;

  out("");
  out(
    "rate/s   acked   rejected  p50ms   p99ms    maxms    held  server_us  persister_us  valkey_us  pg_us  pg_orders  lag_ms  loop_p99ms  loop_maxms  gen_us  cores",
  );
  for (const r of rows) {
    out(
      `${String(r.rate).padEnd(9)}${String(r.acked).padEnd(8)}${String(r.rejected).padEnd(10)}${String(r.p50Ms).padEnd(8)}${String(r.p99Ms).padEnd(9)}` +
        `${String(r.maxMs).padEnd(9)}${(r.held ? "yes" : "no").padEnd(6)}${String(r.serverUs).padEnd(11)}${String(persister ? r.persisterUs : "-").padEnd(14)}` +
        `${String(r.valkeyUs).padEnd(11)}${String(FLOOR ? "-" : r.pgUs).padEnd(7)}${String(r.pgOrders).padEnd(11)}${String(r.lagMs).padEnd(8)}` +
        `${String(r.loopP99Ms).padEnd(12)}${String(r.loopMaxMs).padEnd(12)}${String(r.genUs).padEnd(8)}${r.cores}`,
    );
  }
  out(`server CPU per patch tick with ${LIGHT + SDK} clients connected and idle: ${r1(idleUsPerTick)} us`);
  const w = watched as Watched | null;
  if (w)
    out(
      `watchers: ${w.clients} SDK clients decoded ${w.patches} state changes; their state's seq ${w.minSeq}..${w.maxSeq} of ${finalSeq}; ` +
        `${w.sawTrades} saw trades`,
    );
  const at5k = rows.find((r) => r.rate === 5000) ?? rows[rows.length - 1]!;
  const held = rows.filter((r) => r.held).map((r) => r.rate);
  const result = {
    clients: LIGHT + SDK,
    maxOrdersPerSec: held.length ? Math.max(...held) : 0,
    p50MsAt5k: at5k.p50Ms,
    p99MsAt5k: at5k.p99Ms,
    serverUsPerOrder: at5k.serverUs,
    valkeyUsPerOrder: at5k.valkeyUs,
    persisterUsPerOrder: persister ? at5k.persisterUs : null,
    pgUsPerOrder: FLOOR ? null : at5k.pgUs,
    persistLagMs: at5k.lagMs,
    serverUsPerTick: r1(idleUsPerTick),
    loadAvg: r1(loadavg()[0]!),
    serverLoopP99Ms: at5k.loopP99Ms,
    serverLoopMaxMs: at5k.loopMaxMs,
    generatorUsPerOrder: at5k.genUs,
    coresAt5k: at5k.cores,
    floor: FLOOR,
  };
  stopAll();
  await serverGone;
  await valkey.quit();
  await probe.end();
  out(JSON.stringify(result));
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`e2e bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
