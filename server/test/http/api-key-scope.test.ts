/**
 * Scoped API keys (docs/algo-trading.md, "API keys"): a key with `expiresAt` works until then, after which
 * REST answers UNAUTHORIZED and its open stream closes (4401 "API key expired"); a session key follows the
 * session's current round; a key made for one round of a session stays with that round; bad scopes are
 * INVALID_BODY and make no key. Real server, Valkey, PostgreSQL.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import type { JoinReply } from "@marketroom/shared";
import { api, createGame, gameId, harness, join, type Harness } from "../support/harness.ts";

async function newKey(h: Harness, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${h.base}/api/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

async function get(h: Harness, path: string, key: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${h.base}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: await r.json() };
}

const roundBody = (name: string) => ({
  gameId: gameId("ks"),
  name,
  securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
  endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 10 }] },
});

describe("scoped API keys", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("a key with expiresAt works until then; after it REST is UNAUTHORIZED and its stream closes with 4401", async () => {
    const game = await createGame(h);
    const bob = await join(h, game.joinCode, "bob");
    const expiresAt = Date.now() + 3000;
    const made = await newKey(h, bob.token, { name: "short", expiresAt });
    expect(made.status).to.equal(201);
    expect(made.body).to.include({ expiresAt, scope: "round", gameId: game.gameId });
    expect((await get(h, "/game", made.body.key)).status).to.equal(200);
    const ws = new WebSocket(`${h.base.replace("http", "ws")}/api/v1/stream`, {
      headers: { authorization: `Bearer ${made.body.key}` },
    });
    const closed = new Promise<{ code: number; reason: string }>((ok) =>
      ws.once("close", (code, reason) => ok({ code, reason: reason.toString() })),
    );
    await new Promise((ok, fail) => {
      ws.once("open", ok);
      ws.once("error", fail);
    });
    const c = await closed;
    expect(c).to.deep.equal({ code: 4401, reason: "API key expired" });
    expect(Date.now()).to.be.at.least(expiresAt);
    const after = await get(h, "/game", made.body.key);
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal("UNAUTHORIZED");
    // listed with its expiry
    const list = await fetch(`${h.base}/api/v1/keys`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(((await list.json()) as any).keys[0]).to.include({ keyId: made.body.keyId, expiresAt });
  });

  it("refuses an expiry in the past or more than a year ahead, and a gameId outside the caller's session (INVALID_BODY, no key made)", async () => {
    const game = await createGame(h);
    const bob = await join(h, game.joinCode, "bob");
    for (const body of [
      { expiresAt: Date.now() - 1 },
      { expiresAt: Date.now() + 400 * 24 * 3600_000 },
      { gameId: "some-other-game" },
    ]) {
      const r = await newKey(h, bob.token, body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.code).to.equal("INVALID_BODY");
    }
    const list = await fetch(`${h.base}/api/v1/keys`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(((await list.json()) as any).keys).to.deep.equal([]);
  });

  it("a session key follows the session's current round; a key for one round of the session stays with it", async () => {
    const s = await api(h, "POST", "/api/sessions", { name: "algo class" });
    const sid = s.body.sessionId as string;
    const r1 = await api(h, "POST", `/api/sessions/${sid}/rounds`, roundBody("round 1"));
    const g1 = r1.body.gameId as string;
    const alice = (await api(h, "POST", "/api/join", { code: s.body.joinCode, name: "alice" }, null)).body as JoinReply;

    const sessionKey = await newKey(h, alice.sessionToken!, { name: "all rounds" });
    expect(sessionKey.status).to.equal(201);
    expect(sessionKey.body).to.include({ scope: "session", gameId: `session:${sid}`, playerId: alice.playerId });
    const roundKey = await newKey(h, alice.sessionToken!, { name: "round 1 only", gameId: g1 });
    expect(roundKey.body).to.include({ scope: "round", gameId: g1 });
    const stranger = await newKey(h, alice.sessionToken!, { gameId: gameId("nope") });
    expect(stranger.status).to.equal(400);

    expect((await get(h, "/game", sessionKey.body.key)).body.gameId).to.equal(g1);
    const r2 = await api(h, "POST", `/api/sessions/${sid}/rounds`, roundBody("round 2"));
    const g2 = r2.body.gameId as string;
    expect((await get(h, "/game", sessionKey.body.key)).body.gameId).to.equal(g2);
    expect((await get(h, "/game", roundKey.body.key)).body.gameId).to.equal(g1);
    const acct = await get(h, "/account", sessionKey.body.key);
    expect(acct.status).to.equal(200);
    expect(acct.body.cash).to.equal(100_000);
  });
});
