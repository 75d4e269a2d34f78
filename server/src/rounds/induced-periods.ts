/**
 * Period markers of double auctions with induced values (docs/markets.md "Periods"): in a round of
 * several periods (schedule.periods), when period k is over this logs `admin_action { action:
 * "period_ended", actor: "system", detail: "<k>" }` (k < the last period; the round's end closes the
 * last). rounds/induced.ts assigns every fill to the period of the markers logged before it, so the
 * per-period results are a pure function of the log, and a replay or export computes the same.
 *
 * When (running time, round-clock.ts; polled every POLL_MS and at every start, resume or restart):
 * - with breaks between periods the market pauses at each boundary, and period k counts as over once
 *   the running time accumulated before the current stretch reaches k x period length (the round's
 *   clock stops exactly there): the marker is logged during the break, after the period's last fill;
 * - without breaks, as soon as the running time reaches k x period length: fills in the up to POLL_MS
 *   before the marker count in period k.
 * Once per period: claimed in Valkey first (HSETNX "ended:<k>" of game:{g}:meta:induced-periods), and
 * the fold takes the highest k seen, so a repeated marker changes nothing.
 */
import type { Redis } from "iovalkey";
import type { MarketType } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import { GamePoller } from "../game/game-poller.ts";
import type { GameHub } from "../game/hub.ts";
import { elapsedOf, periodLength, type Schedule } from "../game/round-clock.ts";
import type { GameRecord, GameStore } from "../game/store.ts";
import { PERIOD_ENDED } from "./induced.ts";

const POLL_MS = 100;
const claimsKey = (g: string) => `game:{${g}}:meta:induced-periods`;

/** Periods of the round over at `now` (module doc); at most periodCount - 1. */
export function periodsEnded(s: Schedule, now: number): number {
  const len = periodLength(s);
  if (!len || s.periodCount <= 1) return 0;
  const t = s.breakMs > 0 ? s.elapsedMs : elapsedOf(s, now);
  return Math.min(s.periodCount - 1, Math.floor(t / len));
}

export interface InducedPeriodDeps {
  hub: GameHub;
  store: GameStore;
  valkey: Redis;
  log: Logger;
}

export class InducedPeriods {
  private readonly poller = new GamePoller(
    POLL_MS,
    (gameId) => this.mark(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "induced period marker failed"),
  );
  /** Per game: the periods marked (or found claimed) by this process. */
  private readonly marked = new Map<string, number>();

  constructor(private readonly deps: InducedPeriodDeps) {}

  /** Start, resume, restart: marks the periods over and polls for the next ones. */
  running(gameId: string, rec: GameRecord<{ rules: { marketType?: MarketType } }>): void {
    if (rec.settings.rules.marketType !== "induced" || rec.periodCount <= 1) return;
    this.poller.runOnce(gameId);
    this.poller.start(gameId);
  }

  ended(gameId: string): void {
    this.poller.stop(gameId);
    this.marked.delete(gameId);
  }

  shutdown(): void {
    for (const g of this.poller.games()) this.ended(g);
  }

  private async mark(gameId: string): Promise<void> {
    const rec = await this.deps.store.get(gameId);
    if (!rec || rec.endedAt) return;
    const over = periodsEnded(rec, Date.now());
    for (let k = (this.marked.get(gameId) ?? 0) + 1; k <= over; k++) {
      this.marked.set(gameId, k);
      if (!(await this.deps.valkey.hsetnx(claimsKey(gameId), `ended:${k}`, String(Date.now())))) continue;
      const r = await this.deps.hub.logAction(gameId, PERIOD_ENDED, "system", String(k));
      if (!r.ok) this.deps.log.warn({ gameId, period: k, code: r.code }, "induced period marker not logged");
    }
  }
}
