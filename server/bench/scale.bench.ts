/**
 * Scale-out benchmark (`npm run bench:scale`, issue 17; docs/deploy.md): for 1, 2 and 3 server processes
 * sharing Valkey (PRESENCE=redis, real processes and a persister, server/test/support/cluster.ts),
 * SCALE_GAMES_PER_PROCESS games per process (default 2) with SCALE_CLIENTS WebSocket clients each
 * (default 20), every client connected through a different process than its neighbour (rooms live on
 * one process; the seat reservation sends the WebSocket there).
 *
 * Rate search, per process count: open-loop steps of SCALE_SECONDS (default 3) at an aggregate rate
 * spread evenly over all clients (IOC orders alternating buy and sell at the reference price, so about
 * half fill), latency timed from each order's scheduled send (no coordinated omission). A step holds when
 * its p99 is <= SCALE_P99_MS (default 10) and every order is answered by DRAIN_MS after the step (no
 * backlog). After a warm-up step (not counted), the first step runs at SCALE_START_RATE orders/s per
 * process (default 40); then the rate doubles while steps hold (halves while they fail), then bisects
 * between the highest held and the lowest failed rate, SCALE_STEPS steps in all (default 4). Reported:
 * the highest held rate (null when none held), and the CPU µs per acknowledged order (utime + stime from
 * /proc/<pid>/stat; meaningful on a busy machine, unlike the wall-clock p99) at the first step, the same
 * rate per process for every process count: of each server process over the orders of the games whose
 * room it runs, of Valkey (each master of a cluster over the orders of its games), the persister and
 * PostgreSQL. Then, with 3 processes, the failover time: kill -9 of the process running a game until
 * another owns it.
 *
 * SCALE_CLUSTER=1: the games on a private 3-master Valkey Cluster (test/support/valkey-cluster.ts, the
 * cluster of `npm start -- --cluster`), started once for all process counts.
 * SCALE_PROCESSES: the process counts (default 1,2,3).
 *
 * Every process the bench starts (servers, persisters, the cluster's redis-servers) is stopped when a
 * step throws, on SIGINT/SIGTERM and at exit (the `exit` hook kills what is left).
 * Last line: {"processes":[1,2,3],"ordersPerSec":[..],"failoverMs":n, ...} (ordersPerSec: the highest
 * held rate, 0 where none held; heldOrdersPerSec keeps null there).
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Room } from "@colyseus/sdk";
import { clusterGame, connectVia, joinAt, startCluster, type ClusterUnderTest } from "../test/support/cluster.ts";
import { call } from "../test/support/server-process.ts";
import { startValkeyCluster, type ValkeyClusterUnderTest } from "../test/support/valkey-cluster.ts";

const GAMES_PER_PROCESS = Number(process.env.SCALE_GAMES_PER_PROCESS ?? 2);
const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 20);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 3);
const START_RATE = Number(process.env.SCALE_START_RATE ?? 40);
const STEPS = Number(process.env.SCALE_STEPS ?? 4);
const P99_MS = Number(process.env.SCALE_P99_MS ?? 10);
const ON_CLUSTER = process.env.SCALE_CLUSTER === "1";
/** Orders still unanswered this long after a step's last scheduled send are a backlog (ms). */
const DRAIN_MS = 1000;
/** Per client, below the rounds' default order rate limit (50 per second) and the room's message limit. */
const MAX_CLIENT_RATE = 40;
/** The search stops below this aggregate rate per process (orders/s): nothing held. */
const MIN_RATE = 1;
/** Linux clock ticks per second (USER_HZ) of /proc/<pid>/stat. */
const TICKS_PER_SEC = 100;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC; // utime, stime (fields 14, 15)
}

/** Pids of live processes whose command line matches `re` (from /proc; [] where none). */
function pidsWhere(re: RegExp): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return re.test(readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " "));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The children of `pid` (from /proc/<child>/stat's ppid). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds of `pids` so far; a process gone meanwhile counts 0. */
const cpuOf = (pids: number[]) =>
  pids.reduce((s, p) => {
    try {
      return s + cpuSeconds(p);
    } catch {
      return s;
    }
  }, 0);

/** The Valkey processes the games live on: the cluster's masters, or the redis-server of VALKEY_URL. */
function valkeyPids(vc: ValkeyClusterUnderTest | null): number[] {
  if (vc) return vc.nodes.map((n) => n.pid);
  const port = new URL(process.env.VALKEY_URL!).port;
  return pidsWhere(new RegExp(`(redis|valkey)-server .*:${port}\\b`));
}

/** The postmaster of DATABASE_URL and its children (backends, writers). */
function postgresPids(): number[] {
  const port = new URL(process.env.DATABASE_URL!).port;
  const main = pidsWhere(new RegExp(`postgres -D .* -p ${port}\\b`));
  return main.flatMap((p) => [p, ...childrenOf(p)]);
}

/** The Valkey Cluster of SCALE_CLUSTER=1 while it runs (its data directories go with it at exit). */
let valkeyCluster: ValkeyClusterUnderTest | null = null;

/** The command line of `pid` ("" when it is gone). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Every process below `pid` (children, their children...), from /proc. */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  for (let queue = [pid]; queue.length;) {
    const kids = childrenOf(queue.shift()!);
    found.push(...kids);
    queue.push(...kids);
  }
  return found;
}

/**
 * Kills whatever the bench started and is still running — server processes (also those of a cluster
 * still starting), persisters, the Valkey Cluster's redis-servers — and deletes the cluster's data.
 * Synchronous: it runs in the `exit` hook too. The plain Valkey and PostgreSQL belong to scripts/bench.mjs.
 * `only`: just the processes whose command line matches.
 */
function killLeftovers(only?: RegExp): void {
  for (const pid of descendantsOf(process.pid)) {
    if (only && !only.test(cmdline(pid))) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
  for (const node of valkeyCluster?.nodes ?? []) rmSync(node.dir, { recursive: true, force: true });
  valkeyCluster = null;
}

process.on("exit", () => killLeftovers());
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    killLeftovers();
    process.exit(130);
  });

interface Step {
  /** Offered aggregate rate (orders/s). */
  rate: number;
  ackedPerSec: number;
  /** p99 from each order's scheduled send (what held is judged by). */
  p99Ms: number;
  /** p99 from its actual send (the bench's own timer lateness left out; for comparison only). */
  p99FromSendMs: number;
  unanswered: number;
  /** Answers that were not ok, by code (an IOC without a fill is ok). */
  rejected: Record<string, number>;
  held: boolean;
  cpuUsPerOrder: number;
  cpuUsPerOrderByProcess: number[];
  valkeyCpuUsPerOrder: number;
  valkeyCpuUsPerOrderByShard: number[];
  persisterCpuUsPerOrder: number;
  postgresCpuUsPerOrder: number;
}

interface LoadedGame {
  gameId: string;
  rooms: Room[];
  /** Index of the server process running its room, and of the shard holding its keys (0 on one Valkey). */
  process: number;
  shard: number;
  acked: number;
}

async function setUpGames(c: ClusterUnderTest, vc: ValkeyClusterUnderTest | null): Promise<LoadedGame[]> {
  const n = c.servers.length;
  return Promise.all(
    Array.from({ length: GAMES_PER_PROCESS * n }, async (_, g) => {
      const entry = c.servers[g % n]!;
      const game = await clusterGame(entry.base);
      const via = (i: number) => c.servers[(g + i) % n]!.base;
      const players = [];
      for (let i = 0; i < CLIENTS; i++) players.push(await joinAt(via(i), game.joinCode, `c${i}`));
      await call(entry.base, "POST", `/api/games/${game.gameId}/start`);
      const rooms = await Promise.all(players.map((p, i) => connectVia(via(i), game.gameId, p.token)));
      const process = c.servers.indexOf(await c.owner(game.gameId));
      const shard = vc ? await vc.nodeOfKey(`game:{${game.gameId}}:owner`) : 0;
      return { gameId: game.gameId, rooms, process, shard, acked: 0 };
    }),
  );
}

/** Orders each client has sent so far (its side alternates across steps). */
const sentBy = new Map<Room, number>();

/** One open-loop step at `rate` orders/s over every client; resolves with its figures. */
async function step(
  c: ClusterUnderTest,
  games: LoadedGame[],
  vc: ValkeyClusterUnderTest | null,
  rate: number,
): Promise<Step> {
  // interleaved over the games (client k of every game, then k + 1): a low rate reaches every game
  const rooms = games[0]!.rooms.flatMap((_, k) => games.map((g) => ({ room: g.rooms[k]!, game: g })));
  for (const g of games) g.acked = 0;
  const pids = c.servers.map((s) => s.child.pid!);
  const shardPids = valkeyPids(vc);
  const others = [[c.persister.child.pid!], postgresPids()];
  const cpu0 = pids.map(cpuSeconds);
  const shard0 = shardPids.map((p) => cpuOf([p]));
  const others0 = others.map(cpuOf);
  const latencies: number[] = [];
  const fromSend: number[] = []; // from the actual send: without the bench's own timer lateness
  let acked = 0;
  let answered = 0;
  let sent = 0;
  const rejected: Record<string, number> = {};
  for (const { room } of rooms) if (!sentBy.has(room)) sentBy.set(room, 0);
  const total = Math.max(1, Math.round(rate * SECONDS));
  const every = 1000 / rate; // ms between two orders; order j goes to client j % rooms.length
  const start = performance.now();
  await Promise.all(
    rooms.map(async ({ room, game }, i) => {
      for (let j = i; j < total; j += rooms.length) {
        const due = start + j * every;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const side = sentBy.get(room)! % 2 ? "buy" : "sell"; // each client alternates, across steps too
        sentBy.set(room, sentBy.get(room)! + 1);
        sent++;
        const sentAt = performance.now();
        room.request("place", { securityId: 1, side, price: 100, qty: 1, tif: "IOC" }).then(
          (reply: { ok?: boolean; code?: string }) => {
            latencies.push(performance.now() - due);
            fromSend.push(performance.now() - sentAt);
            answered++;
            if (reply?.ok) {
              acked++;
              game.acked++;
            } else {
              const code = reply?.code ?? "?";
              rejected[code] = (rejected[code] ?? 0) + 1;
            }
          },
          () => {},
        );
      }
    }),
  );
  const lastDue = start + total * every;
  while (answered < sent && performance.now() < lastDue + DRAIN_MS) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - start) / 1000;
  const cpuByProcess = pids.map((p, i) => cpuSeconds(p) - cpu0[i]!);
  const cpuByShard = shardPids.map((p, i) => cpuOf([p]) - shard0[i]!);
  const [persisterCpu, postgresCpu] = others.map((p, i) => cpuOf(p) - others0[i]!) as [number, number];
  // an unanswered order counts as slower than any answered one
  const sorted = [...latencies.sort((a, b) => a - b), ...Array<number>(sent - answered).fill(Infinity)];
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  const perOrder = (cpu: number, n: number) => (n ? Math.round((cpu * 1e6) / n) : 0);
  const ordersOf = (key: "process" | "shard", i: number) =>
    games.filter((g) => g[key] === i).reduce((n, g) => n + g.acked, 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    rate: Math.round((sent / SECONDS) * 10) / 10,
    ackedPerSec: Math.round(acked / elapsed),
    p99Ms: Number.isFinite(p99) ? Math.round(p99 * 10) / 10 : -1,
    p99FromSendMs: Math.round((fromSend.sort((a, b) => a - b)[Math.floor(fromSend.length * 0.99)] ?? 0) * 10) / 10,
    unanswered: sent - answered,
    rejected,
    held: p99 <= P99_MS && answered === sent,
    cpuUsPerOrder: perOrder(sum(cpuByProcess), acked),
    cpuUsPerOrderByProcess: cpuByProcess.map((cpu, i) => perOrder(cpu, ordersOf("process", i))),
    valkeyCpuUsPerOrder: perOrder(sum(cpuByShard), acked),
    valkeyCpuUsPerOrderByShard: vc ? cpuByShard.map((cpu, i) => perOrder(cpu, ordersOf("shard", i))) : [],
    persisterCpuUsPerOrder: perOrder(persisterCpu, acked),
    postgresCpuUsPerOrder: perOrder(postgresCpu, acked),
  };
}

/**
 * The rate search of one process count (see the header): doubles (or halves) from the start rate until
 * the outcome changes, then bisects. Returns every step, in order, and the highest held rate (or null).
 */
async function search(
  run: (rate: number) => Promise<Step>,
  n: number,
): Promise<{ steps: Step[]; best: number | null }> {
  const cap = MAX_CLIENT_RATE * CLIENTS * GAMES_PER_PROCESS * n;
  const steps: Step[] = [];
  let lo: number | null = null; // highest held
  let hi: number | null = null; // lowest failed
  let rate = START_RATE * n;
  while (steps.length < STEPS) {
    const s = await run(rate);
    steps.push(s);
    if (s.held) lo = Math.max(lo ?? 0, rate);
    else hi = Math.min(hi ?? Infinity, rate);
    if (lo === null) rate = rate / 2;
    else if (hi === null) rate = Math.min(rate * 2, cap);
    else rate = (lo + hi) / 2;
    rate = Math.round(rate);
    if (lo === null && rate < MIN_RATE * n) break;
    if (lo !== null && hi === null && lo >= cap) break;
    if (lo !== null && hi !== null && hi - lo <= Math.max(2, lo * 0.15)) break;
  }
  return { steps, best: lo };
}

async function failover(c: ClusterUnderTest, gameId: string): Promise<number> {
  const owner = await c.owner(gameId);
  const at = Date.now();
  owner.child.kill("SIGKILL");
  await c.owner(gameId, owner);
  return Date.now() - at;
}

/**
 * startCluster, tried up to 3 times: on this shared machine another program may take a free port
 * between its pick and the server's listen ("port ... is in use").
 */
async function startClusterRetrying(n: number, vc: ValkeyClusterUnderTest | null): Promise<ClusterUnderTest> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCluster(n, vc?.env ?? {});
    } catch (err) {
      if (attempt === 3 || !/in use/.test(String(err))) throw err;
      out(`  starting ${n} process(es) failed (${String(err).slice(0, 120)}); again`);
      killLeftovers(/server\/src\/(main|persister-main)\.ts/); // the failed start's servers and persister
    }
  }
}

interface Result {
  best: number | null;
  atStart: Step;
  steps: Step[];
}

async function measure(n: number, vc: ValkeyClusterUnderTest | null): Promise<{ result: Result; failoverMs: number }> {
  const c = await startClusterRetrying(n, vc);
  try {
    const games = await setUpGames(c, vc);
    const where = vc ? "a 3-master Valkey Cluster" : "one Valkey";
    const placed = c.servers.map((_, i) => games.filter((g) => g.process === i).length);
    out(`${n} process(es) on ${where}, ${games.length} games x ${CLIENTS} clients; games per process ${placed}`);
    await step(c, games, vc, START_RATE * n); // warm-up (JIT, connections, first patches): not counted
    const { steps, best } = await search(async (rate) => {
      const s = await step(c, games, vc, rate);
      out(`  step ${JSON.stringify(s)}`);
      return s;
    }, n);
    out(`  highest rate held (p99 <= ${P99_MS} ms, no backlog): ${best ?? "none"}`);
    await Promise.all(games.flatMap((g) => g.rooms.map((r) => r.leave().catch(() => {}))));
    const failoverMs = n === 3 ? await failover(c, games[0]!.gameId) : 0;
    return { result: { best, atStart: steps[0]!, steps }, failoverMs };
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  const counts = (process.env.SCALE_PROCESSES ?? "1,2,3").split(",").map(Number);
  const results: Result[] = [];
  let failoverMs = 0;
  const vc = ON_CLUSTER ? await startValkeyCluster(3) : null;
  valkeyCluster = vc;
  try {
    for (const n of counts) {
      const m = await measure(n, vc);
      results.push(m.result);
      if (m.failoverMs) failoverMs = m.failoverMs;
    }
  } finally {
    await vc?.stop();
    valkeyCluster = null;
  }
  out(`load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  const atStart = <K extends keyof Step>(k: K) => results.map((r) => r.atStart[k]);
  out(
    JSON.stringify({
      processes: counts,
      ordersPerSec: results.map((r) => r.best ?? 0),
      heldOrdersPerSec: results.map((r) => r.best),
      p99TargetMs: P99_MS,
      startRatePerProcess: START_RATE,
      p99MsAtStart: atStart("p99Ms"),
      p99FromSendMsAtStart: atStart("p99FromSendMs"),
      cpuUsPerOrder: atStart("cpuUsPerOrder"),
      cpuUsPerOrderByProcess: atStart("cpuUsPerOrderByProcess"),
      valkeyCpuUsPerOrder: atStart("valkeyCpuUsPerOrder"),
      valkeyCpuUsPerOrderByShard: atStart("valkeyCpuUsPerOrderByShard"),
      persisterCpuUsPerOrder: atStart("persisterCpuUsPerOrder"),
      postgresCpuUsPerOrder: atStart("postgresCpuUsPerOrder"),
      cluster: ON_CLUSTER,
      failoverMs,
    }),
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scale failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1); // the exit hook stops what is still running
});
