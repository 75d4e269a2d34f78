/**
 * Three server processes, one system (PRESENCE=redis, issue 17): players of one game connected through
 * different processes trade with each other in the one room of the game, and REST requests sent to a
 * process that does not run the game are executed by the one that does (the game's writer does not
 * move: its ownership epoch stays the same).
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply } from "@marketroom/shared";
import { call } from "../support/server-process.ts";
import { clusterGame, connectVia, joinAt, startCluster, until, type ClusterUnderTest } from "../support/cluster.ts";

async function epoch(c: ClusterUnderTest, gameId: string): Promise<string | null> {
  return c.valkey.hget(`game:{${gameId}}:owner`, "epoch");
}

describe("cluster: three processes on one Valkey", function () {
  this.timeout(120_000);
  let c: ClusterUnderTest;
  const rooms: Room[] = [];
  before(async () => {
    c = await startCluster(3);
  });
  after(async () => {
    await Promise.all(rooms.map((r) => r.leave().catch(() => {})));
    await c?.stop();
  });

  it("players of one game connected through different processes trade with each other", async () => {
    const [s0, s1, s2] = c.servers as [(typeof c.servers)[0], (typeof c.servers)[0], (typeof c.servers)[0]];
    const game = await clusterGame(s0.base);
    const alice = await joinAt(s1.base, game.joinCode, "alice");
    const bob = await joinAt(s2.base, game.joinCode, "bob");
    const started = await call(s1.base, "POST", `/api/games/${game.gameId}/start`);
    expect(started.status, JSON.stringify(started.body)).to.equal(200);
    const a = await connectVia(s0.base, game.gameId, alice.token);
    const b = await connectVia(s2.base, game.gameId, bob.token);
    rooms.push(a, b);
    expect(a.roomId).to.equal(game.gameId);
    expect(b.roomId).to.equal(game.gameId);
    const sell = (await a.request("place", { securityId: 1, side: "sell", price: 101, qty: 5 })) as CommandReply;
    expect(sell.ok, JSON.stringify(sell)).to.equal(true);
    const buy = (await b.request("place", { securityId: 1, side: "buy", price: 101, qty: 5 })) as CommandReply;
    expect(buy.ok, JSON.stringify(buy)).to.equal(true);
    expect(buy.ok && buy.fills?.reduce((q, f) => q + f.qty, 0)).to.equal(5);
    // The maker sees its fill through its own connection (another process than the taker's).
    await until(async () => (a.state.players.get(alice.playerId)?.fills.length ?? 0) > 0, "alice's fill");
    const owner = await c.owner(game.gameId);
    expect(c.servers).to.include(owner);
  });

  it("a REST order sent to a process that does not run the game is executed by the one that does", async () => {
    const [s0] = c.servers as [(typeof c.servers)[0]];
    const game = await clusterGame(s0.base);
    const alice = await joinAt(s0.base, game.joinCode, "alice");
    const bob = await joinAt(s0.base, game.joinCode, "bob");
    expect((await call(s0.base, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const a = await connectVia(s0.base, game.gameId, alice.token);
    rooms.push(a);
    const owner = await c.owner(game.gameId);
    const before = await epoch(c, game.gameId);
    const others = c.servers.filter((s) => s !== owner);
    expect(others).to.have.length(2);
    const resting = (await a.request("place", { securityId: 1, side: "buy", price: 99, qty: 3 })) as CommandReply;
    expect(resting.ok, JSON.stringify(resting)).to.equal(true);
    const key = await call(others[0]!.base, "POST", "/api/v1/keys", { name: "cluster" }, bob.token);
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    const sent = await call(
      others[1]!.base,
      "POST",
      "/api/v1/orders",
      { securityId: 1, side: "sell", price: 99, qty: 3, clientOrderId: "rest-1" },
      key.body.key,
    );
    expect(sent.status, JSON.stringify(sent.body)).to.be.oneOf([200, 201]);
    expect(JSON.stringify(sent.body)).to.match(/"fills":\[\{/);
    await until(async () => (a.state.players.get(alice.playerId)?.fills.length ?? 0) > 0, "alice's fill");
    // Same writer, same epoch: the non-owners routed the calls instead of claiming the game.
    expect(await epoch(c, game.gameId)).to.equal(before);
    expect(await c.owner(game.gameId)).to.equal(owner);
    // An admin read through a non-owner is answered from the owner's live game too.
    const board = await call(others[0]!.base, "GET", `/api/games/${game.gameId}/leaderboard`);
    expect(board.status, JSON.stringify(board.body)).to.equal(200);
    expect(await epoch(c, game.gameId)).to.equal(before);
  });
});
