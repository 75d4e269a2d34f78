/**
 * Room placement across server processes (server/src/cluster/membership.ts `place`, node.ts):
 * - on a private Valkey: games placed at the same moment spread over the live processes at once (the
 *   heartbeat's room counts lag by a beat); a game's placement is the same for every asker until its
 *   lease is taken, then its holder; the lease is refused to any other live process meanwhile; a dead
 *   process is never chosen, and a game placed on one is placed again;
 * - with three real processes: games whose first joins arrive at once, through different processes,
 *   spread over the three; concurrent first joins of one new game through the three processes (REST
 *   joins and Colyseus' joinOrCreate) all land in the one room of the game.
 */
import { expect } from "chai";
import { Redis } from "iovalkey";
import { Client, type Room } from "@colyseus/sdk";
import type { ClientGameState } from "@marketroom/shared";
import { HEARTBEAT_TTL_MS, Membership, PLACED } from "../../src/cluster/membership.ts";
import { startValkeyChild, type ValkeyChild } from "../support/valkey-child.ts";
import { clusterGame, connectVia, joinAt, startCluster, until, type ClusterUnderTest } from "../support/cluster.ts";

const count = (ids: (string | null)[]) => {
  const n = new Map<string, number>();
  for (const id of ids) n.set(String(id), (n.get(String(id)) ?? 0) + 1);
  return n;
};

describe("cluster placement: membership on a private Valkey", function () {
  this.timeout(60_000);
  let server: ValkeyChild;
  let valkey: Redis;
  before(async () => {
    server = await startValkeyChild({ appendonly: false });
    valkey = new Redis(server.url);
  });
  after(async () => {
    valkey?.disconnect();
    await server?.stop();
  });

  it("spreads games placed at once, answers the same until the lease is taken, never a dead process", async () => {
    const m = new Membership(valkey);
    // every process last beat with 0 rooms: only leases and placements tell them apart
    for (const p of ["p1", "p2", "p3"]) await m.beat(p, 0);
    const games = Array.from({ length: 9 }, (_, i) => `g${i}`);
    const placed = await Promise.all(games.map((g) => m.place(g)));
    expect([...count(placed).values()]).to.deep.equal([3, 3, 3]);
    // asked again, by anyone: the same process, also after others have been placed
    expect(await m.place("g10")).to.be.oneOf(["p1", "p2", "p3"]);
    expect(await Promise.all(games.map((g) => m.place(g)))).to.deep.equal(placed);
    // the lease goes to the placed process only, while it is alive
    const other = ["p1", "p2", "p3"].find((p) => p !== placed[0])!;
    expect(await m.claimRoom("g0", other)).to.equal(placed[0]);
    expect(await m.claimRoom("g0", placed[0]!)).to.equal(placed[0]);
    expect(await valkey.hexists(PLACED, "g0")).to.equal(0); // claimed: no longer pending
    expect(await m.place("g0")).to.equal(placed[0]); // its holder
    // p4 has no room but its heartbeat is older than the TTL: it is dead, never chosen
    const now = Number((await valkey.time())[0]) * 1000;
    await valkey.hset("{cluster}:procs", "p4", String(now - HEARTBEAT_TTL_MS - 1000));
    expect(await Promise.all(["h1", "h2", "h3", "h4"].map((g) => m.place(g)))).to.not.include("p4");
    // a game placed on a process that died is placed again among the living, and claimable there
    await valkey.hset(PLACED, "g-dead", `p4:${now + 60_000}`);
    const again = await m.place("g-dead");
    expect(again).to.be.oneOf(["p1", "p2", "p3"]);
    expect(await m.claimRoom("g-dead", again!)).to.equal(again);
    for (const p of ["p1", "p2", "p3", "p4"]) await m.leave(p);
    expect(await m.place("g-none")).to.equal(null);
  });
});

describe("cluster placement: three processes", function () {
  this.timeout(180_000);
  let c: ClusterUnderTest;
  const rooms: Room[] = [];
  before(async () => {
    c = await startCluster(3);
  });
  after(async () => {
    await Promise.all(rooms.map((r) => r.leave().catch(() => {})));
    await c?.stop();
  });

  it("games whose first joins arrive at once through different processes spread over the three", async () => {
    const n = c.servers.length;
    const games = await Promise.all(Array.from({ length: 2 * n }, (_, i) => clusterGame(c.servers[i % n]!.base)));
    // the first join of each game creates its room, all at once, each through another process
    await Promise.all(games.map((g, i) => joinAt(c.servers[(i + 1) % n]!.base, g.joinCode, "first")));
    const owners = await Promise.all(games.map((g) => c.owner(g.gameId)));
    const perProcess = c.servers.map((s) => owners.filter((o) => o === s).length);
    expect(perProcess, `games per process ${JSON.stringify(perProcess)}`).to.not.include(0);
  });

  it("concurrent first joins of one new game through the three processes land in one room", async () => {
    const epochOf = (g: string) => c.valkey.hget(`game:{${g}}:owner`, "epoch");
    // REST joins through every process at once: each creates or finds the game's room
    const game = await clusterGame(c.servers[0]!.base);
    await Promise.all([0, 1, 2, 0, 1, 2].map((s, i) => joinAt(c.servers[s]!.base, game.joinCode, `p${i}`)));
    const owner = await c.owner(game.gameId);
    const epoch = await epochOf(game.gameId);
    // WebSocket joins (Colyseus' joinOrCreate; observers need no token, so nothing made the room before)
    // through every process at once
    const ws = await clusterGame(c.servers[1]!.base);
    const watchers = await Promise.all(
      [0, 1, 2, 0, 1, 2].map(async (s) => {
        const room = await new Client(c.servers[s]!.base).joinOrCreate<ClientGameState>("game", {
          gameId: ws.gameId,
          observer: true,
        });
        rooms.push(room);
        return room;
      }),
    );
    expect(watchers.map((r) => r.roomId)).to.deep.equal(Array(6).fill(ws.gameId));
    const wsEpoch = await epochOf(ws.gameId);
    // one room: a player who joins later, through yet another door, is seen connected by every watcher
    const player = await joinAt(c.servers[2]!.base, ws.joinCode, "late");
    rooms.push(await connectVia(c.servers[0]!.base, ws.gameId, player.token));
    for (const [i, w] of watchers.entries())
      await until(
        async () => w.state.players?.get(player.playerId)?.connected === true,
        `watcher ${i} sees the player`,
      );
    // each game was claimed once and stays where it was placed
    expect(await c.owner(game.gameId)).to.equal(owner);
    expect(await epochOf(game.gameId)).to.equal(epoch);
    expect(await epochOf(ws.gameId)).to.equal(wsEpoch);
  });
});
