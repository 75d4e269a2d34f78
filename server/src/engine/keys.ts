/**
 * Valkey key names of a game, as in docs/architecture.md ("Key schema"). Every key carries the
 * hash tag {<gameId>} so that one game lives in one cluster slot. the batch commit (lua/commands/commit-n.lua) writes the same
 * names from the game key; this module builds them for the KEYS a call declares and for tests.
 */
export const gameKey = (g: string) => `game:{${g}}`;
export const seqKey = (g: string) => `game:{${g}}:seq`;
export const eventsKey = (g: string) => `game:{${g}}:events`;
/** The room's model checkpoint (game/checkpoints.ts): JSON text, a cache of the log's fold. */
export const checkpointKey = (g: string) => `game:{${g}}:checkpoint`;
export const securitiesKey = (g: string) => `game:{${g}}:securities`;
export const playersKey = (g: string) => `game:{${g}}:players`;
/** Hash security id -> limitWeight, read by the gross/net position limit check. */
export const limitWeightsKey = (g: string) => `game:{${g}}:limit_weights`;
export const securityKey = (g: string, s: number) => `game:{${g}}:security:${s}`;
export const bookKey = (g: string, s: number) => `game:{${g}}:security:${s}:orderbook`;
export const bidsKey = (g: string, s: number) => `${bookKey(g, s)}:bids`;
export const asksKey = (g: string, s: number) => `${bookKey(g, s)}:asks`;
export const orderCountKey = (g: string, s: number) => `${bookKey(g, s)}:order_count`;
/**
 * Hash member -> packed order (commit.ts OrderFields): every resting order of the security, kept by the
 * commit beside the order hashes so that a room reloads a book with one HVALS (load.ts).
 */
export const restingKey = (g: string, s: number) => `${bookKey(g, s)}:resting`;
/** ZEROS[n]: n zeros (orderMember's padding). */
const ZEROS = Array.from({ length: 13 }, (_, n) => "0".repeat(n));

/**
 * Order ids are zero-padded to 12 digits so that equal scores sort by arrival. The padding is a
 * prebuilt string: `padStart` built a filler string on every call, about 100 bytes more per order
 * written (docs/commit.md "Stop 22"). Ids of 12 digits or more are left as they are, as padStart does.
 */
export const orderMember = (id: number) => {
  const s = String(id);
  return s.length >= 12 ? s : ZEROS[12 - s.length]! + s;
};
export const orderKey = (g: string, s: number, id: number) => `${bookKey(g, s)}:${orderMember(id)}`;
export const inventoryKey = (g: string, p: string) => `game:{${g}}:player:${p}:inventory`;
export const playerOrdersKey = (g: string, p: string, s: number) => `game:{${g}}:player:${p}:security:${s}:orders`;
/** News and signal events: zsets member = event JSON, score = seq (not lists: the commit script has no list ops). */
export const newsKey = (g: string) => `game:{${g}}:news`;
export const signalsKey = (g: string) => `game:{${g}}:signals`;
export const clientOrdersKey = (g: string, p: string) => `game:{${g}}:player:${p}:client_orders`;

/** The book's sorted sets and hashes of one security (KEYS 4..7 of place, cancel and amend). */
export const securityKeys = (g: string, s: number) => [securityKey(g, s), bookKey(g, s), bidsKey(g, s), asksKey(g, s)];
/** Hash epoch, node, since: who owns the game (lua/commands/claim-1.lua); commits carry the epoch. */
export const ownerKey = (g: string) => `game:{${g}}:owner`;
/** The prefix every key of the game starts with (or equals, for the game hash). */
export const gamePrefix = (g: string) => `game:{${g}}`;
/** Hash stop id -> the waiting stop order (JSON; margin-keys.ts). */
export const stopsKey = (g: string, s: number) => `${securityKey(g, s)}:stops`;
/** Hash security id -> lots the insurance fund took over (margin-keys.ts). */
export const fundKey = (g: string) => `game:{${g}}:fund`;
/** Hash security id -> the position's cost, minor units (margin mode; margin-keys.ts). */
export const costsKey = (g: string, p: string) => `game:{${g}}:player:${p}:costs`;

/** The names of one security's keys, and its fields in an inventory hash (`<s>`, `<s>:locked`, `<s>:open_buy`). */
export interface SecurityKeyNames {
  security: string;
  book: string;
  bids: string;
  asks: string;
  orderCount: string;
  qtyField: string;
  lockedField: string;
  openBuyField: string;
}

/** The names of one player's keys; `orders` by security id (the player's order set of that book). */
export interface PlayerKeyNames {
  inventory: string;
  clientOrders: string;
  costs: string;
  orders: Map<number, string>;
}

/**
 * The key (and inventory field) names of one game that its batches write, each built once. Built
 * per batch, a template string per key (two for a book's sets: the book's name, then the set's) was
 * about a twentieth of the commit path's bytes per command (docs/commit.md "Stop 18"). Holds one entry
 * per security and per player of the game.
 */
export class GameKeyNames {
  private readonly securities = new Map<number, SecurityKeyNames>();
  private readonly players = new Map<string, PlayerKeyNames>();

  constructor(readonly gameId: string) {}

  /** Security `s`'s keys. */
  security(s: number): SecurityKeyNames {
    let k = this.securities.get(s);
    if (!k) {
      const g = this.gameId;
      k = {
        security: securityKey(g, s),
        book: bookKey(g, s),
        bids: bidsKey(g, s),
        asks: asksKey(g, s),
        orderCount: orderCountKey(g, s),
        qtyField: String(s),
        lockedField: `${s}:locked`,
        openBuyField: `${s}:open_buy`,
      };
      this.securities.set(s, k);
    }
    return k;
  }

  /** Player `p`'s keys. */
  player(p: string): PlayerKeyNames {
    let k = this.players.get(p);
    if (!k) {
      const g = this.gameId;
      k = {
        inventory: inventoryKey(g, p),
        clientOrders: clientOrdersKey(g, p),
        costs: costsKey(g, p),
        orders: new Map(),
      };
      this.players.set(p, k);
    }
    return k;
  }

  /** Player `p`'s order set of security `s` (playerOrdersKey). */
  playerOrders(p: string, s: number): string {
    const orders = this.player(p).orders;
    let k = orders.get(s);
    if (k === undefined) {
      k = playerOrdersKey(this.gameId, p, s);
      orders.set(s, k);
    }
    return k;
  }
}
