/**
 * The server's view of the persister processes (persistence/persister-status.ts), read from Valkey and
 * PostgreSQL only: while no persister runs the game goes on, the lag grows and a drain times out; a
 * persister process started later stores everything, the drain resolves, the lag falls to 0, and the
 * heartbeats count it while it runs and not after a clean stop.
 */
import { expect } from "chai";
import type { Db } from "../../src/persistence/db.ts";
import { PersisterStatus } from "../../src/persistence/persister-status.ts";
import { startPersister } from "../support/persister-process.ts";
import { Engine, TradingGame, connect, connectDb, newRegistry, verifyExactlyOnce } from "./helpers.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("persistence: the server's view of persister processes", () => {
  let engine: Engine;
  let db: Db;

  before(async () => {
    engine = new Engine(await connect());
    db = await connectDb();
  });
  after(async () => {
    await db?.destroy();
    await engine?.client.quit();
  });

  it("reports lag while no persister runs, then drains once one is started", async function () {
    this.timeout(120_000);
    const registry = newRegistry();
    const heartbeats = `${registry}:beats`;
    const status = new PersisterStatus(engine.client, db, { registryKey: registry, heartbeatsKey: heartbeats });
    const game = await TradingGame.create(engine, registry);
    await game.trade(100, 5); // the game goes on without a persister
    expect(await status.consumers()).to.equal(0);
    const firstLag = await status.lagMs();
    await sleep(300);
    expect(await status.lagMs(), "the lag grows while nothing is stored").to.be.greaterThan(firstLag);
    const err = await status.drain(game.gameId, game.lastSeq, 300).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/drain timeout: game \S+ persisted up to seq 0, waited for \d+/);

    const proc = await startPersister({
      consumer: "status-1",
      env: { PERSISTER_REGISTRY: registry, PERSISTER_HEARTBEATS: heartbeats },
    });
    try {
      await status.drain(game.gameId, game.lastSeq, 30_000);
      expect(await status.consumers()).to.equal(1);
      for (let t = 0; (await status.lagMs()) > 0; t++) {
        expect(t, "lag back to 0 once the stream is trimmed").to.be.lessThan(500);
        await sleep(20);
      }
    } finally {
      await proc.stop();
      await engine.client.del(registry, heartbeats);
    }
    expect(await status.consumers(), "a clean stop leaves the heartbeats").to.equal(0);
    await verifyExactlyOnce(db, game);
  });
});
