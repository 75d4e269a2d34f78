/**
 * The same server on a Valkey Cluster (issue 17; docs/deploy.md "Valkey Cluster"): three server processes
 * and a persister with VALKEY_CLUSTER set, on a private 3-master cluster started here (valkey-cluster.ts),
 * Colyseus' presence and driver on the cluster too. Players of one game connected through different
 * processes trade with each other; with one game on each shard (by its hash tag), the games of the other
 * shards keep trading while one shard is killed and started again, and the game on that shard trades
 * again afterwards with every acknowledged order still on its book; PostgreSQL gets the games' logs. The
 * cluster client's bridges (server/src/cluster/valkey.ts) answer as one node would.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply } from "@marketroom/shared";
import { call, type ServerProcess } from "../support/server-process.ts";
import {
  clusterGame,
  connectVia,
  joinAt,
  newGameId,
  startCluster,
  until,
  type ClusterUnderTest,
} from "../support/cluster.ts";
import { startValkeyCluster, type ValkeyClusterUnderTest } from "../support/valkey-cluster.ts";
import { createDb, createPool } from "../../src/persistence/db.ts";
import { sql } from "kysely";
import { bidsKey, orderMember } from "../../src/engine/keys.ts";

interface TwoPlayers {
  gameId: string;
  a: Room;
  b: Room;
  alicePlayerId: string;
}

/** A started game with alice and bob, each connected through another process than the other. */
async function twoPlayers(c: ClusterUnderTest, gameId?: string): Promise<TwoPlayers> {
  const [s0, s1, s2] = c.servers as [ServerProcess, ServerProcess, ServerProcess];
  const game = await clusterGame(s0.base, gameId);
  const alice = await joinAt(s1.base, game.joinCode, "alice");
  const bob = await joinAt(s2.base, game.joinCode, "bob");
  const started = await call(s1.base, "POST", `/api/games/${game.gameId}/start`);
  expect(started.status, JSON.stringify(started.body)).to.equal(200);
  const a = await connectVia(s0.base, game.gameId, alice.token);
  const b = await connectVia(s2.base, game.gameId, bob.token);
  return { gameId: game.gameId, a, b, alicePlayerId: alice.playerId };
}

/** Alice sells `qty` at `price`, bob buys it: true when bob's order filled completely. */
async function trade(p: TwoPlayers, price: number, qty = 1): Promise<boolean> {
  const sell = (await p.a.request("place", { securityId: 1, side: "sell", price, qty })) as CommandReply;
  if (!sell.ok) return false;
  const buy = (await p.b.request("place", { securityId: 1, side: "buy", price, qty })) as CommandReply;
  return buy.ok && (buy.fills?.reduce((q, f) => q + f.qty, 0) ?? 0) === qty;
}

/** A game id whose keys live on shard `shard` (by its hash tag). */
async function gameIdOnShard(vc: ValkeyClusterUnderTest, shard: number): Promise<string> {
  for (;;) {
    const id = newGameId();
    if ((await vc.nodeOfKey(`game:{${id}}:owner`)) === shard) return id;
  }
}

describe("cluster: three processes on a 3-master Valkey Cluster", function () {
  this.timeout(240_000);
  let vc: ValkeyClusterUnderTest;
  let c: ClusterUnderTest;
  const rooms: Room[] = [];
  before(async () => {
    vc = await startValkeyCluster(3);
    c = await startCluster(3, vc.env);
  });
  after(async () => {
    for (const r of rooms) void r.leave(false).catch(() => {});
    await c?.stop();
    await vc?.stop();
  });

  it("players of one game connected through different processes trade with each other", async () => {
    const p = await twoPlayers(c);
    rooms.push(p.a, p.b);
    expect(p.a.roomId).to.equal(p.gameId);
    expect(p.b.roomId).to.equal(p.gameId);
    expect(await trade(p, 101, 5)).to.equal(true);
    // The game lives on the cluster (this client reaches nothing else), claimed by its room.
    expect(await c.valkey.hget(`game:{${p.gameId}}:owner`, "epoch")).to.match(/^[1-9][0-9]*$/);
    await until(async () => (p.a.state.players.get(p.alicePlayerId)?.fills.length ?? 0) > 0, "alice's fill");
    // The log reaches PostgreSQL through the persister (one game's stream per read on a cluster).
    const db = createDb(createPool(process.env.DATABASE_URL!, 1));
    try {
      await until(async () => {
        const r = await sql<{ n: string }>`select count(*) as n from fills where game_id = ${p.gameId}`.execute(db);
        return Number(r.rows[0]?.n) > 0;
      }, "the fill in PostgreSQL");
    } finally {
      await db.destroy();
    }
  });

  it("the cluster client answers cross-shard pipelines, multis and DELs, and duplicates with Redis options", async () => {
    const v = c.valkey;
    const keys: string[] = [];
    for (let shard = 0; shard < 3; shard++)
      for (let i = 0; ; i++)
        if ((await vc.nodeOfKey(`t:{${shard}-${i}}`)) === shard) {
          keys.push(`t:{${shard}-${i}}`);
          break;
        }
    const pipe = v.pipeline();
    for (const k of keys) pipe.set(k, `v-${k}`);
    for (const k of keys) pipe.get(k);
    expect(await pipe.exec()).to.deep.equal([...keys.map(() => [null, "OK"]), ...keys.map((k) => [null, `v-${k}`])]);
    // one slot: a real MULTI; several: in order, one command each
    expect(await v.multi().set("{t}n", "1").incr("{t}n").exec()).to.deep.equal([
      [null, "OK"],
      [null, 2],
    ]);
    expect(await v.multi().set(keys[0]!, "x").set(keys[1]!, "y").exec()).to.deep.equal([
      [null, "OK"],
      [null, "OK"],
    ]);
    expect(await v.mget(keys[1]!)).to.deep.equal(["y"]);
    expect(await v.del(...keys, "{t}n")).to.equal(4);
    // the game writer's commit client: no offline queue, no retries
    const d = v.duplicate({
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await d.connect();
    expect(await d.set(keys[2]!, "z")).to.equal("OK");
    expect(await v.get(keys[2]!)).to.equal("z");
    d.disconnect();
  });

  it("one game per shard: the others trade while a shard restarts, and its game trades again afterwards", async () => {
    // The shard to restart holds neither the processes' membership nor Colyseus' room listings
    // (docs/deploy.md: those belong on their own Valkey in production; here they share the cluster).
    const busy = new Set([await vc.nodeOfKey("{cluster}:procs"), await vc.nodeOfKey("roomcaches")]);
    const victim = [0, 1, 2].find((i) => !busy.has(i));
    expect(victim, "a shard without the coordination keys").to.not.equal(undefined);
    const games = await Promise.all([0, 1, 2].map(async (shard) => twoPlayers(c, await gameIdOnShard(vc, shard))));
    for (const g of games) rooms.push(g.a, g.b);
    for (const g of games) expect(await trade(g, 100)).to.equal(true);
    // A resting bid on the victim's game, acknowledged before the kill.
    const onVictim = games[victim!]!;
    const resting = (await onVictim.b.request("place", {
      securityId: 1,
      side: "buy",
      price: 50,
      qty: 2,
    })) as CommandReply;
    expect(resting.ok, JSON.stringify(resting)).to.equal(true);

    await vc.kill(victim!);
    let price = 101;
    for (const [i, g] of games.entries()) {
      if (i === victim) continue;
      // each trade is a round trip through the owner's writer and its shard: several while it is down
      for (let n = 0; n < 3; n++)
        expect(await trade(g, price++), `game on shard ${i} while ${victim} is down`).to.equal(true);
    }
    await vc.start(victim!);
    // The victim's game comes back: its writer reloads from the restarted shard and trades again.
    await until(() => trade(onVictim, 120), "a trade in the game of the restarted shard", 60_000);
    for (const [i, g] of games.entries())
      if (i !== victim) expect(await trade(g, price++), `game on shard ${i} after the restart`).to.equal(true);
    // The bid acknowledged before the kill is still on the book (appendfsync always on the test cluster).
    const orderId = resting.ok ? resting.order!.orderId : 0;
    const bids = await c.valkey.zrange(bidsKey(onVictim.gameId, 1), 0, -1);
    expect(bids).to.include(orderMember(orderId));
  });
});
