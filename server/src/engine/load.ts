/**
 * Reads one game's live state from Valkey for a room that (re)takes the game: the seed key schema
 * (../shared/ARCHITECTURE.md "Key schema") as a plain typed structure, which the room turns into its
 * core state. Valkey holds the room's state as of a batch boundary (the group commit keeps it so), so
 * what this returns is exactly what was committed up to `seq`.
 *
 * Reads are pipelined: a first round trip for the game-wide keys, a second for each security's
 * config, levels and order count and each player's inventory and client order ids; then each book
 * side in pages of PAGE orders with lua/commands/readOrders-1.lua, which returns a page as one JSON
 * text (Node parses that far faster than one reply per order hash, and a page keeps the shard busy
 * for a few milliseconds only, not the whole read).
 * Claim the game first (claimGame) so that no other room commits while this reads.
 *
 * Units as stored: price in ticks, qty/amount in lots, cash in minor units, ts in ms.
 */
import type { Redis } from "iovalkey";
import { callCommand } from "./commands.ts";
import * as K from "./keys.ts";

/** A resting order, from its hash game:{g}:security:<s>:orderbook:<member>. */
export interface RestingOrder {
  /** Order id (the member, zero-padded to 12 digits, parsed). */
  id: number;
  member: string;
  side: "buy" | "sell";
  /** Limit price in ticks. */
  price: number;
  /** Quantity when placed (lots). */
  qty: number;
  /** Quantity still resting (lots). */
  amount: number;
  playerId: string;
  /** The player's clientOrderId, or null when none was given. */
  clientOrderId: string | null;
  /** When it was accepted (ms). */
  ts: number;
  postOnly: boolean;
  /** Every field of the hash as stored (also those not named above). */
  fields: Record<string, string>;
}

export interface LoadedSecurity {
  securityId: number;
  /** The hash game:{g}:security:<s> (symbol, tick_size, lot_size, scale, limits, fees...). */
  config: Record<string, string>;
  /** Last order id handed out (orderbook:order_count; 0 when absent). */
  orderCount: number;
  /** Net resting qty per price (orderbook hash): + for bids, - for asks; price in ticks -> lots. */
  levels: Map<number, number>;
  /** Resting bids, best first: highest price, then earliest id (price-time priority). */
  bids: RestingOrder[];
  /** Resting asks, best first: lowest price, then earliest id. */
  asks: RestingOrder[];
}

export interface LoadedGame {
  gameId: string;
  /** The game hash game:{g} (phase, name, rules, clock...); empty when the game does not exist. */
  game: Record<string, string>;
  /** Last committed event seq (0 when none). */
  seq: number;
  /** The ownership record, or null when nobody claimed the game. */
  owner: { epoch: number; node: string; since: number } | null;
  /** Player id -> name (game:{g}:players). */
  players: Map<string, string>;
  /** Security id -> limitWeight text (game:{g}:limit_weights). */
  limitWeights: Map<number, string>;
  /** Securities in id order. */
  securities: LoadedSecurity[];
  /** Player id -> inventory hash ("0" cash, "<s>" holdings, "...:locked", "...:open_buy"...). */
  inventories: Map<string, Record<string, string>>;
  /** Player id -> clientOrderId -> stored result JSON (idempotency record). */
  clientOrders: Map<string, Map<string, string>>;
  /** News events (JSON) in seq order (zset game:{g}:news scored by seq, as the GameWriter commits them). */
  news: string[];
  /** Signal events (JSON) in seq order (zset game:{g}:signals). */
  signals: string[];
}

/** Orders per readOrders call. */
const PAGE = 5_000;

/** Reads the game's state (see module doc). Rejects when Valkey is unreachable or an order hash is missing. */
export async function loadGame(client: Redis, gameId: string): Promise<LoadedGame> {
  const head = await client.pipeline()
    .hgetall(K.gameKey(gameId))
    .get(K.seqKey(gameId))
    .hgetall(K.ownerKey(gameId))
    .smembers(K.securitiesKey(gameId))
    .hgetall(K.playersKey(gameId))
    .hgetall(K.limitWeightsKey(gameId))
    .zrange(K.newsKey(gameId), 0, -1)
    .zrange(K.signalsKey(gameId), 0, -1)
    .exec();
  const [game, seq, owner, secIds, players, weights, news, signals] = results(head) as [
    Record<string, string>, string | null, Record<string, string>, string[], Record<string, string>, Record<string, string>,
    string[], string[]];
  const sids = secIds.map(Number).sort((a, b) => a - b);
  const pids = Object.keys(players);

  const mid = client.pipeline();
  for (const s of sids) {
    mid.hgetall(K.securityKey(gameId, s)).get(K.orderCountKey(gameId, s)).hgetall(K.bookKey(gameId, s));
  }
  for (const p of pids) mid.hgetall(K.inventoryKey(gameId, p)).hgetall(K.clientOrdersKey(gameId, p));
  const books = results(await mid.exec());

  // Every book side is read at once, so Valkey serves one page while Node parses another.
  const securities = await Promise.all(sids.map(async (securityId, i): Promise<LoadedSecurity> => {
    const [config, count, levels] = books.slice(i * 3, i * 3 + 3) as [Record<string, string>, string | null, Record<string, string>];
    const [bids, asks] = await Promise.all([readSide(client, K.bidsKey(gameId, securityId)), readSide(client, K.asksKey(gameId, securityId))]);
    return {
      securityId, config, orderCount: Number(count ?? 0),
      levels: new Map(Object.entries(levels).map(([p, q]) => [Number(p), Number(q)])), bids, asks,
    };
  }));
  const inventories = new Map<string, Record<string, string>>();
  const clientOrders = new Map<string, Map<string, string>>();
  pids.forEach((p, i) => {
    const at = sids.length * 3 + i * 2;
    inventories.set(p, books[at] as Record<string, string>);
    clientOrders.set(p, new Map(Object.entries(books[at + 1] as Record<string, string>)));
  });
  return {
    gameId, game, seq: Number(seq ?? 0),
    owner: owner.epoch ? { epoch: Number(owner.epoch), node: owner.node ?? "", since: Number(owner.since ?? 0) } : null,
    players: new Map(Object.entries(players)),
    limitWeights: new Map(Object.entries(weights).map(([s, w]) => [Number(s), w])),
    securities, inventories, clientOrders, news, signals,
  };
}

/** Every order of one book side (bids or asks key), in the set's order, page by page. */
async function readSide(client: Redis, sideKey: string): Promise<RestingOrder[]> {
  const out: RestingOrder[] = [];
  for (;;) {
    const page = JSON.parse(String(await callCommand(client, "readOrders", [sideKey, out.length, PAGE]))) as [string, string[] | object][];
    for (const [member, flat] of page) out.push(toOrder(`${sideKey}/${member}`, member, Array.isArray(flat) ? flat : []));
    if (page.length < PAGE) return out;
  }
}

/** A resting order from its member and HGETALL's flat field/value list. Throws when the hash lacks a side. */
function toOrder(where: string, member: string, flat: string[]): RestingOrder {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  if (f.side !== "buy" && f.side !== "sell") throw new Error(`order ${where} is in the book but its hash has no side`);
  return {
    id: Number(member), member, side: f.side, price: Number(f.price), qty: Number(f.qty), amount: Number(f.amount),
    playerId: f.player_id ?? "", clientOrderId: f.cid ? f.cid : null, ts: Number(f.ts ?? 0), postOnly: f.post_only === "1",
    fields: f,
  };
}

/** The replies of a pipeline; throws the first command error. */
function results(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error("pipeline was not executed");
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
