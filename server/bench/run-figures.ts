/**
 * The figures of one run of a paced or saturating writer benchmark (engine.bench.ts drive(),
 * commit-floor.ts driveFloor()), and how they are computed from the run's measurements.
 */
import { percentile } from "./commit.bench.ts";

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export interface RunFigures {
  ordersPerSec: number;
  p50Ms: number;
  p99Ms: number;
  valkeyUsPerOrder: number;
  nodeUsPerOrder: number;
  avgBatch: number;
  rejects: number;
  /** Bytes this process allocated on the V8 heap per acknowledged command (GCProfiler; the bench's own included). */
  bytesPerOrder: number;
  /** AOF rewrites Valkey completed or started during the run (INFO persistence `aof_rewrites` + in progress). */
  aofRewrites: number;
}

/**
 * A paced or saturated run's figures from what it measured: latencies (ms), acknowledged commands,
 * wall seconds, Valkey main-thread CPU (ns), this process's CPU (process.cpuUsage, µs), and the
 * commands and batches committed.
 */
export function runFigures(m: {
  lat: number[];
  acked: number;
  seconds: number;
  valkeyNs: number;
  node: NodeJS.CpuUsage;
  commands: number;
  batches: number;
}): Omit<RunFigures, "rejects" | "bytesPerOrder" | "aofRewrites"> {
  const sorted = Float64Array.from(m.lat).sort();
  return {
    ordersPerSec: Math.round(m.acked / m.seconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    valkeyUsPerOrder: round(m.valkeyNs / 1000 / m.acked, 1),
    nodeUsPerOrder: round((m.node.user + m.node.system) / m.acked, 1),
    avgBatch: round(m.commands / Math.max(1, m.batches), 1),
  };
}
