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
import { cli } from "../../../scripts/lib/valkey-cluster.mjs";
import { createDb, createPool } from "../../src/persistence/db.ts";
import { sql } from "kysely";
import { bidsKey, orderMember } from "../../src/engine/keys.ts";

const gameIdTail = () => newGameId().slice(3);

interface TwoPlayers {
  gameId: string;
  a: Room;
  b: Room;
  alicePlayerId: string;
}

/** A started game with alice and bob, each connected through another process than the other. */
async function twoPlayers(c: ClusterUnderTest, gameId?: string): Promise<TwoPlayers> {
  return seatTwo(c, await clusterGame(c.servers[0]!.base, gameId));
}

/** Alice and bob join the created `game` and connect, through different processes; the game starts. */
async function seatTwo(c: ClusterUnderTest, game: { gameId: string; joinCode: string }): Promise<TwoPlayers> {
  const [s0, s1, s2] = c.servers as [ServerProcess, ServerProcess, ServerProcess];
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
    // Its script calls (claim, commit) went straight to its shard: no node refused one (MOVED).
    const refused = await Promise.all(
      vc.nodes.map(async (n) => {
        const stats = await cli(n.port, "info", "commandstats");
        return [...stats.matchAll(/cmdstat_(eval|evalsha):.*rejected_calls=(\d+)/g)].reduce(
          (sum, m) => sum + Number(m[2]),
          0,
        );
      }),
    );
    expect(refused, "script calls refused per node").to.deep.equal([0, 0, 0]);
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
    // one slot: a real MULTI; several: refused as a whole (it could not be atomic), nothing written
    expect(await v.multi().set("{t}n", "1").incr("{t}n").exec()).to.deep.equal([
      [null, "OK"],
      [null, 2],
    ]);
    let refused: unknown = null;
    await v
      .multi()
      .set(keys[0]!, "x")
      .set(keys[1]!, "y")
      .exec()
      .catch((e: unknown) => (refused = e));
    expect(String(refused)).to.match(/CROSSSLOT/);
    expect(await v.mget(keys[0]!)).to.deep.equal([`v-${keys[0]}`]);
    expect(await v.mget(keys[1]!)).to.deep.equal([`v-${keys[1]}`]);
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

  it("a REST order sent to a process that does not run the game is executed by the one that does", async () => {
    const p = await twoPlayers(c);
    rooms.push(p.a, p.b);
    const owner = await c.owner(p.gameId);
    const [keyAt, sendAt] = c.servers.filter((s) => s !== owner) as [ServerProcess, ServerProcess];
    const epoch = await c.valkey.hget(`game:{${p.gameId}}:owner`, "epoch");
    const resting = (await p.a.request("place", { securityId: 1, side: "buy", price: 99, qty: 3 })) as CommandReply;
    expect(resting.ok, JSON.stringify(resting)).to.equal(true);
    const bob = await joinAt(
      keyAt.base,
      (await call(keyAt.base, "GET", `/api/games/${p.gameId}`)).body.joinCode,
      "carol",
    );
    const key = await call(keyAt.base, "POST", "/api/v1/keys", { name: "cluster" }, bob.token);
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    const order = { securityId: 1, side: "sell", price: 99, qty: 3, clientOrderId: "rest-1" };
    const sent = await call(sendAt.base, "POST", "/api/v1/orders", order, key.body.key);
    expect(sent.status, JSON.stringify(sent.body)).to.be.oneOf([200, 201]);
    expect(sent.body.fills?.reduce((q: number, f: { qty: number }) => q + f.qty, 0)).to.equal(3);
    await until(async () => (p.a.state.players.get(p.alicePlayerId)?.fills.length ?? 0) > 0, "alice's fill");
    // routed, not claimed: the writer and its epoch stay
    expect(await c.valkey.hget(`game:{${p.gameId}}:owner`, "epoch")).to.equal(epoch);
    expect(await c.owner(p.gameId)).to.equal(owner);
  });

  it("a game created up to its record but not its index entry (another shard) is played, and listed once its room opens", async () => {
    const index = await vc.nodeOfKey("marketroom:game-index");
    const gameId = await gameIdOnShard(vc, (index + 1) % 3);
    const s1 = c.servers[1]!;
    const game = await clusterGame(c.servers[0]!.base, gameId);
    // the create stopped after the record (store.ts writes the record first, the index entry after)
    expect(await c.valkey.zrem("marketroom:game-index", gameId)).to.equal(1);
    const listed = async () =>
      ((await call(s1.base, "GET", "/api/games?limit=500")).body.games as { gameId: string }[]).some(
        (g) => g.gameId === gameId,
      );
    expect(await listed()).to.equal(false);
    const p = await seatTwo(c, game);
    rooms.push(p.a, p.b);
    expect(await trade(p, 100, 2)).to.equal(true);
    expect(await listed()).to.equal(true);
  });

  it("sessions: a half-created one is not shown and is finished by creating it again; an index entry without a record is skipped", async () => {
    const s2 = c.servers[2]!;
    const sessionId = `ses-${gameIdTail()}`;
    // the create stopped after claiming the id (its name), before the join code and the index entry
    await c.valkey.hset(`session:{${sessionId}}`, "name", "week 1");
    expect((await call(s2.base, "GET", `/api/sessions/${sessionId}`)).status).to.equal(404);
    // an index entry whose record is missing (never written by the server; readers tolerate it anyway)
    await c.valkey.zadd("marketroom:session-index", Date.now(), `${sessionId}-ghost`);
    const ids = async () =>
      ((await call(s2.base, "GET", "/api/sessions")).body.sessions as { sessionId: string }[]).map((x) => x.sessionId);
    expect(await ids()).to.not.include(sessionId);
    const made = await call(s2.base, "POST", "/api/sessions", { sessionId, name: "week 1" });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body.joinCode).to.be.a("string").and.not.equal("");
    expect(await ids())
      .to.include(sessionId)
      .and.not.include(`${sessionId}-ghost`);
    const again = await call(s2.base, "POST", "/api/sessions", { sessionId, name: "week 1" });
    expect(again.status, JSON.stringify(again.body)).to.equal(409);
    await c.valkey.zrem("marketroom:session-index", `${sessionId}-ghost`);
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
