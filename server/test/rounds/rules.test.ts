/**
 * Every trading rule of a round, end to end: real SDK room clients over WebSockets send the orders, the
 * HTTP API sets the game up, the Valkey engine decides, the persister writes PostgreSQL. Each rule is
 * checked on both sides: an order inside the rule is accepted, and one just outside it is rejected with
 * its stable code and changes nothing (the player's private cash, positions and orders are equal before
 * and after, the game's event log gains no event, the room's seq does not move).
 *
 * Rules (docs/engine.md "Place: the rules", docs/api.md): endowment, short selling and shortLimit,
 * maxOrderQty, positionLimit, gross and net limits with limitWeight, taker fee and maker rebate (and
 * their cash check), the order rate limit, and the closed market while paused or ended.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, CreateGameBody, GameSecurity, JoinReply, ClientGameState } from "@marketroom/shared";
import { seqKey } from "../../src/engine/keys.ts";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";
import { readStreamEvents } from "../../src/engine/stream-entries.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

/** A player of a running test game: its join reply and its connected room. */
interface Seat {
  join: JoinReply;
  room: R;
}

/** Two securities (weights and fees vary per test); ids 1 and 2, reference 100 ticks. */
const two = (s1: Partial<GameSecurity> = {}, s2: Partial<GameSecurity> = {}): GameSecurity[] => [
  { securityId: 1, symbol: "ACME", refPrice: 100, ...s1 },
  { securityId: 2, symbol: "BETA", refPrice: 100, ...s2 },
];

/** The player's private state as plain data (integers), for before/after comparisons. */
function privateState(s: Seat) {
  const p = s.room.state.players.get(s.join.playerId)!;
  const positions: Record<string, { qty: number; locked: number; openBuy: number }> = {};
  p.positions.forEach((v, k) => {
    positions[k] = { qty: v.qty, locked: v.locked, openBuy: v.openBuy };
  });
  const orders: Record<string, { side: string; price: number; qty: number; amount: number }> = {};
  p.orders.forEach((o, k) => {
    orders[k] = { side: o.side, price: o.price, qty: o.qty, amount: o.amount };
  });
  return { cash: p.cash, cashLocked: p.cashLocked, positions, orders };
}

describe("round rules through the room", function () {
  this.timeout(30_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** The game's last logged seq (the engine's counter in Valkey). */
  const logOf = async (g: string) => ({ seq: Number(await h.valkey.get(seqKey(g))) });

  /**
   * Events logged after `seq`: in the Valkey stream and, should the persister have already moved and
   * trimmed them, in PostgreSQL.
   */
  async function eventsAfter(g: string, seq: number) {
    const stream = await readStreamEvents(h.valkey, g, seq + 1);
    const rows = await h.db
      .selectFrom("events")
      .select("seq")
      .where("game_id", "=", g)
      .where("seq", ">", seq)
      .execute();
    return stream.length + rows.length;
  }

  /** Creates and starts a game, joins `names` and connects each one's room. */
  async function running(overrides: Partial<CreateGameBody>, ...names: string[]) {
    const game = await createGame(h, overrides);
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const seats: Seat[] = [];
    for (const name of names) {
      const j = await join(h, game.joinCode, name);
      const room = await connect(h, game.gameId, j.token);
      open.push(room);
      seats.push({ join: j, room });
    }
    return { game, seats };
  }

  /** Waits until the room has applied everything the engine logged so far. */
  async function settled(s: Seat) {
    const { seq } = await logOf(s.join.gameId);
    await waitFor(() => s.room.state.seq === seq, `room at seq ${seq}`);
  }

  /** Sends a command that must be accepted; returns the ack and waits for the room to apply it. */
  async function ok(s: Seat, type: string, body: Record<string, unknown>) {
    const r = await req(s.room, type, body);
    expect(r, `${type} ${JSON.stringify(body)}`).to.include({ ok: true });
    await settled(s);
    return r as Extract<CommandReply, { ok: true }>;
  }

  /**
   * Sends a command that must be rejected with `code`, and checks that nothing changed: the same
   * private state, no new event in the log, the room's seq where it was.
   */
  async function rejected(s: Seat, type: string, body: Record<string, unknown>, code: string) {
    await settled(s);
    const before = { state: privateState(s), log: await logOf(s.join.gameId), seq: s.room.state.seq };
    const r = await req(s.room, type, { ...body, ref: "rule" });
    expect(r, `${type} ${JSON.stringify(body)}`).to.include({ ok: false, code, type, ref: "rule" });
    await new Promise((res) => setTimeout(res, 60)); // > 2 patch intervals (20 ms): a change would show
    expect(await logOf(s.join.gameId), "event log seq").to.deep.equal(before.log);
    expect(await eventsAfter(s.join.gameId, before.log.seq), "new events").to.equal(0);
    expect(s.room.state.seq, "room seq").to.equal(before.seq);
    expect(privateState(s), "private state").to.deep.equal(before.state);
    return r as Extract<CommandReply, { ok: false }>;
  }

  it("endowment: starting cash and holdings appear in the private state; one lot beyond them is refused", async () => {
    const {
      seats: [a],
    } = await running(
      {
        securities: two(),
        endowment: {
          cash: 12_345,
          holdings: [
            { securityId: 1, qty: 7 },
            { securityId: 2, qty: 3 },
          ],
        },
      },
      "alice",
    );
    await waitFor(() => a!.room.state.players.get(a!.join.playerId)?.positions.size === 2, "positions");
    expect(privateState(a!)).to.deep.equal({
      cash: 12_345,
      cashLocked: 0,
      orders: {},
      positions: { 1: { qty: 7, locked: 0, openBuy: 0 }, 2: { qty: 3, locked: 0, openBuy: 0 } },
    });
    // valued at the references (100): 12,345 + 10 lots x 100; nothing gained yet
    await waitFor(
      () => a!.room.state.players.get(a!.join.playerId)!.equity === 12_345 + 10 * 100,
      "equity at the references",
    );
    expect(a!.room.state.players.get(a!.join.playerId)!).to.include({ pnl: 0, fees: 0, trades: 0 });
    // 123 lots at 100 = 12,300 fits the cash; 124 would need 12,400. 7 lots can be sold, 8 cannot.
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 100, qty: 124 }, "INSUFFICIENT_FUNDS");
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 100, qty: 8 }, "INSUFFICIENT_HOLDINGS");
    await ok(a!, "place", { securityId: 1, side: "buy", price: 100, qty: 123 });
    await ok(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 7 });
    expect(privateState(a!)).to.deep.include({ cash: 12_345, cashLocked: 12_300 });
    expect(privateState(a!).positions[1]).to.deep.equal({ qty: 7, locked: 7, openBuy: 123 });
    // a bad setup is refused at creation and creates nothing, in the service or in the engine
    for (const [body, status, code] of [
      [{ securities: two(), endowment: { cash: -1 } }, 400, "INVALID_BODY"],
      [{ securities: two(), endowment: { cash: 1, holdings: [{ securityId: 3, qty: 1 }] } }, 400, "INVALID_BODY"],
      [{ securities: [...two(), { securityId: 1, symbol: "DUP" }], endowment: { cash: 1 } }, 400, "INVALID_BODY"],
      [{ securities: two({ bandLow: 500, bandHigh: 100 }), endowment: { cash: 1 } }, 400, "INVALID_BODY"],
    ] as const) {
      const id = `bad-setup-${process.pid}-${code}-${status}-${Math.random().toString(36).slice(2, 6)}`;
      const bad = await api(h, "POST", "/api/games", { gameId: id, name: "x", ...body });
      expect(bad.status, JSON.stringify(bad.body)).to.equal(status);
      expect(bad.body.code).to.equal(code);
      expect((await api(h, "GET", `/api/games/${id}`)).body.code).to.equal("UNKNOWN_GAME");
      expect(await h.valkey.exists(`game:{${id}}`, seqKey(id)), "no engine game").to.equal(0);
    }
  });

  it("short selling: off = selling more than held is INSUFFICIENT_HOLDINGS; on = up to shortLimit, not beyond", async () => {
    // off (the default): 100 lots held
    const off = await running({}, "alice");
    const a = off.seats[0]!;
    await rejected(a, "place", { securityId: 1, side: "sell", price: 110, qty: 101 }, "INSUFFICIENT_HOLDINGS");
    await ok(a, "place", { securityId: 1, side: "sell", price: 110, qty: 100 });
    await rejected(a, "place", { securityId: 1, side: "sell", price: 111, qty: 1 }, "INSUFFICIENT_HOLDINGS");

    // on, shortLimit 20: 120 lots may be sold; after bob takes them alice is short 20 and can sell no more
    const on = await running(
      { rules: { allowShort: true }, securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, shortLimit: 20 }] },
      "alice",
      "bob",
    );
    const [s, b] = on.seats as [Seat, Seat];
    await rejected(s, "place", { securityId: 1, side: "sell", price: 101, qty: 121 }, "INSUFFICIENT_HOLDINGS");
    await ok(s, "place", { securityId: 1, side: "sell", price: 101, qty: 120 });
    await rejected(s, "place", { securityId: 1, side: "sell", price: 102, qty: 1 }, "INSUFFICIENT_HOLDINGS");
    const fill = await ok(b, "place", { securityId: 1, side: "buy", price: 101, qty: 120 });
    expect(fill.order).to.include({ status: "filled", filledQty: 120 });
    await settled(s);
    expect(privateState(s).positions[1]).to.deep.equal({ qty: -20, locked: 0, openBuy: 0 });
    expect(privateState(s).cash).to.equal(100_000 + 120 * 101);
    await rejected(s, "place", { securityId: 1, side: "sell", price: 102, qty: 1 }, "INSUFFICIENT_HOLDINGS");
  });

  it("maxOrderQty: an order of the maximum size is accepted, one lot more is ORDER_TOO_LARGE (buy and sell)", async () => {
    const {
      seats: [a],
    } = await running({ securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, maxOrderQty: 10 }] }, "alice");
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 11 }, "ORDER_TOO_LARGE");
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 11 }, "ORDER_TOO_LARGE");
    await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 10 });
    await ok(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 10 });
    expect(Object.keys(privateState(a!).orders)).to.have.length(2);
  });

  it("positionLimit: long and short up to the limit, counting open orders; one lot more is POSITION_LIMIT", async () => {
    // 100 lots held, limit 120; short selling on with a wide short limit so only the position limit binds
    const {
      seats: [a],
    } = await running(
      {
        rules: { allowShort: true },
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, positionLimit: 120, shortLimit: 1000 }],
      },
      "alice",
    );
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 21 }, "POSITION_LIMIT");
    await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 20 }); // 100 + 20 open = 120
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 89, qty: 1 }, "POSITION_LIMIT");
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 221 }, "POSITION_LIMIT");
    await ok(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 220 }); // 100 - 220 = -120
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 111, qty: 1 }, "POSITION_LIMIT");
    expect(privateState(a!).positions[1]).to.deep.equal({ qty: 100, locked: 220, openBuy: 20 });
  });

  it("gross limit with limitWeight: exactly at the weighted limit is accepted, one lot more is GROSS_POSITION_LIMIT", async () => {
    // gross = 2 x |ACME| + 1 x |BETA| (worst case of open orders), limit 100; no holdings
    const {
      seats: [a],
    } = await running(
      {
        rules: { grossLimit: 100, allowShort: true },
        securities: two({ limitWeight: 2, shortLimit: 1000 }, { shortLimit: 1000 }),
        endowment: { cash: 1_000_000, holdings: [] },
      },
      "alice",
    );
    await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 30 }); // 60
    await ok(a!, "place", { securityId: 2, side: "buy", price: 90, qty: 39 }); // 99
    // one lot of ACME weighs 2: 101 > 100; one lot of BETA weighs 1: exactly 100
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 1 }, "GROSS_POSITION_LIMIT");
    await ok(a!, "place", { securityId: 2, side: "buy", price: 90, qty: 1 }); // 100
    await rejected(a!, "place", { securityId: 2, side: "buy", price: 90, qty: 1 }, "GROSS_POSITION_LIMIT");
    // a sell of ACME up to the size of the open buy adds no gross (max(|long|, |short|) stays 30); one more does
    await ok(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 30 });
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 1 }, "GROSS_POSITION_LIMIT");
    // cancelling the 39-lot BETA buy frees 39: ACME's long side may grow again
    const orders = [...a!.room.state.players.get(a!.join.playerId)!.orders.values()];
    const id = orders.find((o) => o.securityId === 2 && o.amount === 39)!.orderId;
    await ok(a!, "cancel", { securityId: 2, orderId: id });
    await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 1 });
  });

  it("net limit with limitWeight: net long and net short exactly at the limit are accepted, one lot more is NET_POSITION_LIMIT", async () => {
    const {
      seats: [a],
    } = await running(
      {
        rules: { netLimit: 50, allowShort: true },
        securities: two({ limitWeight: 2, shortLimit: 1000 }, { shortLimit: 1000 }),
        endowment: { cash: 1_000_000, holdings: [] },
      },
      "alice",
    );
    await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 20 }); // net long 40
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 6 }, "NET_POSITION_LIMIT"); // 52
    await ok(a!, "place", { securityId: 2, side: "buy", price: 90, qty: 10 }); // 50
    await rejected(a!, "place", { securityId: 2, side: "buy", price: 90, qty: 1 }, "NET_POSITION_LIMIT");
    // the short side is measured on its own: -2 x 20 - 10 = -50 at the limit
    await ok(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 20 }); // net short -40
    await rejected(a!, "place", { securityId: 1, side: "sell", price: 110, qty: 6 }, "NET_POSITION_LIMIT");
    await ok(a!, "place", { securityId: 2, side: "sell", price: 110, qty: 10 }); // -50
    await rejected(a!, "place", { securityId: 2, side: "sell", price: 110, qty: 1 }, "NET_POSITION_LIMIT");
  });

  it("taker fee and maker rebate: cash, the fills row, private fees and the leaderboard agree; a rebate above the fee is refused", async () => {
    const {
      game,
      seats: [a, b],
    } = await running(
      { securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, takerFee: 7, makerRebate: 3 }] },
      "alice",
      "bob",
    );
    await ok(a!, "place", { securityId: 1, side: "sell", price: 101, qty: 10 }); // alice makes
    const take = await ok(b!, "place", { securityId: 1, side: "buy", price: 101, qty: 10 }); // bob takes
    expect(take.order).to.include({ status: "filled", filledQty: 10 });
    await settled(a!);
    // notional 1,010; taker fee 7 x 10 = 70; rebate 3 x 10 = 30
    expect(privateState(a!).cash).to.equal(100_000 + 1_010 + 30);
    expect(privateState(b!).cash).to.equal(100_000 - 1_010 - 70);
    // valuation fields (fees, P&L) follow within the room's 250 ms valuation tick
    await waitFor(() => a!.room.state.players.get(a!.join.playerId)!.fees === -30, "alice's fees: the rebate");
    await waitFor(() => b!.room.state.players.get(b!.join.playerId)!.fees === 70, "bob's fees: the taker fee");

    const { seq } = await logOf(game.gameId);
    await h.persister.drain(game.gameId, seq, 10_000);
    const rows = await h.db
      .selectFrom("fills")
      .select(["price", "qty", "taker_fee", "maker_rebate", "maker_player_id", "taker_player_id"])
      .where("game_id", "=", game.gameId)
      .execute();
    expect(
      rows.map((r) => ({
        ...r,
        price: Number(r.price),
        qty: Number(r.qty),
        taker_fee: Number(r.taker_fee),
        maker_rebate: Number(r.maker_rebate),
      })),
    ).to.deep.equal([
      {
        price: 101,
        qty: 10,
        taker_fee: 70,
        maker_rebate: 30,
        maker_player_id: a!.join.playerId,
        taker_player_id: b!.join.playerId,
      },
    ]);

    // alice: sold 10 of her 100 opening lots (ref 100) at 101 -> realized 10, 90 open marked at 101 -> 90
    // bob: 100 opening lots + 10 bought at 101, marked at 101 -> unrealized 100
    const expected = {
      [a!.join.playerId]: { realizedPnl: 10, unrealizedPnl: 90, fees: -30, pnl: 10 + 90 + 30, trades: 1 },
      [b!.join.playerId]: { realizedPnl: 0, unrealizedPnl: 100, fees: 70, pnl: 100 - 70, trades: 1 },
    };
    const board = (await api(h, "GET", `/api/games/${game.gameId}/leaderboard`)).body.leaderboard as Record<
      string,
      number | string
    >[];
    for (const s of [a!, b!]) {
      const row = board.find((r) => r.playerId === s.join.playerId)!;
      expect(row, "HTTP leaderboard").to.include(expected[s.join.playerId]!);
      expect(row.pnl).to.equal(Number(row.realizedPnl) + Number(row.unrealizedPnl) - Number(row.fees));
      await waitFor(
        () => s.room.state.players.get(s.join.playerId)!.pnl === expected[s.join.playerId]!.pnl,
        "private pnl",
      );
      expect(s.room.state.players.get(s.join.playerId)!, "private state").to.include(expected[s.join.playerId]!);
      await waitFor(
        () =>
          s.room.state.leaderboard.find((r) => r.playerId === s.join.playerId)?.pnl === expected[s.join.playerId]!.pnl,
        "room leaderboard",
      );
      expect(
        s.room.state.leaderboard.find((r) => r.playerId === s.join.playerId)!,
        "room leaderboard",
      ).to.include(expected[s.join.playerId]!);
    }

    const bad = await api(h, "POST", "/api/games", {
      gameId: `bad-fee-${process.pid}`,
      name: "x",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, takerFee: 3, makerRebate: 4 }],
      endowment: { cash: 1000 },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal("INVALID_BODY");
    expect((await api(h, "GET", `/api/games/bad-fee-${process.pid}`)).body.code).to.equal("UNKNOWN_GAME");
    // nothing of it stays behind in the engine: the same game id can be created with valid fees
    expect(await h.valkey.exists(`game:{bad-fee-${process.pid}}`, `game:{bad-fee-${process.pid}}:seq`)).to.equal(0);
    const good = await api(h, "POST", "/api/games", {
      gameId: `bad-fee-${process.pid}`,
      name: "x",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, takerFee: 4, makerRebate: 4 }],
      endowment: { cash: 1000 },
    });
    expect(good.status, JSON.stringify(good.body)).to.equal(201);
    expect(good.body.securities[0]).to.include({ takerFee: 4, makerRebate: 4 });
  });

  it("fee funds: a buy that can pay its notional but not notional + taker fee is INSUFFICIENT_FUNDS", async () => {
    // alice has 1,069: 10 lots at 100 cost 1,000 + fee 70 = 1,070 (one short); 9 lots cost 963
    const {
      seats: [a, b],
    } = await running(
      {
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, takerFee: 7 }],
        endowment: { cash: 1_069, holdings: [{ securityId: 1, qty: 100 }] },
      },
      "alice",
      "bob",
    );
    await ok(b!, "place", { securityId: 1, side: "sell", price: 100, qty: 20 });
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 100, qty: 10 }, "INSUFFICIENT_FUNDS");
    await ok(a!, "place", { securityId: 1, side: "buy", price: 100, qty: 9 });
    expect(privateState(a!).cash).to.equal(106);
    await waitFor(() => a!.room.state.players.get(a!.join.playerId)!.fees === 63, "fees 9 x 7");
    // 106 left: one more lot costs 100 + 7 = 107
    await rejected(a!, "place", { securityId: 1, side: "buy", price: 100, qty: 1 }, "INSUFFICIENT_FUNDS");
    // a post-only order pays no fee: 1 lot at 99 rests with 99 of cash
    await ok(a!, "place", { securityId: 1, side: "buy", price: 99, qty: 1, postOnly: true });
    expect(privateState(a!)).to.deep.include({ cash: 106, cashLocked: 99 });
  });

  it("order rate limit: over the limit is RATE_LIMITED with retryAfterMs and changes nothing (a cancel too); cancel-all still accepted", async () => {
    const {
      seats: [a],
    } = await running({ rules: { orderRateLimit: { orders: 2, windowMs: 60_000 } } }, "alice");
    const first = await ok(a!, "place", { securityId: 1, side: "buy", price: 90, qty: 1 });
    await ok(a!, "place", { securityId: 1, side: "buy", price: 91, qty: 1 });
    const r = await rejected(a!, "place", { securityId: 1, side: "buy", price: 92, qty: 1 }, "RATE_LIMITED");
    expect(r.retryAfterMs).to.be.a("number").within(1, 60_000);
    await rejected(a!, "amend", { securityId: 1, orderId: first.order!.orderId, qty: 1, price: 93 }, "RATE_LIMITED");
    await rejected(a!, "cancel", { securityId: 1, orderId: first.order!.orderId }, "RATE_LIMITED");
    expect(Object.keys(privateState(a!).orders)).to.have.length(2);
    await ok(a!, "cancel-all", {});
    expect(privateState(a!).orders).to.deep.equal({});
  });

  it("closed market: lobby and paused refuse orders MARKET_CLOSED (cancel accepted while paused); ended refuses them too", async () => {
    const game = await createGame(h);
    const j = await join(h, game.joinCode, "alice");
    const a: Seat = { join: j, room: await connect(h, game.gameId, j.token) };
    open.push(a.room);
    await rejected(a, "place", { securityId: 1, side: "buy", price: 90, qty: 1 }, "MARKET_CLOSED"); // lobby
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    await waitFor(() => a.room.state.phase === "running", "running");
    const o1 = await ok(a, "place", { securityId: 1, side: "buy", price: 90, qty: 1 });
    await ok(a, "place", { securityId: 1, side: "buy", price: 91, qty: 1 });

    expect((await api(h, "POST", `/api/games/${game.gameId}/pause`)).body.phase).to.equal("paused");
    await waitFor(() => a.room.state.phase === "paused", "paused");
    await rejected(a, "place", { securityId: 1, side: "buy", price: 92, qty: 1 }, "MARKET_CLOSED");
    await rejected(a, "place", { securityId: 1, side: "sell", price: 110, qty: 1 }, "MARKET_CLOSED");
    await ok(a, "cancel", { securityId: 1, orderId: o1.order!.orderId });
    expect(Object.keys(privateState(a).orders)).to.have.length(1);

    expect((await api(h, "POST", `/api/games/${game.gameId}/end`)).status).to.equal(200);
    await waitFor(() => a.room.state.phase === "ended", "ended");
    await settled(a);
    expect(privateState(a).orders, "the round end cancelled the rest").to.deep.equal({});
    await rejected(a, "place", { securityId: 1, side: "buy", price: 92, qty: 1 }, "MARKET_CLOSED");
    await rejected(a, "place", { securityId: 1, side: "sell", price: 110, qty: 1 }, "MARKET_CLOSED");
  });
});
