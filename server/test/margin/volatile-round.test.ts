/**
 * An end-to-end volatile margin round (issue 15 "Tests"): real server (Colyseus over WebSockets), Valkey,
 * the persister process and PostgreSQL. Seven players take leveraged longs and shorts and leave orders in
 * the book; a headline crashes the reference path by 25 % and the reference path driver feeds it into
 * the core, which liquidates the over-leveraged longs. Then everything is checked against an independent
 * recomputation from the PostgreSQL tables alone (players, fills, events, orders, inventories, securities):
 * - each player's final cash and position = the start + their fills (notional, fees) + the fund's transfers,
 *   equal to the server's final inventories;
 * - the players' cash + the fund's cash + the house's net fees = the starting cash + the insurance fund
 *   (the fund's cash as the server holds it);
 * - a liquidated player has no position and no open order once the liquidation is stored, and cash >= 0;
 * - equity = cash + position x the closing mark x scale, from those rows, equals the server's final
 *   leaderboard: the round's one mark rule (reference, docs/margin.md "One mark") drove the liquidations and
 *   values the standings, at the last reference_price event before the round's end (events table).
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { EventOf, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const FUND = 10_000_000;
const CASH = 100_000; // $1,000.00 each; ACME at 100.00 (10,000 ticks, scale 1): 10 lots = $1,000.00 notional

describe("volatile margin round, checked against PostgreSQL", function () {
  this.timeout(120_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** Waits until PostgreSQL holds the game's events up to `seq`. */
  async function stored(gameId: string, seq: number): Promise<void> {
    for (const until = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const row = await h.db
        .selectFrom("events")
        .select((eb) => eb.fn.max("seq").as("last"))
        .where("game_id", "=", gameId)
        .executeTakeFirst();
      if (Number(row?.last ?? 0) >= seq) return;
      if (Date.now() > until) throw new Error(`events up to ${seq} not stored`);
    }
  }

  it("liquidates the over-leveraged on a crash; cash, positions and equity recompute from the PG tables", async () => {
    const game = await createGame(h, {
      rules: {
        mode: "margin",
        markRule: "reference",
        insuranceFund: FUND,
        orderRateLimit: null,
      },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 10_000 }],
      securityRules: { maxLeverage: 10, maintenanceMarginBps: 500 },
      endowment: { cash: CASH },
    });
    const g = game.gameId;
    await api(h, "POST", `/api/games/${g}/start`);
    const names = ["long8x", "long3x", "long6x", "short8x", "short3x", "short6x", "bidder"];
    const ids = new Map<string, string>();
    const rooms = new Map<string, R>();
    for (const n of names) {
      const j = await join(h, game.joinCode, n);
      const room = await connect(h, g, j.token);
      open.push(room);
      ids.set(n, j.playerId);
      rooms.set(n, room);
    }
    const place = async (who: string, side: "buy" | "sell", price: number, qty: number) => {
      const r: any = await rooms.get(who)!.request("place", { securityId: 1, side, price, qty });
      expect(r.ok, `${who} ${side} ${qty} @ ${price}: ${JSON.stringify(r)}`).to.equal(true);
    };
    // leveraged pairs at 100.00: 80 lots = 8x, 30 = 3x, 60 = 6x of $1,000.00
    for (const [q, long, short] of [
      [80, "long8x", "short8x"],
      [30, "long3x", "short3x"],
      [60, "long6x", "short6x"],
    ] as const) {
      await place(short, "sell", 10_000, q);
      await place(long, "buy", 10_000, q);
    }
    // orders left in the book: the bidder's support below, a long's take-profit ask, a long's dip bid
    await place("bidder", "buy", 9_500, 20);
    await place("bidder", "buy", 9_000, 20);
    await place("long8x", "sell", 11_000, 10);
    await place("long6x", "buy", 8_000, 5);

    // the crash: a headline shifts the reference path by -25 %; the driver sets the core's reference to 75.00
    const news = await api(h, "POST", `/api/games/${g}/news`, {
      headline: "ACME misses by a mile",
      shifts: [{ securityId: 1, bps: -2500 }],
    });
    expect(news.status, JSON.stringify(news.body)).to.equal(201);
    const liquidated = [ids.get("long8x")!, ids.get("long6x")!];
    const log = await liquidationsLogged(h, g, liquidated);
    expect(log.some((e) => e.type === "reference_price" && e.securityId === 1 && e.price === 7_500)).to.equal(true);
    const calls = log.filter((e) => e.type === "margin_call").map((e) => (e as any).playerId as string);
    expect(calls).to.not.include(ids.get("long3x"));

    // once the liquidations are stored: no open order of a liquidated player in the orders table
    const lastCallSeq = Math.max(...log.filter((e) => e.type === "margin_call").map((e) => e.seq));
    await stored(g, lastCallSeq);
    const openRows = await h.db
      .selectFrom("orders")
      .select(["player_id", "order_id", "resting_qty"])
      .where("game_id", "=", g)
      .where("resting_qty", ">", 0 as any)
      .execute();
    for (const row of openRows) expect(calls, `open order ${row.order_id}`).to.not.include(row.player_id);
    const liqCancels = await h.db
      .selectFrom("orders")
      .select(["player_id"])
      .where("game_id", "=", g)
      .where("cancel_reason", "=", "liquidation")
      .execute();
    expect(liqCancels.map((r) => r.player_id)).to.include.members(liquidated);

    // end the round; wait for its results in PostgreSQL
    expect((await api(h, "POST", `/api/games/${g}/end`)).status).to.equal(200);
    const board = await api(h, "GET", `/api/games/${g}/leaderboard`);
    expect(board.status).to.equal(200);
    const lastSeq = (await gameLog(h, g)).at(-1)!.seq;
    await stored(g, lastSeq);
    for (const until = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const row = await h.db.selectFrom("games").select("results_written_at").where("id", "=", g).executeTakeFirst();
      if (row?.results_written_at) break;
      if (Date.now() > until) throw new Error("results not written");
    }

    const re = await recompute(h, g);
    // the server's final inventories
    const finals = await h.db
      .selectFrom("inventories")
      .select(["player_id", "security_id", "qty"])
      .where("game_id", "=", g)
      .where("kind", "=", "final")
      .execute();
    for (const [pid, p] of re.players) {
      const cash = finals.find((r) => r.player_id === pid && r.security_id === 0);
      const pos = finals.find((r) => r.player_id === pid && r.security_id === 1);
      expect(Number(cash?.qty), `cash of ${pid}`).to.equal(p.cash);
      expect(Number(pos?.qty ?? 0), `position of ${pid}`).to.equal(p.position);
    }
    for (const pid of liquidated) {
      expect(re.players.get(pid)!.position, "a liquidated player is flat").to.equal(0);
      expect(re.players.get(pid)!.cash, "a liquidated player's cash").to.be.at.least(0);
    }
    // conservation with the fund, the fund's cash as the server holds it
    const serverFund = (await h.app.hub.engine.writer(g)).state!.fund.cash;
    expect(serverFund).to.equal(FUND - re.fundPaid);
    const total = [...re.players.values()].reduce((s, p) => s + p.cash, 0);
    expect(total + serverFund + re.houseFees).to.equal(names.length * CASH + FUND);
    expect(re.fundPaid, "the fund paid for what the book could not take").to.be.greaterThan(0);

    // equity from the rows at the closing mark (the last reference before the end) equals the server's final leaderboard
    expect(game.rules).to.include({ markRule: "reference", markPrice: "reference" });
    expect(re.closingReference, "the crash's reference closes the round").to.equal(7_500);
    expect(re.closingReference).to.not.equal(re.lastPrice);
    for (const row of board.body.leaderboard as { playerId: string; equity: number }[]) {
      const p = re.players.get(row.playerId)!;
      expect(row.equity, `equity of ${row.playerId}`).to.equal(p.cash + p.position * re.closingReference * re.scale);
    }
    expect(board.body.leaderboard).to.have.length(names.length);
  });
});

/** The game's log once every player of `pids` has a margin_call in it (30 s at most). */
async function liquidationsLogged(h: Harness, g: string, pids: string[]) {
  for (const until = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const log = await gameLog(h, g);
    const called = new Set(
      log.filter((e): e is EventOf<"margin_call"> => e.type === "margin_call").map((e) => e.playerId),
    );
    if (pids.every((p) => called.has(p))) return log;
    if (Date.now() > until) throw new Error(`no liquidation: ${JSON.stringify([...called])}`);
  }
}

/**
 * Cash and position of every player from PostgreSQL rows only: players.starting_cash, the fills (price x
 * qty x scale = notional; the taker pays taker_fee, the maker gets maker_rebate) and the events table's
 * fund_transfer rows (cash to the player, qty lots from the player to the fund). Also the fund's payments,
 * the house's net fees, the last trade price, the closing reference (the last reference_price event before
 * the phase change to ended) and the security's scale.
 */
async function recompute(h: Harness, g: string) {
  const players = new Map<string, { cash: number; position: number }>();
  for (const p of await h.db
    .selectFrom("players")
    .select(["player_id", "starting_cash"])
    .where("game_id", "=", g)
    .execute())
    players.set(p.player_id, { cash: Number(p.starting_cash), position: 0 });
  const fills = await h.db
    .selectFrom("fills")
    .select([
      "seq",
      "price",
      "qty",
      "notional",
      "aggressor",
      "maker_player_id",
      "taker_player_id",
      "taker_fee",
      "maker_rebate",
    ])
    .where("game_id", "=", g)
    .orderBy("seq")
    .execute();
  let houseFees = 0;
  for (const f of fills) {
    const qty = Number(f.qty);
    const notional = Number(f.notional);
    const buyer = players.get(f.aggressor === "buy" ? f.taker_player_id : f.maker_player_id)!;
    const seller = players.get(f.aggressor === "buy" ? f.maker_player_id : f.taker_player_id)!;
    buyer.cash -= notional;
    buyer.position += qty;
    seller.cash += notional;
    seller.position -= qty;
    players.get(f.taker_player_id)!.cash -= Number(f.taker_fee);
    players.get(f.maker_player_id)!.cash += Number(f.maker_rebate);
    houseFees += Number(f.taker_fee) - Number(f.maker_rebate);
  }
  let fundPaid = 0;
  const transfers = await h.db
    .selectFrom("events")
    .select(["data"])
    .where("game_id", "=", g)
    .where("type", "=", "fund_transfer")
    .execute();
  for (const t of transfers) {
    const d = t.data as unknown as { playerId: string; qty: number; cash: number };
    const p = players.get(d.playerId)!;
    p.cash += d.cash;
    p.position -= d.qty;
    fundPaid += d.cash;
  }
  const sec = await h.db.selectFrom("securities").select(["scale"]).where("game_id", "=", g).executeTakeFirstOrThrow();
  const timeline = await h.db
    .selectFrom("events")
    .select(["data"])
    .where("game_id", "=", g)
    .where("type", "in", ["reference_price", "phase_changed"])
    .orderBy("seq")
    .execute();
  let closingReference = 0;
  for (const e of timeline.map((r) => r.data as unknown as { type: string; price?: number; to?: string })) {
    if (e.type === "phase_changed" && e.to === "ended") break;
    if (e.type === "reference_price") closingReference = e.price!;
  }
  return {
    players,
    fundPaid,
    houseFees,
    lastPrice: Number(fills.at(-1)!.price),
    closingReference,
    scale: Number(sec.scale),
  };
}
