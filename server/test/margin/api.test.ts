/**
 * The margin routes of /api/v1 (http/api/margin-routes.ts): stops, OCO, exits on a position, a bracket
 * through POST /orders, the margin account, the admin's reference, their rejections by code, and the
 * OpenAPI document listing them. Real server, Valkey and PostgreSQL.
 */
import { expect } from "chai";
import { api, createGame, harness, join, type Harness } from "../support/harness.ts";

async function call(h: Harness, method: string, path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${h.base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("margin routes of /api/v1", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("stops, exits, brackets, the account and the reference; rejections change nothing", async () => {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", insuranceFund: 500_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 1000, initialMarginBps: 1000 }],
      endowment: { cash: 10_000 },
    });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await join(h, game.joinCode, "alice");
    const bob = await join(h, game.joinCode, "bob");
    const ka = (await call(h, "POST", "/keys", alice.token, {})).body.key as string;
    const kb = (await call(h, "POST", "/keys", bob.token, {})).body.key as string;

    expect(
      (await call(h, "POST", "/orders", ka, { securityId: 1, side: "sell", price: 1000, qty: 50 })).status,
    ).to.equal(201);
    // bob's bracket: buys 50 with a stop-loss at 900 and a take-profit at 1100, armed by the fill
    const entry = await call(h, "POST", "/orders", kb, {
      securityId: 1,
      side: "buy",
      price: 1000,
      qty: 50,
      bracket: { stopLoss: 900, takeProfit: 1100 },
    });
    expect(entry.status, JSON.stringify(entry.body)).to.equal(201);
    let m = await call(h, "GET", "/margin", kb);
    expect(m.status).to.equal(200);
    expect(m.body).to.include({ mode: "margin", equity: 10_000, usedMargin: 5_000, freeMargin: 5_000 });
    expect(m.body.positions[0]).to.include({ qty: 50, entryPrice: 1000, mark: 1000, liquidationPrice: 842 });
    expect(m.body.stops.map((s: { qty: number; stopPrice: number }) => [s.qty, s.stopPrice])).to.have.deep.members([
      [50, 900],
      [50, 1100],
    ]);

    // exits replace the bracket's children
    const ex = await call(h, "POST", "/positions/1/exits", kb, { stopLoss: 880 });
    expect(ex.status, JSON.stringify(ex.body)).to.equal(200);
    expect(ex.body.cancelledStopIds).to.have.length(2);
    expect(ex.body.stopIds).to.have.length(1);
    m = await call(h, "GET", "/margin", kb);
    expect(m.body.stops).to.have.length(1);
    expect(m.body.stops[0]).to.include({ stopPrice: 880, side: "sell", kind: "stop", qty: 50 });

    // alice: an OCO pair, one cancelled by id
    const oco = await call(h, "POST", "/stops", ka, {
      securityId: 1,
      side: "buy",
      qty: 10,
      stopPrice: 1150,
      oco: { stopPrice: 850, kind: "take_profit" },
    });
    expect(oco.status, JSON.stringify(oco.body)).to.equal(201);
    expect(oco.body.stopIds).to.have.length(2);
    const del = await call(h, "DELETE", `/stops/1-${oco.body.stopIds[0]}`, ka);
    expect(del.status).to.equal(200);
    expect((await call(h, "GET", "/margin", ka)).body.stops).to.have.length(1);

    // rejections: nothing changes
    const before = (await call(h, "GET", "/margin", kb)).body;
    expect((await call(h, "POST", "/stops", kb, { securityId: 1, side: "buy", qty: 1 })).body.code).to.equal(
      "INVALID_BODY",
    );
    expect((await call(h, "DELETE", `/stops/1-${oco.body.stopIds[1]}`, kb)).body.code).to.equal("NOT_OWNER");
    expect((await call(h, "DELETE", "/stops/1-999", kb)).body.code).to.equal("UNKNOWN_ORDER");
    expect((await call(h, "DELETE", "/stops/x", kb)).status).to.equal(404);
    const carol = await join(h, game.joinCode, "carol");
    const kc = (await call(h, "POST", "/keys", carol.token, {})).body.key as string;
    const flat = await call(h, "POST", "/positions/1/exits", kc, { stopLoss: 900 });
    expect(flat.status).to.equal(422);
    expect(flat.body.code).to.equal("INSUFFICIENT_HOLDINGS");
    expect((await call(h, "GET", "/margin", kb)).body).to.deep.equal(before);

    // the admin's reference: a player may not; the admin moves it and bob's account follows
    const path = `/admin/games/${game.gameId}/securities/1/reference`;
    expect((await call(h, "POST", path, kb, { price: 950 })).status).to.equal(401);
    expect((await call(h, "POST", path, h.admin, { price: 0 })).body.code).to.equal("INVALID_BODY");
    expect((await call(h, "POST", path, h.admin, { price: 950 })).status).to.equal(200);
    m = await call(h, "GET", "/margin", kb);
    expect(m.body).to.include({ equity: 10_000 - 50 * 50 });
    expect(m.body.positions[0]).to.include({ mark: 950, unrealizedPnl: -2_500 });

    const doc = (await call(h, "GET", "/openapi.json", null)).body;
    for (const p of ["/api/v1/stops", "/api/v1/stops/{id}", "/api/v1/positions/{security}/exits", "/api/v1/margin"])
      expect(doc.paths, p).to.have.property(p);
  });
});
