/**
 * The double auction with induced values over several periods through the real server: 3 periods of 20 s
 * with 1 s breaks (the third ended by the teacher once begun), four students (buyer, seller, buyer, seller). Each period starts the schedules again
 * (units reset, same values and costs); trades in periods 1 and 2, none in 3. The per-period traded
 * units, average price, realized surplus, maximum surplus and efficiency, each player's surplus over
 * the periods, and the round's totals are checked against values computed here from the documented
 * SHA-256 draw and the trades the test made; the log carries a period_ended marker after each of the
 * first two periods, after that period's fills.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

const SEED = "t16p";
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

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("double auction with induced values: results per period", function () {
  this.timeout(120_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("each period starts the schedules again; traded units, price, surplus and efficiency per period", async () => {
    const game = await createGame(h, {
      rules: { marketType: "induced", induced: { units: 2, values: VALUES, costs: COSTS, seed: SEED } } as never,
      // periods long enough for four requests in a row on a busy machine (8 s was not, under CI's load)
      schedule: { periods: { count: 3, durationSec: 20, breakSec: 1 } },
    });
    const g = game.gameId;
    const ps = [];
    for (const name of ["Ann", "Bob", "Cat", "Dan"]) ps.push(await join(h, game.joinCode, name));
    const ids = ps.map((p) => p.playerId);
    const [ann, bob, cat, dan] = ids as [string, string, string, string];
    const rooms = await Promise.all(ps.map((p) => connect(h, g, p.token)));
    open.push(...rooms);
    const [a, b, c, d] = rooms as [R, R, R, R];
    const sched = {
      [ann]: units(ann, VALUES, true),
      [bob]: units(bob, COSTS, false),
      [cat]: units(cat, VALUES, true),
      [dan]: units(dan, COSTS, false),
    };
    const ok = async (room: R, side: string, price: number, qty: number) => {
      const r = await req(room, "place", { securityId: 1, side, price, qty });
      expect(r, JSON.stringify(r)).to.include({ ok: true });
    };
    const period = async (k: number) =>
      until(async () => {
        const r = await api(h, "GET", `/api/games/${g}`);
        if (r.body.phase !== "running" || r.body.clock.period !== k) return false;
        // The clock says period k as soon as the running time passes the boundary, before a late boundary
        // timer (a busy machine) has paused the market for the break: wait for the k-th start of trading.
        const log = await gameLog(h, g);
        return log.filter((e) => e.type === "phase_changed" && e.to === "running").length >= k;
      }, `period ${k} running`);

    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    await period(1);
    // period 1: Bob sells 1 to Ann at 150; Dan sells 2 to Cat at 130
    await ok(b, "sell", 150, 1);
    await ok(a, "buy", 150, 1);
    await ok(d, "sell", 130, 2);
    await ok(c, "buy", 130, 2);
    await period(2);
    // period 2: Bob sells 2 to Ann at 120 (both start their schedules again); Dan sells 1 to Cat at 140
    await ok(b, "sell", 120, 2);
    await ok(a, "buy", 120, 2);
    await ok(d, "sell", 140, 1);
    await ok(c, "buy", 140, 1);
    // period 3: no trade; the teacher ends the round once it has begun (a begun period is listed)
    await period(3);
    expect((await api(h, "POST", `/api/games/${g}/end`)).status).to.equal(200);

    // the markers: one after each of the first two periods, after that period's fills
    const log = await gameLog(h, g);
    const markers = log.filter((e) => e.type === "admin_action" && e.action === "period_ended");
    expect(markers.map((e) => (e as { detail: string }).detail)).to.deep.equal(["1", "2"]);
    const fills = log.filter((e) => e.type === "fill");
    expect(fills.map((f) => (f.seq < markers[0]!.seq ? 1 : f.seq < markers[1]!.seq ? 2 : 3))).to.deep.equal([
      1, 1, 2, 2,
    ]);

    const [av, bc, cv, dc] = [sched[ann]!, sched[bob]!, sched[cat]!, sched[dan]!];
    const p1 = { [ann]: av[0]! - 150, [bob]: 150 - bc[0]!, [cat]: cv[0]! + cv[1]! - 260, [dan]: 260 - dc[0]! - dc[1]! };
    const p2 = { [ann]: av[0]! + av[1]! - 240, [bob]: 240 - bc[0]! - bc[1]!, [cat]: cv[0]! - 140, [dan]: 140 - dc[0]! };
    const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
    const dem = [...av, ...cv].sort((x, y) => y - x);
    const sup = [...bc, ...dc].sort((x, y) => x - y);
    let max = 0;
    for (let k = 0; k < 4; k++) if (dem[k]! >= sup[k]!) max += dem[k]! - sup[k]!;
    const eff = (r: number, m: number) => (m > 0 ? Math.floor((10_000 * r) / m) : 0);

    const view = (await api(h, "GET", `/api/games/${g}/induced`)).body;
    expect(view.periods).to.deep.equal([
      {
        period: 1,
        traded: 3,
        turnover: 410,
        avgPrice: 137,
        realized: sum(p1),
        maxSurplus: max,
        efficiencyBps: eff(sum(p1), max),
      },
      {
        period: 2,
        traded: 3,
        turnover: 380,
        avgPrice: 127,
        realized: sum(p2),
        maxSurplus: max,
        efficiencyBps: eff(sum(p2), max),
      },
      { period: 3, traded: 0, turnover: 0, avgPrice: null, realized: 0, maxSurplus: max, efficiencyBps: 0 },
    ]);
    for (const p of view.players) {
      expect(p.surplus, p.playerId).to.equal(p1[p.playerId]! + p2[p.playerId]!);
      expect(p.traded, p.playerId).to.equal({ [ann]: 3, [bob]: 3, [cat]: 3, [dan]: 3 }[p.playerId]);
    }
    expect(view.realized).to.equal(sum(p1) + sum(p2));
    expect(view.maxSurplus).to.equal(3 * max);
    expect(view.equilibrium.maxSurplus).to.equal(max);
    expect(view.efficiencyBps).to.equal(eff(sum(p1) + sum(p2), 3 * max));
    // a player still sees only their own schedule and total; period 3 used none of their units
    const mine = (await api(h, "GET", `/api/games/${g}/induced`, undefined, ps[2]!.token)).body;
    expect(mine).to.deep.equal({
      gameId: g,
      playerId: cat,
      role: "buyer",
      units: cv,
      traded: 3,
      periodTraded: 0,
      surplus: p1[cat]! + p2[cat]!,
    });
  });
});
