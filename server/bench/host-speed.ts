/**
 * How fast this machine's CPUs run right now, for labelling a benchmark's figures (docs/commit.md
 * "Stop 32").
 *
 * Why: on the shared development VM a fixed piece of CPU work on an otherwise idle machine ran at
 * about half its speed for 5-20 s at a time, on one vCPU and not the other (the host's contention,
 * which the guest does not report as steal time). Every latency tail and CPU-per-order figure of a run
 * taken in such a spell is inflated, so a run is only comparable with another taken at the same speed.
 *
 * How: one child process per CPU, pinned to it with `taskset` where that exists (util-linux), runs the
 * same fixed integer loop in chunks of about 0.2 ms for `ms` and reports its fastest and its median
 * chunk. A CPU's speed is 100 x fastest / median, in percent: about 70-95 on a CPU running at full
 * speed (the median chunk also carries timer interrupts and cache effects), about 50 in a slow spell,
 * where the median chunk takes twice as long while single chunks still run at full speed. Run it while
 * the benchmark's own processes are idle (before and after a measured window): the probe takes a
 * whole CPU each for `ms` and measures whatever else runs there too.
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** One probe: each CPU's speed (percent, index = CPU) and the slowest of them. */
export interface HostSpeed {
  /** 100 x fastest / median chunk per CPU, rounded; [] when no probe could run. */
  perCpuPct: number[];
  /** The lowest of perCpuPct (a run is as slow as its slowest CPU); -1 when no probe could run. */
  minPct: number;
}

/** The probe's child: warms the loop up, then reports `{"minUs","medianUs"}` of its chunks over `ms`. */
const PROBE = `
const chunk = (n) => { let s = 0; for (let i = 0; i < n; i++) s = (s + i * 7) | 0; return s; };
let sink = 0;
for (let i = 0; i < 200; i++) sink ^= chunk(100000);
const ts = [], end = performance.now() + Number(process.argv[1]);
while (performance.now() < end) { const t = performance.now(); sink ^= chunk(400000); ts.push(performance.now() - t); }
ts.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ minUs: ts[0] * 1000, medianUs: ts[ts.length >> 1] * 1000, sink: sink & 1 }));
`;

const hasTaskset = (() => {
  try {
    return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
  } catch {
    return false;
  }
})();

/** One CPU's probe: its speed in percent, or -1 when it failed. */
function probeCpu(cpu: number, ms: number): Promise<number> {
  const node = [process.execPath, "-e", PROBE, String(ms)];
  const [cmd, ...args] = hasTaskset ? ["taskset", "-c", String(cpu), ...node] : node;
  return new Promise((resolve) => {
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", () => resolve(-1));
    child.on("close", () => {
      try {
        const r = JSON.parse(out) as { minUs: number; medianUs: number };
        resolve(Math.round((100 * r.minUs) / r.medianUs));
      } catch {
        resolve(-1);
      }
    });
  });
}

/**
 * Probes every CPU at once for `ms` (default 1,000) and returns their speeds. Never throws: a probe
 * that fails reports -1.
 */
export async function hostSpeed(ms = 1000): Promise<HostSpeed> {
  const cpus = Array.from({ length: availableParallelism() }, (_, i) => i);
  const perCpuPct = await Promise.all(cpus.map((c) => probeCpu(c, ms)));
  const ok = perCpuPct.filter((p) => p >= 0);
  return { perCpuPct, minPct: ok.length ? Math.min(...ok) : -1 };
}

/** Runs the probe for `ms` when this file is run alone: `node --import tsx server/bench/host-speed.ts [ms]`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const ms = Number(process.argv[2] ?? 1000);
  console.log(JSON.stringify(await hostSpeed(ms)));
}
