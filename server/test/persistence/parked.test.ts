/**
 * One game's poison never blocks another (docs/persistence.md, "Parked games"): an event PostgreSQL
 * refuses (a string with \u0000, which jsonb rejects) or an entry that is no event is written straight
 * into one game's stream (XADD); the persister parks that game with the reason, keeps the refused entry
 * and every later one in Valkey, stores the game up to just before it, and keeps persisting the other
 * games exactly once.
 */
import { expect } from "chai";
import { Persister } from "../../src/persistence/persister.ts";
import type { Db } from "../../src/persistence/db.ts";
import { eventsKey, seqKey } from "../../src/engine/keys.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";
import { Engine, TradingGame, connect, connectDb, newRegistry, verifyExactlyOnce, waitApplied } from "./helpers.ts";

/** Appends `data(seq)` as the game's next event entry, as the engine would (seq counter, then XADD). */
async function injectEntry(
  engine: Engine,
  gameId: string,
  data: (seq: number) => string,
): Promise<{ seq: number; data: string }> {
  // the game's writer lets go first (it would refuse to commit after a seq it did not write); the next command reloads
  await engine.release(gameId);
  const seq = await engine.client.incr(seqKey(gameId));
  const text = data(seq);
  await engine.client.xadd(eventsKey(gameId), `${seq}-0`, "data", text);
  return { seq, data: text };
}

/** A logged event whose text holds NUL: valid JSON, refused by PostgreSQL's jsonb. */
const nulEvent = (seq: number) =>
  JSON.stringify({
    seq,
    ts: Date.now(),
    type: "admin_action",
    action: "note",
    actor: "admin",
    detail: "bad\u0000text",
  });

async function waitParked(
  db: Db,
  gameId: string,
  after = 0,
): Promise<{ seq: number; entry_id: string; reason: string; event: Buffer; parked_at: Date }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await db.selectFrom("parked_games").selectAll().where("game_id", "=", gameId).executeTakeFirst();
    if (row && row.parked_at.getTime() > after) return row;
    if (Date.now() > deadline) expect.fail(`game ${gameId} was not parked`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("persistence: a refused event parks its game, the others carry on", function () {
  this.timeout(60_000);
  let engine: Engine;
  let db: Db;
  let registry: string;
  const running: Persister[] = [];
  const games: string[] = [];

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
    if (games.length) await db.deleteFrom("parked_games").where("game_id", "in", games.splice(0)).execute();
  });
  after(async () => {
    await db?.destroy();
    await engine?.client.quit();
  });

  const start = () => {
    const p = new Persister(engine.client, db, {
      registryKey: registry,
      blockMs: 20,
      refreshMs: 20,
      batchSize: 25,
      log: () => {},
    });
    running.push(p);
    void p.start();
    return p;
  };

  it("a NUL in one game's event parks that game at that event; the other game persists exactly once", async () => {
    const poisoned = await TradingGame.create(engine, registry, "poison");
    const healthy = await TradingGame.create(engine, registry, "healthy");
    games.push(poisoned.gameId, healthy.gameId);
    await poisoned.trade(30, 1);
    const { seq: bad, data } = await injectEntry(engine, poisoned.gameId, nulEvent);
    await poisoned.trade(20, 2); // later events of the poisoned game: they must wait, not vanish
    await healthy.trade(60, 3);
    const after = await engine.client.xlen(eventsKey(poisoned.gameId));

    const p = start();
    await p.drain(healthy.gameId, healthy.lastSeq, 20_000);
    await verifyExactlyOnce(db, healthy);

    const row = await waitParked(db, poisoned.gameId);
    expect(row.seq).to.equal(bad);
    expect(row.entry_id).to.equal(`${bad}-0`);
    expect(row.reason).to.match(/unicode|\\u0000|escape/i);
    expect(row.event.toString("utf8")).to.equal(data);
    // The poisoned game is stored up to just before the refused event, and nothing after it.
    await waitApplied(db, poisoned.gameId, bad - 1);
    const seqs = await db
      .selectFrom("events")
      .select("seq")
      .where("game_id", "=", poisoned.gameId)
      .orderBy("seq")
      .execute();
    expect(seqs.map((r) => r.seq)).to.deep.equal(Array.from({ length: bad - 1 }, (_, i) => i + 1));
    // ...and the refused entry and all later ones are still in its stream.
    const left = await engine.client.xrange(eventsKey(poisoned.gameId), "-", "+");
    expect(left[0]![0], "the refused entry first").to.equal(`${bad}-0`);
    const leftSeqs = left.flatMap(([, f]) =>
      entryTexts(entryData(f) ?? "").map((t) => (JSON.parse(t) as { seq: number }).seq),
    );
    expect(leftSeqs).to.deep.equal(Array.from({ length: poisoned.lastSeq - bad + 1 }, (_, i) => bad + i));
    expect(after).to.be.at.least(left.length);
    expect(p.stats.parked).to.equal(1);

    // While it is parked, the other game keeps being persisted.
    await healthy.trade(40, 4);
    await p.drain(healthy.gameId, healthy.lastSeq, 20_000);
    await verifyExactlyOnce(db, healthy);
    expect(await p.lagMs()).to.be.below(60_000); // the parked game's waiting entries are not counted as lag

    // Deleting the row resumes the game: the same entry is read again (not lost) and parks it again.
    const first = row.parked_at.getTime();
    await db.deleteFrom("parked_games").where("game_id", "=", poisoned.gameId).execute();
    const again = await waitParked(db, poisoned.gameId, first - 1);
    expect(again.seq).to.equal(bad);
    expect((await engine.client.xrange(eventsKey(poisoned.gameId), "-", "+")).length).to.equal(left.length);
  });

  it("an entry that is not an event (bad JSON) parks its game; an entry of another game in the same read is stored", async () => {
    const broken = await TradingGame.create(engine, registry, "broken");
    const healthy = await TradingGame.create(engine, registry, "healthy");
    games.push(broken.gameId, healthy.gameId);
    const { seq: bad } = await injectEntry(engine, broken.gameId, () => "{not json");
    await healthy.trade(30, 5);
    const p = start();
    await p.drain(healthy.gameId, healthy.lastSeq, 20_000);
    await verifyExactlyOnce(db, healthy);
    const row = await waitParked(db, broken.gameId);
    expect(row).to.include({ seq: 0, entry_id: `${bad}-0` });
    expect(row.reason).to.match(/^not an event/);
    await waitApplied(db, broken.gameId, bad - 1);
    await verifyExactlyOnce(db, broken);
  });
});
