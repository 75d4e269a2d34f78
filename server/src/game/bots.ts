/**
 * Bots of running games, on the market module's BotRunner (server/src/market/bots.ts). One runner per
 * bot, so bots can be added and removed one at a time. A bot's context reads the engine (top of book,
 * inventory, open orders) and sends its commands through the GameHub, like a player's, so rooms see its
 * events. Its clock is the round's running time (pauses stop it), mapped onto the game's scenario, and
 * its reference is the scenario's shifted by the game's news (scoring/references.ts applyNewsShifts: the same
 * reference the room shows and the round is marked with).
 *
 * A bot may also play a human player's seat (bot takeover, game/drivers.ts): `start` with a spec whose
 * playerId is the player's, `remove` to hand the seat back.
 */
import type { OpenOrder } from "@marketroom/shared";
import {
  BotRunner,
  engineBotContext,
  type Bot,
  type BotContext,
  type BotSpec as MarketBotSpec,
} from "../market/bots.ts";
import type { Scenario } from "../market/scenarios.ts";
import type { Logger } from "../config.ts";
import type { GameHub } from "./hub.ts";
import { applyNewsShifts, newsShiftsOf, type NewsShifts } from "../scoring/references.ts";

/** How long the game's news list read by bots is reused, ms (bots step every 250 ms or more). */
const NEWS_TTL_MS = 250;

/** A bot as the admin API lists it; `enabled` false while switched off. */
export interface BotInfo {
  playerId: string;
  name: string;
  kind: string;
  enabled?: boolean;
  running: boolean;
  steps: number;
  placed: number;
  cancelled: number;
  rejected: number;
}

interface Running {
  runner: BotRunner;
  spec: MarketBotSpec;
  bot: Bot;
}

export class BotManager {
  private readonly games = new Map<string, Map<string, Running>>();
  private readonly newsCache = new Map<string, { at: number; news: NewsShifts[]; loading?: Promise<void> }>();

  constructor(
    private readonly hub: GameHub,
    private readonly log: Logger,
    private readonly seed = 1,
  ) {}

  /**
   * Ensures a runner for each spec of the game and starts them. `elapsedMs()` is the round's running
   * time. Specs already running are left alone.
   */
  start(gameId: string, scenario: Scenario, specs: MarketBotSpec[], elapsedMs: () => number): void {
    const bots = this.bots(gameId);
    for (const spec of specs) {
      let r = bots.get(spec.playerId);
      if (!r) {
        const runner = new BotRunner({
          seed: this.seed,
          onError: (err, id) => this.log.warn({ err, bot: id, gameId }, "bot step failed"),
        });
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
    this.newsCache.delete(gameId);
  }

  /** True when a bot runs (or is stopped but known) on this seat in this process. */
  has(gameId: string, playerId: string): boolean {
    return this.games.get(gameId)?.has(playerId) ?? false;
  }

  /** Stats of a bot run here, or undefined. */
  info(gameId: string, playerId: string): Omit<BotInfo, "name" | "kind"> | undefined {
    const r = this.games.get(gameId)?.get(playerId);
    if (!r) return undefined;
    const s = r.bot.stats;
    return {
      playerId,
      running: r.runner.running,
      steps: s.steps,
      placed: s.placed,
      cancelled: s.cancelled,
      rejected: s.rejected,
    };
  }

  /** Stops every bot of every game (process shutdown; orders stay). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.games.keys()].map((g) => this.stop(g)));
    this.games.clear();
  }

  private bots(gameId: string): Map<string, Running> {
    let m = this.games.get(gameId);
    if (!m) {
      m = new Map();
      this.games.set(gameId, m);
    }
    return m;
  }

  /**
   * engineBotContext for reads, with commands through the hub, the round's running time as clock and
   * the scenario's reference shifted by the game's news (re-read at most every NEWS_TTL_MS).
   */
  private context(gameId: string, playerId: string, scenario: Scenario, elapsedMs: () => number): BotContext {
    const base = engineBotContext(this.hub.engine, gameId, playerId, scenario, 0, elapsedMs);
    return {
      ...base,
      reference: (sid) => applyNewsShifts(base.reference(sid), sid, this.newsCache.get(gameId)?.news, base.now()),
      refresh: async () => {
        await Promise.all([base.refresh(), this.loadNews(gameId)]);
      },
      place: (order) => this.hub.place(gameId, playerId, order),
      cancel: (sid, orderId) => this.hub.cancel(gameId, playerId, sid, orderId),
      cancelAll: (sid) => this.hub.cancelAll(gameId, playerId, sid),
    };
  }

  /** Refreshes the game's news shifts for its bots; one read per NEWS_TTL_MS however many bots step. */
  private loadNews(gameId: string): Promise<void> {
    let c = this.newsCache.get(gameId);
    if (!c) {
      c = { at: 0, news: [] };
      this.newsCache.set(gameId, c);
    }
    if (c.loading) return c.loading;
    if (Date.now() - c.at < NEWS_TTL_MS) return Promise.resolve();
    const entry = c;
    entry.loading = this.hub.engine
      .newsList(gameId)
      .then((list) => {
        entry.news = newsShiftsOf(list);
        entry.at = Date.now();
      })
      .finally(() => {
        entry.loading = undefined;
      });
    return entry.loading;
  }
}

export type { MarketBotSpec, OpenOrder };
