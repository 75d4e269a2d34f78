/**
 * Reads one game's live state from Valkey for a room that (re)takes the game: the seed key schema
 * (docs/architecture.md "Key schema", docs/commit.md) as a plain typed structure, which the room turns into its
 * core state. Valkey holds the room's state as of a batch boundary (the group commit keeps it so), so
 * what this returns is exactly what was committed up to `seq`.
 *
 * Reads are pipelined: a first round trip for the game-wide keys, a second for each security's
 * config, levels, order count and resting orders and each player's inventory and client order ids.
 * A book's resting orders come from its index `...:orderbook:resting` (member -> packed order, kept
 * by the commit beside the order hashes): one HVALS per book instead of one read per order hash,
 * laid out here in id order (ids are dense per security, so without a comparison sort), which is the
 * order hydrate inserts them in. When the index does not hold exactly the members of the bids and
 * asks sets (a game written before the index existed), the book is read from the order hashes
 * instead, in pages of PAGE orders with lua/commands/readOrders-1.lua, which returns a page as one
 * JSON text.
 * Claim the game first (claimGame) so that no other room commits while this reads.
 *
 * Units as stored: price in ticks, qty/amount in lots, cash in minor units, ts in ms.
 */
import type { Redis } from "iovalkey";
import type { RestingOrder } from "../core/matching/book.ts";
import { callCommand } from "./commands.ts";
import * as K from "./keys.ts";
import { loadMargin, type LoadedMargin } from "./margin-keys.ts";

export interface LoadedSecurity {
  securityId: number;
  /** The hash game:{g}:security:<s> (symbol, tick_size, lot_size, scale, limits, fees...). */
  config: Record<string, string>;
  /** Last order id handed out (orderbook:order_count; 0 when absent). */
  orderCount: number;
  /** Net resting qty per price (orderbook hash): + for bids, - for asks; price in ticks -> lots. */
  levels: Map<number, number>;
  /**
   * The resting orders of both sides in id order, as the core's unlinked order objects (level and
   * links null): id order is each price level's time order and each player's arrival order, so
   * hydrate inserts them as they come (no sort, no second copy). Numbers are parsed digit by digit
   * or with Number(): a corrupt field gives NaN or a fraction, which hydrate refuses.
   */
  orders: RestingOrder[];
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
  /** Stops, the insurance fund's positions and position costs (margin-keys.ts); absent = none. */
  margin?: LoadedMargin;
}

/** Orders per readOrders call. */
const PAGE = 10_000;

/** Reads the game's state (see module doc). Rejects when Valkey is unreachable or an order hash is missing. */
export async function loadGame(client: Redis, gameId: string): Promise<LoadedGame> {
  const head = await client
    .pipeline()
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
    Record<string, string>,
    string | null,
    Record<string, string>,
    string[],
    Record<string, string>,
    Record<string, string>,
    string[],
    string[],
  ];
  const sids = secIds.map(Number).sort((a, b) => a - b);
  const pids = Object.keys(players);

  const mid = client.pipeline();
  for (const s of sids) {
    mid
      .hgetall(K.securityKey(gameId, s))
      .get(K.orderCountKey(gameId, s))
      .hgetall(K.bookKey(gameId, s))
      .hvals(K.restingKey(gameId, s))
      .zcard(K.bidsKey(gameId, s))
      .zcard(K.asksKey(gameId, s));
  }
  for (const p of pids) mid.hgetall(K.inventoryKey(gameId, p)).hgetall(K.clientOrdersKey(gameId, p));
  const books = results(await mid.exec());

  const securities = await Promise.all(
    sids.map(async (securityId, i): Promise<LoadedSecurity> => {
      const [config, count, levels, resting, nbids, nasks] = books.slice(i * PER_SECURITY, (i + 1) * PER_SECURITY) as [
        Record<string, string>,
        string | null,
        Record<string, string>,
        string[],
        number,
        number,
      ];
      const orders =
        resting.length === nbids + nasks
          ? fromIndex(K.bookKey(gameId, securityId), securityId, resting, Number(count ?? 0))
          : await fromHashes(client, gameId, securityId);
      return {
        securityId,
        config,
        orderCount: Number(count ?? 0),
        levels: new Map(Object.entries(levels).map(([p, q]) => [Number(p), Number(q)])),
        orders,
      };
    }),
  );
  const inventories = new Map<string, Record<string, string>>();
  const clientOrders = new Map<string, Map<string, string>>();
  pids.forEach((p, i) => {
    const at = sids.length * PER_SECURITY + i * 2;
    inventories.set(p, books[at] as Record<string, string>);
    clientOrders.set(p, new Map(Object.entries(books[at + 1] as Record<string, string>)));
  });
  return {
    gameId,
    game,
    seq: Number(seq ?? 0),
    owner: owner.epoch ? { epoch: Number(owner.epoch), node: owner.node ?? "", since: Number(owner.since ?? 0) } : null,
    players: new Map(Object.entries(players)),
    limitWeights: new Map(Object.entries(weights).map(([s, w]) => [Number(s), w])),
    securities,
    inventories,
    clientOrders,
    news,
    signals,
    margin: await loadMargin(client, gameId, sids, pids),
  };
}

/** Replies per security in the second pipeline: config, order count, levels, index, bids and asks counts. */
const PER_SECURITY = 6;

/**
 * A book's resting orders from its index (packed orders), in id order. Order ids are dense per
 * security (1..orderCount), so the orders are laid out in an array indexed by id: no comparison sort
 * (an id outside 1..orderCount or seen twice, a corrupt store, falls back to one; hydrate then
 * refuses the store).
 */
function fromIndex(bookKey: string, securityId: number, packed: string[], orderCount: number): RestingOrder[] {
  // sized up front: filling an empty array at scattered indexes would turn it into a slow dictionary
  const byId: (RestingOrder | undefined)[] = new Array<RestingOrder | undefined>(orderCount + 1);
  const stray: RestingOrder[] = [];
  for (const text of packed) {
    const o = unpackOrder(bookKey, securityId, text);
    if (o.id >= 1 && o.id <= orderCount && byId[o.id] === undefined) byId[o.id] = o;
    else stray.push(o);
  }
  const out: RestingOrder[] = [];
  for (const o of byId) if (o !== undefined) out.push(o);
  return stray.length === 0 ? out : out.concat(stray).sort(ascendingId);
}

/** Ascending order id (a NaN id, a corrupt store, compares equal; hydrate refuses it). */
const ascendingId = (a: RestingOrder, b: RestingOrder): number => a.id - b.id || 0;

/**
 * An order packed by commit.ts OrderFields: member side price qty amount player_id ts post_only cid,
 * tab-separated (the cid last, and may itself hold tabs), as the core's unlinked resting order of
 * security `securityId` (the member is its id; an empty cid is undefined). Read by scanning for the
 * tabs and reading the integers digit by digit, without splitting the text into nine strings: about a
 * third of the CPU for 100,000 orders (docs/commit.md "Stop 21"). A number that is not plain digits
 * reads as NaN (hydrate refuses it); fewer than nine fields or an unknown side throw.
 */
export function unpackOrder(bookKey: string, securityId: number, text: string): RestingOrder {
  const t0 = text.indexOf("\t");
  const t1 = text.indexOf("\t", t0 + 1);
  const t2 = text.indexOf("\t", t1 + 1);
  const t3 = text.indexOf("\t", t2 + 1);
  const t4 = text.indexOf("\t", t3 + 1);
  const t5 = text.indexOf("\t", t4 + 1);
  const t6 = text.indexOf("\t", t5 + 1);
  const t7 = text.indexOf("\t", t6 + 1);
  const side =
    t1 - t0 === 4 && text.startsWith("buy", t0 + 1)
      ? "buy"
      : t1 - t0 === 5 && text.startsWith("sell", t0 + 1)
        ? "sell"
        : null;
  if (t0 < 0 || t7 < 0 || side === null) throw new Error(`${bookKey}:resting holds a malformed order: ${text}`);
  // fields in the order of the core's other order builders (copy.ts), so all share one hidden class
  return {
    id: digits(text, 0, t0),
    securityId,
    side,
    price: digits(text, t1 + 1, t2),
    qty: digits(text, t2 + 1, t3),
    amount: digits(text, t3 + 1, t4),
    playerId: text.slice(t4 + 1, t5),
    clientOrderId: t7 + 1 === text.length ? undefined : text.slice(t7 + 1),
    ts: digits(text, t5 + 1, t6),
    postOnly: t7 - t6 === 2 && text.charCodeAt(t6 + 1) === 49, // "1"
    level: null,
    prev: null,
    next: null,
    ownerPrev: null,
    ownerNext: null,
  };
}

/** The integer written in text[from, to) as an optional '-' and decimal digits; NaN for anything else. */
function digits(text: string, from: number, to: number): number {
  let i = from;
  const negative = text.charCodeAt(i) === 45; // "-"
  if (negative) i++;
  if (i >= to) return NaN;
  let v = 0;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Both sides of a book read from the order hashes (readOrders pages), both at once, in id order. */
async function fromHashes(client: Redis, gameId: string, securityId: number): Promise<RestingOrder[]> {
  const [bids, asks] = await Promise.all([
    readSide(client, securityId, K.bidsKey(gameId, securityId)),
    readSide(client, securityId, K.asksKey(gameId, securityId)),
  ]);
  return bids.concat(asks).sort(ascendingId);
}

/** Fields per order in a readOrders page: member side price qty amount player_id cid ts post_only. */
const STRIDE = 9;

/** Every order of one book side (bids or asks key), in the set's order, page by page. */
async function readSide(client: Redis, securityId: number, sideKey: string): Promise<RestingOrder[]> {
  const out: RestingOrder[] = [];
  for (;;) {
    const page = JSON.parse(String(await callCommand(client, "readOrders", [sideKey, out.length, PAGE]))) as (
      string | false
    )[];
    for (let i = 0; i < page.length; i += STRIDE) out.push(toOrder(securityId, sideKey, page, i));
    if (page.length < PAGE * STRIDE) return out;
  }
}

/** The order at `at` of a readOrders page. Throws when its hash has no side (a missing hash). */
function toOrder(securityId: number, sideKey: string, page: (string | false)[], at: number): RestingOrder {
  const member = page[at] as string;
  const side = page[at + 1];
  if (side !== "buy" && side !== "sell")
    throw new Error(`order ${sideKey}/${member} is in the book but its hash has no side`);
  const cid = page[at + 6];
  return {
    id: Number(member),
    securityId,
    side,
    price: num(page[at + 2]),
    qty: num(page[at + 3]),
    amount: num(page[at + 4]),
    playerId: page[at + 5] || "",
    clientOrderId: cid ? cid : undefined,
    ts: num(page[at + 7]),
    postOnly: page[at + 8] === "1",
    level: null,
    prev: null,
    next: null,
    ownerPrev: null,
    ownerNext: null,
  };
}

/** A stored integer field; NaN when missing or empty (hydrate refuses it). */
const num = (v: string | false | undefined): number => (v ? Number(v) : NaN);

/** The replies of a pipeline; throws the first command error. */
function results(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error("pipeline was not executed");
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
