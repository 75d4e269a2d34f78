/**
 * Differential test: the TypeScript core against the Lua engine (real Valkey), command by command.
 *
 * Seeded random streams (streams.ts: several players and securities, every command type, valid and
 * invalid, fees and rebates, short/position/gross/net limits, both STP modes, a small maxMatches so
 * that matching truncates) run through the Lua engine and through the core. The core's ctx.ts is the
 * ts of the Lua command's events (so events compare exactly, ts included); a command Lua rejects or
 * answers without events gets the wall clock (nothing of it is logged). After EVERY command:
 * - same answer: both accept with deep-equal results (order summary, fills, events, seqs, duplicate
 *   flag...), or both reject with the same code;
 * - decide did not change the state it was given (canonical form before = after decide);
 * - same books (full depth), and for every player the same inventory and open orders (ts included).
 * After each stream: folding the Lua log (zod-parsed) through evolve from an empty state gives the live
 * core state, and the news and signal lists agree.
 *
 * Bounded: DIFF_RUNS streams (default 40) of up to DIFF_STEPS steps (default 100), seeded by DIFF_SEED
 * (default 20261129; fast-check prints the seed and path of a failure to replay it).
 */
import fc from "fast-check";
import { expect } from "chai";
import type { Rejection } from "@marketroom/shared";
import { bookDepth, decide, emptyState, evolve, inventoryOf, openOrders, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { closeEngine, connectLuaEngine as connectEngine, newGameId, type LuaEngine as Engine } from "../engine/helpers.ts";
import { canonical, fold, runLua } from "./support.ts";
import { resolve, streamArb, type Stream } from "./streams.ts";

const RUNS = Number(process.env.DIFF_RUNS ?? 40);
const STEPS = Number(process.env.DIFF_STEPS ?? 100);
const SEED = Number(process.env.DIFF_SEED ?? 20261129);

/** A rejection reduced to what must agree (messages are free text). */
function answer(r: { ok: boolean } & Record<string, unknown>): unknown {
  return r.ok ? r : { ok: false, code: (r as unknown as Rejection).code };
}

async function compareReads(engine: Engine, g: string, s: CoreState, where: string): Promise<void> {
  const players = [...s.players.keys()];
  const [books, invs, orders] = await Promise.all([
    Promise.all(s.securityIds.map((sid) => engine.book(g, sid, 1000))),
    Promise.all(players.map((p) => engine.inventory(g, p))),
    Promise.all(players.map((p) => engine.orders(g, p))),
  ]);
  expect(s.securityIds.map((sid) => bookDepth(s, sid, 1000)), `books ${where}`).to.deep.equal(books);
  expect(players.map((p) => inventoryOf(s, p)), `inventories ${where}`).to.deep.equal(invs);
  expect(players.map((p) => openOrders(s, p)), `open orders ${where}`).to.deep.equal(orders);
}

/** What the streams exercised (checked at the end, so that a generator change cannot silently stop covering a rule). */
const seen = new Set<string>();

function tally(c: Command, r: Record<string, unknown>): void {
  if (r.ok === false) { seen.add(`code:${String(r.code)}`); return; }
  seen.add(`ok:${c.type}`);
  if (r.duplicate) seen.add("duplicate");
  if (r.truncated) seen.add(`truncated:${c.type}`);
  const amended = r.amended as { priorityKept: boolean } | undefined;
  if (amended) seen.add(`priorityKept:${amended.priorityKept}`);
  const order = r.order as { status: string; stp: string; truncated: boolean } | undefined;
  if (order) { seen.add(`status:${order.status}`); seen.add(`stp:${order.stp}`); if (order.truncated) seen.add("truncated:order"); }
  for (const e of (r.events ?? []) as { type: string; reason?: string; takerFee?: number; makerRebate?: number }[]) {
    seen.add(`event:${e.type}`);
    if (e.reason) seen.add(`reason:${e.reason}`);
    if (e.type === "fill" && e.makerRebate! > 0) seen.add("fill with rebate");
  }
}

const MUST_SEE = [
  ...["INVALID_SIDE", "INVALID_ORDER_TYPE", "INVALID_TIME_IN_FORCE", "INVALID_PRICE", "INVALID_QUANTITY", "INVALID_CLIENT_ORDER_ID",
    "PRICE_OUT_OF_BAND", "ORDER_TOO_LARGE", "NOTIONAL_TOO_LARGE", "POST_ONLY_WOULD_TAKE", "FOK_UNFILLABLE", "NO_LIQUIDITY",
    "MARKET_CLOSED", "INSUFFICIENT_FUNDS", "INSUFFICIENT_HOLDINGS", "POSITION_LIMIT", "GROSS_POSITION_LIMIT", "NET_POSITION_LIMIT",
    "UNKNOWN_GAME", "UNKNOWN_SECURITY", "UNKNOWN_PLAYER", "UNKNOWN_ORDER", "NOT_OWNER", "GAME_EXISTS", "SECURITY_EXISTS",
    "PLAYER_EXISTS", "INVALID_PHASE_TRANSITION", "INVALID_ARGUMENT"].map((c) => `code:${c}`),
  ...["place", "cancel", "cancel_all", "amend", "set_phase", "log_admin", "announce", "signal", "add_player", "add_security"].map((c) => `ok:${c}`),
  "duplicate", "truncated:cancel_all", "truncated:order", "priorityKept:true", "priorityKept:false",
  "status:new", "status:partially_filled", "status:filled", "status:cancelled", "status:expired",
  "stp:cancel_incoming", "stp:cancel_resting", "fill with rebate", "event:order_amended",
  // "fok" is absent: a FOK order that passes its check fills completely (the reason exists for safety)
  ...["user", "cancel_all", "round_end", "admin", "amend", "stp", "max_matches", "ioc", "market"].map((r) => `reason:${r}`),
];

async function runStream(engine: Engine, stream: Stream): Promise<void> {
  const g = newGameId("diff");
  const state = emptyState();
  const trail: string[] = [];
  const one = async (c: Command) => {
    trail.push(JSON.stringify(c));
    const where = `at command ${trail.length}:\n${trail.slice(-6).join("\n")}`;
    const lua = await runLua(engine, g, c);
    const luaEvents = lua.ok ? ((lua as { events?: { ts: number }[] }).events ?? []) : [];
    const ts = luaEvents[0]?.ts ?? Date.now();
    const before = canonical(state);
    const d = decide(state, c, { ts });
    expect(canonical(state), `decide changed the state ${where}`).to.deep.equal(before);
    expect(answer(d.ok ? (d.result as { ok: boolean }) : d), `answer ${where}`).to.deep.equal(answer(lua as { ok: boolean }));
    tally(c, lua as Record<string, unknown>);
    if (d.ok) {
      expect(d.events, `decision events ${where}`).to.equal((d.result as { events: unknown }).events);
      for (const e of d.events) evolve(state, e);
    }
    await compareReads(engine, g, state, where);
  };
  for (const c of stream.setup) await one(c);
  for (const st of stream.steps) await one(resolve(st, state, stream.secIds));
  const log = await engine.events(g, 1);
  expect(log.length, "log length").to.equal(state.seq);
  expect(canonical(fold(log)), "the Lua log folded through evolve").to.deep.equal(canonical(state));
  expect(state.news, "news").to.deep.equal(await engine.newsList(g));
  expect(state.signals, "signals").to.deep.equal(await engine.signalList(g));
}

describe("core vs Lua engine (differential, seeded random streams)", function () {
  this.timeout(120_000);
  let engine: Engine;
  before(async () => { engine = await connectEngine(); });
  after(async () => { await closeEngine(engine); });

  it(`${RUNS} streams of up to ${STEPS} commands: identical answers, events, books, inventories, open orders; the log folds to the live state`, async () => {
    await fc.assert(fc.asyncProperty(streamArb(STEPS), (s) => runStream(engine, s)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true });
    expect(MUST_SEE.filter((k) => !seen.has(k)), "rules the streams never exercised").to.deep.equal([]);
  });
});
