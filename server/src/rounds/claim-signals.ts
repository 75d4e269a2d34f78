/**
 * Automatic private signals of state-contingent claims rounds (docs/markets.md "Private signals"; rules:
 * rules.contingent.signals, shared ClaimSignalRules; the draw: rounds/contingent.ts claimSignal).
 *
 * - When the round starts (and at every resume or restart) each human player of the round who has no
 *   signal for the current signal period gets one; a player who joins a started round gets theirs at
 *   once. The signal period is 1, or with `everyPeriod` the round's period under way (clockOf), polled
 *   every POLL_MS, so each period's signal goes out when the period starts (after its break).
 * - A signal is the engine's ordinary `signal` event with the one player as its only recipient
 *   (group "auto-signal", `securityId` = the claim the signal names, text in plain words): the room
 *   shows it to that player only, and it is in the log, the replay (for that player) and the exports
 *   like every signal.
 * - At most once per player and period: the send is claimed in Valkey first (HSETNX field
 *   "<period>:<playerId>" of game:{g}:meta:claim-signals), so a second process or a restart does not
 *   send it again; a crash between the claim and the send loses that one signal.
 * Bots get no signals. Failures are logged, never thrown into the caller (a join or a start).
 */
import type { Redis } from "iovalkey";
import { ContingentRules, type MarketType } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import { GamePoller } from "../game/game-poller.ts";
import type { GameHub } from "../game/hub.ts";
import { clockOf } from "../game/round-clock.ts";
import type { GameRecord, GameStore } from "../game/store.ts";
import { claimSignal, claimSignalText, contingentState } from "./contingent.ts";

/** The group named in automatic signal events. */
export const AUTO_SIGNAL_GROUP = "auto-signal";
const POLL_MS = 200;
const claimsKey = (g: string) => `game:{${g}}:meta:claim-signals`;

export interface ClaimSignalSettings {
  rules: { marketType?: MarketType; contingent?: Partial<ContingentRules> };
  securities: { securityId: number; symbol: string }[];
}

export interface ClaimSignalDeps {
  hub: GameHub;
  store: GameStore;
  valkey: Redis;
  log: Logger;
}

export class ClaimSignals {
  private readonly poller = new GamePoller(
    POLL_MS,
    (gameId) => this.send(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "claim signals failed"),
  );
  /** Per game: "<period>:<playerId>" claimed (sent, or found claimed) by this process: no Valkey call again. */
  private readonly claimed = new Map<string, Set<string>>();

  constructor(private readonly deps: ClaimSignalDeps) {}

  /** Start, resume, restart: sends the signals due now; with everyPeriod, polls for each new period. */
  running(gameId: string, rec: GameRecord<ClaimSignalSettings>): void {
    const rules = rulesOf(rec);
    if (!rules) return;
    this.poller.runOnce(gameId);
    if (rules.signals.everyPeriod && rec.periodCount > 1) this.poller.start(gameId);
  }

  /** A player joined: in a started round, their signal for the current period goes out now. */
  async joined(gameId: string, playerId: string): Promise<void> {
    await this.send(gameId, playerId).catch((err) => this.deps.log.warn({ err, gameId }, "claim signal failed"));
  }

  ended(gameId: string): void {
    this.poller.stop(gameId);
    this.claimed.delete(gameId);
  }

  shutdown(): void {
    for (const g of this.poller.games()) this.ended(g);
  }

  /** Sends the current period's signal to `only` (or every human player) who has not had it yet. */
  private async send(gameId: string, only?: string): Promise<void> {
    const rec = (await this.deps.store.get(gameId)) as GameRecord<ClaimSignalSettings> | null;
    const rules = rec && rulesOf(rec);
    if (!rec || !rules || !rec.startedAt || rec.endedAt) return;
    const period = rules.signals.everyPeriod ? Math.max(1, clockOf(rec, Date.now()).period) : 1;
    const players = await this.deps.store.players(gameId);
    const ids = (only ? [only] : [...players.keys()].sort()).filter((p) => players.get(p) && !players.get(p)!.bot);
    const seed = rules.seed ?? gameId;
    const secs = rec.settings.securities;
    const truth = contingentState(seed, secs.length, rules.weights);
    const done = this.claimed.get(gameId) ?? new Set<string>();
    this.claimed.set(gameId, done);
    for (const playerId of ids) {
      const s = claimSignal(seed, playerId, period, secs.length, truth, rules.signals);
      const field = `${period}:${playerId}`;
      if (!s || done.has(field)) continue;
      done.add(field);
      if (!(await this.deps.valkey.hsetnx(claimsKey(gameId), field, String(Date.now())))) continue;
      const named = secs[s.state]!;
      const r = await this.deps.hub.signal(gameId, {
        group: AUTO_SIGNAL_GROUP,
        playerIds: [playerId],
        text: claimSignalText(s, players.get(playerId)!.name.slice(0, 64), named.symbol, rules.signals.accuracyBps),
        securityId: named.securityId,
      });
      if (!r.ok) this.deps.log.warn({ gameId, playerId, period, code: r.code }, "claim signal not sent");
    }
  }
}

/** The round's claim rules with automatic signals on, else null. */
function rulesOf(rec: GameRecord<ClaimSignalSettings>): ContingentRules | null {
  if (rec.settings.rules.marketType !== "contingent") return null;
  const rules = ContingentRules.parse(rec.settings.rules.contingent ?? {});
  return rules.signals.kind === "none" ? null : rules;
}
