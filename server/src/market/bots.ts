/**
 * Bots: seeded trading strategies that act through the same command path as players.
 *
 * A strategy sees the market only through a `BotContext` (reference price, best bid/ask, its own
 * position, cash and open orders) and acts only through it (place, cancel, cancel-all), so the same
 * strategy runs inside a GameRoom (a context on the room's state and command handler, or a Colyseus
 * client) or directly on the Engine (`engineBotContext`). Every random choice comes from a PRNG seeded
 * from (runner seed, playerId): with the same seed, the same scenario and the same order of steps, a
 * run is reproducible event for event.
 *
 * Units: prices in ticks, quantities in lots, cash in minor units; every price and quantity a bot sends
 * is an integer inside the security's band. Rejections (e.g. INSUFFICIENT_FUNDS after a fill the bot
 * has not seen yet) are expected, change nothing, and are only counted.
 *
 * The parts live in their own files; this module is their public face (what game/ and the tests import)
 * and holds the demo crowd (`demoBots`): bot-random.ts (seeded randomness), bot-context.ts (the context
 * and the Bot interface), bot-base.ts with market-maker.ts, noise-trader.ts and momentum-trader.ts (the
 * strategies), bot-spec.ts (BotSpec, createBot), engine-bot-context.ts (a context on the Engine) and
 * bot-runner.ts (BotRunner).
 */
import type { Scenario } from "./scenarios.ts";
import { BOT_KINDS, BOT_KIND_TABLE, type BotKind } from "./bot-kinds.ts";
import type { BotSpec } from "./bot-spec.ts";

export { mulberry32, fnv1a32, botSeed, Rng } from "./bot-random.ts";
export type { BotSecurity, BotOpenOrder, BotResult, BotContext, BotStats, Bot, BotKind } from "./bot-context.ts";
export { MarketMaker, type MarketMakerParams } from "./market-maker.ts";
export { NoiseTrader, type NoiseTraderParams } from "./noise-trader.ts";
export { MomentumTrader, type MomentumTraderParams } from "./momentum-trader.ts";
export { createBot, type BotSpec } from "./bot-spec.ts";
export { engineBotContext } from "./engine-bot-context.ts";
export { BotRunner, type BotRunnerOptions } from "./bot-runner.ts";

/** How many bots of each kind demoBots creates, and how often each steps (ms). */
export interface DemoBotsOptions {
  marketMakers?: number;
  noiseTraders?: number;
  momentumTraders?: number;
  /** Defaults: market makers 250 ms, noise traders 400 ms, momentum traders 1000 ms. */
  intervalMs?: Partial<Record<BotKind, number>>;
  /** Player id prefix (default "bot"). */
  prefix?: string;
}

/**
 * A default bot crowd for a scenario (1 market maker, 3 noise traders, 1 momentum trader), with
 * endowments sized from the start prices: the market maker holds 500 lots of every security and the
 * cash for 1,500 more; the others hold 50 (momentum: 0) lots and the cash for 200 of each.
 * Player ids: "<prefix>-mm-1", "<prefix>-noise-1".., "<prefix>-mom-1"...
 */
export function demoBots(scenario: Scenario, opts: DemoBotsOptions = {}): BotSpec[] {
  const prefix = opts.prefix ?? "bot";
  const cashFor = (lots: number) => scenario.securities.reduce((n, s) => n + s.startPrice * lots * s.scale, 0);
  const holdings = (lots: number) =>
    lots > 0 ? scenario.securities.map((s) => ({ securityId: s.securityId, qty: lots })) : [];
  const counts: Record<BotKind, number> = {
    market_maker: opts.marketMakers ?? 1,
    noise: opts.noiseTraders ?? 3,
    momentum: opts.momentumTraders ?? 1,
  };
  const out: BotSpec[] = [];
  for (const kind of BOT_KINDS) {
    const d = BOT_KIND_TABLE[kind];
    for (let i = 1; i <= counts[kind]; i++) {
      out.push({
        playerId: `${prefix}-${d.short}-${i}`,
        name: `${d.name} ${i}`,
        kind,
        intervalMs: opts.intervalMs?.[kind] ?? d.intervalMs,
        cash: cashFor(d.cashLots),
        holdings: holdings(d.lots),
      });
    }
  }
  return out;
}
