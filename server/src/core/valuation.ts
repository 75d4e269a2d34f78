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
 *                rule "core" (margin rounds, docs/margin.md "One mark") = the core's mark (mark.ts markOf)
 *                under the round's own mark rule (GameState.markRule: reference, last_trade or mid), the
 *                very price the margin check and the liquidation use; the references passed in are not
 *                read (the core's reference_price events are its references), and once the round has
 *                ended it is the closing mark the core fixed (SecurityState.closeMark);
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
import { markOf } from "./mark.ts";
import type { MarkRuleName } from "./state.ts";

/** How securities are valued: GameRules.markPrice of a cash round, or "core" (the core's mark, margin rounds). */
export type MarkRule = "last_trade" | "reference" | "core";

/** The mark of one security and where it came from. */
export interface Mark {
  securityId: number;
  markTicks: number;
  /**
   * "last_trade" when the mark is a trade price, "reference" when it is the reference (cash rounds); under
   * the rule "core" the round's core mark rule ("last_trade", "reference" or "mid": mark.ts, its fallbacks
   * included).
   */
  source: MarkRuleName;
  /** Seq of the security's last fill, null when it never traded. */
  lastTradeSeq: number | null;
  /** The reference the mark was taken against: the one passed in, or under "core" the core's reference. */
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

/**
 * What fixes a round's valuation: its rules' markPrice, and `coreMarks` (set on margin rounds created since
 * the one-mark rule, docs/margin.md "One mark"; absent on games stored before, which keep their markPrice).
 */
export interface MarkSettings {
  rules?: { markPrice?: string };
  coreMarks?: boolean;
}

/** The round's valuation rule at its end: "core" for core-marked rounds, else markPrice (absent = last trade). */
export function markRuleOf(settings: MarkSettings): MarkRule {
  if (settings.coreMarks) return "core";
  return settings.rules?.markPrice === "reference" ? "reference" : "last_trade";
}

/** The round's valuation rule while it runs: "core" for core-marked rounds, else the last trade. */
export function liveMarkRuleOf(settings: MarkSettings): MarkRule {
  return settings.coreMarks ? "core" : "last_trade";
}

/** Marks of every security of the fold under `rule`, from its last trades and the references `refs`. */
export function marksOf(fold: GameFold, rule: MarkRule, refs: ReadonlyMap<number, number>): Map<number, Mark> {
  if (rule === "core") return coreMarksOf(fold);
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

/** The core's marks of every security of the fold (mark.ts markOf under the game's mark rule). */
function coreMarksOf(fold: GameFold): Map<number, Mark> {
  const out = new Map<number, Mark>();
  const rule = fold.state.game?.markRule ?? "last_trade";
  for (const id of fold.state.securityIds) {
    const sec = fold.state.securities.get(id);
    if (!sec) continue;
    out.set(id, {
      securityId: id,
      markTicks: markOf(sec, rule),
      source: sec.kind === "cfd" ? "reference" : rule,
      lastTradeSeq: fold.stats.get(id)?.lastSeq ?? null,
      referenceTicks: sec.reference,
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
