/**
 * The double auction with induced values through the real server: four students join (buyer, seller,
 * buyer, seller by join order), each sees only their own schedule (values or costs drawn from the seed,
 * recomputed here from the documented SHA-256 rule), the wrong side of a role is refused with
 * INVALID_SIDE and changes nothing, and after trades the admin's view gives each player's surplus, the
 * maximum surplus and the efficiency, all checked against values computed here.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

const SEED = "t16";
const VALUES = { min: 100, max: 200 };
const COSTS = { min: 20, max: 120 };

/** The documented draw: min + SHA-256("<seed>:induced:<playerId>:<unit>")[0..4] mod (max - min + 1). */
function units(playerId: string, r: { min: number; max: number }, desc: boolean): number[] {
  const out = [1, 2].map(
    (u) =>
      r.min +
      (createHash("sha256").update(`${SEED}:induced:${playerId}:${u}`).digest().readUInt32BE(0) % (r.max - r.min + 1)),
  );
  return out.sort((a, b) => (desc ? b - a : a - b));
}

describe("double auction with induced values through the server", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("private schedules by role, the role gate, and each player's surplus and the efficiency", async () => {
    const game = await createGame(h, {
      rules: { marketType: "induced", induced: { units: 2, values: VALUES, costs: COSTS, seed: SEED } } as never,
    });
    const g = game.gameId;
    const ps = [];
    for (const name of ["Ann", "Bob", "Cat", "Dan"]) ps.push(await join(h, game.joinCode, name));
    const [ann, bob, cat, dan] = ps as [(typeof ps)[0], (typeof ps)[0], (typeof ps)[0], (typeof ps)[0]];
    const rooms = await Promise.all(ps.map((p) => connect(h, g, p.token)));
    open.push(...rooms);
    const [a, b, c, d] = rooms as [R, R, R, R];
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);

    const want = {
      [ann.playerId]: { role: "buyer", units: units(ann.playerId, VALUES, true) },
      [bob.playerId]: { role: "seller", units: units(bob.playerId, COSTS, false) },
      [cat.playerId]: { role: "buyer", units: units(cat.playerId, VALUES, true) },
      [dan.playerId]: { role: "seller", units: units(dan.playerId, COSTS, false) },
    };
    // each player sees their own schedule and nothing about the others
    for (const p of ps) {
      const r = await api(h, "GET", `/api/games/${g}/induced`, undefined, p.token);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({
        gameId: g,
        playerId: p.playerId,
        role: want[p.playerId]!.role,
        units: want[p.playerId]!.units,
        traded: 0,
        periodTraded: 0,
        surplus: 0,
      });
    }
    expect((await api(h, "GET", `/api/games/${g}/induced`, undefined, null)).status).to.equal(401);

    // the wrong side of a role: refused, nothing rests
    expect(await req(a, "place", { securityId: 1, side: "sell", price: 150, qty: 1 })).to.include({
      ok: false,
      code: "INVALID_SIDE",
    });
    expect(await req(b, "place", { securityId: 1, side: "buy", price: 150, qty: 1 })).to.include({
      ok: false,
      code: "INVALID_SIDE",
    });

    // Bob sells 1 to Ann at 150; Dan sells 2 to Cat at 130 (Cat's third lot rests)
    expect(await req(b, "place", { securityId: 1, side: "sell", price: 150, qty: 1 })).to.include({ ok: true });
    expect(await req(a, "place", { securityId: 1, side: "buy", price: 150, qty: 1 })).to.include({ ok: true });
    expect(await req(d, "place", { securityId: 1, side: "sell", price: 130, qty: 2 })).to.include({ ok: true });
    expect(await req(c, "place", { securityId: 1, side: "buy", price: 130, qty: 3 })).to.include({ ok: true });

    // only the four orders on the right side reached the engine
    const accepted = (await gameLog(h, g)).filter((e) => e.type === "order_accepted");
    expect(accepted.map((e) => (e as { side: string }).side)).to.deep.equal(["sell", "buy", "sell", "buy"]);
    const view = (await api(h, "GET", `/api/games/${g}/induced`)).body;
    const surplus = {
      [ann.playerId]: want[ann.playerId]!.units[0]! - 150,
      [bob.playerId]: 150 - want[bob.playerId]!.units[0]!,
      [cat.playerId]: want[cat.playerId]!.units[0]! + want[cat.playerId]!.units[1]! - 2 * 130,
      [dan.playerId]: 2 * 130 - want[dan.playerId]!.units[0]! - want[dan.playerId]!.units[1]!,
    };
    for (const p of view.players) expect(p.surplus, p.playerId).to.equal(surplus[p.playerId]);
    const realized = Object.values(surplus).reduce((x, y) => x + y, 0);
    // maximum surplus: every value high to low against every cost low to high, while value >= cost
    const dem = ps
      .filter((_, i) => i % 2 === 0)
      .flatMap((p) => want[p.playerId]!.units)
      .sort((x, y) => y - x);
    const sup = ps
      .filter((_, i) => i % 2 === 1)
      .flatMap((p) => want[p.playerId]!.units)
      .sort((x, y) => x - y);
    let max = 0;
    for (let k = 0; k < 4; k++) if (dem[k]! >= sup[k]!) max += dem[k]! - sup[k]!;
    expect(view.demand).to.deep.equal(dem);
    expect(view.supply).to.deep.equal(sup);
    expect(view.equilibrium.maxSurplus).to.equal(max);
    expect(view.realized).to.equal(realized);
    expect(view.efficiencyBps).to.equal(Math.floor((10_000 * realized) / max));
    // a player's view now carries their own result only
    const mine = (await api(h, "GET", `/api/games/${g}/induced`, undefined, cat.token)).body;
    expect(mine).to.include({ role: "buyer", traded: 2, surplus: surplus[cat.playerId] });
    expect(Object.keys(mine).sort()).to.deep.equal([
      "gameId",
      "periodTraded",
      "playerId",
      "role",
      "surplus",
      "traded",
      "units",
    ]);
    await api(h, "POST", `/api/games/${g}/end`);
  });
});
