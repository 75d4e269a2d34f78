/**
 * One reducer, end to end (issue 10, "Proof"): a round played through the real server — three players over
 * Colyseus WebSocket clients and a bot (its orders through the same command path as the bot driver), three
 * securities (one never trades), taker fees and maker rebates on, fills at several prices, an order still
 * resting at the end — and then, player by player and field by field:
 *   live leaderboard (the room's state before the end and after it) = final leaderboard (POST end, GET
 *   leaderboard) = replay leaderboard at the last event = leaderboard.csv of the export;
 * the replay P&L chart ends at the final P&L; the security that never traded is valued at its reference
 * price (not 0); and replay at event 1 (just create_game) answers an empty market without an error.
 */
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { CommandReply, JoinReply, LeaderboardRow } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

/** The fields every leaderboard carries, as numbers/strings/booleans. */
const SHARED = [
  "rank",
  "playerId",
  "name",
  "bot",
  "ranked",
  "equity",
  "pnl",
  "realizedPnl",
  "unrealizedPnl",
  "fees",
  "trades",
  "returnBps",
] as const;
const pick = (r: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));

describe("live, final, replay and export leaderboards agree (one reducer)", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("a played round gives the same standings everywhere, player by player and field by field", async () => {
    const fees = { takerFee: 2, makerRebate: 1 };
    const g = await createGame(h, {
      securities: [
        { securityId: 1, symbol: "ACME", refPrice: 100, ...fees },
        { securityId: 2, symbol: "BETA", refPrice: 50, scale: 3, takerFee: 3, makerRebate: 1 },
        { securityId: 3, symbol: "GAMMA", refPrice: 200 },
      ],
      endowment: {
        cash: 100_000,
        holdings: [
          { securityId: 1, qty: 100 },
          { securityId: 2, qty: 50 },
          { securityId: 3, qty: 10 },
        ],
      },
      rules: { orderRateLimit: null },
    });
    const bot = {
      playerId: `${g.gameId}-bot`,
      name: "Bot",
      kind: "noise" as const,
      intervalMs: 3_600_000,
      cash: 500_000,
      holdings: [
        { securityId: 1, qty: 300 },
        { securityId: 2, qty: 300 },
      ],
    };
    await h.app.service.addMarketBots(g.gameId, [bot]);
    const [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => join(h, g.joinCode, n)))) as [
      JoinReply,
      JoinReply,
      JoinReply,
    ];
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    // Switched off, so that its strategy does not move the book; its orders go through the hub like a bot's.
    expect((await api(h, "DELETE", `/api/games/${g.gameId}/bots/${bot.playerId}`)).status).to.equal(204);
    const rooms = await Promise.all([alice, bob, carol].map((p) => connect(h, g.gameId, p.token)));
    const [ra, rb, rc] = rooms;
    try {
      const place = async (room: typeof ra, body: Record<string, unknown>) => {
        const r = (await room!.request("place", body)) as CommandReply;
        expect(r.ok, JSON.stringify(r)).to.equal(true);
        return r;
      };
      const botPlace = async (body: { securityId: number; side: "buy" | "sell"; price: number; qty: number }) =>
        expect((await h.app.hub.place(g.gameId, bot.playerId, body)).ok).to.equal(true);
      await place(ra, { securityId: 1, side: "sell", price: 101, qty: 10 });
      await place(rb, { securityId: 1, side: "buy", price: 101, qty: 4 }); // 4 @ 101
      await place(rc, { securityId: 1, side: "buy", price: 102, qty: 6 }); // 6 @ 101
      await botPlace({ securityId: 1, side: "sell", price: 104, qty: 5 });
      await place(ra, { securityId: 1, side: "buy", price: 105, qty: 5 }); // 5 @ 104 from the bot
      await place(rb, { securityId: 2, side: "sell", price: 49, qty: 8 });
      await place(rc, { securityId: 2, side: "buy", price: 49, qty: 3 }); // 3 @ 49
      await botPlace({ securityId: 2, side: "buy", price: 50, qty: 5 }); // 5 @ 49
      await place(rc, { securityId: 2, side: "sell", price: 52, qty: 2 });
      const last = await place(ra, { securityId: 2, side: "buy", price: 53, qty: 2 }); // 2 @ 52
      await place(rb, { securityId: 1, side: "buy", price: 95, qty: 3 }); // still resting at the end
      const tradedSeq = last.ok ? last.seq : 0;

      const liveRows = (room: typeof ra) =>
        [...room!.state.leaderboard].map((e) => pick(e as unknown as Record<string, unknown>, SHARED));
      // ---- live, before the end: every fill valued (trade counts), the board stable ----
      await waitFor(
        () => ra!.state.seq >= tradedSeq && liveRows(ra).reduce((n, r) => n + Number(r.trades), 0) === 2 * 6,
        "live board after the fills",
      );
      const liveBefore = liveRows(ra);

      // ---- final: the round end and the leaderboard route ----
      const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
      expect(end.status).to.equal(200);
      expect(end.body.resultsWritten).to.equal(true);
      const final = end.body.leaderboard as LeaderboardRow[];
      expect(final.map((r) => r.playerId)).to.have.members([
        alice.playerId,
        bob.playerId,
        carol.playerId,
        bot.playerId,
      ]);
      const route = await api(h, "GET", `/api/games/${g.gameId}/leaderboard`);
      expect(route.body.leaderboard).to.deep.equal(final);
      const finalShared = final.map((r) => pick(r as unknown as Record<string, unknown>, SHARED));
      expect(liveBefore, "live leaderboard before the end = final").to.deep.equal(finalShared);

      // ---- live, after the end (round_end cancels applied, final mark rule) ----
      await waitFor(() => ra!.state.phase === "ended" && ra!.state.seq >= end.body.seq, "the room at the end");
      await waitFor(() => JSON.stringify(liveRows(ra)) === JSON.stringify(finalShared), "live board at the end");
      expect(liveRows(ra), "live leaderboard at the end = final").to.deep.equal(finalShared);
      // a player's own valuation in the room (private state) is the same row
      const MONEY = ["cash", "equity", "pnl", "realizedPnl", "unrealizedPnl", "fees", "trades"];
      const own = ra!.state.players.get(alice.playerId) as unknown as Record<string, unknown>;
      expect(pick(own, MONEY)).to.deep.equal(
        pick(final.find((r) => r.playerId === alice.playerId)! as unknown as Record<string, unknown>, MONEY),
      );

      // ---- the numbers themselves: fees, realized P&L, the untraded security at its reference ----
      for (const r of final)
        expect(r.pnl, `${r.name} pnl = realized + unrealized - fees`).to.equal(
          r.realizedPnl + r.unrealizedPnl - r.fees,
        );
      const a = final.find((r) => r.playerId === alice.playerId)!;
      // alice: sold 10 ACME @101 as maker (rebate 10), bought 5 @104 as taker (fee 10), bought 2 BETA @52 as taker (fee 6)
      expect(a.fees).to.equal(-10 + 10 + 6);
      expect(a.trades).to.equal(4);
      // holdings valued at the last trades (ACME 104, BETA 52 x scale 3) and GAMMA, never traded, at its reference 200
      expect(a.holdingsValue).to.equal(95 * 104 + 52 * 52 * 3 + 10 * 200);
      expect(a.realizedPnl, "10 opening lots of ACME sold at 101").to.equal(10 * (101 - 100));

      // ---- replay at the last event ----
      const rep = await api(h, "GET", `/api/games/${g.gameId}/replay/leaderboard?seq=${end.body.seq}`);
      expect(rep.status).to.equal(200);
      expect(rep.body.seq).to.equal(end.body.seq);
      expect(rep.body.leaderboard, "replay leaderboard at the last event = final").to.deep.equal(final);
      for (const r of final) {
        const tl = await api(h, "GET", `/api/games/${g.gameId}/replay/players/${r.playerId}/timeline`);
        expect(tl.body.points.at(-1).pnl, `${r.name}'s replay P&L chart ends at the final P&L`).to.equal(r.pnl);
        expect(tl.body.points.at(-1).equity).to.equal(r.equity);
      }

      // ---- export ----
      const res = await fetch(`${h.base}/api/games/${g.gameId}/export/leaderboard.csv`, {
        headers: { authorization: `Bearer ${h.admin}` },
      });
      expect(res.status).to.equal(200);
      const csv = parse(await res.text(), { columns: true }) as Record<string, string>[];
      const fromCsv = csv.map((c) => ({
        rank: Number(c.rank),
        playerId: c.player_id,
        name: c.name,
        bot: c.bot === "true",
        ranked: c.ranked === "true",
        equity: Number(c.equity_minor),
        pnl: Number(c.pnl_minor),
        realizedPnl: Number(c.realized_pnl_minor),
        unrealizedPnl: Number(c.unrealized_pnl_minor),
        fees: Number(c.fees_minor),
        trades: Number(c.trades),
        returnBps: Number(c.return_bps),
        cash: Number(c.cash_minor),
        holdingsValue: Number(c.holdings_value_minor),
        startValue: Number(c.start_value_minor),
      }));
      const finalFull = final.map((r) =>
        pick(r as unknown as Record<string, unknown>, [...SHARED, "cash", "holdingsValue", "startValue"]),
      );
      expect(fromCsv, "leaderboard.csv = final").to.deep.equal(finalFull);
      expect(csv[0]).to.include({
        mark_ticks_1: "104",
        mark_source_1: "last_trade",
        mark_ticks_2: "52",
        mark_ticks_3: "200",
        mark_source_3: "reference",
      });

      // ---- replay at event 1: only game_created, an empty market, no error ----
      const book = await api(h, "GET", `/api/games/${g.gameId}/replay/book/1?seq=1`);
      expect(book.status, JSON.stringify(book.body)).to.equal(200);
      expect(book.body).to.deep.include({ seq: 1, bids: [], asks: [], lastPrice: 0, volume: 0 });
      const inv1 = await api(h, "GET", `/api/games/${g.gameId}/replay/inventories?seq=1`);
      expect(inv1.status).to.equal(200);
      expect(inv1.body.inventories).to.deep.equal([]);
      const lb1 = await api(h, "GET", `/api/games/${g.gameId}/replay/leaderboard?seq=1`);
      expect(lb1.status).to.equal(200);
      expect(lb1.body).to.deep.include({ seq: 1, leaderboard: [] });
    } finally {
      await Promise.all(rooms.map((r) => r.leave().catch(() => {})));
    }
  });
});
