/**
 * Bots on the real engine (Valkey, no mocks): seeded strategies driven step by step on a fake clock.
 *
 * - reproducibility: the same seed on two fresh games gives the same event stream (ts aside);
 * - a bots-only game of ~10 s of simulated time trades, keeps the book uncrossed after every step,
 *   and every order stays on the integer grid inside the band;
 * - the BotRunner: advance() is deterministic; with its real timer a slow step never overlaps itself.
 */
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import {
  botSeed,
  BotRunner,
  createBot,
  demoBots,
  engineBotContext,
  mulberry32,
  Rng,
  type Bot,
  type BotContext,
  type BotSpec,
} from "../../src/market/bots.ts";
import { getScenario, securityConfigs, type Scenario } from "../../src/market/scenarios.ts";
import { closeEngine, connectEngine, newGameId, ok, type Engine } from "../engine/helpers.ts";

/** Creates a running game with the scenario's securities and the bots' players; same name every time. */
async function scenarioGame(engine: Engine, scenario: Scenario, specs: BotSpec[]): Promise<string> {
  const gameId = newGameId("bots");
  ok(await engine.createGame(gameId, { name: "bots-only" }));
  for (const s of securityConfigs(scenario)) ok(await engine.addSecurity(gameId, s));
  for (const b of specs)
    ok(await engine.addPlayer(gameId, { playerId: b.playerId, name: b.name, cash: b.cash, holdings: b.holdings }));
  ok(await engine.setPhase(gameId, "running"));
  return gameId;
}

/** Best bid < best ask in every security (when both sides exist). */
async function expectUncrossed(engine: Engine, gameId: string, scenario: Scenario, where: string): Promise<void> {
  for (const s of scenario.securities) {
    const b = ok(await engine.book(gameId, s.securityId, 1));
    const bid = b.bids[0]?.price;
    const ask = b.asks[0]?.price;
    if (bid !== undefined && ask !== undefined) expect(bid, `${s.symbol} crossed ${where}`).to.be.lessThan(ask);
  }
}

interface Run {
  gameId: string;
  events: EngineEvent[];
  bots: Bot[];
}

/**
 * Runs the bots by hand: a fake clock advances tickMs per round; in each round every due bot is
 * refreshed and stepped, in spec order (no timers, so the order of commands is fixed).
 */
async function runManual(
  engine: Engine,
  scenario: Scenario,
  specs: BotSpec[],
  seed: number,
  simulatedMs: number,
  tickMs = 50,
  afterStep?: (gameId: string, where: string) => Promise<void>,
): Promise<Run> {
  const gameId = await scenarioGame(engine, scenario, specs);
  let t = 0;
  const ctxs: BotContext[] = specs.map((s) => engineBotContext(engine, gameId, s.playerId, scenario, 0, () => t));
  const bots = specs.map((s) => createBot(s.kind, new Rng(botSeed(seed, s.playerId)), s.params));
  const nextAt = specs.map(() => 0);
  for (; t <= simulatedMs; t += tickMs) {
    for (let i = 0; i < bots.length; i++) {
      if (t < nextAt[i]!) continue;
      nextAt[i] = t + specs[i]!.intervalMs;
      await ctxs[i]!.refresh();
      await bots[i]!.step(ctxs[i]!);
      if (afterStep) await afterStep(gameId, `after ${specs[i]!.playerId} at ${t} ms`);
    }
  }
  return { gameId, events: await engine.events(gameId, 1, undefined, 1_000_000), bots };
}

const withoutTs = (events: EngineEvent[]) => events.map(({ ts: _ts, ...rest }) => rest);

describe("market bots", function () {
  this.timeout(120_000);
  let engine: Engine;
  let scenario: Scenario;
  before(async () => {
    engine = await connectEngine();
    scenario = getScenario("sp500-2000")!;
  });
  after(async () => {
    await closeEngine(engine);
  });

  it("mulberry32 and the per-bot seeds are deterministic", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).to.deep.equal(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
    expect(botSeed(1, "bot-mm-1")).to.equal(botSeed(1, "bot-mm-1"));
    expect(botSeed(1, "bot-mm-1")).to.not.equal(botSeed(2, "bot-mm-1"));
    expect(botSeed(1, "bot-mm-1")).to.not.equal(botSeed(1, "bot-mm-2"));
    const r = new Rng(7);
    for (let i = 0; i < 1000; i++) expect(r.int(3, 5)).to.be.within(3, 5);
  });

  it("the same seed on two fresh games produces the same event stream (apart from ts)", async () => {
    const specs = demoBots(scenario);
    const one = await runManual(engine, scenario, specs, 12345, 4000);
    const two = await runManual(engine, scenario, specs, 12345, 4000);
    expect(one.gameId).to.not.equal(two.gameId);
    expect(one.events.filter((e) => e.type === "fill").length, "the run trades").to.be.greaterThan(0);
    expect(withoutTs(two.events)).to.deep.equal(withoutTs(one.events));
    expect(two.bots.map((b) => b.stats)).to.deep.equal(one.bots.map((b) => b.stats));
    // and another seed takes another path
    const other = await runManual(engine, scenario, specs, 999, 4000);
    expect(withoutTs(other.events)).to.not.deep.equal(withoutTs(one.events));
  });

  it("a bots-only game of 10 s trades, keeps the book uncrossed after every step, orders inside the band", async () => {
    const specs = demoBots(scenario);
    let steps = 0;
    const run = await runManual(engine, scenario, specs, 2024, 10_000, 50, async (gameId, where) => {
      steps++;
      await expectUncrossed(engine, gameId, scenario, where);
    });
    expect(steps).to.be.greaterThan(100);
    const fills = run.events.filter((e) => e.type === "fill");
    expect(fills.length).to.be.greaterThan(10);
    // every kind of bot took part in a trade
    const traders = new Set(fills.flatMap((f) => [f.makerPlayerId, f.takerPlayerId]));
    for (const s of specs) expect(traders.has(s.playerId), `${s.playerId} traded`).to.equal(true);
    for (const e of run.events) {
      if (e.type !== "order_accepted") continue;
      const sec = scenario.security(e.securityId);
      expect(Number.isInteger(e.price) && Number.isInteger(e.qty)).to.equal(true);
      expect(e.price).to.be.within(sec.bandLow, sec.bandHigh);
      expect(e.qty).to.be.greaterThan(0);
    }
    // trades happen near the reference: within 5 % of the path's range over the 10 simulated days
    for (const f of fills) {
      const path = scenario.security(f.securityId).path.slice(0, 12);
      expect(f.price).to.be.within(Math.floor(Math.min(...path) * 0.95), Math.ceil(Math.max(...path) * 1.05));
    }
    // the market maker ends with at most one bid and one ask per security, around the reference
    const mm = ok(await engine.orders(run.gameId, "bot-mm-1"));
    for (const s of scenario.securities) {
      const mine = mm.orders.filter((o) => o.securityId === s.securityId);
      expect(mine.filter((o) => o.side === "buy").length).to.be.at.most(1);
      expect(mine.filter((o) => o.side === "sell").length).to.be.at.most(1);
    }
    const mmStats = run.bots[0]!.stats;
    expect(mmStats.placed).to.be.greaterThan(0);
    expect(mmStats.cancelled).to.be.greaterThan(0); // requotes as the reference moves
  });

  it("BotRunner.advance() on a fake clock is deterministic and matches the manual run", async () => {
    const specs = demoBots(scenario);
    const viaRunner = async () => {
      const gameId = await scenarioGame(engine, scenario, specs);
      let t = 0;
      const runner = new BotRunner({
        seed: 77,
        onError: (err) => {
          throw err;
        },
      });
      for (const s of specs)
        runner.add(
          engineBotContext(engine, gameId, s.playerId, scenario, 0, () => t),
          s,
        );
      for (; t <= 3000; t += 50) await runner.advance();
      return engine.events(gameId, 1, undefined, 1_000_000);
    };
    const a = await viaRunner();
    const b = await viaRunner();
    expect(withoutTs(b)).to.deep.equal(withoutTs(a));
    const manual = await runManual(engine, scenario, specs, 77, 3000);
    expect(withoutTs(a)).to.deep.equal(withoutTs(manual.events));
  });

  it("BotRunner on its timer: one bot's slow step never overlaps itself; stop() waits and can cancel orders", async () => {
    const specs = demoBots(scenario, { noiseTraders: 1, momentumTraders: 0 });
    const gameId = await scenarioGame(engine, scenario, specs);
    const started = Date.now();
    const errors: unknown[] = [];
    const runner = new BotRunner({ seed: 1, tickMs: 5, onError: (err) => errors.push(err) });
    for (const s of specs)
      runner.add(engineBotContext(engine, gameId, s.playerId, scenario, started), { ...s, intervalMs: 20 });
    let inFlight = 0;
    let maxInFlight = 0;
    let slowSteps = 0;
    const slow: Bot = {
      kind: "noise",
      stats: { steps: 0, placed: 0, cancelled: 0, rejected: 0, rejections: {} },
      async step() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        slowSteps++;
        await new Promise((r) => setTimeout(r, 60));
        inFlight--;
      },
    };
    runner.addBot(engineBotContext(engine, gameId, specs[0]!.playerId, scenario, started), slow, 5);
    const t0 = Date.now();
    runner.start();
    expect(runner.running).to.equal(true);
    // Run until both bots have stepped a few times (however slow the machine), then stop.
    while (slowSteps < 3 || runner.bots[0]!.bot.stats.steps <= 3) await new Promise((r) => setTimeout(r, 20));
    await runner.stop({ cancelOrders: true });
    const ranMs = Date.now() - t0;
    expect(runner.running).to.equal(false);
    expect(errors).to.deep.equal([]);
    expect(maxInFlight).to.equal(1);
    // steps of 60 ms never overlap, so there are at most ranMs / 60 of them (+1 in flight), not ranMs / 5
    expect(slowSteps).to.be.at.most(Math.floor(ranMs / 60) + 1);
    expect(runner.bots[0]!.bot.stats.steps).to.be.greaterThan(3);
    for (const s of specs) expect(ok(await engine.orders(gameId, s.playerId)).orders).to.deep.equal([]);
  });
});
