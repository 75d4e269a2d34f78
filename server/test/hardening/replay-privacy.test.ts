/**
 * Replay privacy (docs/replay.md, "Who sees what"), as a matrix: every replay route asked by each role
 * (the admin, the player, another player of the game, no token, a player of another game). Alice and
 * Bob trade through the room with clientOrderIds; Alice's group gets a private signal. A player must
 * see public market events and their own, other players' orders and fills without identity, no other
 * endowment, and a signal only if they received it; the admin sees everything.
 */
import { expect } from "chai";
import type { CommandReply, JoinReply } from "@marketroom/shared";
import { api, connect, createGame, harness, join, type Harness } from "../support/harness.ts";

type Role = "admin" | "alice" | "bob" | "none" | "other";
const ROLES: Role[] = ["admin", "alice", "bob", "none", "other"];

describe("hardening: replay privacy, every route by every role", function () {
  this.timeout(60_000);
  let h: Harness;
  let gameId: string;
  let alice: JoinReply;
  let bob: JoinReply;
  let other: JoinReply;
  const rooms: { leave(): Promise<unknown> }[] = [];
  const SECRET = {
    aliceCoid: "alice-secret-coid",
    bobCoid: "bob-secret-coid",
    bobRest: "bob-rest-coid",
    signal: "alice-only: ACME settles at 130",
  };

  const token = (r: Role) =>
    ({ admin: h.admin, alice: alice.token, bob: bob.token, none: null, other: other.token })[r];
  const get = (path: string, r: Role) => api(h, "GET", `/api/games/${gameId}/replay${path}`, undefined, token(r));

  before(async () => {
    h = await harness();
    const g = await createGame(h, { groups: ["insiders", "outsiders"] });
    gameId = g.gameId;
    alice = await join(h, g.joinCode, "alice"); // insiders
    bob = await join(h, g.joinCode, "bob"); // outsiders
    other = await join(h, (await createGame(h)).joinCode, "carol");
    expect((await api(h, "POST", `/api/games/${gameId}/start`)).status).to.equal(200);
    const ra = await connect(h, gameId, alice.token);
    const rb = await connect(h, gameId, bob.token);
    rooms.push(ra, rb);
    const ok = async (p: Promise<unknown>) => {
      const r = (await p) as CommandReply;
      expect(r, JSON.stringify(r)).to.include({ ok: true });
      return r;
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
    await ok(rb.request("place", { securityId: 1, side: "sell", price: 105, qty: 1, clientOrderId: SECRET.bobRest }));
    const sig = await api(h, "POST", `/api/games/${gameId}/signals`, {
      group: "insiders",
      text: SECRET.signal,
      securityId: 1,
      value: 130,
    });
    expect(sig.status).to.equal(201);
    await h.persister.drain(gameId, sig.body.signal.seq);
  });
  after(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });

  const routes = () => [
    { name: "summary", path: "" },
    { name: "events", path: "/events?limit=10000" },
    { name: "book", path: "/book/1" },
    { name: "inventories", path: "/inventories" },
    { name: "alice's timeline", path: `/players/${alice.playerId}/timeline`, owner: "alice" as Role },
    { name: "bob's timeline", path: `/players/${bob.playerId}/timeline`, owner: "bob" as Role },
    { name: "prices", path: "/prices/1?bucketEvents=1" },
  ];

  /** What each role must get: 401 without a token, 403 with another game's, 403 for another player's timeline. */
  function expectedStatus(role: Role, owner?: Role): number {
    if (role === "none") return 401;
    if (role === "other") return 403;
    if (owner && role !== "admin" && role !== owner) return 403;
    return 200;
  }

  it("each route answers each role with the right status and code, and leaks no other player's secret", async () => {
    for (const route of routes()) {
      for (const role of ROLES) {
        const r = await get(route.path, role);
        const what = `${route.name} as ${role}`;
        expect(r.status, what).to.equal(expectedStatus(role, route.owner));
        if (r.status !== 200) {
          expect(r.body.code, what).to.equal(r.status === 401 ? "UNAUTHORIZED" : "FORBIDDEN");
          continue;
        }
        const text = JSON.stringify(r.body);
        if (role === "bob") for (const s of [SECRET.aliceCoid, SECRET.signal]) expect(text, what).to.not.include(s);
        if (role === "alice") for (const s of [SECRET.bobCoid, SECRET.bobRest]) expect(text, what).to.not.include(s);
      }
    }
  });

  it("the admin sees every event in full: clientOrderIds, player ids of fills, endowments and the signal's recipients", async () => {
    const events = (await get("/events?limit=10000", "admin")).body.events as any[];
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    const text = JSON.stringify(events);
    for (const s of Object.values(SECRET)) expect(text).to.include(s);
    expect(events.find((e) => e.type === "signal")).to.deep.include({ playerIds: [alice.playerId] });
    expect(events.find((e) => e.type === "fill")).to.include({
      makerPlayerId: alice.playerId,
      takerPlayerId: bob.playerId,
    });
    expect(events.filter((e) => e.type === "player_added").every((e) => typeof e.cash === "number")).to.equal(true);
    const book = (await get("/book/1", "admin")).body;
    expect(book.orders.bids[0]).to.include({ playerId: alice.playerId, clientOrderId: SECRET.aliceCoid });
    const inv = (await get("/inventories", "admin")).body.inventories.map((i: any) => i.playerId).sort();
    expect(inv).to.deep.equal([alice.playerId, bob.playerId].sort());
  });

  for (const [me, them] of [
    ["alice", "bob"],
    ["bob", "alice"],
  ] as const) {
    it(`${me} sees public events and her or his own; ${them}'s without identity or endowment`, async () => {
      const ids = { alice: alice.playerId, bob: bob.playerId };
      const mine = ids[me];
      const theirs = ids[them];
      const all = (await get("/events?limit=10000", "admin")).body.events as any[];
      const seen = (await get("/events?limit=10000", me)).body.events as any[];
      // Every event but another group's signal, in order.
      const hidden = all.filter((e) => e.type === "signal" && !e.playerIds.includes(mine)).map((e) => e.seq);
      expect(seen.map((e) => e.seq)).to.deep.equal(all.map((e) => e.seq).filter((s) => !hidden.includes(s)));
      for (const e of seen) {
        const ref = all.find((a) => a.seq === e.seq);
        const names = [e.playerId, e.makerPlayerId, e.takerPlayerId, ...(e.playerIds ?? [])].filter(
          (x) => x !== undefined,
        );
        if (e.type === "player_added") {
          expect(e.playerId).to.equal(ref.playerId);
          if (e.playerId === mine) expect(e).to.deep.equal(ref);
          else expect(e).to.deep.equal({ seq: e.seq, ts: e.ts, type: e.type, playerId: ref.playerId, name: ref.name });
          continue;
        }
        for (const n of names) expect(n, `${e.type} ${e.seq}`).to.equal(mine);
        if (e.type === "order_accepted" && ref.playerId === theirs)
          expect(e).to.not.have.any.keys("playerId", "clientOrderId");
        if (e.type === "order_accepted" && ref.playerId === mine) expect(e).to.deep.equal(ref);
        if (e.type === "signal") expect(e).to.deep.equal({ ...ref, playerIds: [mine] });
        if (e.type === "admin_action") expect(e).to.have.all.keys("seq", "ts", "type", "action");
      }
      expect(seen.filter((e) => e.type === "fill")).to.have.length(1);
      expect(seen.some((e) => e.type === "signal")).to.equal(me === "alice");

      const book = (await get("/book/1", me)).body;
      for (const o of [...book.orders.bids, ...book.orders.asks]) {
        if (o.playerId === undefined) expect(o).to.not.have.property("clientOrderId");
        else expect(o.playerId).to.equal(mine);
      }
      expect(book.orders.bids.length + book.orders.asks.length).to.equal(2); // alice's bid and bob's ask, one of them anonymous
      const inv = (await get("/inventories", me)).body.inventories;
      expect(inv.map((i: any) => i.playerId)).to.deep.equal([mine]);
      const asked = await get(`/inventories?playerId=${theirs}`, me);
      expect(asked.status).to.equal(403);
      expect(asked.body.code).to.equal("FORBIDDEN");
    });
  }

  it("malformed player ids are NOT_FOUND in the path and INVALID_QUERY in the query", async () => {
    const path = await get("/players/bad%20id/timeline", "admin");
    expect([path.status, path.body.code]).to.deep.equal([404, "NOT_FOUND"]);
    const query = await get("/inventories?playerId=bad%00id", "admin");
    expect([query.status, query.body.code]).to.deep.equal([400, "INVALID_QUERY"]);
  });
});
