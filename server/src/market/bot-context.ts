/**
 * The context a bot acts through: the market as one bot sees it (reference price, best bid/ask, its own
 * position, cash and open orders) and the commands it may send (place, cancel, cancel-all), plus what a
 * strategy is (`Bot`) and what it counts (`BotStats`). Units: prices in ticks, quantities in lots, cash in
 * minor units.
 */
import type { PlaceOrder, Rejection } from "@marketroom/shared";
import type { BotKind } from "./bot-kinds.ts";

/** A security as a bot sees it. Prices in ticks; scale = cash minor units per (1 tick x 1 lot). */
export interface BotSecurity {
  securityId: number;
  symbol: string;
  scale: number;
  /** Accepted limit prices, ticks, inclusive. */
  bandLow: number;
  bandHigh: number;
}

/** One of the bot's resting orders: amount = open (unfilled) lots. */
export interface BotOpenOrder {
  orderId: number;
  side: "buy" | "sell";
  price: number;
  amount: number;
}

/** What a command answers: the engine's or room's result; bots only look at ok (and count the code). */
export type BotResult = { ok: true } | (Pick<Rejection, "ok" | "message"> & { code: string });

/**
 * The market as one bot sees it and the commands it may send. Reads are synchronous and reflect the
 * last `refresh()` (a room-backed context may read its live state and make refresh a no-op); the
 * runner refreshes before every step. Commands go through the engine's rules like any player's.
 */
export interface BotContext {
  readonly playerId: string;
  /** The tradable securities. */
  securities(): readonly BotSecurity[];
  /** Ms since round start (the scenario's clock). */
  now(): number;
  /** Scenario reference price now, ticks. */
  reference(securityId: number): number;
  /** Best bid / ask in the book, ticks; undefined when that side is empty. */
  bestBid(securityId: number): number | undefined;
  bestAsk(securityId: number): number | undefined;
  /** Lots held (including lots locked by open sells). */
  position(securityId: number): number;
  /** Cash not locked by open buys, minor units. */
  cash(): number;
  /** The bot's resting orders in the security, by order id. */
  openOrders(securityId: number): BotOpenOrder[];
  /** Re-reads book tops, inventory and open orders. */
  refresh(): Promise<void>;
  place(order: PlaceOrder): Promise<BotResult>;
  cancel(securityId: number, orderId: number): Promise<BotResult>;
  cancelAll(securityId?: number): Promise<BotResult>;
}

/** Counters of what a bot did. */
export interface BotStats {
  steps: number;
  placed: number;
  cancelled: number;
  rejected: number;
  /** Rejections by code. */
  rejections: Record<string, number>;
}

/** A strategy: `step` is called every intervalMs, never concurrently with itself. */
export interface Bot {
  readonly kind: BotKind;
  readonly stats: BotStats;
  step(ctx: BotContext): Promise<void>;
}

export type { BotKind };
