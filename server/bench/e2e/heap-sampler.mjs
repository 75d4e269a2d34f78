// Heap figures of the server in bench:e2e, loaded with --import before the server (measurement only):
// - E2E_HEAP=<file>: a sampling heap profile of the step, collected objects included (what the scavenger
//   works through); heap-summary.mjs reads it.
// - E2E_HEAP_SNAPSHOT=<file>: a heap snapshot 4 s into the step (what is alive then, e.g. a backlog).
// e2e.bench.ts signals the step's start and end with SIGWINCH (Colyseus shuts down on SIGUSR2).
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { writeHeapSnapshot } from "node:v8";
import { setTimeout } from "node:timers";

const session = new Session();
session.connect();
let started = false;
process.on("SIGWINCH", () => {
  if (!started) {
    started = true;
    const snap = process.env.E2E_HEAP_SNAPSHOT;
    if (snap) setTimeout(() => writeHeapSnapshot(snap), 4000);
    if (process.env.E2E_HEAP)
      session.post("HeapProfiler.startSampling", {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    return;
  }
  if (process.env.E2E_HEAP)
    session.post("HeapProfiler.stopSampling", (err, r) => {
      if (err) process.stderr.write(`heap sampler: ${String(err)}\n`);
      else writeFileSync(process.env.E2E_HEAP, JSON.stringify(r.profile));
    });
});
