/**
 * Replay HTTP API on the shared test server (server/test/support/harness.ts): a game created and
 * joined through the API, traded through the engine, persisted by the harness's persister, then read
 * back through /api/games/:id/replay/... with the admin token and player tokens.
 */
import { expect } from "chai";
import { api, createGame, harness, join, type Harness } from "../support/harness.ts";

describe("replay: HTTP API", function () {
  this.timeout(60_000);
  let h: Harness;
  let gameId: string;
  let alice: { playerId: string; token: string };
  let bob: { playerId: string; token: string };
  let lastSeq: number;

  before(async () => {
    h = await harness();
    const g = await createGame(h);
    gameId = g.gameId;
    alice = await join(h, g.joinCode, "alice");
    bob = await join(h, g.joinCode, "bob");
    expect((await api(h, "POST", `/api/games/${gameId}/start`)).status).to.equal(200);
    const engine = h.app.hub.engine; // the server is the game's writer: a second writer would fence it
    const ok = <T extends { ok: boolean }>(r: T) => {
      if (!r.ok) throw new Error(JSON.stringify(r));
      return r;
    };
    ok(await engine.place(gameId, alice.playerId, { securityId: 1, side: "buy", price: 99, qty: 5 }));
    ok(await engine.place(gameId, alice.playerId, { securityId: 1, side: "buy", price: 98, qty: 3 }));
    ok(await engine.place(gameId, bob.playerId, { securityId: 1, side: "sell", price: 101, qty: 4 }));
    ok(await engine.place(gameId, bob.playerId, { securityId: 1, side: "sell", type: "market", tif: "IOC", qty: 2 }));
    const info = await engine.gameInfo(gameId);
    if (!info.ok) throw new Error("gameInfo");
    lastSeq = info.seq;
    await h.persister.drain(gameId, lastSeq);
  });

  it("GET /replay and /replay/events page through the log (admin)", async () => {
    const s = await api(h, "GET", `/api/games/${gameId}/replay`);
    expect(s.status).to.equal(200);
    expect(s.body.lastSeq).to.be.at.least(lastSeq);
    const p1 = await api(h, "GET", `/api/games/${gameId}/replay/events?from=1&limit=3`);
    expect(p1.status).to.equal(200);
    expect(p1.body.events.map((e: { seq: number }) => e.seq)).to.deep.equal([1, 2, 3]);
    expect(p1.body.nextSeq).to.equal(4);
    expect(p1.body.events[0].type).to.equal("game_created");
  });

  it("GET /replay/book/:securityId at a seq gives levels and orders in price-time order", async () => {
    const now = await api(h, "GET", `/api/games/${gameId}/replay/book/1?seq=${lastSeq}`);
    expect(now.status).to.equal(200);
    expect(now.body.bids).to.deep.equal([
      { price: 99, qty: 3, orders: 1 },
      { price: 98, qty: 3, orders: 1 },
    ]);
    expect(now.body.asks).to.deep.equal([{ price: 101, qty: 4, orders: 1 }]);
    expect(now.body.orders.bids[0]).to.include({ playerId: alice.playerId, price: 99, amount: 3, qty: 5 });
    const engineBook = await h.app.hub.engine.book(gameId, 1, 1000);
    if (!engineBook.ok) throw new Error("book");
    expect(now.body.bids).to.deep.equal(engineBook.bids);
    const before = await api(h, "GET", `/api/games/${gameId}/replay/book/1?seq=${lastSeq - 2}&depth=1`);
    expect(before.body.bids).to.deep.equal([{ price: 99, qty: 5, orders: 1 }]);
    // a player sees other players' orders without owner
    const asBob = await api(h, "GET", `/api/games/${gameId}/replay/book/1`, undefined, bob.token);
    expect(asBob.status).to.equal(200);
    expect(asBob.body.orders.bids[0]).to.not.have.property("playerId");
    expect(asBob.body.orders.asks[0]).to.include({ playerId: bob.playerId });
    expect((await api(h, "GET", `/api/games/${gameId}/replay/book/77`)).status).to.equal(404);
  });

  it("inventories, timeline and prices; a player sees only their own", async () => {
    const inv = await api(h, "GET", `/api/games/${gameId}/replay/inventories`);
    expect(inv.status).to.equal(200);
    const a = inv.body.inventories.find((i: { playerId: string }) => i.playerId === alice.playerId);
    expect(a.cash).to.equal(100_000 - 2 * 99);
    expect(a.cashLocked).to.equal(3 * 99 + 3 * 98);
    const mine = await api(h, "GET", `/api/games/${gameId}/replay/inventories`, undefined, bob.token);
    expect(mine.body.inventories.map((i: { playerId: string }) => i.playerId)).to.deep.equal([bob.playerId]);
    expect(
      (await api(h, "GET", `/api/games/${gameId}/replay/inventories?playerId=${alice.playerId}`, undefined, bob.token))
        .status,
    ).to.equal(403);

    const tl = await api(
      h,
      "GET",
      `/api/games/${gameId}/replay/players/${alice.playerId}/timeline`,
      undefined,
      alice.token,
    );
    expect(tl.status).to.equal(200);
    expect(tl.body.orders).to.have.length(2);
    expect(tl.body.fills).to.have.length(1);
    // valued as the leaderboard: 102 ACME at the last trade 99 against the endowment at the opening reference 100
    expect(tl.body.points.at(-1)).to.include({
      cash: 100_000 - 198,
      equity: 100_000 - 198 + 102 * 99,
      pnl: 102 * 99 - 198 - 100 * 100,
    });
    const lb = await api(h, "GET", `/api/games/${gameId}/replay/leaderboard`, undefined, alice.token);
    expect(lb.body.leaderboard.find((r: { playerId: string }) => r.playerId === alice.playerId)).to.include({
      pnl: -100,
      realizedPnl: 0,
      unrealizedPnl: -100,
    });
    expect(
      (await api(h, "GET", `/api/games/${gameId}/replay/players/${alice.playerId}/timeline`, undefined, bob.token))
        .status,
    ).to.equal(403);

    const px = await api(h, "GET", `/api/games/${gameId}/replay/prices/1?bucketEvents=1000`);
    expect(px.body.candles).to.deep.equal([
      { ...px.body.candles[0], open: 99, high: 99, low: 99, close: 99, volume: 2, trades: 1 },
    ]);
  });

  it("needs a token of the game or the admin's", async () => {
    expect((await api(h, "GET", `/api/games/${gameId}/replay`, undefined, null)).status).to.equal(401);
    const other = await createGame(h);
    const carol = await join(h, other.joinCode, "carol");
    expect((await api(h, "GET", `/api/games/${gameId}/replay`, undefined, carol.token)).status).to.equal(403);
    expect((await api(h, "GET", `/api/games/no-such-game-xyz/replay`)).status).to.equal(404);
    expect((await api(h, "GET", `/api/games/${gameId}/replay/events?limit=abc`)).status).to.equal(400);
  });
});
