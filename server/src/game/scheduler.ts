/**
 * The round scheduler: the one timer per game that fires the next scheduled event of its round (a
 * scheduled start, a period boundary or the end, the end of a break). Timers live in this process only;
 * the schedule they come from is stored (store.ts), so the service re-arms them after a restart
 * (GameService.resumeAll). A time already past fires at once. What an event does is the service's
 * (the handlers); a handler's error is logged, never thrown. Units: ms.
 */
import type { Logger } from "../config.ts";
import { elapsedOf, nextBoundary, type Schedule } from "./round-clock.ts";

/** What happens when a scheduled time comes. */
export interface ScheduleHandlers {
  /** The round's running time reached `boundary` (a period boundary, or the end when it is the duration). */
  boundary(gameId: string, boundary: number): Promise<void>;
  /** The break that was to end at `breakEndsAt` is over. */
  breakEnded(gameId: string, breakEndsAt: number): Promise<void>;
  /** The start scheduled for `startAt` is due. */
  startDue(gameId: string, startAt: number): Promise<void>;
}

export class RoundScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly handlers: ScheduleHandlers,
    private readonly log: Logger,
  ) {}

  /** Arms the next scheduled event of a running round: a break at the next period boundary, or the end. */
  armRunning(gameId: string, s: Schedule): void {
    this.disarm(gameId);
    if (!s.durationMs) return;
    const elapsed = elapsedOf(s, Date.now());
    const boundary = nextBoundary(s, elapsed);
    this.timer(gameId, boundary - elapsed, "period boundary", () => this.handlers.boundary(gameId, boundary));
  }

  /** Arms the end of a break: the next period starts then. */
  armBreak(gameId: string, breakEndsAt: number): void {
    this.timer(gameId, breakEndsAt - Date.now(), "break end", () => this.handlers.breakEnded(gameId, breakEndsAt));
  }

  /** Arms a scheduled start. */
  armStart(gameId: string, startAt: number): void {
    this.timer(gameId, startAt - Date.now(), "scheduled start", () => this.handlers.startDue(gameId, startAt));
  }

  /** Cancels the game's timer, if any. */
  disarm(gameId: string): void {
    const t = this.timers.get(gameId);
    if (t) clearTimeout(t);
    this.timers.delete(gameId);
  }

  /** Cancels every timer (process shutdown). */
  shutdown(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The game's one timer: replaces the previous one; errors are logged. */
  private timer(gameId: string, delayMs: number, what: string, fn: () => Promise<void>): void {
    this.disarm(gameId);
    const t = setTimeout(
      () => {
        if (this.timers.get(gameId) === t) this.timers.delete(gameId);
        fn().catch((err) => this.log.error({ err, gameId }, `${what} failed`));
      },
      Math.max(0, delayMs),
    );
    t.unref();
    this.timers.set(gameId, t);
  }
}
