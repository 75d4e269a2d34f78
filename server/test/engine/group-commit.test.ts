/**
 * GroupCommitter (server/src/engine/group-commit.ts): batching limits, order under concurrency, and
 * the failure paths. Uses the shared test Valkey, except "Valkey down" which starts and kills its own
 * redis-server (appendfsync always, so an acknowledged batch is on disk when acked).
 */
import { expect } from "chai";
import { Redis } from "iovalkey";
import { CommitError, claimGame, commitBatch, type KeyOp } from "../../src/engine/commit.ts";
import { GroupCommitter, connectCommitClient, type CommitAck } from "../../src/engine/group-commit.ts";
import * as K from "../../src/engine/keys.ts";
import { loadGame } from "../../src/engine/load.ts";
import { CommitFlow, rng } from "../support/commit-flow.ts";
import { expectLoadedEqualsFlow } from "../support/commit-check.ts";
import { startValkeyChild, type ValkeyChild } from "../support/valkey-child.ts";
import { connect, newGameId } from "./helpers.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";

const PLAYERS = ["a", "b", "c", "d", "e"];
const SECURITIES = [1, 2];
const SEED = 5;

/** A claimed game with its setup committed, and a committer on its own connection. */
async function room(
  admin: Redis,
  url: string,
  opts: {
    maxBatch?: number;
    maxDelayMs?: number;
    maxInFlight?: number;
    maxInFlightFull?: number;
    onFailure?: (e: CommitError) => void;
  } = {},
) {
  const g = newGameId("group");
  const epoch = await claimGame(admin, g, "room");
  const flow = new CommitFlow(g, SECURITIES, PLAYERS);
  const setup = flow.setup();
  await commitBatch(admin, g, epoch, 0, setup.events, setup.ops);
  const committer = new GroupCommitter({
    client: await connectCommitClient(url),
    gameId: g,
    epoch,
    lastSeq: flow.seq,
    timeoutMs: 5_000,
    ...opts,
  });
  return { g, epoch, flow, committer };
}

/** A model replayed from the same seed up to `seq` (which must fall between two commands). */
function modelAt(g: string, seq: number): CommitFlow {
  const flow = new CommitFlow(g, SECURITIES, PLAYERS);
  flow.setup();
  const rand = rng(SEED);
  while (flow.seq < seq) flow.next(rand);
  expect(flow.seq, "Valkey's seq is a command boundary").to.equal(seq);
  return flow;
}

describe("group commit", () => {
  let admin: Redis;
  const url = process.env.VALKEY_URL ?? "redis://127.0.0.1:6379";
  before(async () => {
    admin = await connect();
  });
  after(async () => {
    await admin.quit();
  });

  it("acknowledges each command after its batch is committed; events, seq and state match the commands", async () => {
    const { g, flow, committer } = await room(admin, url);
    const rand = rng(SEED);
    const acks: Promise<CommitAck>[] = [];
    const lastSeqOf: number[] = [];
    for (let i = 0; i < 1000; i++) {
      acks.push(committer.submit(flow.next(rand)));
      lastSeqOf.push(flow.seq);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const done = await Promise.all(acks);
    done.forEach((ack, i) => expect(ack.batchLastSeq).to.be.at.least(lastSeqOf[i]!));
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(flow.seq);
    const entries = await admin.xrange(K.eventsKey(g), "-", "+");
    const seqs = entries.flatMap(([, f]) =>
      entryTexts(entryData(f) ?? "").map((t) => (JSON.parse(t) as { seq: number }).seq),
    );
    expect(seqs).to.deep.equal(Array.from({ length: flow.seq }, (_, i) => i + 1));
    expect(entries.length, "one entry per batch").to.equal(committer.stats.batches + 1); // + the setup batch
    expect(committer.stats.commands).to.equal(1000);
    expect(committer.stats.maxBatchSize).to.be.at.most(256);
    expectLoadedEqualsFlow(await loadGame(admin, g), flow);
    await committer.close();
  });

  it("sends a batch when it reaches maxBatch commands, without waiting for the timer", async () => {
    const { g, flow, committer } = await room(admin, url, { maxBatch: 256, maxDelayMs: 600_000 });
    const rand = rng(SEED);
    const acks: Promise<CommitAck>[] = [];
    let seqAt256 = 0;
    for (let i = 0; i < 300; i++) {
      acks.push(committer.submit(flow.next(rand)));
      if (i === 255) seqAt256 = flow.seq;
    }
    const first = await Promise.all(acks.slice(0, 256));
    expect(first.every((a) => a.batchSize === 256 && a.batchLastSeq === seqAt256)).to.equal(true);
    let restSettled = false;
    void Promise.all(acks.slice(256)).then(() => {
      restSettled = true;
    });
    await admin.ping();
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(seqAt256);
    expect(restSettled).to.equal(false);
    await committer.flush();
    const rest = await Promise.all(acks.slice(256));
    expect(rest.every((a) => a.batchSize === 44 && a.batchLastSeq === flow.seq)).to.equal(true);
    await committer.close();
  });

  it("sends a batch maxDelayMs after its first command, without flush()", async () => {
    const { flow, committer } = await room(admin, url, { maxDelayMs: 40 });
    const rand = rng(SEED);
    const t0 = performance.now();
    const ack = await committer.submit(flow.next(rand));
    expect(performance.now() - t0).to.be.at.least(39);
    expect(ack).to.deep.equal({ batchLastSeq: flow.seq, batchSize: 1 });
    await committer.close();
  });

  it("with no batch in flight, sends at the end of the event-loop turn: the commands of one turn share a batch", async () => {
    const { g, flow, committer } = await room(admin, url);
    const rand = rng(SEED);
    const acks = [
      committer.submit(flow.next(rand)),
      committer.submit(flow.next(rand)),
      committer.submit(flow.next(rand)),
    ];
    const lastSeq = flow.seq;
    const done = await Promise.all(acks);
    expect(done).to.deep.equal(Array.from({ length: 3 }, () => ({ batchLastSeq: lastSeq, batchSize: 3 })));
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(lastSeq);
    await committer.close();
  });

  it("pipelines up to maxInFlight batches; a refused batch fails the one behind it too: nothing of either is written or acknowledged", async () => {
    const failures: CommitError[] = [];
    const { g, flow, committer } = await room(admin, url, {
      maxBatch: 1,
      maxInFlight: 2,
      maxInFlightFull: 2,
      onFailure: (e) => failures.push(e),
    });
    const rand = rng(SEED);
    const ok: Promise<CommitAck>[] = [];
    for (let i = 0; i < 40; i++) ok.push(committer.submit(flow.next(rand)));
    expect(committer.stats.maxInFlight, "two batches were in flight at once").to.equal(2);
    await Promise.all(ok);
    const committedSeq = flow.seq;
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(committedSeq);
    expectLoadedEqualsFlow(await loadGame(admin, g), flow);

    // the first of two pipelined batches writes a hash op to a string key: BAD_TYPE, refused whole
    const bad = `${K.gameKey(g)}:not-a-hash`;
    await admin.set(bad, "a string");
    const first = flow.next(rand);
    const badOp: KeyOp = ["HSET", bad, "f", "v"];
    const outcomes = [
      committer.submit({ events: first.events, ops: [...first.ops, badOp] }),
      committer.submit(flow.next(rand)),
      committer.submit(flow.next(rand)),
    ].map((p) =>
      p.then(
        () => "ok",
        (e: CommitError) => e.code,
      ),
    );
    expect(await Promise.all(outcomes)).to.deep.equal(["UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE"]);
    expect(failures.map((f) => f.code)).to.deep.equal(["BAD_TYPE"]);
    expect(committer.lastCommittedSeq).to.equal(committedSeq);
    // the second batch, sent behind the first, could not land (its seq check needs the first)
    await admin.ping();
    const loaded = await loadGame(admin, g);
    expect(loaded.seq).to.equal(committedSeq);
    expect((await admin.xrevrange(K.eventsKey(g), "+", "-", "COUNT", 1))[0]![0]).to.equal(`${committedSeq}-0`);
    expectLoadedEqualsFlow(loaded, modelAt(g, committedSeq));
    expect(await admin.get(bad)).to.equal("a string");
  });

  it("sends full batches while fewer than maxInFlightFull are in flight, a partial one only within maxInFlight; all land in order", async () => {
    const { g, flow, committer } = await room(admin, url, {
      maxBatch: 4,
      maxDelayMs: 600_000,
      maxInFlight: 2,
      maxInFlightFull: 5,
    });
    const rand = rng(SEED);
    const acks: Promise<CommitAck>[] = [];
    for (let i = 0; i < 4 * 7 + 3; i++) acks.push(committer.submit(flow.next(rand)));
    // 7 full batches sealed in one turn: 5 go at once, 2 wait for a slot; the 3 left keep filling
    expect(committer.stats.maxInFlight, "full batches beyond maxInFlight were pipelined").to.equal(5);
    await Promise.all(acks.slice(0, 28));
    expect(committer.stats.batches).to.equal(7);
    await committer.flush();
    const done = await Promise.all(acks);
    expect(done.slice(28).every((a) => a.batchSize === 3 && a.batchLastSeq === flow.seq)).to.equal(true);
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(flow.seq);
    expectLoadedEqualsFlow(await loadGame(admin, g), flow);
    await committer.close();
  });

  it("keeps submission order under concurrent producers: log order = submit order, acks resolve in order", async () => {
    const { g, flow, committer } = await room(admin, url, { maxBatch: 32 });
    const rand = rng(SEED);
    const submitted: string[] = [];
    const resolved: number[] = [];
    let n = 0;
    const producer = async (seed: number) => {
      const pause = rng(seed);
      const mine: Promise<void>[] = [];
      for (let i = 0; i < 150; i++) {
        const cmd = flow.next(rand);
        const index = n++;
        submitted.push(...cmd.events);
        mine.push(
          committer.submit(cmd).then(() => {
            resolved.push(index);
          }),
        );
        if (pause() < 0.3) await new Promise((r) => setTimeout(r, pause() * 3));
      }
      await Promise.all(mine);
    };
    await Promise.all([1, 2, 3, 4, 5, 6].map(producer));
    expect(resolved).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    const logged = (await admin.xrange(K.eventsKey(g), "-", "+"))
      .slice(1)
      .flatMap(([, fields]) => entryTexts(entryData(fields) ?? ""));
    expect(logged).to.deep.equal(submitted);
    expect(committer.stats.batches).to.be.greaterThan(1);
    expect(committer.stats.maxBatchSize).to.be.at.most(32);
    await committer.close();
  });

  it("refuses a malformed command alone (its submit throws) and commits the others", async () => {
    const { g, flow, committer } = await room(admin, url);
    const rand = rng(SEED);
    const ok1 = committer.submit(flow.next(rand));
    expect(() => committer.submit({ events: [], ops: [["SET", `${K.gameKey(newGameId("elsewhere"))}:x`, 1]] }))
      .to.throw(CommitError)
      .with.property("code", "BAD_KEY");
    expect(() => committer.submit({ events: [{ seq: flow.seq + 5 }], ops: [] })).to.throw(RangeError);
    const ok2 = committer.submit(flow.next(rand));
    await Promise.all([ok1, ok2]);
    expect(Number(await admin.get(K.seqKey(g)))).to.equal(flow.seq);
    expect(committer.failed).to.equal(null);
    await committer.close();
  });

  it("a second claim fences the committer: every uncommitted command gets FENCED, nothing more is written", async () => {
    const failures: CommitError[] = [];
    const { g, flow, committer } = await room(admin, url, { onFailure: (e) => failures.push(e) });
    const rand = rng(SEED);
    const outcomes: Promise<string>[] = [];
    const submit = () =>
      outcomes.push(
        committer.submit(flow.next(rand)).then(
          () => "ok",
          (e: CommitError) => e.code,
        ),
      );
    for (let i = 0; i < 300; i++) submit();
    await committer.flush();
    await claimGame(admin, g, "room-2");
    while (!committer.failed) {
      submit();
      await new Promise((r) => setImmediate(r));
    }
    const codes = await Promise.all(outcomes);
    expect(codes.slice(0, 300).every((c) => c === "ok")).to.equal(true);
    expect(codes.slice(300).every((c) => c === "FENCED")).to.equal(true);
    expect(codes.length).to.be.greaterThan(300);
    expect(failures.map((f) => f.code)).to.deep.equal(["FENCED"]);
    const refused = await committer.submit(flow.next(rand)).then(
      () => null,
      (e: CommitError) => e,
    );
    expect(refused?.code).to.equal("FENCED");
    const loaded = await loadGame(admin, g);
    expect(loaded.seq).to.equal(committer.lastCommittedSeq);
    expectLoadedEqualsFlow(loaded, modelAt(g, loaded.seq));
  });

  describe("with its own Valkey", () => {
    let server: ValkeyChild;
    let own: Redis | undefined;
    before(async () => {
      server = await startValkeyChild({ appendfsync: "always" });
    });
    after(async () => {
      own?.disconnect();
      await server.stop();
    });

    it("Valkey down during commits: in-flight and pending commands get UNAVAILABLE, nothing acknowledged is lost", async () => {
      own = await connect0(server.url);
      const failures: CommitError[] = [];
      const { g, flow, committer } = await room(own, server.url, { onFailure: (e) => failures.push(e) });
      const rand = rng(SEED);
      let acked = 0;
      let ackedSeq = 0;
      const outcomes: Promise<string>[] = [];
      const submit = () => {
        const cmd = flow.next(rand);
        const seq = flow.seq;
        outcomes.push(
          committer.submit(cmd).then(
            () => {
              acked += 1;
              ackedSeq = Math.max(ackedSeq, seq);
              return "ok";
            },
            (e: CommitError) => e.code,
          ),
        );
      };
      let killed: Promise<void> | null = null;
      while (!committer.failed) {
        for (let i = 0; i < 20; i++) submit();
        if (!killed && acked >= 500) killed = server.kill();
        await new Promise((r) => setTimeout(r, 1));
      }
      await killed;
      const codes = await Promise.all(outcomes);
      const firstRefused = codes.indexOf("UNAVAILABLE");
      expect(firstRefused).to.be.greaterThan(0);
      expect(codes.slice(0, firstRefused).every((c) => c === "ok")).to.equal(true);
      expect(codes.slice(firstRefused).every((c) => c === "UNAVAILABLE")).to.equal(true);
      expect(failures.map((f) => f.code)).to.deep.equal(["UNAVAILABLE"]);
      expect(
        (
          await committer.submit(flow.next(rand)).then(
            () => null,
            (e: CommitError) => e,
          )
        )?.code,
      ).to.equal("UNAVAILABLE");

      own.disconnect();
      await server.restart();
      own = await connect0(server.url);
      const loaded = await loadGame(own, g);
      expect(loaded.seq).to.be.at.least(ackedSeq);
      expect((await own.xrevrange(K.eventsKey(g), "+", "-", "COUNT", 1))[0]![0]).to.equal(`${loaded.seq}-0`);
      expectLoadedEqualsFlow(loaded, modelAt(g, loaded.seq));
    });
  });
});

/** A plain client on `url`, connected. */
async function connect0(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}
