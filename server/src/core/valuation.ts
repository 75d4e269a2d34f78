/**
 * Valuation: marks, equity and P&L of a folded game (fold.ts), pure and in integers. The ONE place these
 * rules live: the live room, the round end, the final leaderboard, replay, scoring and the export all
 * call it (docs/export.md "Scoring", docs/replay.md).
 *
 *   reference  = the security's reference price, ticks, supplied by the caller (scenario path and news
 *                at some running time, or the game's fixed refPrice: scoring/references.ts referencesAt);
 *   mark, rule "last_trade" = the security's last trade price (highest fill seq), or its reference when
 *                it never traded; rule "reference" = the reference, traded or not. A security without a
 *                reference that never traded is marked 0 (a game without reference prices);
 *   opening reference = the reference at round start (the game's refPrice): starting holdings are valued
 *                and their FIFO lots bought at it;
 *   holdingsValue = sum over positions of qty x mark x scale;   equity = cash + holdingsValue;
 *   startValue = starting cash + sum of starting qty x opening reference x scale;
 *   pnl = equity - startValue = realizedPnl + unrealizedPnl - fees (FIFO ledger, ledger.ts; realizedPnl
 *         includes the dividends received, net of what shorts paid).
 *
 * Units: ticks, lots, minor units.
 */
import type { GameFold } from "./fold.ts";

/** How securities are marked (GameRules.markPrice). */
export type MarkRule = "last_trade" | "reference";

/** The mark of one security and where it came from. */
export interface Mark {
  securityId: number;
  markTicks: number;
  /** "last_trade" when the mark is a trade price, "reference" when it is the reference. */
  source: MarkRule;
  /** Seq of the security's last fill, null when it never traded. */
  lastTradeSeq: number | null;
  referenceTicks: number;
}

/** One player's value at some marks, minor units (trades = fills taken part in). */
export interface PlayerValue {
  playerId: string;
  name: string;
  cash: number;
  holdingsValue: number;
  equity: number;
  startValue: number;
  pnl: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
  trades: number;
}

/** Prices a valuation needs, ticks by security id (missing = 0). */
export interface Prices {
  marks: Map<number, Mark>;
  openRefs: ReadonlyMap<number, number>;
}

/** The mark rule of a game's rules; games stored before the rule existed mark by last trade. */
export function markRuleOf(rules: { markPrice?: MarkRule } | undefined): MarkRule {
  return rules?.markPrice === "reference" ? "reference" : "last_trade";
}

/** Marks of every security of the fold under `rule`, from its last trades and the references `refs`. */
export function marksOf(fold: GameFold, rule: MarkRule, refs: ReadonlyMap<number, number>): Map<number, Mark> {
  const out = new Map<number, Mark>();
  for (const id of fold.state.securityIds) {
    const st = fold.stats.get(id);
    const referenceTicks = refs.get(id) ?? 0;
    const byTrade = rule === "last_trade" && st !== undefined;
    out.set(id, {
      securityId: id,
      markTicks: byTrade ? st.lastPrice : referenceTicks,
      source: byTrade ? "last_trade" : "reference",
      lastTradeSeq: st?.lastSeq ?? null,
      referenceTicks,
    });
  }
  return out;
}

/** The value of one player of the fold (undefined for an unknown player). */
export function valueOf(fold: GameFold, playerId: string, prices: Prices): PlayerValue | undefined {
  const p = fold.state.players.get(playerId);
  const start = fold.endowments.get(playerId);
  const ledger = fold.ledgers.get(playerId);
  if (!p || !start || !ledger) return undefined;
  const mark = (sid: number) => prices.marks.get(sid)?.markTicks ?? 0;
  const openRef = (sid: number) => prices.openRefs.get(sid) ?? 0;
  const scale = (sid: number) => fold.state.securities.get(sid)?.info.scale ?? 0;
  let holdingsValue = 0;
  for (const [sid, pos] of p.positions) holdingsValue += pos.qty * mark(sid) * scale(sid);
  let startValue = start.cash;
  for (const [sid, qty] of start.holdings) startValue += qty * openRef(sid) * scale(sid);
  const equity = p.cash + holdingsValue;
  return {
    playerId,
    name: p.name,
    cash: p.cash,
    holdingsValue,
    equity,
    startValue,
    pnl: equity - startValue,
    realizedPnl: ledger.realizedPnl(openRef),
    unrealizedPnl: ledger.unrealizedPnl(mark, openRef),
    fees: ledger.fees,
    trades: ledger.trades,
  };
}

/** Every player's value, in the order players were added. */
export function valuesOf(fold: GameFold, prices: Prices): PlayerValue[] {
  const out: PlayerValue[] = [];
  for (const pid of fold.state.players.keys()) {
    const v = valueOf(fold, pid, prices);
    if (v) out.push(v);
  }
  return out;
}
