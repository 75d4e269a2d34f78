/**
 * A small order-book model that produces, per command, the events and key ops a room would hand to
 * the group committer, on the seed key schema (docs/architecture.md "Key schema"): for tests of
 * the commit protocol and for server/bench/commit.bench.ts. It is not the game core: it only keeps
 * price-time priority, fills at the maker's price, locks and cash/holdings consistent enough that
 * its own state is the truth to compare Valkey with.
 *
 * Ops of a resting order: order hash (8 fields), ZADD bids/asks (score -price / price), orderbook
 * level HSET, ZADD player orders, inventory HSET (2 fields), order_count SET, client order id HSET.
 */
import type { KeyOp } from "../../src/engine/commit.ts";
import * as K from "../../src/engine/keys.ts";

export interface FlowOrder {
  id: number;
  member: string;
  securityId: number;
  side: "buy" | "sell";
  price: number;
  qty: number;
  amount: number;
  playerId: string;
  cid: string;
  ts: number;
}

interface Book {
  orders: Map<string, FlowOrder>;
  /** price -> FIFO of members, per side. */
  bids: Map<number, string[]>;
  asks: Map<number, string[]>;
  /** Net resting qty per price: + bids, - asks. */
  levels: Map<number, number>;
  orderCount: number;
}

export interface Inv {
  cash: number;
  cashLocked: number;
  hold: Map<number, number>;
  holdLocked: Map<number, number>;
}

export interface FlowCommand {
  events: string[];
  ops: KeyOp[];
  kind: "rest" | "cross" | "cancel";
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CommitFlow {
  readonly books = new Map<number, Book>();
  readonly inventories = new Map<string, Inv>();
  readonly clientOrders = new Map<string, Map<string, string>>();
  seq: number;
  private cidCounter = 0;

  constructor(
    readonly gameId: string,
    readonly securityIds: number[],
    readonly playerIds: string[],
    seq = 0,
  ) {
    this.seq = seq;
    for (const s of securityIds)
      this.books.set(s, { orders: new Map(), bids: new Map(), asks: new Map(), levels: new Map(), orderCount: 0 });
    for (const p of playerIds) {
      this.inventories.set(p, {
        cash: 1e12,
        cashLocked: 0,
        hold: new Map(securityIds.map((s) => [s, 1e6])),
        holdLocked: new Map(securityIds.map((s) => [s, 0])),
      });
      this.clientOrders.set(p, new Map());
    }
  }

  /** Ops that create the game's setup keys (securities set, players, inventories) as one command. */
  setup(): FlowCommand {
    const g = this.gameId;
    const ops: KeyOp[] = [["HSET", K.gameKey(g), "phase", "running", "name", "flow"]];
    for (const s of this.securityIds) {
      ops.push(["HSET", K.securityKey(g, s), "symbol", `S${s}`, "tick_size", "0.01", "scale", 1]);
      ops.push(["HSET", K.limitWeightsKey(g), String(s), 1]);
    }
    ops.push(["SADD", K.securitiesKey(g), ...this.securityIds]);
    for (const p of this.playerIds) {
      ops.push(["HSET", K.playersKey(g), p, `name-${p}`]);
      ops.push(["HSET", K.inventoryKey(g, p), ...this.invFields(p, null)]);
    }
    return { events: [this.event({ type: "game_created", name: "flow" })], ops, kind: "rest" };
  }

  private event(body: Record<string, unknown>): string {
    this.seq += 1;
    return JSON.stringify({ ...body, seq: this.seq, ts: 1_700_000_000_000 + this.seq });
  }

  /** Inventory fields as the hash stores them: all of them (sid null) or cash plus one security's. */
  private invFields(p: string, sid: number | null): (string | number)[] {
    const inv = this.inventories.get(p)!;
    const out: (string | number)[] = ["0", inv.cash, "0:locked", inv.cashLocked];
    for (const s of sid === null ? this.securityIds : [sid])
      out.push(String(s), inv.hold.get(s)!, `${s}:locked`, inv.holdLocked.get(s)!);
    return out;
  }

  private levelOp(s: number, price: number): KeyOp {
    const v = this.books.get(s)!.levels.get(price) ?? 0;
    return v === 0
      ? ["HDEL", K.bookKey(this.gameId, s), String(price)]
      : ["HSET", K.bookKey(this.gameId, s), String(price), v];
  }

  private addLevel(book: Book, price: number, signed: number): void {
    const v = (book.levels.get(price) ?? 0) + signed;
    if (v === 0) book.levels.delete(price);
    else book.levels.set(price, v);
  }

  /** A GTC limit order that rests whole (the caller picks a price that does not cross). */
  rest(p: string, s: number, side: "buy" | "sell", price: number, qty: number): FlowCommand {
    const g = this.gameId;
    const book = this.books.get(s)!;
    const id = ++book.orderCount;
    const member = K.orderMember(id);
    const cid = `c${++this.cidCounter}`;
    const events = [
      this.event({
        type: "order_accepted",
        securityId: s,
        orderId: id,
        playerId: p,
        clientOrderId: cid,
        side,
        orderType: "limit",
        tif: "GTC",
        postOnly: false,
        price,
        qty,
      }),
      this.event({ type: "order_rested", securityId: s, orderId: id, playerId: p, side, price, qty }),
    ];
    const o: FlowOrder = {
      id,
      member,
      securityId: s,
      side,
      price,
      qty,
      amount: qty,
      playerId: p,
      cid,
      ts: 1_700_000_000_000 + this.seq,
    };
    book.orders.set(member, o);
    const queue = side === "buy" ? book.bids : book.asks;
    if (!queue.has(price)) queue.set(price, []);
    queue.get(price)!.push(member);
    this.addLevel(book, price, side === "buy" ? qty : -qty);
    const inv = this.inventories.get(p)!;
    if (side === "buy") inv.cashLocked += price * qty;
    else inv.holdLocked.set(s, inv.holdLocked.get(s)! + qty);
    const result = JSON.stringify({ order: { orderId: id, status: "resting" } });
    this.clientOrders.get(p)!.set(cid, result);
    const ops: KeyOp[] = [
      [
        "HSET",
        K.orderKey(g, s, id),
        "side",
        side,
        "price",
        price,
        "qty",
        qty,
        "amount",
        qty,
        "player_id",
        p,
        "cid",
        cid,
        "ts",
        o.ts,
        "post_only",
        0,
      ],
      ["ZADD", side === "buy" ? K.bidsKey(g, s) : K.asksKey(g, s), side === "buy" ? -price : price, member],
      this.levelOp(s, price),
      ["ZADD", K.playerOrdersKey(g, p, s), id, member],
      side === "buy"
        ? ["HSET", K.inventoryKey(g, p), "0:locked", inv.cashLocked, "0", inv.cash]
        : ["HSET", K.inventoryKey(g, p), `${s}:locked`, inv.holdLocked.get(s)!, String(s), inv.hold.get(s)!],
      ["SET", K.orderCountKey(g, s), id],
      ["HSET", K.clientOrdersKey(g, p), cid, result],
    ];
    return { events, ops, kind: "rest" };
  }

  /** Resting orders of one side in price-time priority (best price first, then earliest id). */
  sideOrders(s: number, side: "buy" | "sell"): FlowOrder[] {
    const orders = [...this.books.get(s)!.orders.values()].filter((o) => o.side === side);
    return orders.sort((a, b) =>
      a.price === b.price ? a.id - b.id : side === "buy" ? b.price - a.price : a.price - b.price,
    );
  }

  /** Best price on a side, or null. */
  best(s: number, side: "buy" | "sell"): number | null {
    const m = side === "buy" ? this.books.get(s)!.bids : this.books.get(s)!.asks;
    let best: number | null = null;
    for (const price of m.keys()) if (best === null || (side === "buy" ? price > best : price < best)) best = price;
    return best;
  }

  /** An IOC order taking up to qty from the best opposite level (one maker at most); no-op events when empty. */
  cross(p: string, s: number, side: "buy" | "sell", qty: number): FlowCommand {
    const g = this.gameId;
    const book = this.books.get(s)!;
    const makerSide = side === "buy" ? "sell" : "buy";
    const price = this.best(s, makerSide);
    const id = ++book.orderCount;
    const accepted = this.event({
      type: "order_accepted",
      securityId: s,
      orderId: id,
      playerId: p,
      side,
      orderType: "limit",
      tif: "IOC",
      postOnly: false,
      price: price ?? 1,
      qty,
    });
    const ops: KeyOp[] = [["SET", K.orderCountKey(g, s), id]];
    if (price === null) return { events: [accepted], ops, kind: "cross" };
    const queue = (makerSide === "buy" ? book.bids : book.asks).get(price)!;
    const m = book.orders.get(queue[0]!)!;
    const q = Math.min(qty, m.amount);
    m.amount -= q;
    this.addLevel(book, price, makerSide === "buy" ? -q : q);
    const fill = this.event({
      type: "fill",
      securityId: s,
      price,
      qty: q,
      aggressor: side,
      makerOrderId: m.id,
      takerOrderId: id,
      makerPlayerId: m.playerId,
      takerPlayerId: p,
      makerRemaining: m.amount,
      takerRemaining: qty - q,
      takerFee: 0,
      makerRebate: 0,
    });
    const events = [accepted, fill];
    const buyer = this.inventories.get(side === "buy" ? p : m.playerId)!;
    const seller = this.inventories.get(side === "buy" ? m.playerId : p)!;
    buyer.cash -= price * q;
    seller.cash += price * q;
    buyer.hold.set(s, buyer.hold.get(s)! + q);
    seller.hold.set(s, seller.hold.get(s)! - q);
    if (makerSide === "buy") buyer.cashLocked -= price * q;
    else seller.holdLocked.set(s, seller.holdLocked.get(s)! - q);
    if (m.amount === 0) {
      queue.shift();
      if (queue.length === 0) (makerSide === "buy" ? book.bids : book.asks).delete(price);
      book.orders.delete(m.member);
      ops.push(
        ["DEL", K.orderKey(g, s, m.id)],
        ["ZREM", makerSide === "buy" ? K.bidsKey(g, s) : K.asksKey(g, s), m.member],
        ["ZREM", K.playerOrdersKey(g, m.playerId, s), m.member],
      );
    } else {
      ops.push(["HSET", K.orderKey(g, s, m.id), "amount", m.amount]);
    }
    ops.push(this.levelOp(s, price), ["HSET", K.inventoryKey(g, p), ...this.invFields(p, s)]);
    if (m.playerId !== p) ops.push(["HSET", K.inventoryKey(g, m.playerId), ...this.invFields(m.playerId, s)]);
    return { events, ops, kind: "cross" };
  }

  /** Cancels the resting order `member` of security s. */
  cancel(s: number, member: string): FlowCommand {
    const g = this.gameId;
    const book = this.books.get(s)!;
    const o = book.orders.get(member)!;
    book.orders.delete(member);
    const sideMap = o.side === "buy" ? book.bids : book.asks;
    const queue = sideMap.get(o.price)!;
    queue.splice(queue.indexOf(member), 1);
    if (queue.length === 0) sideMap.delete(o.price);
    this.addLevel(book, o.price, o.side === "buy" ? -o.amount : o.amount);
    const inv = this.inventories.get(o.playerId)!;
    if (o.side === "buy") inv.cashLocked -= o.price * o.amount;
    else inv.holdLocked.set(s, inv.holdLocked.get(s)! - o.amount);
    const events = [
      this.event({
        type: "order_cancelled",
        securityId: s,
        orderId: o.id,
        playerId: o.playerId,
        side: o.side,
        price: o.price,
        qty: o.amount,
        reason: "cancel",
      }),
    ];
    const ops: KeyOp[] = [
      ["DEL", K.orderKey(g, s, o.id)],
      ["ZREM", o.side === "buy" ? K.bidsKey(g, s) : K.asksKey(g, s), member],
      ["ZREM", K.playerOrdersKey(g, o.playerId, s), member],
      this.levelOp(s, o.price),
      ["HSET", K.inventoryKey(g, o.playerId), ...this.invFields(o.playerId, s)],
    ];
    return { events, ops, kind: "cancel" };
  }

  /**
   * The mixed flow: about 70% resting limits a few ticks off the mid, 20% crossing IOC orders, 10%
   * cancels of a random resting order; players and securities picked at random.
   */
  next(rand: () => number, mid = 10_000): FlowCommand {
    const p = this.playerIds[Math.floor(rand() * this.playerIds.length)]!;
    const s = this.securityIds[Math.floor(rand() * this.securityIds.length)]!;
    const r = rand();
    const side = rand() < 0.5 ? "buy" : "sell";
    if (r < 0.1) {
      const book = this.books.get(s)!;
      if (book.orders.size > 0) {
        const members = book.orders.keys();
        let pick = Math.floor(rand() * Math.min(book.orders.size, 64));
        let member = members.next().value!;
        while (pick-- > 0) member = members.next().value!;
        return this.cancel(s, member);
      }
    }
    if (r < 0.3) return this.cross(p, s, side, 1 + Math.floor(rand() * 5));
    const offset = 1 + Math.floor(rand() * 20);
    return this.rest(p, s, side, side === "buy" ? mid - offset : mid + offset, 1 + Math.floor(rand() * 10));
  }
}
