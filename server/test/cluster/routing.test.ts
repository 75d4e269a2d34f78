/**
 * What reaches a process that does not run the game (PRESENCE=redis, three processes; issue 17):
 * - the program stream /api/v1/stream connected there gets the game's book (snapshot from the owner's
 *   live state, then updates), trades and its own executions, while the orders are sent through a third
 *   process; the game's writer stays where it is (same ownership epoch);
 * - a session's join code and its "current round" request received there join the session's round,
 *   which runs on another process, without moving the round's writer.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import type { Room } from "@colyseus/sdk";
import { call, type ServerProcess } from "../support/server-process.ts";
import { clusterGame, connectVia, joinAt, startCluster, until, type ClusterUnderTest } from "../support/cluster.ts";

type Msg = Record<string, any>;

/** A stream connection through `base` recording every message. */
async function stream(base: string, key: string): Promise<{ ws: WebSocket; got: Msg[]; send: (m: unknown) => void }> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const got: Msg[] = [];
  ws.on("message", (d) => got.push(JSON.parse(d.toString()) as Msg));
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  await until(async () => got.some((m) => m.type === "welcome"), "welcome");
  return { ws, got, send: (m) => ws.send(JSON.stringify(m)) };
}

const epoch = (c: ClusterUnderTest, g: string) => c.valkey.hget(`game:{${g}}:owner`, "epoch");

describe("cluster: the program stream and session joins through a process that does not run the game", function () {
  this.timeout(120_000);
  let c: ClusterUnderTest;
  const rooms: Room[] = [];
  before(async () => {
    c = await startCluster(3);
  });
  after(async () => {
    for (const r of rooms) void r.leave(false).catch(() => {});
    await c?.stop();
  });

  it("the stream on a non-owner gets the book, trades and its executions of orders sent through another", async () => {
    const s0 = c.servers[0]!;
    const game = await clusterGame(s0.base);
    const alice = await joinAt(s0.base, game.joinCode, "alice");
    const bob = await joinAt(s0.base, game.joinCode, "bob");
    expect((await call(s0.base, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    rooms.push(await connectVia(s0.base, game.gameId, alice.token)); // the game's room runs somewhere now
    const owner = await c.owner(game.gameId);
    const [watchAt, sendAt] = c.servers.filter((s) => s !== owner) as [ServerProcess, ServerProcess];
    const before = await epoch(c, game.gameId);
    const aliceKey = (await call(sendAt.base, "POST", "/api/v1/keys", { name: "a" }, alice.token)).body.key as string;
    const bobKey = (await call(sendAt.base, "POST", "/api/v1/keys", { name: "b" }, bob.token)).body.key as string;
    const resting = await call(
      sendAt.base,
      "POST",
      "/api/v1/orders",
      { securityId: 1, side: "sell", price: 105, qty: 4, clientOrderId: "ask-1" },
      aliceKey,
    );
    expect(resting.status, JSON.stringify(resting.body)).to.equal(201);

    const s = await stream(watchAt.base, aliceKey);
    for (const channel of ["executions", "trades"]) s.send({ op: "subscribe", channel });
    s.send({ op: "subscribe", channel: "book", securityId: 1, depth: 5 });
    const snapshot = await until(
      async () => s.got.find((m) => m.type === "book" && m.action === "snapshot"),
      "snapshot",
    );
    expect(snapshot.asks).to.deep.equal([{ price: 105, qty: 4, orders: 1 }]);

    const taken = await call(
      sendAt.base,
      "POST",
      "/api/v1/orders",
      { securityId: 1, side: "buy", price: 105, qty: 3, clientOrderId: "bid-1" },
      bobKey,
    );
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    await until(async () => s.got.some((m) => m.type === "trade"), "the trade on the stream");
    expect(s.got.find((m) => m.type === "trade")).to.include({ securityId: 1, price: 105, qty: 3 });
    await until(async () => s.got.some((m) => m.type === "execution"), "alice's execution on the stream");
    const update = await until(
      async () => s.got.find((m) => m.type === "book" && m.action === "update"),
      "the book update on the stream",
    );
    expect(update.asks).to.deep.equal([{ price: 105, qty: 1, orders: 1 }]);
    s.ws.close();
    expect(await epoch(c, game.gameId)).to.equal(before);
    expect(await c.owner(game.gameId)).to.equal(owner);
  });

  it("a session's join code and its current round, received by a non-owner, join the round on its process", async () => {
    const s0 = c.servers[0]!;
    const session = await call(s0.base, "POST", "/api/sessions", { name: "class of 9 am" });
    expect(session.status, JSON.stringify(session.body)).to.equal(201);
    const { sessionId, joinCode } = session.body as { sessionId: string; joinCode: string };
    const round = await call(s0.base, "POST", `/api/sessions/${sessionId}/rounds`, {
      name: "round 1",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 1_000_000, holdings: [{ securityId: 1, qty: 10 }] },
    });
    expect(round.status, JSON.stringify(round.body)).to.equal(201);
    const gameId = round.body.gameId as string;
    // The round's room runs on one process; the joins go to the two others.
    const first = await joinAt(s0.base, round.body.joinCode as string, "first");
    rooms.push(await connectVia(s0.base, gameId, first.token));
    const owner = await c.owner(gameId);
    const before = await epoch(c, gameId);
    const others = c.servers.filter((s) => s !== owner) as [ServerProcess, ServerProcess];

    const joined = await call(others[0].base, "POST", "/api/join", { code: joinCode, name: "ada" }, null);
    expect(joined.status, JSON.stringify(joined.body)).to.equal(201);
    expect(joined.body).to.include({ gameId, sessionId });
    const ada = await connectVia(others[1].base, gameId, joined.body.token as string);
    rooms.push(ada);
    await until(async () => ada.state.players.has(joined.body.playerId as string), "ada in the round's room");

    const current = await call(
      others[1].base,
      "GET",
      `/api/sessions/${sessionId}/current`,
      undefined,
      joined.body.sessionToken,
    );
    expect(current.status, JSON.stringify(current.body)).to.equal(200);
    expect(current.body).to.include({ gameId, playerId: joined.body.playerId });
    expect(await epoch(c, gameId)).to.equal(before);
    expect(await c.owner(gameId)).to.equal(owner);
  });
});
