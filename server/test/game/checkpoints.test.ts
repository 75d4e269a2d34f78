/**
 * A room's model resumed from a checkpoint equals the log folded from seq 1 (game/checkpoints.ts,
 * GameFold.resume): random cash streams (every command type, fees, limits, news, signals, admin
 * actions) and random margin flows (stops, margin calls, liquidations, fund transfers), a checkpoint
 * at a random seq C, the writer's state at a later seq S, then the tail (refused when a stop triggered
 * in it; the room then folds from seq 1); compared on the core state,
 * the checkpoint data (ledgers, statistics, trades, own fills, margin calls), news, signals and the
 * leaderboard, at S and again after the rest of the log.
 */
import fc from "fast-check";
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { GameFold } from "../../src/core/fold.ts";
import { copyState } from "../../src/core/copy.ts";
import { emptyState, run } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { GameModel, resumable, type GameSnapshot } from "../../src/game/model.ts";
import { canonical } from "../core/support.ts";
import { resolve, streamArb } from "../core/streams.ts";
import { command, flowArb, setupCommands } from "../margin/flows.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 60);

function snapshot(seq: number, events: EngineEvent[], base?: GameSnapshot["base"]): GameSnapshot {
  return { seq, events, base, openRefs: new Map(), refPrices: new Map(), bots: new Set() };
}

/** Everything a screen or a score reads of a model, as plain data. */
function view(m: GameModel): unknown {
  return {
    state: canonical(m.fold.state),
    checkpoint: JSON.parse(JSON.stringify(m.checkpointData())),
    news: m.news,
    signals: [...m.signals],
    stopTriggers: [...m.stopTriggers],
    leaderboard: m.leaderboard(),
    ts: m.fold.ts,
    running: m.fold.runningMsAt(m.fold.ts + 1_000),
  };
}

/** Checks resume at checkpoint seq c and state seq s (c <= s <= log length) against the straight fold. */
function checkResume(log: EngineEvent[], cut: [number, number]): boolean {
  const [c, s] = cut;
  const straight = GameModel.fromSnapshot("g", snapshot(s, log.slice(0, s)));
  expect(straight.broken).to.equal(null);
  // the checkpoint goes through JSON, as it does through Valkey
  const atC = GameModel.fromSnapshot("g", snapshot(c, log.slice(0, c)));
  const checkpoint = JSON.parse(JSON.stringify(atC.checkpointData()));
  const writerState = copyState(GameFold.of(log.slice(0, s)).state);
  const tail = log.slice(c, s);
  if (!resumable(tail)) {
    // a stop triggered in the tail: the model refuses the base (GameReads.snapshot folds from seq 1)
    expect(() => GameModel.fromSnapshot("g", snapshot(s, tail, { state: writerState, checkpoint }))).to.throw(/stop/);
    return false;
  }
  const resumed = GameModel.fromSnapshot("g", snapshot(s, tail, { state: writerState, checkpoint }));
  expect(view(resumed)).to.deep.equal(view(straight));
  for (const e of log.slice(s)) {
    straight.apply(e);
    resumed.apply(e);
  }
  expect(resumed.broken).to.equal(null);
  expect(view(resumed)).to.deep.equal(view(straight));
  return true;
}

/** Runs commands through the core (decide, evolve, cascades); returns the log. */
function logOf(commands: Iterable<Command | ((s: ReturnType<typeof emptyState>) => Command | null)>): EngineEvent[] {
  const s = emptyState();
  const log: EngineEvent[] = [];
  let ts = 1_000;
  for (const c of commands) {
    const cmd = typeof c === "function" ? c(s) : c;
    if (cmd === null) continue;
    ts += 1;
    const d = run(s, cmd, { ts });
    if (d.ok) log.push(...d.events);
  }
  return log;
}

const cuts = (n: number) =>
  fc.tuple(fc.nat(n), fc.nat(n)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);

describe("model checkpoints (GameFold.resume equals the fold from seq 1)", function () {
  this.timeout(120_000);

  it(`${RUNS} random cash streams, checkpoint and state at random seqs`, () => {
    fc.assert(
      fc.property(
        streamArb(60).chain((st) => {
          const log = logOf([
            ...st.setup,
            ...st.steps.map((step) => (s: ReturnType<typeof emptyState>) => resolve(step, s, st.secIds)),
          ]);
          return cuts(log.length).map((cut) => ({ log, cut }));
        }),
        ({ log, cut }) => checkResume(log, cut),
      ),
      { numRuns: RUNS, seed: 10 },
    );
  });

  it(`${RUNS} random margin flows (stops, margin calls, liquidations), checkpoint and state at random seqs`, () => {
    let liquidations = 0;
    let compared = 0;
    fc.assert(
      fc.property(
        flowArb.chain((flow) => {
          const log = logOf([
            ...setupCommands(flow),
            ...flow.steps.map((st) => (s: ReturnType<typeof emptyState>) => command(s, st)),
          ]);
          return cuts(log.length).map((cut) => ({ log, cut }));
        }),
        ({ log, cut }) => {
          liquidations += log.filter((e) => e.type === "liquidation_order").length;
          if (checkResume(log, cut)) compared += 1;
        },
      ),
      { numRuns: RUNS, seed: 11 },
    );
    expect(liquidations, "the flows liquidated somebody").to.be.greaterThan(0);
    expect(compared, "flows resumed from their checkpoint").to.be.greaterThan(RUNS / 10);
  });

  it("a checkpoint of another version or past the state is refused", () => {
    const log = logOf([
      {
        type: "create_game",
        gameId: "g",
        name: "g",
        stp: "cancel_incoming",
        maxMatches: 100,
        allowShort: true,
        protectionBps: 1000,
      },
      { type: "set_phase", phase: "running" },
    ]);
    const cp = GameModel.fromSnapshot("g", snapshot(2, log)).checkpointData();
    const state = copyState(GameFold.of(log.slice(0, 1)).state);
    expect(() => GameModel.fromSnapshot("g", snapshot(1, [], { state, checkpoint: cp }))).to.throw(/past the state/);
    const old = { ...cp, fold: { ...cp.fold, v: 0 } };
    expect(() =>
      GameModel.fromSnapshot("g", snapshot(2, [], { state: copyState(GameFold.of(log).state), checkpoint: old })),
    ).to.throw(/version/);
  });
});
