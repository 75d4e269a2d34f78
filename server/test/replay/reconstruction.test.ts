/**
 * Replay reconstruction: random command sequences through the real Engine on real Valkey; at
 * checkpoints the live state (full-depth books, the exact price-time order of each side's orders from
 * the bid/ask sorted sets, every player's open orders and inventory) is snapshotted; afterwards the
 * event log alone is folded through the core's evolve (GameFold) and, at each checkpoint seq, must equal the snapshot.
 *
 * The second part persists a game with the real Persister and checks that ReplayReader (PostgreSQL
 * only, small snapshot interval so queries start from snapshots) gives the same books and inventories
 * at every checkpoint, and that replaying does not change another live game's Valkey state.
 */
import { expect } from "chai";
import { parseEvent, type EngineEvent } from "@marketroom/shared";
import { GameFold } from "../../src/core/fold.ts";
import { Persister } from "../../src/persistence/persister.ts";
import { createDb, createPool, type Db } from "../../src/persistence/db.ts";
import { migrate } from "../../src/persistence/migrate.ts";
import { registerGame, unregisterGame } from "../../src/persistence/games-registry.ts";
import { bookView, inventoriesView, ordersView } from "../../src/replay/reads.ts";
import { ReplayReader, type EventPage } from "../../src/replay/reader.ts";
import { RandomTrader } from "../support/random-trader.ts";
import { closeEngine, connectEngine, newGameId, snapshot, K, type Engine } from "../engine/helpers.ts";

interface Checkpoint {
  seq: number;
  books: Record<number, { bids: unknown[]; asks: unknown[]; bidOrder: number[]; askOrder: number[] }>;
  orders: Record<string, unknown[]>;
  inventories: Record<string, unknown>;
}

/** Positions normalised: sorted by security, all-zero positions dropped (the engine keeps zeroed fields). */
function normInv(inv: {
  cash: number;
  cashLocked: number;
  positions: { securityId: number; qty: number; locked: number; openBuy: number }[];
}) {
  return {
    cash: inv.cash,
    cashLocked: inv.cashLocked,
    positions: inv.positions
      .filter((p) => p.qty || p.locked || p.openBuy)
      .map((p) => ({ securityId: p.securityId, qty: p.qty, locked: p.locked, openBuy: p.openBuy }))
      .sort((a, b) => a.securityId - b.securityId),
  };
}

async function liveCheckpoint(engine: Engine, g: string, secs: number[], players: string[]): Promise<Checkpoint> {
  const info = await engine.gameInfo(g);
  if (!info.ok) throw new Error("gameInfo");
  const cp: Checkpoint = { seq: info.seq, books: {}, orders: {}, inventories: {} };
  for (const s of secs) {
    const b = await engine.book(g, s, 1000);
    if (!b.ok) throw new Error("book");
    const bidOrder = (await engine.client.zrange(K.bidsKey(g, s), 0, -1)).map(Number);
    const askOrder = (await engine.client.zrange(K.asksKey(g, s), 0, -1)).map(Number);
    cp.books[s] = { bids: b.bids, asks: b.asks, bidOrder, askOrder };
  }
  for (const p of players) {
    const o = await engine.orders(g, p);
    const inv = await engine.inventory(g, p);
    if (!o.ok || !inv.ok) throw new Error("orders/inventory");
    cp.orders[p] = o.orders.map((x) => ({
      orderId: x.orderId,
      securityId: x.securityId,
      side: x.side,
      price: x.price,
      qty: x.qty,
      amount: x.amount,
      clientOrderId: x.clientOrderId,
      ts: x.ts,
    }));
    cp.inventories[p] = normInv(inv);
  }
  return cp;
}

function replayCheckpoint(s: GameFold, secs: number[], players: string[]): Checkpoint {
  const cp: Checkpoint = { seq: s.seq, books: {}, orders: {}, inventories: {} };
  for (const sid of secs) {
    const b = bookView(s, sid)!;
    cp.books[sid] = {
      bids: b.bids,
      asks: b.asks,
      bidOrder: b.orders.bids.map((o) => o.orderId),
      askOrder: b.orders.asks.map((o) => o.orderId),
    };
  }
  for (const p of players) {
    cp.orders[p] = ordersView(s, p).map((x) => ({
      orderId: x.orderId,
      securityId: x.securityId,
      side: x.side,
      price: x.price,
      qty: x.qty,
      amount: x.amount,
      clientOrderId: x.clientOrderId,
      ts: x.ts,
    }));
    cp.inventories[p] = normInv(inventoriesView(s, p)[0]!);
  }
  return cp;
}

async function allEvents(engine: Engine, g: string): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for (;;) {
    const page = await engine.events(g, out.length + 1, undefined, 5000);
    out.push(...page);
    if (page.length < 5000) return out;
  }
}

/** Runs `commands` random commands, checkpointing every `every`; returns the checkpoints. */
async function play(d: RandomTrader, commands: number, every: number): Promise<Checkpoint[]> {
  const { securityIds: secs, playerIds: players } = d.opts;
  const cps = [await liveCheckpoint(d.engine, d.gameId, secs, players)];
  for (let i = 1; i <= commands; i++) {
    await d.step();
    if (i % every === 0 || i === commands) cps.push(await liveCheckpoint(d.engine, d.gameId, secs, players));
  }
  return cps;
}

describe("replay: reconstruction from the event log", function () {
  this.timeout(120_000);
  let engine: Engine;
  before(async () => {
    engine = await connectEngine();
  });
  after(async () => {
    await closeEngine(engine);
  });

  const runs = [
    { seed: 1, secs: [1], players: ["a", "b", "c"], config: {} },
    { seed: 2, secs: [1, 2], players: ["a", "b", "c", "d"], config: { stp: "cancel_resting" as const } },
    { seed: 3, secs: [4, 7], players: ["p1", "p2", "p3"], config: { maxMatches: 2, allowShort: true } },
    {
      seed: 4,
      secs: [1],
      players: ["x", "y", "z", "w", "v"],
      config: { stp: "cancel_resting" as const, maxMatches: 3 },
    },
  ];
  for (const run of runs) {
    it(`the reducer equals the live engine at every checkpoint (seed ${run.seed}, ${run.secs.length} securities, ${run.players.length} players)`, async () => {
      const g = newGameId("replay");
      const d = new RandomTrader(engine, g, {
        seed: run.seed,
        securityIds: run.secs,
        playerIds: run.players,
        cash: 50_000,
        holdings: 40,
      });
      await d.setup(run.config);
      const cps = await play(d, 400, 10);
      const events = await allEvents(engine, g);
      expect(events.length).to.equal(cps.at(-1)!.seq);
      const kinds = new Set(events.map((e) => (e.type === "order_cancelled" ? `cancel:${e.reason}` : e.type)));
      for (const k of ["fill", "order_rested", "order_amended", "cancel:user", "cancel:amend"])
        expect(kinds, k).to.include(k);
      const state = new GameFold();
      let i = 0;
      for (const cp of cps) {
        while (state.seq < cp.seq) state.apply(parseEvent(events[i++]!));
        expect(replayCheckpoint(state, run.secs, run.players), `at seq ${cp.seq}`).to.deep.equal(cp);
      }
      expect(d.commands - d.rejected).to.be.greaterThan(200);
    });
  }
});

describe("replay: ReplayReader over PostgreSQL", function () {
  this.timeout(120_000);
  let engine: Engine;
  let db: Db;
  let persister: Persister;
  const registry = `replay-test-registry-${process.pid}`;

  before(async () => {
    engine = await connectEngine();
    const pool = createPool(process.env.DATABASE_URL, 4);
    await migrate(pool);
    db = createDb(pool);
    persister = new Persister(engine.client, db, {
      blockMs: 50,
      refreshMs: 50,
      registryKey: registry,
      group: "replay-test",
      log: () => {},
    });
    persister.start().catch(() => {});
  });
  after(async () => {
    await persister.stop();
    await db.destroy();
    await closeEngine(engine);
  });

  it("bookAt, inventoriesAt and ordersAt equal the live engine at every checkpoint, from snapshots", async () => {
    const g = newGameId("replay-pg");
    await registerGame(engine.client, g, registry);
    const secs = [1, 2],
      players = ["a", "b", "c"];
    const d = new RandomTrader(engine, g, {
      seed: 11,
      securityIds: secs,
      playerIds: players,
      cash: 80_000,
      holdings: 50,
    });
    await d.setup();
    const cps = await play(d, 300, 15);
    await persister.drain(g, cps.at(-1)!.seq);
    await unregisterGame(engine.client, g, registry);
    const store = new ReplayReader(db, { snapshotEvery: 37, pageSize: 100 });
    for (const cp of cps) {
      const got: Checkpoint = { seq: cp.seq, books: {}, orders: {}, inventories: {} };
      for (const s of secs) {
        const b = (await store.bookAt(g, s, cp.seq))!;
        expect(b.seq).to.equal(cp.seq);
        got.books[s] = {
          bids: b.bids,
          asks: b.asks,
          bidOrder: b.orders.bids.map((o) => o.orderId),
          askOrder: b.orders.asks.map((o) => o.orderId),
        };
      }
      const invs = (await store.inventoriesAt(g, cp.seq))!;
      for (const p of players) {
        got.orders[p] = (await store.ordersAt(g, p, cp.seq))!.orders.map((x) => ({
          orderId: x.orderId,
          securityId: x.securityId,
          side: x.side,
          price: x.price,
          qty: x.qty,
          amount: x.amount,
          clientOrderId: x.clientOrderId,
          ts: x.ts,
        }));
        got.inventories[p] = normInv(invs.inventories.find((i) => i.playerId === p)!);
      }
      expect(got, `at seq ${cp.seq}`).to.deep.equal(cp);
    }
    // depth limits the levels, and the orders are those of the kept levels
    const last = cps.at(-1)!;
    const top = (await store.bookAt(g, 1, last.seq, 1))!;
    expect(top.bids.length).to.be.at.most(1);
    expect(top.orders.bids.reduce((n, o) => n + o.amount, 0)).to.equal(top.bids[0]?.qty ?? 0);
  });

  it("events pages, player timeline and price series agree with the log", async () => {
    const g = newGameId("replay-api");
    const d = new RandomTrader(engine, g, {
      seed: 21,
      securityIds: [1],
      playerIds: ["a", "b", "c"],
      cash: 80_000,
      holdings: 50,
    });
    await d.setup();
    await play(d, 200, 1000);
    const live = await allEvents(engine, g); // before the persister trims the stream
    await registerGame(engine.client, g, registry);
    await persister.drain(g, live.length);
    await unregisterGame(engine.client, g, registry);
    const store = new ReplayReader(db, { snapshotEvery: 50 });

    const got: EngineEvent[] = [];
    let from: number | null = 1;
    while (from !== null) {
      const page: EventPage = (await store.events(g, from, 64))!;
      expect(page.lastSeq).to.equal(live.length);
      got.push(...page.events);
      from = page.nextSeq;
    }
    expect(got).to.deep.equal(live);

    const noPrices = () => ({ marks: new Map(), openRefs: new Map() });
    const tl = (await store.playerTimeline(g, "a", noPrices))!;
    const inv = await engine.inventory(g, "a");
    if (!inv.ok) throw new Error("inventory");
    const lastPoint = tl.points.at(-1)!;
    expect(normInv(lastPoint)).to.deep.equal(normInv(inv));
    const myFills = live.filter((e) => e.type === "fill" && (e.makerPlayerId === "a" || e.takerPlayerId === "a"));
    expect(tl.fills.length).to.be.at.least(myFills.length);
    const mine = live.filter((e) => e.type === "order_accepted" && e.playerId === "a");
    expect(tl.orders.map((o) => o.orderId)).to.deep.equal(mine.map((e) => (e as { orderId: number }).orderId));
    for (const o of tl.orders)
      expect(o.filledQty + o.restingQty + o.cancelledQty, `order ${o.orderId}`).to.equal(o.qty);
    const open = await engine.orders(g, "a");
    if (!open.ok) throw new Error("orders");
    expect(tl.orders.filter((o) => o.restingQty > 0).map((o) => [o.orderId, o.restingQty])).to.deep.equal(
      open.orders.map((o) => [o.orderId, o.amount]),
    );

    const fills = live.filter((e): e is Extract<EngineEvent, { type: "fill" }> => e.type === "fill");
    const series = (await store.priceSeries(g, 1, { bucketEvents: 25 }))!;
    expect(series.candles.reduce((n, c) => n + c.volume, 0)).to.equal(fills.reduce((n, f) => n + f.qty, 0));
    expect(series.candles.reduce((n, c) => n + c.trades, 0)).to.equal(fills.length);
    expect(series.candles.at(-1)!.close).to.equal(fills.at(-1)!.price);
    for (const c of series.candles)
      expect(c.low <= c.open && c.open <= c.high && c.low <= c.close && c.close <= c.high).to.equal(true);
    const byTime = (await store.priceSeries(g, 1, { bucketMs: 1 }))!;
    expect(byTime.candles.reduce((n, c) => n + c.volume, 0)).to.equal(fills.reduce((n, f) => n + f.qty, 0));
  });

  it("replaying a finished round leaves another live game's Valkey state untouched", async () => {
    const done = newGameId("replay-done");
    await registerGame(engine.client, done, registry);
    const d = new RandomTrader(engine, done, {
      seed: 31,
      securityIds: [1],
      playerIds: ["a", "b"],
      cash: 80_000,
      holdings: 50,
    });
    await d.setup();
    await play(d, 100, 1000);
    const info = await engine.gameInfo(done);
    if (!info.ok) throw new Error("gameInfo");
    await persister.drain(done, info.seq);
    await unregisterGame(engine.client, done, registry);
    await new Promise((r) => setTimeout(r, 300)); // the batch's XTRIM follows its commit

    const liveGame = newGameId("replay-live");
    const other = new RandomTrader(engine, liveGame, {
      seed: 32,
      securityIds: [1],
      playerIds: ["a", "b"],
      cash: 80_000,
      holdings: 50,
    });
    await other.setup();
    for (let i = 0; i < 50; i++) await other.step();
    const before = await snapshot(engine, liveGame);
    const beforeDone = await snapshot(engine, done);
    const store = new ReplayReader(db, { snapshotEvery: 20 });
    // seq 1: only game_created, an empty book of the security added at seq 2
    expect(await store.bookAt(done, 1, 1)).to.deep.include({ seq: 1, bids: [], asks: [], lastPrice: 0, volume: 0 });
    for (let s = 2; s <= info.seq; s += 7) await store.bookAt(done, 1, s); // seq 2: security_added
    await store.playerTimeline(done, "a", () => ({ marks: new Map(), openRefs: new Map() }));
    await store.priceSeries(done, 1);
    expect(await snapshot(engine, liveGame)).to.deep.equal(before);
    expect(await snapshot(engine, done)).to.deep.equal(beforeDone);
    expect(await store.bookAt("no-such-game-replay", 1, 1)).to.equal(null);
  });
});
