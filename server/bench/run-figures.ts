/**
 * The figures of one run of a paced or saturating writer benchmark (engine.bench.ts drive(),
 * commit-floor.ts driveFloor()), and how they are computed from the run's measurements.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { percentile } from "./commit.bench.ts";

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export interface RunFigures {
  ordersPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Paced runs: p99 from each command's scheduled time (run start + k / rate) to its ack, so a command
   * the loop issued late (a GC pause, a long turn, a late timer) counts its wait too (no coordinated
   * omission; includes up to ~1 ms of the loop's 1 ms timer). Absent for a saturating run.
   */
  p99FromDueMs?: number;
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
  /** Paced runs: latency from each command's scheduled time, ms. */
  latDue?: number[];
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
    ...(m.latDue ? { p99FromDueMs: round(percentile(Float64Array.from(m.latDue).sort(), 0.99)) } : {}),
    valkeyUsPerOrder: round(m.valkeyNs / 1000 / m.acked, 1),
    nodeUsPerOrder: round((m.node.user + m.node.system) / m.acked, 1),
    avgBatch: round(m.commands / Math.max(1, m.batches), 1),
  };
}

/** One V8 pause of this process: start and end (performance.now() ms); `full` for a mark-compact. */
export interface GcPause {
  start: number;
  end: number;
  full: boolean;
}

/** A run's V8 pauses summed: how many, their total and longest (ms), how many were full collections. */
export interface GcFigures {
  gcPauses: number;
  gcMs: number;
  gcMaxMs: number;
  fullGcs: number;
}

/**
 * Starts recording this process's V8 pauses (PerformanceObserver, type `gc`); the returned function
 * stops and returns those that began at or after `from` (performance.now() ms).
 */
export function recordGc(): (from: number) => GcPause[] {
  const pauses: GcPause[] = [];
  const take = (list: readonly PerformanceEntry[]) => {
    for (const e of list) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      pauses.push({
        start: e.startTime,
        end: e.startTime + e.duration,
        full: kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      });
    }
  };
  const obs = new PerformanceObserver((l) => take(l.getEntries()));
  obs.observe({ entryTypes: ["gc"] });
  return (from) => {
    take(obs.takeRecords()); // entries not yet delivered to the callback
    obs.disconnect();
    return pauses.filter((p) => p.start >= from);
  };
}

/** The summary of `pauses` (recordGc). */
export function gcFigures(pauses: readonly GcPause[]): GcFigures {
  const lengths = pauses.map((p) => p.end - p.start);
  return {
    gcPauses: pauses.length,
    gcMs: round(
      lengths.reduce((a, b) => a + b, 0),
      1,
    ),
    gcMaxMs: round(Math.max(0, ...lengths)),
    fullGcs: pauses.filter((p) => p.full).length,
  };
}
