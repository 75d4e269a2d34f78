/**
 * The margin accounts of a margin round at one event of its replay (docs/replay.md "Margin accounts",
 * docs/margin.md "Replay"): read from the folded log (core/fold.ts, the core's state after `evolve` of
 * events 1..seq; no second reducer), each account computed by core/margin-account.ts, the same function
 * the live room's private state, GET /api/v1/margin and the export use, at the core's marks (mark.ts).
 *
 *   MarginReplayView = { seq, ts, mode, markRule, marks: [{ securityId, mark }],
 *                        fund: { cash, positions: [{ securityId, qty }] },
 *                        accounts: [{ playerId, name, cash, equity, usedMargin, maintenance, freeMargin,
 *                                     leverageBps, positions: [{ securityId, qty, entryPrice, mark,
 *                                     unrealizedPnl, margin, initialMarginBps, liquidationPrice }] }] }
 *
 * Units: price in ticks, qty in lots, cash in minor units, leverage in bps (10000 = 1x), ts in ms. A cash
 * round answers mode "cash" with no accounts. Who sees which accounts is the caller's choice (`only`).
 */
import type { GameFold } from "../core/fold.ts";
import { markOf } from "../core/mark.ts";
import { marginAccount, type MarginAccount } from "../core/margin-account.ts";

export interface ReplayMarginAccount extends MarginAccount {
  playerId: string;
  name: string;
  cash: number;
}

export interface MarginReplayView {
  seq: number;
  ts: number;
  mode: "cash" | "margin";
  markRule: string;
  marks: { securityId: number; mark: number }[];
  fund: { cash: number; positions: { securityId: number; qty: number }[] };
  accounts: ReplayMarginAccount[];
}

/**
 * The margin view of `fold` at its seq. `only`: the players whose accounts to include (undefined = all,
 * in the order they were added); the fund and the marks are the round's, public as in the live room.
 */
export function marginAt(fold: GameFold, only?: ReadonlySet<string>): MarginReplayView {
  const state = fold.state;
  const mode = state.game?.mode ?? "cash";
  const markRule = state.game?.markRule ?? "last_trade";
  const accounts: ReplayMarginAccount[] = [];
  if (mode === "margin")
    for (const p of state.players.values())
      if (!only || only.has(p.playerId))
        accounts.push({ playerId: p.playerId, name: p.name, cash: p.cash, ...marginAccount(state, p) });
  return {
    seq: fold.seq,
    ts: fold.ts,
    mode,
    markRule,
    marks: state.securityIds.map((securityId) => ({
      securityId,
      mark: markOf(state.securities.get(securityId)!, markRule),
    })),
    fund: {
      cash: state.fund.cash,
      positions: [...state.fund.positions].map(([securityId, qty]) => ({ securityId, qty })),
    },
    accounts,
  };
}
