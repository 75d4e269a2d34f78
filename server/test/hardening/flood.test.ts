/**
 * One connection cannot stall the server (issue 11, item 3). A real server process; a flooder process
 * (support/flooder.ts) sends "place" messages as fast as it can for a few seconds from one player,
 * joining again whenever it is cut off. Meanwhile another player of the same game and a player of
 * another game each send one order at a time: their acknowledgements stay prompt (p99 under 250 ms, a
 * bound a stalled server misses by far: without the message cap they waited 7.7 s here, 20 s in issue 11), and /health
 * stays ok. The flooder's connections are closed by the message cap (code 4002).
 */
import { expect } from "chai";
import { setPriority } from "node:os";
import { Client, type Room } from "@colyseus/sdk";
import type { CommandReply } from "@marketroom/shared";
import { call, spawnNode, startServer, stopServer, type ServerProcess } from "../support/server-process.ts";
import { startPersister, type PersisterProcess } from "../support/persister-process.ts";

const FLOOD_SECONDS = 4;
/**
 * The bound of issue 13 ("another player's acks ... stay under 250 ms at p99"). Measured on the 2-core
 * machine: 36-70 ms beside two CPU hogs, 116 ms in a full suite at load 15-25 (four other workers);
 * without the message cap (MAX_MESSAGES_PER_SEC=0) it was 7.7 s.
 */
const P99_BOUND_MS = 250;

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

describe("hardening: a message flood from one connection", function () {
  this.timeout(90_000);
  let srv: ServerProcess;
  let persister: PersisterProcess | undefined;
  const rooms: Room[] = [];
  after(async () => {
    for (const r of rooms) await r.leave().catch(() => {});
    if (srv) await stopServer(srv);
    await persister?.stop();
  });

  async function game(name: string): Promise<{ gameId: string; joinCode: string }> {
    const g = await call(srv.base, "POST", "/api/games", {
      name,
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 10_000_000, holdings: [] },
    });
    expect(g.status).to.equal(201);
    expect((await call(srv.base, "POST", `/api/games/${g.body.gameId}/start`)).status).to.equal(200);
    return g.body;
  }

  async function player(g: { gameId: string; joinCode: string }, name: string): Promise<{ token: string; room: Room }> {
    const j = await call(srv.base, "POST", "/api/join", { code: g.joinCode, name }, null);
    expect(j.status).to.equal(201);
    const sdk = new Client(srv.base);
    sdk.auth.token = j.body.token;
    const room = await sdk.joinOrCreate("game", { gameId: g.gameId });
    rooms.push(room);
    return { token: j.body.token, room };
  }

  /** Sends one order at a time (25 ms apart) until `done()`; returns each ack's round trip, ms. */
  async function trade(room: Room, done: () => boolean): Promise<number[]> {
    const rtt: number[] = [];
    for (let i = 0; !done(); i++) {
      const t0 = performance.now();
      const r = (await room.request("place", {
        securityId: 1,
        side: "buy",
        price: 50 + (i % 40),
        qty: 1,
      })) as CommandReply;
      rtt.push(performance.now() - t0);
      expect(r, JSON.stringify(r)).to.include({ ok: true });
      await new Promise((res) => setTimeout(res, 25));
    }
    return rtt;
  }

  it("other players' acks in the same and in another game stay prompt, /health stays ok; the flooder is cut off", async () => {
    srv = await startServer();
    // As deployed, a persister runs beside the server: /health reports its lag, which without one
    // only grows with the test's duration (degraded after 10 s on a slow machine).
    persister = await startPersister();
    const a = await game("flooded");
    const b = await game("elsewhere");
    const flooder = await player(a, "flooder");
    await flooder.room.leave();
    rooms.splice(rooms.indexOf(flooder.room), 1);
    const same = await player(a, "same-game");
    const other = await player(b, "other-game");

    const flood = spawnNode(
      "server/test/support/flooder.ts",
      [srv.base, a.gameId, flooder.token, String(FLOOD_SECONDS)],
      {},
    );
    // A real flooder runs on its own machine: here it yields the CPU to the server, so that what is
    // measured is the server's stall, not two processes fighting over two cores.
    setPriority(flood.child.pid!, 10);
    let flooding = true;
    const finished = flood.exited.then((code) => {
      flooding = false;
      return code;
    });
    const health: number[] = [];
    const healthBodies: string[] = [];
    const polling = (async () => {
      while (flooding) {
        const h = await call(srv.base, "GET", "/health");
        health.push(h.status === 200 && h.body.status === "ok" ? 200 : h.status);
        if (h.status !== 200) healthBodies.push(JSON.stringify(h.body));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const [sameRtt, otherRtt] = await Promise.all([
      trade(same.room, () => !flooding),
      trade(other.room, () => !flooding),
    ]);
    expect(await finished).to.equal(0);
    await polling;

    const report = JSON.parse(flood.stdout().trim().split("\n").at(-1)!) as {
      sent: number;
      connections: number;
      closeCodes: number[];
    };
    expect(report.closeCodes, JSON.stringify(report)).to.include(4002);
    // The flood must be real: cut off by the cap (above) and at least twice the cap (200/s) sent. The
    // flooder is itself CPU-bound, so on a starved machine it sends less (500 in 4 s was seen beside two
    // CPU hogs and another test suite); what is tested is that the others stay prompt meanwhile.
    expect(report.sent, "the flooder sent at least twice the cap").to.be.at.least(400);
    expect(sameRtt.length).to.be.greaterThan(10);
    expect(otherRtt.length).to.be.greaterThan(10);
    const figures = `flooder sent ${report.sent} in ${report.connections} connections; p99 same game ${p99(sameRtt).toFixed(0)} ms, other game ${p99(otherRtt).toFixed(0)} ms`;
    console.log(`      ${figures}`);
    expect(p99(sameRtt), figures).to.be.below(P99_BOUND_MS);
    expect(p99(otherRtt), figures).to.be.below(P99_BOUND_MS);
    expect(health.length).to.be.greaterThan(2);
    expect(
      health.every((s) => s === 200),
      `health ${health.join(",")}; first not ok: ${healthBodies[0]}`,
    ).to.equal(true);
    // the flooded game still works for its other players
    expect(await same.room.request("cancel-all", {})).to.include({ ok: true });
  });
});
