/**
 * The room's share of bench:e2e's work, in one process without sockets (a focused loop for issue 13):
 *
 *   node --import tsx server/bench/e2e/room-tick.ts [seconds of orders, default 20] [rate, default 5000]
 *
 * The game of e2e.bench.ts (one security at 100 ticks, ROOM_TICK_PLAYERS players, default 200) and the
 * commands of its load generator (e2e/load.ts: round-robin over the players, every player's 20th a
 * cancel-all, the rest limit orders of 1-3 lots at 96-101 / 99-104 ticks). The game's writer is the
 * core's `run` on its own state (not measured); what is measured is what the room does with it:
 *   - per command: the schema's parse of the message, GameModel.apply of its events, the reply's
 *     encoding (Colyseus' ROOM_RESPONSE frame);
 *   - per patch tick (rate / 20 commands): StateMirror.sync, the shared patch's encoding, the private
 *     feed's flush and the encoding of each player's "private" message (one per player, as for one
 *     session per player);
 *   - per second (20 ticks): syncValuation.
 * Prints CPU per command (process.cpuUsage, all of the loop; the writer's part measured apart and
 * subtracted) by part, and the time V8 spent in garbage collection (PerformanceObserver "gc"), as
 * µs per command, and a digest of every frame encoded (two versions that print the same digest sent the
 * same bytes). ROOM_TICK_HEAP=<file>: also a sampling heap profile of the measured ticks, collected
 * objects included (server/bench/e2e/heap-summary.mjs reads it). Compare versions by running them back
 * to back (the machine is shared; docs/throughput.md "The room's part in a loop of its own").
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { getMessageBytes, Protocol } from "@colyseus/core";
import { Encoder } from "@colyseus/schema";
import { GameState, PRIVATE_MESSAGE, RoomMessageSchemas, type EngineEvent } from "@marketroom/shared";
import { emptyState, run, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { benchSecurity } from "../fixtures.ts";
import { GameModel } from "../../src/game/model.ts";
import { StateMirror } from "../../src/rooms/mirror.ts";

const SECONDS = Number(process.argv[2] ?? 20);
const RATE = Number(process.argv[3] ?? 5000);
const PLAYERS = Number(process.env.ROOM_TICK_PLAYERS ?? 200);
const TICKS_PER_SEC = 20;
const PER_TICK = RATE / TICKS_PER_SEC;

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function setup(): { state: CoreState; events: EngineEvent[] } {
  const state = emptyState();
  const events: EngineEvent[] = [];
  const cmds: Command[] = [
    {
      type: "create_game",
      gameId: "bench",
      name: "bench",
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: false,
      protectionBps: 500,
    },
    benchSecurity(1, "BENCH"),
    ...Array.from({ length: PLAYERS }, (_, i): Command => ({
      type: "add_player",
      playerId: `p${i}`,
      name: `trader ${i + 1}`,
      cash: 1_000_000_000,
      holdings: [{ securityId: 1, qty: 1_000_000 }],
    })),
    { type: "set_phase", phase: "running" },
  ];
  for (const c of cmds) {
    const d = run(state, c, { ts: 1 });
    if (!d.ok) throw new Error(`setup: ${JSON.stringify(d)}`);
    events.push(...d.events);
  }
  return { state, events };
}

function resting(players: Iterable<{ orders: Map<number, { size: number }> }>): number {
  let n = 0;
  for (const p of players) for (const list of p.orders.values()) n += list.size;
  return n;
}

async function main(): Promise<void> {
  const { state, events } = setup();
  const model = GameModel.fromSnapshot("bench", {
    seq: state.seq,
    events,
    openRefs: new Map([[1, 100]]),
    refPrices: new Map([[1, 100]]),
    bots: new Set(),
  });
  const gs = new GameState();
  const mirror = new StateMirror(gs, model);
  Encoder.BUFFER_SIZE = 64 * 1024; // the room's full state with 200 players (Colyseus warns and grows it otherwise)
  const encoder = new Encoder(gs);
  mirror.sync();
  mirror.syncValuation();
  encoder.encodeAll();
  encoder.discardChanges();
  mirror.feed.flush(model);

  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ["gc"] });

  let x = 7;
  const rnd = () => {
    x = (x * 1_103_515_245 + 12_345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  const perPlayer = new Uint32Array(PLAYERS);
  const parts = {
    writer: 0,
    parse: 0,
    apply: 0,
    reply: 0,
    sync: 0,
    patch: 0,
    privateFlush: 0,
    privateSend: 0,
    valuation: 0,
  };
  let bytes = { patch: 0, private: 0, replies: 0 };
  let k = 0;
  const wire = createHash("sha256"); // every frame's bytes: two versions of the room must print the same digest
  let ts = 1_000;
  const ticks = SECONDS * TICKS_PER_SEC;
  const warm = TICKS_PER_SEC * 2;
  const gc0 = { at: 0 };
  const total0 = { at: 0 };
  const turn = () => new Promise((r) => setImmediate(r)); // GC entries are delivered between turns
  // ROOM_TICK_HEAP=<file>: a sampling heap profile of the measured ticks, collected objects included
  // (what the scavenger has to deal with), for `node server/bench/e2e/heap-summary.mjs`
  const heap = process.env.ROOM_TICK_HEAP ? new Session() : null;
  for (let tick = 0; tick < ticks + warm; tick++) {
    await turn();
    if (tick === warm && heap) {
      heap.connect();
      await heap.post("HeapProfiler.startSampling", {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    if (tick === warm) {
      for (const key of Object.keys(parts) as (keyof typeof parts)[]) parts[key] = 0;
      bytes = { patch: 0, private: 0, replies: 0 };
      gc0.at = gcMs;
      total0.at = cpuUs();
    }
    // the writer: this tick's commands, decided and evolved on its own state (not the room's)
    let t = cpuUs();
    const batch: {
      body: Record<string, unknown>;
      type: "place" | "cancel-all";
      result: unknown;
      events: EngineEvent[];
    }[] = [];
    for (let i = 0; i < PER_TICK; i++, k++) {
      const c = k % PLAYERS;
      const playerId = `p${c}`;
      perPlayer[c]! += 1;
      ts++;
      if (perPlayer[c]! % 20 === 0) {
        const d = run(state, { type: "cancel_all", playerId }, { ts });
        if (d.ok) batch.push({ body: {}, type: "cancel-all", result: d.result, events: d.events });
      } else {
        const side = rnd() < 0.5 ? "buy" : "sell";
        const price = side === "buy" ? 96 + Math.floor(rnd() * 6) : 99 + Math.floor(rnd() * 6);
        const qty = 1 + Math.floor(rnd() * 3);
        const d = run(state, { type: "place", playerId, securityId: 1, side, price, qty }, { ts });
        if (!d.ok && process.env.ROOM_TICK_DEBUG) process.stderr.write(`${JSON.stringify(d)}\n`);
        if (d.ok)
          batch.push({ body: { securityId: 1, side, price, qty }, type: "place", result: d.result, events: d.events });
      }
    }
    let now = cpuUs();
    parts.writer += now - t;
    // the room, per command: parse, apply, reply (each over the tick's commands, to time them apart)
    t = now;
    for (const b of batch) if (!RoomMessageSchemas[b.type].safeParse(b.body).success) throw new Error("bad body");
    now = cpuUs();
    parts.parse += now - t;
    t = now;
    for (const b of batch) for (const e of b.events) model.apply(e);
    now = cpuUs();
    parts.apply += now - t;
    t = now;
    for (const b of batch) {
      const r = b.result as {
        lastSeq: number;
        order?: unknown;
        fills?: unknown;
        cancelledOrderIds?: unknown;
        truncated?: unknown;
      };
      const reply =
        b.type === "place"
          ? { ok: true, type: b.type, seq: r.lastSeq, order: r.order, fills: r.fills }
          : { ok: true, type: b.type, seq: r.lastSeq, cancelledOrderIds: r.cancelledOrderIds, truncated: r.truncated };
      const frame = getMessageBytes[Protocol.ROOM_RESPONSE](k & 0xffff, 0, reply);
      bytes.replies += frame.length;
      wire.update(frame);
    }
    now = cpuUs();
    parts.reply += now - t;
    // the patch tick
    t = now;
    mirror.sync();
    now = cpuUs();
    parts.sync += now - t;
    t = now;
    if (encoder.hasChanges) {
      const it = { offset: 1 };
      const frame = encoder.encode(it);
      bytes.patch += frame.length * PLAYERS;
      wire.update(frame);
      encoder.discardChanges();
    }
    now = cpuUs();
    parts.patch += now - t;
    t = now;
    const patches = mirror.feed.flush(model);
    now = cpuUs();
    parts.privateFlush += now - t;
    t = now;
    const frames: Buffer[] = [];
    for (const p of patches) frames.push(getMessageBytes.raw(Protocol.ROOM_DATA, PRIVATE_MESSAGE, { players: [p] }));
    now = cpuUs();
    parts.privateSend += now - t;
    for (const f of frames) {
      bytes.private += f.length;
      wire.update(f);
    }
    if (tick % TICKS_PER_SEC === TICKS_PER_SEC - 1) {
      t = now;
      mirror.syncValuation();
      parts.valuation += cpuUs() - t;
    }
  }
  const all = cpuUs() - total0.at;
  if (heap) {
    const { profile } = await heap.post("HeapProfiler.stopSampling");
    writeFileSync(process.env.ROOM_TICK_HEAP!, JSON.stringify(profile));
  }
  // the full snapshots ("private-sync") too
  for (const p of mirror.feed.snapshots(mirror.feed.players()))
    wire.update(getMessageBytes.raw(Protocol.ROOM_DATA, PRIVATE_MESSAGE, { players: [p] }));
  await turn();
  obs.disconnect();
  const n = ticks * PER_TICK;
  const us = (v: number) => (v / n).toFixed(2).padStart(7);
  const room = all - parts.writer;
  process.stdout.write(
    `room-tick: ${PLAYERS} players, ${RATE} commands/s for ${SECONDS} s (${n} commands, ${ticks} ticks); resting orders at the end ${resting(model.players.values())} (writer ${resting(state.players.values())})${model.broken ? `, model broken: ${model.broken}` : ""}\n`,
  );
  for (const [key, v] of Object.entries(parts)) process.stdout.write(`  ${key.padEnd(13)}${us(v)} us/cmd\n`);
  process.stdout.write(
    `  room in all  ${us(room)} us/cmd (loop ${us(all)}, of which GC ${us((gcMs - gc0.at) * 1000)})\n`,
  );
  process.stdout.write(
    `  bytes per command: patch ${(bytes.patch / n).toFixed(1)}, private ${(bytes.private / n).toFixed(1)}, replies ${(bytes.replies / n).toFixed(1)}; digest of every frame ${wire.digest("hex").slice(0, 16)}\n`,
  );
}

void main();
