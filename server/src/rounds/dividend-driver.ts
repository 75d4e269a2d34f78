/**
 * Dividend scheduling (docs/markets.md "Asset market with dividends"), for rounds with
 * rules.marketType "dividends": at the end of each period k (running time k x period length; the
 * schedule's periods, or the round's duration as one period) every security pays the dividend of
 * period k (rounds/dividends.ts dividendDraw with rules.dividends), through the core's `dividend`
 * command. The core pays each period at most once, so several processes or a restart cannot pay twice.
 *
 * The last period ends the round: the service calls `ended` before it cancels the orders and takes the
 * final snapshot, and `ended` sends every dividend due but not yet sent at once (synchronously into
 * GameHub, so the commands are in flight before the snapshot waits for quiet): the final standings
 * include the last dividend. A round with no duration pays one dividend when it ends. A round ended
 * early pays the periods completed (with 100 ms of tolerance for the period timer).
 *
 * State-contingent claims (rules.marketType "contingent", rounds/contingent.ts) settle on the same
 * path: when the round ends, `ended` sends one `dividend` of period 1 per security, the drawn state's
 * claim paying rules.contingent.payout per lot and the others 0, before the final snapshot.
 */
import { ContingentRules, DividendRules, type MarketType } from "@marketroom/shared";
import { contingentPayouts } from "./contingent.ts";
import type { Logger } from "../config.ts";
import { dividendDraw } from "./dividends.ts";
import { GamePoller } from "../game/game-poller.ts";
import type { GameHub } from "../game/hub.ts";
import type { GameRecord, GameStore } from "../game/store.ts";
import type { Schedule } from "../game/round-clock.ts";

export const DIVIDEND_POLL_MS = 100;
const TOLERANCE_MS = 100;

export interface DividendSettings {
  rules: { marketType?: MarketType; dividends?: Partial<DividendRules>; contingent?: Partial<ContingentRules> };
  securities: { securityId: number }[];
}

export interface DividendDeps {
  hub: GameHub;
  store: GameStore;
  log: Logger;
}

/** Periods whose dividend is due at running time `t` ms: those that ended (all of them once `ended`). */
export function dueDividends(
  s: Pick<Schedule, "periodMs" | "periodCount" | "durationMs">,
  t: number,
  ended: boolean,
): number {
  const count = Math.max(1, s.periodCount);
  const len = s.periodMs || s.durationMs;
  if (!len) return ended ? 1 : 0;
  return Math.min(count, Math.floor((t + TOLERANCE_MS) / len));
}

export class DividendMarkets {
  private readonly poller = new GamePoller(
    DIVIDEND_POLL_MS,
    (gameId) => this.poll(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "dividend poll failed"),
  );
  /** Per game: the round as last read, and the last period sent. */
  private readonly games = new Map<string, { rec: GameRecord<DividendSettings>; sent: number }>();

  constructor(private readonly deps: DividendDeps) {}

  /** Start, resume, restart: polls the round's clock. */
  running(gameId: string, rec: GameRecord<DividendSettings>): void {
    const type = rec.settings.rules.marketType;
    if (type !== "dividends" && type !== "contingent") return;
    const g = this.games.get(gameId);
    if (g) g.rec = rec;
    else this.games.set(gameId, { rec, sent: 0 });
    if (type !== "contingent") this.poller.start(gameId); // claims pay once, at the end
  }

  /** The round ends: stops polling and sends every dividend still due (see the module doc). */
  ended(gameId: string): void {
    this.poller.stop(gameId);
    const g = this.games.get(gameId);
    this.games.delete(gameId);
    if (g?.rec.settings.rules.marketType === "contingent") this.settleClaims(gameId, g.rec);
    else if (g) this.send(gameId, g, dueDividends(g.rec, runningTime(g.rec, Date.now()), true));
  }

  /** Contingent claims: the drawn state's claim pays the payout per lot, the others 0 (period 1). */
  private settleClaims(gameId: string, rec: GameRecord<DividendSettings>): void {
    const rules = ContingentRules.parse(rec.settings.rules.contingent ?? {});
    const ids = rec.settings.securities.map((s) => s.securityId);
    for (const { securityId, amount } of contingentPayouts(rules.seed ?? gameId, ids, rules.payout, rules.weights)) {
      void this.deps.hub.market(gameId, { type: "dividend", securityId, period: 1, amount }).then((r) => {
        if (!r.ok) this.deps.log.warn({ gameId, securityId, code: r.code }, "claim not settled");
      });
    }
  }

  shutdown(): void {
    for (const id of this.poller.games()) this.poller.stop(id);
  }

  private async poll(gameId: string): Promise<void> {
    const g = this.games.get(gameId);
    const rec = await this.deps.store.get(gameId);
    if (!g || !rec || rec.endedAt) return;
    g.rec = rec;
    await Promise.all(this.send(gameId, g, dueDividends(rec, runningTime(rec, Date.now()), false)));
  }

  /** Sends the dividends of periods sent+1..upTo for every security; returns the commands' promises. */
  private send(gameId: string, g: { rec: GameRecord<DividendSettings>; sent: number }, upTo: number): Promise<void>[] {
    const out: Promise<void>[] = [];
    const rules = DividendRules.parse(g.rec.settings.rules.dividends ?? {});
    for (let period = g.sent + 1; period <= upTo; period++) {
      for (const s of g.rec.settings.securities) {
        const amount = dividendDraw(rules.seed ?? gameId, s.securityId, period, rules.values);
        out.push(
          this.deps.hub.market(gameId, { type: "dividend", securityId: s.securityId, period, amount }).then((r) => {
            if (!r.ok)
              this.deps.log.warn({ gameId, securityId: s.securityId, period, code: r.code }, "dividend not paid");
          }),
        );
      }
    }
    g.sent = Math.max(g.sent, upTo);
    return out;
  }
}

function runningTime(s: Schedule, now: number): number {
  const stretch = s.resumedAt && !s.endedAt ? Math.max(0, now - s.resumedAt) : 0;
  return s.elapsedMs + stretch;
}
