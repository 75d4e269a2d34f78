/**
 * State-contingent claims through the real server: two claims (YES, NO) with weights 3:1; two players
 * trade; at the end the state drawn from the seed (recomputed here from the documented SHA-256 rule)
 * pays the payout per lot to the holders of its claim and the other claim pays 0, before the final
 * standings (PostgreSQL); GET /api/games/:id/contingent hides the state from players until the end.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, EventOf, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, until, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

describe("state-contingent claims through the server", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("the drawn state's claim pays the payout per lot at the end, the other nothing; the state is hidden until then", async () => {
    const seed = "claims-1";
    const game = await createGame(h, {
      securities: [
        { securityId: 1, symbol: "YES", refPrice: 50 },
        { securityId: 2, symbol: "NO", refPrice: 50 },
      ],
      endowment: {
        cash: 10_000,
        holdings: [
          { securityId: 1, qty: 10 },
          { securityId: 2, qty: 10 },
        ],
      },
      rules: { marketType: "contingent", contingent: { payout: 100, weights: [3, 1], seed } } as never,
    });
    const g = game.gameId;
    const ann = await join(h, game.joinCode, "Ann");
    const bob = await join(h, game.joinCode, "Bob");
    const [a, b] = await Promise.all([connect(h, g, ann.token), connect(h, g, bob.token)]);
    open.push(a, b);
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    // the documented draw: x = SHA-256("seed:contingent")[0..4] mod 4; YES when x < 3
    const x = createHash("sha256").update(`${seed}:contingent`).digest().readUInt32BE(0) % 4;
    const winner = x < 3 ? 1 : 2;
    const hidden = await api(h, "GET", `/api/games/${g}/contingent`, undefined, ann.token);
    expect(hidden.body).to.deep.include({ payout: 100, state: null });
    expect(hidden.body.states.map((s: any) => [s.symbol, s.chanceBps])).to.deep.equal([
      ["YES", 7500],
      ["NO", 2500],
    ]);
    expect((await api(h, "GET", `/api/games/${g}/contingent`)).body.state).to.equal(winner);

    // Ann sells 4 YES to Bob at 60; Bob sells 3 NO to Ann at 30
    expect(await req(a, "place", { securityId: 1, side: "sell", price: 60, qty: 4 })).to.include({ ok: true });
    expect(await req(b, "place", { securityId: 1, side: "buy", price: 60, qty: 4 })).to.include({ ok: true });
    expect(await req(b, "place", { securityId: 2, side: "sell", price: 30, qty: 3 })).to.include({ ok: true });
    expect(await req(a, "place", { securityId: 2, side: "buy", price: 30, qty: 3 })).to.include({ ok: true });
    expect((await api(h, "POST", `/api/games/${g}/end`)).status).to.equal(200);

    const pos = { [ann.playerId]: { 1: 6, 2: 13 }, [bob.playerId]: { 1: 14, 2: 7 } } as Record<
      string,
      Record<number, number>
    >;
    const log = await until(async () => {
      const l = await gameLog(h, g);
      return l.filter((e) => e.type === "dividend").length === 2 && l;
    }, "the claims' settlement");
    const paid = log.filter((e): e is EventOf<"dividend"> => e.type === "dividend");
    for (const d of paid) {
      const amount = d.securityId === winner ? 100 : 0;
      expect(d).to.include({ period: 1, amount });
      expect(d.payments, `security ${d.securityId}`).to.deep.equal(
        [ann.playerId, bob.playerId]
          .sort()
          .map((p) => ({ playerId: p, qty: pos[p]![d.securityId]!, cash: pos[p]![d.securityId]! * amount })),
      );
    }
    const cash = {
      [ann.playerId]: 10_000 + 4 * 60 - 3 * 30 + pos[ann.playerId]![winner]! * 100,
      [bob.playerId]: 10_000 - 4 * 60 + 3 * 30 + pos[bob.playerId]![winner]! * 100,
    };
    const rows = await until(async () => {
      const r = await h.db.selectFrom("leaderboard").selectAll().where("game_id", "=", g).execute();
      return r.length === 2 && r;
    }, "the final standings");
    for (const r of rows) expect(r.cash, r.player_id).to.equal(cash[r.player_id]);
    expect((await api(h, "GET", `/api/games/${g}/contingent`, undefined, ann.token)).body.state).to.equal(winner);
  });
});
