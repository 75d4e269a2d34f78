/**
 * What a bot to run is (`BotSpec`: player, kind, step interval, strategy parameters, endowment) and the
 * one place a kind becomes a strategy (`createBot`).
 */
import type { Rng } from "./bot-random.ts";
import type { Bot } from "./bot-context.ts";
import type { BotKind } from "./bot-kinds.ts";
import { MarketMaker, type MarketMakerParams } from "./market-maker.ts";
import { NoiseTrader, type NoiseTraderParams } from "./noise-trader.ts";
import { MomentumTrader, type MomentumTraderParams } from "./momentum-trader.ts";

/** A bot to run: who it is, what it does, how often, and the endowment to create its player with. */
export interface BotSpec {
  playerId: string;
  name: string;
  kind: BotKind;
  /** Ms between steps. */
  intervalMs: number;
  params?: MarketMakerParams | NoiseTraderParams | MomentumTraderParams;
  /** Endowment: cash in minor units, holdings in lots. */
  cash: number;
  holdings: { securityId: number; qty: number }[];
}

/** A strategy instance of `kind` with its own random source. */
export function createBot(kind: BotKind, rng: Rng, params: BotSpec["params"] = {}): Bot {
  switch (kind) {
    case "market_maker":
      return new MarketMaker(rng, params as MarketMakerParams);
    case "noise":
      return new NoiseTrader(rng, params as NoiseTraderParams);
    case "momentum":
      return new MomentumTrader(rng, params as MomentumTraderParams);
  }
}
