/**
 * The commit path's CPU per command at a fixed batch size (`npm run bench -- commit-small`): what
 * decides `commitP99Ms` of bench:engine (docs/commit.md "The machine's floor"). At 10,000 commands/s
 * the paced step's batches hold about 12-17 commands, and the writer's and Valkey's CPU per command
 * at that size, not the machine, make the tail; CPU time stays meaningful on a shared machine, where
 * wall clock does not.
 *
 * For each size K of BATCHES (default 12,256): one GameWriter (GameWriter.open on a private
 * redis-server/valkey-server with AOF everysec, then the bench game's setup) executes the mixed flow of
 * core.bench.ts in closed-loop rounds: K commands decided in one event-loop turn (so they form one batch),
 * then a wait for all K acks. WARMUP rounds, then ROUNDS (default 1,500) measured.
 * Figures per command: Node CPU (process.cpuUsage: decide, projection, encoding, client, this loop),
 * Valkey main-thread CPU (/proc/<pid>/schedstat), the script's time per call (INFO commandstats,
 * wall clock inside Valkey), and the bytes this process allocates on the V8 heap (GCProfiler; what
 * sets how often the young generation is scavenged). valkeyHsetUs is the machine's calibration
 * (commit.bench.ts calibrate()). Prints one line per size, then as its last line
 * {"runs": [{"batch", "nodeUsPerCmd", "valkeyUsPerCmd", "scriptUsPerCall", "bytesPerCmd", "valkeyHsetUs"}], "loadAvg"}.
 */
import { loadavg } from "node:os";
import { Redis } from "iovalkey";
import { GameWriter } from "../src/engine/game-writer.ts";
import { startValkeyChild } from "../test/support/valkey-child.ts";
import { allocatedBytes, calibrate, cpuNs } from "./commit.bench.ts";
import { flow, setupCommands } from "./core.bench.ts";

const BATCHES = (process.env.BATCHES ?? "12,256").split(",").map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 1500);
const WARMUP = 300;
const SECURITIES = 4;

/** Runs `rounds` batches of `k` commands of the flow through the writer, each awaited before the next. */
async function rounds(w: GameWriter, f: ReturnType<typeof flow>, k: number, n: number): Promise<void> {
  for (let r = 0; r < n; r++) {
    const acks: Promise<void>[] = [];
    for (let i = 0; i < k; i++) {
      const { c, pi } = f.next();
      acks.push(
        w.execute(c, Date.now()).then((d) => {
          if (!d.ok || c.type !== "place") return;
          const o = (d.result as { order: { restingQty: number; orderId: number; securityId: number } }).order;
          if (o.restingQty > 0) f.rested(pi, o.securityId, o.orderId);
        }),
      );
    }
    await Promise.all(acks);
  }
}

const round1 = (x: number) => Number(x.toFixed(1));

const runs: Record<string, number>[] = [];
for (const k of BATCHES) {
  const server = await startValkeyChild({ appendfsync: "everysec" });
  const client = new Redis(server.url);
  try {
    const valkeyHsetUs = await calibrate(server);
    const w = await GameWriter.open(client, `small-${k}-${Date.now()}`, "bench");
    for (const c of setupCommands(SECURITIES)) await w.execute(c, Date.now());
    const f = flow(SECURITIES, 7);
    await rounds(w, f, k, Math.max(1, Math.round((WARMUP * 12) / k)));
    const n = Math.max(1, Math.round((ROUNDS * 12) / k));
    await client.config("RESETSTAT");
    const valkey0 = cpuNs(server.pid);
    const node0 = process.cpuUsage();
    const bytes = await allocatedBytes(() => rounds(w, f, k, n));
    const node = process.cpuUsage(node0);
    const valkeyNs = cpuNs(server.pid) - valkey0;
    const stat = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await client.info("commandstats"));
    const commands = n * k;
    const run = {
      batch: k,
      nodeUsPerCmd: round1((node.user + node.system) / commands),
      valkeyUsPerCmd: round1(valkeyNs / 1000 / commands),
      scriptUsPerCall: stat ? round1(Number(stat[2]) / Number(stat[1])) : 0,
      bytesPerCmd: Math.round(bytes / commands),
      valkeyHsetUs,
    };
    runs.push(run);
    console.log(
      `batch ${k}: Node ${run.nodeUsPerCmd} us/command, Valkey ${run.valkeyUsPerCmd} us/command, ` +
        `script ${run.scriptUsPerCall} us/call, ${run.bytesPerCmd} bytes allocated/command (calibration ${valkeyHsetUs} us)`,
    );
    await w.close();
  } finally {
    client.disconnect();
    await server.stop();
  }
}
console.log(JSON.stringify({ runs, loadAvg: Number(loadavg()[0]!.toFixed(1)) }));
