/**
 * Helpers for the game core's tests.
 *
 *   canonical(state)            the whole core state as plain data (books level by level in queue order,
 *                               players, locks, client order results, counters, seq, phase, news,
 *                               signals): two states are equal iff their canonical forms are deep-equal
 *   fold(events)                emptyState() with the events (zod-parsed first) applied by evolve
 *   runLua(engine, g, command)  the same command through the Lua engine (real Valkey), its JSON result
 *                               with `fills` added to place/amend results as Engine.place/amend add them
 *   apply(state, command, ts)   decide then evolve; returns decide's answer
 */
import { EngineEvent, type EngineEvent as Ev, type Rejection } from "@marketroom/shared";
import type { Engine } from "../../src/engine/engine.ts";
import * as K from "../../src/engine/keys.ts";
import { decide, emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import type { BookSide } from "../../src/core/matching/book.ts";
import { assertNever } from "../../src/core/assert.ts";
import { luaAmend as rawAmend, luaCall as rawCall, luaPlace as rawPlace } from "../engine/helpers.ts";

function sideDump(side: BookSide): unknown[] {
  return side.levels.map((l) => {
    const orders: unknown[] = [];
    for (let o = l.head; o !== null; o = o.next) {
      orders.push({ id: o.id, side: o.side, price: o.price, qty: o.qty, amount: o.amount, playerId: o.playerId,
        clientOrderId: o.clientOrderId ?? null, ts: o.ts, postOnly: o.postOnly });
    }
    return { price: l.price, qty: l.qty, orders: l.orders, queue: orders };
  });
}

const sortedEntries = <V>(m: Map<string | number, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The state as plain, order-canonical data (deep-equal iff the states are equal). */
export function canonical(s: CoreState): unknown {
  return {
    game: s.game, seq: s.seq, cashTotal: s.cashTotal, securityIds: s.securityIds, pending: s.pending,
    securities: sortedEntries(s.securities).map(([id, sec]) => ({
      id, info: sec.info, lastOrderId: sec.lastOrderId, bids: sideDump(sec.book.bids), asks: sideDump(sec.book.asks),
      orderIds: [...sec.book.orders.keys()].sort((a, b) => a - b),
    })),
    players: sortedEntries(s.players).map(([id, p]) => ({
      id, name: p.name, cash: p.cash, cashLocked: p.cashLocked,
      positions: sortedEntries(p.positions),
      orders: sortedEntries(p.orders).map(([sid, m]) => [sid, [...m.keys()]]).filter(([, ids]) => (ids as number[]).length > 0),
      clientOrders: sortedEntries(p.clientOrders),
    })),
    news: s.news, signals: s.signals,
  };
}

/** Folds a log (parsed and upgraded by the EngineEvent schema) from an empty state. */
export function fold(events: unknown[]): CoreState {
  const s = emptyState();
  for (const e of events) evolve(s, EngineEvent.parse(e));
  return s;
}

/** decide, then evolve its events into `state` (mutated); returns decide's answer. */
export function apply(state: CoreState, c: Command, ts: number): ReturnType<typeof decide> {
  const d = decide(state, c, { ts });
  if (d.ok) for (const e of d.events) evolve(state, e);
  return d;
}

type LuaResult = Record<string, unknown> & { ok: boolean; events?: Ev[]; duplicate?: boolean };

function withFills(r: LuaResult): LuaResult {
  if (r.ok && !r.duplicate) r.fills = (r.events ?? []).filter((e) => e.type === "fill");
  return r;
}

const opt = (v: unknown) => (v === undefined ? "" : (v as string | number));

/** Runs a core command through the Lua engine (raw argv, so malformed values reach the scripts). */
export async function runLua(engine: Engine, g: string, c: Command): Promise<LuaResult | Rejection> {
  switch (c.type) {
    case "create_game":
      return rawCall(engine, "create_game", [K.gameKey(g), K.seqKey(g), K.eventsKey(g)],
        [c.name, c.stp, c.maxMatches, c.allowShort ? 1 : 0, c.protectionBps, opt(c.grossLimit), opt(c.netLimit)]);
    case "add_security":
      return rawCall(engine, "add_security",
        [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.securityKey(g, c.securityId), K.securitiesKey(g)],
        [c.securityId, c.symbol, c.tickSize, c.lotSize, c.scale, c.bandLow, c.bandHigh, c.shortLimit, c.positionLimit,
          c.maxOrderQty, opt(c.takerFee), opt(c.makerRebate), opt(c.limitWeight)]);
    case "add_player":
      return rawCall(engine, "add_player",
        [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.playersKey(g), K.inventoryKey(g, c.playerId)],
        [c.playerId, c.name, c.cash, ...c.holdings.flatMap((h) => [h.securityId, h.qty])]);
    case "set_phase":
      return rawCall(engine, "set_phase", [K.gameKey(g), K.seqKey(g), K.eventsKey(g)], [c.phase]);
    case "place":
      return withFills(await rawPlace(engine, g, c.playerId, {
        securityId: c.securityId, side: c.side, type: c.orderType ?? "limit", tif: c.tif ?? "GTC",
        postOnly: c.postOnly ? 1 : 0, price: opt(c.price), qty: c.qty, clientOrderId: c.clientOrderId ?? "",
      }));
    case "cancel":
      return engine.cancel(g, c.playerId, c.securityId, c.orderId) as Promise<LuaResult | Rejection>;
    case "cancel_all":
      return rawCall(engine, "cancel_all", [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.securitiesKey(g), K.inventoryKey(g, c.playerId)],
        [c.playerId, opt(c.securityId), opt(c.reason)]);
    case "amend":
      return withFills(await rawAmend(engine, g, c.playerId, { securityId: c.securityId, orderId: c.orderId, qty: c.qty, price: opt(c.price) }));
    case "log_admin":
      return rawCall(engine, "log_admin", [K.gameKey(g), K.seqKey(g), K.eventsKey(g)], [c.action, c.actor, c.detail ?? ""]);
    case "announce":
      return rawCall(engine, "announce", [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.securitiesKey(g), `game:{${g}}:news`],
        [c.headline, c.atMs, ...c.shifts.flatMap((s) => [s.securityId, s.bps])]);
    case "signal":
      return rawCall(engine, "signal",
        [K.gameKey(g), K.seqKey(g), K.eventsKey(g), K.securitiesKey(g), K.playersKey(g), `game:{${g}}:signals`],
        [c.group, c.text, opt(c.securityId), opt(c.value), ...c.playerIds]);
    default:
      return assertNever(c);
  }
}
