/**
 * Who may trade in a round (rules.trading, docs/algo-trading.md "Who may trade"): "browser" refuses
 * REST and webhook orders, "api" refuses the room's, both with CHANNEL_NOT_ALLOWED (403) and no change to
 * the game (same seq, same open orders); cancels pass from either channel; an unknown value is
 * INVALID_BODY at creation; orders that arrive while a game's rule is read share one read. Real server,
 * Colyseus clients, Valkey, PostgreSQL.
 */
import { expect } from "chai";
import type { CommandReply } from "@marketroom/shared";
import { GameStore } from "../../src/game/store.ts";
import { channelRefusal } from "../../src/rounds/trading-channels.ts";
import { api, apiV1, connect, createGame, harness, join, type Harness } from "../support/harness.ts";

describe("who may trade: rules.trading", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: { leave: () => Promise<unknown> }[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  async function round(trading: "browser" | "api") {
    const game = await createGame(h, { rules: { trading } } as never);
    expect(game.rules).to.include({ trading });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await join(h, game.joinCode, "bob");
    const key = (await apiV1(h, "POST", "/keys", bob.token, {})).body.key as string;
    const room = await connect(h, game.gameId, bob.token);
    open.push(room);
    const seq = async () => ((await h.app.hub.engine.gameInfo(game.gameId)) as { seq: number }).seq;
    return { game, bob, key, room, seq };
  }

  it("browser only: REST and webhook orders are CHANNEL_NOT_ALLOWED and change nothing; the room trades; REST may cancel", async () => {
    const { bob, key, room, seq } = await round("browser");
    const placed = (await room.request("place", { securityId: 1, side: "buy", price: 95, qty: 2 })) as CommandReply & {
      order: { orderId: number };
    };
    expect(placed.ok).to.equal(true);
    const before = await seq();
    const rest = await apiV1(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 96, qty: 1 });
    expect(rest.status).to.equal(403);
    expect(rest.body.code).to.equal("CHANNEL_NOT_ALLOWED");
    const amend = await apiV1(h, "PATCH", `/orders/1-${placed.order.orderId}`, key, { qty: 1 });
    expect(amend.body.code).to.equal("CHANNEL_NOT_ALLOWED");
    const hook = await apiV1(h, "POST", "/webhooks", bob.token, { name: "tv" });
    const alert = await fetch(`${h.base}${hook.body.url}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ secret: hook.body.secret, ticker: "ACME", action: "buy", qty: 1, price: 97 }),
    });
    expect(alert.status).to.equal(403);
    expect(((await alert.json()) as { code: string }).code).to.equal("CHANNEL_NOT_ALLOWED");
    expect(await seq()).to.equal(before);
    const orders = await apiV1(h, "GET", "/orders?status=open", key);
    expect(orders.body.orders.map((o: any) => [o.price, o.qty])).to.deep.equal([[95, 2]]);
    // pulling orders is always allowed
    const cancel = await apiV1(h, "DELETE", `/orders/1-${placed.order.orderId}`, key);
    expect(cancel.status).to.equal(200);
  });

  it("API only: the room's place and amend are CHANNEL_NOT_ALLOWED and change nothing; REST trades; the room may cancel", async () => {
    const { key, room, seq } = await round("api");
    const placed = await apiV1(h, "POST", "/orders", key, { securityId: 1, side: "sell", price: 110, qty: 3 });
    expect(placed.status).to.equal(201);
    const before = await seq();
    const r = (await room.request("place", { securityId: 1, side: "buy", price: 95, qty: 2 })) as CommandReply;
    expect(r).to.include({ ok: false, code: "CHANNEL_NOT_ALLOWED" });
    const a = (await room.request("amend", {
      securityId: 1,
      orderId: placed.body.order.orderId,
      qty: 1,
    })) as CommandReply;
    expect(a).to.include({ ok: false, code: "CHANNEL_NOT_ALLOWED" });
    expect(await seq()).to.equal(before);
    const c = (await room.request("cancel", { securityId: 1, orderId: placed.body.order.orderId })) as CommandReply;
    expect(c.ok).to.equal(true);
  });

  it("an unknown rule value is INVALID_BODY and makes no game", async () => {
    const r = await api(h, "POST", "/api/games", {
      gameId: "tc-bad-rule",
      name: "x",
      securities: [{ securityId: 1, symbol: "ACME" }],
      rules: { trading: "telegraph" },
    });
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal("INVALID_BODY");
    expect((await api(h, "GET", "/api/games/tc-bad-rule")).status).to.equal(404);
  });

  it("orders that arrive while the rule is read share that one read, and all get its answer", async () => {
    const game = await createGame(h, { rules: { trading: "api" } } as never);
    let reads = 0;
    // the real store on the test's Valkey, counting its reads of game records
    class CountingStore extends GameStore {
      override get(gameId: string) {
        reads++;
        return super.get(gameId);
      }
    }
    const store = new CountingStore(h.valkey);
    const answers = await Promise.all(Array.from({ length: 50 }, () => channelRefusal(store, game.gameId, "browser")));
    expect(reads).to.equal(1);
    for (const a of answers) expect(a).to.include({ ok: false, code: "CHANNEL_NOT_ALLOWED" });
    expect(await channelRefusal(store, game.gameId, "api")).to.equal(null);
    expect(reads).to.equal(1); // remembered now
  });
});
