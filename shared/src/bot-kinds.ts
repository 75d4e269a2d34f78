/**
 * The bot kinds a round may have, with the names people read: the server's table of defaults
 * (server/src/market/bot-kinds.ts: step interval, endowment) is keyed by these kinds, and the admin page
 * builds its bot fields and menus from this list, so a new kind is added in these two places only.
 */

/** Every bot kind, in the order the admin page lists them, with its display names. */
export const BOT_KIND_NAMES = {
  market_maker: { name: "Market maker", plural: "Market makers" },
  noise: { name: "Noise trader", plural: "Noise traders" },
  momentum: { name: "Momentum trader", plural: "Momentum traders" },
} as const;

/** A bot kind ("market_maker", "noise", "momentum"). */
export type BotKind = keyof typeof BOT_KIND_NAMES;

/** The kinds, in table order. */
export const BOT_KINDS = Object.keys(BOT_KIND_NAMES) as readonly BotKind[];
