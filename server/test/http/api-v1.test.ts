/**
 * The REST API for programs (/api/v1): an API key's orders trade against a browser-less room client,
 * idempotent retries, every rejection path (its code, and nothing changed), key revocation, per-key rate
 * limits with their headers, and the OpenAPI document. Real server, Valkey and PostgreSQL.
 */
import { request as httpRequest } from "node:http";
import { expect } from "chai";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;

/** A request with an API key (or another bearer); also returns the headers. */
async function call(
  h: Harness,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${h.base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** A running game; alice trades in the room, bob through an API key. */
async function setup(h: Harness) {
  const game = await createGame(h);
  await api(h, "POST", `/api/games/${game.gameId}/start`);
  const alice = await join(h, game.joinCode, "alice");
  const bob = await join(h, game.joinCode, "bob");
  const room = await connect(h, game.gameId, alice.token);
  const made = await call(h, "POST", "/keys", bob.token, { name: "bot" });
  expect(made.status, JSON.stringify(made.body)).to.equal(201);
  return { game, alice, bob, room, key: made.body.key as string, keyId: made.body.keyId as string };
}

/** What a rejected request must leave alone: the player's account and open orders. */
async function stateOf(h: Harness, key: string) {
  const account = (await call(h, "GET", "/account", key)).body;
  const orders = (await call(h, "GET", "/orders", key)).body;
  return { cash: account.cash, cashLocked: account.cashLocked, holdings: account.holdings, orders: orders.orders };
}

describe("REST API /api/v1", function () {
  this.timeout(60_000);
  let h: Harness;
  const rooms: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("an order placed with a key trades against a room player; both see the fill", async () => {
    const { alice, bob, room, key } = await setup(h);
    rooms.push(room);
    const sell = (await room.request("place", { securityId: 1, side: "sell", price: 100, qty: 10 })) as CommandReply;
    expect(sell.ok).to.equal(true);
    const book = await call(h, "GET", "/book/1?depth=5", key);
    expect(book.status).to.equal(200);
    expect(book.body.asks).to.deep.equal([{ price: 100, qty: 10, orders: 1 }]);

    const buy = await call(h, "POST", "/orders", key, {
      securityId: 1,
      side: "buy",
      price: 100,
      qty: 4,
      clientOrderId: "c-1",
    });
    expect(buy.status, JSON.stringify(buy.body)).to.equal(201);
    expect(buy.body.order).to.include({ status: "filled", filledQty: 4 });
    expect(buy.body.duplicate).to.equal(false);
    expect(buy.body.fills).to.have.length(1);
    expect(buy.body.fills[0]).to.include({ role: "taker", side: "buy", price: 100, qty: 4 });

    const pa = () => room.state.players.get(alice.playerId)!;
    await waitFor(() => pa().fills.length === 1, "alice's fill in the room");
    expect(pa().fills[0]).to.include({ role: "maker", side: "sell", qty: 4, price: 100 });

    const fills = await call(h, "GET", "/fills", key);
    expect(fills.status).to.equal(200);
    expect(fills.body.fills).to.have.length(1);
    expect(fills.body.fills[0]).to.include({ role: "taker", qty: 4, price: 100, securityId: 1 });
    const account = await call(h, "GET", "/account", key);
    expect(account.body).to.include({ playerId: bob.playerId, cash: 100_000 - 400 });
    expect(account.body.holdings[0]).to.include({ securityId: 1, qty: 104 });
    const trades = await call(h, "GET", "/trades/1", key);
    expect(trades.body.trades).to.have.length(1);
    expect(trades.body.trades[0]).to.include({ price: 100, qty: 4, aggressor: "buy" });
    const candles = await call(h, "GET", "/candles/1?interval=1m", key);
    expect(candles.body.candles, JSON.stringify(candles.body)).to.have.length(1);
    expect(candles.body.candles[0]).to.include({ open: 100, high: 100, low: 100, close: 100, volume: 4, trades: 1 });

    const history = await call(h, "GET", "/orders?status=history", key);
    expect(history.body.orders).to.have.length(1);
    expect(history.body.orders[0]).to.include({
      id: buy.body.id,
      status: "filled",
      filledQty: 4,
      clientOrderId: "c-1",
    });
    const one = await call(h, "GET", `/orders/${buy.body.id}`, key);
    expect(one.status, JSON.stringify(one.body)).to.equal(200);
    expect(one.body).to.include({ id: buy.body.id, status: "filled" });
    const game = await call(h, "GET", "/game", key);
    expect(game.body).to.include({ phase: "running" });
    const secs = await call(h, "GET", "/securities", key);
    expect(secs.body.securities[0]).to.include({ securityId: 1, symbol: "ACME" });
  });

  it("a retried POST with the same clientOrderId returns the first result and changes nothing", async () => {
    const { room, key } = await setup(h);
    rooms.push(room);
    const body = { securityId: 1, side: "buy", price: 90, qty: 3, clientOrderId: "retry-me" };
    const first = await call(h, "POST", "/orders", key, body);
    expect(first.status).to.equal(201);
    const before = await stateOf(h, key);
    const again = await call(h, "POST", "/orders", key, body);
    expect(again.status).to.equal(201);
    expect(again.body.duplicate).to.equal(true);
    expect(again.body.id).to.equal(first.body.id);
    expect(again.body.order.orderId).to.equal(first.body.order.orderId);
    expect(await stateOf(h, key)).to.deep.equal(before);
    expect(before.orders).to.have.length(1);
  });

  it("REST and room orders of one player interleave in one sequence", async () => {
    const { bob, game, key } = await setup(h);
    const room = await connect(h, game.gameId, bob.token);
    rooms.push(room);
    const seqs: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const viaRoom = (await room.request("place", {
        securityId: 1,
        side: "buy",
        price: 80 + i,
        qty: 1,
        clientOrderId: `room-${i}`,
      })) as CommandReply & { order?: { orderId: number } };
      expect(viaRoom.ok).to.equal(true);
      if (viaRoom.ok) {
        seqs.push(viaRoom.seq);
        ids.push(`1-${viaRoom.order!.orderId}`);
      }
      const viaRest = await call(h, "POST", "/orders", key, {
        securityId: 1,
        side: "buy",
        price: 70 + i,
        qty: 1,
        clientOrderId: `rest-${i}`,
      });
      seqs.push(viaRest.body.seq);
      ids.push(viaRest.body.id);
    }
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).to.equal(seqs.length);
    // One account: the REST list holds the room's orders too, and a room clientOrderId is a duplicate over REST.
    expect((await call(h, "GET", "/orders", key)).body.orders.map((o: { id: string }) => o.id).sort()).to.deep.equal(
      [...ids].sort(),
    );
    const dup = await call(h, "POST", "/orders", key, {
      securityId: 1,
      side: "buy",
      price: 80,
      qty: 1,
      clientOrderId: "room-0",
    });
    expect(dup.body).to.include({ duplicate: true, id: ids[0] });
    const hist = await call(h, "GET", "/orders?status=history&limit=3", key);
    expect(hist.body.orders.map((o: { id: string }) => o.id)).to.deep.equal(ids.slice(-3).reverse());
    const page2 = await call(h, "GET", `/orders?status=history&limit=10&before=${hist.body.nextBefore}`, key);
    expect(page2.body.orders.map((o: { id: string }) => o.id)).to.deep.equal(ids.slice(0, -3).reverse());
    expect(page2.body.nextBefore).to.equal(null);
  });

  it("open orders: list, amend, cancel one, cancel all", async () => {
    const { room, key } = await setup(h);
    rooms.push(room);
    const a = (await call(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 90, qty: 5 })).body;
    const b = (await call(h, "POST", "/orders", key, { securityId: 1, side: "sell", price: 120, qty: 2 })).body;
    const c = (await call(h, "POST", "/orders", key, { securityId: 1, side: "sell", price: 121, qty: 2 })).body;
    const open = await call(h, "GET", "/orders?status=open&side=sell", key);
    expect(open.body.orders.map((o: { id: string }) => o.id)).to.deep.equal([b.id, c.id]);
    const amended = await call(h, "PATCH", `/orders/${a.id}`, key, { qty: 3 });
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    expect(amended.body.amended).to.include({ qty: 3, priorityKept: true });
    const cancel = await call(h, "DELETE", `/orders/${b.id}`, key);
    expect(cancel.status).to.equal(200);
    expect(cancel.body.cancelled).to.include({ id: b.id, qty: 2 });
    const all = await call(h, "DELETE", "/orders?securityId=1", key);
    expect(all.status).to.equal(200);
    expect(all.body.cancelled.map((x: { id: string }) => x.id).sort()).to.deep.equal([a.id, c.id].sort());
    expect((await call(h, "GET", "/orders", key)).body.orders).to.deep.equal([]);
  });

  it("every rejection answers its code and status and changes nothing", async () => {
    const { alice, room, key } = await setup(h);
    rooms.push(room);
    const theirs = (await room.request("place", {
      securityId: 1,
      side: "sell",
      price: 150,
      qty: 1,
    })) as CommandReply & { order?: { orderId: number } };
    expect(theirs.ok).to.equal(true);
    const mine = (await call(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 80, qty: 1 })).body;
    const before = await stateOf(h, key);
    const cases: [string, string, unknown, number, string][] = [
      ["POST", "/orders", { securityId: 1, side: "buy", qty: 1, price: 0 }, 400, "INVALID_BODY"],
      ["POST", "/orders", { securityId: 1, side: "up", qty: 1, price: 10 }, 400, "INVALID_BODY"],
      ["POST", "/orders", "{not json", 400, "INVALID_BODY"],
      ["POST", "/orders", { securityId: 9, side: "buy", qty: 1, price: 10 }, 404, "UNKNOWN_SECURITY"],
      ["POST", "/orders", { securityId: 1, side: "buy", qty: 100_000, price: 1000 }, 422, "INSUFFICIENT_FUNDS"],
      ["POST", "/orders", { securityId: 1, side: "sell", qty: 1000, price: 100 }, 422, "INSUFFICIENT_HOLDINGS"],
      [
        "POST",
        "/orders",
        { securityId: 1, side: "buy", qty: 1, price: 150, postOnly: true },
        422,
        "POST_ONLY_WOULD_TAKE",
      ],
      ["POST", "/orders", { securityId: 1, side: "buy", qty: 5, price: 150, tif: "FOK" }, 422, "FOK_UNFILLABLE"],
      ["GET", "/orders?status=nope", undefined, 400, "INVALID_QUERY"],
      ["GET", "/orders?limit=0", undefined, 400, "INVALID_QUERY"],
      ["GET", "/orders/abc", undefined, 404, "NOT_FOUND"],
      ["GET", "/orders/1-999999", undefined, 404, "UNKNOWN_ORDER"],
      ["GET", `/orders/1-${theirs.order!.orderId}`, undefined, 403, "NOT_OWNER"],
      ["DELETE", "/orders/1-999999", undefined, 404, "UNKNOWN_ORDER"],
      ["DELETE", `/orders/1-${theirs.order!.orderId}`, undefined, 403, "NOT_OWNER"],
      ["DELETE", "/orders?securityId=9", undefined, 404, "UNKNOWN_SECURITY"],
      ["PATCH", `/orders/${mine.id}`, { qty: 0 }, 400, "INVALID_BODY"],
      ["PATCH", `/orders/1-${theirs.order!.orderId}`, { qty: 1 }, 403, "NOT_OWNER"],
      ["GET", "/book/9", undefined, 404, "UNKNOWN_SECURITY"],
      ["GET", "/book/1?depth=1000", undefined, 400, "INVALID_QUERY"],
      ["GET", "/trades/9", undefined, 404, "UNKNOWN_SECURITY"],
      ["GET", "/candles/1?interval=7m", undefined, 400, "INVALID_QUERY"],
      ["GET", "/nothing-here", undefined, 404, "NOT_FOUND"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(h, method, path, key, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(r.body)}`).to.equal(status);
      expect(r.body.code, `${method} ${path}`).to.equal(code);
      expect(r.body.message).to.be.a("string");
    }
    expect(await stateOf(h, key)).to.deep.equal(before);
    // Alice's order is still there.
    await waitFor(() => room.state.players.get(alice.playerId)!.orders.size === 1, "alice's order untouched");

    // Paused market: MARKET_CLOSED for orders, cancels still work.
    const { gameId } = (await call(h, "GET", "/game", key)).body;
    await api(h, "POST", `/api/games/${gameId}/pause`);
    const closed = await call(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 80, qty: 1 });
    expect(closed.status).to.equal(409);
    expect(closed.body.code).to.equal("MARKET_CLOSED");
    expect((await call(h, "DELETE", `/orders/${mine.id}`, key)).status).to.equal(200);
  });

  it("keys: no key, a bad key, a player token and a revoked key are 401; another player's key sees only its own player", async () => {
    const { bob, alice, room, key, keyId } = await setup(h);
    rooms.push(room);
    for (const bad of [null, "nope", "mrk_" + "x".repeat(43), bob.token]) {
      const r = await call(h, "GET", "/account", bad);
      expect(r.status, String(bad)).to.equal(401);
      expect(r.body.code).to.equal("UNAUTHORIZED");
    }
    const aliceKey = (await call(h, "POST", "/keys", alice.token, {})).body.key as string;
    expect((await call(h, "GET", "/account", aliceKey)).body.playerId).to.equal(alice.playerId);
    expect((await call(h, "GET", "/account", key)).body.playerId).to.equal(bob.playerId);

    const listed = await call(h, "GET", "/keys", bob.token);
    expect(listed.body.keys.map((k: { keyId: string }) => k.keyId)).to.deep.equal([keyId]);
    expect(JSON.stringify(listed.body)).not.to.include(key);
    // Alice cannot revoke bob's key.
    expect((await call(h, "DELETE", `/keys/${keyId}`, alice.token)).status).to.equal(404);
    const revoked = await call(h, "DELETE", `/keys/${keyId}`, bob.token);
    expect(revoked.status).to.equal(200);
    expect(revoked.body.revokedAt).to.be.a("number");
    const after = await call(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 80, qty: 1 });
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal("UNAUTHORIZED");

    // The admin makes, lists (with usage) and revokes keys of any player; a player token may not.
    const gameId = (await call(h, "GET", "/game", aliceKey)).body.gameId;
    const made = await call(h, "POST", `/admin/games/${gameId}/players/${bob.playerId}/keys`, h.admin, {
      name: "by admin",
    });
    expect(made.status).to.equal(201);
    expect(made.body).to.include({ playerId: bob.playerId, createdBy: "admin" });
    expect((await call(h, "GET", "/account", made.body.key)).body.playerId).to.equal(bob.playerId);
    const all = await call(h, "GET", `/admin/games/${gameId}/keys`, h.admin);
    expect(all.body.keys).to.have.length(3);
    expect(all.body.keys.find((k: { keyId: string }) => k.keyId === made.body.keyId).usage.requests).to.equal(1);
    expect((await call(h, "GET", `/admin/games/${gameId}/keys`, bob.token)).status).to.equal(403);
    expect((await call(h, "DELETE", `/admin/games/${gameId}/keys/${made.body.keyId}`, h.admin)).status).to.equal(200);
    expect((await call(h, "GET", "/account", made.body.key)).status).to.equal(401);
    expect((await call(h, "POST", `/admin/games/${gameId}/players/nobody/keys`, h.admin, {})).body.code).to.equal(
      "UNKNOWN_PLAYER",
    );
  });

  it("a key over its rate limit gets 429 with Retry-After and RateLimit headers", async () => {
    const { bob, room } = await setup(h);
    rooms.push(room);
    const made = await call(h, "POST", "/keys", bob.token, { rateLimit: { requests: 3, windowMs: 60_000 } });
    expect(made.status).to.equal(201);
    const key = made.body.key as string;
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push(await call(h, "GET", "/account", key));
    expect(ok.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    expect(ok.map((r) => r.headers.get("ratelimit-remaining"))).to.deep.equal(["2", "1", "0"]);
    expect(ok[0]!.headers.get("ratelimit-limit")).to.equal("3");
    expect(ok.map((r) => r.headers.get("ratelimit-policy"))).to.deep.equal(["3;w=60", "3;w=60", "3;w=60"]);
    const over = await call(h, "POST", "/orders", key, { securityId: 1, side: "buy", price: 80, qty: 1 });
    expect(over.status).to.equal(429);
    expect(over.body.code).to.equal("RATE_LIMITED");
    expect(over.body.retryAfterMs).to.be.above(0);
    expect(Number(over.headers.get("retry-after"))).to.be.within(1, 60);
    expect(over.headers.get("ratelimit-remaining")).to.equal("0");
    expect(Number(over.headers.get("ratelimit-reset"))).to.be.within(1, 60);
    // Nothing was placed: another key of the same player sees no order.
    const other = (await call(h, "POST", "/keys", bob.token, {})).body.key as string;
    expect((await call(h, "GET", "/orders", other)).body.orders).to.deep.equal([]);
    // A key may not ask for more than the server allows.
    const greedy = await call(h, "POST", "/keys", bob.token, { rateLimit: { requests: 100_000, windowMs: 100 } });
    expect(greedy.status).to.equal(400);
    expect(greedy.body.code).to.equal("INVALID_BODY");
  });

  it("writes the fast lane's reply headers in the order setHeader gave them (names as spelled, then Node's own)", async () => {
    const { bob, room } = await setup(h);
    rooms.push(room);
    const made = await call(h, "POST", "/keys", bob.token, { rateLimit: { requests: 2, windowMs: 60_000 } });
    const key = made.body.key as string;
    // Node's http client keeps the names as written and their order (rawHeaders); fetch does not.
    const raw = (method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; names: string[]; headers: Record<string, string> }>((resolve, reject) => {
        const url = new URL(`${h.base}/api/v1${path}`);
        const req = httpRequest(
          url,
          {
            method,
            headers: { authorization: `Bearer ${key}`, origin: "http://a.example", "content-type": "application/json" },
          },
          (res) => {
            res.resume();
            res.on("end", () => {
              const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
              const headers = Object.fromEntries(names.map((n, i) => [n, res.rawHeaders[2 * i + 1]!]));
              resolve({ status: res.statusCode!, names, headers });
            });
          },
        );
        req.on("error", reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const cors = [
      "Access-Control-Allow-Headers",
      "Access-Control-Allow-Methods",
      "Access-Control-Allow-Credentials",
      "Access-Control-Allow-Origin",
      "Access-Control-Max-Age",
    ];
    const limits = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"];
    const node = ["Date", "Connection", "Keep-Alive"];
    const placed = await raw("POST", "/orders", { securityId: 1, side: "buy", price: 80, qty: 1 });
    expect(placed.status).to.equal(201);
    expect(placed.names).to.deep.equal([...cors, ...limits, "Content-Type", "Content-Length", ...node]);
    expect(placed.headers["Access-Control-Allow-Origin"]).to.equal("http://a.example");
    expect(placed.headers["Content-Type"]).to.equal("application/json; charset=utf-8");
    expect(placed.headers["RateLimit-Remaining"]).to.equal("1");
    const unknown = await raw("DELETE", "/orders/1-999999");
    expect(unknown.status).to.equal(404);
    expect(unknown.names).to.deep.equal([...cors, ...limits, "Content-Type", "Content-Length", ...node]);
    const over = await raw("GET", "/account");
    expect(over.status).to.equal(429);
    expect(over.names).to.deep.equal([...cors, ...limits, "Retry-After", "Content-Type", "Content-Length", ...node]);
    expect(Number(over.headers["Retry-After"])).to.be.within(1, 60);
  });

  it("answers with the CORS headers Colyseus gives every response, the request's own origin echoed", async () => {
    const { key, room } = await setup(h);
    rooms.push(room);
    const cors = (headers: Headers) =>
      Object.fromEntries([...headers].filter(([name]) => name.startsWith("access-control-")));
    const get = async (path: string, origin?: string) =>
      fetch(`${h.base}/api/v1${path}`, {
        headers: { authorization: `Bearer ${key}`, ...(origin ? { origin } : {}) },
      });
    // /account is answered by the fast lane; a malformed escape in the path goes on to Colyseus and Express.
    const viaExpress = await get("/orders/%E0%A4%A", "http://a.example");
    expect(viaExpress.status).to.be.within(400, 404);
    const expressCors = cors(viaExpress.headers);
    expect(expressCors["access-control-allow-origin"]).to.equal("http://a.example");
    for (const origin of ["http://a.example", "http://b.example", "http://a.example"]) {
      const r = await get("/account", origin);
      expect(r.status).to.equal(200);
      expect(cors(r.headers)).to.deep.equal({ ...expressCors, "access-control-allow-origin": origin });
    }
    expect((await get("/account")).headers.get("access-control-allow-origin")).to.equal("*");
  });

  it("serves a valid OpenAPI 3.1 document listing every route", async () => {
    const r = await call(h, "GET", "/openapi.json", null);
    expect(r.status).to.equal(200);
    expect(r.body.openapi).to.equal("3.1.0");
    await SwaggerParser.validate(structuredClone(r.body));
    const listed = Object.entries(r.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(listed).to.deep.equal(
      [
        "DELETE /api/v1/admin/games/{id}/keys/{keyId}",
        "DELETE /api/v1/keys/{keyId}",
        "DELETE /api/v1/orders",
        "DELETE /api/v1/orders/{id}",
        "GET /api/v1/account",
        "GET /api/v1/admin/games/{id}/keys",
        "GET /api/v1/book/{security}",
        "GET /api/v1/candles/{security}",
        "GET /api/v1/fills",
        "GET /api/v1/game",
        "GET /api/v1/keys",
        "GET /api/v1/openapi.json",
        "GET /api/v1/orders",
        "GET /api/v1/orders/{id}",
        "GET /api/v1/securities",
        "GET /api/v1/trades/{security}",
        "PATCH /api/v1/orders/{id}",
        "POST /api/v1/admin/games/{id}/players/{pid}/keys",
        "POST /api/v1/keys",
        "POST /api/v1/orders",
        "DELETE /api/v1/webhooks/{hookId}",
        "GET /api/v1/webhooks",
        "POST /api/v1/hooks/{hookId}",
        "POST /api/v1/webhooks",
        "POST /api/v1/outbound-webhooks",
        "GET /api/v1/outbound-webhooks",
        "DELETE /api/v1/outbound-webhooks/{hookId}",
        "GET /api/v1/outbound-webhooks/{hookId}/deliveries",
        "POST /api/v1/admin/games/{id}/outbound-webhooks",
        "GET /api/v1/admin/games/{id}/outbound-webhooks",
        "DELETE /api/v1/admin/games/{id}/outbound-webhooks/{hookId}",
        "GET /api/v1/admin/games/{id}/outbound-webhooks/{hookId}/deliveries",
        "GET /api/v1/admin/games/{id}/usage",
        "POST /api/v1/stops",
        "DELETE /api/v1/stops/{id}",
        "POST /api/v1/positions/{security}/exits",
        "GET /api/v1/margin",
        "POST /api/v1/admin/games/{id}/securities/{security}/reference",
      ].sort(),
    );
    expect(r.body.components.schemas).to.have.property("PlaceOrderBody");
  });
});
