/**
 * The key-ops projection: the part of the game's Valkey keys (seed key schema,
 * docs/architecture.md "Key schema") that a batch's events touched, as ABSOLUTE writes read from
 * the core state at the batch boundary. It is a projection of the state onto the keys, not a second
 * reducer: the events only say WHICH keys to write; every value comes from the state. hydrate.ts is
 * its inverse (loadGame's structure -> CoreState); the GameWriter tests prove
 * hydrate(load(commit(ops))) equals the state.
 *
 * Per batch, not per command: `keyOpsFor(g, state, events)` returns a deferred value that the
 * GroupCommitter adds to the open batch's projection (marking what the events touched); when the
 * batch is sealed, the state is exactly the state after the batch's last command, and each touched
 * key is written once from it. So a price level or an inventory that fifty commands of a batch touch
 * is written once, and an order placed and then filled or cancelled within one batch writes nothing
 * (it never existed at a batch boundary).
 *
 * The projection is a list of producers (PRODUCERS): each marks what an event touched and, at the
 * boundary, writes those keys. A new persisted field is one more producer in that list.
 *
 * Keys and fields written (names kept from the Lua engine the core replaced; docs/commit.md "The writer"):
 *   game:{g}                                   phase name stp max_matches allow_short protection_bps
 *                                              gross_limit net_limit created_at cash_total
 *   game:{g}:securities (set), :limit_weights (hash sid -> weight), :players (hash pid -> name)
 *   game:{g}:security:<s>                      symbol tick_size lot_size scale band_low band_high short_limit
 *                                              position_limit max_order_qty taker_fee maker_rebate limit_weight
 *   game:{g}:security:<s>:orderbook            price -> net resting lots (+ bids, - asks)
 *   ...:orderbook:bids / :asks (zset)          member = zero-padded id, score -price / price
 *   ...:orderbook:order_count (string)         last order id
 *   ...:orderbook:<member> (hash)              side price qty amount player_id cid ts post_only (all written
 *                                              when the order rests; only amount when a fill or an amend
 *                                              lowers it later; deleted when it leaves the book)
 *   ...:orderbook:resting (hash)               member -> the order packed (commit.ts OrderFields): the
 *                                              index loadGame reads a book from in one HVALS
 *   game:{g}:player:<p>:inventory              0 (cash), 0:locked, <s>, <s>:locked, <s>:open_buy
 *   game:{g}:player:<p>:security:<s>:orders    zset member -> id
 *   game:{g}:player:<p>:client_orders          cid -> {"ok":true,"order",...,"events":[],"firstSeq","lastSeq","fills"}
 *   game:{g}:news, game:{g}:signals (zset)     member = the event's JSON, score = its seq (not lists:
 *                                              the commit has no list ops)
 */
import type { EngineEvent } from "@marketroom/shared";
import type { CoreState, PlayerState, SecurityState } from "../core/index.ts";
import type { BatchEncoder, BatchProjection, DeferredKeyOps, KeyEntries } from "./commit.ts";
import type { KeyOpProducer, ProjectionContext } from "./key-op-producer.ts";
import * as K from "./keys.ts";
import { MarketOps } from "./market-keys.ts";
import { MarginOps } from "./margin-keys.ts";

export type { KeyOpProducer, ProjectionContext } from "./key-op-producer.ts";

const flag = (b: boolean) => (b ? 1 : 0);

/**
 * What a producer iterates when it was given nothing to write. The producers are made anew for every
 * batch and most batches touch no setup, news or margin state: their sets and maps are made when
 * first needed (an empty Map or Set is about 180 bytes; docs/commit.md "Stop 22").
 */
const NONE: ReadonlySet<never> = new Set();

function securityOf(state: CoreState, sid: number): SecurityState {
  const sec = state.securities.get(sid);
  if (!sec) throw new Error(`key-ops: no security ${sid} in the state`);
  return sec;
}

function playerOf(state: CoreState, pid: string): PlayerState {
  const p = state.players.get(pid);
  if (!p) throw new Error(`key-ops: no player ${pid} in the state`);
  return p;
}

/** The game hash, securities, players and the total cash (setup commands). */
class SetupOps implements KeyOpProducer {
  private game = false;
  private cashTotal = false;
  private securities: Set<number> | null = null;
  private players: Set<string> | null = null;

  touch(ev: EngineEvent): void {
    switch (ev.type) {
      case "game_created":
        this.game = true;
        this.cashTotal = true;
        break;
      case "phase_changed":
        this.game = true;
        break;
      case "security_added":
        (this.securities ??= new Set()).add(ev.securityId);
        break;
      case "player_added":
        (this.players ??= new Set()).add(ev.playerId);
        this.cashTotal = true;
        break;
      case "dividend":
        this.cashTotal = true;
        break;
      default:
        break;
    }
  }

  write({ gameId: g, state, enc }: ProjectionContext): void {
    const game = state.game;
    if (this.game && game) {
      enc.hset(
        K.gameKey(g),
        "phase",
        game.phase,
        "name",
        game.name,
        "stp",
        game.stp,
        "max_matches",
        game.maxMatches,
        "allow_short",
        flag(game.allowShort),
        "protection_bps",
        game.protectionBps,
        "gross_limit",
        game.grossLimit,
        "net_limit",
        game.netLimit,
        "created_at",
        game.createdAt,
      );
    }
    if (this.cashTotal) enc.hset(K.gameKey(g), "cash_total", state.cashTotal);
    for (const sid of this.securities ?? NONE) {
      const i = securityOf(state, sid).info;
      enc.hset(
        K.securityKey(g, sid),
        "symbol",
        i.symbol,
        "tick_size",
        i.tickSize,
        "lot_size",
        i.lotSize,
        "scale",
        i.scale,
        "band_low",
        i.bandLow,
        "band_high",
        i.bandHigh,
        "short_limit",
        i.shortLimit,
        "position_limit",
        i.positionLimit,
        "max_order_qty",
        i.maxOrderQty,
        "taker_fee",
        i.takerFee,
        "maker_rebate",
        i.makerRebate,
        "limit_weight",
        i.limitWeight,
      );
      enc.sadd(K.securitiesKey(g), sid);
      enc.hset(K.limitWeightsKey(g), sid, i.limitWeight);
    }
    for (const pid of this.players ?? NONE) enc.hset(K.playersKey(g), pid, playerOf(state, pid).name);
  }
}

/**
 * An order that Valkey had before the batch and the batch touched: who owns it and its side (what
 * deleting it needs once it has left the book).
 */
interface TouchedOrder {
  side: "buy" | "sell";
  playerId: string;
}

/**
 * An order the batch accepted (Valkey never had it): FRESH, or FRESH_RESTED once it rested (an
 * incoming order cancelled before resting touches no level). A number, not an object: written only
 * if it still rests at the boundary, and then from the state (docs/commit.md "Stop 22").
 */
const FRESH = 0;
const FRESH_RESTED = 1;

/** What the batch knows of a touched order. */
type Touched = TouchedOrder | typeof FRESH | typeof FRESH_RESTED;

/** Per security: the orders and price levels a batch touched, and whether it handed out order ids. */
/** allLevels: a call ran in the batch, so the whole price-level hash is rewritten from the state. */
interface TouchedBook {
  orders: Map<number, Touched>;
  levels: Set<number>;
  counter: boolean;
  allLevels: boolean;
}

/**
 * The books: order hashes, bids/asks members, the players' order sets, price levels and the order id
 * counters. An order accepted in this batch is written only if it still rests at the boundary (all
 * fields); an older order that still rests gets its amount; one that left the book is deleted.
 */
class BookOps implements KeyOpProducer {
  private readonly books = new Map<number, TouchedBook>();

  private book(sid: number): TouchedBook {
    let b = this.books.get(sid);
    if (!b) {
      b = { orders: new Map(), levels: new Set(), counter: false, allLevels: false };
      this.books.set(sid, b);
    }
    return b;
  }

  /** Marks an order (an older one, unless the batch accepted it) and its level; returns the book. */
  private order(sid: number, id: number, side: "buy" | "sell", playerId: string, price: number): TouchedBook {
    const b = this.book(sid);
    if (!b.orders.has(id)) b.orders.set(id, { side, playerId });
    b.levels.add(price);
    return b;
  }

  touch(ev: EngineEvent): void {
    switch (ev.type) {
      case "order_accepted": {
        const b = this.book(ev.securityId);
        b.counter = true;
        b.orders.set(ev.orderId, FRESH);
        break;
      }
      case "order_rested": {
        const b = this.order(ev.securityId, ev.orderId, ev.side, ev.playerId, ev.price);
        if (b.orders.get(ev.orderId) === FRESH) b.orders.set(ev.orderId, FRESH_RESTED);
        break;
      }
      case "fill":
        this.order(ev.securityId, ev.makerOrderId, ev.aggressor === "buy" ? "sell" : "buy", ev.makerPlayerId, ev.price);
        // a call's fills trade two resting orders, each at its own limit (docs/markets.md): the taker's
        // order changes too, and the levels are rewritten whole (the fill's price is not their price)
        if (this.books.get(ev.securityId)?.allLevels)
          this.order(ev.securityId, ev.takerOrderId, ev.aggressor, ev.takerPlayerId, ev.price);
        break;
      case "auction":
        this.book(ev.securityId).allLevels = true;
        break;
      case "order_cancelled": {
        const t = this.books.get(ev.securityId)?.orders.get(ev.orderId);
        if (t !== FRESH) this.order(ev.securityId, ev.orderId, ev.side, ev.playerId, ev.price);
        break;
      }
      case "order_amended":
        this.order(ev.securityId, ev.orderId, ev.side, ev.playerId, ev.price);
        break;
      case "cfd_fill":
        // a waiting CFD order filled by the house leaves the book (core/cfd-order.ts)
        if (ev.resting) this.order(ev.securityId, ev.orderId, ev.side, ev.playerId, ev.limit);
        break;
      default:
        break;
    }
  }

  write({ state, enc, keys }: ProjectionContext): void {
    // keys() and get() rather than `for (const [k, v] of map)`: that allocates an entry array per
    // iteration (64 bytes; once per touched order here), which V8 did not optimise away (Stop 22)
    for (const sid of this.books.keys()) {
      const touched = this.books.get(sid)!;
      const sec = securityOf(state, sid);
      const book = sec.book;
      const names = keys.security(sid);
      const bookKey = names.book;
      // the entries of the book's zsets, looked up once per batch
      const bids = enc.entriesOf(names.bids, "zset");
      const asks = enc.entriesOf(names.asks, "zset");
      const orders = touched.orders;
      for (const id of orders.keys()) {
        const t = orders.get(id)!;
        const o = book.orders.get(id);
        if (typeof t === "number") {
          // accepted in the batch (FRESH or FRESH_RESTED): written whole if it still rests, else
          // never in Valkey
          if (!o) continue;
          const member = K.orderMember(id);
          enc.orderCreated(bookKey, member, o);
          if (o.side === "buy") bids.set(member, -o.price);
          else asks.set(member, o.price);
          enc.entriesOf(keys.playerOrders(o.playerId, sid), "zset").set(member, id);
          continue;
        }
        const member = K.orderMember(id);
        if (o) {
          enc.orderUpdated(bookKey, member, o);
          continue;
        }
        enc.orderDeleted(bookKey, member);
        (t.side === "buy" ? bids : asks).set(member, null);
        enc.entriesOf(keys.playerOrders(t.playerId, sid), "zset").set(member, null);
      }
      if (touched.allLevels) {
        enc.del(bookKey);
        const levels = enc.entriesOf(bookKey, "hash");
        const net = new Map<number, number>();
        for (const l of book.bids.levels) net.set(l.price, l.qty);
        for (const l of book.asks.levels) net.set(l.price, (net.get(l.price) ?? 0) - l.qty);
        for (const price of net.keys()) {
          const q = net.get(price)!;
          if (q !== 0) levels.set(String(price), q);
        }
      } else if (touched.levels.size > 0) {
        const levels = enc.entriesOf(bookKey, "hash");
        for (const price of touched.levels) {
          const net = (book.bids.levelAt(price)?.qty ?? 0) - (book.asks.levelAt(price)?.qty ?? 0);
          levels.set(String(price), net === 0 ? null : net);
        }
      }
      if (touched.counter) enc.set(names.orderCount, sec.lastOrderId);
    }
  }
}

/** Inventories: cash and locked cash of every touched player, and all three fields of each touched position. */
class InventoryOps implements KeyOpProducer {
  /** playerId -> security ids whose position fields to write ("all" after player_added). */
  private readonly positions = new Map<string, Set<number> | "all">();

  private position(playerId: string, sid: number): void {
    const cur = this.positions.get(playerId);
    if (cur === "all") return;
    if (cur) cur.add(sid);
    else this.positions.set(playerId, new Set<number>().add(sid));
  }

  touch(ev: EngineEvent): void {
    switch (ev.type) {
      case "player_added":
        this.positions.set(ev.playerId, "all");
        break;
      case "order_accepted":
        this.position(ev.playerId, ev.securityId);
        break;
      case "fill":
        this.position(ev.makerPlayerId, ev.securityId);
        this.position(ev.takerPlayerId, ev.securityId);
        break;
      case "order_rested":
      case "order_cancelled":
      case "order_amended":
        this.position(ev.playerId, ev.securityId);
        break;
      case "dividend":
        for (const p of ev.payments) this.position(p.playerId, ev.securityId);
        break;
      case "cfd_fill":
      case "fund_transfer":
        if (ev.securityId !== 0) this.position(ev.playerId, ev.securityId);
        else this.positions.set(ev.playerId, this.positions.get(ev.playerId) ?? new Set());
        break;
      default:
        break;
    }
  }

  write({ state, enc, keys }: ProjectionContext): void {
    for (const pid of this.positions.keys()) {
      const sids = this.positions.get(pid)!;
      const p = playerOf(state, pid);
      const fields = enc.entriesOf(keys.player(pid).inventory, "hash");
      fields.set("0", p.cash);
      fields.set("0:locked", p.cashLocked);
      // two loops, each over one kind of iterator: one loop over either allocated an iterator
      // result per position (docs/commit.md "Stop 22")
      if (sids === "all") for (const sid of p.positions.keys()) writePosition(fields, keys, p, sid);
      else for (const sid of sids) writePosition(fields, keys, p, sid);
    }
  }
}

/** The three inventory fields of one position of `p` (none when it has no such position). */
function writePosition(fields: KeyEntries, keys: K.GameKeyNames, p: PlayerState, sid: number): void {
  const pos = p.positions.get(sid);
  if (!pos) return;
  const names = keys.security(sid);
  fields.set(names.qtyField, pos.qty);
  fields.set(names.lockedField, pos.locked);
  fields.set(names.openBuyField, pos.openBuy);
}

/** The first result of each clientOrderId accepted in the batch (idempotency store). */
class ClientOrderOps implements KeyOpProducer {
  /** playerId -> clientOrderIds. */
  private ids: Map<string, Set<string>> | null = null;

  touch(ev: EngineEvent): void {
    if (ev.type !== "order_accepted" || ev.clientOrderId === undefined) return;
    const ids = (this.ids ??= new Map());
    let s = ids.get(ev.playerId);
    if (!s) {
      s = new Set();
      ids.set(ev.playerId, s);
    }
    s.add(ev.clientOrderId);
  }

  write({ state, enc, keys }: ProjectionContext): void {
    const ids = this.ids;
    if (ids === null) return;
    for (const pid of ids.keys()) {
      const cids = ids.get(pid)!;
      const p = playerOf(state, pid);
      for (const cid of cids) {
        const stored = p.clientOrders.get(cid);
        if (!stored) continue; // the order has not reached its last event (cannot happen after a whole command)
        const result = {
          ok: true,
          order: stored.order,
          events: [],
          firstSeq: stored.firstSeq,
          lastSeq: stored.lastSeq,
          fills: stored.fills,
        };
        enc.hset(keys.player(pid).clientOrders, cid, JSON.stringify(result));
      }
    }
  }
}

/** News and signals: one zset member per event (its JSON), scored by seq. */
class MessageOps implements KeyOpProducer {
  private messages: EngineEvent[] | null = null;

  touch(ev: EngineEvent): void {
    if (ev.type === "news" || ev.type === "signal") (this.messages ??= []).push(ev);
  }

  write({ gameId: g, enc }: ProjectionContext): void {
    if (this.messages === null) return;
    for (const ev of this.messages)
      enc.zadd(ev.type === "news" ? K.newsKey(g) : K.signalsKey(g), ev.seq, JSON.stringify(ev));
  }
}

/** The producers of the projection, in write order. Add one here for a new persisted field. */
const PRODUCERS: (() => KeyOpProducer)[] = [
  () => new SetupOps(),
  () => new BookOps(),
  () => new InventoryOps(),
  () => new ClientOrderOps(),
  () => new MessageOps(),
  () => new MarketOps(),
  () => new MarginOps(),
];

/** Each writer's key names, by its state (one state per writer and game). */
const keyNames = new WeakMap<CoreState, K.GameKeyNames>();

function keyNamesOf(gameId: string, state: CoreState): K.GameKeyNames {
  let names = keyNames.get(state);
  if (names === undefined || names.gameId !== gameId) {
    names = new K.GameKeyNames(gameId);
    keyNames.set(state, names);
  }
  return names;
}

/** The projection of one batch: every producer, fed the batch's events in order. */
class KeyProjection implements BatchProjection {
  private readonly producers = PRODUCERS.map((make) => make());

  constructor(
    private readonly gameId: string,
    private readonly state: CoreState,
  ) {}

  touch(events: readonly EngineEvent[]): void {
    const ps = this.producers;
    for (let i = 0; i < events.length; i++) for (let j = 0; j < ps.length; j++) ps[j]!.touch(events[i]!);
  }

  write(enc: BatchEncoder): void {
    const ctx: ProjectionContext = {
      gameId: this.gameId,
      state: this.state,
      enc,
      keys: keyNamesOf(this.gameId, this.state),
    };
    for (const p of this.producers) p.write(ctx);
  }
}

/** Each writer's deferred key ops, by its state (one state per writer and game). */
const deferredOps = new WeakMap<CoreState, StateKeyOps>();

/**
 * The key ops of a writer's commands, deferred to their batches (see module doc): hand the result to
 * GroupCommitter.submit as `ops` together with the command's events (EngineEvent objects, in order),
 * right after evolving them into `state`; every command of a committer must pass the same `state`
 * object. The value is the same for every command of a game's state (built once: an object per
 * command was about 50 bytes of its allocation, docs/commit.md "Stop 22"). Writing throws (and the
 * committer fails with UNAVAILABLE) when an event names a security or player the state does not have
 * (a broken call, not a user error).
 */
export function keyOpsFor(gameId: string, state: CoreState): DeferredKeyOps {
  let ops = deferredOps.get(state);
  if (ops === undefined || ops.gameId !== gameId) {
    ops = new StateKeyOps(gameId, state);
    deferredOps.set(state, ops);
  }
  return ops;
}

/** keyOpsFor's value: one per state, fed each command's events by the committer. */
class StateKeyOps implements DeferredKeyOps {
  constructor(
    readonly gameId: string,
    private readonly state: CoreState,
  ) {}

  addTo(projection: BatchProjection | null, events: readonly unknown[]): BatchProjection {
    const p = projection instanceof KeyProjection ? projection : new KeyProjection(this.gameId, this.state);
    p.touch(events as readonly EngineEvent[]);
    return p;
  }
}
