/**
 * Game engine benchmark (`npm run bench:engine`): the core alone, then one GameWriter (decide +
 * group commit) against a private Valkey, issue 10's figures in ONE run.
 *
 * 1. core: measureCore() of core.bench.ts (decide + evolve, mixed flow, 1 and 4 securities; the worse),
 *    and the margin core; run after the Valkey steps, so their garbage stays out of the latency step.
 * 2. A private redis-server/valkey-server (server/test/support/valkey-child.ts: AOF on, appendfsync
 *    everysec, free port, stopped at the end; VALKEY_URL is ignored so no other client shares it).
 *    calibration: Valkey CPU of one pipelined 4-field HSET (calibrate() of commit.bench.ts), because on
 *    a shared machine every CPU figure is inflated by the other tenants (divide by it to compare runs).
 * 3. saturation: one GameWriter (GameWriter.open, then the bench game's setup) executes the mixed flow
 *    of core.bench.ts (about 70% resting limits 1..20 ticks from the mid, 20% crossing, 10% cancels of
 *    an own acknowledged resting order; 8 players; 4 securities) for SECONDS with at most
 *    MAX_OUTSTANDING commands unacknowledged; no clients. A command counts when its batch is committed.
 *    Valkey main-thread CPU from /proc/<pid>/schedstat over the run, per command.
 * 4. latency (run first): the same flow offered at a fixed paced rate (BENCH_PACED_RATE, default 10,000/s: half the
 *    20,000/s throughput target, so a faster writer is not tested at a harder rate), first from a cold
 *    start for BENCH_WARMUP_SECONDS (default 2; commitP99ColdMs: the JIT still compiling the commit
 *    path), then settle() (a full GC and an AOF rewrite), then a second warm-up game for as long (V8
 *    specialises the core's code on the first game's objects and throws that code away when a second
 *    game starts, and the full GC drops code that named the first game's dead objects: the second
 *    game's first ~0.5 s runs while it recompiles; docs/commit.md "Stop 21"), then an AOF rewrite
 *    alone, then the measured run on a third game with the code warm, as in a room process that has
 *    run several games (commitP99Ms; latency benchmarks of exchanges warm up likewise, e.g.
 *    exchange-core's; pacedAofRewrites says whether Valkey rewrote its AOF during it, which stalls
 *    commits), then the machine's floor at the same rate for as long (commitP99FloorMs: commit-floor.ts,
 *    the same pacing and batching with no work per command, one XADD per batch; the p99 no writer can
 *    beat on this machine at that moment), then with an AOF rewrite started 1 s in (commitP99DuringRewriteMs: what each of Valkey's
 *    own rewrites costs; docs/commit.md "Stop 26"), and again at half
 *    the saturation rate of step 3 (halfSaturationP99Ms), and at lower rates on new games for
 *    BENCH_CURVE_SECONDS each (BENCH_CURVE_RATES, default 1,000, 2,000 and 5,000/s: commitP99At1kMs...,
 *    where a classroom's or a competition's room runs); p99 from execute() to its ack (batch committed; with everysec
 *    the AOF is written before the reply and fsynced within a second). The writer batches with the
 *    GroupCommitter's defaults (sent at the end of the event-loop turn while fewer than 2 batches are in
 *    flight); BENCH_IN_FLIGHT=1 BENCH_DELAY_MS=2 reproduces the earlier policy (one batch in flight, a
 *    2 ms wait) to compare.
 * 5. resume: a game with RESUME_ORDERS resting orders (placed through a writer), the room's model
 *    checkpoint written (game/checkpoints.ts), then TAIL more commands; the room's rebuild timed, wall
 *    clock: GameWriter.open (claim + loadGame + hydrate) + a copy of its state + the checkpoint + the
 *    log after it folded into the model (what GameReads.snapshot and GameModel.fromSnapshot do for a
 *    room whose process holds the game's writer; docs/core.md "Checkpoints"); the writer alone (resumeWriterMs), then loadGame and hydrate timed apart.
 * 6. appendfsync always: step 3 against a second private server (shorter; ALWAYS=0 skips it).
 *
 * Node flags: scripts/bench.mjs runs it with the game server's old-generation flag
 * (`--initial-old-space-size=512`, scripts/lib/node-flags.mjs) and Node's default young generation (the
 * server's larger one lengthens the writer's scavenges; node-flags.mjs, docs/commit.md "Stop 22" and
 * "Stop 30"). Without the flag a full collection lands in most paced runs (docs/commit.md "Stop 30").
 * And with `--no-memory-reducer`, as the game server: without it the tsx loader's idle thread ran three
 * full collections in the paced or the floor step (node-flags.mjs, docs/commit.md "Stop 35"). The
 * first line printed names the flags of the run.
 *
 * Prints a table of every figure, then as its LAST line one JSON object whose first five fields are
 * {"coreOrdersPerSec", "commitOrdersPerSec", "valkeyUsPerOrder", "commitP99Ms", "resume100kMs"},
 * followed by pacedRate, commitP99FloorMs, commitP99FromDueMs and commitP99FloorFromDueMs (the same
 * two p99s counted from each command's scheduled time, run start + k / rate, instead of from
 * execute(): a command the loop issued late, behind a GC pause, a long turn or a timer that fired late
 * because the process had no core, counts that wait too; docs/commit.md "Stop 31"), pacedFullGcs and
 * pacedGcMaxMs (this process's full collections and its longest V8 pause during the measured paced
 * run; the table adds pacedGcPauses and pacedGcMs), pacedHostSpeedPct ([before, after] the measured
 * paced run: the slower CPU's speed in percent, host-speed.ts; about 70-95 at full speed, about 50 in
 * one of the host's slow spells, where every figure of the run is inflated; docs/commit.md "Stop 32"),
 * commitP99ColdMs, commitP99SecondGameMs (the second warm-up game),
 * pacedAofRewrites, commitP99DuringRewriteMs, halfSaturationRate, halfSaturationP99Ms and
 * commitP99At<rate>Ms, then the CPU figures that a shared machine does not distort as much as wall clock:
 * nodeUsPerOrder (this process's CPU per command at saturation: decide, projection, committer, client),
 * pacedBytesPerOrder (bytes this process allocated on the V8 heap per command in the measured paced run,
 * from GCProfiler, the bench's own included: what the scavenges work through, and the figure a shared
 * machine moves least, within about 10 bytes run to run),
 * coreUsPerOrder, resumeNodeCpuMs, resumeValkeyCpuMs, valkeyHsetUs (calibration) and loadAvg.
 * Targets: core >= 300,000/s, commit >= 20,000/s, Valkey <= 30 us/order, p99 <= 5 ms, resume <= 1,000 ms.
 * The Lua engine's figures (place.lua, 116-148 us of Valkey CPU per order) are in issue 10 and docs/commit.md.
 */
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fileURLToPath } from "node:url";
import { Redis } from "iovalkey";
import type { Command } from "../src/core/commands.ts";
import { GameWriter } from "../src/engine/game-writer.ts";
import { hydrate } from "../src/engine/hydrate.ts";
import { loadGame } from "../src/engine/load.ts";
import type { EngineEvent } from "@marketroom/shared";
import { copyState } from "../src/core/copy.ts";
import { checkpointKey } from "../src/engine/keys.ts";
import { readStreamEvents } from "../src/engine/stream-entries.ts";
import { readCheckpoint } from "../src/game/checkpoints.ts";
import { GameModel, type GameSnapshot } from "../src/game/model.ts";
import { startValkeyChild, type ValkeyChild } from "../test/support/valkey-child.ts";
import { allocatedBytes, calibrate, cpuNs } from "./commit.bench.ts";
import { hostSpeed, type HostSpeed } from "./host-speed.ts";
import { driveFloor } from "./commit-floor.ts";
import { gcFigures, recordGc, runFigures, Samples, type GcFigures, type RunFigures } from "./run-figures.ts";
import { measureCascadeCommitted, measureMargin } from "./margin.bench.ts";
import { flow, measureCore, setupCommands } from "./core.bench.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** The cold-start run before the measured paced run (commitP99ColdMs). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MAX_OUTSTANDING = Number(process.env.BENCH_OUTSTANDING ?? 1024);
const RESUME_ORDERS = Number(process.env.BENCH_RESUME_ORDERS ?? 100_000);
/** Writer batching, defaults unless BENCH_IN_FLIGHT / BENCH_DELAY_MS say otherwise (to compare policies). */
const WRITER_OPTS = {
  maxInFlight: process.env.BENCH_IN_FLIGHT ? Number(process.env.BENCH_IN_FLIGHT) : undefined,
  maxDelayMs: process.env.BENCH_DELAY_MS ? Number(process.env.BENCH_DELAY_MS) : undefined,
};
/** Lower paced rates measured after the main paced run, each on a new game (commitP99At<rate>Ms). */
const CURVE_RATES = (process.env.BENCH_CURVE_RATES ?? "1000,2000,5000")
  .split(",")
  .filter((r) => r !== "")
  .map(Number);
const CURVE_SECONDS = Number(process.env.BENCH_CURVE_SECONDS ?? 4);
const SECURITIES = 4;
const MID = 10_000;
/** Resting orders placed after the room's checkpoint in the resume step (the log it folds on top of it). */
const TAIL = 2_000;

function snapshotOf(events: EngineEvent[]): GameSnapshot {
  return { seq: events.at(-1)?.seq ?? 0, events, openRefs: new Map(), refPrices: new Map(), bots: new Set() };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * Between the warm-up runs and the measured paced run: the warm-up's garbage collected (`fullGc`: a
 * full GC, so its mark-compact does not land in the measured run; it also drops optimized code that
 * named dead objects, so a warm-up run must follow it) and the AOF rewritten (BGREWRITEAOF, waited
 * for), so the measured run starts, like the cold one, with a short AOF holding only what the keys
 * need. What stays warm is what a room process that has run for a while has: the JIT's compiled code
 * and Valkey's cached script.
 */
export async function settle(server: ValkeyChild, fullGc = true): Promise<void> {
  if (fullGc) {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  }
  const admin = new Redis(server.url);
  try {
    await admin.call("BGREWRITEAOF");
    for (;;) {
      const info = await admin.info("persistence");
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await admin.quit();
  }
}

/** A writer on a fresh game of `server` with the bench setup executed. */
async function newWriter(client: Redis, label: string): Promise<GameWriter> {
  const w = await GameWriter.open(client, `bench-${label}-${Date.now()}`, "bench", WRITER_OPTS);
  for (const c of setupCommands(SECURITIES)) {
    const r = await w.execute(c, Date.now());
    if (!r.ok) throw new Error(`setup failed: ${JSON.stringify(r)}`);
  }
  return w;
}

/**
 * A run's figures plus the V8 pauses of this process that began during it (run-figures.ts recordGc).
 * docs/commit.md "Stop 30": a full collection in the paced run is most of a high commitP99Ms.
 */
export type DriveFigures = RunFigures & GcFigures;

/**
 * Executes the mixed flow for `forSeconds` (default SECONDS): flat out with at most MAX_OUTSTANDING unacknowledged (rate 0),
 * or offered at `rate` commands/s. Commands are generated and decided inside the timed loop (the
 * writer's own work); latency is execute() to ack (`onAck` gets each command's start, performance.now()
 * ms, and its latency, ms), and for a paced run also from each command's scheduled time (`p99FromDueMs`).
 */
export async function drive(
  server: ValkeyChild,
  label: string,
  rate: number,
  onAck?: (startMs: number, latencyMs: number) => void,
  forSeconds = SECONDS,
): Promise<DriveFigures> {
  const client = new Redis(server.url);
  const w = await newWriter(client, label);
  const f = flow(SECURITIES, 7);
  const lat = Samples.forRun(rate, forSeconds);
  const latDue = Samples.forRun(rate, forSeconds);
  let sent = 0,
    acked = 0,
    rejects = 0,
    t0 = 0;
  let wake: (() => void) | null = null;
  const one = () => {
    const { c, pi } = f.next();
    sent++;
    const at = performance.now();
    const dueAt = t0 + (sent * 1000) / rate;
    w.execute(c, Date.now()).then(
      (d) => {
        const now = performance.now();
        const ms = now - at;
        lat.push(ms);
        if (rate > 0) latDue.push(now - dueAt);
        onAck?.(at, ms);
        acked++;
        if (!d.ok) rejects++;
        else if (c.type === "place") {
          const o = (d.result as { order: { restingQty: number; orderId: number; securityId: number } }).order;
          if (o.restingQty > 0) f.rested(pi, o.securityId, o.orderId);
        }
        wake?.();
      },
      (err: unknown) => {
        throw err;
      },
    );
  };
  const rewrites0 = await aofRewrites(client);
  const stopGc = recordGc();
  const cpu0 = cpuNs(server.pid);
  const node0 = process.cpuUsage();
  const stats0 = { ...w.commitStats! };
  t0 = performance.now();
  const end = t0 + forSeconds * 1000;
  const bytes = await allocatedBytes(async () => {
    while (performance.now() < end) {
      if (rate > 0) {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate);
        while (sent < due) one();
        await new Promise((r) => setTimeout(r, 1));
      } else {
        while (sent - acked < MAX_OUTSTANDING) one();
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    }
    while (acked < sent)
      await new Promise<void>((r) => {
        wake = r;
      });
  });
  const seconds = (performance.now() - t0) / 1000;
  const gc = gcFigures(stopGc(t0));
  const cpu = cpuNs(server.pid) - cpu0;
  const node = process.cpuUsage(node0);
  const stats = w.commitStats!;
  const batches = stats.batches - stats0.batches;
  const commands = stats.commands - stats0.commands;
  const rewrites = (await aofRewrites(client)) - rewrites0;
  await w.close();
  await client.quit();
  const bytesPerOrder = Math.round(bytes / Math.max(1, acked));
  return {
    ...runFigures({
      lat,
      latDue: rate > 0 ? latDue : undefined,
      acked,
      seconds,
      valkeyNs: cpu,
      node,
      commands,
      batches,
    }),
    rejects,
    bytesPerOrder,
    aofRewrites: rewrites,
    ...gc,
  };
}

/**
 * The paced flow at `rate` for CURVE_SECONDS on a new game with a BGREWRITEAOF sent 1 s in: what one AOF
 * rewrite (a fork of Valkey, the child writing the base file, the parent's copy-on-write faults) costs
 * the commits. Valkey starts rewrites itself as the AOF grows (`auto-aof-rewrite-min-size`,
 * scripts/lib/valkey.mjs), so a long enough run at this rate has them.
 */
async function driveThroughRewrite(server: ValkeyChild, rate: number): Promise<DriveFigures> {
  const admin = new Redis(server.url);
  const timer = setTimeout(() => void admin.call("BGREWRITEAOF").catch(() => {}), 1000);
  try {
    return await drive(server, "rewrite", rate, undefined, CURVE_SECONDS);
  } finally {
    clearTimeout(timer);
    await admin.quit();
  }
}

/**
 * Valkey's AOF rewrites so far: those completed (INFO persistence `aof_rewrites`) plus one while a
 * rewrite runs, so that a rewrite which started during a run counts for that run.
 */
async function aofRewrites(client: Redis): Promise<number> {
  const info = await client.info("persistence");
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0);
  return field("aof_rewrites") + field("aof_rewrite_in_progress");
}

/**
 * Places RESUME_ORDERS resting orders through a writer, then times GameWriter.open on the game (wall
 * clock, and the CPU it cost this process and Valkey's main thread).
 */
export async function resume(server: ValkeyChild): Promise<{
  gameId: string;
  ms: number;
  writerMs: number;
  orders: number;
  loadMs: number;
  hydrateMs: number;
  nodeCpuMs: number;
  valkeyCpuMs: number;
}> {
  const client = new Redis(server.url);
  const w = await newWriter(client, "resume");
  let seed = 11;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < RESUME_ORDERS; i++) {
    const side = rand() < 0.5 ? "buy" : "sell";
    const off = 1 + Math.floor(rand() * 500);
    const c: Command = {
      type: "place",
      playerId: `p${i % 8}`,
      securityId: 1 + (i % SECURITIES),
      side,
      price: side === "buy" ? MID - off : MID + off,
      qty: 1 + Math.floor(rand() * 10),
    };
    window.push(w.execute(c, Date.now()));
    if (window.length >= 2048) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const gameId = w.gameId;
  // the room's checkpoint as its last tick wrote it, then a tail of TAIL commands after it
  const full = GameModel.fromSnapshot(gameId, snapshotOf(await readStreamEvents(client, gameId, 1, undefined, 1e9)));
  await client.set(checkpointKey(gameId), JSON.stringify(full.checkpointData()));
  for (let i = 0; i < TAIL; i++) {
    const c: Command = { type: "place", playerId: "p1", securityId: 1, side: "buy", price: MID - 1, qty: 1 };
    window.push(w.execute(c, Date.now()));
  }
  await Promise.all(window);
  await w.close();
  const cpu0 = cpuNs(server.pid);
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const again = await GameWriter.open(client, gameId, "resume");
  const writerMs = performance.now() - t0;
  // what GameReads.snapshot + GameModel.fromSnapshot add for the room: state copy, checkpoint, tail
  const state = copyState(again.state!);
  const checkpoint = (await readCheckpoint(client, gameId, state.seq))!;
  const tail = await readStreamEvents(client, gameId, checkpoint.fold.seq + 1, state.seq, 1e9);
  const model = GameModel.fromSnapshot(gameId, { ...snapshotOf(tail), seq: state.seq, base: { state, checkpoint } });
  const ms = performance.now() - t0;
  const node = process.cpuUsage(node0);
  const valkeyCpuMs = round((cpuNs(server.pid) - cpu0) / 1e6, 1);
  let orders = 0;
  for (const s of model.securities.values()) orders += s.book.orders.size;
  if (orders !== RESUME_ORDERS + TAIL)
    throw new Error(`resume found ${orders} resting orders, expected ${RESUME_ORDERS + TAIL}`);
  if (tail.length < TAIL)
    throw new Error(`resume folded ${tail.length} events after the checkpoint, expected >= ${TAIL}`);
  await again.close();
  // the two parts of a resume, timed apart on the same game
  const t1 = performance.now();
  const loaded = await loadGame(client, gameId);
  const t2 = performance.now();
  hydrate(loaded);
  const t3 = performance.now();
  await client.quit();
  return {
    gameId,
    ms: round(ms, 1),
    writerMs: round(writerMs, 1),
    orders,
    loadMs: round(t2 - t1, 1),
    hydrateMs: round(t3 - t2, 1),
    nodeCpuMs: round((node.user + node.system) / 1000, 1),
    valkeyCpuMs,
  };
}

/** commitP99At<rate>Ms per curve rate (1000 -> commitP99At1kMs, 2500 -> commitP99At2500Ms). */
function curveFigures(curve: Map<number, RunFigures>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [rate, r] of curve) out[`commitP99At${rate % 1000 === 0 ? `${rate / 1000}k` : rate}Ms`] = r.p99Ms;
  return out;
}

async function main(): Promise<void> {
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const load = round(loadavg()[0]!, 1);
  const everysec = await startValkeyChild({ appendfsync: "everysec" });
  let hsetUs: number,
    flat: RunFigures,
    cold: RunFigures,
    secondGame: RunFigures,
    paced: DriveFigures,
    floor: Omit<RunFigures, "rejects" | "bytesPerOrder" | "aofRewrites">,
    pacedRate: number,
    half: RunFigures,
    halfRate: number,
    speedBefore: HostSpeed,
    speedAfter: HostSpeed;
  const curve = new Map<number, RunFigures>();
  let rewrite: RunFigures;
  let res: Awaited<ReturnType<typeof resume>>;
  let cascade: Awaited<ReturnType<typeof measureCascadeCommitted>>;
  try {
    log(`node flags: ${process.execArgv.filter((a) => a.startsWith("--") && a !== "--import").join(" ") || "none"}`);
    hsetUs = await calibrate(everysec);
    log(`calibration: a pipelined 4-field HSET costs ${hsetUs} us of Valkey CPU (load average ${load})`);
    // The paced step first, while the heap holds only its writer, as a room process's would (the core
    // steps leave about 100 MB for the garbage collector, whose mark-compact pauses would land in it).
    pacedRate = Number(process.env.BENCH_PACED_RATE ?? 10_000);
    cold = await drive(everysec, "cold", pacedRate, undefined, WARMUP_SECONDS);
    log(`writer offered ${pacedRate}/s for ${WARMUP_SECONDS} s from a cold start (everysec): ${JSON.stringify(cold)}`);
    await settle(everysec);
    secondGame = await drive(everysec, "warm", pacedRate, undefined, WARMUP_SECONDS);
    log(
      `writer offered ${pacedRate}/s for ${WARMUP_SECONDS} s on a second game (everysec): ${JSON.stringify(secondGame)}`,
    );
    speedBefore = await hostSpeed();
    await settle(everysec, false);
    paced = await drive(everysec, "paced", pacedRate);
    log(`writer offered ${pacedRate}/s (everysec), warm: ${JSON.stringify(paced)}`);
    speedAfter = await hostSpeed();
    log(
      `host speed per CPU, % (fixed work, fastest / median chunk; host-speed.ts): before the paced run ${speedBefore.perCpuPct.join(" ")}, after it ${speedAfter.perCpuPct.join(" ")}`,
    );
    // the machine's floor at the same rate, right after: same pacing and batching, no work per command
    floor = await driveFloor(everysec, pacedRate, SECONDS);
    log(`floor: empty commands offered ${pacedRate}/s, one XADD per batch (everysec): ${JSON.stringify(floor)}`);
    for (const rate of CURVE_RATES) {
      await settle(everysec, false);
      const r = await drive(everysec, `curve${rate}`, rate, undefined, CURVE_SECONDS);
      curve.set(rate, r);
      log(`writer offered ${rate}/s for ${CURVE_SECONDS} s (everysec), warm: ${JSON.stringify(r)}`);
    }
    await settle(everysec, false);
    rewrite = await driveThroughRewrite(everysec, pacedRate);
    log(
      `writer offered ${pacedRate}/s for ${CURVE_SECONDS} s with an AOF rewrite started 1 s in (everysec): ${JSON.stringify(rewrite)}`,
    );
    flat = await drive(everysec, "flat", 0);
    log(`writer saturation (everysec): ${JSON.stringify(flat)}`);
    halfRate = Math.max(100, Math.round(flat.ordersPerSec / 2));
    half = await drive(everysec, "half", halfRate);
    log(`writer offered ${halfRate}/s, half its saturation rate (everysec): ${JSON.stringify(half)}`);
    res = await resume(everysec);
    log(
      `resume ${res.orders} resting orders (room: claim + load + hydrate + model from checkpoint and tail): ${res.ms} ms (writer alone ${res.writerMs} ms) (CPU: node ${res.nodeCpuMs} ms, Valkey ${res.valkeyCpuMs} ms); loadGame ${res.loadMs} ms, hydrate ${res.hydrateMs} ms`,
    );
    cascade = await measureCascadeCommitted(everysec.url); // issue 15: shock to last liquidation committed
    log(`liquidation cascade through the commit path: ${JSON.stringify(cascade)}`);
  } finally {
    await everysec.stop();
  }
  const core = measureCore({ orders: 100_000, reps: 3 });
  const coreOrdersPerSec = Math.round(Math.min(...core.map((c) => c.ordersPerSec)));
  log(`core: ${JSON.stringify(core)}`);
  const margin = measureMargin(); // issue 15: core with margin checks
  log(`margin core: ${JSON.stringify(margin)}`);
  let always: RunFigures | null = null;
  if (process.env.ALWAYS !== "0") {
    const server = await startValkeyChild({ appendfsync: "always" });
    try {
      always = await drive(server, "always", 0);
      log(`writer saturation (always): ${JSON.stringify(always)}`);
    } finally {
      await server.stop();
    }
  }
  const table: Record<string, number | string> = {
    coreOrdersPerSec,
    coreOrdersPerSec1: Math.round(core[0]!.ordersPerSec),
    coreOrdersPerSec4: Math.round(core[1]!.ordersPerSec),
    commitOrdersPerSec: flat.ordersPerSec,
    valkeyUsPerOrder: flat.valkeyUsPerOrder,
    nodeUsPerOrder: flat.nodeUsPerOrder,
    avgBatch: flat.avgBatch,
    saturationP99Ms: flat.p99Ms,
    pacedRate,
    pacedOrdersPerSec: paced.ordersPerSec,
    pacedNodeUsPerOrder: paced.nodeUsPerOrder,
    pacedValkeyUsPerOrder: paced.valkeyUsPerOrder,
    pacedAvgBatch: paced.avgBatch,
    pacedBytesPerOrder: paced.bytesPerOrder,
    commitP50Ms: paced.p50Ms,
    commitP99Ms: paced.p99Ms,
    commitP99FloorMs: floor.p99Ms,
    commitP99FromDueMs: paced.p99FromDueMs ?? "-",
    commitP99FloorFromDueMs: floor.p99FromDueMs ?? "-",
    pacedGcPauses: paced.gcPauses,
    pacedGcMs: paced.gcMs,
    pacedGcMaxMs: paced.gcMaxMs,
    pacedFullGcs: paced.fullGcs,
    pacedHostSpeedPct: `${speedBefore.minPct} / ${speedAfter.minPct}`,
    commitP99ColdMs: cold.p99Ms,
    commitP99SecondGameMs: secondGame.p99Ms,
    pacedAofRewrites: paced.aofRewrites,
    commitP99DuringRewriteMs: rewrite.p99Ms,
    rewriteRunAofRewrites: rewrite.aofRewrites,
    halfSaturationRate: halfRate,
    halfSaturationP99Ms: half.p99Ms,
    ...curveFigures(curve),
    resume100kMs: res.ms,
    resumeWriterMs: res.writerMs,
    resumeLoadMs: res.loadMs,
    resumeHydrateMs: res.hydrateMs,
    resumeNodeCpuMs: res.nodeCpuMs,
    resumeValkeyCpuMs: res.valkeyCpuMs,
    alwaysOrdersPerSec: always?.ordersPerSec ?? "-",
    alwaysValkeyUsPerOrder: always?.valkeyUsPerOrder ?? "-",
    alwaysP99Ms: always?.p99Ms ?? "-",
    valkeyHsetUs: hsetUs,
    liquidationCascadeMs: cascade.liquidationCascadeMs,
    marginCoreOrdersPerSec: margin.marginCoreOrdersPerSec,
    loadAvg: load,
  };
  console.log("figure                    value");
  for (const [k, v] of Object.entries(table)) console.log(`${k.padEnd(26)}${v}`);
  console.log(
    JSON.stringify({
      coreOrdersPerSec,
      commitOrdersPerSec: flat.ordersPerSec,
      valkeyUsPerOrder: flat.valkeyUsPerOrder,
      commitP99Ms: paced.p99Ms,
      resume100kMs: res.ms,
      pacedRate,
      commitP99FloorMs: floor.p99Ms,
      commitP99FromDueMs: paced.p99FromDueMs,
      commitP99FloorFromDueMs: floor.p99FromDueMs,
      pacedFullGcs: paced.fullGcs,
      pacedGcMaxMs: paced.gcMaxMs,
      pacedHostSpeedPct: [speedBefore.minPct, speedAfter.minPct],
      commitP99ColdMs: cold.p99Ms,
      commitP99SecondGameMs: secondGame.p99Ms,
      pacedAofRewrites: paced.aofRewrites,
      commitP99DuringRewriteMs: rewrite.p99Ms,
      halfSaturationRate: halfRate,
      halfSaturationP99Ms: half.p99Ms,
      ...curveFigures(curve),
      nodeUsPerOrder: flat.nodeUsPerOrder,
      pacedBytesPerOrder: paced.bytesPerOrder,
      coreUsPerOrder: round(Math.max(...core.map((c) => c.cpuUsPerOrder)), 2),
      resumeNodeCpuMs: res.nodeCpuMs,
      resumeValkeyCpuMs: res.valkeyCpuMs,
      valkeyHsetUs: hsetUs,
      liquidationCascadeMs: cascade.liquidationCascadeMs,
      marginCoreOrdersPerSec: margin.marginCoreOrdersPerSec,
      marginCoreUsPerOrder: margin.marginCoreUsPerOrder,
      loadAvg: load,
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
