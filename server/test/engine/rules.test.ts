/**
 * The matching engine's rules, one test per rule of the engine issue, against a real Valkey
 * (VALKEY_URL). Rejections and their "nothing changes" guarantee are in rejections.test.ts.
 * Units: price in ticks, qty in lots, cash in minor units; notional = price x qty x scale.
 */
import { expect } from "chai";
import type { FillEvent, PlaceOrder, PlaceResult, EngineEvent } from "@marketroom/shared";
import {
  Engine,
  K,
  closeEngine,
  connectEngine,
  eventsOf,
  expectRejected,
  expectUnchanged,
  inventoryOf,
  ok,
  setupGame,
  snapshot,
  streamEntries,
  type SetupOptions,
} from "./helpers.ts";

const S = 1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

describe("engine rules", function () {
  let engine: Engine;
  before(async () => {
    engine = await connectEngine();
  });
  after(async () => {
    await closeEngine(engine);
  });

  /** A running game with security 1 (scale 1 unless given) and players a, b, c (cash 1,000,000, 1,000 lots). */
  async function game(opts: SetupOptions = {}) {
    const players =
      opts.players ??
      ["a", "b", "c"].map((playerId) => ({
        playerId,
        cash: 1_000_000,
        holdings: [{ securityId: S, qty: 1_000 }],
      }));
    const s = await setupGame(engine, { ...opts, players });
    return s.gameId;
  }
  const place = (g: string, p: string, o: Partial<PlaceOrder> & { side: "buy" | "sell"; qty: number }) =>
    engine.place(g, p, { securityId: S, ...o });
  const buy = (g: string, p: string, price: number, qty: number, x: Partial<PlaceOrder> = {}) =>
    place(g, p, { side: "buy", price, qty, ...x });
  const sell = (g: string, p: string, price: number, qty: number, x: Partial<PlaceOrder> = {}) =>
    place(g, p, { side: "sell", price, qty, ...x });
  const fillsOf = (r: PlaceResult) =>
    r.fills.map((f) => ({ price: f.price, qty: f.qty, maker: f.makerOrderId, makerPlayer: f.makerPlayerId }));
  const book = async (g: string, depth = 20) => ok(await engine.book(g, S, depth));
  const openIds = async (g: string, p: string) => ok(await engine.orders(g, p)).orders.map((o) => o.orderId);

  // ------------------------------------------------------------------ setup

  describe("setup", () => {
    it("createGame puts a new game in the lobby with the schema defaults (cancel_incoming STP, maxMatches 1000, no shorting, 500 bps)", async () => {
      const g = await game({ phase: "lobby" });
      const info = ok(await engine.gameInfo(g));
      expect(info.game).to.include({
        name: g,
        phase: "lobby",
        stp: "cancel_incoming",
        maxMatches: 1000,
        allowShort: false,
        protectionBps: 500,
      });
      expect(info.game.createdAt).to.be.a("number").greaterThan(0);
    });

    it("createGame stores the given config", async () => {
      const g = await game({
        phase: "lobby",
        config: { stp: "cancel_resting", maxMatches: 7, allowShort: true, protectionBps: 250 },
      });
      const info = ok(await engine.gameInfo(g));
      expect(info.game).to.include({ stp: "cancel_resting", maxMatches: 7, allowShort: true, protectionBps: 250 });
    });

    it("addSecurity stores symbol, tick size, lot size, scale, price band, short limit, position limit and max order size", async () => {
      const g = await game({
        securities: [
          {
            securityId: 3,
            symbol: "ACME",
            tickSize: "0.05",
            lotSize: 100,
            scale: 500,
            bandLow: 10,
            bandHigh: 900,
            shortLimit: 40,
            positionLimit: 60,
            maxOrderQty: 25,
          },
          { securityId: 1 },
        ],
        players: [],
      });
      const info = ok(await engine.gameInfo(g));
      expect(info.securities).to.deep.equal([
        {
          securityId: 1,
          symbol: "S1",
          tickSize: "0.01",
          lotSize: 1,
          scale: 1,
          bandLow: 1,
          bandHigh: 1_000_000_000,
          shortLimit: 0,
          positionLimit: 0,
          maxOrderQty: 0,
          takerFee: 0,
          makerRebate: 0,
          limitWeight: 1,
        },
        {
          securityId: 3,
          symbol: "ACME",
          tickSize: "0.05",
          lotSize: 100,
          scale: 500,
          bandLow: 10,
          bandHigh: 900,
          shortLimit: 40,
          positionLimit: 60,
          maxOrderQty: 25,
          takerFee: 0,
          makerRebate: 0,
          limitWeight: 1,
        },
      ]);
    });

    it("addPlayer gives the player its endowment of cash and holdings", async () => {
      const g = await game({
        securities: [{ securityId: 1 }, { securityId: 2 }],
        players: [
          {
            playerId: "p1",
            name: "Alice",
            cash: 123_456,
            holdings: [
              { securityId: 1, qty: 7 },
              { securityId: 2, qty: 9 },
            ],
          },
        ],
      });
      const inv = await inventoryOf(engine, g, "p1");
      expect(inv).to.include({ playerId: "p1", cash: 123_456, cashLocked: 0 });
      expect(inv.positions).to.deep.equal([
        { securityId: 1, qty: 7, locked: 0, openBuy: 0 },
        { securityId: 2, qty: 9, locked: 0, openBuy: 0 },
      ]);
      expect(ok(await engine.gameInfo(g)).players).to.deep.equal([{ playerId: "p1", name: "Alice" }]);
    });

    it("setPhase moves lobby -> running -> paused -> running -> ended and logs each change", async () => {
      const g = await game({ phase: "lobby" });
      for (const to of ["running", "paused", "running", "ended"] as const) {
        const r = ok(await engine.setPhase(g, to));
        expect(r.phase).to.equal(to);
        expect(ok(await engine.gameInfo(g)).game.phase).to.equal(to);
      }
      const changes = (await eventsOf(engine, g))
        .filter((e) => e.type === "phase_changed")
        .map((e) => e.type === "phase_changed" && [e.from, e.to]);
      expect(changes).to.deep.equal([
        ["lobby", "running"],
        ["running", "paused"],
        ["paused", "running"],
        ["running", "ended"],
      ]);
    });

    it("a game may end straight from the lobby", async () => {
      const g = await game({ phase: "lobby" });
      expect(ok(await engine.setPhase(g, "ended")).phase).to.equal("ended");
    });
  });

  // ------------------------------------------------------------------ keys

  describe("key schema", () => {
    it("uses exactly the architecture's key names and types, every key hash-tagged by the game id", async () => {
      const g = await game();
      ok(await buy(g, "a", 99, 5, { clientOrderId: "k1" })); // order 1, rests
      ok(await sell(g, "b", 101, 4)); // order 2, rests
      const snap = await snapshot(engine, g);
      const keys = Object.keys(snap);
      for (const k of keys) {
        // the hash tag is the text between the first '{' and the next '}'
        const tag = /^[^{]*\{([^}]*)\}/.exec(k)?.[1];
        expect(tag, k).to.equal(g);
        expect(k.startsWith(`game:{${g}}`), k).to.equal(true);
      }
      const type = (k: string) => JSON.parse(snap[k] ?? "null")?.type;
      const expected: [string, string][] = [
        [`game:{${g}}`, "hash"],
        [`game:{${g}}:owner`, "hash"],
        [`game:{${g}}:seq`, "string"],
        [`game:{${g}}:events`, "stream"],
        [`game:{${g}}:security:1`, "hash"],
        [`game:{${g}}:security:1:orderbook`, "hash"],
        [`game:{${g}}:security:1:orderbook:bids`, "zset"],
        [`game:{${g}}:security:1:orderbook:asks`, "zset"],
        [`game:{${g}}:security:1:orderbook:order_count`, "string"],
        [`game:{${g}}:security:1:orderbook:000000000001`, "hash"],
        [`game:{${g}}:security:1:orderbook:000000000002`, "hash"],
        [`game:{${g}}:player:a:inventory`, "hash"],
        [`game:{${g}}:player:b:inventory`, "hash"],
        [`game:{${g}}:player:a:security:1:orders`, "zset"],
        [`game:{${g}}:player:b:security:1:orders`, "zset"],
      ];
      for (const [k, t] of expected) expect(type(k), k).to.equal(t);
      // Nothing else, apart from keys the engine adds to the page's list (security and player
      // registries, the limit weights of the gross/net limits, and the idempotency index): same tag, same slot.
      // ...and the resume index of each book (docs/commit.md: order id -> packed order, one HVALS per book on load)
      const extras = [
        `game:{${g}}:security:1:orderbook:resting`,
        `game:{${g}}:securities`,
        `game:{${g}}:players`,
        `game:{${g}}:limit_weights`,
        `game:{${g}}:player:a:client_orders`,
        `game:{${g}}:player:c:inventory`,
      ];
      expect(keys.sort()).to.deep.equal([...expected.map(([k]) => k), ...extras].sort());
      // the TS key builders agree with what the scripts wrote
      expect(K.orderKey(g, 1, 1)).to.equal(`game:{${g}}:security:1:orderbook:000000000001`);
      expect(K.bidsKey(g, 1)).to.equal(`game:{${g}}:security:1:orderbook:bids`);
      expect(K.limitWeightsKey(g)).to.equal(`game:{${g}}:limit_weights`);
      expect(type(K.limitWeightsKey(g))).to.equal("hash");
    });

    it("stores the book as the architecture says: bids scored -price, asks scored price, net qty per price, order hash fields", async () => {
      const g = await game();
      ok(await buy(g, "a", 99, 5));
      ok(await sell(g, "b", 101, 4));
      const c = engine.client;
      expect(await c.zrange(K.bidsKey(g, 1), 0, -1, "WITHSCORES")).to.deep.equal(["000000000001", "-99"]);
      expect(await c.zrange(K.asksKey(g, 1), 0, -1, "WITHSCORES")).to.deep.equal(["000000000002", "101"]);
      expect(await c.hgetall(K.bookKey(g, 1))).to.deep.equal({ "99": "5", "101": "-4" });
      expect(await c.hgetall(K.orderKey(g, 1, 1))).to.include({
        side: "buy",
        price: "99",
        amount: "5",
        player_id: "a",
      });
      expect(await c.get(K.orderCountKey(g, 1))).to.equal("2");
      expect(await c.hget(K.inventoryKey(g, "a"), "0")).to.equal("1000000");
      expect(await c.zrange(K.playerOrdersKey(g, "a", 1), 0, -1)).to.deep.equal(["000000000001"]);
    });
  });

  // ------------------------------------------------------------------ priority and fills

  describe("price-time priority and fills", () => {
    it("at one price, the earlier resting order fills first", async () => {
      const g = await game();
      const first = ok(await sell(g, "b", 100, 1)).order.orderId;
      const second = ok(await sell(g, "c", 100, 1)).order.orderId;
      const r1 = ok(await buy(g, "a", 100, 1));
      expect(fillsOf(r1)).to.deep.equal([{ price: 100, qty: 1, maker: first, makerPlayer: "b" }]);
      const r2 = ok(await buy(g, "a", 100, 1));
      expect(fillsOf(r2)).to.deep.equal([{ price: 100, qty: 1, maker: second, makerPlayer: "c" }]);
    });

    it("at one price, earlier bids fill first against an incoming sell", async () => {
      const g = await game();
      const first = ok(await buy(g, "b", 100, 2)).order.orderId;
      ok(await buy(g, "c", 100, 2));
      const r = ok(await sell(g, "a", 100, 2));
      expect(fillsOf(r)).to.deep.equal([{ price: 100, qty: 2, maker: first, makerPlayer: "b" }]);
    });

    it("a better price fills first even when it arrived later (asks: lowest first)", async () => {
      const g = await game();
      ok(await sell(g, "c", 101, 1));
      const better = ok(await sell(g, "b", 100, 1)).order.orderId;
      const r = ok(await buy(g, "a", 101, 1));
      expect(fillsOf(r)).to.deep.equal([{ price: 100, qty: 1, maker: better, makerPlayer: "b" }]);
    });

    it("a better price fills first (bids: highest first) and the sweep walks levels in price order", async () => {
      const g = await game();
      const b98 = ok(await buy(g, "b", 98, 1)).order.orderId;
      const b100 = ok(await buy(g, "c", 100, 1)).order.orderId;
      const b99 = ok(await buy(g, "b", 99, 1)).order.orderId;
      const r = ok(await sell(g, "a", 98, 3));
      expect(r.fills.map((f) => [f.makerOrderId, f.price])).to.deep.equal([
        [b100, 100],
        [b99, 99],
        [b98, 98],
      ]);
    });

    it("a fill trades at the resting order's price, for incoming buys and sells", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 1));
      expect(ok(await buy(g, "a", 105, 1)).fills[0]!.price).to.equal(100);
      ok(await buy(g, "b", 100, 1));
      expect(ok(await sell(g, "a", 95, 1)).fills[0]!.price).to.equal(100);
    });

    it("partial fills: the maker keeps its remainder, a GTC taker rests its remainder", async () => {
      const g = await game();
      const maker = ok(await sell(g, "b", 100, 10)).order.orderId;
      const r1 = ok(await buy(g, "a", 100, 4));
      expect(r1.order).to.include({ status: "filled", filledQty: 4, restingQty: 0, cancelledQty: 0, notional: 400 });
      expect(r1.fills[0]).to.include({ makerOrderId: maker, qty: 4, makerRemaining: 6, takerRemaining: 0 });
      expect((await book(g)).asks).to.deep.equal([{ price: 100, qty: 6, orders: 1 }]);

      const r2 = ok(await buy(g, "a", 100, 10));
      expect(r2.order).to.include({ status: "partially_filled", filledQty: 6, restingQty: 4, cancelledQty: 0 });
      const bk = await book(g);
      expect(bk.asks).to.deep.equal([]);
      expect(bk.bids).to.deep.equal([{ price: 100, qty: 4, orders: 1 }]);
      expect(ok(await engine.orders(g, "a")).orders).to.have.length(1);
      expect(ok(await engine.orders(g, "a")).orders[0]).to.include({
        orderId: r2.order.orderId,
        qty: 10,
        amount: 4,
        price: 100,
      });
    });

    it("fills move cash and holdings between buyer and seller (notional = price x qty x scale)", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 25 }] });
      ok(await sell(g, "b", 100, 3));
      ok(await buy(g, "a", 100, 3));
      const a = await inventoryOf(engine, g, "a");
      const b = await inventoryOf(engine, g, "b");
      expect([a.cash, a.cashLocked, a.pos(S).qty]).to.deep.equal([1_000_000 - 7_500, 0, 1_003]);
      expect([b.cash, b.cashLocked, b.pos(S).qty, b.pos(S).locked]).to.deep.equal([1_000_000 + 7_500, 0, 997, 0]);
    });
  });

  // ------------------------------------------------------------------ locks

  describe("funds and holdings locks", () => {
    it("a resting buy locks price x qty x scale of cash and counts its lots as openBuy", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 10 }] });
      ok(await buy(g, "a", 90, 7));
      const a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.available, a.pos(S).openBuy]).to.deep.equal([
        1_000_000,
        6_300,
        1_000_000 - 6_300,
        7,
      ]);
    });

    it("cancel releases a buy's cash lock and a sell's holdings lock", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 10 }] });
      const bid = ok(await buy(g, "a", 90, 7)).order.orderId;
      const ask = ok(await sell(g, "a", 120, 11)).order.orderId;
      let a = await inventoryOf(engine, g, "a");
      expect([a.cashLocked, a.pos(S).locked]).to.deep.equal([6_300, 11]);
      ok(await engine.cancel(g, "a", S, bid));
      ok(await engine.cancel(g, "a", S, ask));
      a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.pos(S).qty, a.pos(S).locked, a.pos(S).openBuy]).to.deep.equal([
        1_000_000, 0, 1_000, 0, 0,
      ]);
    });

    it("price improvement: a buy filling below its limit pays the fill price and keeps no lock for the filled part", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 100 }] });
      ok(await sell(g, "b", 100, 4));
      const r = ok(await buy(g, "a", 105, 10)); // 4 fill at 100, 6 rest at 105
      expect(r.order).to.include({ filledQty: 4, restingQty: 6, notional: 4 * 100 * 100 });
      let a = await inventoryOf(engine, g, "a");
      expect(a.cash).to.equal(1_000_000 - 40_000); // not 4 x 105 x 100
      expect(a.cashLocked).to.equal(6 * 105 * 100); // only the resting remainder, at its limit
      ok(await engine.cancel(g, "a", S, r.order.orderId));
      a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked]).to.deep.equal([1_000_000 - 40_000, 0]);
    });

    it("price improvement: a fully filled buy leaves cashLocked unchanged and debits exactly the fills' notional", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 3 }] });
      ok(await buy(g, "a", 50, 2)); // an unrelated resting lock of 300
      ok(await sell(g, "b", 97, 5));
      ok(await sell(g, "c", 99, 5));
      const r = ok(await buy(g, "a", 110, 8));
      expect(r.order).to.include({ status: "filled", notional: (5 * 97 + 3 * 99) * 3 });
      const a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked]).to.deep.equal([1_000_000 - (5 * 97 + 3 * 99) * 3, 300]);
    });

    it("a resting maker buy's lock is released as it fills", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 2 }] });
      ok(await buy(g, "a", 100, 10));
      ok(await sell(g, "b", 90, 4));
      let a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.pos(S).openBuy, a.pos(S).qty]).to.deep.equal([1_000_000 - 800, 1_200, 6, 1_004]);
      ok(await sell(g, "b", 100, 6));
      a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.pos(S).openBuy, a.pos(S).qty]).to.deep.equal([1_000_000 - 2_000, 0, 0, 1_010]);
    });

    it("an IOC buy's unfilled remainder expires without locking anything", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 2));
      const r = ok(await buy(g, "a", 100, 5, { tif: "IOC" }));
      expect(r.order).to.include({ filledQty: 2, cancelledQty: 3 });
      const a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.pos(S).openBuy]).to.deep.equal([1_000_000 - 200, 0, 0]);
    });

    it("a resting sell locks the lots it offers; a fill moves them and releases the lock", async () => {
      const g = await game();
      ok(await sell(g, "a", 100, 30));
      let a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked]).to.deep.equal([1_000, 30]);
      ok(await buy(g, "b", 100, 10));
      a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked, a.cash]).to.deep.equal([990, 20, 1_001_000]);
    });

    it("available cash (cash - cashLocked) never goes below zero: buys can lock exactly all of it, not one unit more", async () => {
      const g = await game({
        players: [
          { playerId: "a", cash: 10_000 },
          { playerId: "b", cash: 0, holdings: [{ securityId: S, qty: 1_000 }] },
        ],
      });
      ok(await buy(g, "a", 100, 60));
      ok(await buy(g, "a", 100, 40));
      let a = await inventoryOf(engine, g, "a");
      expect([a.cashLocked, a.available]).to.deep.equal([10_000, 0]);
      expectRejected(await buy(g, "a", 1, 1), "INSUFFICIENT_FUNDS");
      ok(await sell(g, "b", 100, 70)); // fills a's bids: the cash is spent, the lock goes with it
      a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked, a.available]).to.deep.equal([3_000, 3_000, 0]);
      expectRejected(await buy(g, "a", 1, 1), "INSUFFICIENT_FUNDS");
      const b = await inventoryOf(engine, g, "b");
      expect(b.available).to.be.at.least(0);
    });

    it("available holdings (qty - locked) never go below zero without short selling: sells can lock all lots, not one more", async () => {
      const g = await game({ players: [{ playerId: "a", cash: 0, holdings: [{ securityId: S, qty: 10 }] }] });
      ok(await sell(g, "a", 100, 6));
      ok(await sell(g, "a", 101, 4));
      const a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked]).to.deep.equal([10, 10]);
      expectRejected(await sell(g, "a", 102, 1), "INSUFFICIENT_HOLDINGS");
    });
  });

  // ------------------------------------------------------------------ short selling and limits

  describe("short selling and position limits", () => {
    it("with allowShort, a sell may draw on the security's short limit beyond holdings, down to -shortLimit", async () => {
      const g = await game({
        config: { allowShort: true },
        securities: [{ securityId: S, shortLimit: 5 }],
        players: [
          { playerId: "a", cash: 0, holdings: [{ securityId: S, qty: 2 }] },
          { playerId: "b", cash: 1_000_000 },
        ],
      });
      const r = ok(await sell(g, "a", 100, 7)); // 2 owned + 5 borrowed
      expect(r.order.restingQty).to.equal(7);
      expectRejected(await sell(g, "a", 100, 1), "INSUFFICIENT_HOLDINGS");
      ok(await buy(g, "b", 100, 7));
      const a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked, a.cash]).to.deep.equal([-5, 0, 700]);
      expectRejected(await sell(g, "a", 100, 1), "INSUFFICIENT_HOLDINGS");
      ok(await sell(g, "b", 100, 5));
      ok(await buy(g, "a", 100, 5)); // buying back restores the capacity
      expect((await inventoryOf(engine, g, "a")).pos(S).qty).to.equal(0);
      ok(await sell(g, "a", 100, 5));
    });

    it("without allowShort the security's short limit is ignored: sells are capped by holdings", async () => {
      const g = await game({
        config: { allowShort: false },
        securities: [{ securityId: S, shortLimit: 50 }],
        players: [{ playerId: "a", cash: 0, holdings: [{ securityId: S, qty: 2 }] }],
      });
      expectRejected(await sell(g, "a", 100, 3), "INSUFFICIENT_HOLDINGS");
      ok(await sell(g, "a", 100, 2));
    });

    it("a buy may reach the position limit exactly (holdings + open buys + qty)", async () => {
      const g = await game({
        securities: [{ securityId: S, positionLimit: 10 }],
        players: [{ playerId: "a", cash: 1_000_000, holdings: [{ securityId: S, qty: 4 }] }],
      });
      ok(await buy(g, "a", 90, 3));
      ok(await buy(g, "a", 90, 3));
      expectRejected(await buy(g, "a", 90, 1), "POSITION_LIMIT");
    });
  });

  // ------------------------------------------------------------------ fees and rebates

  describe("taker fees and maker rebates", () => {
    /** Security 1 with scale 10, takerFee 7 and makerRebate 3 per lot. */
    const feeGame = (players?: SetupOptions["players"], x: Partial<SetupOptions> = {}) =>
      game({
        securities: [{ securityId: S, scale: 10, takerFee: 7, makerRebate: 3 }],
        ...(players ? { players } : {}),
        ...x,
      });

    it("each fill debits the taker takerFee x qty and credits the maker makerRebate x qty, in the fill's own inventory change", async () => {
      const g = await feeGame();
      ok(await sell(g, "b", 100, 5)); // maker: no fee on entry
      ok(await sell(g, "c", 101, 5));
      const r = ok(await buy(g, "a", 101, 7)); // 5 @ 100 from b, 2 @ 101 from c
      expect(r.fills.map((f) => [f.price, f.qty, f.takerFee, f.makerRebate])).to.deep.equal([
        [100, 5, 35, 15],
        [101, 2, 14, 6],
      ]);
      const [a, b, c] = await Promise.all([
        inventoryOf(engine, g, "a"),
        inventoryOf(engine, g, "b"),
        inventoryOf(engine, g, "c"),
      ]);
      expect(a.cash).to.equal(1_000_000 - (5 * 100 + 2 * 101) * 10 - 7 * 7);
      expect(b.cash).to.equal(1_000_000 + 5 * 100 * 10 + 3 * 5);
      expect(c.cash).to.equal(1_000_000 + 2 * 101 * 10 + 3 * 2);
      expect([a.cashLocked, b.cashLocked, c.cashLocked]).to.deep.equal([0, 0, 0]);
      // the order summary's notional stays price x qty x scale: fees are separate
      expect(r.order.notional).to.equal((5 * 100 + 2 * 101) * 10);
    });

    it("a sell taker pays the fee too, and a resting remainder that fills later earns the rebate (it made)", async () => {
      const g = await feeGame();
      ok(await buy(g, "a", 100, 4));
      const r = ok(await sell(g, "b", 100, 6)); // takes 4, rests 2
      expect(r.fills.map((f) => [f.takerPlayerId, f.takerFee, f.makerPlayerId, f.makerRebate])).to.deep.equal([
        ["b", 28, "a", 12],
      ]);
      const hit = ok(await buy(g, "c", 100, 2)); // b's remainder makes now
      expect(hit.fills.map((f) => [f.makerPlayerId, f.makerRebate, f.takerFee])).to.deep.equal([["b", 6, 14]]);
      const b = await inventoryOf(engine, g, "b");
      expect(b.cash).to.equal(1_000_000 + 6 * 100 * 10 - 28 + 6);
    });

    it("fees conserve cash: the sum of cash falls by the fees less the rebates, exactly", async () => {
      const g = await feeGame();
      ok(await sell(g, "b", 100, 5));
      ok(await buy(g, "c", 99, 5));
      ok(await buy(g, "a", 100, 3));
      ok(await sell(g, "a", 99, 4));
      const fills = (await eventsOf(engine, g)).filter((e): e is FillEvent => e.type === "fill");
      const fees = fills.reduce((s, f) => s + f.takerFee - f.makerRebate, 0);
      expect(fees).to.equal((3 + 4) * (7 - 3));
      const cash = (await Promise.all(["a", "b", "c"].map((p) => inventoryOf(engine, g, p)))).reduce(
        (s, i) => s + i.cash,
        0,
      );
      expect(cash + fees).to.equal(3_000_000);
    });

    it("a buy that may take needs cash for notional + takerFee x qty: exactly that is accepted, one unit less is INSUFFICIENT_FUNDS", async () => {
      const need = 100 * 10 * 10 + 7 * 10;
      const g = await feeGame([
        { playerId: "a", cash: need - 1 },
        { playerId: "b", cash: need },
      ]);
      expectRejected(await buy(g, "a", 100, 10), "INSUFFICIENT_FUNDS");
      expectRejected(await buy(g, "a", 100, 10, { tif: "IOC" }), "INSUFFICIENT_FUNDS");
      const r = ok(await buy(g, "b", 100, 10));
      expect(r.order.restingQty).to.equal(10);
      // fees are not locked: the resting bid locks only its notional
      expect((await inventoryOf(engine, g, "b")).cashLocked).to.equal(100 * 10 * 10);
    });

    it("a post-only order never takes, so it needs no cash for the fee", async () => {
      const g = await feeGame([
        { playerId: "a", cash: 10_000 },
        { playerId: "s", cash: 0, holdings: [{ securityId: S, qty: 5 }] },
      ]);
      expectRejected(await buy(g, "a", 100, 10), "INSUFFICIENT_FUNDS");
      ok(await buy(g, "a", 100, 10, { postOnly: true }));
      expectRejected(await sell(g, "s", 120, 5), "INSUFFICIENT_FUNDS"); // a sell pays the fee from cash
      ok(await sell(g, "s", 120, 5, { postOnly: true }));
    });

    it("a sell that may take needs takerFee x qty of available cash (cash locked by open buys does not count)", async () => {
      const g = await feeGame([{ playerId: "s", cash: 1_034, holdings: [{ securityId: S, qty: 5 }] }]);
      ok(await buy(g, "s", 100, 1)); // 1,000 + fee 7: locks 1,000, leaves 34 available
      expectRejected(await sell(g, "s", 120, 5), "INSUFFICIENT_FUNDS"); // fee 35 > 34
      ok(await sell(g, "s", 120, 4)); // fee 28
    });

    it("a market order pays the fee on its qty at the protection bound, and needs the cash for it", async () => {
      // best ask 100, protection 500 bps -> bound 105: needs 105 x 4 x 10 + 7 x 4 = 4,228
      const g = await feeGame([
        { playerId: "a", cash: 4_227 },
        { playerId: "b", cash: 4_228 },
        { playerId: "s", cash: 0, holdings: [{ securityId: S, qty: 10 }] },
      ]);
      ok(await sell(g, "s", 100, 10, { postOnly: true }));
      expectRejected(await place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 4 }), "INSUFFICIENT_FUNDS");
      const r = ok(await place(g, "b", { side: "buy", type: "market", tif: "IOC", qty: 4 }));
      expect(r.fills.map((f) => f.takerFee)).to.deep.equal([28]);
      expect((await inventoryOf(engine, g, "b")).cash).to.equal(4_228 - 4_000 - 28);
    });

    it("an amend that replaces the order is checked for the fee too (the old lock credited first)", async () => {
      const g = await feeGame([
        { playerId: "a", cash: 10_070 },
        { playerId: "s", cash: 0, holdings: [{ securityId: S, qty: 10 }] },
      ]);
      const id = ok(await buy(g, "a", 100, 10)).order.orderId; // 10,000 + fee 70 = all of a's cash
      expectRejected(
        await engine.amend(g, "a", { securityId: S, orderId: id, qty: 10, price: 101 }),
        "INSUFFICIENT_FUNDS",
      );
      const r = ok(await engine.amend(g, "a", { securityId: S, orderId: id, qty: 10, price: 99 }));
      expect(r.amended.priorityKept).to.equal(false);
      // a reduction at the same price keeps priority and is no new order: no check
      ok(await engine.amend(g, "a", { securityId: S, orderId: r.order!.orderId, qty: 9 }));
    });

    it("security_added and game_info carry takerFee, makerRebate and limitWeight; a rebate above the fee is refused", async () => {
      const g = await game({
        securities: [{ securityId: 4, takerFee: 9, makerRebate: 9, limitWeight: 3 }],
        players: [],
      });
      const added = (await eventsOf(engine, g)).find((e) => e.type === "security_added")!;
      expect(added).to.include({ takerFee: 9, makerRebate: 9, limitWeight: 3 });
      expect(ok(await engine.gameInfo(g)).securities[0]).to.include({ takerFee: 9, makerRebate: 9, limitWeight: 3 });
      const before = await snapshot(engine, g);
      expectRejected(
        await engine.addSecurity(g, { securityId: 5, symbol: "X", takerFee: 2, makerRebate: 3 }),
        "INVALID_ARGUMENT",
      );
      await expectUnchanged(engine, g, before);
    });
  });

  // ------------------------------------------------------------------ gross and net limits

  describe("gross and net position limits (weighted lots, worst case over open orders)", () => {
    /** Securities 1 (weight 2) and 2 (weight 1); player a holds 10 lots of security 1; c is a counterparty. */
    const limitGame = (config: SetupOptions["config"], holdings = 10) =>
      game({
        config: { allowShort: true, ...config },
        securities: [
          { securityId: 1, limitWeight: 2, shortLimit: 1_000 },
          { securityId: 2, limitWeight: 1, shortLimit: 1_000 },
        ],
        players: [
          { playerId: "a", cash: 1_000_000, holdings: [{ securityId: 1, qty: holdings }] },
          {
            playerId: "c",
            cash: 1_000_000,
            holdings: [
              { securityId: 1, qty: 1_000 },
              { securityId: 2, qty: 1_000 },
            ],
          },
        ],
      });
    const on = (
      g: string,
      p: string,
      sid: number,
      side: "buy" | "sell",
      price: number,
      qty: number,
      x: Partial<PlaceOrder> = {},
    ) => engine.place(g, p, { securityId: sid, side, price, qty, ...x });

    it("game_created and game_info carry grossLimit and netLimit (default 0 = none)", async () => {
      const g = await limitGame({ grossLimit: 100, netLimit: 50 });
      expect((await eventsOf(engine, g))[0]).to.include({ type: "game_created", grossLimit: 100, netLimit: 50 });
      expect(ok(await engine.gameInfo(g)).game).to.include({ grossLimit: 100, netLimit: 50 });
      const d = await game({ phase: "lobby", players: [] });
      expect(ok(await engine.gameInfo(d)).game).to.include({ grossLimit: 0, netLimit: 0 });
    });

    it("gross: sum of weight x max(|long|, |short|) counts open buys, up to the limit exactly", async () => {
      const g = await limitGame({ grossLimit: 100 }); // a: 10 lots x weight 2 = 20
      ok(await on(g, "a", 2, "buy", 50, 30)); // open buy: long_2 = 30 -> 50
      ok(await on(g, "a", 1, "buy", 50, 25)); // long_1 = 35 -> 70 + 30 = 100
      expectRejected(await on(g, "a", 2, "buy", 50, 1), "GROSS_POSITION_LIMIT");
      expectRejected(await on(g, "a", 1, "buy", 50, 1), "GROSS_POSITION_LIMIT");
      // a sell of security 1 within the long side does not add risk: max(35, -(10 - 5)) = 35
      ok(await on(g, "a", 1, "sell", 200, 5));
    });

    it("gross counts shorts: open sells past the holdings make |short| the larger side", async () => {
      const g = await limitGame({ grossLimit: 100 }); // 20
      ok(await on(g, "a", 2, "buy", 50, 30)); // long_2 30, short_2 0 -> 50
      ok(await on(g, "a", 2, "sell", 200, 40)); // short_2 = -40 -> max(30, 40) = 40 -> 60
      ok(await on(g, "a", 2, "sell", 200, 40)); // short_2 = -80 -> 100
      expectRejected(await on(g, "a", 2, "sell", 200, 1), "GROSS_POSITION_LIMIT");
      // security 1: long 10; selling 20 gives short -10 (max still 10), selling 21 gives -11 (2 x 11 = 22)
      expectRejected(await on(g, "a", 1, "sell", 200, 21), "GROSS_POSITION_LIMIT");
      ok(await on(g, "a", 1, "sell", 200, 20));
    });

    it("fills keep the worst case within the limit: a filled buy moves lots from open buys to the position", async () => {
      const g = await limitGame({ grossLimit: 60 }); // 20
      ok(await on(g, "c", 2, "sell", 50, 40));
      const r = ok(await on(g, "a", 2, "buy", 50, 40)); // fills: long_2 = 40 -> 60
      expect(r.order.filledQty).to.equal(40);
      expectRejected(await on(g, "a", 2, "buy", 50, 1), "GROSS_POSITION_LIMIT");
      ok(await on(g, "a", 2, "sell", 60, 40)); // selling it back never adds risk
    });

    it("net: sum of weight x long <= netLimit and sum of weight x short >= -netLimit", async () => {
      const g = await limitGame({ netLimit: 50 }); // net long 20
      ok(await on(g, "a", 2, "buy", 50, 15)); // 35
      expectRejected(await on(g, "a", 1, "buy", 50, 8), "NET_POSITION_LIMIT"); // 35 + 16 = 51
      ok(await on(g, "a", 1, "buy", 50, 7)); // 49
      // short side: short_1 = 10 - locked, short_2 = 0 - locked: 2 x (10 - s1) + (0 - s2) >= -50
      ok(await on(g, "a", 1, "sell", 200, 30)); // 2 x -20 = -40
      expectRejected(await on(g, "a", 2, "sell", 200, 11), "NET_POSITION_LIMIT"); // -51
      ok(await on(g, "a", 2, "sell", 200, 10)); // -50
      // the long side is unchanged by the sells: 49 + 2 > 50
      expectRejected(await on(g, "a", 2, "buy", 50, 2), "NET_POSITION_LIMIT");
    });

    it("an amend that replaces an order is checked with the old order given back", async () => {
      const g = await limitGame({ grossLimit: 100 }); // 20
      const id = ok(await on(g, "a", 2, "buy", 50, 80)).order.orderId; // 100
      const r = ok(await engine.amend(g, "a", { securityId: 2, orderId: id, qty: 80, price: 51 }));
      expectRejected(
        await engine.amend(g, "a", { securityId: 2, orderId: r.order!.orderId, qty: 81 }),
        "GROSS_POSITION_LIMIT",
      );
    });

    it("an order that does not add risk is accepted even when the endowment is above the limit", async () => {
      const g = await limitGame({ grossLimit: 10, netLimit: 10 }, 50); // a: 2 x 50 = 100 > 10
      expectRejected(await on(g, "a", 1, "buy", 50, 1), "GROSS_POSITION_LIMIT");
      expectRejected(await on(g, "a", 2, "buy", 50, 1), "GROSS_POSITION_LIMIT");
      ok(await on(g, "a", 1, "sell", 200, 20)); // reduces nothing in the worst case, adds nothing
    });

    it("a weight of 0 leaves a security out of the limits; limit 0 means none", async () => {
      const g = await game({
        config: { grossLimit: 10, netLimit: 10 },
        securities: [{ securityId: 1, limitWeight: 0 }, { securityId: 2 }],
        players: [{ playerId: "a", cash: 1_000_000 }],
      });
      ok(await engine.place(g, "a", { securityId: 1, side: "buy", price: 10, qty: 1_000 }));
      ok(await engine.place(g, "a", { securityId: 2, side: "buy", price: 10, qty: 10 }));
      expectRejected(
        await engine.place(g, "a", { securityId: 2, side: "buy", price: 10, qty: 1 }),
        "GROSS_POSITION_LIMIT",
      );
      const free = await game({
        securities: [{ securityId: 1, limitWeight: 1000 }],
        players: [{ playerId: "a", cash: 1_000_000 }],
      });
      ok(await engine.place(free, "a", { securityId: 1, side: "buy", price: 10, qty: 10_000 }));
    });
  });

  // ------------------------------------------------------------------ order types

  describe("order types", () => {
    it("a GTC limit order that does not cross rests (status new)", async () => {
      const g = await game();
      const r = ok(await buy(g, "a", 99, 5));
      expect(r.order).to.include({
        status: "new",
        restingQty: 5,
        filledQty: 0,
        cancelledQty: 0,
        reason: "",
        tif: "GTC",
        orderType: "limit",
      });
      expect(r.events.map((e) => e.type)).to.deep.equal(["order_accepted", "order_rested"]);
    });

    it("market orders never rest: the unfilled remainder expires", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 3));
      const r = ok(await place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 10 }));
      expect(r.order).to.include({
        orderType: "market",
        filledQty: 3,
        restingQty: 0,
        cancelledQty: 7,
        status: "expired",
        reason: "market",
      });
      expect(await openIds(g, "a")).to.deep.equal([]);
      expect((await book(g)).bids).to.deep.equal([]);
      expect((await inventoryOf(engine, g, "a")).cashLocked).to.equal(0);
    });

    it("a market buy stops at its protection bound (best ask + protectionBps) on a thin book; the remainder expires", async () => {
      const g = await game(); // protectionBps 500: best ask 100 -> bound 105
      ok(await sell(g, "b", 100, 2));
      ok(await sell(g, "b", 104, 1));
      const far = ok(await sell(g, "c", 200, 5)).order.orderId;
      const r = ok(await place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 8 }));
      expect(r.order).to.include({
        price: 105,
        filledQty: 3,
        cancelledQty: 5,
        restingQty: 0,
        status: "expired",
        reason: "market",
        notional: 304,
      });
      expect(r.fills.map((f) => f.price)).to.deep.equal([100, 104]);
      expect((await book(g)).asks).to.deep.equal([{ price: 200, qty: 5, orders: 1 }]);
      expect(await openIds(g, "c")).to.deep.equal([far]);
      expect((await inventoryOf(engine, g, "a")).cash).to.equal(1_000_000 - 304);
    });

    it("a market sell stops at its protection bound (best bid - protectionBps)", async () => {
      const g = await game({ config: { protectionBps: 1000 } }); // best bid 200 -> bound 180
      ok(await buy(g, "b", 200, 1));
      ok(await buy(g, "b", 180, 1));
      ok(await buy(g, "c", 179, 5));
      const r = ok(await place(g, "a", { side: "sell", type: "market", tif: "IOC", qty: 4 }));
      expect(r.order).to.include({ price: 180, filledQty: 2, cancelledQty: 2, status: "expired" });
      expect((await book(g)).bids).to.deep.equal([{ price: 179, qty: 5, orders: 1 }]);
    });

    it("a market order's bound is capped by the security's price band", async () => {
      const g = await game({ securities: [{ securityId: S, bandHigh: 102 }] });
      ok(await sell(g, "b", 100, 1));
      const r = ok(await place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 1 }));
      expect(r.order.price).to.equal(102);
    });

    it("IOC: fills what it can now and the remainder expires (reason ioc); with nothing to match it expires whole", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 2));
      const r = ok(await buy(g, "a", 100, 5, { tif: "IOC" }));
      expect(r.order).to.include({ filledQty: 2, restingQty: 0, cancelledQty: 3, status: "expired", reason: "ioc" });
      const cancelled = r.events.filter((e) => e.type === "order_cancelled");
      expect(cancelled).to.have.length(1);
      expect(cancelled[0]).to.include({ orderId: r.order.orderId, qty: 3, reason: "ioc" });
      const none = ok(await buy(g, "a", 100, 5, { tif: "IOC" }));
      expect(none.order).to.include({ filledQty: 0, cancelledQty: 5, status: "expired" });
      expect((await book(g)).bids).to.deep.equal([]);
    });

    it("FOK: an order that can fill completely fills across levels at once", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 3));
      ok(await sell(g, "c", 101, 4));
      ok(await sell(g, "c", 102, 9));
      const r = ok(await buy(g, "a", 101, 7, { tif: "FOK" }));
      expect(r.order).to.include({ status: "filled", filledQty: 7, notional: 3 * 100 + 4 * 101 });
      expect((await book(g)).asks).to.deep.equal([{ price: 102, qty: 9, orders: 1 }]);
    });

    it("FOK market order fills completely within the protection bound", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 3));
      ok(await sell(g, "c", 103, 3));
      const r = ok(await place(g, "a", { side: "buy", type: "market", tif: "FOK", qty: 6 }));
      expect(r.order).to.include({ status: "filled", filledQty: 6 });
    });

    it("post-only: a GTC limit that would not trade rests as a maker", async () => {
      const g = await game();
      ok(await sell(g, "b", 101, 3));
      const r = ok(await buy(g, "a", 100, 2, { postOnly: true }));
      expect(r.order).to.include({ postOnly: true, status: "new", restingQty: 2 });
      const fill = ok(await sell(g, "c", 100, 2)).fills[0]!;
      expect(fill).to.include({ makerOrderId: r.order.orderId, makerPlayerId: "a" });
    });
  });

  // ------------------------------------------------------------------ cancel, cancel-all, amend

  describe("cancel and cancel-all", () => {
    it("cancel takes the player's own order off the book and logs order_cancelled (reason user)", async () => {
      const g = await game();
      const id = ok(await buy(g, "a", 99, 5)).order.orderId;
      const r = ok(await engine.cancel(g, "a", S, id));
      expect(r.cancelled).to.deep.equal({ orderId: id, securityId: S, side: "buy", price: 99, qty: 5 });
      expect(r.events).to.have.length(1);
      expect(r.events[0]).to.include({ type: "order_cancelled", orderId: id, playerId: "a", qty: 5, reason: "user" });
      expect((await book(g)).bids).to.deep.equal([]);
      expect(await openIds(g, "a")).to.deep.equal([]);
    });

    it("cancel of a partially filled order cancels only its open remainder", async () => {
      const g = await game();
      const id = ok(await sell(g, "a", 100, 10)).order.orderId;
      ok(await buy(g, "b", 100, 3));
      const r = ok(await engine.cancel(g, "a", S, id));
      expect(r.cancelled.qty).to.equal(7);
      const a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked]).to.deep.equal([997, 0]);
    });

    it("cancel is still allowed while the game is paused and after it ended", async () => {
      const g = await game();
      const id1 = ok(await buy(g, "a", 99, 5)).order.orderId;
      const id2 = ok(await buy(g, "a", 98, 5)).order.orderId;
      ok(await engine.setPhase(g, "paused"));
      ok(await engine.cancel(g, "a", S, id1));
      ok(await engine.setPhase(g, "ended"));
      ok(await engine.cancel(g, "a", S, id2));
      expect((await inventoryOf(engine, g, "a")).cashLocked).to.equal(0);
    });

    it("cancel-all without a security cancels the player's orders in every security and nobody else's", async () => {
      const g = await game({
        securities: [{ securityId: 1 }, { securityId: 2 }],
        players: ["a", "b"].map((playerId) => ({
          playerId,
          cash: 1_000_000,
          holdings: [
            { securityId: 1, qty: 100 },
            { securityId: 2, qty: 100 },
          ],
        })),
      });
      const a1 = ok(await engine.place(g, "a", { securityId: 1, side: "buy", price: 50, qty: 2 })).order.orderId;
      const a2 = ok(await engine.place(g, "a", { securityId: 1, side: "sell", price: 60, qty: 3 })).order.orderId;
      const a3 = ok(await engine.place(g, "a", { securityId: 2, side: "buy", price: 40, qty: 4 })).order.orderId;
      const b1 = ok(await engine.place(g, "b", { securityId: 2, side: "buy", price: 41, qty: 1 })).order.orderId;
      const r = ok(await engine.cancelAll(g, "a"));
      expect(r.truncated).to.equal(false);
      expect(r.cancelledOrderIds).to.have.deep.members([
        { securityId: 1, orderId: a1 },
        { securityId: 1, orderId: a2 },
        { securityId: 2, orderId: a3 },
      ]);
      expect(r.events.map((e) => e.type === "order_cancelled" && e.reason)).to.deep.equal([
        "cancel_all",
        "cancel_all",
        "cancel_all",
      ]);
      const a = await inventoryOf(engine, g, "a");
      expect([a.cashLocked, a.pos(1).locked, a.pos(1).openBuy, a.pos(2).openBuy]).to.deep.equal([0, 0, 0, 0]);
      expect(await openIds(g, "a")).to.deep.equal([]);
      expect(await openIds(g, "b")).to.deep.equal([b1]);
    });

    it("cancel-all with a security cancels only that security's orders", async () => {
      const g = await game({
        securities: [{ securityId: 1 }, { securityId: 2 }],
        players: [{ playerId: "a", cash: 1_000_000 }],
      });
      ok(await engine.place(g, "a", { securityId: 1, side: "buy", price: 50, qty: 2 }));
      const keep = ok(await engine.place(g, "a", { securityId: 2, side: "buy", price: 40, qty: 4 })).order.orderId;
      const r = ok(await engine.cancelAll(g, "a", 1));
      expect(r.cancelledOrderIds).to.have.length(1);
      expect(r.cancelledOrderIds[0]!.securityId).to.equal(1);
      const left = ok(await engine.orders(g, "a")).orders;
      expect(left.map((o) => [o.securityId, o.orderId])).to.deep.equal([[2, keep]]);
      expect((await inventoryOf(engine, g, "a")).cashLocked).to.equal(160);
    });

    it("cancel-all stops at maxMatches orders and says truncated; the next call cancels the rest", async () => {
      const g = await game({ config: { maxMatches: 2 } });
      for (const p of [90, 91, 92]) ok(await buy(g, "a", p, 1));
      const r1 = ok(await engine.cancelAll(g, "a"));
      expect(r1.cancelledOrderIds).to.have.length(2);
      expect(r1.truncated).to.equal(true);
      expect(await openIds(g, "a")).to.have.length(1);
      const r2 = ok(await engine.cancelAll(g, "a"));
      expect(r2.cancelledOrderIds).to.have.length(1);
      expect(r2.truncated).to.equal(false);
      expect(await openIds(g, "a")).to.deep.equal([]);
    });

    it("cancel-all with exactly maxMatches orders is not truncated", async () => {
      const g = await game({ config: { maxMatches: 2 } });
      for (const p of [90, 91]) ok(await buy(g, "a", p, 1));
      const r = ok(await engine.cancelAll(g, "a"));
      expect([r.cancelledOrderIds.length, r.truncated]).to.deep.equal([2, false]);
    });
  });

  describe("amend", () => {
    it("reducing quantity keeps the order id and its time priority, and releases the cut's lock", async () => {
      const g = await game();
      const first = ok(await sell(g, "b", 100, 5)).order.orderId;
      ok(await sell(g, "c", 100, 5));
      const r = ok(await engine.amend(g, "b", { securityId: S, orderId: first, qty: 3 }));
      expect(r.amended).to.deep.equal({ orderId: first, qty: 3, priorityKept: true });
      expect(r.events.map((e) => e.type)).to.deep.equal(["order_amended"]);
      expect(r.events[0]).to.include({ oldQty: 5, qty: 3 });
      expect((await inventoryOf(engine, g, "b")).pos(S).locked).to.equal(3);
      expect((await book(g)).asks).to.deep.equal([{ price: 100, qty: 8, orders: 2 }]);
      const fill = ok(await buy(g, "a", 100, 1)).fills[0]!;
      expect(fill).to.include({ makerOrderId: first, makerPlayerId: "b" });
    });

    it("reducing a buy releases price x cut x scale of cash", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 4 }] });
      const id = ok(await buy(g, "a", 50, 10)).order.orderId;
      ok(await engine.amend(g, "a", { securityId: S, orderId: id, qty: 4 }));
      const a = await inventoryOf(engine, g, "a");
      expect([a.cashLocked, a.pos(S).openBuy]).to.deep.equal([50 * 4 * 4, 4]);
    });

    it("changing the price is cancel + new: a new order id at the back of its level (priority lost)", async () => {
      const g = await game();
      const old = ok(await sell(g, "b", 101, 5)).order.orderId;
      const other = ok(await sell(g, "c", 100, 5)).order.orderId;
      const r = ok(await engine.amend(g, "b", { securityId: S, orderId: old, qty: 5, price: 100 }));
      expect(r.amended).to.include({ orderId: old, priorityKept: false });
      const newId = r.order!.orderId;
      expect(newId).to.be.greaterThan(other);
      expect(r.order).to.include({ price: 100, qty: 5, restingQty: 5, status: "new" });
      expect(r.events.map((e) => e.type)).to.deep.equal(["order_cancelled", "order_accepted", "order_rested"]);
      expect(r.events[0]).to.include({ orderId: old, reason: "amend" });
      expect(await openIds(g, "b")).to.deep.equal([newId]);
      const fills = ok(await buy(g, "a", 100, 6)).fills;
      expect(fills.map((f) => [f.makerOrderId, f.qty])).to.deep.equal([
        [other, 5],
        [newId, 1],
      ]);
      expect((await inventoryOf(engine, g, "b")).pos(S).locked).to.equal(4);
    });

    it("increasing quantity at the same price is cancel + new too (priority lost)", async () => {
      const g = await game();
      const old = ok(await buy(g, "b", 100, 2)).order.orderId;
      const other = ok(await buy(g, "c", 100, 2)).order.orderId;
      const r = ok(await engine.amend(g, "b", { securityId: S, orderId: old, qty: 3 }));
      expect(r.amended.priorityKept).to.equal(false);
      expect(ok(await sell(g, "a", 100, 1)).fills[0]!.makerOrderId).to.equal(other);
      expect((await inventoryOf(engine, g, "b")).cashLocked).to.equal(300);
    });

    it("an amended price that crosses trades at once, at the resting price", async () => {
      const g = await game();
      ok(await sell(g, "c", 100, 2));
      const id = ok(await buy(g, "a", 95, 5)).order.orderId;
      const r = ok(await engine.amend(g, "a", { securityId: S, orderId: id, qty: 5, price: 101 }));
      expect(r.fills.map((f) => [f.price, f.qty])).to.deep.equal([[100, 2]]);
      expect(r.order).to.include({ filledQty: 2, restingQty: 3, price: 101 });
      const a = await inventoryOf(engine, g, "a");
      expect([a.cash, a.cashLocked]).to.deep.equal([1_000_000 - 200, 303]);
    });

    it("amending the price of a buy can reuse its own lock (the old lock is credited first)", async () => {
      const g = await game({ players: [{ playerId: "a", cash: 1_000 }] });
      const id = ok(await buy(g, "a", 100, 10)).order.orderId; // locks all 1,000
      const r = ok(await engine.amend(g, "a", { securityId: S, orderId: id, qty: 10, price: 90 }));
      expect(r.order!.restingQty).to.equal(10);
      expect((await inventoryOf(engine, g, "a")).cashLocked).to.equal(900);
    });
  });

  // ------------------------------------------------------------------ STP

  describe("self-trade prevention", () => {
    it("by default cancels the incoming remainder (stp cancel_incoming) and leaves the resting order", async () => {
      const g = await game();
      const own = ok(await sell(g, "a", 100, 5)).order.orderId;
      const r = ok(await buy(g, "a", 100, 3));
      expect(r.order).to.include({
        stp: "cancel_incoming",
        filledQty: 0,
        restingQty: 0,
        cancelledQty: 3,
        status: "cancelled",
        reason: "stp",
      });
      expect(r.order.stpCancelledOrderIds).to.deep.equal([]);
      expect(r.fills).to.deep.equal([]);
      expect(r.events.find((e) => e.type === "order_cancelled")).to.include({
        orderId: r.order.orderId,
        reason: "stp",
      });
      expect(await openIds(g, "a")).to.deep.equal([own]);
      expect((await inventoryOf(engine, g, "a")).cashLocked).to.equal(0);
    });

    it("cancel_incoming after partial fills against others: the fills stand, the rest is cancelled", async () => {
      const g = await game();
      ok(await sell(g, "b", 99, 2));
      ok(await sell(g, "a", 100, 5));
      ok(await sell(g, "c", 100, 5));
      const r = ok(await buy(g, "a", 100, 6));
      expect(r.order).to.include({
        stp: "cancel_incoming",
        filledQty: 2,
        cancelledQty: 4,
        status: "cancelled",
        reason: "stp",
      });
      expect((await book(g)).asks).to.deep.equal([{ price: 100, qty: 10, orders: 2 }]);
    });

    it("a trade with no self-match says stp none", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 1));
      expect(ok(await buy(g, "a", 100, 1)).order).to.include({ stp: "none" });
    });

    it("per-game cancel_resting: the player's resting order is cancelled and the incoming order trades on", async () => {
      const g = await game({ config: { stp: "cancel_resting" } });
      const own = ok(await sell(g, "a", 100, 5)).order.orderId;
      const other = ok(await sell(g, "b", 101, 5)).order.orderId;
      const r = ok(await buy(g, "a", 101, 5));
      expect(r.order).to.include({ stp: "cancel_resting", status: "filled", filledQty: 5 });
      expect(r.order.stpCancelledOrderIds).to.deep.equal([own]);
      expect(r.fills.map((f) => [f.makerOrderId, f.price])).to.deep.equal([[other, 101]]);
      expect(r.events.find((e) => e.type === "order_cancelled")).to.include({ orderId: own, reason: "stp" });
      const a = await inventoryOf(engine, g, "a");
      expect([a.pos(S).qty, a.pos(S).locked]).to.deep.equal([1_005, 0]);
      expect(await openIds(g, "a")).to.deep.equal([]);
    });
  });

  // ------------------------------------------------------------------ idempotency

  describe("idempotency", () => {
    it("a retried place with the same clientOrderId returns the first result (duplicate), creates nothing and logs nothing", async () => {
      const g = await game();
      ok(await sell(g, "b", 100, 2));
      const first = ok(await buy(g, "a", 100, 5, { clientOrderId: "cid-1" }));
      expect(first.duplicate).to.equal(undefined);
      expect(first.order.clientOrderId).to.equal("cid-1");
      const before = await snapshot(engine, g);
      const again = ok(await buy(g, "a", 100, 5, { clientOrderId: "cid-1" }));
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.deep.equal(first.order);
      expect([again.firstSeq, again.lastSeq]).to.deep.equal([first.firstSeq, first.lastSeq]);
      expect(again.events).to.deep.equal([]);
      expect(first.fills).to.have.length(1);
      expect(again.fills).to.deep.equal(first.fills); // the first result's fills, not new ones
      await expectUnchanged(engine, g, before);
    });

    it("a retry with different parameters still returns the first result and changes nothing", async () => {
      const g = await game();
      const first = ok(await buy(g, "a", 90, 5, { clientOrderId: "x" }));
      const before = await snapshot(engine, g);
      const again = ok(await sell(g, "a", 200, 1, { clientOrderId: "x" }));
      expect(again.duplicate).to.equal(true);
      expect(again.order).to.deep.equal(first.order);
      await expectUnchanged(engine, g, before);
    });

    it("the key is (player, clientOrderId): another player may use the same clientOrderId", async () => {
      const g = await game();
      const a = ok(await buy(g, "a", 90, 5, { clientOrderId: "same" }));
      const b = ok(await buy(g, "b", 91, 5, { clientOrderId: "same" }));
      expect(b.duplicate).to.equal(undefined);
      expect(b.order.orderId).to.not.equal(a.order.orderId);
      expect(b.order.playerId).to.equal("b");
    });

    it("a rejected order does not consume its clientOrderId", async () => {
      const g = await game({ players: [{ playerId: "a", cash: 100 }] });
      expectRejected(await buy(g, "a", 100, 2, { clientOrderId: "r1" }), "INSUFFICIENT_FUNDS");
      const r = ok(await buy(g, "a", 100, 1, { clientOrderId: "r1" }));
      expect(r.duplicate).to.equal(undefined);
      expect(r.order.restingQty).to.equal(1);
    });

    it("a retry after the order was cancelled still returns the first result, without re-placing it", async () => {
      const g = await game();
      const first = ok(await buy(g, "a", 90, 5, { clientOrderId: "c" }));
      ok(await engine.cancel(g, "a", S, first.order.orderId));
      const again = ok(await buy(g, "a", 90, 5, { clientOrderId: "c" }));
      expect(again.duplicate).to.equal(true);
      expect(await openIds(g, "a")).to.deep.equal([]);
    });

    it("a retry arriving after the market paused still returns the first result (not MARKET_CLOSED)", async () => {
      const g = await game();
      const first = ok(await buy(g, "a", 90, 5, { clientOrderId: "p" }));
      ok(await engine.setPhase(g, "paused"));
      const before = await snapshot(engine, g);
      const again = ok(await buy(g, "a", 90, 5, { clientOrderId: "p" }));
      expect([again.duplicate, again.order.orderId]).to.deep.equal([true, first.order.orderId]);
      await expectUnchanged(engine, g, before);
    });
  });

  // ------------------------------------------------------------------ maxMatches

  describe("maxMatches", () => {
    it("one call matches at most maxMatches resting orders: truncated, remainder cancelled (max_matches), book not crossed", async () => {
      const g = await game({ config: { maxMatches: 3 } });
      for (const p of [100, 101, 102, 103, 104]) ok(await sell(g, "b", p, 1));
      const r = ok(await buy(g, "a", 104, 5));
      expect(r.order).to.include({
        truncated: true,
        filledQty: 3,
        restingQty: 0,
        cancelledQty: 2,
        reason: "max_matches",
        status: "cancelled",
      });
      expect(r.fills.map((f) => f.price)).to.deep.equal([100, 101, 102]);
      expect(r.events.at(-1)).to.include({
        type: "order_cancelled",
        orderId: r.order.orderId,
        qty: 2,
        reason: "max_matches",
      });
      const bk = await book(g);
      expect(bk.bids).to.deep.equal([]);
      expect(bk.asks.map((l) => l.price)).to.deep.equal([103, 104]);
    });

    it("matching exactly maxMatches orders to completion is not truncated", async () => {
      const g = await game({ config: { maxMatches: 3 } });
      for (const p of [100, 101, 102, 103]) ok(await sell(g, "b", p, 1));
      const r = ok(await buy(g, "a", 104, 3));
      expect(r.order).to.include({ truncated: false, status: "filled" });
    });

    it("the default maxMatches is 1000", async () => {
      const g = await game();
      expect(ok(await engine.gameInfo(g)).game.maxMatches).to.equal(1000);
    });

    it("self-trade cancellations of resting orders count toward maxMatches", async () => {
      const g = await game({ config: { maxMatches: 2, stp: "cancel_resting" } });
      ok(await sell(g, "a", 100, 1));
      ok(await sell(g, "a", 100, 1));
      ok(await sell(g, "b", 100, 1));
      const r = ok(await buy(g, "a", 100, 1));
      expect(r.order).to.include({ truncated: true, filledQty: 0 });
      expect(r.order.stpCancelledOrderIds).to.have.length(2);
      expect((await book(g)).asks).to.deep.equal([{ price: 100, qty: 1, orders: 1 }]);
    });
  });

  // ------------------------------------------------------------------ event stream

  describe("event stream", () => {
    it("an admin action is logged as admin_action with the next seq; a malformed one is refused and changes nothing", async () => {
      const g = await game();
      const r = ok(await engine.logAdmin(g, "bot_added", "admin", 'market_maker p-mm1 "quoted"'));
      expect(r.events).to.have.length(1);
      expect(r.events[0]).to.include({
        type: "admin_action",
        action: "bot_added",
        actor: "admin",
        detail: 'market_maker p-mm1 "quoted"',
        seq: r.firstSeq,
      });
      expect((await eventsOf(engine, g)).at(-1)).to.deep.equal(r.events[0]);
      const before = await snapshot(engine, g);
      expectRejected(await engine.logAdmin(g, "bad action!", "admin"), "INVALID_ARGUMENT");
      expectRejected(await engine.logAdmin(g, "ok", "admin", "x".repeat(501)), "INVALID_ARGUMENT");
      await expectUnchanged(engine, g, before);
    });

    it("every accepted command, fill and cancel appends to game:{id}:events with contiguous seq from 1, one entry per batch with id '<its last seq>-0'", async () => {
      const g = await game();
      const results: { firstSeq: number; lastSeq: number; events: EngineEvent[] }[] = [];
      results.push(ok(await sell(g, "b", 100, 2)));
      results.push(ok(await buy(g, "a", 100, 1)));
      const rest = ok(await buy(g, "a", 90, 3));
      results.push(rest);
      results.push(ok(await engine.amend(g, "a", { securityId: S, orderId: rest.order.orderId, qty: 2 })));
      results.push(ok(await engine.cancel(g, "a", S, rest.order.orderId)));
      results.push(ok(await engine.setPhase(g, "paused")));

      const events = await eventsOf(engine, g);
      expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
      const entries = await streamEntries(engine.client, g);
      expect(entries.flatMap((e) => e.seqs)).to.deep.equal(events.map((e) => e.seq));
      for (const e of entries) expect(e.id).to.equal(`${e.seqs[e.seqs.length - 1]}-0`);
      expect(await engine.client.get(K.seqKey(g))).to.equal(String(events.length));
      expect(events[0]!.type).to.equal("game_created");
      for (const r of results) {
        expect(r.events.map((e) => e.seq)).to.deep.equal(
          Array.from({ length: r.lastSeq - r.firstSeq + 1 }, (_, i) => r.firstSeq + i),
        );
        expect(events.slice(r.firstSeq - 1, r.lastSeq)).to.deep.equal(r.events);
      }
      const types = events.slice(-9).map((e) => e.type);
      expect(types).to.deep.equal([
        "order_accepted",
        "order_rested", // sell 2 @100
        "order_accepted",
        "fill", // buy 1 @100
        "order_accepted",
        "order_rested", // buy 3 @90
        "order_amended",
        "order_cancelled",
        "phase_changed",
      ]);
    });

    it("a fill event names maker and taker orders and players, price, qty and the aggressor side", async () => {
      const g = await game();
      const maker = ok(await sell(g, "b", 100, 5)).order.orderId;
      const r = ok(await buy(g, "a", 101, 3));
      const fill = (await eventsOf(engine, g)).find((e): e is FillEvent => e.type === "fill")!;
      expect(fill).to.include({
        securityId: S,
        price: 100,
        qty: 3,
        aggressor: "buy",
        makerOrderId: maker,
        takerOrderId: r.order.orderId,
        makerPlayerId: "b",
        takerPlayerId: "a",
        makerRemaining: 2,
        takerRemaining: 0,
      });
      expect(fill.seq).to.be.a("number");
      expect(fill.ts).to.be.a("number");
      const bid = ok(await buy(g, "a", 80, 1)).order.orderId;
      const hit = ok(await sell(g, "c", 80, 1));
      expect(hit.fills[0]).to.include({
        aggressor: "sell",
        takerPlayerId: "c",
        takerOrderId: hit.order.orderId,
        makerOrderId: bid,
        makerPlayerId: "a",
        price: 80,
      });
    });

    it("order_accepted carries the order's fields and clientOrderId", async () => {
      const g = await game();
      const r = ok(await buy(g, "a", 95, 4, { clientOrderId: "ev-1", postOnly: true }));
      expect(r.events[0]).to.include({
        type: "order_accepted",
        securityId: S,
        orderId: r.order.orderId,
        playerId: "a",
        clientOrderId: "ev-1",
        side: "buy",
        orderType: "limit",
        tif: "GTC",
        postOnly: true,
        price: 95,
        qty: 4,
      });
    });

    it("setup commands log game_created, security_added and player_added", async () => {
      const g = await game({
        phase: "lobby",
        players: [{ playerId: "z", cash: 5, holdings: [{ securityId: S, qty: 2 }] }],
      });
      const ev = await eventsOf(engine, g);
      expect(ev.map((e) => e.type)).to.deep.equal(["game_created", "security_added", "player_added"]);
      expect(ev[2]).to.deep.include({ playerId: "z", cash: 5, holdings: [{ securityId: S, qty: 2 }] });
    });
  });

  // ------------------------------------------------------------------ reads

  describe("read queries", () => {
    it("book depth aggregates each price level (qty, order count), best first, limited to N levels per side", async () => {
      const g = await game();
      ok(await buy(g, "a", 99, 2));
      ok(await buy(g, "b", 99, 3));
      ok(await buy(g, "a", 98, 1));
      ok(await buy(g, "a", 97, 7));
      ok(await sell(g, "b", 101, 4));
      ok(await sell(g, "c", 101, 1));
      ok(await sell(g, "c", 103, 6));
      ok(await sell(g, "c", 102, 2));
      const full = await book(g, 10);
      expect(full.bids).to.deep.equal([
        { price: 99, qty: 5, orders: 2 },
        { price: 98, qty: 1, orders: 1 },
        { price: 97, qty: 7, orders: 1 },
      ]);
      expect(full.asks).to.deep.equal([
        { price: 101, qty: 5, orders: 2 },
        { price: 102, qty: 2, orders: 1 },
        { price: 103, qty: 6, orders: 1 },
      ]);
      const top2 = await book(g, 2);
      expect(top2.bids).to.deep.equal(full.bids.slice(0, 2));
      expect(top2.asks).to.deep.equal(full.asks.slice(0, 2));
      expect(top2.seq).to.equal(Number(await engine.client.get(K.seqKey(g))));
    });

    it("book depth reflects partial fills and cancels", async () => {
      const g = await game();
      ok(await sell(g, "b", 101, 4));
      const c = ok(await sell(g, "c", 101, 3)).order.orderId;
      ok(await buy(g, "a", 101, 2));
      ok(await engine.cancel(g, "c", S, c));
      expect((await book(g)).asks).to.deep.equal([{ price: 101, qty: 2, orders: 1 }]);
    });

    it("orders lists a player's open orders with original qty, open amount and clientOrderId, optionally for one security", async () => {
      const g = await game({
        securities: [{ securityId: 1 }, { securityId: 2 }],
        players: ["a", "b"].map((playerId) => ({ playerId, cash: 1_000_000, holdings: [{ securityId: 1, qty: 100 }] })),
      });
      const o1 = ok(
        await engine.place(g, "a", { securityId: 1, side: "sell", price: 100, qty: 10, clientOrderId: "q1" }),
      ).order.orderId;
      ok(await engine.place(g, "b", { securityId: 1, side: "buy", price: 100, qty: 4 }));
      const o2 = ok(await engine.place(g, "a", { securityId: 2, side: "buy", price: 50, qty: 1 })).order.orderId;
      const all = ok(await engine.orders(g, "a")).orders;
      expect(all.map(({ ts: _ts, ...o }) => o)).to.deep.equal([
        { orderId: o1, securityId: 1, side: "sell", price: 100, qty: 10, amount: 6, clientOrderId: "q1" },
        { orderId: o2, securityId: 2, side: "buy", price: 50, qty: 1, amount: 1 },
      ]);
      expect(ok(await engine.orders(g, "a", 2)).orders.map((o) => o.orderId)).to.deep.equal([o2]);
      expect(ok(await engine.orders(g, "b")).orders).to.deep.equal([]);
    });

    it("inventory reports cash, locked cash and per-security qty, locked lots and open buys", async () => {
      const g = await game({ securities: [{ securityId: S, scale: 10 }] });
      ok(await buy(g, "a", 50, 3));
      ok(await sell(g, "a", 70, 8));
      const inv = ok(await engine.inventory(g, "a"));
      expect(inv).to.deep.equal({
        ok: true,
        playerId: "a",
        cash: 1_000_000,
        cashLocked: 1_500,
        positions: [{ securityId: S, qty: 1_000, locked: 8, openBuy: 3 }],
      });
    });
  });

  // ------------------------------------------------------------------ exact integers

  describe("exact integers up to 2^53", () => {
    it("a 10^15 endowment is stored and reported exactly", async () => {
      const g = await game({ players: [{ playerId: "rich", cash: 1e15 }] });
      expect((await inventoryOf(engine, g, "rich")).cash).to.equal(1_000_000_000_000_000);
      expect(await engine.client.hget(K.inventoryKey(g, "rich"), "0")).to.equal("1000000000000000");
    });

    it("a fill with a notional near 10^15 moves cash exactly", async () => {
      const g = await game({
        players: [
          { playerId: "buyer", cash: 1e15 },
          { playerId: "seller", cash: 1e15, holdings: [{ securityId: S, qty: 1_000_000 }] },
        ],
      });
      const notional = 999_999_937 * 1_000_000; // 999,999,937,000,000
      ok(await sell(g, "seller", 999_999_937, 1_000_000));
      const r = ok(await buy(g, "buyer", 999_999_937, 1_000_000));
      expect(r.order.notional).to.equal(notional);
      expect((await inventoryOf(engine, g, "buyer")).cash).to.equal(1e15 - notional);
      expect((await inventoryOf(engine, g, "seller")).cash).to.equal(1e15 + notional);
      expect(await engine.client.hget(K.inventoryKey(g, "seller"), "0")).to.equal(
        String(BigInt(1e15) + BigInt(notional)),
      );
    });

    it("a notional of exactly 2^53 - 1 is accepted and its order round-trips through the result, the event log and the book", async () => {
      // 2^53 - 1 = 6361 x 69431 x 20394401
      const g = await game({
        securities: [{ securityId: S, scale: 20_394_401 }],
        players: [{ playerId: "s", cash: 0, holdings: [{ securityId: S, qty: 6_361 }] }],
      });
      const r = ok(await sell(g, "s", 69_431, 6_361));
      expect(69_431 * 6_361 * 20_394_401).to.equal(MAX_SAFE);
      expect(r.order).to.include({ price: 69_431, qty: 6_361, restingQty: 6_361 });
      expect((await book(g)).asks).to.deep.equal([{ price: 69_431, qty: 6_361, orders: 1 }]);
      expect((await eventsOf(engine, g)).at(-1)).to.include({ type: "order_rested", price: 69_431, qty: 6_361 });
    });

    it("no balance can leave the exact range: a game's total cash is at most 2^53 - 1, and one player can hold all of it exactly", async () => {
      // Cash only moves between players, so bounding the total bounds every balance. Nine players
      // with 10^15 each fit (9 x 10^15 < 2^53 - 1 = 9,007,199,254,740,991); a tenth does not.
      const players = [{ playerId: "s", cash: 1e15, holdings: [{ securityId: S, qty: 8 }] }];
      for (let i = 0; i < 8; i++) players.push({ playerId: `b${i}`, cash: 1e15, holdings: [] });
      const g = await game({ players, securities: [{ securityId: S, scale: 1_000_000 }] });
      const before = await snapshot(engine, g);
      expectRejected(await engine.addPlayer(g, { playerId: "late", name: "late", cash: 1e15 }), "INVALID_ARGUMENT");
      expect(await snapshot(engine, g)).to.deep.equal(before);
      for (let i = 0; i < 8; i++) {
        ok(await sell(g, "s", 1_000_000_000, 1));
        const b = await buy(g, `b${i}`, 1_000_000_000, 1);
        expect(b.ok && b.order.filledQty).to.equal(1);
      }
      const cash = (await inventoryOf(engine, g, "s")).cash;
      expect(cash).to.equal(9e15); // every player's cash, exact
      expect(cash).to.be.at.most(MAX_SAFE);
    });
  });
});
