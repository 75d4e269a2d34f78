/**
 * Inbound webhooks: a TradingView-style alert with the hook's secret becomes an order of the hook's
 * player; a wrong secret, an unknown or revoked hook are refused and change nothing; a replayed alert
 * (same id) returns the first result; an old timestamp is refused; close flattens the position.
 */
import { expect } from "chai";
import type { CommandReply } from "@marketroom/shared";
import { api, connect, createGame, harness, join, type Harness } from "../support/harness.ts";

async function post(h: Harness, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${h.base}/api/v1${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe("REST API /api/v1: inbound webhooks", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("turns alerts into orders; refuses wrong secrets, replays and stale alerts", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const seller = await join(h, game.joinCode, "seller");
    const sig = await join(h, game.joinCode, "signals");
    const room = await connect(h, game.gameId, seller.token);
    try {
      const ask = (await room.request("place", { securityId: 1, side: "sell", price: 100, qty: 50 })) as CommandReply;
      expect(ask.ok).to.equal(true);
      const made = await post(h, "/webhooks", { name: "tv" }, sig.token);
      expect(made.status).to.equal(201);
      const { hookId, url, secret } = made.body;
      expect(url).to.equal(`/api/v1/hooks/${hookId}`);
      const key = (await post(h, "/keys", {}, sig.token)).body.key as string;
      const position = async () => {
        const r = await fetch(`${h.base}/api/v1/account`, { headers: { authorization: `Bearer ${key}` } });
        return ((await r.json()) as { holdings: { qty: number }[] }).holdings[0]!.qty;
      };

      for (const bad of [{ secret: "wrong" }, {}]) {
        const r = await post(h, `/hooks/${hookId}`, { ...bad, ticker: "ACME", action: "buy", qty: 1 });
        expect(r.status).to.equal(401);
        expect(r.body.code).to.equal("UNAUTHORIZED");
      }
      expect(
        (await post(h, "/hooks/wh_0000000000000000", { secret, ticker: "ACME", action: "buy", qty: 1 })).status,
      ).to.equal(401);
      const stale = await post(h, `/hooks/${hookId}`, {
        secret,
        ticker: "ACME",
        action: "buy",
        qty: 1,
        timestamp: Date.now() - 3_600_000,
      });
      expect(stale.body.code).to.equal("INVALID_BODY");
      expect((await post(h, `/hooks/${hookId}`, { secret, ticker: "NOPE", action: "buy", qty: 1 })).body.code).to.equal(
        "UNKNOWN_SECURITY",
      );
      expect(await position()).to.equal(100);

      const alert = { secret, ticker: "acme", action: "buy", qty: 3, id: "alert-1", timestamp: Date.now() };
      const first = await post(h, `/hooks/${hookId}`, alert);
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body.order.order).to.include({
        status: "filled",
        filledQty: 3,
        orderType: "market",
        clientOrderId: "wh-alert-1",
      });
      expect(await position()).to.equal(103);
      const replay = await post(h, `/hooks/${hookId}`, alert);
      expect(replay.status).to.equal(201);
      expect(replay.body.order.duplicate).to.equal(true);
      expect(replay.body.order.id).to.equal(first.body.order.id);
      expect(await position()).to.equal(103);

      // The secret may come in a header instead; close sells the whole position (103 lots) at market.
      const bid = (await room.request("place", { securityId: 1, side: "buy", price: 99, qty: 200 })) as CommandReply;
      expect(bid.ok).to.equal(true);
      const res = await fetch(`${h.base}/api/v1/hooks/${hookId}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-webhook-secret": secret },
        body: JSON.stringify({ ticker: "ACME", action: "close" }),
      });
      expect(res.status).to.equal(201);
      expect(((await res.json()) as any).order.order).to.include({ side: "sell", filledQty: 103 });
      expect(await position()).to.equal(0);
      expect((await post(h, `/hooks/${hookId}`, { secret, ticker: "ACME", action: "close" })).body).to.deep.equal({
        action: "close",
        order: null,
      });

      // Listed without the secret; revoked, it answers 401.
      const list = await fetch(`${h.base}/api/v1/webhooks`, { headers: { authorization: `Bearer ${sig.token}` } });
      const listed = (await list.json()) as { webhooks: { hookId: string }[] };
      expect(listed.webhooks.map((w) => w.hookId)).to.deep.equal([hookId]);
      expect(JSON.stringify(listed)).not.to.include(secret);
      const del = await fetch(`${h.base}/api/v1/webhooks/${hookId}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${sig.token}` },
      });
      expect(del.status).to.equal(200);
      expect((await post(h, `/hooks/${hookId}`, { secret, ticker: "ACME", action: "buy", qty: 1 })).status).to.equal(
        401,
      );
    } finally {
      await room.leave().catch(() => {});
    }
  });
});
