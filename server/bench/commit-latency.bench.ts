/**
 * Where the writer's commit latency comes from (`npm run bench -- commit-latency`): the paced step of
 * bench:engine (one GameWriter, decide + group commit, execute() to ack, no clients) at each rate of
 * RATES (default 5000,10000,20000 commands/s) for BENCH_SECONDS (default 3) against three private
 * Valkey servers in turn, so the disk can be told apart from the rest:
 *   disk   AOF on, appendfsync everysec, data under .data/ (what bench:engine measures);
 *   noaof  appendonly no (no AOF write at all);
 *   shm    AOF everysec on /dev/shm (tmpfs: the write costs no disk).
 * Prints one line per run, then as its last line one JSON object
 * {"runs": [{"config", "rate", "ordersPerSec", "p50Ms", "p99Ms", "nodeUsPerOrder", "valkeyUsPerOrder", "avgBatch"}], "loadAvg"}.
 * Run with `node --trace-gc` (NODE_OPTIONS) to see the garbage collector's pauses beside the figures.
 */
import { loadavg } from "node:os";
import { drive } from "./engine.bench.ts";
import { startValkeyChild } from "../test/support/valkey-child.ts";

const RATES = (process.env.RATES ?? "5000,10000,20000").split(",").map(Number);
const CONFIGS = {
  disk: { appendfsync: "everysec" as const },
  noaof: { appendonly: false },
  shm: { appendfsync: "everysec" as const, dir: "/dev/shm" },
};

const loadAvg = Number(loadavg()[0]!.toFixed(1));
const runs: Record<string, unknown>[] = [];
for (const rate of RATES) {
  for (const [config, opts] of Object.entries(CONFIGS)) {
    const server = await startValkeyChild(opts);
    try {
      const f = await drive(server, config, rate);
      const run = { config, rate, ...f };
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
