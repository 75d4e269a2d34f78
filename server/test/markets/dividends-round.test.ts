/**
 * An asset market with dividends through the real server: rules.marketType "dividends", 2 periods of
 * 3 s with a 1 s break. Two players trade; the dividend of each period is paid at its end to the
 * holders at that moment (positions rebuilt here from the fills before each dividend), the last one
 * before the round's final standings; GET /api/games/:id/fundamental gives the fundamental value line.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, EngineEvent, EventOf, ClientGameState } from "@marketroom/shared";
import { dividendDraw } from "../../src/rounds/dividends.ts";
import { rebuildFromEvents } from "../support/rebuild.ts";
import { api, connect, createGame, harness, join, gameLog, until, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

describe("asset market with dividends through the server", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  const events = (g: string): Promise<EngineEvent[]> => gameLog(h, g);

  it("pays each period's dividend to the holders at its end, the last one before the final standings", async () => {
    const values = [0, 8, 28, 60];
    const game = await createGame(h, {
      rules: { marketType: "dividends", dividends: { values } } as never,
      schedule: { periods: { count: 2, durationSec: 3, breakSec: 1 } },
    });
    const g = game.gameId;
    const ann = await join(h, game.joinCode, "Ann");
    const bob = await join(h, game.joinCode, "Bob");
    const a = await connect(h, g, ann.token);
    const b = await connect(h, g, bob.token);
    open.push(a, b);
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    // Ann sells 10 lots to Bob at 100, in whichever period the orders land
    expect(await req(a, "place", { securityId: 1, side: "sell", price: 100, qty: 10 })).to.include({ ok: true });
    expect(await req(b, "place", { securityId: 1, side: "buy", price: 100, qty: 10 })).to.include({ ok: true });

    const detail = await until(async () => {
      const d = await api(h, "GET", `/api/games/${g}`);
      return d.body.phase === "ended" && d.body;
    }, "the round's end");
    expect(detail.phase).to.equal("ended");
    const log = await events(g);
    const dividends = log.filter((e): e is EventOf<"dividend"> => e.type === "dividend");
    expect(dividends.map((d) => [d.period, d.amount])).to.deep.equal(
      [1, 2].map((k) => [k, dividendDraw(g, 1, k, values)]),
    );

    // positions and cash rebuilt from the endowment (100,000 cash, 100 lots) and the fills
    const pos = new Map([
      [ann.playerId, 100],
      [bob.playerId, 100],
    ]);
    const cash = new Map([
      [ann.playerId, 100_000],
      [bob.playerId, 100_000],
    ]);
    for (const e of log) {
      if (e.type === "fill") {
        const buyer = e.aggressor === "buy" ? e.takerPlayerId : e.makerPlayerId;
        const seller = e.aggressor === "buy" ? e.makerPlayerId : e.takerPlayerId;
        pos.set(buyer, pos.get(buyer)! + e.qty);
        pos.set(seller, pos.get(seller)! - e.qty);
        cash.set(buyer, cash.get(buyer)! - e.price * e.qty);
        cash.set(seller, cash.get(seller)! + e.price * e.qty);
      } else if (e.type === "dividend") {
        expect(e.payments, `period ${e.period}`).to.deep.equal(
          [...pos]
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([playerId, qty]) => ({ playerId, qty, cash: qty * e.amount })),
        );
        for (const [p, qty] of pos) cash.set(p, cash.get(p)! + qty * e.amount);
      }
    }
    expect(pos.get(ann.playerId)).to.equal(90);
    for (const [p, c] of cash) {
      const inv = await h.app.hub.engine.inventory(g, p);
      expect((inv as { cash: number }).cash, p).to.equal(c);
    }
    // the final standings (PostgreSQL) include the last dividend
    const board = await until(async () => {
      const rows = await h.db.selectFrom("leaderboard").selectAll().where("game_id", "=", g).execute();
      return rows.length === 2 && rows;
    }, "the final standings");
    for (const row of board) expect(row.cash, row.player_id).to.equal(cash.get(row.player_id));

    // the log is complete: re-running its commands (dividends included) gives the same events and inventories
    const rebuilt = `${g}-rb`;
    await rebuildFromEvents(h.app.hub.engine, rebuilt, log);
    for (const p of cash.keys())
      expect(await h.app.hub.engine.inventory(rebuilt, p)).to.deep.equal(await h.app.hub.engine.inventory(g, p));

    const f = await api(h, "GET", `/api/games/${g}/fundamental`);
    expect(f.status).to.equal(200);
    expect(f.body).to.deep.include({ periods: 2, values, expectedDividend: 24, fundamental: [48, 24, 0] });
    expect(f.body.paid).to.deep.equal(dividends.map((d) => ({ securityId: 1, period: d.period, amount: d.amount })));
  });
});
