/**
 * Every rejection code of the matching engine (shared/src/errors.ts), each with the state of the
 * game captured before and after (every key, the events stream included): a rejection carries a
 * stable code and a message and changes nothing. Real Valkey (VALKEY_URL). Inputs the typed
 * Engine would not let through (strings, fractions) go to the Lua commands directly (rawPlace...).
 */
import { expect } from "chai";
import { ERROR_CODES, type ErrorCode, type PlaceOrder } from "@marketroom/shared";
import {
  Engine,
  K,
  closeEngine,
  connectEngine,
  expectRejected,
  expectUnchanged,
  inventoryOf,
  newGameId,
  ok,
  rawAmend,
  rawCall,
  rawPlace,
  setupGame,
  snapshot,
  type SetupOptions,
} from "./helpers.ts";

const S = 1;

/** Codes that have at least one test below (registered when the test is defined, so --grep does not matter). */
const covered = new Set<ErrorCode>();

describe("engine rejections (stable code, nothing changes)", function () {
  let engine: Engine;
  before(async () => {
    engine = await connectEngine();
  });
  after(async () => {
    await closeEngine(engine);
  });

  /** Defines a test for `code`; the title starts with the code. */
  function itRejects(code: ErrorCode, title: string, fn: () => Promise<void>) {
    covered.add(code);
    it(`${code}: ${title}`, fn);
  }

  /**
   * A running game (or opts.phase) with some state: players a, b (cash 100,000, 50 lots of security 1),
   * c (cash 10,000,000, 10,000 lots); opts.players replaces those with the same id. Resting orders
   * on security 1: c bids 10 @ 99, c asks 10 @ 101, b bids 5 @ 98 (clientOrderId "b1").
   */
  async function busy(opts: SetupOptions = {}) {
    const defaults = [
      { playerId: "a", cash: 100_000, holdings: [{ securityId: S, qty: 50 }] },
      { playerId: "b", cash: 100_000, holdings: [{ securityId: S, qty: 50 }] },
      { playerId: "c", cash: 10_000_000, holdings: [{ securityId: S, qty: 10_000 }] },
    ];
    const given = opts.players ?? [];
    const players = [
      ...defaults.map((d) => given.find((p) => p.playerId === d.playerId) ?? d),
      ...given.filter((p) => !defaults.some((d) => d.playerId === p.playerId)),
    ];
    const phase = opts.phase ?? "running";
    const s = await setupGame(engine, { ...opts, players, phase: phase === "lobby" ? "lobby" : "running" });
    const g = s.gameId;
    const ids: Record<string, number> = {};
    if (phase !== "lobby") {
      ids.cBid = ok(await engine.place(g, "c", { securityId: S, side: "buy", price: 99, qty: 10 })).order.orderId;
      ids.cAsk = ok(await engine.place(g, "c", { securityId: S, side: "sell", price: 101, qty: 10 })).order.orderId;
      ids.bBid = ok(
        await engine.place(g, "b", { securityId: S, side: "buy", price: 98, qty: 5, clientOrderId: "b1" }),
      ).order.orderId;
      if (phase === "paused" || phase === "ended") ok(await engine.setPhase(g, phase));
    }
    return { g, ids };
  }

  /** Runs act on game g: expects a rejection with `code` and a byte-identical game before and after. */
  async function rejectsUnchanged(g: string, code: ErrorCode, act: () => Promise<unknown>) {
    const before = await snapshot(engine, g);
    expect(Object.keys(before).length, "the game has state to compare").to.be.greaterThan(0);
    const r = await act();
    expectRejected(r, code);
    await expectUnchanged(engine, g, before);
    return r;
  }

  /** rejectsUnchanged for many acts on one game: one snapshot before, one after each act. */
  async function rejectsAllUnchanged(g: string, code: ErrorCode, acts: (() => Promise<unknown>)[]) {
    const before = await snapshot(engine, g);
    for (const [i, act] of acts.entries()) {
      const r = await act();
      expect((r as { code?: string }).code, `act #${i}: ${JSON.stringify(r).slice(0, 300)}`).to.equal(code);
      expectRejected(r, code);
      await expectUnchanged(engine, g, before);
    }
  }

  const place = (g: string, p: string, o: Partial<PlaceOrder> & { side: "buy" | "sell"; qty: number }) =>
    engine.place(g, p, { securityId: S, ...o });

  it("(self-check) the snapshot sees a changed field, a new key, a zset score and an XADD later XDELed", async () => {
    const { g } = await busy();
    const c = engine.client;
    const base = await snapshot(engine, g);
    const changed = async (mutate: () => Promise<unknown>, undo: () => Promise<unknown>) => {
      await mutate();
      expect(await snapshot(engine, g)).to.not.deep.equal(base);
      await undo();
    };
    await changed(
      () => c.hincrby(K.inventoryKey(g, "a"), "0", 1),
      () => c.hincrby(K.inventoryKey(g, "a"), "0", -1),
    );
    await changed(
      () => c.set(`game:{${g}}:extra`, "1"),
      () => c.del(`game:{${g}}:extra`),
    );
    await changed(
      () => c.zincrby(K.bidsKey(g, S), 1, "000000000001"),
      () => c.zincrby(K.bidsKey(g, S), -1, "000000000001"),
    );
    expect(await snapshot(engine, g)).to.deep.equal(base);
    const id = await c.xadd(K.eventsKey(g), "999999-0", "data", "{}");
    await c.xdel(K.eventsKey(g), id!);
    expect(await snapshot(engine, g)).to.not.deep.equal(base);
  });

  // ------------------------------------------------------------------ order shape

  itRejects("INVALID_SIDE", "a side other than buy or sell", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "INVALID_SIDE", () => rawPlace(engine, g, "a", { side: "hold", price: 100, qty: 1 }));
    await rejectsUnchanged(g, "INVALID_SIDE", () => rawPlace(engine, g, "a", { side: "", price: 100, qty: 1 }));
  });

  itRejects("INVALID_ORDER_TYPE", "an order type other than limit or market", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "INVALID_ORDER_TYPE", () =>
      rawPlace(engine, g, "a", { type: "stop", price: 100, qty: 1 }),
    );
  });

  itRejects(
    "INVALID_TIME_IN_FORCE",
    "an unknown tif, a GTC market order, a post-only IOC or market order",
    async () => {
      const { g } = await busy();
      await rejectsUnchanged(g, "INVALID_TIME_IN_FORCE", () =>
        rawPlace(engine, g, "a", { tif: "DAY", price: 100, qty: 1 }),
      );
      await rejectsUnchanged(g, "INVALID_TIME_IN_FORCE", () =>
        place(g, "a", { side: "buy", type: "market", tif: "GTC", qty: 1 }),
      );
      await rejectsUnchanged(g, "INVALID_TIME_IN_FORCE", () =>
        place(g, "a", { side: "buy", price: 90, qty: 1, tif: "IOC", postOnly: true }),
      );
      await rejectsUnchanged(g, "INVALID_TIME_IN_FORCE", () =>
        place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 1, postOnly: true }),
      );
    },
  );

  itRejects(
    "INVALID_PRICE",
    "a limit price that is fractional, zero, negative, text, missing or above 10^9 ticks",
    async () => {
      const { g } = await busy();
      await rejectsAllUnchanged(
        g,
        "INVALID_PRICE",
        [
          1.5,
          "100.0000001",
          0,
          -1,
          -100,
          "abc",
          "",
          "NaN",
          "inf",
          "-inf",
          1_000_000_001,
          "1e300",
          "9007199254740993",
        ].map((price) => () => rawPlace(engine, g, "a", { price, qty: 1 })),
      );
      // through the typed face too (Engine.place does not re-validate shapes): a limit order without a price
      await rejectsUnchanged(g, "INVALID_PRICE", () => place(g, "a", { side: "buy", qty: 1 }));
      await rejectsUnchanged(g, "INVALID_PRICE", () => place(g, "a", { side: "sell", price: 100.5, qty: 1 }));
    },
  );

  itRejects("INVALID_PRICE", "a price given as a non-decimal (hex) string is not an integer input", async () => {
    // the core takes an integer argument as a JS number only (core/validation.ts needInt): any string is refused
    const { g } = await busy();
    await rejectsUnchanged(g, "INVALID_PRICE", () => rawPlace(engine, g, "a", { price: "0x64", qty: 1 }));
  });

  itRejects(
    "INVALID_QUANTITY",
    "a qty that is fractional, zero, negative, text, missing or above 10^9 lots (limit and market)",
    async () => {
      const { g } = await busy();
      await rejectsAllUnchanged(
        g,
        "INVALID_QUANTITY",
        [2.5, 0, -3, "ten", "", "NaN", "inf", 1_000_000_001, "9007199254740993"].flatMap((qty) => [
          () => rawPlace(engine, g, "a", { price: 100, qty }),
          () => rawPlace(engine, g, "a", { side: "sell", type: "market", tif: "IOC", price: "", qty }),
        ]),
      );
      await rejectsUnchanged(g, "INVALID_QUANTITY", () => place(g, "a", { side: "buy", price: 100, qty: 0.5 }));
    },
  );

  itRejects("INVALID_CLIENT_ORDER_ID", "a clientOrderId longer than 64 characters", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "INVALID_CLIENT_ORDER_ID", () =>
      place(g, "a", { side: "buy", price: 90, qty: 1, clientOrderId: "x".repeat(65) }),
    );
    ok(await place(g, "a", { side: "buy", price: 90, qty: 1, clientOrderId: "x".repeat(64) }));
  });

  // ------------------------------------------------------------------ order rules

  itRejects("PRICE_OUT_OF_BAND", "a limit price below bandLow or above bandHigh", async () => {
    const { g } = await busy({ securities: [{ securityId: S, bandLow: 50, bandHigh: 150 }] });
    await rejectsUnchanged(g, "PRICE_OUT_OF_BAND", () => place(g, "a", { side: "buy", price: 49, qty: 1 }));
    await rejectsUnchanged(g, "PRICE_OUT_OF_BAND", () => place(g, "a", { side: "sell", price: 151, qty: 1 }));
    ok(await place(g, "a", { side: "buy", price: 50, qty: 1 }));
    ok(await place(g, "a", { side: "sell", price: 150, qty: 1 }));
  });

  itRejects("ORDER_TOO_LARGE", "a qty above the security's maxOrderQty (limit and market)", async () => {
    const { g } = await busy({ securities: [{ securityId: S, maxOrderQty: 10 }] });
    await rejectsUnchanged(g, "ORDER_TOO_LARGE", () => place(g, "a", { side: "buy", price: 90, qty: 11 }));
    await rejectsUnchanged(g, "ORDER_TOO_LARGE", () =>
      place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 11 }),
    );
    ok(await place(g, "a", { side: "buy", price: 90, qty: 10 }));
  });

  itRejects("NOTIONAL_TOO_LARGE", "price x qty x scale above 2^53 - 1", async () => {
    const { g } = await busy({
      players: [
        { playerId: "a", cash: 1e15, holdings: [{ securityId: S, qty: 1_000_000_000 }] },
        { playerId: "c", cash: 1e15, holdings: [{ securityId: S, qty: 10_000 }] },
      ],
    });
    await rejectsUnchanged(g, "NOTIONAL_TOO_LARGE", () =>
      place(g, "a", { side: "buy", price: 1_000_000_000, qty: 1_000_000_000 }),
    );
    await rejectsUnchanged(g, "NOTIONAL_TOO_LARGE", () =>
      place(g, "a", { side: "sell", price: 1_000_000_000, qty: 1_000_000_000 }),
    );
  });

  itRejects("NOTIONAL_TOO_LARGE", "one tick above a notional of exactly 2^53 - 1", async () => {
    // 2^53 - 1 = 6361 x 69431 x 20394401: price 69432 is the first price over the limit
    const { g } = await busy({
      securities: [{ securityId: S, scale: 20_394_401 }],
      players: [
        { playerId: "a", cash: 0, holdings: [{ securityId: S, qty: 6_361 }] },
        { playerId: "b", cash: 1e15 },
        { playerId: "c", cash: 1e15, holdings: [{ securityId: S, qty: 10_000 }] },
      ],
    });
    await rejectsUnchanged(g, "NOTIONAL_TOO_LARGE", () => place(g, "a", { side: "sell", price: 69_432, qty: 6_361 }));
    ok(await place(g, "a", { side: "sell", price: 69_431, qty: 6_361 }));
  });

  itRejects(
    "POST_ONLY_WOULD_TAKE",
    "a post-only order that would trade on entry (buy at/above best ask, sell at/below best bid)",
    async () => {
      const { g } = await busy();
      await rejectsUnchanged(g, "POST_ONLY_WOULD_TAKE", () =>
        place(g, "a", { side: "buy", price: 101, qty: 1, postOnly: true }),
      );
      await rejectsUnchanged(g, "POST_ONLY_WOULD_TAKE", () =>
        place(g, "a", { side: "buy", price: 120, qty: 1, postOnly: true }),
      );
      await rejectsUnchanged(g, "POST_ONLY_WOULD_TAKE", () =>
        place(g, "a", { side: "sell", price: 99, qty: 1, postOnly: true }),
      );
      ok(await place(g, "a", { side: "buy", price: 100, qty: 1, postOnly: true }));
    },
  );

  itRejects("FOK_UNFILLABLE", "a FOK order the book cannot fill completely at its limit", async () => {
    const { g } = await busy();
    ok(await place(g, "b", { side: "sell", price: 105, qty: 10 }));
    // 10 lots at 101 only: 11 cannot fill at 101
    await rejectsUnchanged(g, "FOK_UNFILLABLE", () => place(g, "a", { side: "buy", price: 101, qty: 11, tif: "FOK" }));
    // more than the whole book
    await rejectsUnchanged(g, "FOK_UNFILLABLE", () => place(g, "a", { side: "buy", price: 200, qty: 21, tif: "FOK" }));
    await rejectsUnchanged(g, "FOK_UNFILLABLE", () => place(g, "a", { side: "sell", price: 99, qty: 11, tif: "FOK" }));
    // market FOK: within the protection bound (101 + 5% = 106) the book has 20 lots, not 21
    await rejectsUnchanged(g, "FOK_UNFILLABLE", () =>
      place(g, "a", { side: "buy", type: "market", tif: "FOK", qty: 21 }),
    );
  });

  itRejects(
    "FOK_UNFILLABLE",
    "a FOK order that would meet the player's own order under cancel_incoming STP",
    async () => {
      const { g } = await busy();
      ok(await place(g, "a", { side: "sell", price: 100, qty: 5 })); // a's own ask, best
      await rejectsUnchanged(g, "FOK_UNFILLABLE", () => place(g, "a", { side: "buy", price: 101, qty: 3, tif: "FOK" }));
    },
  );

  itRejects("FOK_UNFILLABLE", "a FOK order that needs more resting orders than maxMatches", async () => {
    const { g } = await busy({ config: { maxMatches: 2 } });
    ok(await place(g, "b", { side: "sell", price: 101, qty: 1 }));
    ok(await place(g, "b", { side: "sell", price: 101, qty: 1 }));
    // asks at 101: c 10, b 1, b 1; 12 lots need 3 makers
    await rejectsUnchanged(g, "FOK_UNFILLABLE", () => place(g, "a", { side: "buy", price: 101, qty: 12, tif: "FOK" }));
  });

  itRejects("NO_LIQUIDITY", "a market order with nothing on the opposite side", async () => {
    const { g } = await busy();
    // busy() rests orders on both sides of security 1, so use a second, empty security
    ok(await engine.addSecurity(g, { securityId: 2, symbol: "EMPTY" }));
    await rejectsUnchanged(g, "NO_LIQUIDITY", () =>
      engine.place(g, "a", { securityId: 2, side: "buy", type: "market", tif: "IOC", qty: 1 }),
    );
    await rejectsUnchanged(g, "NO_LIQUIDITY", () =>
      engine.place(g, "a", { securityId: 2, side: "sell", type: "market", tif: "FOK", qty: 1 }),
    );
  });

  itRejects("INVALID_LEVERAGE", "leverage on a book security (CFDs only; server/test/margin/cfd.test.ts)", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "INVALID_LEVERAGE", () =>
      place(g, "a", { side: "buy", price: 100, qty: 1, leverage: 2 }),
    );
  });

  // ------------------------------------------------------------------ state

  itRejects("MARKET_CLOSED", "placing in the lobby", async () => {
    const { g } = await busy({ phase: "lobby" });
    await rejectsUnchanged(g, "MARKET_CLOSED", () => place(g, "a", { side: "buy", price: 100, qty: 1 }));
  });

  itRejects("MARKET_CLOSED", "placing (limit or market) while paused; cancel still works", async () => {
    const { g, ids } = await busy({ phase: "paused" });
    await rejectsUnchanged(g, "MARKET_CLOSED", () => place(g, "a", { side: "buy", price: 100, qty: 1 }));
    await rejectsUnchanged(g, "MARKET_CLOSED", () =>
      place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 1 }),
    );
    await rejectsUnchanged(g, "MARKET_CLOSED", () => place(g, "a", { side: "sell", price: 99, qty: 1, tif: "FOK" }));
    ok(await engine.cancel(g, "c", S, ids.cBid!));
  });

  itRejects("MARKET_CLOSED", "an amend that replaces the order (new price) while paused", async () => {
    const { g, ids } = await busy({ phase: "paused" });
    await rejectsUnchanged(g, "MARKET_CLOSED", () =>
      engine.amend(g, "c", { securityId: S, orderId: ids.cBid!, qty: 10, price: 97 }),
    );
  });

  itRejects(
    "MARKET_CLOSED",
    "placing after the game ended; adding securities or players to an ended game",
    async () => {
      const { g } = await busy({ phase: "ended" });
      await rejectsUnchanged(g, "MARKET_CLOSED", () => place(g, "a", { side: "buy", price: 100, qty: 1 }));
      await rejectsUnchanged(g, "MARKET_CLOSED", () => engine.addSecurity(g, { securityId: 2, symbol: "NEW" }));
      await rejectsUnchanged(g, "MARKET_CLOSED", () =>
        engine.addPlayer(g, { playerId: "late", name: "late", cash: 1 }),
      );
    },
  );

  itRejects(
    "INSUFFICIENT_FUNDS",
    "a buy whose price x qty x scale exceeds available cash (cash - locked)",
    async () => {
      const { g } = await busy({
        securities: [{ securityId: S, scale: 10 }],
        players: [{ playerId: "a", cash: 1_000 }],
      });
      await rejectsUnchanged(g, "INSUFFICIENT_FUNDS", () => place(g, "a", { side: "buy", price: 11, qty: 10 })); // 1,100 > 1,000
      ok(await place(g, "a", { side: "buy", price: 6, qty: 10 })); // locks 600
      await rejectsUnchanged(g, "INSUFFICIENT_FUNDS", () => place(g, "a", { side: "buy", price: 41, qty: 1 })); // 410 > 400
      // a market buy needs its protection bound's notional: bound 106 x 1 x 10 > 400
      await rejectsUnchanged(g, "INSUFFICIENT_FUNDS", () =>
        place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 1 }),
      );
      ok(await place(g, "a", { side: "buy", price: 40, qty: 1 }));
      expect((await inventoryOf(engine, g, "a")).available).to.equal(0);
    },
  );

  itRejects("INSUFFICIENT_FUNDS", "an amend that raises a buy's price beyond available cash", async () => {
    const { g } = await busy({ players: [{ playerId: "a", cash: 920 }] });
    const id = ok(await place(g, "a", { side: "buy", price: 90, qty: 10 })).order.orderId; // 900 of 920 locked
    await rejectsUnchanged(g, "INSUFFICIENT_FUNDS", () =>
      engine.amend(g, "a", { securityId: S, orderId: id, qty: 10, price: 95 }),
    );
    await rejectsUnchanged(g, "INSUFFICIENT_FUNDS", () =>
      engine.amend(g, "a", { securityId: S, orderId: id, qty: 12 }),
    );
  });

  itRejects("INSUFFICIENT_HOLDINGS", "a sell of more lots than are held and not locked by other sells", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () => place(g, "a", { side: "sell", price: 120, qty: 51 }));
    ok(await place(g, "a", { side: "sell", price: 120, qty: 30 }));
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () => place(g, "a", { side: "sell", price: 120, qty: 21 }));
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () =>
      place(g, "a", { side: "sell", type: "market", tif: "IOC", qty: 21 }),
    );
  });

  itRejects("INSUFFICIENT_HOLDINGS", "short selling off: the security's shortLimit does not apply", async () => {
    const { g } = await busy({ config: { allowShort: false }, securities: [{ securityId: S, shortLimit: 100 }] });
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () => place(g, "a", { side: "sell", price: 120, qty: 51 }));
  });

  itRejects("INSUFFICIENT_HOLDINGS", "short selling on: beyond holdings + shortLimit", async () => {
    const { g } = await busy({ config: { allowShort: true }, securities: [{ securityId: S, shortLimit: 20 }] });
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () => place(g, "a", { side: "sell", price: 120, qty: 71 }));
    ok(await place(g, "a", { side: "sell", price: 120, qty: 70 }));
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () => place(g, "a", { side: "sell", price: 120, qty: 1 }));
  });

  itRejects("INSUFFICIENT_HOLDINGS", "an amend that raises a sell's qty beyond holdings", async () => {
    const { g } = await busy();
    const id = ok(await place(g, "a", { side: "sell", price: 120, qty: 50 })).order.orderId;
    await rejectsUnchanged(g, "INSUFFICIENT_HOLDINGS", () =>
      engine.amend(g, "a", { securityId: S, orderId: id, qty: 51 }),
    );
  });

  // Position limits are on security 2 (busy()'s orders are on security 1); a holds 50 lots of it.
  const limited = (lim: { positionLimit: number; shortLimit?: number }, allowShort = false) =>
    busy({
      config: { allowShort },
      securities: [{ securityId: 1 }, { securityId: 2, ...lim }],
      players: [
        {
          playerId: "a",
          cash: 100_000,
          holdings: [
            { securityId: 1, qty: 50 },
            { securityId: 2, qty: 50 },
          ],
        },
        {
          playerId: "c",
          cash: 10_000_000,
          holdings: [
            { securityId: 1, qty: 10_000 },
            { securityId: 2, qty: 10 },
          ],
        },
      ],
    });
  const place2 = (g: string, o: Partial<PlaceOrder> & { side: "buy" | "sell"; qty: number }) =>
    engine.place(g, "a", { securityId: 2, ...o });

  itRejects(
    "POSITION_LIMIT",
    "a buy that could take the long position past the limit, counting open buys",
    async () => {
      const { g } = await limited({ positionLimit: 60 });
      await rejectsUnchanged(g, "POSITION_LIMIT", () => place2(g, { side: "buy", price: 90, qty: 11 })); // 50 + 11 > 60
      ok(await place2(g, { side: "buy", price: 90, qty: 6 }));
      await rejectsUnchanged(g, "POSITION_LIMIT", () => place2(g, { side: "buy", price: 90, qty: 5 })); // 50 + 6 + 5 > 60
      ok(await engine.place(g, "c", { securityId: 2, side: "sell", price: 100, qty: 1 }));
      // c's ask makes a market buy possible; it is refused for the limit, not for liquidity
      await rejectsUnchanged(g, "POSITION_LIMIT", () => place2(g, { side: "buy", type: "market", tif: "IOC", qty: 5 }));
    },
  );

  itRejects("POSITION_LIMIT", "a short sell that could take the position past -limit", async () => {
    const { g } = await limited({ shortLimit: 100, positionLimit: 10 }, true);
    await rejectsUnchanged(g, "POSITION_LIMIT", () => place2(g, { side: "sell", price: 120, qty: 61 })); // 50 - 61 < -10
    ok(await place2(g, { side: "sell", price: 120, qty: 60 }));
  });

  itRejects("POSITION_LIMIT", "an amend that raises a buy's qty past the limit", async () => {
    const { g } = await limited({ positionLimit: 60 });
    const id = ok(await place2(g, { side: "buy", price: 90, qty: 10 })).order.orderId;
    await rejectsUnchanged(g, "POSITION_LIMIT", () => engine.amend(g, "a", { securityId: 2, orderId: id, qty: 11 }));
  });

  // Gross and net limits: c holds only 20 lots here, so that busy()'s own orders stay within the limits.
  const limitPlayers = [{ playerId: "c", cash: 10_000_000, holdings: [{ securityId: S, qty: 20 }] }];

  itRejects(
    "GROSS_POSITION_LIMIT",
    "buys, short sells, market orders and amends past the weighted worst-case gross limit",
    async () => {
      // a: 50 lots of security 1 (weight 1) -> gross 50 of 100; security 2 has weight 3
      const { g } = await busy({
        config: { grossLimit: 100, allowShort: true },
        securities: [
          { securityId: 1, shortLimit: 1_000 },
          { securityId: 2, limitWeight: 3, shortLimit: 1_000 },
        ],
        players: limitPlayers,
      });
      await rejectsAllUnchanged(g, "GROSS_POSITION_LIMIT", [
        () => place(g, "a", { side: "buy", price: 90, qty: 51 }), // long 101
        () => engine.place(g, "a", { securityId: 2, side: "buy", price: 90, qty: 17 }), // 50 + 3 x 17
        () => engine.place(g, "a", { securityId: 2, side: "sell", price: 120, qty: 17 }), // short: 50 + 3 x 17
        () => place(g, "a", { side: "buy", type: "market", tif: "IOC", qty: 51 }), // at c's ask: long 101
        () => place(g, "a", { side: "sell", price: 120, qty: 151 }), // short -101
        () => place(g, "a", { side: "buy", price: 90, qty: 51, clientOrderId: "k" }), // and the id stays unused
      ]);
      const id = ok(await place(g, "a", { side: "buy", price: 90, qty: 40 })).order.orderId; // long 90
      await rejectsAllUnchanged(g, "GROSS_POSITION_LIMIT", [
        () => engine.amend(g, "a", { securityId: S, orderId: id, qty: 51 }),
        () => engine.amend(g, "a", { securityId: S, orderId: id, qty: 51, price: 91 }),
        () => engine.place(g, "a", { securityId: 2, side: "buy", price: 90, qty: 4 }), // 90 + 12
      ]);
      ok(await place(g, "a", { side: "buy", price: 90, qty: 10 })); // exactly 100
    },
  );

  itRejects(
    "NET_POSITION_LIMIT",
    "buys and short sells past the weighted worst-case net limit, long and short",
    async () => {
      // a: 50 lots of security 1 (weight 1): net long 50, net short 50 of 60; security 2 has weight 2
      const { g } = await busy({
        config: { netLimit: 60, allowShort: true },
        securities: [
          { securityId: 1, shortLimit: 1_000 },
          { securityId: 2, limitWeight: 2, shortLimit: 1_000 },
        ],
        players: limitPlayers,
      });
      await rejectsAllUnchanged(g, "NET_POSITION_LIMIT", [
        () => place(g, "a", { side: "buy", price: 90, qty: 11 }), // 61
        () => engine.place(g, "a", { securityId: 2, side: "buy", price: 90, qty: 6 }), // 50 + 12
        () => place(g, "a", { side: "sell", price: 120, qty: 111 }), // short 50 - 111 = -61
        () => engine.place(g, "a", { securityId: 2, side: "sell", price: 120, qty: 56 }), // 50 - 112
        () => place(g, "a", { side: "buy", type: "market", tif: "FOK", qty: 11 }),
      ]);
      const id = ok(await engine.place(g, "a", { securityId: 2, side: "sell", price: 120, qty: 55 })).order.orderId; // -60
      await rejectsAllUnchanged(g, "NET_POSITION_LIMIT", [
        () => engine.amend(g, "a", { securityId: 2, orderId: id, qty: 56 }),
        () => place(g, "a", { side: "sell", price: 120, qty: 1 }),
      ]);
      ok(await place(g, "a", { side: "buy", price: 90, qty: 10 })); // long 60 exactly
    },
  );

  itRejects(
    "INSUFFICIENT_FUNDS",
    "an order that may take without the cash for its taker fee (buys: notional + fee; sells: fee)",
    async () => {
      const { g } = await busy({
        securities: [{ securityId: S, takerFee: 10, makerRebate: 5 }],
        players: [
          { playerId: "a", cash: 1_000 },
          { playerId: "d", cash: 40, holdings: [{ securityId: S, qty: 50 }] },
        ],
      });
      await rejectsAllUnchanged(g, "INSUFFICIENT_FUNDS", [
        () => place(g, "a", { side: "buy", price: 95, qty: 10 }), // 950 + 100 > 1,000
        () => place(g, "a", { side: "buy", price: 101, qty: 10, tif: "IOC" }),
        () => place(g, "d", { side: "sell", price: 99, qty: 5 }), // fee 50 > 40
        () => place(g, "d", { side: "sell", price: 120, qty: 5 }), // does not cross now, but only post-only orders are exempt
        () => place(g, "d", { side: "sell", type: "market", tif: "IOC", qty: 5 }),
      ]);
      ok(await place(g, "a", { side: "buy", price: 90, qty: 10 })); // 900 + 100
      ok(await place(g, "d", { side: "sell", price: 120, qty: 5, postOnly: true })); // post-only: no fee
    },
  );

  itRejects("UNKNOWN_GAME", "every command and query on a game that does not exist creates no key", async () => {
    const ghost = newGameId("ghost");
    const none = async (act: () => Promise<unknown>) => {
      const r = await act();
      expectRejected(r, "UNKNOWN_GAME");
      expect(await snapshot(engine, ghost)).to.deep.equal({});
    };
    await none(() => engine.place(ghost, "a", { securityId: S, side: "buy", price: 100, qty: 1 }));
    await none(() => engine.place(ghost, "a", { securityId: S, side: "buy", price: 100, qty: 1, clientOrderId: "k" }));
    await none(() => engine.cancel(ghost, "a", S, 1));
    await none(() => engine.cancelAll(ghost, "a"));
    await none(() => engine.amend(ghost, "a", { securityId: S, orderId: 1, qty: 1 }));
    await none(() => engine.setPhase(ghost, "running"));
    await none(() => engine.addSecurity(ghost, { securityId: S, symbol: "X" }));
    await none(() => engine.addPlayer(ghost, { playerId: "a", name: "a", cash: 1 }));
    await none(() => engine.book(ghost, S));
    await none(() => engine.orders(ghost, "a"));
    await none(() => engine.inventory(ghost, "a"));
    await none(() => engine.gameInfo(ghost));
  });

  itRejects(
    "UNKNOWN_SECURITY",
    "orders, cancels, amends, queries and endowments naming a security the game lacks",
    async () => {
      const { g } = await busy();
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () =>
        engine.place(g, "a", { securityId: 9, side: "buy", price: 100, qty: 1 }),
      );
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => rawPlace(engine, g, "a", { securityId: "abc" }));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => rawPlace(engine, g, "a", { securityId: "1.5" }));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => engine.cancel(g, "c", 9, 1));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => engine.cancelAll(g, "c", 9));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => engine.amend(g, "c", { securityId: 9, orderId: 1, qty: 1 }));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => engine.book(g, 9));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () => engine.orders(g, "c", 9));
      await rejectsUnchanged(g, "UNKNOWN_SECURITY", () =>
        engine.addPlayer(g, { playerId: "d", name: "d", cash: 1, holdings: [{ securityId: 9, qty: 1 }] }),
      );
    },
  );

  itRejects(
    "UNKNOWN_PLAYER",
    "orders, cancel-all and queries by a player the game lacks (or an invalid player id)",
    async () => {
      const { g } = await busy();
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => place(g, "ghost", { side: "buy", price: 100, qty: 1 }));
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () =>
        place(g, "ghost", { side: "buy", price: 100, qty: 1, clientOrderId: "k" }),
      );
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => rawPlace(engine, g, "a:inventory", { price: 100, qty: 1 }));
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => rawPlace(engine, g, "", { price: 100, qty: 1 }));
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => engine.cancelAll(g, "ghost"));
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => engine.orders(g, "ghost"));
      await rejectsUnchanged(g, "UNKNOWN_PLAYER", () => engine.inventory(g, "ghost"));
    },
  );

  itRejects(
    "UNKNOWN_ORDER",
    "cancel or amend of an order that never existed, already filled, already cancelled, or lives in another security",
    async () => {
      const { g, ids } = await busy({
        securities: [{ securityId: 1 }, { securityId: 2 }],
      });
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () => engine.cancel(g, "c", S, 999));
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () => engine.amend(g, "c", { securityId: S, orderId: 999, qty: 1 }));
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () => engine.cancel(g, "c", 2, ids.cBid!));
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () =>
        rawCall(
          engine,
          "cancel",
          [
            K.gameKey(g),
            K.seqKey(g),
            K.eventsKey(g),
            ...K.securityKeys(g, S),
            K.inventoryKey(g, "c"),
            K.playerOrdersKey(g, "c", S),
          ],
          ["c", S, "abc"],
        ),
      );
      ok(await place(g, "a", { side: "sell", price: 99, qty: 10 })); // fills c's bid completely
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () => engine.cancel(g, "c", S, ids.cBid!));
      ok(await engine.cancel(g, "c", S, ids.cAsk!));
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () => engine.cancel(g, "c", S, ids.cAsk!));
      await rejectsUnchanged(g, "UNKNOWN_ORDER", () =>
        engine.amend(g, "c", { securityId: S, orderId: ids.cAsk!, qty: 1 }),
      );
    },
  );

  itRejects("NOT_OWNER", "cancel or amend of another player's order", async () => {
    const { g, ids } = await busy();
    await rejectsUnchanged(g, "NOT_OWNER", () => engine.cancel(g, "a", S, ids.cBid!));
    await rejectsUnchanged(g, "NOT_OWNER", () => engine.amend(g, "a", { securityId: S, orderId: ids.cBid!, qty: 1 }));
    await rejectsUnchanged(g, "NOT_OWNER", () =>
      engine.amend(g, "a", { securityId: S, orderId: ids.cAsk!, qty: 10, price: 102 }),
    );
    await rejectsUnchanged(g, "NOT_OWNER", () => engine.cancel(g, "ghost", S, ids.cBid!));
  });

  itRejects("GAME_EXISTS", "creating a game id that exists", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "GAME_EXISTS", () => engine.createGame(g, { name: "again", stp: "cancel_resting" }));
    expect(ok(await engine.gameInfo(g)).game.stp).to.equal("cancel_incoming");
  });

  itRejects("SECURITY_EXISTS", "adding a security id that exists", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "SECURITY_EXISTS", () =>
      engine.addSecurity(g, { securityId: S, symbol: "DUP", scale: 7 }),
    );
  });

  itRejects("PLAYER_EXISTS", "adding a player id that exists", async () => {
    const { g } = await busy();
    await rejectsUnchanged(g, "PLAYER_EXISTS", () => engine.addPlayer(g, { playerId: "a", name: "again", cash: 5 }));
    expect((await inventoryOf(engine, g, "a")).cash).to.equal(100_000);
  });

  itRejects(
    "INVALID_PHASE_TRANSITION",
    "lobby -> paused, running -> running/lobby, paused -> paused, ended -> anything, unknown phases",
    async () => {
      const lobby = (await busy({ phase: "lobby" })).g;
      await rejectsUnchanged(lobby, "INVALID_PHASE_TRANSITION", () => engine.setPhase(lobby, "paused"));
      await rejectsUnchanged(lobby, "INVALID_PHASE_TRANSITION", () => engine.setPhase(lobby, "lobby" as "running"));
      const running = (await busy()).g;
      await rejectsUnchanged(running, "INVALID_PHASE_TRANSITION", () => engine.setPhase(running, "running"));
      await rejectsUnchanged(running, "INVALID_PHASE_TRANSITION", () => engine.setPhase(running, "lobby" as "running"));
      await rejectsUnchanged(running, "INVALID_PHASE_TRANSITION", () =>
        engine.setPhase(running, "closed" as "running"),
      );
      const paused = (await busy({ phase: "paused" })).g;
      await rejectsUnchanged(paused, "INVALID_PHASE_TRANSITION", () => engine.setPhase(paused, "paused"));
      const ended = (await busy({ phase: "ended" })).g;
      for (const to of ["running", "paused", "ended"] as const) {
        await rejectsUnchanged(ended, "INVALID_PHASE_TRANSITION", () => engine.setPhase(ended, to));
      }
    },
  );

  itRejects(
    "INVALID_ARGUMENT",
    "create_game with a bad name, stp, maxMatches, allowShort or protectionBps (direct Lua)",
    async () => {
      const g = newGameId("badcfg");
      const keys = [K.gameKey(g), K.seqKey(g), K.eventsKey(g)];
      for (const argv of [
        ["", "cancel_incoming", 1000, 0, 500],
        ["n", "cancel_both", 1000, 0, 500],
        ["n", "cancel_incoming", 0, 0, 500],
        ["n", "cancel_incoming", 100_001, 0, 500],
        ["n", "cancel_incoming", 1.5, 0, 500],
        ["n", "cancel_incoming", 1000, 2, 500],
        ["n", "cancel_incoming", 1000, 0, 0],
        ["n", "cancel_incoming", 1000, 0, 10_001],
        ["n", "cancel_incoming", 1000, 0, 500, -1, 0], // grossLimit
        ["n", "cancel_incoming", 1000, 0, 500, 1.5, 0],
        ["n", "cancel_incoming", 1000, 0, 500, 1_000_000_001, 0],
        ["n", "cancel_incoming", 1000, 0, 500, 0, -1], // netLimit
        ["n", "cancel_incoming", 1000, 0, 500, 0, "ten"],
      ]) {
        expectRejected(await rawCall(engine, "create_game", keys, argv), "INVALID_ARGUMENT");
        expect(await snapshot(engine, g)).to.deep.equal({});
      }
    },
  );

  itRejects(
    "INVALID_ARGUMENT",
    "add_security / add_player with bad fields (direct Lua); cancel-all with an unknown reason; depth 0",
    async () => {
      const { g } = await busy();
      const secKeys = (sid: number) => [
        K.gameKey(g),
        K.seqKey(g),
        K.eventsKey(g),
        K.securityKey(g, sid),
        K.securitiesKey(g),
      ];
      const good = [5, "SYM", "0.01", 1, 1, 1, 100, 0, 0, 0, 5, 2, 1];
      const bad: [number, unknown][] = [
        [0, 0],
        [1, "bad symbol!"],
        [1, "X".repeat(17)],
        [2, "abc"],
        [2, "0"],
        [3, 0],
        [4, 0],
        [5, 0],
        [6, 0],
        [6, 0.5],
        [7, -1],
        [8, -1],
        [9, 1_000_000_001],
        // takerFee, makerRebate (at most the fee: fees must never create cash), limitWeight
        [10, -1],
        [10, 1.5],
        [10, 1_000_000_001],
        [10, "x"],
        [11, 6],
        [11, -1],
        [11, 0.5],
        [12, -1],
        [12, 1001],
        [12, 0.5],
      ];
      await rejectsAllUnchanged(g, "INVALID_ARGUMENT", [
        ...bad.map(([i, v]) => () => {
          const argv = [...good];
          argv[i] = v as never;
          return rawCall(engine, "add_security", secKeys(Number(argv[0]) || 5), argv as (string | number)[]);
        }),
        // bandHigh below bandLow
        () => rawCall(engine, "add_security", secKeys(5), [5, "SYM", "0.01", 1, 1, 50, 49, 0, 0, 0]),
      ]);

      const plKeys = (p: string) => [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.playersKey(g), K.inventoryKey(g, p)];
      await rejectsAllUnchanged(g, "INVALID_ARGUMENT", [
        ...(
          [
            ["bad:id", "n", 1],
            ["", "n", 1],
            ["p", "", 1],
            ["p", "n", 1e15 + 1],
            ["p", "n", -1],
            ["p", "n", 1.5],
            ["p", "n", 1, S, -1],
            ["p", "n", 1, S, 1.5],
            ["p", "n", 1, "x", 1],
          ] as (string | number)[][]
        ).map((argv) => () => rawCall(engine, "add_player", plKeys(String(argv[0])), argv)),
        () => engine.cancelAll(g, "c", undefined, "whim" as "admin"),
        () => engine.book(g, S, 0),
        () => engine.book(g, S, 1001),
      ]);
    },
  );

  itRejects(
    "INVALID_ARGUMENT",
    "createGame with a game id that would break its hash tag ('', '}' inside) is refused",
    async () => {
      // Every key of a game must carry the tag {<gameId>} (docs/architecture.md, "Key schema"): an empty id
      // gives 'game:{}' (an empty tag: Valkey Cluster then hashes the whole key, so the game's keys
      // land in different slots) and 'x}y' gives tag 'x', shared with game 'x'.
      for (const id of ["", `${newGameId("tag")}}y`, `${newGameId("tag")}{z`]) {
        let r: unknown;
        try {
          r = await engine.createGame(id, { name: "bad id" });
        } catch (e) {
          r = { ok: false, code: "INVALID_ARGUMENT", message: String(e) }; // a thrown validation error counts as refused
        }
        const created = await engine.client.exists(K.gameKey(id), K.seqKey(id), K.eventsKey(id));
        if (created) await engine.client.del(K.gameKey(id), K.seqKey(id), K.eventsKey(id)); // leave the server clean
        expect(created, `createGame(${JSON.stringify(id)}) created keys`).to.equal(0);
        expectRejected(r, "INVALID_ARGUMENT");
      }
    },
  );

  // ------------------------------------------------------------------ amend rejections keep priority

  describe("a rejected amend leaves the order as it was, priority included", () => {
    const cases: [string, ErrorCode, (g: string, id: number) => Promise<unknown>][] = [
      ["qty 0", "INVALID_QUANTITY", (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 0 })],
      ["fractional qty", "INVALID_QUANTITY", (g, id) => rawAmend(engine, g, "b", { orderId: id, qty: "1.5" })],
      ["text qty", "INVALID_QUANTITY", (g, id) => rawAmend(engine, g, "b", { orderId: id, qty: "five" })],
      [
        "no change",
        "INVALID_QUANTITY",
        (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 5, price: 100 }),
      ],
      ["price 0", "INVALID_PRICE", (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 5, price: 0 })],
      [
        "fractional price",
        "INVALID_PRICE",
        (g, id) => rawAmend(engine, g, "b", { orderId: id, qty: 5, price: "99.5" }),
      ],
      [
        "out of band",
        "PRICE_OUT_OF_BAND",
        (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 5, price: 500 }),
      ],
      [
        "post-only would take",
        "POST_ONLY_WOULD_TAKE",
        (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 5, price: 101 }),
      ],
      [
        "qty above maxOrderQty",
        "ORDER_TOO_LARGE",
        (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 21 }),
      ],
      ["not the owner", "NOT_OWNER", (g, id) => engine.amend(g, "a", { securityId: S, orderId: id, qty: 1 })],
      [
        "funds",
        "INSUFFICIENT_FUNDS",
        (g, id) => engine.amend(g, "b", { securityId: S, orderId: id, qty: 20, price: 100 }),
      ],
    ];
    for (const [title, code, act] of cases) {
      it(`${code}: amend ${title}`, async () => {
        const { g } = await busy({
          securities: [{ securityId: S, bandHigh: 400, maxOrderQty: 20 }],
          players: [
            { playerId: "a", cash: 100_000, holdings: [{ securityId: S, qty: 50 }] },
            { playerId: "b", cash: 1_000, holdings: [{ securityId: S, qty: 50 }] },
            { playerId: "c", cash: 10_000_000, holdings: [{ securityId: S, qty: 10_000 }] },
          ],
        });
        // b's post-only bid 5 @ 100 (locks 500 of b's 1,000), then c's bid 5 @ 100 behind it
        const id = ok(await place(g, "b", { side: "buy", price: 100, qty: 5, postOnly: true })).order.orderId;
        const behind = ok(await place(g, "c", { side: "buy", price: 100, qty: 5 })).order.orderId;
        await rejectsUnchanged(g, code, () => act(g, id));
        const fills = ok(await place(g, "a", { side: "sell", price: 100, qty: 6 })).fills;
        expect(fills.map((f) => [f.makerOrderId, f.qty])).to.deep.equal([
          [id, 5],
          [behind, 1],
        ]);
      });
    }
  });

  // ------------------------------------------------------------------ completeness

  it("every error code of shared/src/errors.ts has a rejection test above", () => {
    expect([...ERROR_CODES].filter((c) => !covered.has(c))).to.deep.equal([]);
  });
});
