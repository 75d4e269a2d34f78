/**
 * An idle room sends nothing (issue 13): with players connected and nothing happening, no state patch
 * and no "private" message reaches a client's socket; the first change after the quiet goes out as
 * usual, and the clock's `now` rides along with it.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { ClientGameState, CommandReply } from "@marketroom/shared";
import { api, connect, createGame, gameId, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;

/** Arrival times (ms) of every frame the room's WebSocket receives from now on (WebSocket pings are not messages). */
function tapTimes(room: R): number[] {
  const times: number[] = [];
  (room as any).connection.transport.ws.addEventListener("message", () => times.push(Date.now()));
  return times;
}

describe("GameRoom idle ticks", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("sends no frame while nothing changes; the next order's patch carries a fresh clock", async () => {
    const game = await createGame(h, { gameId: gameId("idle") });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    const adm = await connect(h, game.gameId, h.admin);
    open.push(ra, rb, adm);
    const times = [ra, rb, adm].map(tapTimes);
    const reply = (await ra.request("place", { securityId: 1, side: "buy", price: 95, qty: 2 })) as CommandReply;
    expect(reply).to.include({ ok: true });
    await waitFor(() => rb.state.securities.get("1")?.bids[0]?.amount === 2, "bob sees alice's bid");

    // quiet: the order's patches, the valuation (once a second) and the clock have gone out
    const last = () => Math.max(0, ...times.flat());
    await waitFor(() => Date.now() - last() > 1500, "1.5 s without a frame", 20_000);
    const quietFrom = Date.now();
    const counts = times.map((t) => t.length);
    await new Promise((r) => setTimeout(r, 3000)); // a window spanning three valuation/clock ticks and 60 patch ticks
    expect(
      times.map((t, i) => t.length - counts[i]!),
      "frames while idle (alice, bob, admin)",
    ).to.deep.equal([0, 0, 0]);

    const clockBefore = rb.state.clock.now;
    expect(clockBefore).to.be.below(quietFrom);
    expect(await rb.request("place", { securityId: 1, side: "sell", price: 95, qty: 1 })).to.include({ ok: true });
    await waitFor(() => ra.state.securities.get("1")?.bids[0]?.amount === 1, "alice sees the trade on the book");
    await waitFor(() => ra.state.players.get(a.playerId)?.fills.length === 1, "alice's private fill");
    await waitFor(() => rb.state.clock.now >= quietFrom, "the clock's now refreshed with the change");
  });
});
