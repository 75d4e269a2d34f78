/**
 * The persister yields the CPU to the interactive path: it raises its own nice value (lowers its
 * scheduling priority) at start, so that where it shares cores with a game server and Valkey (npm start,
 * a classroom's one machine, the benchmarks) its batch bursts run when those leave a core free instead
 * of taking one from a room that is answering orders. Its work is not latency-bound: a batch stored a
 * little later only raises the persister lag (target <= 1 s), and a reader waiting for PostgreSQL
 * hurries it (hurry.ts). npm start and the benchmarks start PostgreSQL at the same nice value
 * (scripts/lib/postgres.mjs), since its backends do most of the storing. Raising a nice value needs no
 * privilege.
 *
 * Linux schedules threads, and setpriority() on an id changes only that thread, so every thread the
 * process already has (V8's and libuv's) is changed, from /proc/self/task; threads made later inherit
 * the value of the thread that makes them. Where /proc/self/task does not exist the process id is
 * changed (there it covers the process).
 *
 * Why: docs/persistence.md "Stop 28" (bench:api p99 <= 20 ms in 9 of 15 interleaved runs with the
 * persister and PostgreSQL at nice 5, against 2 of 15 at 0; bench:e2e p99 at 1,000/s lower in 5 of 6
 * pairs; the persister alone at nice 5 showed no clear difference).
 */
import { readdirSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Default raise of the persister's nice value (PERSISTER_NICE; 0 leaves it as it was started). */
export const DEFAULT_PERSISTER_NICE = 5;

/**
 * Raises this process's nice value by `by` (0-19) on every thread; returns the main thread's new
 * value, or null when `by` is 0 or the system refused. Never throws: a persister at its start
 * priority is still correct.
 */
export function yieldCpu(by: number): number | null {
  if (by <= 0) return null;
  try {
    const target = Math.min(19, getPriority() + by);
    for (const tid of threadIds()) {
      try {
        setPriority(tid, target);
      } catch {
        // a thread that ended meanwhile
      }
    }
    return getPriority();
  } catch {
    return null;
  }
}

/** This process's thread ids (Linux), or its pid alone where /proc/self/task does not exist. */
function threadIds(): number[] {
  try {
    return readdirSync("/proc/self/task").map(Number);
  } catch {
    return [process.pid];
  }
}
