/**
 * A player's resting orders in one security, in arrival (= order id) order: an intrusive doubly
 * linked list through the orders themselves, so resting and leaving the book cost O(1) with no
 * hashing. Used by cancel-all (which cancels in id order) and the open-orders read.
 */
import type { RestingOrder } from "./matching/book.ts";

export class PlayerOrders {
  private head: RestingOrder | null = null;
  private tail: RestingOrder | null = null;
  size = 0;

  /** Adds an order that just rested (its id is the highest so far in this security). */
  append(o: RestingOrder): void {
    o.ownerPrev = this.tail;
    o.ownerNext = null;
    if (this.tail) this.tail.ownerNext = o;
    else this.head = o;
    this.tail = o;
    this.size += 1;
  }

  remove(o: RestingOrder): void {
    if (o.ownerPrev) o.ownerPrev.ownerNext = o.ownerNext;
    else this.head = o.ownerNext;
    if (o.ownerNext) o.ownerNext.ownerPrev = o.ownerPrev;
    else this.tail = o.ownerPrev;
    o.ownerPrev = o.ownerNext = null;
    this.size -= 1;
  }

  /** The orders in id order. */
  *values(): IterableIterator<RestingOrder> {
    for (let o = this.head; o !== null; o = o.ownerNext) yield o;
  }

  /** Their ids, ascending. */
  *keys(): IterableIterator<number> {
    for (let o = this.head; o !== null; o = o.ownerNext) yield o.id;
  }
}
