/**
 * Round exports (docs/export.md): a real round through the engine, the persister and the round end,
 * exported to files; every player's equity recomputed from the files alone; row counts against PostgreSQL.
 */
import { expect } from "chai";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import type { JoinReply } from "@marketroom/shared";
import { exportRound } from "../../src/export/export.ts";
import { getScenario } from "../../src/market/scenarios.ts";
import { api, createGame, harness, join as joinGame, type Harness } from "../support/harness.ts";

type Row = Record<string, string>;
const readCsv = async (dir: string, f: string): Promise<Row[]> =>
  parse(await readFile(join(dir, f), "utf8"), { columns: true }) as Row[];
const n = (s: string | undefined) => Number(s);

interface Recomputed {
  cash: number;
  holdings: number;
  equity: number;
  pnl: number;
  realized: number;
  unrealized: number;
  fees: number;
  trades: number;
}

/**
 * Every player's standing from the files alone, with code of the test's own: equity from inventories.csv
 * (final quantities), leaderboard.csv (marks) and config.json (scales); pnl against the opening
 * references (config.json game.securities[].refPrice); FIFO lots from the start quantities and fills.csv;
 * fees from the fee columns of fills.csv. Also checks that the final cash is the start cash moved by the
 * fills' notionals and fees (so the fee columns are the fees the engine booked).
 */
function recompute(config: any, inventories: Row[], leaderboard: Row[], fills: Row[]) {
  const secs = new Map<number, { scale: number; open: number }>(
    config.game.securities.map((s: any) => [s.securityId, { scale: s.scale, open: s.refPrice }]),
  );
  const mark = new Map<number, number>();
  for (const id of secs.keys()) mark.set(id, n(leaderboard[0]![`mark_ticks_${id}`]));
  const out = new Map<string, Recomputed>();
  const lots = new Map<string, Map<number, { qty: number; price: number }[]>>(); // signed qty, oldest first
  const startCash = new Map<string, number>();
  const get = (pid: string) => {
    if (!out.has(pid)) {
      out.set(pid, { cash: 0, holdings: 0, equity: 0, pnl: 0, realized: 0, unrealized: 0, fees: 0, trades: 0 });
      lots.set(pid, new Map());
    }
    return out.get(pid)!;
  };
  const trade = (pid: string, sid: number, signed: number, price: number) => {
    const list = lots.get(pid)!.get(sid) ?? [];
    lots.get(pid)!.set(sid, list);
    let q = signed;
    while (q !== 0 && list.length && Math.sign(list[0]!.qty) !== Math.sign(q)) {
      const lot = list[0]!;
      const k = Math.min(Math.abs(q), Math.abs(lot.qty));
      get(pid).realized += (price - lot.price) * k * Math.sign(lot.qty) * secs.get(sid)!.scale;
      lot.qty -= Math.sign(lot.qty) * k;
      q -= Math.sign(q) * k;
      if (lot.qty === 0) list.shift();
    }
    if (q !== 0) list.push({ qty: q, price });
  };
  for (const r of inventories) {
    const p = get(r.player_id!);
    const id = n(r.security_id);
    if (id === 0) {
      p.cash = n(r.final_qty);
      startCash.set(r.player_id!, n(r.start_qty));
      p.pnl += n(r.final_qty) - n(r.start_qty);
    } else {
      const { scale, open } = secs.get(id)!;
      p.holdings += n(r.final_qty) * mark.get(id)! * scale;
      p.pnl += n(r.final_qty) * mark.get(id)! * scale - n(r.start_qty) * open * scale;
      if (n(r.start_qty)) trade(r.player_id!, id, n(r.start_qty), open);
    }
    p.equity = p.cash + p.holdings;
  }
  const cashFlow = new Map<string, number>();
  for (const f of [...fills].sort((a, b) => n(a.seq) - n(b.seq))) {
    const sid = n(f.security_id),
      qty = n(f.qty),
      price = n(f.price_ticks);
    const takerDir = f.aggressor === "buy" ? 1 : -1;
    expect(n(f.notional_minor)).to.equal(price * qty * secs.get(sid)!.scale);
    for (const [pid, dir, fee] of [
      [f.taker_player_id!, takerDir, n(f.taker_fee_minor)],
      [f.maker_player_id!, -takerDir, -n(f.maker_rebate_minor)],
    ] as const) {
      trade(pid, sid, dir * qty, price);
      get(pid).fees += fee;
      get(pid).trades += 1;
      cashFlow.set(pid, (cashFlow.get(pid) ?? 0) - dir * n(f.notional_minor) - fee);
    }
  }
  for (const [pid, p] of out) {
    for (const [sid, list] of lots.get(pid)!)
      for (const lot of list) p.unrealized += (mark.get(sid)! - lot.price) * lot.qty * secs.get(sid)!.scale;
    expect(p.cash, `${pid} cash = start cash + fills`).to.equal(startCash.get(pid)! + (cashFlow.get(pid) ?? 0));
    expect(p.pnl, `${pid} pnl = realized + unrealized - fees`).to.equal(p.realized + p.unrealized - p.fees);
  }
  // The default rank rule (docs/export.md "Ranking"): P&L descending, ties by player id; these rounds have no bots.
  const ranked = [...out].sort(([a, x], [b, y]) => y.pnl - x.pnl || (a < b ? -1 : a > b ? 1 : 0)).map(([id]) => id);
  return { out, ranked };
}

/** The P&L columns of a leaderboard.csv row, as recompute() names them. */
const rowOf = (l: Row): Recomputed => ({
  cash: n(l.cash_minor),
  holdings: n(l.holdings_value_minor),
  equity: n(l.equity_minor),
  pnl: n(l.pnl_minor),
  realized: n(l.realized_pnl_minor),
  unrealized: n(l.unrealized_pnl_minor),
  fees: n(l.fees_minor),
  trades: n(l.trades),
});

describe("round export", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("exports a played round; equity recomputed from the files matches leaderboard.csv and PostgreSQL", async () => {
    const g = await createGame(h, {
      securities: [
        { securityId: 1, symbol: "ACME", tickSize: "0.01", scale: 1, refPrice: 100, takerFee: 3, makerRebate: 1 },
        { securityId: 2, symbol: "BETA", tickSize: "0.05", scale: 10, refPrice: 50 },
      ],
      endowment: {
        cash: 100_000,
        holdings: [
          { securityId: 1, qty: 100 },
          { securityId: 2, qty: 10 },
        ],
      },
    });
    const players: JoinReply[] = [];
    for (const name of ["ann", "bob", 'cy, "the" trader', "dee", "eve"])
      players.push(await joinGame(h, g.joinCode, name));
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    const { hub } = h.app;
    // ann, bob and cy trade ACME; dee and eve never trade (equal equity: the tie goes to the smaller player id).
    let seed = 7;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 120; i++) {
      const p = players[Math.floor(r() * 3)]!.playerId;
      const side = r() < 0.5 ? "buy" : "sell";
      await hub.place(g.gameId, p, {
        securityId: 1,
        side,
        price: 95 + Math.floor(r() * 11),
        qty: 1 + Math.floor(r() * 5),
      });
    }
    await hub.place(g.gameId, players[0]!.playerId, { securityId: 2, side: "buy", price: 40, qty: 1 }); // rests, never trades
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    expect(end.status).to.equal(200);
    expect(end.body.resultsWritten).to.equal(true);
    expect(end.body.cancelled).to.be.greaterThan(0);

    const dir = await mkdtemp(join(tmpdir(), "mr-export-"));
    const x = await exportRound(h.db, g.gameId, dir, { service: h.app.service });
    expect((await readdir(dir)).sort()).to.deep.equal([
      "config.json",
      "fills.csv",
      "inventories.csv",
      "leaderboard.csv",
      "orders.csv",
      "reference.csv",
    ]);
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    const [orders, fills, inventories, leaderboard, reference] = (await Promise.all(
      ["orders.csv", "fills.csv", "inventories.csv", "leaderboard.csv", "reference.csv"].map((f) => readCsv(dir, f)),
    )) as [Row[], Row[], Row[], Row[], Row[]];

    // Row counts against PostgreSQL.
    const count = async (table: "orders" | "fills") =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE game_id = ${g.gameId}`.execute(
            h.db,
          )
        ).rows[0]!.n,
      );
    expect(orders.length)
      .to.equal(await count("orders"))
      .and.to.equal(121);
    expect(fills.length)
      .to.equal(await count("fills"))
      .and.to.be.greaterThan(5);
    expect(orders.filter((o) => n(o.resting_qty) > 0)).to.have.length(0);
    expect(orders.filter((o) => o.cancel_reason === "round_end").length).to.equal(end.body.cancelled);
    expect(inventories.length).to.equal(5 * 3);
    expect(fills.map((f) => n(f.seq))).to.deep.equal(fills.map((f) => n(f.seq)).sort((a, b) => a - b));
    expect(fills[0]!.price).to.equal((n(fills[0]!.price_ticks) / 100).toFixed(2));

    // Marks: ACME at its last trade, BETA (no trade) at the reference.
    const lastAcme = fills.filter((f) => f.security_id === "1").at(-1)!;
    expect(leaderboard[0]).to.include({
      mark_ticks_1: lastAcme.price_ticks,
      mark_source_1: "last_trade",
      mark_ticks_2: "50",
      mark_2: "2.50",
      mark_source_2: "reference",
    });
    expect(x.marks.map((m) => m.source)).to.deep.equal(["last_trade", "reference"]);

    // Equity, pnl, FIFO P&L, fees and trades from the files alone.
    const { out, ranked } = recompute(config, inventories, leaderboard, fills);
    expect(leaderboard.map((l) => l.player_id)).to.deep.equal(ranked);
    for (const l of leaderboard) {
      const p = out.get(l.player_id!)!;
      expect(rowOf(l), l.name).to.deep.equal(p);
      expect(l.equity).to.equal((p.equity / 100).toFixed(2));
    }
    expect(leaderboard.filter((l) => n(l.trades) > 0)).to.have.length(3);
    expect(leaderboard.some((l) => n(l.realized_pnl_minor) !== 0)).to.equal(true);
    expect(config.game.rules)
      .to.include({ markPrice: "last_trade", botTakeover: false, grossLimit: 0, netLimit: 0 })
      .and.to.have.deep.property("orderRateLimit", { orders: 50, windowMs: 1000 });
    expect(config.scoring.markPrice).to.equal("last_trade");
    const ties = leaderboard.filter((l) => l.name === "dee" || l.name === "eve");
    expect(ties[0]!.equity_minor).to.equal(ties[1]!.equity_minor);
    expect(String(ties[0]!.player_id) < String(ties[1]!.player_id)).to.equal(true);
    expect(n(ties[1]!.rank)).to.equal(n(ties[0]!.rank) + 1);
    expect(leaderboard.find((l) => l.player_id === players[2]!.playerId)!.name).to.equal('cy, "the" trader');

    // ... and with PostgreSQL and the round end's reply.
    const pg = await h.db
      .selectFrom("leaderboard")
      .selectAll()
      .where("game_id", "=", g.gameId)
      .orderBy("rank")
      .execute();
    expect(
      pg.map((b) => [
        b.rank,
        b.player_id,
        b.equity,
        b.cash,
        b.holdings_value,
        b.pnl,
        b.realized_pnl,
        b.unrealized_pnl,
        b.fees,
        b.trades,
      ]),
    ).to.deep.equal(
      leaderboard.map((l) => [
        n(l.rank),
        l.player_id,
        n(l.equity_minor),
        n(l.cash_minor),
        n(l.holdings_value_minor),
        n(l.pnl_minor),
        n(l.realized_pnl_minor),
        n(l.unrealized_pnl_minor),
        n(l.fees_minor),
        n(l.trades),
      ]),
    );
    expect(
      end.body.leaderboard.map((b: any) => [
        b.rank,
        b.playerId,
        b.equity,
        b.pnl,
        b.realizedPnl,
        b.unrealizedPnl,
        b.fees,
        b.trades,
      ]),
    ).to.deep.equal(
      pg.map((b) => [b.rank, b.player_id, b.equity, b.pnl, b.realized_pnl, b.unrealized_pnl, b.fees, b.trades]),
    );

    // Config: re-runnable settings and the round's schedule.
    expect(config.game).to.include({ name: "test game" }).and.not.to.have.property("scenario");
    expect(config.game.securities.map((s: any) => s.refPrice)).to.deep.equal([100, 50]);
    expect(config.round.lastSeq).to.be.greaterThan(0);
    expect(config.players).to.have.length(5);
    expect(reference.filter((row) => row.is_end === "true").map((row) => n(row.reference_ticks))).to.deep.equal([
      100, 50,
    ]);
    // Re-run: the settings are a valid create body.
    const rerun = await api(h, "POST", "/api/games", { ...config.game, gameId: `${g.gameId}-rerun` });
    expect(rerun.status).to.equal(201);
  });

  it("marks an untraded scenario security at the scenario's reference at the end, in PostgreSQL as in the export", async () => {
    const g = await createGame(h, {
      securities: [],
      scenario: "sp500-2000",
      endowment: { cash: 1_000_000, holdings: [{ securityId: 1, qty: 3 }] },
    });
    await joinGame(h, g.joinCode, "solo");
    await joinGame(h, g.joinCode, "duo");
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    await new Promise((res) => setTimeout(res, 2100));
    expect((await api(h, "POST", `/api/games/${g.gameId}/end`)).body.resultsWritten).to.equal(true);
    const dir = await mkdtemp(join(tmpdir(), "mr-export-"));
    await exportRound(h.db, g.gameId, dir, { service: h.app.service });
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    const leaderboard = await readCsv(dir, "leaderboard.csv");
    const sc = getScenario("sp500-2000")!;
    expect(config.round.elapsedMs).to.be.at.least(2000);
    const expected = sc.referenceAt(1, config.round.elapsedMs);
    expect(expected).to.not.equal(sc.securities[0]!.startPrice);
    expect(leaderboard[0]).to.include({ mark_ticks_1: String(expected), mark_source_1: "reference" });
    const { out, ranked } = recompute(
      config,
      await readCsv(dir, "inventories.csv"),
      leaderboard,
      await readCsv(dir, "fills.csv"),
    );
    expect(leaderboard.map((l) => l.player_id)).to.deep.equal(ranked);
    for (const l of leaderboard)
      expect(n(l.equity_minor))
        .to.equal(out.get(l.player_id!)!.equity)
        .and.to.equal(1_000_000 + 3 * expected);
    const reference = await readCsv(dir, "reference.csv");
    expect(
      reference
        .filter((r) => r.security_id === "1")
        .map((r) => n(r.elapsed_ms))
        .slice(0, 3),
    ).to.deep.equal([0, 1000, 2000]);
  });

  it('with markPrice "reference" marks every security at the closing reference, traded or not', async () => {
    const g = await createGame(h, { rules: { markPrice: "reference" } });
    const [a, b] = [await joinGame(h, g.joinCode, "ask"), await joinGame(h, g.joinCode, "bid")];
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    await h.app.hub.place(g.gameId, a.playerId, { securityId: 1, side: "sell", price: 130, qty: 10 });
    await h.app.hub.place(g.gameId, b.playerId, { securityId: 1, side: "buy", price: 130, qty: 4 });
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    expect(end.body.resultsWritten).to.equal(true);
    const dir = await mkdtemp(join(tmpdir(), "mr-export-"));
    await exportRound(h.db, g.gameId, dir, { service: h.app.service });
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    const leaderboard = await readCsv(dir, "leaderboard.csv");
    expect(config.scoring.markPrice).to.equal("reference");
    expect(leaderboard[0]).to.include({ mark_ticks_1: "100", mark_source_1: "reference" });
    const { out } = recompute(
      config,
      await readCsv(dir, "inventories.csv"),
      leaderboard,
      await readCsv(dir, "fills.csv"),
    );
    for (const l of leaderboard) expect(rowOf(l), l.name).to.deep.equal(out.get(l.player_id!)!);
    // ask sold 4 starting lots (bought at 100) at 130: realized +120, and the rest is marked at 100.
    const ask = leaderboard.find((l) => l.player_id === a.playerId)!;
    expect(ask).to.include({ realized_pnl_minor: "120", unrealized_pnl_minor: "0", pnl_minor: "120", trades: "1" });
    expect(end.body.leaderboard.find((r: any) => r.playerId === b.playerId)).to.include({
      realizedPnl: 0,
      unrealizedPnl: -120,
      pnl: -120,
    });
  });

  it("serves the files at GET /api/games/:id/export/:file (admin only, ended rounds only)", async () => {
    const g = await createGame(h);
    const p = await joinGame(h, g.joinCode, "zed");
    const url = (f: string) => `/api/games/${g.gameId}/export/${f}`;
    expect((await api(h, "GET", url("leaderboard.csv"))).status).to.equal(409);
    await api(h, "POST", `/api/games/${g.gameId}/end`);
    const res = await fetch(h.base + url("leaderboard.csv"), { headers: { authorization: `Bearer ${h.admin}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/csv/);
    const rows = parse(await res.text(), { columns: true }) as Row[];
    expect(rows.map((r) => r.player_id)).to.deep.equal([p.playerId]);
    const cfg = await api(h, "GET", url("config.json"));
    expect(cfg.status).to.equal(200);
    expect(cfg.body.gameId).to.equal(g.gameId);
    expect((await api(h, "GET", url("leaderboard.csv"), undefined, p.token)).status).to.equal(403);
    expect((await api(h, "GET", url("leaderboard.csv"), undefined, null)).status).to.equal(401);
    expect((await api(h, "GET", url("secrets.txt"))).body.code).to.equal("NOT_FOUND");
    expect((await api(h, "GET", `/api/games/nope-${Date.now()}/export/orders.csv`)).status).to.equal(404);
  });
});
