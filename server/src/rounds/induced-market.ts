/**
 * The induced-value double auction in a running server (docs/markets.md "Induced values"): each
 * player's role and private schedule (rounds/induced.ts), the role gate on order entry, and the
 * round's results.
 *
 * - Role gate (`check`, composed with the quiz gate in app.ts): in a round with rules.marketType
 *   "induced" a buyer's sell order and a seller's buy order are refused with INVALID_SIDE (a plain
 *   message naming the role) and change nothing; bots and amends (which keep the side) pass. A role,
 *   once known, never changes, so it is cached per process (also "none" for a bot); an unknown
 *   player's role is read from the log once (GameService.snapshot).
 * - `view(gameId)`: the schedules, the market's curves and equilibrium and the realized surplus, for
 *   the routes in http/markets.ts (the admin sees all, a player only their own schedule), per period
 *   and for the round.
 */
import { InducedRules } from "@marketroom/shared";
import type { GateRefusal } from "../game/hub.ts";
import type { GameService } from "../game/service.ts";
import { shareRead } from "./shared-read.ts";
import {
  curves,
  equilibrium,
  inducedSchedules,
  realizedSurplus,
  type Equilibrium,
  type InducedSchedule,
  type PeriodResult,
  type PlayerSurplus,
} from "./induced.ts";

/** Everything about an induced round's market at its current seq (minor units per lot). */
export interface InducedView {
  gameId: string;
  rules: InducedRules;
  schedules: InducedSchedule[];
  demand: number[];
  supply: number[];
  equilibrium: Equilibrium;
  players: PlayerSurplus[];
  /** Per period begun so far (1..): traded lots, turnover, average price, realized and maximum surplus, efficiency. */
  periods: PeriodResult[];
  /** The round: realized surplus, maximum surplus (the schedule's maximum x periods listed), efficiency. */
  realized: number;
  maxSurplus: number;
  efficiencyBps: number;
}

export class InducedMarkets {
  /** gameId -> whether it is an induced round (fixed at creation). */
  private readonly induced = new Map<string, boolean>();
  /** Reads of the round's kind under way (isInduced). */
  private readonly lookups = new Map<string, Promise<boolean>>();
  /** `${gameId}\n${playerId}` -> role ("bot" for a player without one). */
  private readonly roles = new Map<string, string>();

  constructor(private readonly service: GameService) {}

  /** null when the order may go on; INVALID_SIDE for the wrong side of the player's role (module doc). */
  async check(gameId: string, playerId: string, side?: "buy" | "sell"): Promise<GateRefusal | null> {
    if (!side || !(await this.isInduced(gameId))) return null;
    const key = `${gameId}\n${playerId}`;
    let role = this.roles.get(key);
    if (!role) {
      const v = await this.view(gameId);
      for (const s of v?.schedules ?? []) this.roles.set(`${gameId}\n${s.playerId}`, s.role);
      // not scheduled: a bot (a player sends orders only after joining, so a human is in the log by now)
      role = this.roles.get(key) ?? "none";
      this.roles.set(key, role);
    }
    return roleRefusal(role, side);
  }

  /**
   * check's answer when the round's kind and the player's role are remembered, else undefined (ask
   * check). Keeps the order path free of waits (issue 13).
   */
  knownCheck(gameId: string, playerId: string, side?: "buy" | "sell"): GateRefusal | null | undefined {
    if (!side) return null;
    const induced = this.induced.get(gameId);
    if (induced !== true) return induced === false ? null : undefined;
    const role = this.roles.get(`${gameId}\n${playerId}`);
    return role === undefined ? undefined : roleRefusal(role, side);
  }

  /** The round's schedules and results, or null when it is not an induced round. Errors: UNKNOWN_GAME. */
  async view(gameId: string): Promise<InducedView | null> {
    const rec = await this.service.record(gameId);
    if (rec.settings.rules.marketType !== "induced") return null;
    const rules = InducedRules.parse(rec.settings.rules.induced ?? {});
    const snap = await this.service.snapshot(gameId);
    const schedules = inducedSchedules(rules, rules.seed ?? gameId, snap.events, snap.bots);
    const scales = new Map(rec.settings.securities.map((s) => [s.securityId, s.scale ?? 1]));
    const { demand, supply } = curves(schedules);
    const r = realizedSurplus(schedules, snap.events, (sid) => scales.get(sid) ?? 1, Math.max(1, rec.periodCount));
    return {
      gameId,
      rules,
      schedules,
      demand,
      supply,
      equilibrium: equilibrium(demand, supply),
      players: r.players,
      periods: r.periods,
      realized: r.realized,
      maxSurplus: r.maxSurplus,
      efficiencyBps: r.efficiencyBps,
    };
  }

  private isInduced(gameId: string): Promise<boolean> {
    const v = this.induced.get(gameId);
    if (v !== undefined) return Promise.resolve(v);
    return shareRead(this.lookups, gameId, async () => {
      const rec = await this.service.record(gameId).catch(() => null);
      if (!rec) return false;
      const induced = rec.settings.rules.marketType === "induced";
      this.induced.set(gameId, induced);
      return induced;
    });
  }
}

/** INVALID_SIDE for an order on the wrong side of the player's role, else null. */
function roleRefusal(role: string, side: "buy" | "sell"): GateRefusal | null {
  if (role === "buyer" && side === "sell")
    return { ok: false, code: "INVALID_SIDE", message: "you are a buyer in this round: you can only buy" };
  if (role === "seller" && side === "buy")
    return { ok: false, code: "INVALID_SIDE", message: "you are a seller in this round: you can only sell" };
  return null;
}
