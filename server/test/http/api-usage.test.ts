/**
 * The admin's API usage of a round (GET /api/v1/admin/games/:id/usage): per key and per player, requests,
 * orders, rejects and rate limit hits, counted in Valkey; only the admin may read it. Real server, Valkey,
 * PostgreSQL.
 */
import { expect } from "chai";
import { api, apiV1, createGame, harness, join, type Harness } from "../support/harness.ts";

describe("REST API /api/v1: the admin's usage of a round", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("counts requests, orders, rejects and rate limit hits per key and per player; admin only", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await join(h, game.joinCode, "bob");
    const carol = await join(h, game.joinCode, "carol");
    const key = await apiV1(h, "POST", "/keys", bob.token, {
      name: "quoter",
      rateLimit: { requests: 3, windowMs: 60_000 },
    });
    expect(
      (await apiV1(h, "POST", "/orders", key.body.key, { securityId: 1, side: "buy", price: 90, qty: 1 })).status,
    ).to.equal(201);
    expect(
      (await apiV1(h, "POST", "/orders", key.body.key, { securityId: 1, side: "buy", price: 90, qty: 100_000 })).body
        .code,
    ).to.equal("INSUFFICIENT_FUNDS");
    expect((await apiV1(h, "GET", "/account", key.body.key)).status).to.equal(200);
    expect((await apiV1(h, "GET", "/account", key.body.key)).status).to.equal(429);

    const u = await api(h, "GET", `/api/v1/admin/games/${game.gameId}/usage`);
    expect(u.status).to.equal(200);
    const counters = { requests: 4, orders: 1, rejects: 1, rateLimited: 1 };
    expect(u.body.keys).to.deep.equal([
      {
        keyId: key.body.keyId,
        kind: "key",
        name: "quoter",
        playerId: bob.playerId,
        playerName: "bob",
        revokedAt: null,
        ...counters,
      },
    ]);
    expect(u.body.totals).to.deep.equal(counters);
    expect(u.body.players).to.deep.include({ playerId: bob.playerId, name: "bob", keys: 1, ...counters });
    expect(u.body.players).to.deep.include({
      playerId: carol.playerId,
      name: "carol",
      keys: 0,
      requests: 0,
      orders: 0,
      rejects: 0,
      rateLimited: 0,
    });
    expect(u.body.players[0].playerId).to.equal(bob.playerId);
    // the key list shows the same numbers
    const keys = await api(h, "GET", `/api/v1/admin/games/${game.gameId}/keys`);
    expect(keys.body.keys[0].usage).to.deep.equal(counters);
    // a player may not read it
    expect((await api(h, "GET", `/api/v1/admin/games/${game.gameId}/usage`, undefined, bob.token)).status).to.equal(
      403,
    );
  });
});
