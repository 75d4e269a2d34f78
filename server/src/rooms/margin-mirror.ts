/**
 * The margin parts of the room's state (docs/margin.md "Protocol"), written by StateMirror: per player
 * the waiting stops, the margin calls and the margin account (core/margin-account.ts, computed there
 * once); per security its kind, margin rates, the core's reference and mark and a CFD's quote; the
 * rules' mode, mark rule and the insurance fund's cash. Fields are written only when they changed.
 */
import {
  MarginCallState,
  StopState,
  StopTriggerState,
  type GameState,
  type PlayerState,
  type PositionState,
  type SecurityState,
} from "@marketroom/shared";
import { marginAccount } from "../core/margin-account.ts";
import { markOf } from "../core/mark.ts";
import { quoteOf } from "../core/cfd-quote.ts";
import type { PlayerState as CorePlayer, SecurityState as CoreSecurity } from "../core/state.ts";
import type { GameModel } from "../game/model.ts";

/** Assigns the fields of `values` that differ (small patches). */
function put<T extends object>(target: T, values: Partial<T>): void {
  for (const k of Object.keys(values) as (keyof T)[]) if (target[k] !== values[k]) target[k] = values[k]!;
}

/** A player's stops and margin calls, and (margin mode) the account. */
export function syncPlayerMargin(ps: PlayerState, model: GameModel, p: CorePlayer, full: boolean): void {
  syncStops(ps, model, p.playerId);
  const calls = model.marginCalls.get(p.playerId) ?? [];
  if (full) ps.marginCalls.clear();
  const after = ps.marginCalls.length ? ps.marginCalls[ps.marginCalls.length - 1]!.seq : 0;
  for (const c of calls) if (c.seq > after) ps.marginCalls.push(new MarginCallState().assign(c));
  while (ps.marginCalls.length > calls.length) ps.marginCalls.shift();
  const triggers = model.stopTriggers.get(p.playerId) ?? [];
  if (full) ps.stopTriggers.clear();
  const last = ps.stopTriggers.length ? ps.stopTriggers[ps.stopTriggers.length - 1]!.seq : 0;
  for (const t of triggers) if (t.seq > last) ps.stopTriggers.push(new StopTriggerState().assign(t));
  while (ps.stopTriggers.length > triggers.length) ps.stopTriggers.shift();
  syncAccount(ps, model, p);
}

function syncStops(ps: PlayerState, model: GameModel, playerId: string): void {
  const seen = new Set<string>();
  for (const sid of model.fold.state.securityIds) {
    for (const s of model.securities.get(sid)!.stops.values()) {
      if (s.playerId !== playerId) continue;
      const k = `${sid}:${s.id}`;
      seen.add(k);
      let st = ps.stops.get(k);
      if (!st) {
        st = new StopState();
        ps.stops.set(k, st);
      }
      put(st, {
        stopId: s.id,
        securityId: sid,
        side: s.side,
        orderType: s.orderType,
        price: s.price,
        qty: s.qty,
        stopPrice: s.stopPrice,
        trigger: s.trigger,
        kind: s.kind,
        ocoStopId: s.ocoStopId,
        parentOrderId: s.parentOrderId,
        ts: s.ts,
      });
    }
  }
  for (const k of [...ps.stops.keys()]) if (!seen.has(k)) ps.stops.delete(k);
}

/** The account fields (margin mode only; cash rounds keep zeros). */
function syncAccount(ps: PlayerState, model: GameModel, p: CorePlayer): void {
  const state = model.fold.state;
  if (state.game?.mode !== "margin") return;
  const a = marginAccount(state, p);
  put(ps, {
    marginEquity: a.equity,
    usedMargin: a.usedMargin,
    maintenanceMargin: a.maintenance,
    freeMargin: a.freeMargin,
    leverageBps: a.leverageBps,
  });
  const open = new Map(a.positions.map((x) => [x.securityId, x]));
  ps.positions.forEach((pos: PositionState) => {
    const x = open.get(pos.securityId);
    put(pos, {
      entryPrice: x?.entryPrice ?? 0,
      mark: x?.mark ?? 0,
      unrealizedPnl: x?.unrealizedPnl ?? 0,
      margin: x?.margin ?? 0,
      liquidationPrice: x?.liquidationPrice ?? 0,
      initialMarginBps: x?.initialMarginBps ?? 0,
    });
  });
}

/** A security's margin fields: kind, rates, reference, mark and quote. */
export function syncSecurityMargin(st: SecurityState, sec: CoreSecurity, model: GameModel): void {
  const q = quoteOf(sec);
  put(st, {
    kind: sec.kind,
    initialMarginBps: sec.initialMarginBps,
    maintenanceMarginBps: sec.maintenanceMarginBps,
    reference: sec.reference,
    mark: markOf(sec, model.fold.state.game?.markRule ?? "last_trade"),
    halfSpread: sec.halfSpread,
    quoteBid: q.bid,
    quoteAsk: q.ask,
  });
}

/** The rules' mode, mark rule and the fund's cash. */
export function syncMarginRules(state: GameState, model: GameModel): void {
  const game = model.fold.state.game;
  put(state.rules, {
    mode: game?.mode ?? "cash",
    markRule: game?.markRule ?? "last_trade",
    fundCash: model.fold.state.fund.cash,
  });
}

/** With the valuation (marks moved): every account, every security's mark and quote, the rules' fund. */
export function syncMarginValuation(state: GameState, model: GameModel): void {
  const game = model.fold.state.game;
  syncMarginRules(state, model);
  for (const [sid, sec] of model.securities) {
    const st = state.securities.get(String(sid));
    if (st) syncSecurityMargin(st, sec, model);
  }
  if (game?.mode !== "margin") return;
  for (const [pid, p] of model.players) {
    const ps = state.players.get(pid);
    if (ps) syncAccount(ps, model, p);
  }
}
