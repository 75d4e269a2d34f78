/**
 * Fair scoring (issue 16; docs/rounds.md "Scoring", docs/export.md "Ranking"), end to end: a richly endowed
 * bot loses money to a student who gains; the round end, the leaderboard route, PostgreSQL, the room's
 * leaderboard and leaderboard.csv all rank the student first and list the bot apart (or hide it, or rank it);
 * course points follow the round's linear rule with its cap. Return on starting value and its rounding are
 * checked on hand-made rows against values computed here.
 */
import { expect } from "chai";
import type { CreateGameBody } from "@marketroom/shared";
import { compareStanding, coursePointsOf, rankRuleOf, rankStandings, returnBps } from "../../src/scoring/ranking.ts";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

describe("fair scoring", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  /**
   * A round with one rich bot (5,000,000 cash and 1,000 ACME against the students' 100,000 and no ACME) that
   * sells 10 ACME at 90 to `ann` and 1 at 95 to `bob`: the mark is 95, ann gains 10 x 5, bob 0, the bot loses.
   */
  async function playRound(rules: Partial<CreateGameBody["rules"]>) {
    const g = await createGame(h, {
      endowment: { cash: 100_000, holdings: [] },
      rules: rules as CreateGameBody["rules"],
    });
    const bot = {
      playerId: `${g.gameId}-rich`,
      name: "Rich bot",
      kind: "noise" as const,
      intervalMs: 3_600_000,
      cash: 5_000_000,
      holdings: [{ securityId: 1, qty: 1000 }],
    };
    await h.app.service.addMarketBots(g.gameId, [bot]);
    const ann = await join(h, g.joinCode, "ann");
    const bob = await join(h, g.joinCode, "bob");
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    // Switched off: its strategy must not cancel the orders placed for it below.
    expect((await api(h, "DELETE", `/api/games/${g.gameId}/bots/${bot.playerId}`)).status).to.equal(204);
    const place = async (pid: string, side: "buy" | "sell", price: number, qty: number, tif: "GTC" | "IOC" = "GTC") =>
      expect((await h.app.hub.place(g.gameId, pid, { securityId: 1, side, price, qty, tif })).ok).to.equal(true);
    await place(bot.playerId, "sell", 90, 10);
    await place(ann.playerId, "buy", 90, 10, "IOC");
    await place(bot.playerId, "sell", 95, 1);
    await place(bob.playerId, "buy", 95, 1, "IOC");
    return { g, ann, bob, bot };
  }

  it("ranks a student who gains above a rich bot that loses (P&L, bots apart), everywhere", async () => {
    const { g, ann, bob, bot } = await playRound({});
    const room = await connect(h, g.gameId, ann.token);
    try {
      await waitFor(
        () => room.state.leaderboard.length === 3 && room.state.leaderboard[0]!.pnl === 50,
        "live leaderboard after the trades",
      );
      const live = [...room.state.leaderboard].map((l) => [l.playerId, l.rank, l.ranked]);
      expect(live).to.deep.equal([
        [ann.playerId, 1, true],
        [bob.playerId, 2, true],
        [bot.playerId, 3, false],
      ]);
    } finally {
      await room.leave().catch(() => {});
    }
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    const rows = end.body.leaderboard as any[];
    const byId = new Map(rows.map((r) => [r.playerId, r]));
    expect(byId.get(ann.playerId)).to.include({ pnl: 10 * (95 - 90), ranked: true, rank: 1, startValue: 100_000 });
    expect(byId.get(bot.playerId).pnl, "the bot lost").to.equal(-(10 * 10 + 1 * 5) - 989 * 5);
    expect(byId.get(bot.playerId).equity, "the bot is far richer").to.be.greaterThan(
      byId.get(ann.playerId).equity * 10,
    );
    expect(rows.map((r) => [r.playerId, r.rank, r.ranked])).to.deep.equal([
      [ann.playerId, 1, true],
      [bob.playerId, 2, true],
      [bot.playerId, 3, false],
    ]);
    const lb = await api(h, "GET", `/api/games/${g.gameId}/leaderboard`);
    expect(lb.body.leaderboard.map((r: any) => r.playerId)).to.deep.equal(rows.map((r) => r.playerId));
    const pg = await h.db
      .selectFrom("leaderboard")
      .select(["player_id", "rank"])
      .where("game_id", "=", g.gameId)
      .orderBy("rank")
      .execute();
    expect(pg.map((r) => r.player_id)).to.deep.equal(rows.map((r) => r.playerId));
  });

  it("hides bots from the players' board, or ranks them with the humans, as the round says", async () => {
    const hidden = await playRound({ bots: "hidden" });
    const room = await connect(h, hidden.g.gameId, hidden.ann.token);
    try {
      await waitFor(
        () => room.state.leaderboard.length === 2 && room.state.leaderboard[0]!.pnl === 50,
        "live leaderboard without the bot",
      );
      expect([...room.state.leaderboard].map((l) => l.playerId)).to.deep.equal([
        hidden.ann.playerId,
        hidden.bob.playerId,
      ]);
      expect(room.state.rules.bots).to.equal("hidden");
    } finally {
      await room.leave().catch(() => {});
    }
    const ranked = await playRound({ bots: "ranked" });
    const end = await api(h, "POST", `/api/games/${ranked.g.gameId}/end`);
    expect(end.body.leaderboard.map((r: any) => [r.playerId, r.rank, r.ranked])).to.deep.equal([
      [ranked.ann.playerId, 1, true],
      [ranked.bob.playerId, 2, true],
      [ranked.bot.playerId, 3, true],
    ]);
  });

  it("converts P&L to course points with the round's cap and shows them in the room", async () => {
    const { g, ann, bob } = await playRound({ coursePoints: { base: 10, per: 20, min: 0, max: 12 } });
    const room = await connect(h, g.gameId, ann.token);
    try {
      // ann: 10 + floor(50 / 20) = 12 (the cap); bob: 10 + floor(0 / 20) = 10
      await waitFor(() => room.state.players.get(ann.playerId)?.points === 12, "ann's points");
      expect(room.state.rules.pointsPer).to.equal(20);
      expect([...room.state.leaderboard].find((l) => l.playerId === bob.playerId)?.points).to.equal(10);
    } finally {
      await room.leave().catch(() => {});
    }
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    expect(end.body.leaderboard.find((r: any) => r.playerId === ann.playerId).points).to.equal(12);
    expect(end.body.leaderboard.find((r: any) => r.bot).points, "bots get no course points").to.equal(null);
    const plain = await playRound({});
    const e2 = await api(h, "POST", `/api/games/${plain.g.gameId}/end`);
    expect(e2.body.leaderboard.every((r: any) => r.points === null)).to.equal(true);
  });

  it("rejects bad scoring rules with INVALID_BODY", async () => {
    for (const rules of [
      { rankBy: "equity" },
      { bots: "shown" },
      { coursePoints: { per: 0, min: 0, max: 1 } },
      { coursePoints: { per: 1, min: 5, max: 1 } },
    ]) {
      const r = await api(h, "POST", "/api/games", {
        name: "bad",
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
        endowment: { cash: 1 },
        rules,
      });
      expect(r.status, JSON.stringify(rules)).to.equal(400);
      expect(r.body.code).to.equal("INVALID_BODY");
    }
  });

  it("return on starting value: basis points rounded down, in integers; ranks by it when the round says", () => {
    expect(returnBps(1, 3)).to.equal(3333); // 3333.3 -> 3333
    expect(returnBps(-1, 3)).to.equal(-3334); // -3333.3 -> -3334 (toward minus infinity)
    expect(returnBps(500, 0)).to.equal(0);
    expect(returnBps(2 ** 52, 2 ** 52 + 1)).to.equal(9999); // exact where a float product would not be
    // small starter +10% beats a big starter +5%, though its P&L is smaller
    const rows = [
      { rank: 0, playerId: "big", pnl: 5_000, returnBps: returnBps(5_000, 100_000), bot: false },
      { rank: 0, playerId: "small", pnl: 1_000, returnBps: returnBps(1_000, 10_000), bot: false },
      { rank: 0, playerId: "bot", pnl: 9_000, returnBps: 9_000, bot: true },
    ];
    expect(rankStandings([...rows], rankRuleOf({ rankBy: "return" })).map((r) => r.playerId)).to.deep.equal([
      "small",
      "big",
      "bot",
    ]);
    expect(rankStandings([...rows], rankRuleOf({})).map((r) => r.playerId)).to.deep.equal(["big", "small", "bot"]);
    expect(rankStandings([...rows], rankRuleOf({ bots: "ranked" })).map((r) => r.playerId)).to.deep.equal([
      "bot",
      "big",
      "small",
    ]);
    // equal returns: P&L, then player id
    expect(
      compareStanding(
        { rank: 0, playerId: "a", pnl: 1, returnBps: 5 },
        { rank: 0, playerId: "b", pnl: 2, returnBps: 5 },
        "return",
      ),
    ).to.be.greaterThan(0);
    expect(
      compareStanding(
        { rank: 0, playerId: "a", pnl: 2, returnBps: 5 },
        { rank: 0, playerId: "b", pnl: 2, returnBps: 5 },
        "return",
      ),
    ).to.be.lessThan(0);
    expect(coursePointsOf(-1, { base: 0, per: 10, min: -5, max: 5 })).to.equal(-1);
    expect(coursePointsOf(-1000, { base: 0, per: 10, min: -5, max: 5 })).to.equal(-5);
  });
});
