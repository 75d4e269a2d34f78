/**
 * The margin protocol through a real server (docs/margin.md "Protocol"): the create-round settings, the
 * room messages place-stop / cancel-stop / set-exits and their rejections, the owner's margin account
 * and stops in the private state, the public rules and security fields, the admin's reference route and
 * a liquidation the player sees as a margin call. Real WebSocket clients, Valkey and PostgreSQL.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
type Reply = CommandReply & { ok: boolean; code?: string; stopIds?: number[]; cancelledStopIds?: number[] };
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<Reply>;

describe("margin protocol in the room", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** A running margin round (10x, maintenance 5%), marks at the reference 1000; alice short 50, bob long 50. */
  async function leveraged() {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 1000 }],
      securityRules: { maxLeverage: 10, maintenanceMarginBps: 500 },
      endowment: { cash: 10_000 },
    });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    open.push(ra, rb);
    expect(await req(ra, "place", { securityId: 1, side: "sell", price: 1000, qty: 50 })).to.include({ ok: true });
    const buy = await req(rb, "place", { securityId: 1, side: "buy", type: "market", tif: "IOC", qty: 50 });
    expect(buy, JSON.stringify(buy)).to.include({ ok: true });
    return { game, a, b, ra, rb };
  }

  it("shows the margin account, rules and security fields; sets, replaces and cancels exits", async () => {
    const { a, b, ra, rb } = await leveraged();
    const pb = () => rb.state.players.get(b.playerId)!;
    const pa = () => ra.state.players.get(a.playerId)!;
    // bob: cash 10,000 - 50,000; equity 10,000; initial 10% of 50,000; long liquidated below 843 (see margin-account.ts)
    await waitFor(() => pb().positions.get("1")?.liquidationPrice === 842, "bob's liquidation price");
    expect(pb()).to.include({ marginEquity: 10_000, usedMargin: 5_000, freeMargin: 5_000, leverageBps: 50_000 });
    expect(pb().maintenanceMargin).to.equal(2_500);
    expect(pb().positions.get("1")).to.include({
      qty: 50,
      entryPrice: 1000,
      mark: 1000,
      unrealizedPnl: 0,
      margin: 5_000,
    });
    await waitFor(() => pa().positions.get("1")?.liquidationPrice === 1143, "alice's liquidation price");
    expect(pa().positions.get("1")).to.include({ qty: -50, entryPrice: 1000 });
    await waitFor(() => ra.state.rules.mode === "margin", "the rules");
    expect(ra.state.rules).to.include({ mode: "margin", markRule: "reference", fundCash: 1_000_000 });
    expect(ra.state.securities.get("1")).to.include({
      kind: "book",
      initialMarginBps: 1000,
      maintenanceMarginBps: 500,
      reference: 1000,
      mark: 1000,
    });
    // the other player's account is not visible
    expect(ra.state.players.get(b.playerId)!.marginEquity).to.equal(undefined);

    const exits = await req(rb, "set-exits", { securityId: 1, stopLoss: 900, takeProfit: 1100, trigger: "mark" });
    expect(exits, JSON.stringify(exits)).to.include({ ok: true, type: "set-exits" });
    expect(exits.stopIds).to.have.length(2);
    expect(exits.cancelledStopIds).to.deep.equal([]);
    await waitFor(() => pb().stops.size === 2, "two exit stops");
    const sl = pb().stops.get(`1:${exits.stopIds![0]}`)!;
    expect(sl).to.include({ side: "sell", qty: 50, stopPrice: 900, kind: "stop", trigger: "mark" });
    expect(sl.ocoStopId).to.equal(exits.stopIds![1]);

    const again = await req(rb, "set-exits", { securityId: 1, stopLoss: 950 });
    expect(again.cancelledStopIds).to.have.members(exits.stopIds!);
    expect(again.stopIds).to.have.length(1);
    await waitFor(() => pb().stops.size === 1 && pb().stops.get(`1:${again.stopIds![0]}`), "the replaced exit");

    const gone = await req(rb, "cancel-stop", { securityId: 1, stopId: again.stopIds![0] });
    expect(gone).to.include({ ok: true, type: "cancel-stop" });
    await waitFor(() => pb().stops.size === 0, "no stop left");

    const oco = await req(ra, "place-stop", {
      securityId: 1,
      side: "buy",
      qty: 5,
      stopPrice: 1100,
      oco: { stopPrice: 900, kind: "take_profit", type: "limit", price: 901 },
    });
    expect(oco, JSON.stringify(oco)).to.include({ ok: true });
    expect(oco.stopIds).to.have.length(2);
    await waitFor(() => pa().stops.size === 2, "alice's OCO pair");
    expect(pa().stops.get(`1:${oco.stopIds![1]}`)).to.include({ kind: "take_profit", orderType: "limit", price: 901 });
  });

  it("rejects bad stop commands by code and changes nothing", async () => {
    const { game, a, b, ra, rb } = await leveraged();
    const c = await join(h, game.joinCode, "carol");
    const rc = await connect(h, game.gameId, c.token);
    open.push(rc);
    expect(await req(rc, "set-exits", { securityId: 1, stopLoss: 900 })).to.include({
      ok: false,
      code: "INSUFFICIENT_HOLDINGS",
    });
    expect(await req(ra, "place-stop", { securityId: 1, side: "buy", qty: 5 })).to.include({
      ok: false,
      code: "INVALID_MESSAGE",
    });
    expect(await req(ra, "place-stop", { securityId: 9, side: "buy", qty: 5, stopPrice: 1100 })).to.include({
      ok: false,
      code: "UNKNOWN_SECURITY",
    });
    expect(await req(ra, "cancel-stop", { securityId: 1, stopId: 77 })).to.include({
      ok: false,
      code: "UNKNOWN_ORDER",
    });
    const mine = await req(rb, "place-stop", { securityId: 1, side: "sell", qty: 5, stopPrice: 900 });
    expect(await req(ra, "cancel-stop", { securityId: 1, stopId: mine.stopIds![0] })).to.include({
      ok: false,
      code: "NOT_OWNER",
    });
    await waitFor(() => rb.state.players.get(b.playerId)!.stops.size === 1, "bob's stop still waits");
    expect(ra.state.players.get(a.playerId)!.stops.size).to.equal(0);
    const admin = await connect(h, game.gameId, h.admin);
    open.push(admin);
    expect(await req(admin, "place-stop", { securityId: 1, side: "buy", qty: 5, stopPrice: 1100 })).to.include({
      ok: false,
      code: "READ_ONLY",
    });
  });

  it("a reference shock set by the admin liquidates the long; the player sees the margin call", async () => {
    const { game, b, rb } = await leveraged();
    const pb = () => rb.state.players.get(b.playerId)!;
    await waitFor(() => pb().positions.get("1")?.qty === 50, "bob long");
    const bad = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 0 });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal("INVALID_BODY");
    const other = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 800 }, b.token);
    expect(other.status).to.equal(403);
    const shock = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 800 });
    expect(shock.status, JSON.stringify(shock.body)).to.equal(200);
    await waitFor(() => pb().marginCalls.length === 1 && pb().positions.get("1")?.qty === 0, "bob liquidated");
    expect(pb().marginCalls[0]).to.include({ equity: 0, maintenance: 2_000 });
    await waitFor(() => pb().cash === 0 && rb.state.rules.fundCash === 1_000_000 - 40_000, "the fund took it");
    expect(pb().orders.size).to.equal(0);
    expect(pb().stops.size).to.equal(0);

    // the export's margin section: the fund, the accounts, the margin call and the fund transfer
    expect((await api(h, "POST", `/api/games/${game.gameId}/end`)).status).to.equal(200);
    // the results are written when the round's end has been processed: poll until the export answers
    let cfg = await api(h, "GET", `/api/games/${game.gameId}/export/config.json`);
    for (const until = Date.now() + 15_000; cfg.status !== 200 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
      cfg = await api(h, "GET", `/api/games/${game.gameId}/export/config.json`);
    }
    expect(cfg.status, JSON.stringify(cfg.body)).to.equal(200);
    const m = cfg.body.margin;
    expect(m).to.include({ mode: "margin", markRule: "reference", insuranceFund: 1_000_000 });
    expect(m.fund).to.deep.equal({ cash: 960_000, positions: [{ securityId: 1, qty: 50 }] });
    expect(m.marginCalls.map((e: { playerId: string }) => e.playerId)).to.deep.equal([b.playerId]);
    expect(m.fundTransfers[0]).to.include({ playerId: b.playerId, securityId: 1, qty: 50, price: 800, cash: 40_000 });
    const bob = m.accounts.find((x: { playerId: string }) => x.playerId === b.playerId);
    expect(bob).to.include({ cash: 0, equity: 0 });
    expect(bob.positions).to.deep.equal([]);
    const players = m.accounts.map((x: { cash: number }) => x.cash).reduce((x: number, y: number) => x + y, 0);
    expect(players + m.fund.cash).to.equal(2 * 10_000 + 1_000_000);
  });
});
