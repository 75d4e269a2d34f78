/**
 * The margin parts of the room's public state (docs/margin.md "Protocol"), written by StateMirror:
 * per security its kind, margin rates, the core's reference and mark and a CFD's quote; the
 * rules' mode, mark rule and the insurance fund's cash. Fields are written only when they changed.
 */
import type { GameState, SecurityState } from "@marketroom/shared";
import { markOf } from "../core/mark.ts";
import { quoteOf } from "../core/cfd-quote.ts";
import type { SecurityState as CoreSecurity } from "../core/state.ts";
import type { GameModel } from "../game/model.ts";

/** Assigns the fields of `values` that differ (small patches). */
function put<T extends object>(target: T, values: Partial<T>): void {
  for (const k of Object.keys(values) as (keyof T)[]) if (target[k] !== values[k]) target[k] = values[k]!;
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

/** With the valuation (marks moved): every security's mark and quote, the rules' fund. */
export function syncMarginValuation(state: GameState, model: GameModel): void {
  syncMarginRules(state, model);
  for (const [sid, sec] of model.securities) {
    const st = state.securities.get(String(sid));
    if (st) syncSecurityMargin(st, sec, model);
  }
}
