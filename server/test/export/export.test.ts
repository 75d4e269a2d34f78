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
const readCsv = async (dir: string, f: string): Promise<Row[]> => parse(await readFile(join(dir, f), "utf8"), { columns: true }) as Row[];
const n = (s: string | undefined) => Number(s);

/** Equity, pnl and rank of every player from inventories.csv, leaderboard.csv (marks) and config.json (scales). */
function recompute(config: any, inventories: Row[], leaderboard: Row[]) {
  const scale = new Map<number, number>(config.game.securities.map((s: any) => [s.securityId, s.scale]));
  const mark = new Map<number, number>();
  for (const id of scale.keys()) mark.set(id, n(leaderboard[0]![`mark_ticks_${id}`]));
  const out = new Map<string, { cash: number; holdings: number; equity: number; pnl: number }>();
  for (const r of inventories) {
    const p = out.get(r.player_id!) ?? { cash: 0, holdings: 0, equity: 0, pnl: 0 };
    const id = n(r.security_id);
    const fin = id === 0 ? n(r.final_qty) : n(r.final_qty) * mark.get(id)! * scale.get(id)!;
    const start = id === 0 ? n(r.start_qty) : n(r.start_qty) * mark.get(id)! * scale.get(id)!;
    if (id === 0) p.cash = fin; else p.holdings += fin;
    p.equity += fin;
    p.pnl += fin - start;
    out.set(r.player_id!, p);
  }
  const ranked = [...out].sort(([a, x], [b, y]) => y.equity - x.equity || (a < b ? -1 : a > b ? 1 : 0)).map(([id]) => id);
  return { out, ranked };
}

describe("round export", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => { h = await harness(); });

  it("exports a played round; equity recomputed from the files matches leaderboard.csv and PostgreSQL", async () => {
    const g = await createGame(h, {
      securities: [
        { securityId: 1, symbol: "ACME", tickSize: "0.01", scale: 1, refPrice: 100 },
        { securityId: 2, symbol: "BETA", tickSize: "0.05", scale: 10, refPrice: 50 },
      ],
      endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }, { securityId: 2, qty: 10 }] },
    });
    const players: JoinReply[] = [];
    for (const name of ["ann", "bob", "cy, \"the\" trader", "dee", "eve"]) players.push(await joinGame(h, g.joinCode, name));
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    const { hub } = h.app;
    // ann, bob and cy trade ACME; dee and eve never trade (equal equity: the tie goes to the smaller player id).
    let seed = 7;
    const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 120; i++) {
      const p = players[Math.floor(r() * 3)]!.playerId;
      const side = r() < 0.5 ? "buy" : "sell";
      await hub.place(g.gameId, p, { securityId: 1, side, price: 95 + Math.floor(r() * 11), qty: 1 + Math.floor(r() * 5) });
    }
    await hub.place(g.gameId, players[0]!.playerId, { securityId: 2, side: "buy", price: 40, qty: 1 }); // rests, never trades
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    expect(end.status).to.equal(200);
    expect(end.body.resultsWritten).to.equal(true);
    expect(end.body.cancelled).to.be.greaterThan(0);

    const dir = await mkdtemp(join(tmpdir(), "mr-export-"));
    const x = await exportRound(h.db, g.gameId, dir, { service: h.app.service });
    expect((await readdir(dir)).sort()).to.deep.equal(["config.json", "fills.csv", "inventories.csv", "leaderboard.csv", "orders.csv", "reference.csv"]);
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    const [orders, fills, inventories, leaderboard, reference] = await Promise.all(
      ["orders.csv", "fills.csv", "inventories.csv", "leaderboard.csv", "reference.csv"].map((f) => readCsv(dir, f))) as [Row[], Row[], Row[], Row[], Row[]];

    // Row counts against PostgreSQL.
    const count = async (table: "orders" | "fills") =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE game_id = ${g.gameId}`.execute(h.db)).rows[0]!.n);
    expect(orders.length).to.equal(await count("orders")).and.to.equal(121);
    expect(fills.length).to.equal(await count("fills")).and.to.be.greaterThan(5);
    expect(orders.filter((o) => n(o.resting_qty) > 0)).to.have.length(0);
    expect(orders.filter((o) => o.cancel_reason === "round_end").length).to.equal(end.body.cancelled);
    expect(inventories.length).to.equal(5 * 3);
    expect(fills.map((f) => n(f.seq))).to.deep.equal(fills.map((f) => n(f.seq)).sort((a, b) => a - b));
    expect(fills[0]!.price).to.equal((n(fills[0]!.price_ticks) / 100).toFixed(2));

    // Marks: ACME at its last trade, BETA (no trade) at the reference.
    const lastAcme = fills.filter((f) => f.security_id === "1").at(-1)!;
    expect(leaderboard[0]).to.include({ mark_ticks_1: lastAcme.price_ticks, mark_source_1: "last_trade", mark_ticks_2: "50", mark_2: "2.50", mark_source_2: "reference" });
    expect(x.marks.map((m) => m.source)).to.deep.equal(["last_trade", "reference"]);

    // Equity from the files alone.
    const { out, ranked } = recompute(config, inventories, leaderboard);
    expect(leaderboard.map((l) => l.player_id)).to.deep.equal(ranked);
    for (const l of leaderboard) {
      const p = out.get(l.player_id!)!;
      expect({ cash: n(l.cash_minor), holdings: n(l.holdings_value_minor), equity: n(l.equity_minor), pnl: n(l.pnl_minor) }, l.name).to.deep.equal(p);
      expect(l.equity).to.equal((p.equity / 100).toFixed(2));
    }
    const ties = leaderboard.filter((l) => l.name === "dee" || l.name === "eve");
    expect(ties[0]!.equity_minor).to.equal(ties[1]!.equity_minor);
    expect(String(ties[0]!.player_id) < String(ties[1]!.player_id)).to.equal(true);
    expect(n(ties[1]!.rank)).to.equal(n(ties[0]!.rank) + 1);
    expect(leaderboard.find((l) => l.player_id === players[2]!.playerId)!.name).to.equal("cy, \"the\" trader");

    // ... and with PostgreSQL and the round end's reply.
    const pg = await h.db.selectFrom("leaderboard").selectAll().where("game_id", "=", g.gameId).orderBy("rank").execute();
    expect(pg.map((b) => [b.rank, b.player_id, b.equity, b.cash, b.holdings_value, b.pnl])).to.deep.equal(
      leaderboard.map((l) => [n(l.rank), l.player_id, n(l.equity_minor), n(l.cash_minor), n(l.holdings_value_minor), n(l.pnl_minor)]));
    expect(end.body.leaderboard.map((b: any) => [b.rank, b.playerId, b.equity])).to.deep.equal(pg.map((b) => [b.rank, b.player_id, b.equity]));

    // Config: re-runnable settings and the round's schedule.
    expect(config.game).to.include({ name: "test game" }).and.not.to.have.property("scenario");
    expect(config.game.securities.map((s: any) => s.refPrice)).to.deep.equal([100, 50]);
    expect(config.round.lastSeq).to.be.greaterThan(0);
    expect(config.players).to.have.length(5);
    expect(reference.filter((row) => row.is_end === "true").map((row) => n(row.reference_ticks))).to.deep.equal([100, 50]);
    // Re-run: the settings are a valid create body.
    const rerun = await api(h, "POST", "/api/games", { ...config.game, gameId: `${g.gameId}-rerun` });
    expect(rerun.status).to.equal(201);
  });

  it("marks an untraded scenario security at the scenario's reference at the end, in PostgreSQL as in the export", async () => {
    const g = await createGame(h, { securities: [], scenario: "sp500-2000", endowment: { cash: 1_000_000, holdings: [{ securityId: 1, qty: 3 }] } });
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
    const { out, ranked } = recompute(config, await readCsv(dir, "inventories.csv"), leaderboard);
    expect(leaderboard.map((l) => l.player_id)).to.deep.equal(ranked);
    for (const l of leaderboard) expect(n(l.equity_minor)).to.equal(out.get(l.player_id!)!.equity).and.to.equal(1_000_000 + 3 * expected);
    const reference = await readCsv(dir, "reference.csv");
    expect(reference.filter((r) => r.security_id === "1").map((r) => n(r.elapsed_ms)).slice(0, 3)).to.deep.equal([0, 1000, 2000]);
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
