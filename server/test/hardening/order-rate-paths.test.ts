/**
 * The per-player order rate limit (issue 13, "Protect the server"; GameRules.orderRateLimit, docs/api.md
 * "Order rate limit") counts a player's places, amends and cancels from every path together: two room
 * connections of the same player and the REST API (an API key). Over the limit each path answers
 * RATE_LIMITED with retryAfterMs (REST: 429 and Retry-After) and nothing changes (the log gains no
 * event of that player); cancel-all still works; another player of the round is unaffected. Under the
 * limit (the default, 50 a second) a mix of orders, amends and cancels all go through.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

async function rest(h: Harness, method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${h.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const orderId = (r: CommandReply) => (r.ok && "order" in r ? r.order!.orderId : 0);

describe("order rate limit across a player's connections and the REST API", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("six entries from two connections and REST fill the window; the 7th by any path is RATE_LIMITED and changes nothing", async () => {
    // a long window, so that a busy machine cannot open a new one during the test
    const game = await createGame(h, { rules: { orderRateLimit: { orders: 6, windowMs: 30_000 } } });
    const g = game.gameId;
    await api(h, "POST", `/api/games/${g}/start`);
    const alice = await join(h, game.joinCode, "alice");
    const bob = await join(h, game.joinCode, "bob");
    const [a1, a2, rb] = await Promise.all([
      connect(h, g, alice.token),
      connect(h, g, alice.token),
      connect(h, g, bob.token),
    ]);
    open.push(a1, a2, rb);
    const made = await rest(h, "POST", "/keys", alice.token, { name: "algo" });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const key = made.body.key as string;

    // 6 entries: 2 places on connection 1, a place and an amend on connection 2, a place and a cancel by REST
    const o1 = await req(a1, "place", { securityId: 1, side: "buy", price: 80, qty: 5 });
    const o2 = await req(a1, "place", { securityId: 1, side: "buy", price: 81, qty: 5 });
    const o3 = await req(a2, "place", { securityId: 1, side: "buy", price: 82, qty: 5 });
    for (const o of [o1, o2, o3]) expect(o, JSON.stringify(o)).to.include({ ok: true });
    expect(await req(a2, "amend", { securityId: 1, orderId: orderId(o3), qty: 4 })).to.include({ ok: true });
    const o4 = await rest(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 83, qty: 5 });
    expect(o4.status, JSON.stringify(o4.body)).to.equal(201);
    expect((await rest(h, "DELETE", `/orders/1-${orderId(o1)}`, key)).status).to.equal(200);

    const before = await gameLog(h, g);
    const mine = (await rest(h, "GET", "/orders", key)).body;
    // the 7th: a place, an amend and a cancel on either connection, a place and a cancel by REST
    for (const [room, type, body] of [
      [a1, "place", { securityId: 1, side: "buy", price: 84, qty: 1 }],
      [a2, "place", { securityId: 1, side: "buy", price: 84, qty: 1 }],
      [a2, "amend", { securityId: 1, orderId: orderId(o2), qty: 1 }],
      [a1, "cancel", { securityId: 1, orderId: orderId(o2) }],
    ] as const) {
      const r = await req(room, type, body);
      expect(r, type).to.include({ ok: false, code: "RATE_LIMITED" });
      expect((r as { retryAfterMs?: number }).retryAfterMs, type).to.be.within(1, 30_000);
    }
    const rp = await rest(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 84, qty: 1 });
    expect(rp.status).to.equal(429);
    expect(rp.body.code).to.equal("RATE_LIMITED");
    expect(rp.body.retryAfterMs).to.be.within(1, 30_000);
    expect(Number(rp.headers.get("retry-after"))).to.be.within(1, 30);
    const rc = await rest(h, "DELETE", `/orders/1-${orderId(o2)}`, key);
    expect([rc.status, rc.body.code]).to.deep.equal([429, "RATE_LIMITED"]);

    // another player has a window of their own
    const ob = await req(rb, "place", { securityId: 1, side: "sell", price: 120, qty: 1 });
    expect(ob).to.include({ ok: true });
    // nothing of alice's changed: her orders, and the log holds only bob's events since
    expect((await rest(h, "GET", "/orders", key)).body).to.deep.equal(mine);
    const since = (await gameLog(h, g)).slice(before.length);
    expect(since.length).to.be.greaterThan(0);
    for (const e of since) expect(JSON.stringify(e)).to.not.contain(alice.playerId);

    // cancel-all still pulls every order
    const all = await req(a1, "cancel-all", {});
    expect(all).to.include({ ok: true });
    expect((await rest(h, "GET", "/orders", key)).body.orders).to.deep.equal([]);
    await api(h, "POST", `/api/games/${g}/end`);
  });

  it("under the default limit a mix of places, amends and cancels from a connection and REST all go through", async () => {
    const game = await createGame(h);
    expect(game.rules.orderRateLimit).to.deep.equal({ orders: 50, windowMs: 1000 });
    const g = game.gameId;
    await api(h, "POST", `/api/games/${g}/start`);
    const alice = await join(h, game.joinCode, "alice");
    const ra = await connect(h, g, alice.token);
    open.push(ra);
    const key = (await rest(h, "POST", "/keys", alice.token, { name: "algo" })).body.key as string;
    // 5 places, 5 amends, 5 cancels (15 entries, well under 50 in any second)
    const placed = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => req(ra, "place", { securityId: 1, side: "buy", price: 70 + i, qty: 3 })),
    );
    for (const p of placed) expect(p).to.include({ ok: true });
    const amended = await Promise.all(
      placed.map((p) => req(ra, "amend", { securityId: 1, orderId: orderId(p), qty: 2 })),
    );
    for (const r of amended) expect(r).to.include({ ok: true });
    for (const p of placed) expect((await rest(h, "DELETE", `/orders/1-${orderId(p)}`, key)).status).to.equal(200);
    expect((await rest(h, "GET", "/orders", key)).body.orders).to.deep.equal([]);
    const log = await gameLog(h, g);
    expect(log.filter((e) => e.type === "order_cancelled" && e.playerId === alice.playerId)).to.have.length(5);
    await api(h, "POST", `/api/games/${g}/end`);
  });
});
