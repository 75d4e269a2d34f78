/**
 * The stop triggers in the owner's private state (docs/margin.md "Protocol", `stopTriggers`): a stop
 * that triggers appears there at once with what it was and the price that reached it; other players
 * do not see it. Real server, WebSocket clients, Valkey and PostgreSQL.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<any>;

describe("stop triggers in the private state", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** bob long 50 at `ref` with a stop-loss at 95 % of it; carol bids 94 %, alice sells 1 lot into it. */
  async function stopReached(ref: number, cash: number) {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: ref }],
      securityRules: { maxLeverage: 10 },
      endowment: { cash },
    });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const [a, b, c] = await Promise.all(["alice", "bob", "carol"].map((n) => join(h, game.joinCode, n)));
    const [ra, rb, rc] = await Promise.all([a, b, c].map((p) => connect(h, game.gameId, p!.token)));
    open.push(ra!, rb!, rc!);
    expect(await req(ra!, "place", { securityId: 1, side: "sell", price: ref, qty: 50 })).to.include({ ok: true });
    expect(await req(rb!, "place", { securityId: 1, side: "buy", price: ref, qty: 50 })).to.include({ ok: true });
    const exits = await req(rb!, "set-exits", { securityId: 1, stopLoss: (ref * 95) / 100 });
    expect(exits, JSON.stringify(exits)).to.include({ ok: true });
    const low = (ref * 94) / 100;
    expect(await req(rc!, "place", { securityId: 1, side: "buy", price: low, qty: 60 })).to.include({ ok: true });
    expect(await req(ra!, "place", { securityId: 1, side: "sell", price: low, qty: 1 })).to.include({ ok: true });
    const mine = () => rb!.state.players.get(b!.playerId)!;
    await waitFor(() => mine().stopTriggers?.length === 1, "bob's stop trigger");
    expect(ra!.state.players.get(b!.playerId)!.stopTriggers).to.equal(undefined);
    return { stopId: exits.stopIds[0] as number, mine, trigger: { ...mine().stopTriggers[0]! } };
  }

  it("shows the owner the stop that triggered: kind, side, lots, stop price and the trade price that reached it", async () => {
    const { stopId, mine, trigger } = await stopReached(1000, 100_000);
    expect(trigger).to.include({
      securityId: 1,
      stopId,
      side: "sell",
      kind: "stop",
      qty: 50,
      stopPrice: 950,
      triggerPrice: 940,
      rejected: "",
    });
    await waitFor(() => !mine().positions.get("1") || mine().positions.get("1")!.qty === 0, "bob's long closed");
  });

  it("a stop-loss of a highly leveraged long closes it although its market order's bound lies far below the mark", async () => {
    // equity $1,000 at 10x against a market sell of 50 lots whose protection bound lies far below the
    // mark 100.00: the sell only reduces the position, so it needs no margin (docs/margin.md "Reducing orders")
    const { trigger, mine } = await stopReached(10_000, 100_000);
    expect(trigger).to.include({ kind: "stop", qty: 50, stopPrice: 9500, triggerPrice: 9400, rejected: "" });
    await waitFor(() => !mine().positions.get("1") || mine().positions.get("1")!.qty === 0, "bob's long closed");
    expect(mine().cash).to.be.at.least(0);
  });
});
