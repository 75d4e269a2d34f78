/**
 * Crash safety and scale with real persister processes (server/src/persister-main.ts, as deployed; started
 * by support/persister-process.ts): a process is SIGKILLed at random moments while a writer keeps trading
 * and restarted each time; two processes share one consumer group, each reading its share of the games;
 * one of two is killed while several games trade and the other takes over its games and pending entries.
 * Every time PostgreSQL must hold every event exactly once with matching derived rows, and the streams
 * must end empty.
 */
import { expect } from "chai";
import type { Db } from "../../src/persistence/db.ts";
import { eventsKey } from "../../src/engine/keys.ts";
import { startPersister, type FinalStats, type PersisterProcess } from "../support/persister-process.ts";
import {
  Engine,
  TradingGame,
  connect,
  connectDb,
  gamesSharedBy,
  newRegistry,
  rng,
  streamState,
  verifyExactlyOnce,
  waitApplied,
} from "./helpers.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function eventRows(db: Db, gameId: string): Promise<number> {
  const r = await db
    .selectFrom("events")
    .select(({ fn }) => fn.countAll<number>().as("n"))
    .where("game_id", "=", gameId)
    .executeTakeFirstOrThrow();
  return r.n;
}

describe("persistence: persister processes (kill -9, two consumers)", () => {
  let engine: Engine;
  let db: Db;
  let registry: string;
  const procs: PersisterProcess[] = [];

  /** A persister process on this test's registry (batches of 20, so a kill often lands mid-batch). */
  async function spawn(consumer: string, env: Record<string, string> = {}): Promise<PersisterProcess> {
    const p = await startPersister({ consumer, env: { PERSISTER_REGISTRY: registry, PERSISTER_BATCH: "20", ...env } });
    procs.push(p);
    return p;
  }

  /** Every game stored exactly once, derived rows matching, streams empty. */
  async function verifyAll(games: TradingGame[]): Promise<void> {
    for (const game of games) {
      await verifyExactlyOnce(db, game);
      expect(await streamState(engine.client, game.gameId), game.gameId).to.deep.equal({
        len: 0,
        pending: 0,
        events: 0,
        pendingEvents: 0,
      });
    }
  }

  before(async () => {
    engine = new Engine(await connect());
    db = await connectDb();
  });
  beforeEach(() => {
    registry = newRegistry();
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.kill()));
    await engine.client.del(registry);
  });
  after(async () => {
    await db?.destroy();
    await engine?.client.quit();
  });

  it("is killed mid-way 5 times while a writer trades; every event persists exactly once", async function () {
    this.timeout(300_000);
    const game = await TradingGame.create(engine, registry);
    let writing = true;
    // Capped, so the final catch-up does not grow without bound with how slowly a busy machine starts the
    // processes; high enough that a quick machine is still trading at the last kill.
    const writer = game.tradeUntil(() => !writing || game.lastSeq >= 20_000, 99, 2);
    const rand = rng(11);
    const rows: number[] = [];
    const seqs: number[] = [];
    let midBatch = 0;
    for (let i = 0; i < 5; i++) {
      const before = await eventRows(db, game.gameId);
      const child = await spawn("proc");
      // Kill at a random moment after this process has written something (a busy machine may take a
      // while to get there; waiting for the condition keeps the kill from always hitting the start-up).
      while ((await eventRows(db, game.gameId)) === before) await sleep(10);
      await sleep(Math.floor(rand() * 350));
      expect(await child.kill()).to.equal("SIGKILL");
      const st = await streamState(engine.client, game.gameId);
      if (st.pending > 0) midBatch++;
      seqs.push(game.lastSeq);
      rows.push(await eventRows(db, game.gameId));
    }
    writing = false;
    await writer;
    expect(rows.at(-1)!, "the killed processes made progress").to.be.greaterThan(0);
    expect(
      rows.some((n, i) => n < seqs[i]!),
      `some kill left events behind for the next process (rows ${rows.join(", ")}; seqs ${seqs.join(", ")})`,
    ).to.equal(true);
    const last = await spawn("proc");
    await waitApplied(db, game.gameId, game.lastSeq, 90_000);
    expect(await last.stop(), "a clean stop prints the counters").to.include({ consumer: "proc" });
    await verifyAll([game]);
    console.log(
      `      ${game.lastSeq} events; rows after each kill ${rows.join(", ")}; ${midBatch} of 5 kills left a batch pending`,
    );
  });

  it("two processes in one group share the games: each stores its games, nothing twice", async function () {
    this.timeout(120_000);
    const { games, owner } = await gamesSharedBy(engine, registry, ["share-a", "share-b"]);
    const [a, b] = await Promise.all([spawn("share-a"), spawn("share-b")]);
    // Both read while the games trade; each game is read by one of them (game-shares.ts).
    await Promise.all(games.map((g, i) => g.tradeUntil(() => g.lastSeq >= 500, 20 + i, 1)));
    for (const g of games) await waitApplied(db, g.gameId, g.lastSeq, 30_000);
    const stats = (await Promise.all([a.stop(), b.stop()])) as FinalStats[];
    const total = games.reduce((n, g) => n + g.lastSeq, 0);
    expect(
      stats.map((s) => s.inserted).reduce((x, y) => x + y),
      "rows inserted by the two",
    ).to.equal(total);
    for (const s of stats) {
      const own = games.filter((g) => owner.get(g.gameId) === s.consumer).reduce((n, g) => n + g.lastSeq, 0);
      // Until both have beaten once, each may read a game of the other's: at most a little of it.
      expect(s.inserted, `${s.consumer} stored about its own games' events`).to.be.within(own * 0.5, total);
      expect(s.duplicates, `${s.consumer} re-read nothing`).to.equal(0);
    }
    await verifyAll(games);
    console.log(
      `      ${total} events over ${games.length} games: ${stats.map((s) => `${s.consumer} ${s.inserted} rows in ${s.batches} batches (${s.fromStore} applied behind a gap)`).join(", ")}`,
    );
  });

  it("one of two processes is killed -9 while several games trade: the other takes its games over, PostgreSQL equals the log", async function () {
    this.timeout(180_000);
    const { games, owner } = await gamesSharedBy(engine, registry, ["survivor", "victim"], 2);
    const victimGames = games.filter((g) => owner.get(g.gameId) === "victim");
    const claimFast = { PERSISTER_CLAIM_IDLE_MS: "300" };
    const survivor = await spawn("survivor", claimFast);
    let writing = true;
    const writers = games.map((g, i) => g.tradeUntil(() => !writing || g.lastSeq >= 4000, 31 + i, 2));
    const victimPending = async () => {
      let n = 0;
      for (const g of victimGames)
        n += ((await engine.client.xpending(eventsKey(g.gameId), "persister", "-", "+", 1000, "victim")) as unknown[])
          .length;
      return n;
    };
    // Kill the victim while it holds entries (read, not acknowledged), so there is something to claim;
    // a kill that lands just after its ack leaves nothing, and a new victim (same name) tries again.
    let left = 0;
    for (let attempt = 0; left === 0 && attempt < 10; attempt++) {
      const victim = await spawn("victim", claimFast);
      const until = Date.now() + 20_000;
      while ((await victimPending()) === 0 && Date.now() < until) await sleep(2);
      expect(await victim.kill()).to.equal("SIGKILL");
      left = await victimPending();
    }
    expect(left, "a victim was killed holding entries").to.be.greaterThan(0);
    // The writers go on after the kill: the victim's games get new entries only the survivor can store.
    const seqsAtKill = victimGames.map((g) => g.lastSeq);
    while (victimGames.some((g, i) => g.lastSeq < seqsAtKill[i]! + 50) && victimGames.every((g) => g.lastSeq < 4000))
      await sleep(10);
    writing = false;
    await Promise.all(writers);
    for (const g of games) await waitApplied(db, g.gameId, g.lastSeq, 60_000);
    const stats = (await survivor.stop())!;
    expect(stats.claimed, "the survivor claimed what the victim held").to.be.at.least(left);
    expect(await victimPending()).to.equal(0);
    await verifyAll(games);
    console.log(
      `      ${games.reduce((n, g) => n + g.lastSeq, 0)} events over ${games.length} games (${victimGames.length} the victim's); victim held ${left} pending when killed; survivor claimed ${stats.claimed}`,
    );
  });
});
