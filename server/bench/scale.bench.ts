/**
 * Scale-out benchmark (`npm run bench:scale`, issue 17; docs/deploy.md): for 1, 2 and 3 server processes
 * sharing Valkey (PRESENCE=redis, real processes and a persister, server/test/support/cluster.ts),
 * SCALE_GAMES_PER_PROCESS games per process (default 2) with SCALE_CLIENTS clients each (default 6),
 * every client connected through a different process than its neighbour (rooms live on one process;
 * the seat reservation sends the WebSocket there). Open loop: each client sends SCALE_RATE orders/s
 * (default 4; alternating buy and sell at the reference price, so about half fill) for SCALE_SECONDS
 * (default 8), timed from their scheduled send (no coordinated omission).
 *
 * Measured per process count: acknowledged orders/s, p99 latency (ms, wall clock: on a shared machine it
 * says mostly how busy the machine is), and CPU µs per order of all server processes together (utime +
 * stime from /proc/<pid>/stat over the load window; this stays meaningful on a busy machine). Then, with
 * 3 processes, the failover time: kill -9 of the process running a game until another owns it.
 * Last line: {"processes":[1,2,3],"ordersPerSec":[..],"p99Ms":[..],"cpuUsPerOrder":[..],"failoverMs":n}.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Room } from "@colyseus/sdk";
import { clusterGame, connectVia, joinAt, startCluster, type ClusterUnderTest } from "../test/support/cluster.ts";
import { call } from "../test/support/server-process.ts";

const GAMES_PER_PROCESS = Number(process.env.SCALE_GAMES_PER_PROCESS ?? 2);
const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 6);
const RATE = Number(process.env.SCALE_RATE ?? 4);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 8);
/** Linux clock ticks per second (USER_HZ) of /proc/<pid>/stat. */
const TICKS_PER_SEC = 100;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC; // utime, stime (fields 14, 15)
}

interface Figures {
  ordersPerSec: number;
  p99Ms: number;
  cpuUsPerOrder: number;
}

async function setUpGames(c: ClusterUnderTest): Promise<{ gameId: string; rooms: Room[] }[]> {
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
      return { gameId: game.gameId, rooms };
    }),
  );
}

/** Open-loop load over every client; resolves with the figures of the window. */
async function load(c: ClusterUnderTest, rooms: Room[]): Promise<Figures> {
  const pids = c.servers.map((s) => s.child.pid!);
  const cpu0 = pids.map(cpuSeconds);
  const latencies: number[] = [];
  let acked = 0;
  const start = performance.now();
  const every = 1000 / RATE;
  const sends: Promise<void>[] = [];
  await Promise.all(
    rooms.map(async (room, i) => {
      for (let k = 0; k < RATE * SECONDS; k++) {
        const due = start + k * every + (i * every) / rooms.length;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const side = (i + k) % 2 ? "buy" : "sell";
        sends.push(
          room.request("place", { securityId: 1, side, price: 100, qty: 1, tif: "IOC" }).then(
            (reply: { ok?: boolean }) => {
              latencies.push(performance.now() - due);
              if (reply?.ok) acked++;
            },
            () => {},
          ),
        );
      }
    }),
  );
  await Promise.all(sends);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = pids.map(cpuSeconds).reduce((s, v, i) => s + v - cpu0[i]!, 0);
  latencies.sort((a, b) => a - b);
  return {
    ordersPerSec: Math.round(acked / elapsed),
    p99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    cpuUsPerOrder: acked ? Math.round((cpu * 1e6) / acked) : 0,
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
  for (const n of counts) {
    const c = await startCluster(n);
    try {
      const games = await setUpGames(c);
      const f = await load(
        c,
        games.flatMap((g) => g.rooms),
      );
      out(`${n} process(es), ${games.length} games x ${CLIENTS} clients x ${RATE}/s: ${JSON.stringify(f)}`);
      figures.push(f);
      await Promise.all(games.flatMap((g) => g.rooms.map((r) => r.leave().catch(() => {}))));
      if (n === counts.at(-1)) failoverMs = await failover(c, games[0]!.gameId);
    } finally {
      await c.stop();
    }
  }
  out(`load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  out(
    JSON.stringify({
      processes: counts,
      ordersPerSec: figures.map((f) => f.ordersPerSec),
      p99Ms: figures.map((f) => f.p99Ms),
      cpuUsPerOrder: figures.map((f) => f.cpuUsPerOrder),
      failoverMs,
    }),
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scale failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
