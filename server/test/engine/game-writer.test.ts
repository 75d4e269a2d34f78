/**
 * GameWriter (server/src/engine/game-writer.ts) against real Valkey: the seeded random command
 * streams of the core's tests (server/test/core/streams.ts) go through a writer, fired without
 * waiting so that batches of many commands form, and
 * (a) a NEW writer opened on the game (which fences the first) hydrates a state deep-equal to the
 *     first writer's and to the stream game:{g}:events folded through evolve, with equal reads;
 * (b) the fenced writer answers FENCED and writes nothing;
 * (c) with its own redis-server killed mid-stream, uncommitted commands get UNAVAILABLE; after the
 *     restart the writer reloads a state equal to what was acknowledged, and retrying the same
 *     commands (same clientOrderIds) is safe;
 * (d) the writer's answers equal the core's for the same stream (so, by the differential test, the Lua
 *     engine's);
 * (f) with two batches in flight, a refused first batch fails both: neither is acknowledged, and the
 *     writer reloads exactly the committed state;
 * (e) on the bench's mixed flow in large batches (orders placed and filled or cancelled within one
 *     batch, partial fills, amends, clientOrderIds, post-only), Valkey loads and hydrates to the
 *     writer's state after every burst, and the order hashes agree with the index loadGame reads.
 * WRITER_RUNS streams (default 6) of up to WRITER_STEPS (default 150), seed WRITER_SEED.
 */
import { expect } from "chai";
import fc from "fast-check";
import { Redis } from "iovalkey";
import { EngineEvent, type Rejection } from "@marketroom/shared";
import { decide, emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { CommitError } from "../../src/engine/commit.ts";
import { GameWriter } from "../../src/engine/game-writer.ts";
import { hydrate } from "../../src/engine/hydrate.ts";
import { loadGame, type LoadedGame } from "../../src/engine/load.ts";
import * as K from "../../src/engine/keys.ts";
import { canonical } from "../core/support.ts";
import { PLAYERS, resolve, streamArb, type Stream } from "../core/streams.ts";
import { startValkeyChild } from "../support/valkey-child.ts";
import { flow, setupCommands } from "../../bench/core.bench.ts";
import { connect, expectUnchanged, newGameId, snapshot } from "./helpers.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";

const RUNS = Number(process.env.WRITER_RUNS ?? 6);
const STEPS = Number(process.env.WRITER_STEPS ?? 150);
const SEED = Number(process.env.WRITER_SEED ?? 1010);
const T0 = 1_700_000_000_000;

const streams = (): Stream[] => fc.sample(streamArb(STEPS), { seed: SEED, numRuns: RUNS });

/** decide then evolve into `s`; the core's answer. */
function applyCore(s: CoreState, c: Command, ts: number): ReturnType<typeof decide> {
  const d = decide(s, c, { ts });
  if (d.ok) for (const e of d.events) evolve(s, e);
  return d;
}

/** Waits (polling) until cond() holds; fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Sent = { c: Command; ts: number; p: Promise<unknown> };

/**
 * Sends commands through the writer without waiting (so batches form), except every `pauseEvery`
 * commands, where it waits for everything sent. Each command is resolved against the writer's state
 * (equal to the reference core's, which gets the same commands).
 */
async function drive(
  w: GameWriter,
  ref: CoreState,
  cmds: (Command | ((s: CoreState) => Command))[],
  ts0: number,
  pauseEvery = 37,
): Promise<{ sent: Sent[]; expected: unknown[] }> {
  const sent: Sent[] = [];
  const expected: unknown[] = [];
  let outstanding: Promise<unknown>[] = [];
  for (let i = 0; i < cmds.length; i++) {
    const spec = cmds[i]!;
    const c = typeof spec === "function" ? spec(w.state!) : spec;
    const ts = ts0 + i;
    const p = w.execute(c, ts);
    p.catch(() => undefined);
    sent.push({ c, ts, p });
    outstanding.push(p);
    expected.push(applyCore(ref, c, ts));
    if (i % pauseEvery === pauseEvery - 1) {
      await Promise.allSettled(outstanding);
      outstanding = [];
    }
  }
  await Promise.allSettled(outstanding);
  return { sent, expected };
}

/** Every read of the writer: book depth of every security, inventories, open orders, info. */
function reads(w: GameWriter, s: CoreState): unknown {
  const players = [...PLAYERS, ...[...s.players.keys()].filter((p) => !PLAYERS.includes(p))];
  return {
    books: s.securityIds.map((id) => w.book(id, 1000)),
    inventories: players.map((p) => w.inventory(p)),
    orders: players.map((p) => w.orders(p)),
    info: w.info(),
  };
}

/** The game's event stream folded through evolve from an empty state. */
async function foldLog(client: Redis, g: string): Promise<CoreState> {
  const entries = await client.xrange(K.eventsKey(g), "-", "+");
  const s = emptyState();
  let seq = 0;
  for (const [id, fields] of entries) {
    for (const text of entryTexts(entryData(fields) ?? "")) {
      const e = EngineEvent.parse(JSON.parse(text));
      expect(e.seq).to.equal(++seq);
      evolve(s, e);
    }
    expect(id, "an entry's id is its last event's seq").to.equal(`${seq}-0`);
  }
  return s;
}

const isCommitError = (code: string) => (e: unknown) => e instanceof CommitError && e.code === code;

describe("GameWriter", function () {
  this.timeout(300_000);
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it(`(a, b, d) ${RUNS} random streams: answers equal the core's; a new writer hydrates the same state; the old one is fenced`, async () => {
    let batchedMany = false;
    for (const [k, stream] of streams().entries()) {
      const g = newGameId(`writer${k}`);
      const w1 = await GameWriter.open(client, g, "node-a");
      const ref = emptyState();
      const cmds = [...stream.setup, ...stream.steps.map((st) => (s: CoreState) => resolve(st, s, stream.secIds))];
      const { sent, expected } = await drive(w1, ref, cmds, T0);

      // (d) the writer's answers are the core's, and every accepted command was acknowledged
      const got = await Promise.all(sent.map((x) => x.p));
      expect(got).to.deep.equal(expected);
      expect(got.some((r) => (r as { ok: boolean }).ok)).to.equal(true);
      expect(got.some((r) => !(r as { ok: boolean }).ok)).to.equal(true);
      if ((w1.commitStats?.maxBatchSize ?? 0) > 1) batchedMany = true;
      expect(canonical(w1.state!)).to.deep.equal(canonical(ref));
      expect(w1.committedSeq).to.equal(ref.seq);

      // (a) a new writer hydrates the same state (and fences w1); the log folds to it too
      const w2 = await GameWriter.open(client, g, "node-b");
      expect(w2.epoch).to.equal(w1.epoch + 1);
      expect(canonical(w2.state!)).to.deep.equal(canonical(w1.state!));
      expect(reads(w2, w2.state!)).to.deep.equal(reads(w1, w1.state!));
      expect(canonical(await foldLog(client, g))).to.deep.equal(canonical(ref));

      // (b) the fenced writer answers FENCED and writes nothing, now and later
      const before = await snapshot(client, g);
      const admin: Command = { type: "log_admin", action: "bots_added", actor: "admin", detail: "x" };
      let caught: unknown = null;
      await w1.execute(admin, T0 + 10_000).catch((e: unknown) => {
        caught = e;
      });
      expect(isCommitError("FENCED")(caught), String(caught)).to.equal(true);
      expect(w1.status).to.equal("fenced");
      caught = null;
      await w1.execute(admin, T0 + 10_001).catch((e: unknown) => {
        caught = e;
      });
      expect(isCommitError("FENCED")(caught), String(caught)).to.equal(true);
      await expectUnchanged(client, g, before);
      // the new owner commits
      const r = await w2.execute(admin, T0 + 10_002);
      expect(r.ok).to.equal(true);
      expect(await client.get(K.seqKey(g))).to.equal(String(ref.seq + 1));
      await w2.close();
    }
    expect(batchedMany, "some batch held several commands").to.equal(true);
  });

  it("(e) the bench's mixed flow in batches of up to 256: after every burst Valkey loads and hydrates to the writer's state; order hashes, index and sets agree", async () => {
    const g = newGameId("writer-flow");
    const w = await GameWriter.open(client, g, "node-a");
    for (const c of setupCommands(3)) expect((await w.execute(c, T0)).ok).to.equal(true);
    const f = flow(3, 77);
    let i = 0;
    const state = w.state!;
    /** The flow's command, with clientOrderIds, post-only orders and amends mixed in. */
    const next = (): { c: Command; pi: number } => {
      const { c, pi } = f.next();
      i += 1;
      if (c.type === "place" && i % 5 === 0) return { c: { ...c, clientOrderId: `c${i}`, postOnly: i % 10 === 0 }, pi };
      if (c.type === "cancel" && i % 3 === 0) {
        const o = state.securities.get(c.securityId)!.book.orders.get(c.orderId);
        if (o && o.amount > 1)
          return {
            c: { type: "amend", playerId: c.playerId, securityId: c.securityId, orderId: c.orderId, qty: o.amount - 1 },
            pi,
          };
      }
      return { c, pi };
    };
    for (let burst = 0; burst < 6; burst++) {
      const sent: Promise<unknown>[] = [];
      for (let k = 0; k < 700; k++) {
        const { c, pi } = next();
        sent.push(
          w.execute(c, T0 + i).then((d) => {
            if (d.ok && c.type === "place") {
              const o = (d.result as { order: { restingQty: number; orderId: number; securityId: number } }).order;
              if (o.restingQty > 0) f.rested(pi, o.securityId, o.orderId);
            }
          }),
        );
      }
      await Promise.all(sent);
      // Valkey is at a batch boundary: loaded and hydrated, it is the writer's state
      const loaded = await loadGame(client, g);
      // the order hashes (what other tools read) say the same as the index loadGame used
      for (const sec of loaded.securities) {
        await client.rename(K.restingKey(g, sec.securityId), `${K.restingKey(g, sec.securityId)}:aside`);
      }
      const fromHashes = await loadGame(client, g);
      for (const sec of loaded.securities) {
        await client.rename(`${K.restingKey(g, sec.securityId)}:aside`, K.restingKey(g, sec.securityId));
      }
      expect(fromHashes.securities).to.deep.equal(loaded.securities);
      expect(canonical(hydrate(loaded)), `burst ${burst}`).to.deep.equal(canonical(w.state!));
      // each player's order sets hold exactly their resting orders
      for (const [pid, p] of w.state!.players) {
        for (const sid of w.state!.securityIds) {
          const ids = [...(p.orders.get(sid)?.keys() ?? [])].map(K.orderMember);
          expect(await client.zrange(K.playerOrdersKey(g, pid, sid), 0, -1), `${pid} ${sid}`).to.deep.equal(ids);
        }
      }
    }
    const stats = w.commitStats!;
    expect(stats.maxBatchSize, "batches of many commands formed").to.be.greaterThan(50);
    await w.close();
  });

  it("hydrate refuses a corrupt store: an order twice, out of id order, with a non-integer field or of an unknown player", async () => {
    const g = newGameId("writer-corrupt");
    const w = await GameWriter.open(client, g, "node-a");
    for (const c of setupCommands(1)) expect((await w.execute(c, T0)).ok).to.equal(true);
    const player = [...w.state!.players.keys()][0]!;
    for (let k = 0; k < 3; k++) {
      const c: Command = { type: "place", playerId: player, securityId: 1, side: "buy", price: 9_000 + k, qty: 1 };
      expect((await w.execute(c, T0 + k)).ok).to.equal(true);
    }
    await w.close();
    const sane = hydrate(await loadGame(client, g));
    expect(sane.securities.get(1)!.book.orders.size).to.equal(3);
    const corruptions: [string, (o: LoadedGame["securities"][number]["orders"]) => void, RegExp][] = [
      ["an order twice", (o) => o.push({ ...o[2]! }), /out of order or twice/],
      ["out of id order", (o) => o.reverse(), /out of order or twice/],
      ["an id past the order count", (o) => (o[2]!.id = 4), /outside 1\.\.3/],
      ["a fractional price", (o) => (o[1]!.price = 9000.5), /non-integer/],
      ["a NaN qty", (o) => (o[0]!.qty = NaN), /non-integer/],
      ["an unknown player", (o) => (o[0]!.playerId = "nobody"), /unknown player nobody/],
    ];
    for (const [what, corrupt, error] of corruptions) {
      const loaded = await loadGame(client, g);
      corrupt(loaded.securities[0]!.orders);
      expect(() => hydrate(loaded), what).to.throw(error);
    }
  });

  it("(f) two batches in flight and the first refused: neither is acknowledged, the writer reloads what was committed", async () => {
    const g = newGameId("writer-pipe");
    const w = await GameWriter.open(client, g, "node-a", { maxBatch: 1, maxInFlight: 2, reloadRetryMs: 50 });
    for (const c of setupCommands(2)) expect((await w.execute(c, T0)).ok).to.equal(true);
    const committed = structuredClone(canonical(w.state!)); // canonical shares the state's objects
    const seq = w.committedSeq;
    // the key the next add_player writes, made a string behind the writer's back: that batch is refused (BAD_TYPE)
    const inv = K.inventoryKey(g, "late");
    await client.set(inv, "in the way");
    const join: Command = { type: "add_player", playerId: "late", name: "Late", cash: 1000, holdings: [] };
    const place: Command = { type: "place", playerId: "p0", securityId: 1, side: "buy", price: 9_990, qty: 1 };
    const sent = [w.execute(join, T0 + 1), w.execute(place, T0 + 2)];
    expect(w.commitStats?.maxInFlight, "both batches were sent before either was answered").to.equal(2);
    const outcomes = await Promise.allSettled(sent);
    outcomes.forEach((o) => {
      expect(o.status).to.equal("rejected");
      if (o.status === "rejected") expect(isCommitError("UNAVAILABLE")(o.reason), String(o.reason)).to.equal(true);
    });
    await until(() => w.status === "open", "the writer to reload");
    expect(canonical(w.state!)).to.deep.equal(committed);
    expect(w.committedSeq).to.equal(seq);
    expect(await client.get(K.seqKey(g))).to.equal(String(seq));
    expect(canonical(await foldLog(client, g))).to.deep.equal(committed);
    // with the key out of the way, the same commands commit
    await client.del(inv);
    expect((await w.execute(join, T0 + 3)).ok).to.equal(true);
    expect((await w.execute(place, T0 + 4)).ok).to.equal(true);
    const w2 = await GameWriter.open(client, g, "node-b");
    expect(canonical(w2.state!)).to.deep.equal(canonical(w.state!));
    await w2.close();
    await w.close();
  });

  it("(c) Valkey killed mid-stream: uncommitted commands get UNAVAILABLE; after restart the state is what was acknowledged; retries are safe", async () => {
    // appendfsync always: only then is an acknowledged batch in the AOF when its reply leaves. Under
    // everysec redis-server may postpone the AOF write (not just the fsync) for up to 2 s while a
    // background fsync is slow, and still reply; a kill -9 then loses acknowledged commits (CI saw the
    // whole of part A lost on a busy disk). docs/commit.md, "Durability".
    const v = await startValkeyChild({ appendfsync: "always" });
    const own = new Redis(v.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    own.on("error", () => undefined);
    await own.connect();
    try {
      // a stream after whose first half this clientOrderId place is accepted (so its retry can be checked)
      const probe = (stream: Stream): Command => ({
        type: "place",
        playerId: "p0",
        securityId: stream.secIds[0]!,
        side: "buy",
        price: 95,
        qty: 1,
        clientOrderId: "retry-me",
      });
      const stream = streams().find((st) => {
        const scratch = emptyState();
        [...st.setup, ...st.steps.slice(0, Math.floor(st.steps.length / 2))].forEach((x, i) => {
          applyCore(scratch, "type" in x ? x : resolve(x, scratch, st.secIds), i);
        });
        return decide(scratch, probe(st), { ts: 0 }).ok;
      });
      expect(stream, "a stream that leaves the market open").to.not.equal(undefined);
      const g = newGameId("writer-down");
      const w = await GameWriter.open(own, g, "node-a", { reloadRetryMs: 100, timeoutMs: 3000 });
      const ref = emptyState();
      const steps = stream!.steps.map((st) => (s: CoreState) => resolve(st, s, stream!.secIds));
      const half = Math.floor(steps.length / 2);
      // part A: acknowledged
      const a = await drive(w, ref, [...stream!.setup, ...steps.slice(0, half)], T0);
      expect(await Promise.all(a.sent.map((x) => x.p))).to.deep.equal(a.expected);
      const acknowledged = canonical(ref);

      // part B, sent into a dead server: each is a core rejection (answered at once) or UNAVAILABLE.
      // Also, the clientOrderId places of B, so that their retry can be checked.
      await v.kill();
      const shadow = emptyState();
      for (const x of a.sent) applyCore(shadow, x.c, x.ts);
      const b = await drive(w, shadow, [probe(stream!), ...steps.slice(half)], T0 + 5_000, 1_000_000);
      const outcomes = await Promise.allSettled(b.sent.map((x) => x.p));
      let unavailable = 0;
      outcomes.forEach((o, i) => {
        if (o.status === "rejected") {
          expect(isCommitError("UNAVAILABLE")(o.reason), String(o.reason)).to.equal(true);
          unavailable += 1;
        } else {
          expect((o.value as Rejection).ok, `command ${i} of B was acknowledged while Valkey was down`).to.equal(false);
          expect(o.value).to.deep.equal(b.expected[i]);
        }
      });
      expect(unavailable).to.be.greaterThan(0);
      await until(() => w.status === "down", "the writer to be down");
      let caught: unknown = null;
      await w.execute({ type: "log_admin", action: "a", actor: "admin", detail: "" }, T0).catch((e: unknown) => {
        caught = e;
      });
      expect(isCommitError("UNAVAILABLE")(caught), String(caught)).to.equal(true);
      expect(() => w.book(stream!.secIds[0]!)).to.throw(CommitError);

      // restart: the writer reloads by itself, with exactly what was acknowledged
      await v.restart();
      await until(() => w.status === "open", "the writer to reload");
      expect(canonical(w.state!)).to.deep.equal(acknowledged);
      expect(canonical(await foldLog(own, g))).to.deep.equal(acknowledged);

      // retrying B (same commands, same clientOrderIds) is decided anew, as the core decides it
      const retry = await drive(
        w,
        ref,
        b.sent.map((x) => x.c),
        T0 + 9_000,
      );
      expect(await Promise.all(retry.sent.map((x) => x.p))).to.deep.equal(retry.expected);
      const placed = retry.expected[0] as { ok: boolean };
      expect(placed.ok).to.equal(true);
      // and retrying the clientOrderId place again is a duplicate that changes nothing
      const beforeDup = canonical(w.state!);
      expect(outcomes[0]!.status, "the clientOrderId place was not acknowledged while Valkey was down").to.equal(
        "rejected",
      );
      const dup = (await w.execute(b.sent[0]!.c, T0 + 20_000)) as {
        ok: boolean;
        events: unknown[];
        result: { duplicate?: boolean };
      };
      expect(dup).to.include({ ok: true });
      expect(dup.events).to.deep.equal([]);
      expect(dup.result.duplicate).to.equal(true);
      expect(canonical(w.state!)).to.deep.equal(beforeDup);
      expect(canonical(w.state!)).to.deep.equal(canonical(ref));
      const w2 = await GameWriter.open(own, g, "node-b");
      expect(canonical(w2.state!)).to.deep.equal(canonical(ref));
      await w2.close();
      await w.close();
    } finally {
      own.disconnect();
      await v.stop();
    }
  });
});
