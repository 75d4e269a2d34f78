/**
 * Outbound webhooks: a player's URL receives that player's fills and the round's phase changes, an
 * admin's URL every fill of the round; each delivery is signed per Standard Webhooks (HMAC-SHA256; a
 * tampered body fails verification), carries a webhook-id that stays the same when a failed delivery is
 * retried (with backoff), and goes out until the receiver answers 2xx (at least once). A revoked hook
 * gets nothing more; private URLs need OUTBOUND_WEBHOOK_ALLOW_PRIVATE=1. Receivers are local HTTP
 * servers on 127.0.0.1. Real server, Valkey, PostgreSQL.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Webhook } from "standardwebhooks";
import type { CommandReply } from "@marketroom/shared";
import { api, apiV1, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

interface Received {
  headers: Record<string, string>;
  body: string;
  answered: number;
}

/** A receiver on 127.0.0.1 that answers `fail` errors first (500, then a dropped connection, ...), then 200. */
async function receiver(fail = 0): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const bad = failures < fail;
      if (bad) failures++;
      const answered = bad ? (failures % 2 === 1 ? 500 : 0) : 200;
      got.push({ headers: req.headers as Record<string, string>, body, answered });
      if (answered === 0) req.socket.destroy();
      else res.writeHead(answered).end("ok");
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise((ok) => server.close(() => ok())) };
}

describe("outbound webhooks", function () {
  this.timeout(60_000);
  let h: Harness;
  const closers: (() => Promise<unknown>)[] = [];
  before(async () => {
    h = await harness();
    process.env.OUTBOUND_WEBHOOK_ALLOW_PRIVATE = "1";
  });
  after(() => {
    delete process.env.OUTBOUND_WEBHOOK_ALLOW_PRIVATE;
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
  });

  async function round() {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await join(h, game.joinCode, "alice");
    const bob = await join(h, game.joinCode, "bob");
    const carol = await join(h, game.joinCode, "carol");
    const room = await connect(h, game.gameId, alice.token);
    closers.push(() => room.leave());
    return { game, alice, bob, carol, room };
  }

  it("a player's hook gets the player's fills and the phase changes, signed; failed deliveries are retried with the same webhook-id until answered 2xx", async () => {
    const { game, bob, carol, room } = await round();
    const rx = await receiver(2); // a 500, then a dropped connection, then 200s
    closers.push(rx.close);
    const made = await apiV1(h, "POST", "/outbound-webhooks", bob.token, { url: rx.url });
    expect(made.status).to.equal(201);
    expect(made.body).to.include({ url: rx.url, playerId: bob.playerId, createdBy: "player" });
    expect(made.body.secret).to.match(/^whsec_/);
    expect(made.body.events).to.deep.equal(["fill", "phase"]);

    expect(
      ((await room.request("place", { securityId: 1, side: "sell", price: 100, qty: 5 })) as CommandReply).ok,
    ).to.equal(true);
    const bobKey = (await apiV1(h, "POST", "/keys", bob.token, {})).body.key;
    const buy = await apiV1(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price: 100, qty: 2 });
    expect(buy.status).to.equal(201);
    const carolKey = (await apiV1(h, "POST", "/keys", carol.token, {})).body.key;
    expect(
      (await apiV1(h, "POST", "/orders", carolKey, { securityId: 1, side: "buy", price: 100, qty: 1 })).status,
    ).to.equal(201); // not bob's
    await api(h, "POST", `/api/games/${game.gameId}/pause`);

    const ok = () => rx.got.filter((r) => r.answered === 200);
    await waitFor(() => ok().length >= 2, "the fill and the phase change delivered");
    const wh = new Webhook(made.body.secret);
    const bodies = ok().map((r) => wh.verify(r.body, r.headers) as any);
    expect(bodies.map((b) => b.type).sort()).to.deep.equal(["fill", "phase"]);
    const fill = bodies.find((b) => b.type === "fill");
    expect(fill).to.include({ gameId: game.gameId, seq: buy.body.fills[0].seq });
    expect(fill.fill).to.include({ side: "buy", role: "taker", price: 100, qty: 2, id: buy.body.id });
    expect(fill.id).to.equal(ok().find((r) => JSON.parse(r.body).type === "fill")!.headers["webhook-id"]);
    expect(bodies.find((b) => b.type === "phase")).to.include({ from: "running", to: "paused" });
    // the failed attempts were the same deliveries: same ids as later succeeded
    const failed = rx.got.filter((r) => r.answered !== 200).map((r) => r.headers["webhook-id"]);
    expect(failed).to.have.length(2);
    for (const id of failed) expect(ok().map((r) => r.headers["webhook-id"])).to.include(id);
    // a tampered body does not verify
    const first = ok()[0]!;
    expect(() => wh.verify(first.body.replace(/"seq":\d+/, '"seq":1'), first.headers)).to.throw();
    // carol's own fill never went to bob's hook
    expect(ok().length).to.equal(2);
    // the receiver answers before the deliverer records the answer: wait for the record
    const until = Date.now() + 20_000;
    let list = await apiV1(h, "GET", `/outbound-webhooks/${made.body.hookId}/deliveries`, bob.token);
    while (!list.body.deliveries.every((d: any) => d.status === "delivered") && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      list = await apiV1(h, "GET", `/outbound-webhooks/${made.body.hookId}/deliveries`, bob.token);
    }
    expect(list.body.deliveries.map((d: any) => d.status)).to.deep.equal(["delivered", "delivered"]);
    expect(list.body.deliveries.map((d: any) => d.attempts).reduce((a: number, b: number) => a + b, 0)).to.equal(4);
  });

  it("an admin's hook gets every fill of the round with both players; a revoked hook gets nothing more", async () => {
    const { game, alice, bob, room } = await round();
    const [adminRx, bobRx] = [await receiver(), await receiver()];
    closers.push(adminRx.close, bobRx.close);
    const adminHook = await api(h, "POST", `/api/v1/admin/games/${game.gameId}/outbound-webhooks`, {
      url: adminRx.url,
      events: ["fill"],
    });
    expect(adminHook.status).to.equal(201);
    expect(adminHook.body.playerId).to.equal(null);
    const bobHook = await apiV1(h, "POST", "/outbound-webhooks", bob.token, { url: bobRx.url, events: ["fill"] });
    expect((await apiV1(h, "DELETE", `/outbound-webhooks/${bobHook.body.hookId}`, bob.token)).body.revokedAt).to.be.a(
      "number",
    );

    await room.request("place", { securityId: 1, side: "sell", price: 101, qty: 1 });
    const bobKey = (await apiV1(h, "POST", "/keys", bob.token, {})).body.key;
    const buy = await apiV1(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price: 101, qty: 1 });
    await waitFor(() => adminRx.got.length >= 1, "the admin's delivery");
    const body = new Webhook(adminHook.body.secret).verify(adminRx.got[0]!.body, adminRx.got[0]!.headers) as any;
    expect(body.trade).to.include({
      price: 101,
      qty: 1,
      aggressor: "buy",
      makerPlayerId: alice.playerId,
      takerPlayerId: bob.playerId,
    });
    expect(body.seq).to.equal(buy.body.fills[0].seq);
    const bobs = await apiV1(h, "GET", `/outbound-webhooks/${bobHook.body.hookId}/deliveries`, bob.token);
    expect(bobs.body.deliveries).to.deep.equal([]);
    expect(bobRx.got).to.deep.equal([]);
    const all = await api(h, "GET", `/api/v1/admin/games/${game.gameId}/outbound-webhooks`);
    expect(all.body.webhooks.map((w: any) => w.hookId).sort()).to.deep.equal(
      [adminHook.body.hookId, bobHook.body.hookId].sort(),
    );
  });

  it("refuses a bad URL, unknown events and (unless allowed) private addresses with INVALID_BODY, making no hook", async () => {
    const { bob } = await round();
    const bad = [
      { url: "ftp://example.com/x" },
      { url: "not a url" },
      { url: "http://u:p@example.com/" },
      { url: "http://example.com/", events: ["orders"] },
    ];
    for (const body of bad) {
      const r = await apiV1(h, "POST", "/outbound-webhooks", bob.token, body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.code).to.equal("INVALID_BODY");
    }
    delete process.env.OUTBOUND_WEBHOOK_ALLOW_PRIVATE;
    try {
      for (const url of [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://[::1]/x",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
      ]) {
        const r = await apiV1(h, "POST", "/outbound-webhooks", bob.token, { url });
        expect(r.body.code, url).to.equal("INVALID_BODY");
      }
    } finally {
      process.env.OUTBOUND_WEBHOOK_ALLOW_PRIVATE = "1";
    }
    expect((await apiV1(h, "GET", "/outbound-webhooks", bob.token)).body.webhooks).to.deep.equal([]);
  });
});
