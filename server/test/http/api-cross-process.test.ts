/**
 * A key revoked or a player kicked on one server process takes effect on another process's API
 * (auth-cache.ts: pub/sub `api:keys:revoked`, `api:players:kicked`). Two real server processes with
 * PRESENCE=redis sharing Valkey and PostgreSQL (support/cluster.ts). The revocation and the kick are made
 * on the process that runs the game; the effect is checked on the other one, where the program stream
 * authenticates its upgrades itself (a REST request there is served by the game's process). That process
 * has the key and "not kicked" in memory when it happens: without the message it would go on accepting
 * them for LIVE_TTL_MS (60 s), longer than these tests wait.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import type { Room } from "@colyseus/sdk";
import { call, type ServerProcess } from "../support/server-process.ts";
import { clusterGame, connectVia, joinAt, startCluster, until, type ClusterUnderTest } from "../support/cluster.ts";

/** Well below LIVE_TTL_MS (60 s), what a missed message would leave a process remembering. */
const EFFECT_MS = 15_000;

/** The status of a stream upgrade with `key` through `base` (101 when it opens; then it is closed). */
function upgradeStatus(base: string, key: string): Promise<number> {
  return new Promise((done) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
    });
    ws.once("open", () => {
      ws.close();
      done(101);
    });
    ws.once("unexpected-response", (_req, res) => done(res.statusCode ?? 0));
    ws.once("error", () => done(0));
  });
}

/** An open stream through `base`, once its welcome has arrived; `closed` resolves with its close code and reason. */
async function openStream(base: string, key: string): Promise<{ ws: WebSocket; closed: Promise<[number, string]> }> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const closed = new Promise<[number, string]>((done) => ws.once("close", (code, why) => done([code, why.toString()])));
  const welcome = new Promise<Record<string, unknown>>((done, fail) => {
    ws.once("message", (d) => done(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.once("error", fail);
  });
  expect((await welcome).type).to.equal("welcome");
  return { ws, closed };
}

async function newKey(base: string, token: string, name: string): Promise<{ key: string; keyId: string }> {
  const r = await call(base, "POST", "/api/v1/keys", { name }, token);
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  return r.body as { key: string; keyId: string };
}

describe("API keys and kicks across server processes (pub/sub invalidation)", function () {
  this.timeout(120_000);
  let c: ClusterUnderTest;
  const rooms: Room[] = [];
  const sockets: WebSocket[] = [];
  before(async () => {
    c = await startCluster(2);
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    for (const r of rooms) void r.leave(false).catch(() => {});
    await c?.stop();
  });

  /** A started game with players `names`, its room running on `owner`; `other` is the second process. */
  async function startedGame(names: string[]) {
    const s0 = c.servers[0]!;
    const game = await clusterGame(s0.base);
    const players = [];
    for (const name of names) players.push(await joinAt(s0.base, game.joinCode, name));
    expect((await call(s0.base, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    rooms.push(await connectVia(s0.base, game.gameId, players[0]!.token));
    const owner = await c.owner(game.gameId);
    const other = c.servers.find((s) => s !== owner) as ServerProcess;
    return { gameId: game.gameId, players, owner, other };
  }

  it("a key revoked on one process closes its streams on another (4401) and is refused there at once", async () => {
    const { players, owner, other } = await startedGame(["alice", "bob"]);
    const [alice, bob] = [players[0]!, players[1]!];
    const aliceKey = await newKey(owner.base, alice.token, "a");
    const bobKey = await newKey(owner.base, bob.token, "b");
    const aliceStream = await openStream(other.base, aliceKey.key); // `other` verified the key and remembers it
    sockets.push(aliceStream.ws);
    expect(await upgradeStatus(other.base, aliceKey.key)).to.equal(101);

    const revoked = await call(owner.base, "DELETE", `/api/v1/keys/${aliceKey.keyId}`, undefined, alice.token);
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect(revoked.body.revokedAt).to.be.a("number");

    expect(await aliceStream.closed).to.deep.equal([4401, "API key revoked"]);
    await until(async () => (await upgradeStatus(other.base, aliceKey.key)) === 401, "refused on the other", EFFECT_MS);
    expect(await upgradeStatus(other.base, bobKey.key)).to.equal(101); // another key is untouched
    const rest = await call(other.base, "GET", "/api/v1/account", undefined, aliceKey.key);
    expect(rest.status).to.equal(401);
    expect(rest.body.code).to.equal("UNAUTHORIZED");
  });

  it("a player kicked on one process is refused by another process's API at once; other players are not", async () => {
    const { gameId, players, owner, other } = await startedGame(["carol", "dave"]);
    const [carol, dave] = [players[0]!, players[1]!];
    const carolKey = await newKey(owner.base, carol.token, "c");
    const daveKey = await newKey(owner.base, dave.token, "d");
    // `other` checks dave is not kicked and remembers it
    expect(await upgradeStatus(other.base, daveKey.key)).to.equal(101);
    expect(await upgradeStatus(other.base, carolKey.key)).to.equal(101);

    const kick = await call(owner.base, "POST", `/api/games/${gameId}/players/${dave.playerId}/kick`);
    expect(kick.status, JSON.stringify(kick.body)).to.equal(200);

    await until(async () => (await upgradeStatus(other.base, daveKey.key)) === 401, "refused on the other", EFFECT_MS);
    expect(await upgradeStatus(other.base, carolKey.key)).to.equal(101);
    const rest = await call(other.base, "GET", "/api/v1/account", undefined, daveKey.key);
    expect(rest.status).to.equal(401);
    expect((await call(other.base, "GET", "/api/v1/account", undefined, carolKey.key)).status).to.equal(200);
  });
});
