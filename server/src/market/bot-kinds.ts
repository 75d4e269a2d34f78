/**
 * The one table of bot kinds and their defaults. Every place that needs a kind's name, step interval or
 * endowment reads it here: the admin API's bot specs (game/bot-admin.ts), bot takeover of a seat
 * (game/drivers.ts), and the demo crowd (market/bots.ts demoBots).
 *
 * Endowment defaults (when a spec gives none): `lots` of every security the bot trades, and cash for
 * `cashLots` lots of each at its reference price (minor units = ticks x lots x scale). Units: ms, lots.
 */
import { BOT_KINDS, BOT_KIND_NAMES, type BotKind } from "@marketroom/shared";

/** Defaults of one bot kind. */
export interface BotKindDefaults {
  /** Display name; numbered per bot ("Market maker 1"). */
  name: string;
  /** Ms between two steps of the bot. */
  intervalMs: number;
  /** Lots of each security a bot of this kind holds at the start. */
  lots: number;
  /** Lots of each security the bot's start cash would buy at the reference price. */
  cashLots: number;
  /** Short form in demo player ids ("bot-mm-1"). */
  short: string;
}

/** Every bot kind, with its defaults (the kinds and names: shared/src/bot-kinds.ts). */
export const BOT_KIND_TABLE = {
  market_maker: { name: BOT_KIND_NAMES.market_maker.name, intervalMs: 250, lots: 500, cashLots: 1500, short: "mm" },
  noise: { name: BOT_KIND_NAMES.noise.name, intervalMs: 400, lots: 50, cashLots: 200, short: "noise" },
  momentum: { name: BOT_KIND_NAMES.momentum.name, intervalMs: 1000, lots: 0, cashLots: 200, short: "mom" },
} as const satisfies Record<BotKind, BotKindDefaults>;

export { BOT_KINDS, type BotKind };

/** True when `kind` names a bot kind of the table. */
export function isBotKind(kind: string): kind is BotKind {
  return Object.hasOwn(BOT_KIND_TABLE, kind);
}

/** Bot kind that takes over the seat of a player who left for good (GameRules.botTakeover). */
export const AUTO_TAKEOVER_KIND: BotKind = "market_maker";
