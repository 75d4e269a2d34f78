/**
 * Round clock and schedule math, pure functions of a stored Schedule and a time `now` (ms since the
 * epoch). A round runs `periodCount` periods of `periodMs` running time (durationSec alone = one
 * period); admin pauses and the breaks between periods stop the running time. The scheduler
 * (scheduler.ts) arms its timers from these; the rooms show clockOf; bots, news and references read
 * elapsedOf. Units: ms.
 */
import type { ClockInfo } from "./hub.ts";

/**
 * The schedule of a round. Times in ms since the epoch (0 = not yet): first start, start of the current
 * running stretch (0 while not running), end, results written. elapsedMs = running time accumulated
 * before the current stretch; durationMs = total running time of the round (0 = no scheduled end).
 * startAt = scheduled start (0 = none; cleared when the round starts). periodCount periods of periodMs
 * running time each (durationMs = periodCount x periodMs; 0 = one period of durationMs) with breaks of
 * breakMs between them; breakEndsAt = end of the break under way (0 = none).
 */
export interface Schedule {
  startedAt: number;
  resumedAt: number;
  elapsedMs: number;
  durationMs: number;
  endedAt: number;
  resultsAt: number;
  startAt: number;
  periodMs: number;
  periodCount: number;
  breakMs: number;
  breakEndsAt: number;
}

/** The clock of a game the service does not know (or before anything is scheduled). */
export const NO_CLOCK: ClockInfo = {
  startedAt: 0,
  endsAt: 0,
  remainingMs: 0,
  durationMs: 0,
  period: 0,
  periods: 0,
  startsAt: 0,
  breakEndsAt: 0,
};

/** Running time of one period (the whole round for a one-period round; 0 = no scheduled end). */
export function periodLength(s: Schedule): number {
  return s.periodMs || s.durationMs;
}

/**
 * Running time at which the next scheduled event happens: the next period boundary when the round has
 * breaks, else (and after the last period) the end.
 */
export function nextBoundary(s: Schedule, elapsed: number): number {
  const len = periodLength(s);
  if (!len || s.periodCount <= 1 || !s.breakMs) return s.durationMs;
  return Math.min(s.durationMs, (Math.floor(elapsed / len) + 1) * len);
}

/** The period under way (1-based), or just played during a break; 0 before the start. */
function periodOf(s: Schedule, now: number): number {
  if (!s.startedAt) return 0;
  const len = periodLength(s);
  const count = Math.max(1, s.periodCount);
  if (!len) return 1;
  const e = elapsedOf(s, now);
  const p = s.breakEndsAt && !s.endedAt ? Math.round(e / len) : Math.floor(e / len) + 1;
  return Math.min(count, Math.max(1, p));
}

/** Running time of the round at `now`: accumulated + the current stretch (pauses and breaks stop it). */
export function elapsedOf(s: Schedule, now: number): number {
  const stretch = s.resumedAt && !s.endedAt ? Math.max(0, now - s.resumedAt) : 0;
  return s.elapsedMs + stretch;
}

/**
 * Clock for rooms, per period (see ClockInfo): remainingMs = running time left in the current period
 * (frozen while paused), endsAt only while running with a duration; startsAt while the lobby counts
 * down; breakEndsAt during a scheduled break.
 */
export function clockOf(s: Schedule, now: number): ClockInfo {
  const len = periodLength(s);
  const period = periodOf(s, now);
  const remainingMs = len ? Math.max(0, Math.max(1, period) * len - elapsedOf(s, now)) : 0;
  const running = s.resumedAt > 0 && !s.endedAt;
  return {
    startedAt: s.startedAt,
    endsAt: running && len ? now + remainingMs : 0,
    remainingMs,
    durationMs: len,
    period,
    periods: s.periodCount || (s.durationMs ? 1 : 0),
    startsAt: !s.startedAt && !s.endedAt ? s.startAt : 0,
    breakEndsAt: s.endedAt ? 0 : s.breakEndsAt,
  };
}
