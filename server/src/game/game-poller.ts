/**
 * A per-game poller: one interval timer per game that runs an async `step(gameId)` every `everyMs`
 * milliseconds, never two steps of one game at once (a step still running when the timer fires makes
 * that turn a no-op, so a slow store or engine does not pile steps up). A step's error (a rejected
 * promise) goes to `onError`; the timer goes on. Timers are unref'd: a poller never keeps the process
 * alive. Used by the round drivers that follow a running round's clock (game/calls.ts,
 * rounds/reference-driver.ts, rounds/induced-periods.ts, ...), each keeping its own per-game state.
 */
export class GamePoller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();

  /**
   * @param everyMs the timer's period, ms (>= 1)
   * @param step one poll of a game; its rejection is passed to onError
   * @param onError called with a failed step's error and the game's id
   */
  constructor(
    private readonly everyMs: number,
    private readonly step: (gameId: string) => Promise<void>,
    private readonly onError: (err: unknown, gameId: string) => void,
  ) {}

  /** Polls `gameId` every everyMs from now on (the first step after everyMs); no-op while it already does. */
  start(gameId: string): void {
    if (this.timers.has(gameId)) return;
    const t = setInterval(() => this.runOnce(gameId), this.everyMs);
    t.unref();
    this.timers.set(gameId, t);
  }

  /** Runs one step of `gameId` now, unless one is still running (then nothing happens). */
  runOnce(gameId: string): void {
    if (this.busy.has(gameId)) return;
    this.busy.add(gameId);
    this.step(gameId)
      .catch((err) => this.onError(err, gameId))
      .finally(() => this.busy.delete(gameId));
  }

  /** Whether `gameId` is being polled. */
  has(gameId: string): boolean {
    return this.timers.has(gameId);
  }

  /** Stops polling `gameId` (a step in flight finishes). */
  stop(gameId: string): void {
    const t = this.timers.get(gameId);
    if (t) clearInterval(t);
    this.timers.delete(gameId);
  }

  /** The games being polled now. */
  games(): string[] {
    return [...this.timers.keys()];
  }
}
