/**
 * Where the writer's commit latency comes from (`npm run bench -- commit-latency`): the paced step of
 * bench:engine (one GameWriter, decide + group commit, execute() to ack, no clients) at each rate of
 * RATES (default 5000,10000,20000 commands/s) for BENCH_SECONDS (default 5) against three private
 * Valkey servers in turn, so the disk can be told apart from the rest:
 *   disk   AOF on, appendfsync everysec, data under .data/ (what bench:engine measures);
 *   noaof  appendonly no (no AOF write at all);
 *   shm    AOF everysec on /dev/shm (tmpfs: the write costs no disk);
 *   floor  AOF as disk, but the writer replaced by commit-floor.ts: the same pacing and batching with
 *          no work per command (one XADD per batch), the p99 this machine allows at that rate.
 * CONFIGS (default disk,noaof,shm,floor) picks some of them.
 * Each run also attributes its slow commands (over SLOW_MS, default 5 ms): how many overlapped a
 * garbage-collector pause (perf_hooks "gc" entries, run-figures.ts recordGc), the GC pauses' count,
 * total and longest ms and how many were full collections, and
 * the event loop's delay (monitorEventLoopDelay, p99 and max ms). Slow commands that overlap no GC
 * pause and come with a long loop delay point at the machine (this process not scheduled) or at long
 * synchronous work; with a short loop delay, at Valkey.
 * Prints one line per run, then as its last line one JSON object
 * {"runs": [{"config", "rate", "ordersPerSec", "p50Ms", "p99Ms", "p99FromDueMs" (from each command's
 * scheduled time, run-figures.ts), "nodeUsPerOrder", "valkeyUsPerOrder", "avgBatch",
 * "slow", "slowInGc", "gcPauses", "gcMs", "gcMaxMs", "fullGcs", "loopDelayP99Ms", "loopDelayMaxMs"}], "loadAvg"}.
 */
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { driveFloor } from "./commit-floor.ts";
import { drive } from "./engine.bench.ts";
import { gcFigures, recordGc } from "./run-figures.ts";
import { startValkeyChild } from "../test/support/valkey-child.ts";

const RATES = (process.env.RATES ?? "5000,10000,20000").split(",").map(Number);
const SLOW_MS = Number(process.env.SLOW_MS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ALL = {
  disk: { appendfsync: "everysec" as const },
  noaof: { appendonly: false },
  shm: { appendfsync: "everysec" as const, dir: "/dev/shm" },
  floor: { appendfsync: "everysec" as const },
};
const CONFIGS = Object.fromEntries(
  (process.env.CONFIGS ?? Object.keys(ALL).join(",")).split(",").map((c) => [c, ALL[c as keyof typeof ALL]]),
);

const ms = (ns: number) => Number((ns / 1e6).toFixed(2));

const loadAvg = Number(loadavg()[0]!.toFixed(1));
const runs: Record<string, unknown>[] = [];
for (const rate of RATES) {
  for (const [config, opts] of Object.entries(CONFIGS)) {
    const server = await startValkeyChild(opts);
    try {
      const slow: [number, number][] = [];
      const t0 = performance.now();
      const stopGc = recordGc();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const onAck = (at: number, lat: number) => {
        if (lat > SLOW_MS) slow.push([at, at + lat]);
      };
      const f =
        config === "floor" ? await driveFloor(server, rate, SECONDS, onAck) : await drive(server, config, rate, onAck);
      loop.disable();
      const pauses = stopGc(t0);
      const inGc = slow.filter(([s, e]) => pauses.some((p) => p.start < e && p.end > s)).length;
      const run = {
        config,
        rate,
        ...f,
        slow: slow.length,
        slowInGc: inGc,
        ...gcFigures(pauses),
        loopDelayP99Ms: ms(loop.percentile(99)),
        loopDelayMaxMs: ms(loop.max),
      };
      delete (run as { rejects?: number }).rejects;
      runs.push(run);
      console.log(JSON.stringify(run));
    } finally {
      await server.stop();
    }
  }
}
console.log(JSON.stringify({ runs, loadAvg }));
process.exit(0);
