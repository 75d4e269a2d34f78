/**
 * Shared replay links (docs/replay.md "Shared replay links"): the admin makes a link for an ended round;
 * its viewer token opens that round's replay routes with the viewer's privacy (the market, not the people)
 * and nothing else: another game's replay, an expired or tampered token get 401 UNAUTHORIZED; no write
 * route, no room and no account route accepts it. Alice and Bob trade through the room with clientOrderIds
 * and Alice's group gets a private signal, so each secret has a value to look for.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import type { CommandReply, JoinReply } from "@marketroom/shared";
import { ViewerTokens, VIEWER_AUDIENCE } from "../../src/http/replay-links.ts";
import { loadConfig } from "../../src/config.ts";
import { api, connect, createGame, harness, type Harness } from "../support/harness.ts";
import { join } from "../support/harness.ts";

describe("replay links: a shareable read-only replay of one round", function () {
  this.timeout(60_000);
  let h: Harness;
  let gameId: string;
  let otherGameId: string;
  let alice: JoinReply;
  let bob: JoinReply;
  let link: { token: string; path: string; url: string; expiresAt: number; gameId: string };
  const SECRET = {
    aliceCoid: "alice-coid-share",
    bobCoid: "bob-coid-share",
    signal: "insiders only: ACME worth 140",
    alice: "alice-share",
    bob: "bob-share",
  };

  const as = (token: string | null, path: string, id = gameId) =>
    api(h, "GET", `/api/games/${id}/replay${path}`, undefined, token);

  before(async () => {
    h = await harness();
    const g = await createGame(h, { groups: ["insiders", "outsiders"] });
    gameId = g.gameId;
    alice = await join(h, g.joinCode, SECRET.alice);
    bob = await join(h, g.joinCode, SECRET.bob);
    expect((await api(h, "POST", `/api/games/${gameId}/start`)).status).to.equal(200);
    const ra = await connect(h, gameId, alice.token);
    const rb = await connect(h, gameId, bob.token);
    const ok = async (p: Promise<unknown>) => {
      const r = (await p) as CommandReply;
      expect(r, JSON.stringify(r)).to.include({ ok: true });
    };
    await ok(ra.request("place", { securityId: 1, side: "buy", price: 99, qty: 5, clientOrderId: SECRET.aliceCoid }));
    await ok(
      rb.request("place", {
        securityId: 1,
        side: "sell",
        type: "market",
        tif: "IOC",
        qty: 2,
        clientOrderId: SECRET.bobCoid,
      }),
    );
    expect(
      (await api(h, "POST", `/api/games/${gameId}/signals`, { group: "insiders", text: SECRET.signal })).status,
    ).to.equal(201);
    await Promise.all([ra.leave(), rb.leave()]);
    const end = await api(h, "POST", `/api/games/${gameId}/end`);
    expect(end.status).to.equal(200);
    await h.persister.drain(gameId, end.body.seq);
    const other = await createGame(h);
    otherGameId = other.gameId;
    await api(h, "POST", `/api/games/${otherGameId}/start`);
    const oe = await api(h, "POST", `/api/games/${otherGameId}/end`);
    await h.persister.drain(otherGameId, oe.body.seq);
    const r = await api(h, "POST", `/api/games/${gameId}/replay-links`, {});
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    link = r.body;
  });

  it("the admin gets a link to #/replay/<id>?view=<token> that expires in 30 days by default", () => {
    expect(link.gameId).to.equal(gameId);
    expect(link.path).to.equal(`/#/replay/${gameId}?view=${link.token}`);
    expect(link.url).to.equal(`${h.base}${link.path}`);
    const days = (link.expiresAt - Date.now()) / 86_400_000;
    expect(days).to.be.within(29.99, 30.01);
  });

  it("only the admin makes links, only for an ended round, with a lifetime from 60 s to 365 days", async () => {
    expect((await api(h, "POST", `/api/games/${gameId}/replay-links`, {}, alice.token)).status).to.equal(403);
    expect((await api(h, "POST", `/api/games/${gameId}/replay-links`, {}, null)).status).to.equal(401);
    expect((await api(h, "POST", `/api/games/${gameId}/replay-links`, {}, link.token)).body.code).to.equal(
      "UNAUTHORIZED",
    );
    const live = await createGame(h);
    const r = await api(h, "POST", `/api/games/${live.gameId}/replay-links`, {});
    expect([r.status, r.body.code]).to.deep.equal([409, "INVALID_PHASE_TRANSITION"]);
    for (const ttlSec of [59, 365 * 86_400 + 1, 1.5, "60"]) {
      const bad = await api(h, "POST", `/api/games/${gameId}/replay-links`, { ttlSec });
      expect([bad.status, bad.body.code], String(ttlSec)).to.deep.equal([400, "INVALID_BODY"]);
    }
    const short = await api(h, "POST", `/api/games/${gameId}/replay-links`, { ttlSec: 3600 });
    expect(short.status).to.equal(201);
    expect((short.body.expiresAt - Date.now()) / 1000).to.be.within(3590, 3601);
    expect((await api(h, "POST", `/api/games/no-such-game/replay-links`, {})).body.code).to.equal("UNKNOWN_GAME");
  });

  it("the viewer token opens its round's summary, events, book and prices, without any player's identity or secret", async () => {
    const pages = [
      await as(link.token, ""),
      await as(link.token, "/events?limit=10000"),
      await as(link.token, "/book/1"),
      await as(link.token, "/prices/1?bucketEvents=1"),
    ];
    for (const p of pages) expect(p.status, JSON.stringify(p.body)).to.equal(200);
    const [summary, events] = pages as unknown as [{ body: any }, { body: any }];
    expect(summary.body.players).to.deep.equal([]);
    expect(summary.body.lastSeq).to.be.greaterThan(0);
    const types = new Set((events.body.events as any[]).map((e) => e.type));
    for (const t of ["game_created", "security_added", "player_added", "phase_changed", "order_accepted", "fill"])
      expect(types, t).to.include(t);
    expect(types).not.to.include("signal");
    const fill = (events.body.events as any[]).find((e) => e.type === "fill");
    expect(fill).to.include({ price: 99, qty: 2 });
    const text = JSON.stringify(pages.map((p) => p.body));
    for (const s of [
      SECRET.aliceCoid,
      SECRET.bobCoid,
      SECRET.signal,
      SECRET.alice,
      SECRET.bob,
      alice.playerId,
      bob.playerId,
    ])
      expect(text, s).not.to.include(s);
    // field names: a round's mode "cash" (game_created) is no secret
    expect(text).not.to.match(/"cash":|"holdings":|"makerPlayerId":|"takerPlayerId":|"clientOrderId":/);
  });

  it("the viewer token opens no account: inventories and timelines are 403", async () => {
    for (const path of [
      "/inventories",
      `/inventories?playerId=${alice.playerId}`,
      `/players/${alice.playerId}/timeline`,
    ]) {
      const r = await as(link.token, path);
      expect([r.status, r.body.code], path).to.deep.equal([403, "FORBIDDEN"]);
    }
  });

  it("the viewer token is 401 UNAUTHORIZED for another game, when expired and when tampered with", async () => {
    const other = await as(link.token, "", otherGameId);
    expect([other.status, other.body.code]).to.deep.equal([401, "UNAUTHORIZED"]);
    expect(other.body.message).to.match(/another game/);

    const viewers = ViewerTokens.fromConfig(loadConfig({}));
    const now = Math.floor(Date.now() / 1000);
    expect((await as(await viewers.sign(gameId, 3600, now - 60), "")).status, "the same key, not expired").to.equal(
      200,
    );
    const late = await as(await viewers.sign(gameId, 3600, now - 3601), "");
    expect([late.status, late.body.code]).to.deep.equal([401, "UNAUTHORIZED"]);
    expect(late.body.message).to.match(/expired/);

    const [head, payload, sig] = link.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const swapped = `${head}.${Buffer.from(JSON.stringify({ ...claims, gid: otherGameId })).toString("base64url")}.${sig}`;
    const flipped = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    const forged = await new SignJWT({ gid: gameId, role: "viewer" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("marketroom")
      .setAudience(VIEWER_AUDIENCE)
      .setSubject("viewer")
      .setIssuedAt()
      .setExpirationTime("1h")
      .setJti("x")
      .sign(new TextEncoder().encode("x".repeat(40)));
    for (const [what, t, id] of [
      ["swapped game", swapped, otherGameId],
      ["flipped signature", flipped, gameId],
      ["other key", forged, gameId],
    ] as const) {
      const r = await as(t, "", id);
      expect([r.status, r.body.code], what).to.deep.equal([401, "UNAUTHORIZED"]);
      expect(r.body.message, what).to.match(/not valid/);
    }
  });

  it("the viewer token writes nothing: every admin and player write route refuses it and the log is unchanged", async () => {
    const before = (await as(h.admin, "")).body.lastSeq;
    const writes: [string, string, unknown][] = [
      ["POST", `/api/games/${gameId}/start`, {}],
      ["POST", `/api/games/${gameId}/pause`, undefined],
      ["POST", `/api/games/${gameId}/end`, undefined],
      ["POST", `/api/games/${gameId}/news`, { headline: "viewer news" }],
      ["POST", `/api/games/${gameId}/bots`, { kind: "noise" }],
      ["POST", `/api/games/${gameId}/replay-links`, {}],
      ["POST", `/api/games/${gameId}/quiz`, { answers: [0, 0, 0] }],
      [
        "POST",
        "/api/games",
        { name: "viewer game", securities: [{ securityId: 1, symbol: "X" }], endowment: { cash: 1 } },
      ],
      ["GET", `/api/games/${gameId}`, undefined],
      ["GET", `/api/games/${gameId}/leaderboard`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const r = await api(h, method, path, body, link.token);
      expect([r.status, r.body?.code], `${method} ${path}`).to.deep.equal([401, "UNAUTHORIZED"]);
    }
    let joined: unknown;
    try {
      joined = await connect(h, gameId, link.token);
    } catch (err) {
      joined = err;
    }
    expect(String((joined as Error)?.message), "a room join with the viewer token").to.match(/invalid token/);
    expect((await as(h.admin, "")).body.lastSeq).to.equal(before);
  });
});
