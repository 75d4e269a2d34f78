/**
 * Sessions through HTTP and real rooms: a session's code joins the player, two rounds keep the player's
 * id and name with a fresh endowment each round, the ended round's room state names the next round, and the
 * results hold both rounds and the overall standing.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, JoinReply, ClientGameState } from "@marketroom/shared";
import { api, connect, gameId, harness, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;
const roundBody = (name: string) => ({
  gameId: gameId("sr"),
  name,
  securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
  endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
});

describe("sessions", function () {
  this.timeout(30_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("two rounds: identity kept, fresh endowment, next round announced, per round and overall results", async () => {
    const s = await api(h, "POST", "/api/sessions", { name: "Tuesday class" });
    expect(s.status).to.equal(201);
    const sid = s.body.sessionId as string;
    expect(s.body.joinCode).to.match(/^[A-Z0-9]{6,8}$/);
    expect(s.body.rounds).to.deep.equal([]);

    // a player who joins before any round waits for one
    const early = (await api(h, "POST", "/api/join", { code: s.body.joinCode.toLowerCase(), name: "carol" }, null))
      .body as JoinReply;
    expect(early).to.include({ sessionId: sid, gameId: "", token: "", phase: "none", name: "carol" });
    const none = await api(h, "GET", `/api/sessions/${sid}/current`, undefined, early.sessionToken);
    expect(none.body).to.include({ gameId: null, round: 0, playerId: early.playerId });

    const r1 = await api(h, "POST", `/api/sessions/${sid}/rounds`, roundBody("round 1"));
    expect(r1.status).to.equal(201);
    expect(r1.body).to.include({ sessionId: sid, round: 1, nextGameId: "" });
    const g1 = r1.body.gameId as string;
    expect(r1.body.playerList.map((p: any) => p.playerId)).to.deep.equal([early.playerId]);

    // alice by the session's code, bob by the round's code: both are session players
    const alice = (await api(h, "POST", "/api/join", { code: s.body.joinCode, name: "alice" }, null)).body as JoinReply;
    expect(alice).to.include({ sessionId: sid, gameId: g1, phase: "lobby" });
    const bob = (await api(h, "POST", "/api/join", { code: r1.body.joinCode, name: "bob" }, null)).body as JoinReply;
    expect(bob).to.include({ sessionId: sid, gameId: g1 });
    expect(bob.sessionToken).to.be.a("string");
    const carol = (await api(h, "GET", `/api/sessions/${sid}/current`, undefined, early.sessionToken)).body;
    expect(carol).to.include({ gameId: g1, round: 1, phase: "lobby" });

    await api(h, "POST", `/api/games/${g1}/start`);
    const ra = await connect(h, g1, alice.token);
    const rb = await connect(h, g1, bob.token);
    open.push(ra, rb);
    expect(ra.state).to.include({ sessionId: sid, round: 1, nextGameId: "" });
    // alice sells 10 at 110 to bob, then bob sells 1 back at 105 (the last price, the mark): alice gains
    expect(await req(ra, "place", { securityId: 1, side: "sell", price: 110, qty: 10 })).to.include({ ok: true });
    expect(await req(rb, "place", { securityId: 1, side: "buy", price: 110, qty: 10 })).to.include({ ok: true });
    expect(await req(rb, "place", { securityId: 1, side: "sell", price: 105, qty: 1 })).to.include({ ok: true });
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 105, qty: 1 })).to.include({ ok: true });
    const end1 = await api(h, "POST", `/api/games/${g1}/end`);
    const pnl1 = new Map<string, number>(end1.body.leaderboard.map((l: any) => [l.playerId, l.pnl]));

    const r2 = await api(h, "POST", `/api/sessions/${sid}/rounds`, roundBody("round 2"));
    expect(r2.status).to.equal(201);
    const g2 = r2.body.gameId as string;
    expect(r2.body.round).to.equal(2);
    const ids = r2.body.playerList.map((p: any) => p.playerId).sort();
    expect(ids).to.deep.equal([alice.playerId, bob.playerId, early.playerId].sort());
    expect(r2.body.playerList.find((p: any) => p.playerId === alice.playerId).name).to.equal("alice");
    await waitFor(() => ra.state.nextGameId === g2, "next round announced in the ended round's room");
    expect(ra.state).to.include({ sessionId: sid, round: 1 });
    expect((await api(h, "GET", `/api/games/${g1}`)).body.nextGameId).to.equal(g2);

    // alice moves on with her round-1 token; the token opens round 2 as the same player
    const cur = (await api(h, "GET", `/api/sessions/${sid}/current`, undefined, alice.token)).body;
    expect(cur).to.include({ gameId: g2, round: 2, playerId: alice.playerId, phase: "lobby" });
    await api(h, "POST", `/api/games/${g2}/start`);
    const ra2 = await connect(h, g2, cur.token);
    open.push(ra2);
    const me = ra2.state.players.get(alice.playerId)!;
    expect(me.name).to.equal("alice");
    expect(me.cash).to.equal(100_000); // fresh endowment
    expect(me.positions.get("1")!.qty).to.equal(100);
    const bob2 = (await api(h, "GET", `/api/sessions/${sid}/current`, undefined, bob.sessionToken)).body;
    const rb2 = await connect(h, g2, bob2.token);
    open.push(rb2);
    // round 2: bob sells 5 at 120 to alice
    expect(await req(rb2, "place", { securityId: 1, side: "sell", price: 120, qty: 5 })).to.include({ ok: true });
    expect(await req(ra2, "place", { securityId: 1, side: "buy", price: 120, qty: 5 })).to.include({ ok: true });
    expect(await req(ra2, "place", { securityId: 1, side: "sell", price: 101, qty: 1 })).to.include({ ok: true });
    expect(await req(rb2, "place", { securityId: 1, side: "buy", price: 101, qty: 1 })).to.include({ ok: true });
    const end2 = await api(h, "POST", `/api/games/${g2}/end`);
    const pnl2 = new Map<string, number>(end2.body.leaderboard.map((l: any) => [l.playerId, l.pnl]));

    const res = await api(h, "GET", `/api/sessions/${sid}/results`);
    expect(res.status).to.equal(200);
    expect(res.body.rounds.map((r: any) => [r.round, r.gameId, r.phase])).to.deep.equal([
      [1, g1, "ended"],
      [2, g2, "ended"],
    ]);
    expect(res.body.rounds[0].leaderboard).to.deep.equal(end1.body.leaderboard);
    const overall = res.body.overall as any[];
    expect(overall).to.have.length(3);
    for (const o of overall) {
      expect(o.pnl).to.equal((pnl1.get(o.playerId) ?? 0) + (pnl2.get(o.playerId) ?? 0));
      expect(o.rounds).to.equal(2);
    }
    // ranked by pnl, highest first, ties by player id
    const sorted = [...overall].sort((a, b) => b.pnl - a.pnl || (a.playerId < b.playerId ? -1 : 1));
    expect(overall.map((o) => o.playerId)).to.deep.equal(sorted.map((o) => o.playerId));
    expect(overall.map((o) => o.rank)).to.deep.equal([1, 2, 3]);
    const alicePnl = overall.find((o) => o.playerId === alice.playerId)!;
    expect(pnl1.get(alice.playerId)).to.be.greaterThan(0);
    expect(alicePnl.roundPnl).to.deep.equal([pnl1.get(alice.playerId), pnl2.get(alice.playerId)]);
  });

  it("refusals: unknown session, a token of another session, a player token on admin routes", async () => {
    const s1 = (await api(h, "POST", "/api/sessions", { name: "one" })).body;
    const s2 = (await api(h, "POST", "/api/sessions", { name: "two" })).body;
    const p = (await api(h, "POST", "/api/join", { code: s1.joinCode, name: "eve" }, null)).body as JoinReply;
    expect((await api(h, "GET", `/api/sessions/${s2.sessionId}/current`, undefined, p.sessionToken)).status).to.equal(
      403,
    );
    expect((await api(h, "GET", `/api/sessions/${s1.sessionId}/current`, undefined, null)).status).to.equal(401);
    expect((await api(h, "GET", `/api/sessions/nope-x/current`, undefined, p.sessionToken)).body.code).to.equal(
      "UNKNOWN_SESSION",
    );
    expect((await api(h, "POST", `/api/sessions/nope-x/rounds`, roundBody("x"))).body.code).to.equal("UNKNOWN_SESSION");
    expect((await api(h, "GET", `/api/sessions/${s1.sessionId}/results`, undefined, p.sessionToken)).status).to.equal(
      403,
    );
    expect((await api(h, "POST", "/api/sessions", { sessionId: s1.sessionId, name: "again" })).body.code).to.equal(
      "SESSION_EXISTS",
    );
    // a session token opens no room
    let refused = false;
    const r1 = (await api(h, "POST", `/api/sessions/${s1.sessionId}/rounds`, roundBody("r"))).body;
    await connect(h, r1.gameId, p.sessionToken).then(
      (r) => r.leave(),
      () => {
        refused = true;
      },
    );
    expect(refused).to.equal(true);
    await api(h, "POST", `/api/games/${r1.gameId}/end`);
  });
});
