/**
 * Load generator process of the end-to-end benchmark (started by e2e.bench.ts; not run by hand).
 *
 *   node --import tsx server/bench/e2e/load.ts <spec.json>
 *
 * spec: {"base", "gameId", "tokens": [...], "rates": [commands/s...], "stepSeconds", "idleSeconds", "warmupSeconds"}.
 * Connects one LightClient per token, then:
 *   1. idle: every client connected, nothing sent, for idleSeconds (the server's cost of patch ticks alone);
 *   2. warm-up: the first rate for warmupSeconds (0 = none), the same commands as a step, reported on its
 *      own and not as a step: a server just started runs its code in V8's interpreter until the hot paths
 *      are compiled, and a first step from cold measured that (docs/throughput.md "Stop 23");
 *   3. per rate: OPEN-LOOP paced commands for stepSeconds. Command k of a step is due at
 *      t0 + k / rate and its latency is measured from that intended time, not from when it left (so a
 *      stalled server or generator shows up as latency: no coordinated omission). Commands go round-robin
 *      over the clients; each client's 20th command is a cancel-all, the rest limit orders of 1-3 lots
 *      at 96-101 (bids) or 99-104 (asks) ticks, so about a fifth cross.
 * Prints one JSON line per phase on stdout, which the parent reads to sample CPU at the boundaries:
 *   {"event":"ready","clients"}  {"event":"idle-start"}  {"event":"idle-end"}
 *   {"event":"warmup","rate","seconds","sent","acked","rejected","behindMs","p50Ms","p99Ms","maxMs","unansweredAfter1s"}
 *   {"event":"step-start","rate"}
 *   {"event":"step","rate","seconds","sent","acked","rejected","behindMs","p50Ms","p99Ms","maxMs","unansweredAfter1s",
 *    "genLoopP99Ms","genLoopMaxMs"}
 *   {"event":"done"}
 * behindMs: how late the generator itself sent its last command (a generator that cannot keep up
 * makes the step invalid; the parent reports it). genLoopP99Ms / genLoopMaxMs: this process's own
 * event-loop delay over the step (a reply it reads late is latency the server did not add). Stops early after a step with p99 above 2 s.
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { LightClient } from "./light-client.ts";

interface Spec {
  base: string;
  gameId: string;
  tokens: string[];
  rates: number[];
  stepSeconds: number;
  idleSeconds: number;
  warmupSeconds: number;
}

const emit = (o: object) => process.stdout.write(`${JSON.stringify({ ...o, at: Date.now() })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Connects the clients, 10 at a time. */
async function connectAll(spec: Spec): Promise<LightClient[]> {
  const out: LightClient[] = new Array(spec.tokens.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < spec.tokens.length) {
        const i = next++;
        out[i] = await LightClient.connect(spec.base, spec.tokens[i]!, spec.gameId);
      }
    }),
  );
  return out;
}

/** One paced step at `rate` commands/s; resolves with its figures. */
async function step(clients: LightClient[], rate: number, seconds: number, seed: { x: number }) {
  const rnd = () => {
    seed.x = (seed.x * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed.x / 0x7fffffff;
  };
  const total = Math.round(rate * seconds);
  const lat = new Float64Array(total);
  const perClient = new Uint32Array(clients.length);
  let sent = 0,
    acked = 0,
    rejected = 0,
    behindMs = 0;
  const codes: Record<string, number> = {}; // the rejections' codes, to tell a refused run from a slow one
  // This process's own event-loop delay: a reply read late here is latency the server did not add.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  const one = (k: number) => {
    const c = k % clients.length;
    const client = clients[c]!;
    const due = t0 + (k * 1000) / rate;
    perClient[c]! += 1;
    let reply;
    if (perClient[c]! % 20 === 0) reply = client.request("cancel-all", {});
    else {
      const side = rnd() < 0.5 ? "buy" : "sell";
      const price = side === "buy" ? 96 + Math.floor(rnd() * 6) : 99 + Math.floor(rnd() * 6);
      reply = client.request("place", { securityId: 1, side, price, qty: 1 + Math.floor(rnd() * 3) });
    }
    reply.then((r) => {
      lat[acked++] = performance.now() - due;
      const body = r.body as { ok?: boolean; code?: string } | undefined;
      if (!r.ok || body?.ok === false) {
        rejected++;
        const code = String(body?.code ?? "TRANSPORT");
        codes[code] = (codes[code] ?? 0) + 1;
      }
    });
  };
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
    if (due > sent) behindMs = Math.max(behindMs, now - (t0 + (sent * 1000) / rate));
    while (sent < due) one(sent++);
    await sleep(1);
  }
  const end = performance.now();
  while (acked < total && performance.now() - end < 1000) await sleep(5);
  const unansweredAfter1s = total - acked;
  loop.disable();
  while (acked < total && performance.now() - end < 10_000) await sleep(20);
  const sorted = lat.slice(0, acked).sort();
  const r2 = (x: number) => Number(x.toFixed(2));
  return {
    rate,
    seconds,
    sent,
    acked,
    rejected,
    behindMs: r2(behindMs),
    p50Ms: r2(percentile(sorted, 0.5)),
    p99Ms: r2(percentile(sorted, 0.99)),
    maxMs: r2(percentile(sorted, 1)),
    unansweredAfter1s,
    genLoopP99Ms: r2(loop.percentile(99) / 1e6),
    genLoopMaxMs: r2(loop.max / 1e6),
    codes,
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Spec;
  const clients = await connectAll(spec);
  emit({ event: "ready", clients: clients.length });
  emit({ event: "idle-start" });
  await sleep(spec.idleSeconds * 1000);
  emit({ event: "idle-end" });
  const seed = { x: 7 };
  if (spec.warmupSeconds > 0) {
    emit({ event: "warmup", ...(await step(clients, spec.rates[0]!, spec.warmupSeconds, seed)) });
    await sleep(500);
  }
  for (const rate of spec.rates) {
    emit({ event: "step-start", rate });
    const figures = await step(clients, rate, spec.stepSeconds, seed);
    emit({ event: "step", ...figures });
    if (figures.p99Ms > 2000) break;
    await sleep(500);
  }
  for (const c of clients) c.close();
  emit({ event: "done" });
  process.stdout.write("", () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`load generator failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
