/**
 * Bots of running games, on the market module's BotRunner (server/src/market/bots.ts). One runner per
 * bot, so bots can be added and removed one at a time. A bot's context reads the engine (top of book,
 * inventory, open orders) and sends its commands through the GameHub, like a player's, so rooms see its
 * events. Its clock is the round's running time (pauses stop it), mapped onto the game's scenario.
 */
import type { OpenOrder } from "@marketroom/shared";
import { BotRunner, engineBotContext, type Bot, type BotContext, type BotKind, type BotSpec as MarketBotSpec } from "../market/bots.ts";
import type { Scenario } from "../market/scenarios.ts";
import type { Logger } from "../config.ts";
import type { GameHub } from "./hub.ts";

export const BOT_KINDS: readonly BotKind[] = ["market_maker", "noise", "momentum"];

/** A bot as the admin API lists it. */
export interface BotInfo { playerId: string; name: string; kind: string; running: boolean; steps: number; placed: number; cancelled: number; rejected: number }

interface Running { runner: BotRunner; spec: MarketBotSpec; bot: Bot }

export class BotManager {
  private readonly games = new Map<string, Map<string, Running>>();

  constructor(private readonly hub: GameHub, private readonly log: Logger, private readonly seed = 1) {}

  /**
   * Ensures a runner for each spec of the game and starts them. `elapsedMs()` is the round's running
   * time. Specs already running are left alone.
   */
  start(gameId: string, scenario: Scenario, specs: MarketBotSpec[], elapsedMs: () => number): void {
    const bots = this.bots(gameId);
    for (const spec of specs) {
      let r = bots.get(spec.playerId);
      if (!r) {
        const runner = new BotRunner({ seed: this.seed, onError: (err, id) => this.log.warn({ err, bot: id, gameId }, "bot step failed") });
        const bot = runner.add(this.context(gameId, spec.playerId, scenario, elapsedMs), spec);
        r = { runner, spec, bot };
        bots.set(spec.playerId, r);
      }
      r.runner.start();
    }
  }

  /** Stops the game's bots (their orders stay unless `cancelOrders`). */
  async stop(gameId: string, cancelOrders = false): Promise<void> {
    const bots = this.games.get(gameId);
    if (!bots) return;
    await Promise.all([...bots.values()].map((r) => r.runner.stop({ cancelOrders })));
  }

  /** Stops one bot, cancels its orders and forgets it; false when it was not running here. */
  async remove(gameId: string, playerId: string): Promise<boolean> {
    const r = this.games.get(gameId)?.get(playerId);
    if (!r) return false;
    await r.runner.stop({ cancelOrders: true });
    this.games.get(gameId)!.delete(playerId);
    return true;
  }

  /** Forgets the game's bots (after stop). */
  forget(gameId: string): void {
    this.games.delete(gameId);
  }

  /** Stats of a bot run here, or undefined. */
  info(gameId: string, playerId: string): Omit<BotInfo, "name" | "kind"> | undefined {
    const r = this.games.get(gameId)?.get(playerId);
    if (!r) return undefined;
    const s = r.bot.stats;
    return { playerId, running: r.runner.running, steps: s.steps, placed: s.placed, cancelled: s.cancelled, rejected: s.rejected };
  }

  /** Stops every bot of every game (process shutdown; orders stay). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.games.keys()].map((g) => this.stop(g)));
    this.games.clear();
  }

  private bots(gameId: string): Map<string, Running> {
    let m = this.games.get(gameId);
    if (!m) { m = new Map(); this.games.set(gameId, m); }
    return m;
  }

  /** engineBotContext for reads, with commands through the hub and the round's running time as clock. */
  private context(gameId: string, playerId: string, scenario: Scenario, elapsedMs: () => number): BotContext {
    const base = engineBotContext(this.hub.engine, gameId, playerId, scenario, 0, elapsedMs);
    return {
      ...base,
      place: (order) => this.hub.place(gameId, playerId, order),
      cancel: (sid, orderId) => this.hub.cancel(gameId, playerId, sid, orderId),
      cancelAll: (sid) => this.hub.cancelAll(gameId, playerId, sid),
    };
  }
}

export type { MarketBotSpec, OpenOrder };
