/**
 * GameRoom over real WebSockets (SDK clients), real Valkey and PostgreSQL.
 */
import { expect } from "chai";
import { getScenario } from "../../src/market/scenarios.ts";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameId, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const sec = (room: R) => room.state.securities.get("1")!;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

/** A running game with two connected players. */
async function twoPlayers(h: Harness) {
  const game = await createGame(h);
  await api(h, "POST", `/api/games/${game.gameId}/start`);
  const a = await join(h, game.joinCode, "alice");
  const b = await join(h, game.joinCode, "bob");
  const ra = await connect(h, game.gameId, a.token);
  const rb = await connect(h, game.gameId, b.token);
  return { game, a, b, ra, rb };
}

describe("GameRoom", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("two players trade and both see the book and the trades change", async () => {
    const { a, b, ra, rb } = await twoPlayers(h);
    open.push(ra, rb);
    const sell = await req(ra, "place", { securityId: 1, side: "sell", price: 101, qty: 10 });
    expect(sell).to.include({ ok: true, type: "place" });
    for (const r of [ra, rb]) {
      await waitFor(() => sec(r).asks.length === 1 && sec(r).asks[0]!.amount === 10, "the ask on both screens");
      expect(sec(r).asks[0]).to.include({ price: 101, amount: 10, total: 10, orders: 1 });
    }
    const buy = await req(rb, "place", { securityId: 1, side: "buy", price: 101, qty: 4 });
    expect(buy.ok).to.equal(true);
    if (!buy.ok) return;
    expect(buy.order).to.include({ status: "filled", filledQty: 4 });
    expect(buy.fills).to.have.length(1);
    for (const r of [ra, rb]) {
      await waitFor(() => sec(r).trades.length === 1 && sec(r).asks[0]?.amount === 6, "the trade on both screens");
      expect(sec(r)).to.include({ lastPrice: 101, high: 101, low: 101, volume: 4, tradeCount: 1 });
      expect(sec(r).trades[0]).to.include({ price: 101, qty: 4, aggressor: "buy" });
      expect(sec(r).bids.length).to.equal(0);
    }
    const pa = () => ra.state.players.get(a.playerId)!;
    const pb = () => rb.state.players.get(b.playerId)!;
    await waitFor(() => pa().cash === 100_404 && pb().cash === 99_596, "cash after the fill");
    expect(pa().positions.get("1")).to.include({ qty: 96, locked: 6 });
    expect(pb().positions.get("1")).to.include({ qty: 104, locked: 0 });
    expect(pa().orders.size).to.equal(1);
    expect(pa().fills.length).to.equal(1);
    expect(pa().fills[0]).to.include({ role: "maker", side: "sell", qty: 4 });
    expect(pb().fills[0]).to.include({ role: "taker", side: "buy", qty: 4 });
    // the valuation runs on the room's clock: wait for the one after the fill, not just any leaderboard
    await waitFor(
      () =>
        ra.state.leaderboard.length === 2 &&
        ra.state.leaderboard.every((l) => l.equity === 110_100) &&
        pa().unrealizedPnl === 96 &&
        pb().unrealizedPnl === 100,
      "leaderboard valued at the last trade",
    );
    // valued at the last price (101): alice 100,404 + 96 x 101 = 110,100; bob 99,596 + 104 x 101 = 110,100
    expect(ra.state.leaderboard.map((l) => l.equity)).to.deep.equal([110_100, 110_100]);
    // pnl against the opening reference (100): starting holdings count as bought at 100
    expect(pa().pnl).to.equal(100_404 + 96 * 101 - (100_000 + 100 * 100));
    // FIFO: alice sold 4 of her starting lots (100) at 101; 96 lots open at 100, marked at 101
    expect(pa()).to.include({ realizedPnl: 4, unrealizedPnl: 96, fees: 0, trades: 1 });
    expect(pb()).to.include({
      pnl: 99_596 + 104 * 101 - (100_000 + 100 * 100),
      realizedPnl: 0,
      unrealizedPnl: 100,
      fees: 0,
      trades: 1,
    });
    const row = [...ra.state.leaderboard].find((l) => l.playerId === a.playerId)!;
    expect(row).to.include({ pnl: 100, realizedPnl: 4, unrealizedPnl: 96, fees: 0, trades: 1 });
  });

  it("one player cannot see another's private state or cancel another's order", async () => {
    const { a, b, ra, rb } = await twoPlayers(h);
    open.push(ra, rb);
    const placed = await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 5 });
    expect(placed.ok).to.equal(true);
    const orderId = placed.ok ? placed.order!.orderId : 0;
    await waitFor(() => sec(rb).bids.length === 1, "bid visible to bob");
    const alice = rb.state.players.get(a.playerId)!;
    expect(alice.name).to.equal("alice");
    expect(alice.cash).to.equal(undefined);
    expect(alice.orders).to.equal(undefined);
    expect(rb.state.players.get(b.playerId)!.cash).to.equal(100_000);
    const cancel = await req(rb, "cancel", { securityId: 1, orderId });
    expect(cancel).to.include({ ok: false, code: "NOT_OWNER" });
    const cancelAll = await req(rb, "cancel-all", {});
    expect(cancelAll).to.include({ ok: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(sec(rb).bids[0]).to.include({ price: 90, amount: 5 });
    expect(ra.state.players.get(a.playerId)!.orders.size).to.equal(1);
    const own = await req(ra, "cancel", { securityId: 1, orderId });
    expect(own).to.include({ ok: true });
    await waitFor(() => sec(rb).bids.length === 0, "bid gone");
  });

  it("bad messages get an error reply, change nothing and keep the connection", async () => {
    const { a, ra, rb } = await twoPlayers(h);
    open.push(ra, rb);
    await req(ra, "place", { securityId: 1, side: "sell", price: 120, qty: 1 });
    await waitFor(() => sec(ra).asks.length === 1, "ask");
    const seq = ra.state.seq;
    const replies: CommandReply[] = [];
    ra.onMessage("reply", (m: CommandReply) => replies.push(m));
    ra.onMessage("replies", (m: { replies: CommandReply[] }) => replies.push(...m.replies));

    const shape = await req(ra, "place", { securityId: "one", side: "up", qty: -1 });
    expect(shape).to.include({ ok: false, code: "INVALID_MESSAGE" });
    expect((shape as { issues: unknown[] }).issues.length).to.be.greaterThan(0);
    expect(await req(ra, "place", null)).to.include({ ok: false, code: "INVALID_MESSAGE" });
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 1, qty: 10_000_000 })).to.include({
      ok: false,
      code: "INSUFFICIENT_FUNDS",
    });
    expect(await req(ra, "place", { securityId: 9, side: "buy", price: 1, qty: 1 })).to.include({
      ok: false,
      code: "UNKNOWN_SECURITY",
    });
    expect(await req(ra, "amend", { securityId: 1, orderId: 999999, qty: 1 })).to.include({
      ok: false,
      code: "UNKNOWN_ORDER",
    });
    ra.send("place", { securityId: 1, side: "sideways", qty: 1, ref: "r1" });
    ra.send("no-such-thing", { ref: "r2" });
    ra.send("cancel", "garbage");
    await waitFor(() => replies.length === 3, "three replies by message");
    const byType = (t: string) => replies.find((r) => r.type === t);
    expect(byType("place")).to.include({ ok: false, code: "INVALID_MESSAGE", ref: "r1" });
    expect(byType("no-such-thing")).to.include({ ok: false, code: "UNKNOWN_MESSAGE", ref: "r2" });
    expect(byType("cancel")).to.include({ ok: false, code: "INVALID_MESSAGE" });

    await new Promise((r) => setTimeout(r, 100));
    expect(ra.state.seq).to.equal(seq);
    expect(ra.state.players.get(a.playerId)!.orders.size).to.equal(1);
    const ok = await req(ra, "place", { securityId: 1, side: "sell", price: 121, qty: 1, ref: "again" });
    expect(ok).to.include({ ok: true, ref: "again" });
    await waitFor(() => sec(rb).asks.length === 2, "second ask seen by bob");
  });

  it("observers and the admin join read-only; the admin sees private state", async () => {
    const { a, ra } = await twoPlayers(h);
    open.push(ra);
    await req(ra, "place", { securityId: 1, side: "buy", price: 95, qty: 2 });
    const obs = await connect(h, ra.roomId, undefined, { observer: true });
    const adm = await connect(h, ra.roomId, h.admin);
    open.push(obs, adm);
    await waitFor(() => obs.state.securities.get("1")!.bids.length === 1, "observer sees the book");
    expect(obs.state.players.get(a.playerId)!.cash).to.equal(undefined);
    await waitFor(() => adm.state.players.get(a.playerId)?.orders?.size === 1, "admin sees alice's order");
    expect(adm.state.players.get(a.playerId)!.cash).to.equal(100_000);
    expect(await req(obs, "place", { securityId: 1, side: "buy", price: 95, qty: 1 })).to.include({
      ok: false,
      code: "READ_ONLY",
    });
    expect(await req(adm, "cancel-all", {})).to.include({ ok: false, code: "READ_ONLY" });
  });

  it("the reference price follows the scenario's path while the round runs", async () => {
    // sp500-2000 moves one trading day per second: 2000-01-03 closes at 1455.22, 2000-01-04 at 1399.42.
    const id = gameId("ref");
    const created = await api(h, "POST", "/api/games", {
      gameId: id,
      name: "ref",
      scenario: "sp500-2000",
      endowment: { cash: 1_000_000 },
    });
    expect(created.status).to.equal(201);
    expect((await api(h, "POST", `/api/games/${id}/start`)).status).to.equal(200);
    const room = await connect(h, id, undefined, { observer: true });
    open.push(room);
    // However late the observer arrives, the reference moves on along the scenario's path.
    const path = getScenario("sp500-2000")!.securities.find((x) => x.securityId === 1)!.path;
    const first = await waitFor(() => sec(room).refPrice, "a reference");
    const next = await waitFor(
      () => (sec(room).refPrice !== first ? sec(room).refPrice : 0),
      "the next trading day's reference",
    );
    expect(path.lastIndexOf(next), `${next} is a later close than ${first}`).to.be.greaterThan(path.indexOf(first));
    expect(path.slice(0, 2)).to.deep.equal([145522, 139942]); // 2000-01-03 and 2000-01-04 closes
    await api(h, "POST", `/api/games/${id}/end`);
  });

  it("a late joiner gets the full current state at once", async () => {
    const { game, ra, rb } = await twoPlayers(h);
    open.push(ra, rb);
    await req(ra, "place", { securityId: 1, side: "sell", price: 105, qty: 3 });
    await req(rb, "place", { securityId: 1, side: "buy", price: 105, qty: 1 });
    await req(rb, "place", { securityId: 1, side: "buy", price: 99, qty: 7 });
    const c = await join(h, game.joinCode, "carol");
    const rc = await connect(h, game.gameId, c.token);
    open.push(rc);
    const s = sec(rc);
    expect(rc.state.phase).to.equal("running");
    expect(s.asks[0]).to.include({ price: 105, amount: 2 });
    expect(s.bids[0]).to.include({ price: 99, amount: 7 });
    expect(s.trades.length).to.equal(1);
    expect(s.lastPrice).to.equal(105);
    expect(rc.state.players.size).to.equal(3);
    expect(rc.state.players.get(c.playerId)!.cash).to.equal(100_000);
  });

  it("a dropped player reconnects within the grace period with the same session and orders", async () => {
    const { a, ra } = await twoPlayers(h);
    await req(ra, "place", { securityId: 1, side: "buy", price: 97, qty: 2 });
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 1, "own order");
    const session = ra.sessionId;
    ra.reconnection.minUptime = 0;
    ra.reconnection.minDelay = 10;
    ra.reconnection.delay = 10;
    let reconnected = false;
    ra.onReconnect(() => {
      reconnected = true;
    });
    ra.connection.close(4010, "test drop");
    await waitFor(() => reconnected, "reconnect");
    open.push(ra);
    expect(ra.sessionId).to.equal(session);
    const again = await req(ra, "place", { securityId: 1, side: "buy", price: 96, qty: 1 });
    expect(again.ok).to.equal(true);
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 2, "both orders");
    expect(ra.state.players.get(a.playerId)!.connected).to.equal(true);
  });
});
