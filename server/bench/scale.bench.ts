/**
 * Scale-out benchmark (`npm run bench:scale`, issue 17; docs/deploy.md): for 1, 2 and 3 server processes
 * sharing Valkey (PRESENCE=redis, real processes and a persister, server/test/support/cluster.ts),
 * SCALE_GAMES_PER_PROCESS games per process (default 2) with SCALE_CLIENTS clients each (default 6),
 * every client connected through a different process than its neighbour (rooms live on one process;
 * the seat reservation sends the WebSocket there). Open loop: each client sends SCALE_RATE orders/s
 * (default 4; alternating buy and sell at the reference price, so about half fill) for SCALE_SECONDS
 * (default 8), timed from their scheduled send (no coordinated omission).
 *
 * SCALE_CLUSTER=1: the games on a private 3-master Valkey Cluster (test/support/valkey-cluster.ts, the
 * cluster of `npm start -- --cluster`), started once for all process counts.
 *
 * Measured per process count: acknowledged orders/s, p99 latency (ms, wall clock: on a shared machine it
 * says mostly how busy the machine is), and CPU µs per acknowledged order (utime + stime from
 * /proc/<pid>/stat over the load window; this stays meaningful on a busy machine) of: all server
 * processes together (cpuUsPerOrder), each server process over the orders of the games whose room it
 * runs (cpuUsPerOrderByProcess), Valkey (all its processes; byShard: each master over the orders of the
 * games on it), the persister, and PostgreSQL (the postmaster and its children). Then, with 3 processes,
 * the failover time: kill -9 of the process running a game until another owns it.
 * Last line: {"processes":[1,2,3],"ordersPerSec":[..],"p99Ms":[..],"cpuUsPerOrder":[..],"failoverMs":n, ...}.
 */
import { readFileSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Room } from "@colyseus/sdk";
import { clusterGame, connectVia, joinAt, startCluster, type ClusterUnderTest } from "../test/support/cluster.ts";
import { call } from "../test/support/server-process.ts";
import { startValkeyCluster, type ValkeyClusterUnderTest } from "../test/support/valkey-cluster.ts";

const GAMES_PER_PROCESS = Number(process.env.SCALE_GAMES_PER_PROCESS ?? 2);
const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 6);
const RATE = Number(process.env.SCALE_RATE ?? 4);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 8);
const ON_CLUSTER = process.env.SCALE_CLUSTER === "1";
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

interface Figures {
  ordersPerSec: number;
  p99Ms: number;
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
      const players = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => joinAt(via(i), game.joinCode, `c${i}`)),
      );
      await call(entry.base, "POST", `/api/games/${game.gameId}/start`);
      const rooms = await Promise.all(players.map((p, i) => connectVia(via(i), game.gameId, p.token)));
      const process = c.servers.indexOf(await c.owner(game.gameId));
      const shard = vc ? await vc.nodeOfKey(`game:{${game.gameId}}:owner`) : 0;
      return { gameId: game.gameId, rooms, process, shard, acked: 0 };
    }),
  );
}

/** Open-loop load over every client; resolves with the figures of the window. */
async function load(c: ClusterUnderTest, games: LoadedGame[], vc: ValkeyClusterUnderTest | null): Promise<Figures> {
  const rooms = games.flatMap((g) => g.rooms.map((room) => ({ room, game: g })));
  const pids = c.servers.map((s) => s.child.pid!);
  const shardPids = valkeyPids(vc);
  const others = [[c.persister.child.pid!], postgresPids()];
  const cpu0 = pids.map(cpuSeconds);
  const shard0 = shardPids.map((p) => cpuOf([p]));
  const others0 = others.map(cpuOf);
  const latencies: number[] = [];
  let acked = 0;
  const start = performance.now();
  const every = 1000 / RATE;
  const sends: Promise<void>[] = [];
  await Promise.all(
    rooms.map(async ({ room, game }, i) => {
      for (let k = 0; k < RATE * SECONDS; k++) {
        const due = start + k * every + (i * every) / rooms.length;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const side = (i + k) % 2 ? "buy" : "sell";
        sends.push(
          room.request("place", { securityId: 1, side, price: 100, qty: 1, tif: "IOC" }).then(
            (reply: { ok?: boolean }) => {
              latencies.push(performance.now() - due);
              if (reply?.ok) {
                acked++;
                game.acked++;
              }
            },
            () => {},
          ),
        );
      }
    }),
  );
  await Promise.all(sends);
  const elapsed = (performance.now() - start) / 1000;
  const cpuByProcess = pids.map((p, i) => cpuSeconds(p) - cpu0[i]!);
  const cpuByShard = shardPids.map((p, i) => cpuOf([p]) - shard0[i]!);
  const [persisterCpu, postgresCpu] = others.map((p, i) => cpuOf(p) - others0[i]!) as [number, number];
  latencies.sort((a, b) => a - b);
  const perOrder = (cpu: number, n: number) => (n ? Math.round((cpu * 1e6) / n) : 0);
  const ordersOf = (key: "process" | "shard", i: number) =>
    games.filter((g) => g[key] === i).reduce((n, g) => n + g.acked, 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    ordersPerSec: Math.round(acked / elapsed),
    p99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    cpuUsPerOrder: perOrder(sum(cpuByProcess), acked),
    cpuUsPerOrderByProcess: cpuByProcess.map((cpu, i) => perOrder(cpu, ordersOf("process", i))),
    valkeyCpuUsPerOrder: perOrder(sum(cpuByShard), acked),
    valkeyCpuUsPerOrderByShard: vc ? cpuByShard.map((cpu, i) => perOrder(cpu, ordersOf("shard", i))) : [],
    persisterCpuUsPerOrder: perOrder(persisterCpu, acked),
    postgresCpuUsPerOrder: perOrder(postgresCpu, acked),
  };
}

async function failover(c: ClusterUnderTest, gameId: string): Promise<number> {
  const owner = await c.owner(gameId);
  const at = Date.now();
  owner.child.kill("SIGKILL");
  await c.owner(gameId, owner);
  return Date.now() - at;
}

async function main(): Promise<void> {
  const counts = [1, 2, 3];
  const figures: Figures[] = [];
  let failoverMs = 0;
  const vc = ON_CLUSTER ? await startValkeyCluster(3) : null;
  for (const n of counts) {
    const c = await startCluster(n, vc?.env ?? {});
    try {
      const games = await setUpGames(c, vc);
      const f = await load(c, games, vc);
      const where = vc ? "a 3-master Valkey Cluster" : "one Valkey";
      out(`${n} process(es) on ${where}, ${games.length} games x ${CLIENTS} clients x ${RATE}/s: ${JSON.stringify(f)}`);
      figures.push(f);
      await Promise.all(games.flatMap((g) => g.rooms.map((r) => r.leave().catch(() => {}))));
      if (n === counts.at(-1)) failoverMs = await failover(c, games[0]!.gameId);
    } finally {
      await c.stop();
    }
  }
  await vc?.stop();
  out(`load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  const each = <K extends keyof Figures>(k: K) => figures.map((f) => f[k]);
  out(
    JSON.stringify({
      processes: counts,
      ordersPerSec: each("ordersPerSec"),
      p99Ms: each("p99Ms"),
      cpuUsPerOrder: each("cpuUsPerOrder"),
      cpuUsPerOrderByProcess: each("cpuUsPerOrderByProcess"),
      valkeyCpuUsPerOrder: each("valkeyCpuUsPerOrder"),
      valkeyCpuUsPerOrderByShard: each("valkeyCpuUsPerOrderByShard"),
      persisterCpuUsPerOrder: each("persisterCpuUsPerOrder"),
      postgresCpuUsPerOrder: each("postgresCpuUsPerOrder"),
      cluster: ON_CLUSTER,
      failoverMs,
    }),
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scale failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
