/**
 * The persister against a real engine game: every event reaches PostgreSQL exactly once with correct
 * derived rows, streams are trimmed after ack, metrics and drain work, and round results are written.
 */
import { expect } from "chai";
import { Persister } from "../../src/persistence/persister.ts";
import { MAX_LINGER_MS } from "../../src/persistence/persister-options.ts";
import { writeRoundResults } from "../../src/persistence/round-results.ts";
import { PersisterStatus } from "../../src/persistence/persister-status.ts";
import { registerGame, registeredGames, unregisterGame } from "../../src/persistence/games-registry.ts";
import type { Db } from "../../src/persistence/db.ts";
import { eventsKey } from "../../src/engine/keys.ts";
import {
  Engine,
  PLAYERS,
  TradingGame,
  connect,
  connectDb,
  gamesSharedBy,
  newGameId,
  newRegistry,
  ok,
  streamState,
  verifyExactlyOnce,
  waitApplied,
} from "./helpers.ts";

describe("persistence: persister", () => {
  let engine: Engine;
  let db: Db;
  let registry: string;
  const running: Persister[] = [];

  /** A persister on this test's registry, stopped after the test. */
  const persister = (opts: ConstructorParameters<typeof Persister>[2] = {}) => {
    const p = new Persister(engine.client, db, { registryKey: registry, blockMs: 50, refreshMs: 50, ...opts });
    running.push(p);
    return p;
  };

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

  it("the registry holds the games to persist", async () => {
    const id = newGameId("reg");
    await registerGame(engine.client, id, registry);
    await registerGame(engine.client, id, registry);
    expect(await registeredGames(engine.client, registry)).to.deep.equal([id]);
    await unregisterGame(engine.client, id, registry);
    expect(await registeredGames(engine.client, registry)).to.deep.equal([]);
  });

  it("persists a traded game exactly once with derived orders and fills, then trims the stream", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(300, 1);
    const fills = game.events.filter((e) => e.type === "fill").length;
    expect(fills, "the workload trades").to.be.greaterThan(50);
    const p = persister({ batchSize: 64 });
    void p.start();
    await p.drain(game.gameId, game.lastSeq, 20_000);
    expect(p.lastPersistedSeq(game.gameId)).to.equal(game.lastSeq);
    await verifyExactlyOnce(db, game);
    expect(await streamState(engine.client, game.gameId)).to.deep.equal({
      len: 0,
      pending: 0,
      events: 0,
      pendingEvents: 0,
    });
    expect(p.stats.inserted).to.equal(game.events.length);
    expect(p.stats.duplicates).to.equal(0);
    expect(await p.lagMs()).to.equal(0);
  });

  it("keeps up with a live game and several games in one read", async () => {
    const games = await Promise.all([1, 2, 3].map(() => TradingGame.create(engine, registry)));
    const p = persister({ batchSize: 50 });
    void p.start();
    await Promise.all(games.map((g, i) => g.trade(150, i + 10)));
    await Promise.all(games.map((g) => p.drain(g.gameId, g.lastSeq, 20_000)));
    for (const g of games) {
      await verifyExactlyOnce(db, g);
      expect((await streamState(engine.client, g.gameId)).len).to.equal(0);
    }
  });

  it("re-persisting a log is a no-op: a second group over the same stream doubles nothing", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(100, 3);
    // Both groups exist before either reads, so trimming keeps what the other has not read yet.
    await engine.client.xgroup("CREATE", eventsKey(game.gameId), "persister", "0", "MKSTREAM");
    const b = persister({ group: "second", consumer: "b" });
    const a = persister({ consumer: "a" });
    void b.start();
    await b.drain(game.gameId, game.lastSeq);
    await b.stop();
    void a.start();
    // entries counts what was read; wait until a has also written (or found written) every event
    await waitFor(() => a.stats.inserted + a.stats.duplicates >= game.events.length);
    await verifyExactlyOnce(db, game);
    expect(a.stats.inserted + b.stats.inserted).to.equal(game.events.length);
    expect(a.stats.duplicates + b.stats.duplicates).to.equal(game.events.length);
  });

  it("two persisters sharing the group split the games and still apply everything once, in order", async () => {
    const { games } = await gamesSharedBy(engine, registry, ["x", "y"]);
    const ps = ["x", "y"].map((c) => persister({ consumer: c, batchSize: 7 }));
    ps.forEach((p) => void p.start());
    await Promise.all(games.map((g, i) => g.trade(200, i + 20)));
    await Promise.all(games.map((g) => waitApplied(db, g.gameId, g.lastSeq)));
    for (const g of games) await verifyExactlyOnce(db, g);
    expect(
      ps.every((p) => p.stats.entries > 0),
      "both consumers took part",
    ).to.equal(true);
    expect(ps[0]!.stats.applied + ps[1]!.stats.applied).to.equal(games.reduce((n, g) => n + g.lastSeq, 0));
    console.log(`      applied from the store behind a gap: ${ps[0]!.stats.fromStore + ps[1]!.stats.fromStore}`);
  });

  it("lagMs reports unpersisted events; drain times out with the seq reached", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(20, 4);
    const p = persister();
    await new Promise((r) => setTimeout(r, 20));
    expect(await p.lagMs()).to.be.greaterThan(0);
    try {
      await p.drain(game.gameId, game.lastSeq, 100);
      expect.fail("drain should time out while no persister runs");
    } catch (err) {
      expect(String(err)).to.match(/drain timeout: game .* persisted up to seq 0, waited for \d+/);
    }
    void p.start();
    await p.drain(game.gameId, game.lastSeq);
    // drain resolves at the commit; the stream is trimmed just after it, and then nothing is behind
    const until = Date.now() + 30_000;
    while ((await p.lagMs()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(await p.lagMs()).to.equal(0);
  });

  it("stop() finishes the batch in flight: everything read is acknowledged", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(200, 5);
    const p = persister({ batchSize: 10 });
    void p.start();
    await waitFor(() => p.stats.batches >= 3);
    await p.stop();
    const st = await streamState(engine.client, game.gameId);
    expect(st.pending, "nothing left pending").to.equal(0);
    const n = await db
      .selectFrom("events")
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .where("game_id", "=", game.gameId)
      .executeTakeFirstOrThrow();
    expect(Number(n.n) + st.events).to.equal(game.events.length);
  });

  it("entries arriving close together share one transaction when it lingers, each projected exactly once", async () => {
    const game = await TradingGame.create(engine, registry); // 8 set-up entries, stored at once (>= lingerEntries)
    const p = persister({ lingerMs: MAX_LINGER_MS, lingerEntries: 6 });
    void p.start();
    await p.drain(game.gameId, game.lastSeq);
    const before = { batches: p.stats.batches, entries: p.stats.entries };
    /** Runs commands until one is accepted: exactly one more stream entry. */
    const oneEntry = async () => {
      const seq = game.lastSeq;
      while (game.lastSeq === seq) await game.trade(1, seq);
    };
    await oneEntry();
    const first = game.lastSeq;
    // the persister has read the first entry (it is pending); without lingering it would store it alone
    await waitFor(
      async () =>
        (await streamState(engine.client, game.gameId)).pending > 0 || p.lastPersistedSeq(game.gameId) >= first,
    );
    for (let i = 0; i < 5; i++) await oneEntry();
    await p.drain(game.gameId, game.lastSeq);
    expect(p.stats.entries - before.entries, "entries read").to.equal(6);
    expect(p.stats.batches - before.batches, "transactions for them").to.equal(1);
    await verifyExactlyOnce(db, game);
    expect(p.stats.duplicates).to.equal(0);
  });

  it("a reader waiting for PostgreSQL cuts a linger short: drain answers long before the linger would end", async () => {
    const game = await TradingGame.create(engine, registry);
    const p = persister({ lingerMs: MAX_LINGER_MS, lingerEntries: 100_000, blockMs: 1000 });
    void p.start();
    await p.drain(game.gameId, game.lastSeq);
    const seq = game.lastSeq;
    while (game.lastSeq === seq) await game.trade(1, seq);
    // read and lingering over it (up to MAX_LINGER_MS), unless another test's reader hurried it already
    await waitFor(
      async () =>
        (await streamState(engine.client, game.gameId)).pending > 0 || p.lastPersistedSeq(game.gameId) >= game.lastSeq,
    );
    // some way into the linger, past its first read: a read that blocked in Valkey for new entries
    // (blockMs 1000 allows it) would hold the linger to its end whatever a hurry said
    await new Promise((r) => setTimeout(r, 60));
    // the server's view: publishes a hurry over Valkey, then polls PostgreSQL. Without the hurry this
    // times out, because the linger holds the entry for about MAX_LINGER_MS.
    const status = new PersisterStatus(engine.client, db, { registryKey: registry });
    await status.drain(game.gameId, game.lastSeq, MAX_LINGER_MS / 2);
    await verifyExactlyOnce(db, game);
  });

  it("a linger beyond the bound /health allows is refused", () => {
    expect(() => persister({ lingerMs: MAX_LINGER_MS + 1 })).to.throw(RangeError, /lingerMs must be in \[0, 1000\]/);
    expect(() => persister({ lingerMs: -1 })).to.throw(RangeError);
  });

  it("writes final inventories and the leaderboard at round end, idempotently", async () => {
    const game = await TradingGame.create(engine, registry);
    await game.trade(100, 6);
    ok(await engine.setPhase(game.gameId, "ended"));
    const last = ok(await engine.gameInfo(game.gameId)).seq;
    const p = persister();
    void p.start();
    await p.drain(game.gameId, last);
    const inventories = await Promise.all(PLAYERS.map(async (pl) => ok(await engine.inventory(game.gameId, pl))));
    const board = inventories
      .map((inv) => ({
        playerId: inv.playerId,
        cash: inv.cash,
        equity: inv.cash + inv.positions.reduce((a, s) => a + s.qty * 100 * 100, 0),
      }))
      .sort((x, y) => y.equity - x.equity)
      .map((l, i) => ({ ...l, rank: i + 1, pnl: l.equity - 1_000_000_000_000 - 2 * 1_000_000 * 100 * 100 }));
    await writeRoundResults(db, game.gameId, inventories, board, last);
    await writeRoundResults(db, game.gameId, inventories, board, last);
    const inv = await db
      .selectFrom("inventories")
      .selectAll()
      .where("game_id", "=", game.gameId)
      .where("kind", "=", "final")
      .execute();
    expect(inv.length).to.equal(PLAYERS.length * 3);
    for (const i of inventories) {
      expect(inv.find((r) => r.player_id === i.playerId && r.security_id === 0)?.qty).to.equal(i.cash);
      for (const s of i.positions)
        expect(inv.find((r) => r.player_id === i.playerId && r.security_id === s.securityId)?.qty).to.equal(s.qty);
    }
    const lb = await db
      .selectFrom("leaderboard")
      .selectAll()
      .where("game_id", "=", game.gameId)
      .orderBy("rank")
      .execute();
    expect(lb.map((r) => [r.player_id, r.rank, r.equity])).to.deep.equal(
      board.map((l) => [l.playerId, l.rank, l.equity]),
    );
    // Cash is conserved by trading: the final cash adds up to the endowments.
    expect(inv.filter((r) => r.security_id === 0).reduce((a, r) => a + r.qty, 0)).to.equal(
      PLAYERS.length * 1_000_000_000_000,
    );
    const g = await db
      .selectFrom("games")
      .select(["phase", "ended_ts", "results_written_at"])
      .where("id", "=", game.gameId)
      .executeTakeFirstOrThrow();
    expect(g.phase).to.equal("ended");
    expect(g.ended_ts).to.be.a("number");
    expect(g.results_written_at).to.be.instanceOf(Date);
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) expect.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
