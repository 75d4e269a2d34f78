/**
 * Crash safety in-process: the `faultAt` hook kills a persister at each step of a batch (after the
 * read, inside the transaction before COMMIT, after COMMIT before XACK, after XACK before XTRIM), and
 * a new persister must leave every event in PostgreSQL exactly once and the stream trimmed.
 */
import { expect } from "chai";
import { Persister, SimulatedCrash, type FaultPoint } from "../../src/persistence/persister.ts";
import type { Db } from "../../src/persistence/db.ts";
import {
  Engine,
  TradingGame,
  connect,
  connectDb,
  newRegistry,
  rng,
  streamState,
  verifyExactlyOnce,
} from "./helpers.ts";

const POINTS: FaultPoint[] = ["afterRead", "beforeCommit", "afterCommit", "afterAck"];

describe("persistence: crash safety", () => {
  let engine: Engine;
  let db: Db;
  let registry: string;
  const running: Persister[] = [];

  const persister = (opts: ConstructorParameters<typeof Persister>[2] = {}) => {
    const p = new Persister(engine.client, db, {
      registryKey: registry,
      blockMs: 20,
      refreshMs: 20,
      batchSize: 25,
      ...opts,
    });
    running.push(p);
    return p;
  };

  /** Runs a persister until it crashes at `point` of its `onBatch`-th batch. */
  async function crashAt(point: FaultPoint, onBatch: number, consumer = "c1"): Promise<void> {
    const p = persister({ consumer, faultAt: point, faultOnBatch: onBatch });
    const err = await p.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SimulatedCrash);
    expect((err as SimulatedCrash).point).to.equal(point);
  }

  /** A clean persister catches up; then PG must match the game exactly and the stream be empty. */
  async function recoverAndVerify(game: TradingGame, consumer = "c1", opts = {}): Promise<Persister> {
    const p = persister({ consumer, ...opts });
    void p.start();
    await p.drain(game.gameId, game.lastSeq, 20_000);
    await p.stop();
    await verifyExactlyOnce(db, game);
    expect(await streamState(engine.client, game.gameId)).to.deep.equal({
      len: 0,
      pending: 0,
      events: 0,
      pendingEvents: 0,
    });
    return p;
  }

  before(async () => {
    engine = new Engine(await connect());
    db = await connectDb();
  });
  beforeEach(() => {
    registry = newRegistry();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    await engine.client.del(registry);
  });
  after(async () => {
    await db?.destroy();
    await engine?.client.quit();
  });

  for (const point of POINTS) {
    it(`a persister killed ${point} is restarted by the same consumer: nothing lost, nothing doubled`, async () => {
      const game = await TradingGame.create(engine, registry);
      await game.trade(150, 30);
      await crashAt(point, 3);
      const after = await streamState(engine.client, game.gameId);
      // The crashed batch is still pending (XACK never ran) unless the crash came after the ack; so is the
      // next batch when it was already read (the persister reads and parses it while the crashed one is stored).
      if (point === "afterAck") expect(after.pending).to.be.oneOf([0, 25]);
      else expect(after.pending).to.be.oneOf([25, 50]);
      await game.trade(50, 31); // the game goes on while no persister runs
      const p = await recoverAndVerify(game);
      // after the commit: the committed batch came back and was skipped (a batch read ahead was never stored)
      if (point === "afterCommit")
        expect(p.stats.duplicates, "the committed batch came back and was skipped")
          .to.be.above(0)
          .and.at.most(after.pendingEvents);
      else expect(p.stats.duplicates).to.equal(0);
    });
  }

  it("a crashed consumer's pending entries are claimed by another consumer after claimIdleMs", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(120, 40);
    await crashAt("beforeCommit", 2, "dead");
    expect((await streamState(engine.client, game.gameId)).pending).to.be.oneOf([25, 50]); // + a batch read ahead
    const p = await recoverAndVerify(game, "heir", { claimIdleMs: 50 });
    expect(p.stats.claimed).to.be.at.least(25);
  });

  it("events stored behind a dead consumer's gap are projected, in order, once the gap is filled", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(100, 45);
    await crashAt("afterRead", 1, "x"); // x holds the first 25 entries pending
    const held = (await streamState(engine.client, game.gameId)).pendingEvents;
    const y = persister({ consumer: "y" });
    void y.start();
    const rest = game.lastSeq - held;
    for (let t = 0; y.stats.inserted < rest; t++) {
      expect(t, "y stores everything after the gap").to.be.lessThan(500);
      await new Promise((r) => setTimeout(r, 20));
    }
    await y.stop();
    const proj = await db
      .selectFrom("event_projection")
      .select("applied_seq")
      .where("game_id", "=", game.gameId)
      .executeTakeFirst();
    expect(proj?.applied_seq ?? 0, "nothing derived past the gap").to.equal(0);
    const x = await recoverAndVerify(game, "x");
    expect(x.stats.fromStore).to.equal(rest);
  });

  it("repeated kills at random points while the game trades leave every event exactly once", async function () {
    this.timeout(60_000);
    const game = await TradingGame.create(engine, registry);
    let writing = true;
    const writer = game.tradeUntil(() => !writing, 50, 1);
    const rand = rng(7);
    for (let i = 0; i < 12; i++) {
      const point = POINTS[Math.floor(rand() * POINTS.length)]!;
      await crashAt(point, 1 + Math.floor(rand() * 4), rand() < 0.5 ? "c1" : "c2");
    }
    writing = false;
    const commands = await writer;
    expect(commands).to.be.greaterThan(20);
    await recoverAndVerify(game, "c1", { claimIdleMs: 50 });
  });
});
