/**
 * The admin's view of API keys and who may still use one (docs/algo-trading.md, "API keys"): the admin's
 * list of a round's keys shows when each key last made a request and includes the session keys of the
 * round's session (which the admin may revoke through the round); a kicked player's keys are refused at
 * once, on REST and on the stream's upgrade, while another player's keep working. Real server, Valkey,
 * PostgreSQL.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import type { JoinReply } from "@marketroom/shared";
import { api, apiV1, createGame, gameId, harness, join, type Harness } from "../support/harness.ts";

/** The status of the stream's upgrade with `key` (101 when it opens). */
function upgradeStatus(h: Harness, key: string): Promise<number> {
  return new Promise((done) => {
    const ws = new WebSocket(`${h.base.replace("http", "ws")}/api/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
    });
    ws.once("open", () => {
      ws.close();
      done(101);
    });
    ws.once("unexpected-response", (_req, res) => done(res.statusCode ?? 0));
    ws.once("error", () => {});
  });
}

describe("API keys: the admin's list, session keys, kicked players", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("the admin's list shows each key's last request (null before any) and its usage", async () => {
    const game = await createGame(h);
    const bob = await join(h, game.joinCode, "bob");
    const used = (await apiV1(h, "POST", "/keys", bob.token, { name: "used" })).body;
    const idle = (await apiV1(h, "POST", "/keys", bob.token, { name: "idle" })).body;
    const before = Date.now();
    expect((await apiV1(h, "GET", "/account", used.key)).status).to.equal(200);
    const after = Date.now();
    const list = await apiV1(h, "GET", `/admin/games/${game.gameId}/keys`, h.admin);
    expect(list.status).to.equal(200);
    const byId = new Map(list.body.keys.map((k: any) => [k.keyId, k]));
    const u = byId.get(used.keyId) as any;
    expect(u.lastUsedAt).to.be.within(before, after);
    expect(u.usage.requests).to.equal(1);
    expect((byId.get(idle.keyId) as any).lastUsedAt).to.equal(null);
  });

  it("lists the session keys of the round's session; the admin revokes one through the round and it stops working", async () => {
    const s = await api(h, "POST", "/api/sessions", { name: "keys class" });
    const sid = s.body.sessionId as string;
    const round = await api(h, "POST", `/api/sessions/${sid}/rounds`, {
      gameId: gameId("ak"),
      name: "round 1",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 100_000, holdings: [] },
    });
    const g1 = round.body.gameId as string;
    const alice = (await api(h, "POST", "/api/join", { code: s.body.joinCode, name: "alice" }, null)).body as JoinReply;
    const key = (await apiV1(h, "POST", "/keys", alice.sessionToken!, { name: "all rounds" })).body;
    expect((await apiV1(h, "GET", "/game", key.key)).status).to.equal(200);

    const list = await apiV1(h, "GET", `/admin/games/${g1}/keys`, h.admin);
    const listed = list.body.keys.find((k: any) => k.keyId === key.keyId);
    expect(listed).to.include({ scope: "session", playerId: alice.playerId, revokedAt: null });
    expect(listed.lastUsedAt).to.be.a("number");

    const other = await createGame(h);
    expect((await apiV1(h, "DELETE", `/admin/games/${other.gameId}/keys/${key.keyId}`, h.admin)).status).to.equal(404);
    const revoked = await apiV1(h, "DELETE", `/admin/games/${g1}/keys/${key.keyId}`, h.admin);
    expect(revoked.status).to.equal(200);
    expect(revoked.body.revokedAt).to.be.a("number");
    expect((await apiV1(h, "GET", "/game", key.key)).status).to.equal(401);
  });

  it("a kicked player's keys are refused at once on REST and on the stream; other players' keys keep working", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await join(h, game.joinCode, "bob");
    const carol = await join(h, game.joinCode, "carol");
    const bobKey = (await apiV1(h, "POST", "/keys", bob.token, {})).body.key as string;
    const carolKey = (await apiV1(h, "POST", "/keys", carol.token, {})).body.key as string;
    // both keys verified and their players found not kicked (what the server then remembers)
    expect((await apiV1(h, "GET", "/account", bobKey)).status).to.equal(200);
    expect((await apiV1(h, "GET", "/account", carolKey)).status).to.equal(200);
    expect(await upgradeStatus(h, bobKey)).to.equal(101);

    expect((await api(h, "POST", `/api/games/${game.gameId}/players/${bob.playerId}/kick`)).status).to.equal(200);
    const refused = await apiV1(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price: 90, qty: 1 });
    expect(refused.status).to.equal(401);
    expect(refused.body.code).to.equal("UNAUTHORIZED");
    expect(await upgradeStatus(h, bobKey)).to.equal(401);
    expect((await apiV1(h, "GET", "/orders", bobKey)).status).to.equal(401);
    expect((await apiV1(h, "GET", "/account", carolKey)).status).to.equal(200);
    // the refused order is not in the book
    const book = await apiV1(h, "GET", "/book/1?depth=50", carolKey);
    expect(book.body.bids.map((l: { price: number }) => l.price)).to.not.include(90);
  });
});
