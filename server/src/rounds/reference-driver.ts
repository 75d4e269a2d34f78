/**
 * The reference path driver of margin rounds (docs/margin.md "The reference path"): while a round with
 * rules.mode "margin" runs, every REFERENCE_POLL_MS it computes each security's reference at the round's
 * running time (scoring/references.ts referencesAt: the scenario's path, else the security's refPrice,
 * shifted by the news of the game's log) and sends the core's `set_reference` (GameHub.setReference, the
 * command path of admins and other drivers) for each security whose path value moved since the last poll
 * and differs from the core's reference. So the mark rule "reference", stops on the mark and margin calls
 * follow the path by themselves during a round. An admin's reference (PUT .../reference) holds until the
 * path moves again. When the driver starts (start, restart) it notes the running time; its first poll
 * takes the path's values at that time as already sent (an admin may have set a reference since), so the
 * core follows from the path's next step (one per second) or the first news announced after it. (Noting
 * the values at the first poll instead lost a news shift that came before that poll on a busy machine.)
 *
 * Values sent are ticks (1..MAX_PRICE_TICKS; a reference of 0, none, is not sent). A second process or a
 * restart sends only what differs from the core's state, so a duplicate send repeats the path's value at
 * that moment. Pauses stop the running time and therefore the path. Failures are logged, never thrown.
 */
import type { Logger } from "../config.ts";
import type { GameHub } from "../game/hub.ts";
import { GamePoller } from "../game/game-poller.ts";
import { elapsedOf } from "../game/round-clock.ts";
import type { GameRecord, GameStore } from "../game/store.ts";
import { newsShiftsOf, referencesAt, type ReferenceSettings } from "../scoring/references.ts";

/** How often a running margin round's references are compared with the path, ms. */
export const REFERENCE_POLL_MS = 250;

export interface ReferencePathSettings extends ReferenceSettings {
  rules: { mode?: "cash" | "margin" };
}

export interface ReferencePathDeps {
  hub: GameHub;
  store: GameStore;
  log: Logger;
}

export class ReferencePaths {
  private readonly poller = new GamePoller(
    REFERENCE_POLL_MS,
    (gameId) => this.poll(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "reference path poll failed"),
  );
  /** Per game: the path's value of each security at the last poll (ticks). */
  private readonly last = new Map<string, Map<number, number>>();
  /** Per game until its first poll: the running time (ms) when the driver started. */
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly deps: ReferencePathDeps) {}

  /** Start, resume, restart: polls the path while the margin round runs. */
  running(gameId: string, rec: GameRecord<{ rules: object }>): void {
    if (!isMargin(rec.settings.rules) || this.poller.has(gameId)) return;
    this.startedAt.set(gameId, elapsedOf(rec, Date.now()));
    this.poller.start(gameId);
  }

  /** The round ends: the path stops where it is. */
  ended(gameId: string): void {
    this.poller.stop(gameId);
    this.last.delete(gameId);
    this.startedAt.delete(gameId);
  }

  shutdown(): void {
    for (const id of this.poller.games()) this.ended(id);
  }

  /** Sends set_reference for each security whose core reference is not the path's value now. */
  private async poll(gameId: string): Promise<void> {
    const rec: GameRecord<ReferencePathSettings> | null = await this.deps.store.get(gameId);
    if (!rec || rec.endedAt) return this.ended(gameId);
    if (!rec.resumedAt) return; // paused or in a break: the running time stands still
    const state = (await this.deps.hub.engine.writer(gameId)).state;
    if (!state || state.game?.phase !== "running") return;
    const settings = { ...rec.settings, news: newsShiftsOf(state.news) };
    const startedAt = this.startedAt.get(gameId);
    if (startedAt !== undefined) {
      // the path as it stood when the driver started counts as sent: an admin's reference set since holds
      this.startedAt.delete(gameId);
      this.last.set(gameId, referencesAt(settings, startedAt));
    }
    const last = this.last.get(gameId) ?? new Map<number, number>();
    this.last.set(gameId, last);
    for (const [securityId, price] of referencesAt(settings, elapsedOf(rec, Date.now()))) {
      const now = state.securities.get(securityId)?.reference;
      if (last.get(securityId) === price) continue;
      if (price > 0 && now !== undefined && now !== price) {
        const r = await this.deps.hub.setReference(gameId, securityId, price);
        if (!r.ok) {
          this.deps.log.warn({ gameId, securityId, price, code: r.code }, "reference not set");
          continue; // tried again at the next poll
        }
      }
      last.set(securityId, price);
    }
  }
}

function isMargin(rules: object): boolean {
  return (rules as ReferencePathSettings["rules"]).mode === "margin";
}
