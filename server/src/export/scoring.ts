/**
 * Round scoring rules shared by the round end (service.doEnd, service.leaderboard of an ended round) and
 * the export (docs/export.md, "Scoring"):
 *
 *   closing reference = each security's reference at the round's running time at the end
 *                       (marks.referencesAt: the scenario path, or the fixed refPrice);
 *   mark, rule "last_trade" (default) = the security's last trade price in the round (highest fill seq),
 *                       or the closing reference when it never traded;
 *   mark, rule "reference" = the closing reference, traded or not;
 *   opening reference = the security's refPrice in the game settings (the price at round start);
 *   equity = cash + sum(final qty x mark x scale); pnl = equity - (start cash + start qty x opening ref x scale)
 *          = realizedPnl + unrealizedPnl - fees (FIFO, ledger.ts);
 *   ranking = export/ranking.ts (rules.rankBy, rules.bots; course points by rules.coursePoints).
 *
 * Units: ticks, lots, minor units, ms.
 */
import type { GameModel, MarkRule } from "../game/model.ts";
import { referencesAt, type ReferenceSettings } from "./marks.ts";
import { rankRuleOf, type RankRule } from "./ranking.ts";

/** The rule of a game's settings; games stored before the rule existed score by last trade. */
export function markRuleOf(rules: { markPrice?: MarkRule } | undefined): MarkRule {
  return rules?.markPrice === "reference" ? "reference" : "last_trade";
}

/** Prepares a model for final scoring: closing references at `elapsedEndMs`, the game's mark rule and rank rule. */
export function scoreAtEnd(model: GameModel, settings: ReferenceSettings & { rules?: { markPrice?: MarkRule } & Partial<RankRule> }, elapsedEndMs: number): void {
  for (const [sid, ref] of referencesAt(settings, elapsedEndMs)) model.setRefPrice(sid, ref);
  model.setMarkRule(markRuleOf(settings.rules));
  model.setRankRule(rankRuleOf(settings.rules));
}

/** The mark of one security and where it came from. */
export interface ScoringMark {
  securityId: number;
  markTicks: number;
  /** "last_trade" when the mark is a trade price, "reference" when it is the closing reference. */
  source: MarkRule;
  lastTradeSeq: number | null;
  referenceTicks: number;
}

/** Marks of `securityIds` under `rule`, from the last trade per security (seq, price) and the closing references. */
export function marksFor(rule: MarkRule, securityIds: number[], lastTrades: Map<number, { seq: number; price: number }>, refs: Map<number, number>): Map<number, ScoringMark> {
  const out = new Map<number, ScoringMark>();
  for (const id of securityIds) {
    const t = lastTrades.get(id);
    const referenceTicks = refs.get(id) ?? 0;
    const byTrade = rule === "last_trade" && t !== undefined;
    out.set(id, {
      securityId: id, markTicks: byTrade ? t.price : referenceTicks, source: byTrade ? "last_trade" : "reference",
      lastTradeSeq: t?.seq ?? null, referenceTicks,
    });
  }
  return out;
}
