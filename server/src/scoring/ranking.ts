/**
 * The ranking rule of every leaderboard (live room, round end, PostgreSQL results, leaderboard.csv, session
 * results): docs/export.md "Ranking" and docs/rounds.md "Scoring" (issue 16, fair scoring).
 *
 *   key     = P&L (rules.rankBy "pnl", the default) or return on starting value (rules.rankBy "return");
 *   return  = returnBps = floor(pnl x 10000 / startValue), basis points rounded toward minus infinity, in
 *             BigInt (no float touches money); 0 when the starting value is 0 or less;
 *   order   = key descending, then P&L descending, then player id ascending (code units, no locale);
 *   bots    = rules.bots "apart" (default): humans ranked 1..n among themselves, bots listed after them in the
 *             same order, not ranked (ranked = false; their `rank` is their place on the board, n+1.., so the
 *             stored rank stays unique and positive); "hidden": as "apart", and left out of the board players see
 *             (shownStandings); "ranked": everyone ranked together (the rule before issue 16).
 *
 * Units: minor units, basis points.
 */

export type RankBy = "pnl" | "return";
export type BotsShown = "apart" | "hidden" | "ranked";

/** Conversion of P&L to course points (GameRules.coursePoints); see coursePointsOf. */
export interface CoursePoints {
  base: number;
  per: number;
  min: number;
  max: number;
}

/** How a round ranks its players and converts P&L to points (GameRules.rankBy, .bots, .coursePoints). */
export interface RankRule {
  rankBy: RankBy;
  bots: BotsShown;
  coursePoints: CoursePoints | null;
}

/** The default rule (rounds stored before issue 16 rank by it too). */
export const DEFAULT_RANK_RULE: RankRule = { rankBy: "pnl", bots: "apart", coursePoints: null };

/** A row the rule can rank; `rank` and `ranked` are written. */
export interface Rankable {
  rank: number;
  ranked?: boolean;
  playerId: string;
  bot?: boolean;
  pnl: number;
  returnBps?: number;
}

/** The rank rule of a round's rules (missing fields take the defaults). */
export function rankRuleOf(
  rules: { rankBy?: RankBy; bots?: BotsShown; coursePoints?: CoursePoints | null } | undefined,
): RankRule {
  return {
    rankBy: rules?.rankBy === "return" ? "return" : "pnl",
    bots: rules?.bots === "hidden" || rules?.bots === "ranked" ? rules.bots : "apart",
    coursePoints: rules?.coursePoints ?? null,
  };
}

/** Return on starting value, basis points: floor(pnl x 10000 / startValue); 0 when startValue <= 0. Integers in, integer out. */
export function returnBps(pnl: number, startValue: number): number {
  if (startValue <= 0) return 0;
  const num = BigInt(pnl) * 10_000n;
  const den = BigInt(startValue);
  let q = num / den; // truncates toward zero
  if (num % den !== 0n && num < 0n) q -= 1n;
  return Number(q);
}

/** Ranking order of two rows under `rankBy`: key descending, P&L descending, player id ascending. */
export function compareStanding(a: Rankable, b: Rankable, rankBy: RankBy): number {
  const key = rankBy === "return" ? (b.returnBps ?? 0) - (a.returnBps ?? 0) : 0;
  return key || b.pnl - a.pnl || (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0);
}

/** Whether the rule ranks this row (bots are unranked unless bots = "ranked"). */
function isRanked(row: { bot?: boolean }, rule: RankRule): boolean {
  return rule.bots === "ranked" || !row.bot;
}

/**
 * Sorts `rows` in place by the rule and writes `rank` (place on the board, 1..N) and `ranked`: ranked rows
 * first, then unranked bots, each group in compareStanding order. Returns `rows`.
 */
export function rankStandings<T extends Rankable>(rows: T[], rule: RankRule): T[] {
  rows.sort((a, b) => Number(isRanked(b, rule)) - Number(isRanked(a, rule)) || compareStanding(a, b, rule.rankBy));
  rows.forEach((r, i) => {
    r.rank = i + 1;
    r.ranked = isRanked(r, rule);
  });
  return rows;
}

/** The rows players see: all of them, or without bots when the rule hides them. */
export function shownStandings<T extends { bot?: boolean }>(rows: T[], rule: RankRule): T[] {
  return rule.bots === "hidden" ? rows.filter((r) => !r.bot) : rows;
}

/**
 * Course points of a P&L (GameRules.coursePoints, docs/rounds.md "Course points"):
 *   points = clamp(base + floor(pnl / per), min, max), integers (floor toward minus infinity).
 * `per` is the P&L in minor units worth one point (>= 1).
 */
export function coursePointsOf(pnl: number, cp: CoursePoints): number {
  const q = (pnl - (((pnl % cp.per) + cp.per) % cp.per)) / cp.per;
  return Math.min(cp.max, Math.max(cp.min, cp.base + q));
}
