/**
 * The floor of paced group commit on this machine, for `npm run bench -- commit-latency` (config
 * `floor`): the same open-loop pacing as bench:engine's paced step (commands due by the clock, sent in
 * a burst each time a 1 ms timer fires; latency from execute() to ack) and the same batching policy as
 * the GameWriter (the open batch leaves at the end of the event-loop turn while fewer than 2 batches
 * are in flight), but a "command" does no work at all: a batch is ONE `XADD` of EVENT_BYTES (default
 * 300) bytes per command to a private Valkey. No decide, no projection, no Lua, no keys.
 *
 * Also reports the p99 from each command's scheduled time (`p99FromDueMs`, run-figures.ts): with no
 * work per command, what that adds is the loop's own lateness: its 1 ms timer, its turns spent on
 * acks, and the process waiting for a core.
 *
 * Whatever p99 this shows is the machine's (timer wake-ups, scheduling, the loopback round trip, the
 * AOF write), a bound no writer on it can beat; read the writer's commitP99Ms against it.
 */
import { Redis } from "iovalkey";
import type { ValkeyChild } from "../test/support/valkey-child.ts";
import { cpuNs } from "./commit.bench.ts";
import { runFigures, Samples, type RunFigures } from "./run-figures.ts";

const EVENT_BYTES = Number(process.env.EVENT_BYTES ?? 300);

/** Offers `rate` empty commands/s for `seconds`; `onAck(startMs, latencyMs)` per command. */
export async function driveFloor(
  server: ValkeyChild,
  rate: number,
  seconds: number,
  onAck?: (startMs: number, latencyMs: number) => void,
): Promise<Omit<RunFigures, "rejects" | "bytesPerOrder" | "aofRewrites">> {
  const client = new Redis(server.url);
  await client.ping();
  const payload = "x".repeat(EVENT_BYTES);
  let open: (() => void)[] = [];
  let inFlight = 0,
    scheduled = false,
    batches = 0;
  const flush = () => {
    scheduled = false;
    if (inFlight >= 2 || open.length === 0) return;
    const batch = open;
    open = [];
    inFlight++;
    batches++;
    const data = new Array<string>(batch.length).fill(payload).join("\n");
    void client.call("XADD", "floor", "MAXLEN", "~", "10000", "*", "data", data).then(() => {
      inFlight--;
      for (const ack of batch) ack();
      if (open.length > 0 && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
  const execute = () =>
    new Promise<void>((ack) => {
      open.push(ack);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  const lat = Samples.forRun(rate, seconds);
  const latDue = Samples.forRun(rate, seconds);
  let sent = 0,
    acked = 0;
  const cpu0 = cpuNs(server.pid);
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      sent++;
      const at = performance.now();
      const dueAt = t0 + (sent * 1000) / rate;
      void execute().then(() => {
        const now = performance.now();
        const ms = now - at;
        lat.push(ms);
        latDue.push(now - dueAt);
        onAck?.(at, ms);
        acked++;
      });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  while (acked < sent) await new Promise((r) => setTimeout(r, 1));
  const elapsed = (performance.now() - t0) / 1000;
  const valkeyNs = cpuNs(server.pid) - cpu0;
  const node = process.cpuUsage(node0);
  await client.quit();
  return runFigures({ lat, latDue, acked, seconds: elapsed, valkeyNs, node, commands: acked, batches });
}
