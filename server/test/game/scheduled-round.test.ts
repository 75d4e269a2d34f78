/**
 * A full scheduled round with bots, end to end: the round ends by itself after durationSec, the service
 * writes the leaderboard, and the test recomputes every player's cash, positions, equity, pnl, FIFO
 * realized/unrealized P&L, fees and trades from PostgreSQL alone (plain SQL on players, inventories
 * 'start' and fills, plus the settings the test created the game with), with simple code of its own
 * (not the ledger module), and compares them with the PostgreSQL leaderboard and final inventories and
 * with what the service returns (GET /leaderboard, POST /end of the ended round).
 */
import { expect } from "chai";
import { sql } from "kysely";
import { api, createGame, harness, join, type Harness } from "../support/harness.ts";

interface Standing {
  playerId: string;
  cash: number;
  equity: number;
  holdingsValue: number;
  pnl: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
  trades: number;
  positions: Record<number, number>;
  /** Lowest position of ACME during the round (negative: the player was short). */
  lowest: number;
}

const SECURITIES = [
  { securityId: 1, symbol: "ACME", refPrice: 100, scale: 1, takerFee: 2, makerRebate: 1, shortLimit: 20 },
  { securityId: 2, symbol: "QUIET", refPrice: 40, scale: 5 },
];

/** Standings from PostgreSQL rows, FIFO by hand: lots are [signed qty, price] pairs, oldest first. */
async function recompute(h: Harness, gameId: string): Promise<Map<string, Standing>> {
  const players = (
    await sql<{
      player_id: string;
      starting_cash: string;
    }>`SELECT player_id, starting_cash FROM players WHERE game_id = ${gameId}`.execute(h.db)
  ).rows;
  const starts = (
    await sql<{ player_id: string; security_id: number; qty: string }>`
    SELECT player_id, security_id, qty FROM inventories WHERE game_id = ${gameId} AND kind = 'start' AND security_id <> 0`.execute(
      h.db,
    )
  ).rows;
  const fills = (
    await sql<{
      seq: string;
      security_id: number;
      price: string;
      qty: string;
      aggressor: string;
      maker_player_id: string;
      taker_player_id: string;
      taker_fee: string;
      maker_rebate: string;
    }>`
    SELECT seq, security_id, price, qty, aggressor, maker_player_id, taker_player_id, taker_fee, maker_rebate
    FROM fills WHERE game_id = ${gameId} ORDER BY seq`.execute(h.db)
  ).rows;
  const sec = new Map(SECURITIES.map((s) => [s.securityId, s]));
  const mark = new Map(SECURITIES.map((s) => [s.securityId, s.refPrice])); // no scenario: the closing reference is refPrice
  for (const f of fills) mark.set(f.security_id, Number(f.price)); // last trade wins (seq order)

  const out = new Map<string, Standing & { lots: Map<number, [number, number][]>; start: number }>();
  for (const p of players) {
    out.set(p.player_id, {
      playerId: p.player_id,
      cash: Number(p.starting_cash),
      equity: 0,
      holdingsValue: 0,
      pnl: 0,
      realizedPnl: 0,
      unrealizedPnl: 0,
      fees: 0,
      trades: 0,
      positions: {},
      lowest: 0,
      lots: new Map(),
      start: Number(p.starting_cash),
    });
  }
  const move = (pid: string, sid: number, signed: number, price: number) => {
    const p = out.get(pid)!;
    p.positions[sid] = (p.positions[sid] ?? 0) + signed;
    if (sid === 1) p.lowest = Math.min(p.lowest, p.positions[sid]!);
    const lots = p.lots.get(sid) ?? [];
    p.lots.set(sid, lots);
    let q = signed;
    while (q !== 0 && lots.length > 0 && Math.sign(lots[0]![0]) !== Math.sign(q)) {
      const lot = lots[0]!;
      const k = Math.min(Math.abs(q), Math.abs(lot[0]));
      p.realizedPnl += (price - lot[1]) * k * Math.sign(lot[0]) * sec.get(sid)!.scale;
      lot[0] -= Math.sign(lot[0]) * k;
      q -= Math.sign(q) * k;
      if (lot[0] === 0) lots.shift();
    }
    if (q !== 0) lots.push([q, price]);
  };
  for (const s of starts) {
    const p = out.get(s.player_id)!;
    const { refPrice, scale } = sec.get(s.security_id)!;
    p.start += Number(s.qty) * refPrice * scale;
    move(s.player_id, s.security_id, Number(s.qty), refPrice);
  }
  for (const f of fills) {
    const qty = Number(f.qty),
      price = Number(f.price),
      notional = price * qty * sec.get(f.security_id)!.scale;
    const takerDir = f.aggressor === "buy" ? 1 : -1;
    const taker = out.get(f.taker_player_id)!,
      maker = out.get(f.maker_player_id)!;
    move(f.taker_player_id, f.security_id, takerDir * qty, price);
    move(f.maker_player_id, f.security_id, -takerDir * qty, price);
    taker.cash -= takerDir * notional + Number(f.taker_fee);
    maker.cash += takerDir * notional + Number(f.maker_rebate);
    taker.fees += Number(f.taker_fee);
    maker.fees -= Number(f.maker_rebate);
    taker.trades += 1;
    maker.trades += 1;
  }
  for (const p of out.values()) {
    for (const [sid, qty] of Object.entries(p.positions))
      p.holdingsValue += qty * mark.get(Number(sid))! * sec.get(Number(sid))!.scale;
    for (const [sid, lots] of p.lots)
      for (const [q, price] of lots) p.unrealizedPnl += (mark.get(sid)! - price) * q * sec.get(sid)!.scale;
    p.equity = p.cash + p.holdingsValue;
    p.pnl = p.equity - p.start;
  }
  return out;
}

describe("scheduled round with bots", function () {
  this.timeout(40_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("a full scheduled round with bots runs to its end and produces a correct leaderboard", async () => {
    const g = await createGame(h, {
      securities: SECURITIES,
      rules: { allowShort: true },
      endowment: {
        cash: 500_000,
        holdings: [
          { securityId: 1, qty: 30 },
          { securityId: 2, qty: 4 },
        ],
      },
      durationSec: 4,
      bots: [
        { kind: "market_maker", count: 1, securityIds: [1], params: { intervalMs: 50 } },
        { kind: "noise", count: 3, securityIds: [1], params: { intervalMs: 40 } },
      ],
    });
    const human = await join(h, g.joinCode, "human");
    const buyer = await join(h, g.joinCode, "buyer");
    const started = await api(h, "POST", `/api/games/${g.gameId}/start`);
    expect(started.status).to.equal(200);
    const t0 = Date.now();
    // A resting bid the human's sells can always reach, so the human goes short however the bots trade.
    const bid = await h.app.hub.place(g.gameId, buyer.playerId, { securityId: 1, side: "buy", price: 86, qty: 60 });
    expect(bid.ok).to.equal(true);
    // The human trades too, as taker: buys, sells through its holdings into a short, buys part of it back.
    const ioc = async (afterMs: number, side: "buy" | "sell", price: number, qty: number) => {
      await new Promise((r) => setTimeout(r, afterMs));
      await h.app.hub.place(g.gameId, human.playerId, { securityId: 1, side, price, qty, tif: "IOC" });
    };
    await ioc(1000, "buy", 110, 5);
    for (let i = 0; i < 5; i++) await ioc(150, "sell", 85, 10);
    await ioc(500, "buy", 115, 6);

    // Nobody ends the round: the scheduled end does, and the service writes the results.
    const written = async () =>
      (await sql<{ at: Date | null }>`SELECT results_written_at AS at FROM games WHERE id = ${g.gameId}`.execute(h.db))
        .rows[0]?.at;
    for (let until = Date.now() + 20_000; !(await written());) {
      if (Date.now() > until) throw new Error("the round did not end with its results written");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - t0).to.be.at.least(3900);
    const detail = await api(h, "GET", `/api/games/${g.gameId}`);
    expect(detail.body.phase).to.equal("ended");

    const expected = await recompute(h, g.gameId);
    expect(expected.size).to.equal(6);
    const fills = [...expected.values()].reduce((n, p) => n + p.trades, 0) / 2;
    expect(fills, "fills in the round").to.be.greaterThan(10);
    expect([...expected.values()].filter((p) => p.trades > 0).length).to.be.at.least(3);
    expect(expected.get(human.playerId)!.trades).to.be.greaterThan(0);
    expect(expected.get(human.playerId)!.lowest, "the human went short (short FIFO lots)").to.be.below(0);

    // The PostgreSQL leaderboard and final inventories.
    const board = await h.db
      .selectFrom("leaderboard")
      .selectAll()
      .where("game_id", "=", g.gameId)
      .orderBy("rank")
      .execute();
    // The default rank rule (issue 16): humans by P&L first, then the bots (not ranked) by P&L; ties by player id.
    const humans = new Set([human.playerId, buyer.playerId]);
    const ranked = [...expected.values()].sort(
      (a, b) =>
        Number(humans.has(b.playerId)) - Number(humans.has(a.playerId)) ||
        b.pnl - a.pnl ||
        (a.playerId < b.playerId ? -1 : 1),
    );
    expect(board.map((b) => b.player_id)).to.deep.equal(ranked.map((p) => p.playerId));
    const pick = (p: Standing) => ({
      cash: p.cash,
      holdingsValue: p.holdingsValue,
      equity: p.equity,
      pnl: p.pnl,
      realizedPnl: p.realizedPnl,
      unrealizedPnl: p.unrealizedPnl,
      fees: p.fees,
      trades: p.trades,
    });
    for (const b of board) {
      expect(
        {
          cash: b.cash,
          holdingsValue: b.holdings_value,
          equity: b.equity,
          pnl: b.pnl,
          realizedPnl: b.realized_pnl,
          unrealizedPnl: b.unrealized_pnl,
          fees: b.fees,
          trades: b.trades,
        },
        b.player_id,
      ).to.deep.equal(pick(expected.get(b.player_id)!));
      expect(b.rank).to.equal(ranked.findIndex((p) => p.playerId === b.player_id) + 1);
    }
    const finals = await h.db
      .selectFrom("inventories")
      .selectAll()
      .where("game_id", "=", g.gameId)
      .where("kind", "=", "final")
      .execute();
    for (const p of expected.values()) {
      const mine = finals.filter((r) => r.player_id === p.playerId);
      expect(mine.find((r) => r.security_id === 0)?.qty, `${p.playerId} cash`).to.equal(p.cash);
      for (const s of SECURITIES)
        expect(mine.find((r) => r.security_id === s.securityId)?.qty ?? 0, `${p.playerId} ${s.symbol}`).to.equal(
          p.positions[s.securityId] ?? 0,
        );
    }

    // What the service returns: the leaderboard route and the (repeated) round end.
    const rowOf = (r: any) => ({
      cash: r.cash,
      holdingsValue: r.holdingsValue,
      equity: r.equity,
      pnl: r.pnl,
      realizedPnl: r.realizedPnl,
      unrealizedPnl: r.unrealizedPnl,
      fees: r.fees,
      trades: r.trades,
    });
    const lb = await api(h, "GET", `/api/games/${g.gameId}/leaderboard`);
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    for (const rows of [lb.body.leaderboard, end.body.leaderboard]) {
      expect(rows.map((r: any) => r.playerId)).to.deep.equal(ranked.map((p) => p.playerId));
      for (const r of rows) expect(rowOf(r), r.playerId).to.deep.equal(pick(expected.get(r.playerId)!));
    }
  });
});
