/**
 * Helpers for the stop and margin tests of the core: a running game built with run() (decide, evolve,
 * cascade), the log it wrote (for fold == state), and short command builders.
 */
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { emptyState, run, type CoreState } from "../../src/core/index.ts";
import type { AddSecurityCommand, Command } from "../../src/core/commands.ts";
import { canonical, fold } from "../core/support.ts";

export interface Game {
  s: CoreState;
  log: EngineEvent[];
  ts: number;
}

export interface GameSetup {
  mode?: "cash" | "margin";
  markRule?: "last_trade" | "reference" | "mid";
  insuranceFund?: number;
  allowShort?: boolean;
  security?: Partial<AddSecurityCommand>;
  /** playerId -> cash (minor units) and holdings of security 1. */
  players: Record<string, number | { cash: number; qty: number }>;
}

/** A game in phase running with security 1 ("ACME", scale 1, band 1..10^6) and the players. */
export function newGame(g: GameSetup): Game {
  const game: Game = { s: emptyState(), log: [], ts: 1_000 };
  for (const c of setupCommands(g)) ok(game, c);
  return game;
}

/** newGame's commands, in order, for game `gameId` (to send them through a writer too). */
export function setupCommands(g: GameSetup, gameId = "m1"): Command[] {
  const cmds: Command[] = [
    {
      type: "create_game",
      gameId,
      name: "m",
      stp: "cancel_incoming",
      maxMatches: 1000,
      allowShort: g.allowShort ?? true,
      protectionBps: 1000,
      mode: g.mode,
      markRule: g.markRule,
      insuranceFund: g.insuranceFund,
    },
    {
      type: "add_security",
      securityId: 1,
      symbol: "ACME",
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 1_000_000,
      shortLimit: 1_000_000,
      positionLimit: 0,
      maxOrderQty: 0,
      ...g.security,
    },
  ];
  for (const [pid, v] of Object.entries(g.players)) {
    const { cash, qty } = typeof v === "number" ? { cash: v, qty: 0 } : v;
    cmds.push({
      type: "add_player",
      playerId: pid,
      name: pid,
      cash,
      holdings: qty > 0 ? [{ securityId: 1, qty }] : [],
    });
  }
  cmds.push({ type: "set_phase", phase: "running" });
  return cmds;
}

/** run() a command; returns the answer and appends its events to the log. */
export function send(g: Game, c: Command): ReturnType<typeof run> {
  g.ts += 1;
  const d = run(g.s, c, { ts: g.ts });
  if (d.ok) g.log.push(...d.events);
  return d;
}

/** A command that must be accepted; returns its events. */
export function ok(g: Game, c: Command): EngineEvent[] {
  const d = send(g, c);
  if (!d.ok) throw new Error(`${c.type} refused: ${d.code} ${d.message}`);
  return d.events;
}

/** A command that must be refused with `code`, changing nothing. */
export function refused(g: Game, c: Command, code: string): void {
  const before = canonical(g.s);
  const d = send(g, c);
  expect(d.ok ? "accepted" : d.code).to.equal(code);
  expect(canonical(g.s)).to.deep.equal(before);
}

/** The log folded through evolve equals the live state. */
export function replays(g: Game): void {
  expect(canonical(fold(g.log))).to.deep.equal(canonical(g.s));
}

export const limit = (playerId: string, side: "buy" | "sell", price: number, qty: number): Command => ({
  type: "place",
  playerId,
  securityId: 1,
  side,
  price,
  qty,
});

export const types = (events: EngineEvent[]) => events.map((e) => e.type);
