/**
 * The figures of one run of a paced or saturating writer benchmark (engine.bench.ts drive(),
 * commit-floor.ts driveFloor()), and how they are computed from the run's measurements.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { percentile } from "./commit.bench.ts";

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * A run's latency samples (ms) in a Float64Array made, and written once, before the run: recording a
 * sample then never allocates. A JS array of 100,000 doubles grows in steps, each a new object in V8's
 * large-object space on fresh pages, and on this VM a first touch of a page costs about 12 µs (a
 * C probe: 12-16 µs per 4 KiB page), so each step of two such arrays stalled the measuring loop,
 * the writer's own thread, for 1.5-3.5 ms in the measured window (docs/commit.md "Stop 35"). Sized
 * for a paced run (rate x seconds, with room); past its capacity it doubles, as an array would.
 */
export class Samples {
  private buf: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.buf = new Float64Array(Math.max(16, Math.ceil(capacity)));
    this.buf.fill(1); // touch every page now, not during the run (a fresh buffer's pages are not yet mapped)
  }

  /** Capacity for a run offered `rate` commands/s for `seconds`, with a quarter more for late acks. */
  static forRun(rate: number, seconds: number): Samples {
    return new Samples(rate > 0 ? rate * seconds * 1.25 + 1024 : 1 << 16);
  }

  push(ms: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = ms;
  }

  /** The samples recorded, as a view (no copy). */
  values(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

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
  lat: Samples;
  /** Paced runs: latency from each command's scheduled time, ms. */
  latDue?: Samples;
  acked: number;
  seconds: number;
  valkeyNs: number;
  node: NodeJS.CpuUsage;
  commands: number;
  batches: number;
}): Omit<RunFigures, "rejects" | "bytesPerOrder" | "aofRewrites"> {
  const sorted = Float64Array.from(m.lat.values()).sort();
  return {
    ordersPerSec: Math.round(m.acked / m.seconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    ...(m.latDue ? { p99FromDueMs: round(percentile(Float64Array.from(m.latDue.values()).sort(), 0.99)) } : {}),
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
