/**
 * Property tests of the game core alone (no I/O): the seeded random streams of streams.ts (every
 * command type, valid and invalid, fees, limits, both STP modes, small maxMatches) are decided and
 * evolved, and after EVERY command:
 *
 * - decide did not change the state; a rejection has no events; events carry consecutive seqs;
 * - the book is never crossed, and each level's qty and order count equal its orders';
 * - conservation: total cash + net fees paid (takerFee - makerRebate over fills) = endowed cash, and
 *   total holdings per security = endowed holdings;
 * - locks equal open orders: cashLocked = sum of price x amount x scale over open buys, openBuy = open
 *   buy lots, locked = open sell lots; available cash >= 0; lots sold short stay within the short limit
 *   (0 without short selling); positions within the position limit counting open orders; the gross
 *   and net worst cases stay within max(limit, their value at the endowment);
 * - fills: at the maker's resting price, within the taker's limit (the protection bound for a market
 *   order), never between one player's orders, fees = takerFee x qty and rebates = makerRebate x qty;
 * - price-time priority: the resting orders a command's order touches (fills and STP cancels) are
 *   exactly the first ones of the opposite side in priority order (better price, then arrival).
 *
 * PROP_RUNS streams (default 100) of up to PROP_STEPS (default 120), seed PROP_SEED.
 */
import fc from "fast-check";
import { expect } from "chai";
import type { EngineEvent, FillEvent } from "@marketroom/shared";
import { decide, emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import type { RestingOrder } from "../../src/core/matching/book.ts";
import { canonical } from "./support.ts";
import { resolve, streamArb, type Stream } from "./streams.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 100);
const STEPS = Number(process.env.PROP_STEPS ?? 120);
const SEED = Number(process.env.PROP_SEED ?? 7);

interface Totals {
  cash: number;
  fees: number;
  holdings: Map<number, number>;
  /** Each player's worst-case exposure at the endowment (limits may only be exceeded by it). */
  start: Map<string, Exposure>;
  /** Endowed lots by "player:security". */
  startQty: Map<string, number>;
}
interface Exposure {
  gross: number;
  long: number;
  short: number;
}

function exposure(s: CoreState, pid: string): Exposure {
  const p = s.players.get(pid)!;
  const e = { gross: 0, long: 0, short: 0 };
  for (const [sid, pos] of p.positions) {
    const w = s.securities.get(sid)!.info.limitWeight;
    const long = pos.qty + pos.openBuy;
    const short = pos.qty - pos.locked;
    e.gross += w * Math.max(Math.abs(long), Math.abs(short));
    e.long += w * long;
    e.short += w * short;
  }
  return e;
}

/**
 * Resting orders of one side of a security in priority order, computed independently of the book's
 * queues: better price first, then lower order id (ids are given in arrival order; a reduced amend
 * keeps its id and its place, a replacing amend gets a new id).
 */
function queue(s: CoreState, sid: number, side: "buy" | "sell"): RestingOrder[] {
  return [...s.securities.get(sid)!.book.orders.values()]
    .filter((o) => o.side === side)
    .sort((a, b) => (a.price !== b.price ? (side === "buy" ? b.price - a.price : a.price - b.price) : a.id - b.id));
}

function checkState(s: CoreState, t: Totals): void {
  let cash = 0;
  const holdings = new Map<number, number>();
  for (const sid of s.securityIds) {
    const sec = s.securities.get(sid)!;
    const bid = sec.book.bids.best();
    const ask = sec.book.asks.best();
    if (bid && ask) expect(bid.price, `crossed book ${sid}`).to.be.lessThan(ask.price);
    for (const side of [sec.book.bids, sec.book.asks]) {
      const prices = side.levels.map((l) => l.price);
      expect(prices, "levels sorted, best last").to.deep.equal(
        [...prices].sort((a, b) => (side.side === "buy" ? a - b : b - a)),
      );
      for (const l of side.levels) {
        let qty = 0,
          n = 0;
        for (let o = l.head; o; o = o.next) {
          qty += o.amount;
          n += 1;
          expect(o.price).to.equal(l.price);
          expect(o.amount).to.be.greaterThan(0);
        }
        expect([l.qty, l.orders], `level ${l.price}`).to.deep.equal([qty, n]);
      }
    }
  }
  for (const [pid, p] of s.players) {
    cash += p.cash;
    let cashLocked = 0;
    const want = new Map<number, { locked: number; openBuy: number }>();
    for (const sid of s.securityIds) {
      const info = s.securities.get(sid)!.info;
      for (const o of s.securities.get(sid)!.book.orders.values()) {
        if (o.playerId !== pid) continue;
        const w = want.get(sid) ?? { locked: 0, openBuy: 0 };
        if (o.side === "buy") {
          cashLocked += o.price * o.amount * info.scale;
          w.openBuy += o.amount;
        } else w.locked += o.amount;
        want.set(sid, w);
      }
    }
    expect(p.cashLocked, `cashLocked of ${pid}`).to.equal(cashLocked);
    expect(p.cash - p.cashLocked, `available cash of ${pid}`).to.be.at.least(0);
    for (const [sid, pos] of p.positions) {
      const info = s.securities.get(sid)!.info;
      const w = want.get(sid) ?? { locked: 0, openBuy: 0 };
      expect([pos.locked, pos.openBuy], `locks of ${pid} in ${sid}`).to.deep.equal([w.locked, w.openBuy]);
      holdings.set(sid, (holdings.get(sid) ?? 0) + pos.qty);
      const short = s.game!.allowShort ? info.shortLimit : 0;
      expect(pos.qty - pos.locked, `short beyond the limit: ${pid} in ${sid}`).to.be.at.least(Math.min(0, -short));
      if (info.positionLimit > 0) {
        expect(pos.qty + pos.openBuy, "long position limit").to.be.at.most(
          Math.max(info.positionLimit, t.startQty.get(`${pid}:${sid}`) ?? 0),
        );
        expect(pos.qty - pos.locked, "short position limit").to.be.at.least(-info.positionLimit);
      }
    }
    const e = exposure(s, pid);
    const e0 = t.start.get(pid) ?? { gross: 0, long: 0, short: 0 };
    const g = s.game!;
    if (g.grossLimit > 0) expect(e.gross, `gross of ${pid}`).to.be.at.most(Math.max(g.grossLimit, e0.gross));
    if (g.netLimit > 0) {
      expect(e.long, `net long of ${pid}`).to.be.at.most(Math.max(g.netLimit, e0.long));
      expect(e.short, `net short of ${pid}`).to.be.at.least(Math.min(-g.netLimit, e0.short));
    }
  }
  expect(cash + t.fees, "cash conserved (fees included)").to.equal(t.cash);
  for (const [sid, q] of t.holdings) expect(holdings.get(sid) ?? 0, `holdings of ${sid} conserved`).to.equal(q);
}

/** Fills and priority of one accepted command, against the state before it. */
function checkMatching(before: CoreState, events: EngineEvent[], t: Totals): void {
  const accepted = events.filter((e) => e.type === "order_accepted");
  if (accepted.length === 0) return;
  const o = accepted[0] as Extract<EngineEvent, { type: "order_accepted" }>;
  const info = before.securities.get(o.securityId)!.info;
  const opp = o.side === "buy" ? "sell" : "buy";
  const crossing = queue(before, o.securityId, opp).filter((m) =>
    o.side === "buy" ? m.price <= o.price : m.price >= o.price,
  );
  const touched: number[] = [];
  for (const e of events) {
    if (e.type === "fill") {
      const f = e as FillEvent;
      const m = before.securities.get(o.securityId)!.book.orders.get(f.makerOrderId)!;
      expect(f.price, "fill at the maker's price").to.equal(m.price);
      expect(o.side === "buy" ? f.price <= o.price : f.price >= o.price, "fill within the taker's limit").to.equal(
        true,
      );
      expect(f.makerPlayerId, "no self-trade").to.not.equal(f.takerPlayerId);
      expect([f.takerFee, f.makerRebate]).to.deep.equal([info.takerFee * f.qty, info.makerRebate * f.qty]);
      t.fees += f.takerFee - f.makerRebate;
      touched.push(f.makerOrderId);
    } else if (e.type === "order_cancelled" && e.reason === "stp") {
      if (e.orderId !== o.orderId) touched.push(e.orderId);
    }
  }
  expect(touched, "price-time priority: the first crossing orders, none skipped").to.deep.equal(
    crossing.slice(0, touched.length).map((m) => m.id),
  );
  if (o.orderType === "market") {
    const best = crossing[0]?.price;
    expect(best, "a market order had liquidity").to.not.equal(undefined);
  }
}

function runStream(stream: Stream): void {
  const s = emptyState();
  const t: Totals = { cash: 0, fees: 0, holdings: new Map(), start: new Map(), startQty: new Map() };
  const all: Command[] = [...stream.setup];
  let ts = 1_700_000_000_000;
  const step = (c: Command) => {
    const before = canonical(s);
    const d = decide(s, c, { ts });
    expect(canonical(s), "decide changed the state").to.deep.equal(before);
    if (!d.ok) return;
    d.events.forEach((e, i) => expect([e.seq, e.ts]).to.deep.equal([s.seq + 1 + i, ts]));
    checkMatching(s, d.events, t); // s is still the state before the command

    for (const e of d.events) {
      evolve(s, e);
      if (e.type === "player_added") {
        t.cash += e.cash;
        for (const h of e.holdings) t.holdings.set(h.securityId, (t.holdings.get(h.securityId) ?? 0) + h.qty);
        t.start.set(e.playerId, exposure(s, e.playerId));
        for (const h of e.holdings) t.startQty.set(`${e.playerId}:${h.securityId}`, h.qty);
      }
    }
    checkState(s, t);
  };
  for (const c of all) {
    step(c);
    ts += 1;
  }
  for (const st of stream.steps) {
    step(resolve(st, s, stream.secIds));
    ts += 1;
  }
}

describe("core properties (random command streams, every invariant after every command)", function () {
  this.timeout(60_000);
  it(`${RUNS} streams of up to ${STEPS} commands`, () => {
    fc.assert(
      fc.property(streamArb(STEPS), (st) => runStream(st)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
