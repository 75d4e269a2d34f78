/**
 * Standings: every leaderboard of the project (the live room, the running and final leaderboard of the
 * game service, the PostgreSQL results, replay at any event, leaderboard.csv) is built here, from a
 * folded game (core/fold.ts) valued by core/valuation.ts and ranked by scoring/ranking.ts. docs/export.md
 * "Scoring":
 *
 *   closing reference = each security's reference at the round's running time at the end
 *                       (references.ts referencesAt: the scenario path, or the fixed refPrice; news shifts);
 *   mark, rule "last_trade" (default) = the security's last trade price in the round (highest fill seq),
 *                       or the closing reference when it never traded;
 *   mark, rule "reference" = the closing reference, traded or not;
 *   mark of a margin round (settings.coreMarks; docs/margin.md "One mark") = the core's mark under the
 *                       round's mark rule (reference, last_trade or mid) at every moment, live and at the
 *                       end alike (then the closing mark the core fixed as the round ended);
 *   opening reference = the security's refPrice in the game settings (the price at round start);
 *   equity = cash + sum(final qty x mark x scale); pnl = equity - (start cash + start qty x opening ref x scale)
 *          = realizedPnl + unrealizedPnl - fees (FIFO, core/ledger.ts);
 *   ranking = scoring/ranking.ts (rules.rankBy, rules.bots; course points by rules.coursePoints).
 *
 * Units: ticks, lots, minor units, ms.
 */
import type { LeaderboardRow } from "@marketroom/shared";
import type { GameFold } from "../core/fold.ts";
import {
  liveMarkRuleOf,
  marksOf,
  markRuleOf,
  valuesOf,
  type Mark,
  type MarkRule,
  type MarkSettings,
  type Prices,
} from "../core/valuation.ts";
import { referencesAt, type ReferenceSettings } from "./references.ts";
import { coursePointsOf, rankRuleOf, rankStandings, returnBps, type RankRule } from "./ranking.ts";

export { liveMarkRuleOf, markRuleOf, type Mark, type MarkRule };

/** What scoring needs of a game's settings: references (scenario, refPrice per security, news), the mark and rank rules. */
export type ScoringSettings = ReferenceSettings & MarkSettings & { rules?: Partial<RankRule> };

/** Opening references by security: the refPrice of the settings (ticks). */
function openingReferences(settings: Pick<ReferenceSettings, "securities">): Map<number, number> {
  return new Map(settings.securities.map((s) => [s.securityId, s.refPrice]));
}

/** Prices of a fold at the round's references at running time `elapsedMs`, under the settings' mark rule. */
function pricesAt(fold: GameFold, settings: ScoringSettings, elapsedMs: number): Prices {
  return {
    marks: marksOf(fold, markRuleOf(settings), referencesAt(settings, elapsedMs)),
    openRefs: openingReferences(settings),
  };
}

/** The ranked leaderboard of a fold at `prices` under `rule`; `isBot` says which players are bots. */
export function standingsOf(
  fold: GameFold,
  prices: Prices,
  rule: RankRule,
  isBot: (playerId: string) => boolean,
): LeaderboardRow[] {
  const cp = rule.coursePoints;
  const rows: LeaderboardRow[] = valuesOf(fold, prices).map((v) => {
    const bot = isBot(v.playerId);
    return {
      rank: 0,
      ranked: true,
      playerId: v.playerId,
      name: v.name,
      bot,
      equity: v.equity,
      cash: v.cash,
      holdingsValue: v.holdingsValue,
      pnl: v.pnl,
      realizedPnl: v.realizedPnl,
      unrealizedPnl: v.unrealizedPnl,
      fees: v.fees,
      trades: v.trades,
      startValue: v.startValue,
      returnBps: returnBps(v.pnl, v.startValue),
      points: cp && !bot ? coursePointsOf(v.pnl, cp) : null,
    };
  });
  return rankStandings(rows, rule);
}

/** The final standings of an ended round: closing references at `elapsedEndMs`, the round's mark and rank rules. */
export function finalStandings(
  fold: GameFold,
  settings: ScoringSettings,
  elapsedEndMs: number,
  isBot: (playerId: string) => boolean,
): { board: LeaderboardRow[]; prices: Prices } {
  const prices = pricesAt(fold, settings, elapsedEndMs);
  return { board: standingsOf(fold, prices, rankRuleOf(settings.rules), isBot), prices };
}

/** What final scoring sets on a live model (game/model.ts GameModel). */
export interface ScoredModel {
  setRefPrice(securityId: number, refPrice: number): void;
  setMarkRule(rule: MarkRule): void;
  setRankRule(rule: RankRule): void;
}

/** Prepares a live model for final scoring: closing references at `elapsedEndMs`, the round's mark rule and rank rule. */
export function scoreAtEnd(model: ScoredModel, settings: ScoringSettings, elapsedEndMs: number): void {
  for (const [sid, ref] of referencesAt(settings, elapsedEndMs)) model.setRefPrice(sid, ref);
  model.setMarkRule(markRuleOf(settings));
  model.setRankRule(rankRuleOf(settings.rules));
}

/** Prepares a live model of a running round: its live mark rule (liveMarkRuleOf) and rank rule. */
export function scoreLive(model: Pick<ScoredModel, "setMarkRule" | "setRankRule">, settings: ScoringSettings): void {
  model.setMarkRule(liveMarkRuleOf(settings));
  model.setRankRule(rankRuleOf(settings.rules));
}

/**
 * Prices of a fold as the live room showed them at its last event (replay): before the round ended, marks
 * by the live rule (the core's mark in a margin round, else the last trade) at the references of the
 * running time then (fold.runningMsAt(): the scenario path and the news announced so far); once ended, the final scoring (the round's mark rule at the closing
 * references, `elapsedEndMs` = the round's stored running time at its end).
 */
export function pricesAsShown(fold: GameFold, settings: ScoringSettings, elapsedEndMs: number | null): Prices {
  if (fold.state.game?.phase === "ended" && elapsedEndMs !== null) return pricesAt(fold, settings, elapsedEndMs);
  return {
    marks: marksOf(fold, liveMarkRuleOf(settings), referencesAt(settings, fold.runningMsAt())),
    openRefs: openingReferences(settings),
  };
}
