/**
 * The replay's margin accounts (GET /api/games/:id/replay/margin, server/src/replay/margin.ts): at any
 * seq each account as the live room computed it (the private state's margin fields and positions equal
 * the replay's at the same seq), the insurance fund, and the replay's privacy rules (docs/replay.md "Who
 * sees what"): the admin every account (or one with ?playerId=), a player their own only (403 for
 * another's), a shared link (of the ended round) the fund and no account, a player of another game 403. A cash round answers
 * mode "cash" with no accounts. Real server, WebSocket clients, Valkey, the persister and PostgreSQL.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, until, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;

describe("replay: margin accounts at seq", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("serves each account as the live room showed it, the fund, and only what the viewer may see", async () => {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 1000 }],
      securityRules: { maxLeverage: 10, maintenanceMarginBps: 500 },
      endowment: { cash: 10_000 },
    });
    const g = game.gameId;
    await api(h, "POST", `/api/games/${g}/start`);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, g, a.token);
    const rb = await connect(h, g, b.token);
    open.push(ra, rb);
    expect(await ra.request("place", { securityId: 1, side: "sell", price: 1000, qty: 50 })).to.include({ ok: true });
    expect(await rb.request("place", { securityId: 1, side: "buy", type: "market", tif: "IOC", qty: 50 })).to.include({
      ok: true,
    });
    const pb = () => rb.state.players.get(b.playerId)!;
    await waitFor(() => pb().positions.get("1")?.liquidationPrice === 842, "bob's live account");
    const lastSeq = (await gameLog(h, g)).at(-1)!.seq;
    const at = (q: string, token?: string | null) =>
      api(h, "GET", `/api/games/${g}/replay/margin${q}`, undefined, token);
    const admin = await until(async () => {
      const r = await at(`?seq=${lastSeq}`);
      return r.status === 200 && r.body.seq === lastSeq ? r.body : null;
    }, "the replay at the last seq");

    // the admin: every account, the fund, the marks
    expect(admin).to.include({ mode: "margin", markRule: "reference" });
    expect(admin.fund).to.deep.equal({ cash: 1_000_000, positions: [] });
    expect(admin.marks).to.deep.equal([{ securityId: 1, mark: 1000 }]);
    expect(admin.accounts.map((x: any) => x.name)).to.deep.equal(["alice", "bob"]);
    const bob = admin.accounts.find((x: any) => x.playerId === b.playerId);
    // equal to the live room's private state (core/margin-account.ts both)
    const live = pb();
    expect(bob).to.include({
      cash: live.cash,
      equity: live.marginEquity,
      usedMargin: live.usedMargin,
      freeMargin: live.freeMargin,
      maintenance: live.maintenanceMargin,
      leverageBps: live.leverageBps,
    });
    expect(bob.positions).to.have.length(1);
    const lp = live.positions.get("1")!;
    expect(bob.positions[0]).to.include({
      securityId: 1,
      qty: lp.qty,
      entryPrice: lp.entryPrice,
      mark: lp.mark,
      unrealizedPnl: lp.unrealizedPnl,
      margin: lp.margin,
      liquidationPrice: lp.liquidationPrice,
    });
    expect(bob).to.include({ equity: 10_000, usedMargin: 5_000, freeMargin: 5_000 });
    expect(bob.positions[0]).to.include({ entryPrice: 1000, liquidationPrice: 842 });

    // before the trade: bob flat, his cash whole
    const before = (await at(`?seq=${lastSeq - 3}`)).body;
    expect(before.accounts.find((x: any) => x.playerId === b.playerId)).to.include({ cash: 10_000, equity: 10_000 });

    // privacy: a player their own, the admin one on request, a shared link none, another game's player 403
    const own = await at(`?seq=${lastSeq}`, b.token);
    expect(own.status).to.equal(200);
    expect(own.body.accounts.map((x: any) => x.playerId)).to.deep.equal([b.playerId]);
    expect(own.body.fund.cash).to.equal(1_000_000);
    expect((await at(`?playerId=${a.playerId}`, b.token)).status).to.equal(403);
    const one = await at(`?seq=${lastSeq}&playerId=${a.playerId}`);
    expect(one.body.accounts.map((x: any) => x.playerId)).to.deep.equal([a.playerId]);
    expect((await api(h, "POST", `/api/games/${g}/end`)).status).to.equal(200); // links are for ended rounds
    const link = await api(h, "POST", `/api/games/${g}/replay-links`, {});
    expect(link.status, JSON.stringify(link.body)).to.equal(201);
    const shared = await at(`?seq=${lastSeq}`, link.body.token);
    expect(shared.status).to.equal(200);
    expect(shared.body.accounts).to.deep.equal([]);
    expect(shared.body.fund.cash).to.equal(1_000_000);
    expect((await at(`?playerId=${a.playerId}`, link.body.token)).status).to.equal(403);
    const stranger = await join(h, (await createGame(h)).joinCode, "carol");
    expect((await at("", stranger.token)).status).to.equal(403);
    expect((await at("", null)).status).to.equal(401);
    expect((await at("?seq=x")).status).to.equal(400);
  });

  it("a cash round has no margin accounts", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const r = await until(async () => {
      const x = await api(h, "GET", `/api/games/${game.gameId}/replay/margin`);
      return x.status === 200 ? x : null;
    }, "the replay");
    expect(r.body).to.include({ mode: "cash" });
    expect(r.body.accounts).to.deep.equal([]);
  });
});
