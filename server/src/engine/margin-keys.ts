/**
 * The key-ops projection, loading and hydration of stop orders and of the margin mode's state
 * (docs/core.md "Stop orders", docs/margin.md), apart from key-ops.ts / load.ts / hydrate.ts, which
 * use these once each. Values come from the core state at the batch boundary, as for every producer.
 *
 *   game:{g}                          fields mode, mark_rule, fund_cash (the insurance fund's cash)
 *   game:{g}:fund                     hash security id -> lots the fund took over
 *   game:{g}:security:<s>             fields initial_margin_bps, maintenance_margin_bps, reference, last_price, last_stop_id, kind, half_spread,
 *                                     close_mark (margin mode, written when the round ends)
 *   game:{g}:security:<s>:stops       hash stop id -> the waiting stop (JSON: StopOrder without securityId)
 *   game:{g}:player:<p>:costs         hash security id -> the open position's cost (minor units, signed);
 *                                     "lev:<security id>" -> a CFD position's initial margin rate (bps, cfd_leverage)
 *
 * Absent fields mean what a game stored before them means: cash mode, last_trade marks, no fund, the
 * default margin rates (10000 / 5000 bps), no reference, never traded, no stops, no costs.
 */
import type { EngineEvent } from "@marketroom/shared";
import type { Redis } from "iovalkey";
import type { CoreState, GameState, PlayerState, SecurityState, StopOrder } from "../core/state.ts";
import { addStop } from "../core/stops/stop-state.ts";
import type { KeyOpProducer, ProjectionContext } from "./key-op-producer.ts";
import * as K from "./keys.ts";

/** What a producer iterates when it was given nothing (its sets and maps are made when first needed). */
const NONE: ReadonlySet<number> = new Set();
const NO_STOPS: ReadonlyMap<number, ReadonlySet<number>> = new Map();
const NO_COSTS: ReadonlyMap<string, ReadonlySet<number>> = new Map();
const NO_LEVERAGES: readonly { pid: string; sid: number }[] = [];

/** What a batch changed of the stops and the margin state. */
export class MarginOps implements KeyOpProducer {
  private game = false;
  /** The round ended in the batch: every security's closing mark is written. */
  private ended = false;
  // each set, map and list is made when first needed: most batches touch none of them (key-ops.ts NONE)
  private fund: Set<number> | null = null;
  private securities: Set<number> | null = null;
  /** Securities whose last trade price alone changed (a fill changes nothing else of the security hash). */
  private traded: Set<number> | null = null;
  /** Security id -> ids of every stop accepted, armed or gone in the batch. */
  private stops: Map<number, Set<number>> | null = null;
  private costs: Map<string, Set<number>> | null = null;
  private leverages: { pid: string; sid: number }[] | null = null;

  private stop(sid: number, id: number): void {
    const stops = (this.stops ??= new Map());
    let s = stops.get(sid);
    if (!s) {
      s = new Set();
      stops.set(sid, s);
    }
    s.add(id);
  }

  private cost(pid: string, sid: number): void {
    const costs = (this.costs ??= new Map());
    let s = costs.get(pid);
    if (!s) {
      s = new Set();
      costs.set(pid, s);
    }
    s.add(sid);
  }

  private security(sid: number): void {
    (this.securities ??= new Set()).add(sid);
  }

  touch(ev: EngineEvent): void {
    switch (ev.type) {
      case "game_created":
        this.game = true;
        break;
      case "phase_changed":
        if (ev.to === "ended") this.ended = true;
        break;
      case "security_added":
      case "reference_price":
        this.security(ev.securityId);
        break;
      case "fill":
        (this.traded ??= new Set()).add(ev.securityId);
        this.cost(ev.makerPlayerId, ev.securityId);
        this.cost(ev.takerPlayerId, ev.securityId);
        break;
      case "stop_accepted":
        this.security(ev.securityId);
        this.stop(ev.securityId, ev.stopId);
        break;
      case "stop_armed":
      case "stop_triggered":
      case "stop_cancelled":
        this.stop(ev.securityId, ev.stopId);
        break;
      case "cfd_fill":
        this.game = true;
        this.security(ev.securityId);
        (this.fund ??= new Set()).add(ev.securityId);
        this.cost(ev.playerId, ev.securityId);
        break;
      case "cfd_leverage":
        (this.leverages ??= []).push({ pid: ev.playerId, sid: ev.securityId });
        break;
      case "fund_transfer":
        this.game = true;
        if (ev.securityId !== 0) {
          (this.fund ??= new Set()).add(ev.securityId);
          this.cost(ev.playerId, ev.securityId);
        }
        break;
      default:
        break;
    }
  }

  write({ gameId: g, state, enc, keys }: ProjectionContext): void {
    const game = state.game;
    if (this.game && game)
      enc.hset(K.gameKey(g), "mode", game.mode, "mark_rule", game.markRule, "fund_cash", state.fund.cash);
    for (const sid of this.fund ?? NONE) {
      const q = state.fund.positions.get(sid);
      if (q === undefined) enc.hdel(K.fundKey(g), sid);
      else enc.hset(K.fundKey(g), sid, q);
    }
    if (this.ended && game?.mode === "margin") for (const sid of state.securityIds) this.security(sid);
    const securities = this.securities ?? NONE;
    for (const sid of securities) {
      const sec = securityOf(state, sid);
      enc.hset(
        K.securityKey(g, sid),
        "initial_margin_bps",
        sec.initialMarginBps,
        "maintenance_margin_bps",
        sec.maintenanceMarginBps,
        "reference",
        sec.reference,
        "last_price",
        sec.lastPrice,
        "last_stop_id",
        sec.lastStopId,
        "kind",
        sec.kind,
        "half_spread",
        sec.halfSpread,
        "close_mark",
        sec.closeMark,
      );
    }
    for (const sid of this.traded ?? NONE) {
      if (!securities.has(sid)) enc.hset(keys.security(sid).security, "last_price", securityOf(state, sid).lastPrice);
    }
    const stops = this.stops ?? NO_STOPS;
    for (const sid of stops.keys()) {
      const ids = stops.get(sid)!;
      const sec = securityOf(state, sid);
      const key = K.stopsKey(g, sid);
      for (const id of ids) {
        const s = sec.stops.get(id);
        if (s === undefined) enc.hdel(key, id);
        else enc.hset(key, id, packStop(s));
      }
    }
    // costs exist in margin mode only (evolve keeps none in cash mode)
    if (game?.mode !== "margin") return;
    const costs = this.costs ?? NO_COSTS;
    for (const pid of costs.keys()) {
      const sids = costs.get(pid)!;
      const p = state.players.get(pid);
      if (!p) throw new Error(`margin-keys: no player ${pid} in the state`);
      for (const sid of sids) {
        const c = p.costs.get(sid);
        if (c === undefined) enc.hdel(K.costsKey(g, pid), sid);
        else enc.hset(K.costsKey(g, pid), sid, c);
      }
    }
    for (const { pid, sid } of this.leverages ?? NO_LEVERAGES) {
      const bps = state.players.get(pid)?.leverage.get(sid);
      if (bps !== undefined) enc.hset(K.costsKey(g, pid), `lev:${sid}`, bps);
    }
  }
}

function securityOf(state: CoreState, sid: number): SecurityState {
  const sec = state.securities.get(sid);
  if (!sec) throw new Error(`margin-keys: no security ${sid} in the state`);
  return sec;
}

function packStop(s: StopOrder): string {
  const { securityId: _sid, ...rest } = s;
  return JSON.stringify(rest);
}

/** What loadMargin reads: stops by security id (stop id -> JSON), the fund's positions, costs by player. */
export interface LoadedMargin {
  stops: Map<number, Record<string, string>>;
  fund: Record<string, string>;
  costs: Map<string, Record<string, string>>;
}

/** Reads the stops, the fund and the costs of a game's securities and players (one pipeline). */
export async function loadMargin(
  client: Redis,
  gameId: string,
  sids: readonly number[],
  pids: readonly string[],
): Promise<LoadedMargin> {
  const pipe = client.pipeline();
  pipe.hgetall(K.fundKey(gameId));
  for (const s of sids) pipe.hgetall(K.stopsKey(gameId, s));
  for (const p of pids) pipe.hgetall(K.costsKey(gameId, p));
  const replies = (await pipe.exec()) ?? [];
  const out = replies.map(([err, v]) => {
    if (err) throw err;
    return v as Record<string, string>;
  });
  return {
    fund: out[0] ?? {},
    stops: new Map(sids.map((s, i) => [s, out[1 + i] ?? {}])),
    costs: new Map(pids.map((p, i) => [p, out[1 + sids.length + i] ?? {}])),
  };
}

function int(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === "" || !Number.isSafeInteger(n)) throw new Error(`hydrate: ${what} is not an integer: ${v}`);
  return n;
}

/** The game's margin fields from its hash (absent: cash mode, last_trade marks). */
export function marginGameState(g: Record<string, string>): Pick<GameState, "mode" | "markRule"> {
  const mode = g.mode ?? "cash";
  const markRule = g.mark_rule ?? "last_trade";
  if (mode !== "cash" && mode !== "margin") throw new Error(`hydrate: mode is not cash or margin: ${mode}`);
  if (markRule !== "last_trade" && markRule !== "reference" && markRule !== "mid")
    throw new Error(`hydrate: mark_rule is unknown: ${markRule}`);
  return { mode, markRule };
}

/** A security's margin and stop fields from its hash, with no stops yet (hydrateMargin adds them). */
export function marginSecurityState(
  c: Record<string, string>,
  sid: number,
): Pick<
  SecurityState,
  | "initialMarginBps"
  | "maintenanceMarginBps"
  | "reference"
  | "lastPrice"
  | "closeMark"
  | "stops"
  | "lastStopId"
  | "byParent"
  | "kind"
  | "halfSpread"
> {
  const n = (f: string, d: number) => int(c[f], d, `security ${sid} ${f}`);
  const kind = c.kind ?? "book";
  if (kind !== "book" && kind !== "cfd") throw new Error(`hydrate: security ${sid} kind is unknown: ${kind}`);
  return {
    kind,
    halfSpread: n("half_spread", 0),
    initialMarginBps: n("initial_margin_bps", 10_000),
    maintenanceMarginBps: n("maintenance_margin_bps", 5_000),
    reference: n("reference", 0),
    lastPrice: n("last_price", 0),
    closeMark: n("close_mark", 0),
    lastStopId: n("last_stop_id", 0),
    stops: new Map(),
    byParent: new Map(),
  };
}

/** Adds the loaded stops, fund and costs to a hydrated state (fund cash from the game hash). */
export function hydrateMargin(state: CoreState, g: Record<string, string>, m: LoadedMargin | undefined): void {
  state.fund.cash = int(g.fund_cash, 0, "game fund_cash");
  if (m === undefined) return;
  for (const [sid, q] of Object.entries(m.fund))
    state.fund.positions.set(int(sid, 0, "fund security"), int(q, 0, `fund ${sid}`));
  for (const [sid, stops] of m.stops) {
    const sec = securityOf(state, sid);
    const lastStopId = sec.lastStopId;
    const ids = Object.keys(stops)
      .map((id) => int(id, 0, "stop id"))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const s = JSON.parse(stops[String(id)]!) as Omit<StopOrder, "securityId">;
      if (s.id !== id || !state.players.has(s.playerId))
        throw new Error(`hydrate: stop ${id} of security ${sid} is malformed`);
      addStop(sec, { ...s, securityId: sid });
    }
    sec.lastStopId = lastStopId;
  }
  for (const [pid, costs] of m.costs) {
    const p: PlayerState | undefined = state.players.get(pid);
    if (!p) continue;
    for (const [sid, c] of Object.entries(costs)) {
      if (sid.startsWith("lev:")) p.leverage.set(int(sid.slice(4), 0, "leverage security"), int(c, 0, `${pid} ${sid}`));
      else p.costs.set(int(sid, 0, "cost security"), int(c, 0, `${pid} cost ${sid}`));
    }
  }
}
