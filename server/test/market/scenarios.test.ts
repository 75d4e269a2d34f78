/**
 * Scenarios: mapping real price paths onto game time (one trading day per stepMs), monthly
 * interpolation, clamping, news shifts, bands, and the demo's securities accepted by the real engine.
 */
import { expect } from "chai";
import { SecurityConfig } from "@marketroom/shared";
import { decimalToTicks, loadSp500 } from "../../src/market/datasets.ts";
import {
  createScenario,
  getScenario,
  listScenarios,
  securityConfigs,
  spreadMonthly,
  type Scenario,
} from "../../src/market/scenarios.ts";
import { closeEngine, connectEngine, newGameId, ok, type Engine } from "../engine/helpers.ts";

/** round(base * prod(10000 + bps) / 10000^n) half-up, computed independently of the implementation. */
function shifted(base: number, ...bps: number[]): number {
  let num = BigInt(base);
  let den = 1n;
  for (const b of bps) {
    num *= BigInt(10_000 + b);
    den *= 10_000n;
  }
  return Number((2n * num + den) / (2n * den));
}

describe("market scenarios", () => {
  let demo: Scenario;
  before(() => {
    demo = getScenario("sp500-2000")!;
  });

  it("lists the scenarios; the demo has SPX + five stocks, ids 1..6, tick 0.01, lot 1, scale 1", () => {
    const list = listScenarios();
    expect(list.map((s) => s.name)).to.include("sp500-2000");
    expect(list.find((s) => s.name === "sp500-2000")!.symbols).to.deep.equal([
      "SPX",
      "AAPL",
      "AMZN",
      "GOOG",
      "IBM",
      "MSFT",
    ]);
    expect(getScenario("no-such-scenario")).to.equal(undefined);
    expect(demo.stepMs).to.equal(1000);
    expect(demo.securities.map((s) => [s.securityId, s.symbol])).to.deep.equal([
      [1, "SPX"],
      [2, "AAPL"],
      [3, "AMZN"],
      [4, "GOOG"],
      [5, "IBM"],
      [6, "MSFT"],
    ]);
    for (const s of demo.securities) {
      expect(s).to.include({ tickSize: "0.01", lotSize: 1, scale: 1 });
      expect(s.bandLow).to.be.at.most(Math.min(...s.path));
      expect(s.bandHigh).to.be.at.least(Math.max(...s.path));
      expect(s.path.every((p) => Number.isInteger(p) && p > 0)).to.equal(true);
    }
    expect(demo.securities.map((s) => s.startPrice)).to.deep.equal([145522, 2594, 6456, 10237, 10052, 3981]);
    expect(demo.security(4).dataFromStep).to.be.greaterThan(1000); // GOOG: flat until its IPO
    expect(demo.dates[0]).to.equal("2000-01-03");
  });

  it("referenceAt maps ms to trading days: 0 ms = first close, 5 s = the 6th trading day's close", () => {
    const days = loadSp500();
    expect(demo.referenceAt(1, 0)).to.equal(145522);
    expect(demo.referenceAt(1, 999)).to.equal(145522);
    expect(days[5]!.date).to.equal("2000-01-10");
    expect(demo.referenceAt(1, 5000)).to.equal(decimalToTicks(days[5]!.close, "0.01"));
    expect(demo.referenceAt(1, 5000)).to.equal(145760);
    expect(demo.referenceAt(1, 5999)).to.equal(145760);
    expect(demo.dateAt(5000)).to.equal("2000-01-10");
    expect(demo.stepAt(5000)).to.equal(5);
    // another step length: 250 ms per trading day
    const fast = getScenario("sp500-2000", { stepMs: 250 })!;
    expect(fast.referenceAt(1, 1250)).to.equal(145760);
    expect(fast.durationMs).to.equal(fast.steps * 250);
  });

  it("interpolates monthly stocks in integer ticks, monotone between two months (~21 steps a month)", () => {
    const aapl = demo.security(2).path;
    const feb = demo.dates.findIndex((d) => d >= "2000-02-01");
    const mar = demo.dates.findIndex((d) => d >= "2000-03-01");
    expect(feb).to.be.within(19, 23);
    expect(mar - feb).to.be.within(18, 23);
    expect(aapl[0]).to.equal(2594); // Jan 2000: 25.94
    expect(aapl[feb]).to.equal(2866); // Feb 2000: 28.66
    expect(aapl[mar]).to.equal(3395); // Mar 2000: 33.95
    for (let d = 1; d <= feb; d++) expect(aapl[d]! >= aapl[d - 1]!, `step ${d}`).to.equal(true);
    for (let d = feb + 1; d <= mar; d++) expect(aapl[d]! >= aapl[d - 1]!, `step ${d}`).to.equal(true);
    expect(aapl.every(Number.isInteger)).to.equal(true);
    expect(demo.referenceAt(2, feb * 1000)).to.equal(2866);
    // a falling month is monotone too (unit check on the helper)
    const cal = ["2000-01-03", "2000-01-04", "2000-01-05", "2000-01-06", "2000-01-07", "2000-02-01"];
    const { values } = spreadMonthly(cal, [
      { date: "2000-01-01", ticks: 100 },
      { date: "2000-02-01", ticks: 93 },
    ]);
    expect(values).to.deep.equal([100, 99, 97, 96, 94, 93]);
  });

  it("clamps at the start and at the end of each path", () => {
    const spx = demo.security(1).path;
    const aapl = demo.security(2).path;
    expect(demo.referenceAt(1, -5)).to.equal(spx[0]);
    expect(demo.referenceAt(1, 1e12)).to.equal(spx.at(-1));
    expect(spx.at(-1)).to.equal(287456); // 2020-04-17: 2874.56
    expect(aapl.length).to.be.lessThan(spx.length); // stocks.csv ends in March 2010
    expect(demo.referenceAt(2, 1e12)).to.equal(22302); // Mar 2010: 223.02
    expect(demo.referenceAt(2, (aapl.length + 100) * 1000)).to.equal(22302);
    expect(demo.stepAt(1e12)).to.equal(demo.steps - 1);
    expect(demo.dateAt(1e12)).to.equal("2020-04-17");
  });

  it("applies news shifts from their time on, compounding, market-wide or per security", () => {
    const sc = getScenario("sp500-2000", {
      noHeadlines: true,
      news: [
        { atMs: 3000, headline: "Market-wide shock", shiftBps: -1000 },
        { atMs: 7500, headline: "Apple beats estimates", securityId: 2, shiftBps: 500 },
        { atMs: 8000, headline: "Only a headline" },
      ],
    })!;
    const spx = sc.security(1).path;
    const aapl = sc.security(2).path;
    const amzn = sc.security(3).path;
    expect(sc.referenceAt(1, 2999)).to.equal(spx[2]);
    expect(sc.referenceAt(1, 3000)).to.equal(shifted(spx[3]!, -1000));
    expect(sc.referenceAt(1, 9000)).to.equal(shifted(spx[9]!, -1000));
    expect(sc.referenceAt(2, 7499)).to.equal(shifted(aapl[7]!, -1000));
    expect(sc.referenceAt(2, 7500)).to.equal(shifted(aapl[7]!, -1000, 500));
    expect(sc.referenceAt(3, 7500)).to.equal(shifted(amzn[7]!, -1000)); // the Apple news leaves Amazon alone
    expect(sc.referenceAt(1, 1e12)).to.equal(shifted(spx.at(-1)!, -1000));
    expect(sc.newsBetween(0, 3000).map((n) => n.headline)).to.deep.equal(["Market-wide shock"]);
    expect(sc.newsBetween(3000, 8000).map((n) => n.headline)).to.deep.equal([
      "Apple beats estimates",
      "Only a headline",
    ]);
    // the demo's own headlines fall on their trading days and shift nothing
    const lehman = demo.news.find((n) => n.date === "2008-09-15")!;
    expect(lehman.atMs).to.equal(demo.dates.indexOf("2008-09-15") * 1000);
    expect(demo.referenceAt(1, lehman.atMs)).to.equal(119270);
  });

  it("derives start price and bands (20 % .. 500 %) including shifts; validates definitions", () => {
    const sc = createScenario({
      name: "t",
      description: "t",
      stepMs: 100,
      securities: [
        { securityId: 9, symbol: "X", name: "X", tickSize: "0.01", lotSize: 1, scale: 1, path: [1000, 1100, 900] },
      ],
      news: [
        { atMs: 0, headline: "open up 10 %", shiftBps: 1000 },
        { atMs: 250, headline: "halved", shiftBps: -5000 },
      ],
    });
    const x = sc.security(9);
    expect(x.startPrice).to.equal(1100);
    // references: 1000 x 1.1 = 1100 (step 0), 1210 (step 1), 990 (step 2), then x 0.5 = 495 from 250 ms
    expect(sc.referenceAt(9, 150)).to.equal(1210);
    expect(sc.referenceAt(9, 249)).to.equal(990);
    expect(sc.referenceAt(9, 250)).to.equal(495);
    expect(x.bandLow).to.equal(99); // 20 % of 495
    expect(x.bandHigh).to.equal(6050); // 500 % of 1210
    expect(sc.steps).to.equal(3);
    expect(() => sc.referenceAt(1, 0)).to.throw(RangeError);
    const base = { name: "t", description: "t", stepMs: 100 };
    const sec = { securityId: 1, symbol: "X", name: "X", tickSize: "0.01", lotSize: 1, scale: 1, path: [100] };
    expect(() => createScenario({ ...base, stepMs: 0, securities: [sec] })).to.throw(RangeError);
    expect(() => createScenario({ ...base, securities: [{ ...sec, path: [] }] })).to.throw(RangeError);
    expect(() => createScenario({ ...base, securities: [{ ...sec, path: [1.5] }] })).to.throw(RangeError);
    expect(() => createScenario({ ...base, securities: [sec, sec] })).to.throw(RangeError);
    expect(() =>
      createScenario({ ...base, securities: [sec], news: [{ atMs: 0, headline: "x", shiftBps: -10_000 }] }),
    ).to.throw(RangeError);
  });

  it("windows the data with from / to", () => {
    const sc = getScenario("sp500-2000", { from: "2008-09-13", to: "2008-09-30" })!;
    expect(sc.dates[0]).to.equal("2008-09-15");
    expect(sc.dates.at(-1)).to.equal("2008-09-30");
    expect(sc.referenceAt(1, 0)).to.equal(119270);
    expect(sc.securities.every((s) => s.path.length === sc.steps)).to.equal(true);
    const crisis = getScenario("crisis-2008")!;
    expect(crisis.dates[0]).to.equal("2008-09-02");
    expect(() => getScenario("sp500-2000", { from: "2030-01-01" })).to.throw(RangeError);
  });

  describe("with the engine", () => {
    let engine: Engine;
    before(async () => {
      engine = await connectEngine();
    });
    after(async () => {
      await closeEngine(engine);
    });

    it("the demo's securities are valid SecurityConfigs the engine accepts", async () => {
      const gameId = newGameId("sc");
      ok(await engine.createGame(gameId, { name: "scenario" }));
      for (const s of securityConfigs(demo)) {
        SecurityConfig.parse(s);
        ok(await engine.addSecurity(gameId, s));
      }
      const info = ok(await engine.gameInfo(gameId));
      expect(info.securities.map((s) => [s.symbol, s.bandLow, s.bandHigh])).to.deep.equal(
        demo.securities.map((s) => [s.symbol, s.bandLow, s.bandHigh]),
      );
    });
  });
});
