// The server's event-loop delay in bench:e2e, loaded with --import before the server (measurement only).
// e2e.bench.ts signals each step's start and end with SIGWINCH (as for heap-sampler.mjs); on each signal
// this prints the delay histogram since the previous one as one stdout line
// {"e2eLoop": n, "p99Ms": x, "maxMs": y} (n counts the signals) and starts a new one. The figures are how
// late a 1 ms timer fired (the histogram's values less the 1 ms resolution): how long a message that
// arrived at a bad moment waited for the loop, behind one synchronous turn.
import { monitorEventLoopDelay } from "node:perf_hooks";
import process from "node:process";

const RESOLUTION_MS = 1;
const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
h.enable();
let n = 0;
const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 10) / 10);
process.on("SIGWINCH", () => {
  n++;
  const line = { e2eLoop: n, p99Ms: h.count ? ms(h.percentile(99)) : 0, maxMs: h.count ? ms(h.max) : 0 };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  h.reset();
});
