/**
 * API for programs benchmark (`npm run bench:api`, issue 14): API_PROGRAMS programs (default 50), each
 * with its own API key, place and cancel orders over REST, open-loop at a fixed total rate, while each
 * consumes the stream (book of security 1, trades, its executions).
 *
 * Processes (each its own, so /proc tells their CPU apart; VALKEY_URL / DATABASE_URL are the private
 * services `npm run bench` starts):
 *   - the server: `server/src/main.ts` on a free port, as `npm start` runs it (per-key and join rate
 *     limits lifted, no order rate limit in the round), and the persister process beside it;
 *   - the programs (this file in `--programs` mode): API_RATE order requests per second in total
 *     (default 2000) for API_WARMUP_SECONDS (default 5) and then API_SECONDS (default 10, the measured
 *     window), spread evenly over the programs. A program's requests
 *     alternate: a place (limit, qty 1, price around 100), then a cancel of its oldest resting order (a
 *     place when it has none). "Orders" below are these requests, places and cancels alike.
 *
 * Measured:
 *   - latency of every order request from its INTENDED send time (the schedule) to the reply's arrival,
 *     so a program that falls behind pays for it (open loop, no coordinated omission);
 *   - stream lag: arrival of the order's `accepted` execution on the program's stream minus the event's
 *     engine ts (one machine clock);
 *   - CPU per order over the load window from /proc/<pid>/stat (all threads) of the server and the
 *     persister, and Valkey's main thread (/proc/<pid>/schedstat): µs per order request. These stay
 *     meaningful on a busy machine; wall-clock latency does not, hence the load average beside it. The
 *     processes' idle CPU (IDLE_MS before the load, streams not yet open) is subtracted.
 * API_SOCKETS: keep-alive connections per program (8), opened before the load (API_PRECONNECT=0: at its start).
 * API_SUBSCRIBE: the channels each program subscribes to (default book,trades,executions; "" = none).
 * API_PROFILE=<dir>: the server writes a V8 CPU profile there when it exits (API_PROFILE_PROGRAMS=<dir>: the
 * programs' process does).
 * API_PRACTICE_SECONDS / API_PRACTICE_IDLE_SECONDS: a practice round first (see PRACTICE_SECONDS).
 * API_SERVER_FLAGS="--flag ...": extra node flags for the server (experiments).
 * API_BASELINE=1: the same programs (REST alone, no stream) against a bare node:http server that answers
 * every order request at once with a canned reply: Node's own HTTP cost per request on this machine at
 * this moment, the floor to read `serverUsPerOrder` against on a busy machine (docs/api-benchmark.md).
 *
 * Last line: {"programs","ordersPerSec","unsent","failed","shed","p50Ms","p99Ms","p99SentMs","streamLagP99Ms","serverUsPerOrder",
 * "serverSysUsPerOrder","persisterUsPerOrder","valkeyUsPerOrder","programsUsPerOrder","serverIdlePct",
 * "serverRunqWaitPct","programsRunqWaitPct","warmupSeconds","practiceSeconds","practiceIdleSeconds",
 * "firstSecondP99Ms","coldP99Ms","coldStreamLagP99Ms","hostSpeedPct","loadAvg"}: the figures of the API_SECONDS after the
 * warm-up (WARMUP_SECONDS), the p99 of the load's first second (the warm-up's first, if there is one),
 * and the warm-up's own p99 and stream lag p99 (cold*); ordersPerSec = answered order requests per second
 * from the schedule's start to the last answer; unsent > 0 means the programs gave up (GRACE_MS); failed = no HTTP
 * reply (a reset connection, a timeout); shed = requests the server refused with 503 UNAVAILABLE because it had
 * API_MAX_INFLIGHT in the works (not orders: not in ordersPerSec nor the latencies; their CPU is in the per-order
 * figures); p99SentMs = p99 counted from when each request was written to its connection instead of its
 * intended time (the server's part of the wait, without the programs falling behind or waiting for a
 * connection); serverRunqWaitPct / programsRunqWaitPct = share of the window the server's / the programs'
 * event loop was runnable but had no core (runqWaitMs: a machine short of cores); hostSpeedPct = [before,
 * after] the load, the slower CPU's speed in percent (host-speed.ts: about 70-95 at full speed, about 50
 * in one of the host's slow spells, which inflate every figure of the run). The human-readable line
 * adds the latency by second of the schedule (bySecond) and that of requests on connections opened for
 * them. Targets (issue 14), at 2,000 orders/s: p99 <= 20 ms, stream lag p99 <= 50 ms.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Redis } from "iovalkey";
import { hostSpeed } from "./host-speed.ts";
import { RawHttpClient, RawStream, type RawReply } from "./raw-http.ts";
import { BENCH_HELPER_NODE_FLAGS, GAME_SERVER_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";
import { node } from "./spawn-node.ts";

const PROGRAMS = Number(process.env.API_PROGRAMS ?? 50);
const RATE = Number(process.env.API_RATE ?? 2000);
const SECONDS = Number(process.env.API_SECONDS ?? 10);
/**
 * Seconds the programs run the same load before the measured window (API_WARMUP_SECONDS, default 5;
 * 0 = measure from a cold server). A server process just started runs its code in V8's interpreter
 * until the hot paths are compiled: from cold, bench:api's first two seconds at 2,000/s cost the
 * server about twice the CPU per request of later ones and built a backlog that took two more seconds
 * to drain (docs/api-benchmark.md "Stop 23"). The measured window is the steady state a competition's
 * server is in; the warm-up's own latencies are reported beside it (`coldP99Ms`), not hidden.
 */
const WARMUP_SECONDS = Number(process.env.API_WARMUP_SECONDS ?? 5);
/**
 * A practice round before the measured one (API_PRACTICE_SECONDS, default 0 = none): the same programs
 * and load on a game of its own for that long, then API_PRACTICE_IDLE_SECONDS (default 0) with no load,
 * then the measured run on a new game with new keys. With API_WARMUP_SECONDS=0 this measures a
 * competition's opening seconds after a practice round on the same server process (docs/algo-trading.md
 * "Before a competition round").
 */
const PRACTICE_SECONDS = Number(process.env.API_PRACTICE_SECONDS ?? 0);
const PRACTICE_IDLE_SECONDS = Number(process.env.API_PRACTICE_IDLE_SECONDS ?? 0);
/** Stream channels each program subscribes to (API_SUBSCRIBE="" for none: REST alone, for comparison). */
const BASELINE = process.env.API_BASELINE === "1";
const SUBSCRIBE = BASELINE ? [] : (process.env.API_SUBSCRIBE ?? "book,trades,executions").split(",").filter(Boolean);
const ADMIN = randomBytes(24).toString("hex");
/** Requests one program keeps in flight at most; past it, it waits (and the wait counts in the latency). */
const MAX_INFLIGHT = 64;
/**
 * Keep-alive connections one program opens at most (API_SOCKETS, default 8; a browser opens 6 per
 * server); requests past them wait in the program for a free one (and the wait counts in the latency).
 * API_SOCKETS=64 gives every request in flight a connection of its own: a storm of new connections when
 * the server falls behind, which a busy Node 20 server accepts one per event-loop turn
 * (docs/algo-trading.md "Overload").
 */
const SOCKETS = Number(process.env.API_SOCKETS ?? 8);
/**
 * Each program opens its API_SOCKETS connections before the load starts (while its stream opens), as a
 * program that connects before it trades does. API_PRECONNECT=0: it opens them as its first requests go
 * out, at the load's start, where the busy server accepts one per event-loop turn: those 400 requests
 * waited seconds and were the p99 (docs/api-benchmark.md "Stop 19").
 */
const PRECONNECT = process.env.API_PRECONNECT !== "0";
/**
 * A program that is still sending this long after the schedule ended (the server cannot keep up) stops:
 * what it had left is counted as `unsent`, and the rate was not held. A request unanswered after
 * REQUEST_TIMEOUT_MS counts as failed.
 */
const GRACE_MS = 10_000;
/** How long the idle processes are measured before the load, ms. */
const IDLE_MS = 3000;
const REQUEST_TIMEOUT_MS = 30_000;

const out = (line: string) => process.stdout.write(`${line}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;

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

/** CPU time of a process, all threads (utime + stime), ms; `sys` = stime alone (system calls: socket writes...). */
function procCpuMs(pid: number, part: "all" | "sys" = "all"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = part === "sys" ? Number(f[12]) : Number(f[11]) + Number(f[12]); // fields 14, 15; USER_HZ = 100
  return (ticks * 1000) / 100;
}

/** Valkey's command counts by command (INFO commandstats), to report the commands an order costs. */
async function valkeyCalls(valkey: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await valkey.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(m[1]!, Number(m[2]));
  return calls;
}

/** Main-thread CPU time from /proc/<pid>/schedstat, ms (Valkey executes commands on its main thread). */
function schedCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
}

/**
 * Time the main thread of `pid` spent runnable but waiting for a core (/proc/<pid>/schedstat, second
 * field), ms: a Node process's event loop is its main thread, so this is how long it had work and no
 * CPU. Per second of the load window it tells a tail made by a machine short of cores (the server and
 * the programs waiting their turn) from one the process makes itself (long turns, a queue it holds).
 */
function runqWaitMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

interface Tally {
  placed: number;
  cancelled: number;
  rejected: number;
  errors: number;
  /** Requests the server shed (503 UNAVAILABLE): no order was placed or cancelled. */
  shed: number;
  unsent: number;
  /** Refusals by code. */
  codes: Record<string, number>;
  latencies: number[];
  /** Latency of the same requests from when they were written to a connection (the server's side), ms. */
  sentLatencies: number[];
  lags: number[];
  /** Latency from the write of the requests that went on a connection opened for them, ms. */
  freshSentLatencies: number[];
  /** [second of the schedule, latency ms, latency from the write ms] of each answered order request. */
  timeline: [number, number, number][];
  /** [second of the schedule at its arrival, lag ms] of each accepted execution on the streams. */
  lagTimeline: [number, number][];
}

/** An empty tally. */
function newTally(): Tally {
  return {
    placed: 0,
    cancelled: 0,
    rejected: 0,
    errors: 0,
    shed: 0,
    unsent: 0,
    codes: {},
    latencies: [],
    sentLatencies: [],
    lags: [],
    freshSentLatencies: [],
    timeline: [],
    lagTimeline: [],
  };
}

/**
 * Where a program's figures go: requests due before `start` (the warm-up) into `cold`, the rest into
 * `t`; seconds of the timelines count from `start` (negative in the warm-up).
 */
interface Tallies {
  t: Tally;
  cold: Tally;
  start: number;
}
const tallyAt = (w: Tallies, at: number) => (at < w.start ? w.cold : w.t);

/**
 * A program's stream, subscribed to SUBSCRIBE; records the lag of its orders' accepted executions. Read
 * with raw-http.ts' RawStream, which looks only at the frames that contain `"accepted"`: the other frames
 * (every book update and trade of the game, for each of the 50 programs) cost the programs' process
 * next to nothing, so it takes less of the CPU the server needs.
 */
async function openStream(base: string, key: string, w: Tallies): Promise<RawStream> {
  const url = new URL(base);
  const ws = new RawStream(
    url.hostname,
    Number(url.port),
    "/api/v1/stream",
    { authorization: `Bearer ${key}` },
    '"accepted"',
    (data, start, end) => {
      const m = JSON.parse(data.toString("utf8", start, end));
      if (m.type !== "execution" || m.kind !== "accepted") return;
      const now = performance.now();
      const lag = Date.now() - m.ts;
      const t = tallyAt(w, now);
      t.lags.push(lag);
      t.lagTimeline.push([Math.floor((now - w.start) / 1000), lag]);
    },
  );
  await ws.opened;
  for (const channel of SUBSCRIBE) ws.send(JSON.stringify({ op: "subscribe", channel, securityId: 1 }));
  return ws;
}

/**
 * A reply of the server's load shedding (503 UNAVAILABLE with Retry-After: docs/algo-trading.md
 * "Overload"): counted as `shed`, not as an order. True when `res` is one.
 */
function shed(res: RawReply, t: Tally): boolean {
  if (res.status !== 503) return false;
  t.shed++;
  const code = `shed:${(JSON.parse(res.text) as { code?: string }).code}`;
  t.codes[code] = (t.codes[code] ?? 0) + 1;
  return true;
}

/**
 * One program: its stream, then open-loop order requests at `perSec` from `from` until `until`, each
 * counted in the tally of its due time (`tallyAt`: the warm-up's or the measured window's).
 */
async function program(
  base: string,
  key: string,
  perSec: number,
  from: number,
  until: number,
  seed: number,
  w: Tallies,
) {
  const ws = SUBSCRIBE.length === 0 ? null : await openStream(base, key, w);
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  // Its own keep-alive connections (raw-http.ts: a fraction of fetch's CPU per request, so the programs'
  // process takes less of the CPU the server needs).
  const url = new URL(base);
  const client = new RawHttpClient(url.hostname, Number(url.port), SOCKETS, REQUEST_TIMEOUT_MS);
  if (PRECONNECT) await client.preconnect(SOCKETS);
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  const resting: string[] = [];
  const interval = 1000 / perSec;
  const inflight = new Set<Promise<void>>();
  // `req` resolves with the reply of an order request, null for one the server shed (503): not an order,
  // so not in the latencies.
  const timed = (scheduled: number, t: Tally, req: Promise<RawReply | null>) => {
    const p = req
      .then((order) => {
        if (!order) return;
        const now = performance.now();
        t.latencies.push(now - scheduled);
        t.sentLatencies.push(now - order.writtenAt);
        if (order.fresh) t.freshSentLatencies.push(now - order.writtenAt);
        t.timeline.push([Math.floor((scheduled - w.start) / 1000), now - scheduled, now - order.writtenAt]);
      })
      .catch((err: Error & { code?: string }) => {
        t.errors++;
        if (t.errors <= 5) process.stderr.write(`[programs] request failed: ${err.code} ${err.message}\n`);
        const why = `failed:${err.code ?? err.name}`;
        t.codes[why] = (t.codes[why] ?? 0) + 1;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // Programs start staggered over one interval, so the total rate is even.
  for (let i = 0, next = from + (seed % PROGRAMS) * (interval / PROGRAMS); next < until; i++, next += interval) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= MAX_INFLIGHT) await Promise.race(inflight);
    if (performance.now() > until + GRACE_MS) {
      w.t.unsent += Math.ceil((until - Math.max(next, w.start)) / interval);
      break;
    }
    const scheduled = next;
    const t = tallyAt(w, scheduled);
    if (i % 2 === 1 && resting.length) {
      const id = resting.shift()!;
      timed(
        scheduled,
        t,
        client.request("DELETE", `/api/v1/orders/${id}`, headers).then((res) => {
          if (shed(res, t)) {
            resting.push(id); // still resting: cancelled later
            return null;
          }
          if (res.status === 200) t.cancelled++;
          else t.rejected++; // already filled
          return res;
        }),
      );
      continue;
    }
    const side = rnd() < 0.5 ? "buy" : "sell";
    const price = 100 + Math.floor(rnd() * 9) - (side === "buy" ? 5 : 3);
    timed(
      scheduled,
      t,
      client
        .request("POST", "/api/v1/orders", headers, JSON.stringify({ securityId: 1, side, price, qty: 1 }))
        .then((res) => {
          if (shed(res, t)) return null;
          const body = JSON.parse(res.text) as { id?: string; order?: { restingQty: number } };
          if (res.status !== 201) {
            t.rejected++;
            const code = (body as { code?: string }).code ?? String(res.status);
            t.codes[code] = (t.codes[code] ?? 0) + 1;
            return res;
          }
          t.placed++;
          if (body.order!.restingQty > 0) resting.push(body.id!);
          return res;
        }),
    );
  }
  await Promise.all(inflight);
  client.destroy();
  ws?.close();
}

/** Child mode: run the programs; prints "start" when the load begins, then one JSON line with the tally. */
async function programs(base: string, keys: string[]): Promise<void> {
  const w: Tallies = { t: newTally(), cold: newTally(), start: performance.now() + 1000 + WARMUP_SECONDS * 1000 };
  const { t, cold } = w;
  const from = w.start - WARMUP_SECONDS * 1000; // streams open in the first second
  const until = w.start + SECONDS * 1000;
  const runs = keys.map((k, i) => program(base, k, RATE / keys.length, from, until, i + 1, w));
  setTimeout(() => out("start"), Math.max(0, w.start - performance.now()));
  await Promise.all(runs);
  const secs = (performance.now() - w.start) / 1000;
  cold.latencies.sort((a, b) => a - b);
  cold.lags.sort((a, b) => a - b);
  t.latencies.sort((a, b) => a - b);
  t.sentLatencies.sort((a, b) => a - b);
  t.lags.sort((a, b) => a - b);
  out(
    JSON.stringify({
      placed: t.placed,
      cancelled: t.cancelled,
      rejected: t.rejected,
      errors: t.errors,
      shed: t.shed,
      unsent: t.unsent,
      codes: t.codes,
      answered: t.latencies.length,
      secs,
      p50Ms: percentile(t.latencies, 50),
      p99Ms: percentile(t.latencies, 99),
      maxMs: t.latencies.at(-1) ?? 0,
      p99SentMs: percentile(t.sentLatencies, 99),
      lagP50: percentile(t.lags, 50),
      lagP99: percentile(t.lags, 99),
      bySecond: bySecond([...cold.timeline, ...t.timeline], [...cold.lagTimeline, ...t.lagTimeline]),
      cold: {
        answered: cold.latencies.length,
        shed: cold.shed,
        p50Ms: percentile(cold.latencies, 50),
        p99Ms: percentile(cold.latencies, 99),
        lagP99: percentile(cold.lags, 99),
      },
      fresh: t.freshSentLatencies.length,
      freshP50: percentile(
        t.freshSentLatencies.sort((a, b) => a - b),
        50,
      ),
      freshP99: percentile(t.freshSentLatencies, 99),
    }),
  );
}

/**
 * Latency by second of the schedule (when each request was due; negative in the warm-up): [second,
 * answered, p50, p99, p99 from the write, stream lag p99 of the executions that arrived in that second]
 * (ms, rounded). A tail that grows second by second is a queue the load outruns; one confined to a few
 * seconds is a stall (a long turn, a pause, a burst of new connections).
 */
function bySecond(timeline: [number, number, number][], lags: [number, number][]): number[][] {
  const buckets = new Map<number, { lat: number[]; sent: number[]; lag: number[] }>();
  const bucket = (sec: number) => {
    let b = buckets.get(sec);
    if (!b) buckets.set(sec, (b = { lat: [], sent: [], lag: [] }));
    return b;
  };
  for (const [sec, lat, sent] of timeline) {
    const b = bucket(sec);
    b.lat.push(lat);
    b.sent.push(sent);
  }
  for (const [sec, lag] of lags) bucket(sec).lag.push(lag);
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([sec, b]) => {
      for (const xs of [b.lat, b.sent, b.lag]) xs.sort((x, y) => x - y);
      return [
        sec,
        b.lat.length,
        Math.round(percentile(b.lat, 50)),
        Math.round(percentile(b.lat, 99)),
        Math.round(percentile(b.sent, 99)),
        Math.round(percentile(b.lag, 99)),
      ];
    });
}

/**
 * Child mode of API_BASELINE: a bare node:http server on `port` answering each order request at once as
 * the real one would (a place: 201 with a resting order; anything else: 200), with no work behind it.
 */
function bareServer(port: number): void {
  let seq = 0;
  // The game server's keep-alive (HTTP_KEEP_ALIVE_SEC, 65 s), so both keep the programs' connections alike.
  createHttpServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => {
    req.resume();
    req.on("end", () => {
      seq++;
      const place = req.method === "POST";
      const text = place
        ? JSON.stringify({
            id: `1-${seq}`,
            seq,
            order: { securityId: 1, orderId: seq, restingQty: 1 },
            fills: [],
            duplicate: false,
          })
        : JSON.stringify({ seq, cancelled: { id: req.url?.split("/").at(-1) } });
      res.writeHead(place ? 201 : 200, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
    });
  }).listen(port, "127.0.0.1");
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

async function waitFor(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The practice round: the same programs and load on a game of its own for PRACTICE_SECONDS, then
 * PRACTICE_IDLE_SECONDS with no load; the measured run then trades a new game.
 */
async function practice(base: string, env: NodeJS.ProcessEnv): Promise<void> {
  const keys = await programKeys(base);
  let line = "";
  const p = node(
    fileURLToPath(import.meta.url),
    ["--programs", base, ...keys],
    { ...env, API_WARMUP_SECONDS: "0", API_SECONDS: String(PRACTICE_SECONDS) },
    (l) => {
      if (l !== "start") line = l;
    },
    BENCH_HELPER_NODE_FLAGS,
  );
  await new Promise((r) => p.once("exit", r));
  const r = JSON.parse(line);
  out(
    `practice round: ${PRACTICE_SECONDS} s on a game of its own: answered ${r.answered}, shed ${r.shed}, p50 ${r1(r.p50Ms)} ms, p99 ${r1(r.p99Ms)} ms; then ${PRACTICE_IDLE_SECONDS} s idle`,
  );
  await new Promise((res) => setTimeout(res, PRACTICE_IDLE_SECONDS * 1000));
}

/** A started game of one security and PROGRAMS players, each with an API key: the keys. */
async function programKeys(base: string): Promise<string[]> {
  const game = await http<{ gameId: string; joinCode: string }>(base, "/api/games", {
    name: "api bench",
    securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
    endowment: { cash: 1_000_000_000, holdings: [{ securityId: 1, qty: 1_000_000 }] },
    rules: { orderRateLimit: null },
  });
  await http(base, `/api/games/${game.gameId}/start`, {});
  const keys: string[] = [];
  for (let i = 0; i < PROGRAMS; i++) {
    const j = await http<{ token: string }>(base, "/api/join", { code: game.joinCode, name: `prog ${i + 1}` });
    keys.push((await http<{ key: string }>(base, "/api/v1/keys", {}, j.token)).key);
  }
  return keys;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--programs") return programs(process.argv[3]!, process.argv.slice(4));
  if (process.argv[2] === "--bare-server") return bareServer(Number(process.argv[3]));
  const valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379");
  const valkeyPid = Number(/process_id:(\d+)/.exec(await valkey.info("server"))![1]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: "warn",
    JOIN_RATE_LIMIT: "0",
    API_KEY_RATE_LIMIT: "1000000",
  };
  const children: ChildProcess[] = [];
  process.on("exit", () => children.forEach((c) => c.kill("SIGTERM")));
  const prof = process.env.API_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.API_PROFILE}`] : [];
  const self = fileURLToPath(import.meta.url);
  const server = BASELINE
    ? node(self, ["--bare-server", String(port)], env, (l) => out(`[server] ${l}`), [
        ...BENCH_HELPER_NODE_FLAGS,
        ...prof,
      ])
    : node("server/src/main.ts", ["--port", String(port)], env, (l) => out(`[server] ${l}`), [
        ...GAME_SERVER_NODE_FLAGS,
        ...prof,
        ...(process.env.API_SERVER_FLAGS ?? "").split(/\s+/).filter(Boolean),
      ]);
  // the persister and the programs without V8's memory reducer (node-flags.mjs BENCH_HELPER_NODE_FLAGS)
  const persister = BASELINE ? null : node("server/src/persister-main.ts", [], env, () => {}, BENCH_HELPER_NODE_FLAGS);
  children.push(server, ...(persister ? [persister] : []));
  await waitFor("the server", 60_000, async () => (await fetch(`${base}/health`)).status < 500);
  if (PRACTICE_SECONDS > 0 && !BASELINE) await practice(base, env);
  const keys = BASELINE ? Array.from({ length: PROGRAMS }, () => "mrk_baseline") : await programKeys(base);

  out(
    `api bench${BASELINE ? " (baseline: a bare node:http server)" : ""}: ${PROGRAMS} programs, ${RATE} order requests/s open loop for ${SECONDS} s (places and cancels), after ${WARMUP_SECONDS} s of the same load as warm-up`,
  );
  let before = { server: 0, serverSys: 0, persister: 0, valkey: 0 };
  const cpu = () => ({
    server: procCpuMs(server.pid!),
    serverSys: procCpuMs(server.pid!, "sys"),
    persister: persister ? procCpuMs(persister.pid!) : 0,
    valkey: schedCpuMs(valkeyPid),
  });
  // The host's speed before the load (host-speed.ts), then the processes' CPU while idle (game running,
  // nobody trading): subtracted, so a figure is per order.
  const speedBefore = await hostSpeed();
  const idle0 = cpu();
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idle1 = cpu();
  const idlePerMs = (k: keyof typeof before) => (idle1[k] - idle0[k]) / (performance.now() - idleStart);
  let after = before;
  let startedAt = 0;
  let result = "";
  let calls0 = new Map<string, number>();
  // The programs' own CPU (their process: fetch, the streams), to tell whether the load generator keeps up.
  let programsCpu0 = 0;
  let programsCpu1 = 0;
  // Run-queue waits of the server's and the programs' event loops over the load window (runqWaitMs).
  let waits0 = { server: 0, programs: 0 };
  let waits1 = waits0;
  const waits = () => ({ server: runqWaitMs(server.pid!), programs: runqWaitMs(load.pid!) });
  const programsProf = process.env.API_PROFILE_PROGRAMS
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.API_PROFILE_PROGRAMS}`]
    : [];
  const load = node(
    self,
    ["--programs", base, ...keys],
    process.env,
    (l) => {
      if (l === "start") {
        before = cpu();
        programsCpu0 = procCpuMs(load.pid!);
        waits0 = waits();
        startedAt = performance.now();
        void valkeyCalls(valkey).then((c) => (calls0 = c));
      } else {
        result = l;
        programsCpu1 = procCpuMs(load.pid!);
        waits1 = waits();
      }
    },
    [...BENCH_HELPER_NODE_FLAGS, ...programsProf],
  );
  children.push(load);
  await new Promise((r) => load.once("exit", r));
  after = cpu();
  const calls1 = await valkeyCalls(valkey);
  const windowMs = performance.now() - startedAt;
  const speedAfter = await hostSpeed(); // after the window is measured: the probe is not part of it
  const loadAvg = loadavg().map(r1);
  const r = JSON.parse(result);
  const orders = r.placed + r.cancelled + r.rejected;
  const us = (k: keyof typeof before) =>
    Math.round((Math.max(0, after[k] - before[k] - idlePerMs(k) * windowMs) * 1000) / Math.max(1, orders));
  const programsUs = Math.round(((programsCpu1 - programsCpu0) * 1000) / Math.max(1, orders));
  // Share of the window (schedule start to the programs' last answer) each event loop was runnable but
  // had no core, %.
  const waitPct = (k: keyof typeof waits0) => r1(((waits1[k] - waits0[k]) / (r.secs * 1000)) * 100);
  const seconds = (r.bySecond as number[][])
    .map(([s, n, p50, p99, sent, lag]) => `${s}: ${n} p50 ${p50} p99 ${p99} (${sent}) lag ${lag}`)
    .join("; ");
  const perOrder = [...calls1]
    .map(([cmd, n]) => [cmd, (n - (calls0.get(cmd) ?? 0)) / Math.max(1, orders)] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`);
  out(
    `placed ${r.placed}, cancelled ${r.cancelled}, refused ${r.rejected} ${JSON.stringify(r.codes)}, failed ${r.errors}, shed ${r.shed}, unsent ${r.unsent} in ${r.secs.toFixed(1)} s; ` +
      `latency p50 ${r1(r.p50Ms)} ms, p99 ${r1(r.p99Ms)} ms, max ${r1(r.maxMs)} ms (p99 from the write ${r1(r.p99SentMs)} ms); stream lag p50 ${r.lagP50} ms, p99 ${r.lagP99} ms; ` +
      `CPU per order (net of idle): server ${us("server")} µs (system calls ${us("serverSys")} µs), persister ${us("persister")} µs, valkey ${us("valkey")} µs, the programs (load generator) ${programsUs} µs; ` +
      `idle server ${r1(idlePerMs("server") * 100)}% of a core; load average ${loadAvg.join(" ")}; ` +
      `host speed per CPU, % (fixed work, fastest / median chunk; host-speed.ts): before the load ${speedBefore.perCpuPct.join(" ")}, after it ${speedAfter.perCpuPct.join(" ")}; ` +
      `runnable but waiting for a core: the server's event loop ${waitPct("server")}% of the window, the programs' ${waitPct("programs")}%; ` +
      `requests on a connection opened for them: ${r.fresh}, from the write p50 ${r1(r.freshP50)} ms, p99 ${r1(r.freshP99)} ms; ` +
      `warm-up ${WARMUP_SECONDS} s before the window (not in the figures above): answered ${r.cold.answered}, shed ${r.cold.shed}, ` +
      `p50 ${r1(r.cold.p50Ms)} ms, p99 ${r1(r.cold.p99Ms)} ms, stream lag p99 ${r.cold.lagP99} ms; ` +
      `by second of the schedule, negative = warm-up (answered, p50, p99 ms, p99 from the write, stream lag p99): ${seconds}; ` +
      `Valkey commands per order (all clients): ${perOrder.join(", ")}`,
  );
  server.kill("SIGTERM");
  await new Promise((res) => server.once("exit", res));
  persister?.kill("SIGTERM");
  await valkey.quit();
  out(
    JSON.stringify({
      programs: PROGRAMS,
      ordersPerSec: Math.round(orders / r.secs),
      unsent: r.unsent,
      failed: r.errors,
      shed: r.shed,
      p50Ms: r1(r.p50Ms),
      p99Ms: r1(r.p99Ms),
      p99SentMs: r1(r.p99SentMs),
      streamLagP99Ms: r.lagP99,
      serverUsPerOrder: us("server"),
      serverSysUsPerOrder: us("serverSys"),
      persisterUsPerOrder: us("persister"),
      valkeyUsPerOrder: us("valkey"),
      programsUsPerOrder: programsUs,
      serverIdlePct: r1(idlePerMs("server") * 100),
      serverRunqWaitPct: waitPct("server"),
      programsRunqWaitPct: waitPct("programs"),
      warmupSeconds: WARMUP_SECONDS,
      practiceSeconds: PRACTICE_SECONDS,
      practiceIdleSeconds: PRACTICE_IDLE_SECONDS,
      firstSecondP99Ms: (r.bySecond as number[][])[0]?.[3] ?? 0,
      coldP99Ms: r1(r.cold.p99Ms),
      coldStreamLagP99Ms: r.cold.lagP99,
      hostSpeedPct: [speedBefore.minPct, speedAfter.minPct],
      loadAvg,
    }),
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
