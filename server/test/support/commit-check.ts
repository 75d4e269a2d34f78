/**
 * Compares what loadGame read from Valkey with a CommitFlow model's state (tests of the group commit
 * and of loadGame): every security's resting orders side by side in price-time order, levels, order
 * counts, inventories, client order ids and the seq.
 */

/**
 * One side of a loaded book in price-time priority: best price first (highest bid, lowest ask), then
 * id, which is time (loadGame gives the orders in id order; the sort is stable).
 */
export function sideOf(sec: LoadedSecurity, side: "buy" | "sell"): RestingOrder[] {
  const dir = side === "buy" ? -1 : 1;
  return sec.orders.filter((o) => o.side === side).sort((a, b) => dir * (a.price - b.price));
}
import { expect } from "chai";
import type { RestingOrder } from "../../src/core/matching/book.ts";
import type { LoadedGame, LoadedSecurity } from "../../src/engine/load.ts";
import type { CommitFlow } from "./commit-flow.ts";

export function expectLoadedEqualsFlow(loaded: LoadedGame, flow: CommitFlow): void {
  expect(loaded.seq).to.equal(flow.seq);
  expect(loaded.securities.map((s) => s.securityId)).to.deep.equal(flow.securityIds);
  for (const sec of loaded.securities) {
    const book = flow.books.get(sec.securityId)!;
    for (const side of ["buy", "sell"] as const) {
      const want = flow.sideOrders(sec.securityId, side).map((o) => ({
        id: o.id,
        side: o.side,
        price: o.price,
        qty: o.qty,
        amount: o.amount,
        playerId: o.playerId,
        clientOrderId: o.cid,
      }));
      const got = sideOf(sec, side).map((o) => ({
        id: o.id,
        side: o.side,
        price: o.price,
        qty: o.qty,
        amount: o.amount,
        playerId: o.playerId,
        clientOrderId: o.clientOrderId ?? null,
      }));
      expect(got, `security ${sec.securityId} ${side}`).to.deep.equal(want);
    }
    expect(Object.fromEntries(sec.levels)).to.deep.equal(Object.fromEntries(book.levels));
    expect(sec.orderCount).to.equal(book.orderCount);
  }
  for (const [p, inv] of flow.inventories) {
    const want: Record<string, string> = { "0": String(inv.cash), "0:locked": String(inv.cashLocked) };
    for (const s of flow.securityIds) {
      want[String(s)] = String(inv.hold.get(s));
      want[`${s}:locked`] = String(inv.holdLocked.get(s));
    }
    expect(loaded.inventories.get(p), `inventory of ${p}`).to.deep.equal(want);
    expect(Object.fromEntries(loaded.clientOrders.get(p) ?? []), `client orders of ${p}`).to.deep.equal(
      Object.fromEntries(flow.clientOrders.get(p)!),
    );
  }
}
