/**
 * Call auctions and dividends persist like every other part of the state: a GameWriter (real Valkey)
 * runs a call-market round (orders collecting crossed, uncrosses, switches to continuous trading and
 * back) and a dividend round (trades between dividends of several periods), commands fired without
 * waiting so batches form; after every burst the game loaded from Valkey and hydrated, and the event
 * stream folded through evolve, both equal the writer's memory (as game-writer.test.ts case (e)).
 * The rounds must have done what they are about (calls traded, dividends paid), so the check is not
 * vacuous.
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import { EngineEvent } from "@marketroom/shared";
import { emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { GameWriter } from "../../src/engine/game-writer.ts";
import { hydrate } from "../../src/engine/hydrate.ts";
import { loadGame } from "../../src/engine/load.ts";
import { canonical } from "../core/support.ts";
import { connect, newGameId } from "../engine/helpers.ts";
import { readStreamEvents } from "../../src/engine/stream-entries.ts";

const T0 = 1_700_000_000_000;
const PLAYERS = ["p0", "p1", "p2", "p3", "p4"];

/** Seeded uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function setup(gameId: string): Command[] {
  return [
    {
      type: "create_game",
      gameId,
      name: gameId,
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: false,
      protectionBps: 500,
    },
    ...[1, 2].map((securityId): Command => ({
      type: "add_security",
      securityId,
      symbol: `S${securityId}`,
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 100_000,
      shortLimit: 0,
      positionLimit: 0,
      maxOrderQty: 0,
    })),
    ...PLAYERS.map((playerId): Command => ({
      type: "add_player",
      playerId,
      name: playerId,
      cash: 10_000_000,
      holdings: [
        { securityId: 1, qty: 500 },
        { securityId: 2, qty: 500 },
      ],
    })),
    { type: "set_phase", phase: "running" },
  ];
}

/** A random GTC limit order (or, one time in ten, a cancel-all) around 1000 ticks. */
function order(r: () => number): Command {
  const playerId = PLAYERS[Math.floor(r() * PLAYERS.length)]!;
  const securityId = 1 + Math.floor(r() * 2);
  if (r() < 0.1) return { type: "cancel_all", playerId, securityId };
  return {
    type: "place",
    playerId,
    securityId,
    side: r() < 0.5 ? "buy" : "sell",
    price: 950 + Math.floor(r() * 100),
    qty: 1 + Math.floor(r() * 9),
  };
}

/** The game's event stream folded through evolve from an empty state. */
async function foldLog(client: Redis, g: string): Promise<CoreState> {
  const s = emptyState();
  for (const e of await readStreamEvents(client, g)) evolve(s, e);
  return s;
}

/** Loaded from Valkey and hydrated, and the stream folded: both the writer's memory. */
async function expectPersisted(client: Redis, g: string, w: GameWriter, what: string): Promise<void> {
  const mem = canonical(w.state!);
  expect(canonical(hydrate(await loadGame(client, g))), `${what}: hydrate`).to.deep.equal(mem);
  expect(canonical(await foldLog(client, g)), `${what}: fold`).to.deep.equal(mem);
}

/** Sends every command without waiting (so batches form); resolves with the decisions in order. */
async function burst(w: GameWriter, cmds: Command[], ts: number): Promise<{ ok: boolean; events?: EngineEvent[] }[]> {
  return Promise.all(cmds.map((c, i) => w.execute(c, ts + i) as Promise<{ ok: boolean; events?: EngineEvent[] }>));
}

describe("call auctions and dividends: hydrate == memory (GameWriter, real Valkey)", function () {
  this.timeout(180_000);
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it("a call-market round: orders collect, uncross, switch to continuous and back; Valkey hydrates to memory after every burst", async () => {
    const g = newGameId("hyd-call");
    const w = await GameWriter.open(client, g, "node-a");
    for (const c of setup(g)) expect((await w.execute(c, T0)).ok, c.type).to.equal(true);
    for (const securityId of [1, 2])
      expect((await w.execute({ type: "set_trading_mode", securityId, mode: "call" }, T0)).ok).to.equal(true);
    const r = rng(16);
    let ts = T0 + 1000,
      auctions = 0,
      callFills = 0;
    for (let b = 0; b < 8; b++) {
      const cmds: Command[] = Array.from({ length: 120 }, () => order(r));
      // a call in the middle of the burst (uncross of one, a switch to continuous of the other), then back to call mode
      cmds.splice(
        60,
        0,
        { type: "uncross", securityId: 1, referencePrice: 1000 },
        { type: "set_trading_mode", securityId: 2, mode: "continuous", referencePrice: 1000 },
      );
      cmds.push({ type: "set_trading_mode", securityId: 2, mode: "call" });
      const out = await burst(w, cmds, ts);
      ts += cmds.length;
      for (const d of out)
        for (const e of d.events ?? []) {
          if (e.type === "auction" && e.qty > 0) auctions += 1;
          if (e.type === "fill") callFills += 1;
        }
      await expectPersisted(client, g, w, `burst ${b}`);
    }
    expect(auctions, "calls that traded").to.be.greaterThan(3);
    expect(callFills).to.be.greaterThan(10);
    expect(w.state!.securities.get(1)!.mode, "security 1 still in call mode").to.equal("call");
    await w.close();
  });

  it("a dividend round: trades and a dividend per period; Valkey hydrates to memory after every period", async () => {
    const g = newGameId("hyd-div");
    const w = await GameWriter.open(client, g, "node-a");
    for (const c of setup(g)) expect((await w.execute(c, T0)).ok, c.type).to.equal(true);
    const r = rng(24);
    let ts = T0 + 1000,
      paid = 0;
    for (let period = 1; period <= 6; period++) {
      const cmds: Command[] = Array.from({ length: 150 }, () => order(r));
      cmds.splice(75, 0, { type: "dividend", securityId: 1, period, amount: [0, 8, 28, 60][period % 4]! });
      cmds.push(
        { type: "dividend", securityId: 2, period, amount: 5 * period },
        { type: "dividend", securityId: 2, period, amount: 999 },
      );
      const out = await burst(w, cmds, ts);
      ts += cmds.length;
      for (const d of out)
        for (const e of d.events ?? []) if (e.type === "dividend") paid += e.payments.reduce((a, p) => a + p.cash, 0);
      await expectPersisted(client, g, w, `period ${period}`);
    }
    expect(paid, "dividends paid").to.be.greaterThan(0);
    expect(w.state!.securities.get(2)!.dividendPeriod).to.equal(6);
    const cash = [...w.state!.players.values()].reduce((a, p) => a + p.cash, 0);
    expect(w.state!.cashTotal, "cash_total = the players' cash").to.equal(cash);
    await w.close();
  });
});
