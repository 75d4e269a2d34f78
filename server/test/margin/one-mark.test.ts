/**
 * One mark (docs/margin.md "One mark"): a margin round's mark rule values positions for margin,
 * liquidation, the live leaderboard, the final standings, the replay's leaderboard and the export alike.
 * A round with the rule `mid` whose mid (10,200) differs from its last trade (10,000) is scored at the
 * mid everywhere, also after the round end has cancelled the orders that made the mid (the core's
 * closing mark). Also the create rules: markPrice is stored equal to markRule; contradictions are
 * INVALID_BODY; `mid` is refused in a cash round. Real server, WebSocket clients, Valkey, the persister
 * process and PostgreSQL.
 */
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Room } from "@colyseus/sdk";
import type { ClientGameState, LeaderboardRow } from "@marketroom/shared";
import { buildExport } from "../../src/export/export.ts";
import { api, connect, createGame, gameLog, harness, join, until, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const CASH = 1_000_000;
const LAST = 10_000;
const BID = 10_100;
const ASK = 10_300;
const MID = Math.floor((BID + ASK) / 2);

describe("one mark in a margin round", function () {
  this.timeout(120_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** Rows of a leaderboard by player id. */
  const byId = (rows: LeaderboardRow[]) => new Map(rows.map((r) => [r.playerId, r]));

  /** Every row is valued at `mark`: holdings = qty x mark (scale 1), equity = cash + holdings. */
  function valuedAt(rows: LeaderboardRow[], qty: Map<string, number>, mark: number, where: string): void {
    for (const r of rows) {
      const q = qty.get(r.playerId) ?? 0;
      expect(r.holdingsValue, `${where}: holdings of ${r.name}`).to.equal(q * mark);
      expect(r.equity, `${where}: equity of ${r.name}`).to.equal(r.cash + q * mark);
    }
  }

  it("scores a mid-marked round at the mid: live, final, replay and export agree (not at the last trade)", async () => {
    const game = await createGame(h, {
      rules: { mode: "margin", markRule: "mid", insuranceFund: 1_000_000, orderRateLimit: null },
      securities: [{ securityId: 1, symbol: "ACME", refPrice: LAST }],
      securityRules: { maxLeverage: 10 },
      endowment: { cash: CASH },
    });
    expect(game.rules).to.include({ markRule: "mid", markPrice: "mid" });
    const g = game.gameId;
    await api(h, "POST", `/api/games/${g}/start`);
    const ids = new Map<string, string>();
    const rooms = new Map<string, R>();
    for (const n of ["long", "short", "quoter"]) {
      const j = await join(h, game.joinCode, n);
      const room = await connect(h, g, j.token);
      open.push(room);
      ids.set(n, j.playerId);
      rooms.set(n, room);
    }
    const place = async (who: string, side: "buy" | "sell", price: number, qty: number) => {
      const r: any = await rooms.get(who)!.request("place", { securityId: 1, side, price, qty });
      expect(r.ok, `${who} ${side} ${qty} @ ${price}: ${JSON.stringify(r)}`).to.equal(true);
    };
    await place("short", "sell", LAST, 10);
    await place("long", "buy", LAST, 10);
    await place("quoter", "buy", BID, 1);
    await place("quoter", "sell", ASK, 1);
    const qty = new Map([
      [ids.get("long")!, 10],
      [ids.get("short")!, -10],
    ]);
    expect(MID).to.not.equal(LAST);

    // live: the service's leaderboard (the room's model) and the room's own board
    const live = await api(h, "GET", `/api/games/${g}/leaderboard`);
    expect(live.status).to.equal(200);
    valuedAt(live.body.leaderboard, qty, MID, "live leaderboard");
    const room = rooms.get("long")!;
    await until(
      async () =>
        room.state.leaderboard?.some(
          (r: any) => r.playerId === ids.get("long") && r.equity === CASH + 10 * (MID - LAST),
        ),
      "the room's board at the mid",
    );
    const sec = room.state.securities.get("1") as any;
    await until(async () => sec.mark === MID, "the public mark at the mid");

    // replay before the end, at the quoter's ask (the book then had both sides)
    const log = await gameLog(h, g);
    const askSeq = log.filter((e) => e.type === "order_rested").at(-1)!.seq;
    const replayAt = async (seq?: number) => {
      const q = seq === undefined ? "" : `?seq=${seq}`;
      const r = await until(async () => {
        const x = await api(h, "GET", `/api/games/${g}/replay/leaderboard${q}`);
        return x.status === 200 && (seq === undefined || x.body.seq === seq) ? x : null;
      }, "the replay leaderboard");
      return r.body.leaderboard as LeaderboardRow[];
    };
    valuedAt(await replayAt(askSeq), qty, MID, "replay while running");

    // the end: the round end cancels the quoter's orders; the closing mark keeps the mid
    const end = await api(h, "POST", `/api/games/${g}/end`);
    expect(end.status).to.equal(200);
    const final = end.body.leaderboard as LeaderboardRow[];
    valuedAt(final, qty, MID, "final standings");
    const after = await api(h, "GET", `/api/games/${g}/leaderboard`);
    expect(after.body.leaderboard).to.deep.equal(final);
    const lastSeq = (await gameLog(h, g)).at(-1)!.seq;
    const replayEnd = await until(async () => {
      const rows = await replayAt();
      return rows.length && (await api(h, "GET", `/api/games/${g}/replay`)).body.lastSeq === lastSeq ? rows : null;
    }, "the replay at the end");
    expect(byId(replayEnd)).to.deep.equal(byId(final));
    await until(async () => {
      const row = await h.db.selectFrom("games").select("results_written_at").where("id", "=", g).executeTakeFirst();
      return !!row?.results_written_at;
    }, "results written");

    // the export: config's scoring, leaderboard.csv's marks and equity (it refuses to write if PostgreSQL disagrees)
    const ex = await buildExport(h.db, g, { service: h.app.service });
    const config = JSON.parse(ex.files["config.json"]);
    expect(config.scoring.markPrice).to.equal("mid");
    expect(config.game.rules).to.include({ markRule: "mid", markPrice: "mid" });
    const rows: Record<string, string>[] = parse(ex.files["leaderboard.csv"], { columns: true });
    expect(rows).to.have.length(3);
    for (const r of rows) {
      expect(Number(r.mark_ticks_1)).to.equal(MID);
      expect(r.mark_source_1).to.equal("mid");
      const f = final.find((x) => x.playerId === r.player_id)!;
      expect(Number(r.equity_minor), `export equity of ${r.name}`).to.equal(f.equity);
    }
    // the longs' margin account at the end is at the same mark
    const account = config.margin.accounts.find((a: any) => a.playerId === ids.get("long"));
    expect(account.equity).to.equal(final.find((x) => x.playerId === ids.get("long"))!.equity);
  });

  it("stores markPrice equal to markRule; refuses contradicting rules and mid in a cash round (INVALID_BODY)", async () => {
    const derived = await createGame(h, { rules: { mode: "margin", markPrice: "reference" } });
    expect(derived.rules).to.include({ markRule: "reference", markPrice: "reference" });
    const plain = await createGame(h, { rules: { mode: "margin" } });
    expect(plain.rules).to.include({ markRule: "last_trade", markPrice: "last_trade" });
    const bad = [
      { mode: "margin", markRule: "mid", markPrice: "reference" },
      { mode: "margin", markRule: "last_trade", markPrice: "mid" },
      { markPrice: "mid" },
    ];
    for (const rules of bad) {
      const r = await api(h, "POST", "/api/games", {
        name: "contradiction",
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
        endowment: { cash: 1000 },
        rules,
      });
      expect(r.status, JSON.stringify(rules)).to.equal(400);
      expect(r.body.code).to.equal("INVALID_BODY");
    }
  });
});
