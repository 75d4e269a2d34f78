/**
 * One security's order book: price levels with FIFO queues (price-time priority).
 *
 * Each side keeps its levels in an array sorted so that the best level is LAST (bids by ascending
 * price, asks by descending price): the best level is read in O(1) and removed with pop(); a new or
 * emptied level elsewhere costs a binary search and a splice (few levels near the mid in practice).
 * A level is a doubly linked list of orders in arrival order, so an order leaves its level in O(1);
 * orders are found by id through one Map per book (cancel by id without scanning).
 *
 * Units: price in ticks, qty/amount in lots. The book knows nothing about balances (settlement.ts).
 * Only evolve mutates a book; decide walks it read-only (match.ts).
 */
export type Side = "buy" | "sell";

export interface RestingOrder {
  id: number;
  securityId: number;
  side: Side;
  price: number;
  /** Original quantity, lots. */
  qty: number;
  /** Open (unfilled) quantity, lots. */
  amount: number;
  playerId: string;
  clientOrderId: string | undefined;
  /** ms of the command that rested it. */
  ts: number;
  postOnly: boolean;
  level: Level | null;
  prev: RestingOrder | null;
  next: RestingOrder | null;
  /** Neighbours in the owner's list of resting orders in this security (player-orders.ts). */
  ownerPrev: RestingOrder | null;
  ownerNext: RestingOrder | null;
}

export interface Level {
  price: number;
  /** Sum of the open amounts at this price, lots. */
  qty: number;
  orders: number;
  head: RestingOrder | null;
  tail: RestingOrder | null;
}

/** One side of a book. */
export class BookSide {
  /** Sorted, best last. */
  readonly levels: Level[] = [];
  private readonly byPrice = new Map<number, Level>();

  constructor(readonly side: Side) {}

  /** The best level, or undefined when the side is empty. */
  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** The level at `price`, or undefined when no order rests there (for projections of the book). */
  levelAt(price: number): Level | undefined {
    return this.byPrice.get(price);
  }

  /** True when price a ranks before price b on this side (higher bid, lower ask). */
  private better(a: number, b: number): boolean {
    return this.side === "buy" ? a > b : a < b;
  }

  /** Index where a level at price belongs (levels before it rank worse). */
  private indexOf(price: number): number {
    let lo = 0;
    let hi = this.levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.better(price, this.levels[mid]!.price)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends an order at the back of its price level (creating the level). */
  append(o: RestingOrder): void {
    let level = this.byPrice.get(o.price);
    if (!level) {
      level = { price: o.price, qty: 0, orders: 0, head: null, tail: null };
      this.byPrice.set(o.price, level);
      const n = this.levels.length;
      if (n === 0 || this.better(o.price, this.levels[n - 1]!.price)) this.levels.push(level);
      else this.levels.splice(this.indexOf(o.price), 0, level);
    }
    o.level = level;
    o.prev = level.tail;
    o.next = null;
    if (level.tail) level.tail.next = o;
    else level.head = o;
    level.tail = o;
    level.qty += o.amount;
    level.orders += 1;
  }

  /** Takes an order out of its level (dropping the level when it empties). */
  unlink(o: RestingOrder): void {
    const level = o.level!;
    if (o.prev) o.prev.next = o.next;
    else level.head = o.next;
    if (o.next) o.next.prev = o.prev;
    else level.tail = o.prev;
    level.qty -= o.amount;
    level.orders -= 1;
    o.level = o.prev = o.next = null;
    if (level.orders === 0) this.dropLevel(level);
  }

  private dropLevel(level: Level): void {
    this.byPrice.delete(level.price);
    const n = this.levels.length;
    if (this.levels[n - 1] === level) {
      this.levels.pop();
      return;
    }
    const i = this.indexOf(level.price);
    this.levels.splice(i, 1);
  }
}

/**
 * Resting orders by id. Order ids of a security are dense (1, 2, 3... in arrival order), so an array
 * indexed by id replaces a hash map: a lookup is one bounds-checked load and an insert appends (a
 * Map of 100,000 entries spent most of its time rehashing and missing the cache). Costs one slot
 * per order id ever given in the security.
 */
export class OrderIndex {
  private readonly byId: (RestingOrder | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): RestingOrder | undefined {
    return this.byId[id];
  }

  set(id: number, o: RestingOrder): void {
    while (this.byId.length < id) this.byId.push(undefined);
    if (this.byId[id] === undefined) this.count += 1;
    this.byId[id] = o;
  }

  delete(id: number): void {
    if (this.byId[id] === undefined) return;
    this.byId[id] = undefined;
    this.count -= 1;
  }

  /** Resting orders in id order. */
  *values(): IterableIterator<RestingOrder> {
    for (const o of this.byId) if (o !== undefined) yield o;
  }

  /** Ids of the resting orders, ascending. */
  *keys(): IterableIterator<number> {
    for (const o of this.values()) yield o.id;
  }
}

/** A security's book: both sides and the resting orders by id. */
export class OrderBook {
  readonly bids = new BookSide("buy");
  readonly asks = new BookSide("sell");
  readonly orders = new OrderIndex();

  side(side: Side): BookSide {
    return side === "buy" ? this.bids : this.asks;
  }

  /** Rests an order at the back of its price level. */
  insert(o: RestingOrder): void {
    this.orders.set(o.id, o);
    this.side(o.side).append(o);
  }

  /** Takes a resting order off the book. */
  remove(o: RestingOrder): void {
    this.orders.delete(o.id);
    this.side(o.side).unlink(o);
  }

  /** Lowers a resting order's open amount by q (q < amount); it keeps its place in the queue. */
  reduce(o: RestingOrder, q: number): void {
    o.amount -= q;
    o.level!.qty -= q;
  }
}

export const opposite = (side: Side): Side => (side === "buy" ? "sell" : "buy");

/** Whether a resting price on the opposite side crosses an incoming order's limit. */
export const crosses = (side: Side, limit: number, restingPrice: number): boolean =>
  side === "buy" ? restingPrice <= limit : restingPrice >= limit;
