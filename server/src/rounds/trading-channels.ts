/**
 * Who may enter orders in a round: the round's `rules.trading` (shared TradingChannelRule: "both",
 * "browser" or "api"; docs/algo-trading.md "Who may trade"). The room asks for its players' place and
 * amend messages ("browser"); the /api/v1 order routes and inbound webhooks ask for theirs ("api").
 * Cancels are never refused, so a player can always pull resting orders; bots and drivers trade through
 * the hub directly and are no channel.
 *
 * A refusal is `{ ok: false, code: "CHANNEL_NOT_ALLOWED", message }` (HTTP 403), before anything reaches
 * the engine, so it changes nothing. Cost: the rule is fixed at creation, so it is read once per game
 * and process and then remembered for RULE_CACHE_MS (a game deleted and made again under the same id is
 * seen within that time).
 */
import type { TradingChannelRule } from "@marketroom/shared";
import type { GameStore } from "../game/store.ts";
import { shareRead } from "./shared-read.ts";

/** Where an order comes from: the room (a browser) or a program (REST with an API key, a webhook). */
export type TradingChannel = "browser" | "api";

/** A refused order entry: nothing reached the engine. Same shape as the engine's Rejection. */
export interface ChannelNotAllowed {
  ok: false;
  code: "CHANNEL_NOT_ALLOWED";
  message: string;
}

const RULE_CACHE_MS = 10_000;
const cache = new Map<string, { rule: TradingChannelRule; until: number }>();

/** Reads of a game's rule under way: orders that arrive meanwhile share them (shared-read.ts). */
const reads = new Map<string, Promise<TradingChannelRule>>();

/**
 * The round's rule ("both" for a game without one, e.g. made before the rule existed). When the
 * remembered rule has expired, the orders that arrive before the new read returns wait for that one
 * read instead of each reading the game's record (at 5,000 orders/s, every RULE_CACHE_MS).
 */
function ruleOf(store: GameStore, gameId: string): Promise<TradingChannelRule> {
  const known = knownRule(gameId);
  if (known) return Promise.resolve(known);
  return shareRead(reads, gameId, async () => {
    const rec = await store.get(gameId);
    const rule = rec?.settings.rules?.trading ?? "both";
    if (cache.size > 10_000) cache.clear();
    cache.set(gameId, { rule, until: Date.now() + RULE_CACHE_MS });
    return rule;
  });
}

function knownRule(gameId: string): TradingChannelRule | undefined {
  const hit = cache.get(gameId);
  return hit && hit.until > Date.now() ? hit.rule : undefined;
}

function refusal(rule: TradingChannelRule, channel: TradingChannel): ChannelNotAllowed | null {
  if (rule === "both" || rule === channel) return null;
  return {
    ok: false,
    code: "CHANNEL_NOT_ALLOWED",
    message:
      channel === "api"
        ? "this round takes orders from the browser only, not from the API"
        : "this round takes orders from programs (the API) only, not from the browser",
  };
}

/** Null when `channel` may enter orders in the game, else the CHANNEL_NOT_ALLOWED refusal. */
export async function channelRefusal(
  store: GameStore,
  gameId: string,
  channel: TradingChannel,
): Promise<ChannelNotAllowed | null> {
  return refusal(await ruleOf(store, gameId), channel);
}

/**
 * channelRefusal's answer without waiting when the game's rule is remembered (almost always: the room's
 * order path asks this first, issue 13), else undefined (ask channelRefusal).
 */
export function knownChannelRefusal(gameId: string, channel: TradingChannel): ChannelNotAllowed | null | undefined {
  const rule = knownRule(gameId);
  return rule === undefined ? undefined : refusal(rule, channel);
}
