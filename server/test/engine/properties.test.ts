/**
 * Property tests of the matching engine: random command sequences (fast-check) against a real Valkey.
 *
 * Each run builds a game (3-4 players, 1-2 securities, both STP modes, short selling on or off, a small
 * maxMatches sometimes, a narrow price band so that orders cross) and applies a random sequence of
 * commands: limit and market orders with every time in force and post-only, client order ids that
 * repeat, cancels (own, another player's, unknown), cancel-alls (every reason, one security or all),
 * amends (reduce, new price, larger qty, no change), pause and resume. After EVERY command it checks:
 *
 * - a rejection changes nothing (same books, orders, inventories and seq) and is justified where that
 *   is cheap to tell (funds, holdings, band, post-only, liquidity, phase, fill-or-kill, ownership);
 *   a retry with a used clientOrderId returns the first result and changes nothing;
 * - the command's events are the stream's new entries, with consecutive seqs;
 * - the book is never crossed (best bid < best ask), and its aggregated depth equals the sum of the
 *   players' open orders;
 * - conservation: the sum of cash over players, and of holdings per security, never changes (BigInt);
 * - locks: cashLocked = sum of price x amount x scale over a player's open buys; a position's locked =
 *   its open sell lots, openBuy = its open buy lots; available cash and (without short selling)
 *   available lots are never negative; short positions stay within the short limit, positions within
 *   the position limit;
 * - fills: at the maker's resting price, within the taker's limit (for a market order, the protection
 *   bound, itself checked), never between one player's own orders, quantities consistent;
 * - price-time priority: the resting orders a command touches (fills and STP cancels) are exactly the
 *   first ones of the opposite side in priority order (better price first, then lower order id, i.e.
 *   arrival) — none skipped — and matching stops only when nothing crosses any more, at the taker's own
 *   order (STP cancel_incoming), or after maxMatches orders; FOK fills completely; post-only never
 *   trades; IOC and market orders never rest; the order summary agrees with the events.
 *
 * At the end of each run the event log is reduced by the replay reducer (the core fold, server/src/core/fold.ts),
 * whose inventories must equal the engine's, and it is replayed with rebuildFromEvents into a new game id in another
 * logical database of the same server (PROP_REBUILD_DB, default 1; beside the original when the server
 * has one database), where none of the original's keys exist. It must reproduce every event (checked by
 * rebuildFromEvents), the full-depth books, every player's open orders, every inventory and the game info.
 *
 * Runtime: PROP_RUNS (default 100) sequences of up to PROP_COMMANDS (default 100) commands, at most
 * PROP_TIME_LIMIT_MS (default 40 s; fast-check then stops and the runs done must have passed); about
 * 6 s on a 2-core machine. PROP_SEED replays a failing seed (fast-check prints it with the counterexample,
 * and the error lists the concrete engine calls of the failing run).
 */
import fc from "fast-check";
import { expect } from "chai";
import {
  ERROR_CODES,
  parseEvent,
  type AmendResult,
  type BookDepth,
  type CancelAllResult,
  type CancelResult,
  type EngineEvent,
  type Inventory,
  type OpenOrder,
  type OrderSummary,
  type PlaceOrder,
  type PlaceResult,
  type Rejection,
} from "@marketroom/shared";
import { Redis } from "iovalkey";
import { GameWriters as Engine, type Result } from "../../src/engine/writers.ts";
import { rebuildFromEvents } from "../support/rebuild.ts";
import { GameFold } from "../../src/core/fold.ts";
import { inventoriesView } from "../../src/replay/reads.ts";
import { closeEngine, connectEngine, newGameId, ok, setupGame } from "./helpers.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 100);
const MAX_COMMANDS = Number(process.env.PROP_COMMANDS ?? 100);
const SEED = process.env.PROP_SEED !== undefined ? Number(process.env.PROP_SEED) : undefined;
/** fast-check stops starting new runs (or shrinking) after this long; the runs done must have passed. */
const TIME_LIMIT_MS = Number(process.env.PROP_TIME_LIMIT_MS ?? 40_000);
/** The logical database the logs are rebuilt in (the original games live in the client's default one). */
const REBUILD_DB = Number(process.env.PROP_REBUILD_DB ?? 1);

const SEC_IDS = [3, 8];
const PLAYER_IDS = ["p0", "p1", "p2", "p3"];
const BAND_LOW = 96;
const BAND_HIGH = 104;
const MID = 100;

type Side = "buy" | "sell";
type Tif = "GTC" | "IOC" | "FOK";
type SystemReason = "cancel_all" | "round_end" | "admin";

interface SecSpec {
  scale: number;
  shortLimit: number;
  positionLimit: number;
  takerFee: number;
  makerRebate: number;
  limitWeight: number;
}
interface PlayerSpec {
  cash: number;
  holdings: number[];
}
type Cmd =
  | {
      kind: "place";
      p: number;
      s: number;
      side: Side;
      type: "limit" | "market";
      tif: Tif;
      postOnly: boolean;
      price: number;
      qty: number;
      cid: string | null;
    }
  | { kind: "cancel"; p: number; target: "own" | "other" | "missing"; pick: number }
  | { kind: "cancelAll"; p: number; s: number | null; reason: SystemReason }
  | {
      kind: "amend";
      p: number;
      pick: number;
      mode: "reduce" | "price" | "increase" | "same";
      delta: number;
      price: number;
    }
  /** Pause for `span` commands (then an automatic resume), or resume now when paused. */
  | { kind: "phase"; span: number };
interface Scenario {
  stp: "cancel_incoming" | "cancel_resting";
  maxMatches: number;
  allowShort: boolean;
  protectionBps: number;
  /** Gross and net position limits, weighted lots (0 = none). */
  grossLimit: number;
  netLimit: number;
  secs: SecSpec[];
  players: PlayerSpec[];
  cmds: Cmd[];
}

// ---- generators ----

const playerIdx = fc.nat(3);
/** Fee and rebate per lot: often none, else a fee of 1-40 and a rebate of at most the fee. */
const feeArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ takerFee: 0, makerRebate: 0 }) },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 1, max: 40 })
      .chain((takerFee) => fc.integer({ min: 0, max: takerFee }).map((makerRebate) => ({ takerFee, makerRebate }))),
  },
);
const secArb: fc.Arbitrary<SecSpec> = fc
  .record({
    scale: fc.constantFrom(1, 3, 100),
    shortLimit: fc.integer({ min: 0, max: 8 }),
    positionLimit: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 16, max: 30 }) },
    ),
    fee: feeArb,
    limitWeight: fc.oneof(
      { weight: 3, arbitrary: fc.constant(1) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
    ),
  })
  .map(({ fee, ...s }) => ({ ...s, ...fee }));
/** A gross or net limit: none half the time, else small enough to bind. */
const limitArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 60 }) },
);
const playerArb: fc.Arbitrary<PlayerSpec> = fc.record({
  cash: fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
    { weight: 4, arbitrary: fc.integer({ min: 2_000, max: 200_000 }) },
  ),
  holdings: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })),
});
/** Order type, time in force and post-only: mostly valid combinations, sometimes an invalid one. */
const orderKindArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ type: "limit" as const, tif: "GTC" as Tif, postOnly: false }) },
  { weight: 2, arbitrary: fc.constant({ type: "limit" as const, tif: "GTC" as Tif, postOnly: true }) },
  { weight: 2, arbitrary: fc.constant({ type: "limit" as const, tif: "IOC" as Tif, postOnly: false }) },
  { weight: 2, arbitrary: fc.constant({ type: "limit" as const, tif: "FOK" as Tif, postOnly: false }) },
  { weight: 2, arbitrary: fc.constant({ type: "market" as const, tif: "IOC" as Tif, postOnly: false }) },
  { weight: 1, arbitrary: fc.constant({ type: "market" as const, tif: "FOK" as Tif, postOnly: false }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { type: "market" as const, tif: "GTC" as Tif, postOnly: false },
      { type: "limit" as const, tif: "IOC" as Tif, postOnly: true },
      { type: "market" as const, tif: "IOC" as Tif, postOnly: true },
    ),
  },
);
const placeArb: fc.Arbitrary<Cmd> = fc
  .record({
    p: playerIdx,
    s: fc.nat(1),
    side: fc.constantFrom<Side>("buy", "sell"),
    kind: orderKindArb,
    /** Offset from the middle of the band, towards the other side: buys and sells overlap, so orders cross. */
    offset: fc.oneof(
      { weight: 10, arbitrary: fc.integer({ min: -3, max: 2 }) },
      { weight: 1, arbitrary: fc.constantFrom(-5, -4, 4, 5) },
    ),
    qty: fc.integer({ min: 1, max: 6 }),
    cid: fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("a", "b", "c") },
    ),
  })
  .map(({ kind, offset, ...o }) => ({
    kind: "place" as const,
    ...kind,
    ...o,
    price: MID + (o.side === "buy" ? offset : -offset),
  }));
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 24, arbitrary: placeArb },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      p: playerIdx,
      target: fc.constantFrom("own", "own", "own", "other", "missing") as fc.Arbitrary<"own" | "other" | "missing">,
      pick: fc.nat(20),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("cancelAll" as const),
      p: playerIdx,
      s: fc.option(fc.nat(1)),
      reason: fc.constantFrom<SystemReason>("cancel_all", "cancel_all", "round_end", "admin"),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("amend" as const),
      p: playerIdx,
      pick: fc.nat(20),
      mode: fc.constantFrom("reduce", "reduce", "price", "price", "increase", "same") as fc.Arbitrary<
        "reduce" | "price" | "increase" | "same"
      >,
      delta: fc.integer({ min: 1, max: 3 }),
      price: fc.integer({ min: BAND_LOW, max: BAND_HIGH }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("phase" as const), span: fc.integer({ min: 1, max: 4 }) }) },
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  stp: fc.constantFrom("cancel_incoming" as const, "cancel_resting" as const),
  maxMatches: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(1000)),
  allowShort: fc.boolean(),
  protectionBps: fc.constantFrom(100, 300, 1000),
  grossLimit: limitArb,
  netLimit: limitArb,
  secs: fc.array(secArb, { minLength: 1, maxLength: 2 }),
  players: fc.array(playerArb, { minLength: 3, maxLength: 4 }),
  cmds: fc.array(cmdArb, { minLength: 1, maxLength: MAX_COMMANDS, size: "max" }),
});

// ---- reading the game ----

/** What the engine's read commands say about a game: books, open orders and inventories. */
interface View {
  seq: number;
  books: Map<number, BookDepth>;
  orders: Map<string, OpenOrder[]>;
  inv: Map<string, Inventory>;
}

async function readView(engine: Engine, g: string, secIds: number[], pids: string[]): Promise<View> {
  const [books, orders, invs] = await Promise.all([
    Promise.all(secIds.map(async (s) => ok(await engine.book(g, s, 1000)))),
    Promise.all(pids.map(async (p) => ok(await engine.orders(g, p)).orders)),
    Promise.all(pids.map(async (p) => ok(await engine.inventory(g, p)))),
  ]);
  return {
    seq: Math.max(...books.map((b) => b.seq)),
    books: new Map(secIds.map((s, k) => [s, books[k]!])),
    orders: new Map(pids.map((p, k) => [p, orders[k]!])),
    inv: new Map(pids.map((p, k) => [p, invs[k]!])),
  };
}

/** A view as plain data without timestamps, for deep equality. */
function canon(v: View): unknown {
  return {
    seq: v.seq,
    books: [...v.books.entries()],
    orders: [...v.orders.entries()].map(([p, os]) => [p, os.map(({ ts: _ts, ...o }) => o)]),
    inv: [...v.inv.entries()],
  };
}

interface Resting {
  sid: number;
  id: number;
  side: Side;
  price: number;
  amount: number;
  player: string;
}
const key = (sid: number, id: number) => `${sid}:${id}`;
const opposite = (s: Side): Side => (s === "buy" ? "sell" : "buy");

function restingOf(v: View): Map<string, Resting> {
  const m = new Map<string, Resting>();
  for (const [player, os] of v.orders) {
    for (const o of os)
      m.set(key(o.securityId, o.orderId), {
        sid: o.securityId,
        id: o.orderId,
        side: o.side,
        price: o.price,
        amount: o.amount,
        player,
      });
  }
  return m;
}

/** Resting orders of one side of one security, best priority first (better price, then arrival). */
function prioritySorted(open: Map<string, Resting>, sid: number, side: Side): Resting[] {
  return [...open.values()]
    .filter((o) => o.sid === sid && o.side === side)
    .sort((a, b) => (a.price !== b.price ? (side === "buy" ? b.price - a.price : a.price - b.price) : a.id - b.id));
}

/** The resting orders an incoming order at `price` meets, in the order it must meet them. */
function crossing(open: Map<string, Resting>, sid: number, side: Side, price: number): Resting[] {
  return prioritySorted(open, sid, opposite(side)).filter((o) =>
    side === "buy" ? o.price <= price : o.price >= price,
  );
}

// ---- one run ----

interface Ctx {
  engine: Engine;
  g: string;
  sc: Scenario;
  secIds: number[];
  pids: string[];
  scale: Map<number, number>;
  sec: Map<number, SecSpec>;
  totalCash: bigint;
  /** Sum over the fill events so far of takerFee - makerRebate (cash that left the players). */
  feesNet: bigint;
  /** Each player's worst-case exposure at the start (limits may only be exceeded by the endowment). */
  start: Map<string, Exposure>;
  totalQty: Map<number, bigint>;
  phase: "running" | "paused";
  /** Commands left until the automatic resume while paused. */
  resumeIn: number;
  /** First result of each (player, clientOrderId) that was accepted. */
  byCid: Map<string, OrderSummary>;
  /** Orders accepted as post-only (an amend's replacement stays post-only), by key(). */
  postOnly: Set<string>;
}

/** The invariants every state must satisfy. */
/** Weighted worst-case exposure: gross = sum w x max(long, -short), long = sum w x long_s, short = sum w x short_s. */
interface Exposure {
  gross: number;
  long: number;
  short: number;
}

/**
 * A player's exposure (docs/engine.md, "Gross and net limits"): long_s = qty + openBuy, short_s = qty -
 * locked, for each security; `shift` adds an order's lots to one security (dLong to long, dShort to short).
 */
function exposureOf(c: Ctx, inv: Inventory, shift?: { sid: number; dLong: number; dShort: number }): Exposure {
  const e: Exposure = { gross: 0, long: 0, short: 0 };
  for (const sid of c.secIds) {
    const pos = inv.positions.find((x) => x.securityId === sid) ?? { qty: 0, locked: 0, openBuy: 0 };
    const w = c.sec.get(sid)!.limitWeight;
    let long = pos.qty + pos.openBuy;
    let short = pos.qty - pos.locked;
    if (shift?.sid === sid) {
      long += shift.dLong;
      short += shift.dShort;
    }
    e.gross += w * Math.max(Math.abs(long), Math.abs(short));
    e.long += w * long;
    e.short += w * short;
  }
  return e;
}

function checkState(c: Ctx, v: View): void {
  const open = restingOf(v);
  // books: never crossed, and equal to the sum of the players' open orders
  for (const sid of c.secIds) {
    const book = v.books.get(sid)!;
    const bid = book.bids[0]?.price;
    const ask = book.asks[0]?.price;
    if (bid !== undefined && ask !== undefined)
      expect(bid, `security ${sid}: crossed book ${bid} >= ${ask}`).to.be.lessThan(ask);
    for (const side of ["buy", "sell"] as const) {
      const levels = new Map<number, { price: number; qty: number; orders: number }>();
      for (const o of prioritySorted(open, sid, side)) {
        const l = levels.get(o.price) ?? { price: o.price, qty: 0, orders: 0 };
        l.qty += o.amount;
        l.orders += 1;
        levels.set(o.price, l);
      }
      expect(side === "buy" ? book.bids : book.asks, `security ${sid} ${side} depth vs open orders`).to.deep.equal([
        ...levels.values(),
      ]);
    }
  }
  for (const o of open.values()) {
    expect(o.amount, `order ${o.sid}:${o.id} amount`).to.be.greaterThan(0);
    expect(o.price).to.be.within(BAND_LOW, BAND_HIGH);
  }
  // conservation
  let cash = 0n;
  const qty = new Map(c.secIds.map((s) => [s, 0n]));
  for (const p of c.pids) {
    const inv = v.inv.get(p)!;
    cash += BigInt(inv.cash);
    for (const pos of inv.positions) qty.set(pos.securityId, (qty.get(pos.securityId) ?? 0n) + BigInt(pos.qty));
  }
  expect(cash + c.feesNet, "total cash + fees - rebates = endowed cash").to.equal(c.totalCash);
  expect([...qty.entries()], "total holdings").to.deep.equal([...c.totalQty.entries()]);
  // locks and availability
  for (const p of c.pids) {
    const inv = v.inv.get(p)!;
    const mine = [...open.values()].filter((o) => o.player === p);
    const wantLocked = mine
      .filter((o) => o.side === "buy")
      .reduce((s, o) => s + BigInt(o.price) * BigInt(o.amount) * BigInt(c.scale.get(o.sid)!), 0n);
    expect(BigInt(inv.cashLocked), `${p} cashLocked`).to.equal(wantLocked);
    expect(inv.cash - inv.cashLocked, `${p} available cash`).to.be.at.least(0);
    for (const sid of c.secIds) {
      const pos = inv.positions.find((x) => x.securityId === sid) ?? { securityId: sid, qty: 0, locked: 0, openBuy: 0 };
      const sells = mine.filter((o) => o.sid === sid && o.side === "sell").reduce((s, o) => s + o.amount, 0);
      const buys = mine.filter((o) => o.sid === sid && o.side === "buy").reduce((s, o) => s + o.amount, 0);
      expect(pos.locked, `${p} security ${sid} locked`).to.equal(sells);
      expect(pos.openBuy, `${p} security ${sid} openBuy`).to.equal(buys);
      const spec = c.sec.get(sid)!;
      const short = c.sc.allowShort ? spec.shortLimit : 0;
      expect(pos.qty - pos.locked, `${p} security ${sid} available lots (short limit ${short})`).to.be.at.least(-short);
      if (!c.sc.allowShort) expect(pos.qty, `${p} security ${sid} holdings`).to.be.at.least(0);
      if (spec.positionLimit > 0) {
        expect(pos.qty + pos.openBuy, `${p} security ${sid} long position limit`).to.be.at.most(spec.positionLimit);
        expect(pos.qty - pos.locked, `${p} security ${sid} short position limit`).to.be.at.least(-spec.positionLimit);
      }
    }
  }
  // gross and net limits: never exceeded, except by what the endowment already held (an order that
  // adds no risk is accepted over a limit; fills never raise a worst case)
  for (const p of c.pids) {
    const e = exposureOf(c, v.inv.get(p)!);
    const s0 = c.start.get(p)!;
    if (c.sc.grossLimit > 0) expect(e.gross, `${p} gross exposure`).to.be.at.most(Math.max(c.sc.grossLimit, s0.gross));
    if (c.sc.netLimit > 0) {
      expect(e.long, `${p} net long exposure`).to.be.at.most(Math.max(c.sc.netLimit, s0.long));
      expect(e.short, `${p} net short exposure`).to.be.at.least(Math.min(-c.sc.netLimit, s0.short));
    }
  }
}

interface Taker {
  sid: number;
  id: number;
  player: string;
  side: Side;
  orderType: "limit" | "market";
  tif: Tif;
  postOnly: boolean;
  price: number;
  qty: number;
  remaining: number;
  filled: number;
  notional: number;
  /** Opposite orders it could meet on entry, in priority order; and those it met. */
  entry: Resting[];
  touched: Resting[];
  end: "" | "rested" | "stp" | "max_matches" | "ioc" | "fok" | "market";
}

/**
 * Walks a command's events over the open orders before it: every fill, rest, cancel and amend must fit
 * the orders it concerns, fills must respect both limits, and price-time priority must hold.
 * Returns the incoming order's account (place / replacing amend) for the result's summary.
 */
function checkEvents(c: Ctx, before: View, events: EngineEvent[]): Taker | undefined {
  const open = restingOf(before);
  let t: Taker | undefined;
  for (const ev of events) {
    switch (ev.type) {
      case "order_accepted": {
        expect(t, "one incoming order per command").to.equal(undefined);
        const entry = crossing(open, ev.securityId, ev.side, ev.price);
        if (ev.orderType === "market") {
          const opp = prioritySorted(open, ev.securityId, opposite(ev.side));
          expect(opp.length, "a market order needs liquidity").to.be.greaterThan(0);
          const best = opp[0]!.price;
          const band = Math.max(1, Math.floor((best * c.sc.protectionBps) / 10000));
          const bound = ev.side === "buy" ? Math.min(best + band, BAND_HIGH) : Math.max(best - band, BAND_LOW);
          expect(ev.price, "market order protection bound").to.equal(bound);
        }
        t = {
          sid: ev.securityId,
          id: ev.orderId,
          player: ev.playerId,
          side: ev.side,
          orderType: ev.orderType,
          tif: ev.tif,
          postOnly: ev.postOnly,
          price: ev.price,
          qty: ev.qty,
          remaining: ev.qty,
          filled: 0,
          notional: 0,
          entry,
          touched: [],
          end: "",
        };
        break;
      }
      case "fill": {
        expect(t, "a fill needs an incoming order").to.not.equal(undefined);
        const m = open.get(key(ev.securityId, ev.makerOrderId));
        expect(m, `fill ${ev.seq}: maker ${ev.makerOrderId} is not a resting order`).to.not.equal(undefined);
        expect(ev.takerOrderId).to.equal(t!.id);
        expect(ev.takerPlayerId).to.equal(t!.player);
        expect(ev.aggressor).to.equal(t!.side);
        expect(m!.side).to.equal(opposite(t!.side));
        expect(ev.makerPlayerId).to.equal(m!.player);
        expect(ev.makerPlayerId, "self-trade").to.not.equal(ev.takerPlayerId);
        expect(ev.price, `fill ${ev.seq} at the maker's price`).to.equal(m!.price);
        if (t!.side === "buy") expect(ev.price, `fill ${ev.seq} within the buyer's limit`).to.be.at.most(t!.price);
        else expect(ev.price, `fill ${ev.seq} within the seller's limit`).to.be.at.least(t!.price);
        expect(ev.qty).to.be.greaterThan(0);
        expect(ev.qty, "fill qty").to.equal(Math.min(m!.amount, t!.remaining));
        expect(ev.makerRemaining).to.equal(m!.amount - ev.qty);
        expect(ev.takerRemaining).to.equal(t!.remaining - ev.qty);
        const spec = c.sec.get(ev.securityId)!;
        expect([ev.takerFee, ev.makerRebate], `fill ${ev.seq} fee and rebate`).to.deep.equal([
          spec.takerFee * ev.qty,
          spec.makerRebate * ev.qty,
        ]);
        t!.remaining -= ev.qty;
        t!.filled += ev.qty;
        t!.notional += ev.price * ev.qty * c.scale.get(ev.securityId)!;
        t!.touched.push(m!);
        m!.amount -= ev.qty;
        if (m!.amount === 0) open.delete(key(m!.sid, m!.id));
        break;
      }
      case "order_rested": {
        expect(t && ev.orderId === t.id, "only the incoming order rests").to.equal(true);
        expect(t!.orderType === "limit" && t!.tif === "GTC", "only GTC limit orders rest").to.equal(true);
        expect(ev.qty).to.equal(t!.remaining);
        expect(ev.price).to.equal(t!.price);
        t!.end = "rested";
        open.set(key(ev.securityId, ev.orderId), {
          sid: ev.securityId,
          id: ev.orderId,
          side: ev.side,
          price: ev.price,
          amount: ev.qty,
          player: ev.playerId,
        });
        break;
      }
      case "order_amended": {
        const o = open.get(key(ev.securityId, ev.orderId));
        expect(o, "amended order is open").to.not.equal(undefined);
        expect([ev.oldQty, ev.price, ev.side, ev.playerId]).to.deep.equal([o!.amount, o!.price, o!.side, o!.player]);
        expect(ev.qty).to.be.within(1, ev.oldQty - 1);
        o!.amount = ev.qty;
        break;
      }
      case "order_cancelled": {
        if (t && ev.orderId === t.id && ev.securityId === t.sid) {
          expect(ev.qty, "the incoming remainder is cancelled").to.equal(t.remaining);
          expect(["stp", "max_matches", "ioc", "fok", "market"]).to.include(ev.reason);
          if (ev.reason === "stp") expect(c.sc.stp).to.equal("cancel_incoming");
          if (ev.reason === "ioc") expect([t.orderType, t.tif]).to.deep.equal(["limit", "IOC"]);
          if (ev.reason === "fok") expect(t.tif).to.equal("FOK");
          if (ev.reason === "market") expect(t.orderType).to.equal("market");
          t.end = ev.reason as Taker["end"];
          break;
        }
        const o = open.get(key(ev.securityId, ev.orderId));
        expect(o, `cancelled order ${ev.securityId}:${ev.orderId} (${ev.reason}) is open`).to.not.equal(undefined);
        expect([ev.qty, ev.price, ev.side, ev.playerId]).to.deep.equal([o!.amount, o!.price, o!.side, o!.player]);
        if (ev.reason === "stp") {
          expect(t, "an STP cancel of a resting order needs an incoming order").to.not.equal(undefined);
          expect(c.sc.stp).to.equal("cancel_resting");
          expect(o!.player).to.equal(t!.player);
          t!.touched.push(o!);
        } else {
          expect(["user", "cancel_all", "round_end", "admin", "amend"]).to.include(ev.reason);
          expect(t, "a cancel comes before the replacement order").to.equal(undefined);
        }
        open.delete(key(ev.securityId, ev.orderId));
        break;
      }
      default:
        expect.fail(`unexpected event ${ev.type} after a trading command`);
    }
  }
  if (!t) return undefined;
  // price-time priority: the touched orders are the first of the opposite side, in priority order
  expect(
    t.touched.map((o) => o.id),
    `price-time priority (crossing on entry: ${t.entry.map((o) => `${o.id}@${o.price}/${o.player}`).join(" ")})`,
  ).to.deep.equal(t.entry.slice(0, t.touched.length).map((o) => o.id));
  const next = t.entry[t.touched.length];
  if (t.remaining > 0) {
    expect(t.end, "an unfilled remainder rests or is cancelled").to.not.equal("");
    if (t.end === "stp") expect(next?.player, "STP stops at the taker's own order").to.equal(t.player);
    else if (t.end === "max_matches") {
      expect(t.touched.length).to.equal(c.sc.maxMatches);
      expect(next, "max_matches only when more orders cross").to.not.equal(undefined);
    } else
      expect(next, `matching stopped (${t.end}) while order ${next?.id}@${next?.price} still crossed`).to.equal(
        undefined,
      );
  } else {
    expect(t.end, "a filled order neither rests nor is cancelled").to.equal("");
  }
  if (t.tif === "FOK") expect(t.filled, "an accepted FOK order fills completely").to.equal(t.qty);
  if (t.postOnly) expect(t.touched.length, "a post-only order never trades on entry").to.equal(0);
  if (t.orderType === "market" || t.tif !== "GTC")
    expect(t.end, "IOC, FOK and market orders never rest").to.not.equal("rested");
  return t;
}

/** The order summary of a place or replacing amend agrees with its events. */
function checkSummary(o: OrderSummary, t: Taker): void {
  const resting = t.end === "rested" ? t.remaining : 0;
  expect({
    orderId: o.orderId,
    filledQty: o.filledQty,
    restingQty: o.restingQty,
    cancelledQty: o.cancelledQty,
    notional: o.notional,
    price: o.price,
    qty: o.qty,
  }).to.deep.equal({
    orderId: t.id,
    filledQty: t.filled,
    restingQty: resting,
    cancelledQty: t.qty - t.filled - resting,
    notional: t.notional,
    price: t.price,
    qty: t.qty,
  });
  expect(o.truncated).to.equal(t.end === "max_matches");
  const status =
    resting > 0
      ? t.filled > 0
        ? "partially_filled"
        : "new"
      : t.filled === t.qty
        ? "filled"
        : ["ioc", "fok", "market"].includes(t.end)
          ? "expired"
          : "cancelled";
  expect(o.status).to.equal(status);
}

/** Can a FOK order fill completely within maxMatches, under STP? (Mirrors the rule, from the view.) */
function fokFillable(
  c: Ctx,
  open: Map<string, Resting>,
  sid: number,
  side: Side,
  price: number,
  qty: number,
  player: string,
): boolean {
  let sum = 0;
  for (const m of crossing(open, sid, side, price).slice(0, c.sc.maxMatches)) {
    if (m.player === player) {
      if (c.sc.stp !== "cancel_resting") return false;
    } else if ((sum += m.amount) >= qty) return true;
  }
  return false;
}

/**
 * A place rejection must be one the rules give for this order and state (for the codes cheap to tell).
 * credit: what an amended order gives back before its replacement is checked.
 */
function checkPlaceRejection(
  c: Ctx,
  before: View,
  pid: string,
  o: PlaceOrder,
  code: string,
  credit = { cash: 0, lots: 0, openBuy: 0 },
): void {
  const open = restingOf(before);
  const sid = o.securityId;
  const opp = prioritySorted(open, sid, opposite(o.side));
  const inv = before.inv.get(pid)!;
  const pos = inv.positions.find((x) => x.securityId === sid) ?? { qty: 0, locked: 0, openBuy: 0 };
  const scale = c.scale.get(sid)!;
  const why = `${code} for ${JSON.stringify(o)}`;
  switch (code) {
    case "MARKET_CLOSED":
      expect(c.phase, why).to.equal("paused");
      break;
    case "PRICE_OUT_OF_BAND":
      expect(o.price! < BAND_LOW || o.price! > BAND_HIGH, why).to.equal(true);
      break;
    case "NO_LIQUIDITY":
      expect([o.type, opp.length], why).to.deep.equal(["market", 0]);
      break;
    case "POST_ONLY_WOULD_TAKE":
      expect(
        o.postOnly && opp.length > 0 && (o.side === "buy" ? opp[0]!.price <= o.price! : opp[0]!.price >= o.price!),
        why,
      ).to.equal(true);
      break;
    case "INSUFFICIENT_FUNDS": {
      const fee = o.postOnly ? 0 : c.sec.get(sid)!.takerFee * o.qty;
      const cash = inv.cash - inv.cashLocked + credit.cash;
      if (o.side === "sell") expect(cash, why).to.be.lessThan(fee);
      else if (o.type === "limit") expect(cash, why).to.be.lessThan(o.price! * o.qty * scale + fee);
      break;
    }
    case "GROSS_POSITION_LIMIT":
    case "NET_POSITION_LIMIT": {
      const shift =
        o.side === "buy"
          ? { sid, dLong: o.qty - credit.openBuy, dShort: 0 }
          : { sid, dLong: 0, dShort: credit.lots - o.qty };
      const [e0, e1] = [exposureOf(c, inv), exposureOf(c, inv, shift)];
      if (code === "GROSS_POSITION_LIMIT") {
        expect(
          c.sc.grossLimit > 0 && e1.gross > c.sc.grossLimit && e1.gross > e0.gross,
          `${why}: ${JSON.stringify([e0, e1])}`,
        ).to.equal(true);
      } else {
        const n = c.sc.netLimit;
        expect(
          n > 0 && ((e1.long > n && e1.long > e0.long) || (e1.short < -n && e1.short < e0.short)),
          `${why}: ${JSON.stringify([e0, e1])}`,
        ).to.equal(true);
      }
      break;
    }
    case "INSUFFICIENT_HOLDINGS": {
      const short = c.sc.allowShort ? c.sec.get(sid)!.shortLimit : 0;
      expect(o.side, why).to.equal("sell");
      expect(pos.qty - pos.locked + credit.lots + short, why).to.be.lessThan(o.qty);
      break;
    }
    case "FOK_UNFILLABLE":
      expect(o.tif, why).to.equal("FOK");
      if (o.type === "limit") expect(fokFillable(c, open, sid, o.side, o.price!, o.qty, pid), why).to.equal(false);
      break;
    case "INVALID_TIME_IN_FORCE":
      expect(
        (o.type === "market" && o.tif === "GTC") || (o.postOnly && (o.type !== "limit" || o.tif !== "GTC")),
        why,
      ).to.equal(true);
      break;
    case "POSITION_LIMIT":
      expect(c.sec.get(sid)!.positionLimit, why).to.be.greaterThan(0);
      break;
    default:
      expect.fail(`unexpected rejection ${why}`);
  }
}

type AnyResult = Result<
  PlaceResult | CancelResult | CancelAllResult | AmendResult | { ok: true; events: EngineEvent[] }
>;

interface Step {
  label: string;
  run: () => Promise<AnyResult>;
  /** The only acceptable rejection code, or "ok" when the command must succeed; undefined when either may happen. */
  expect?: string;
  check?: (r: AnyResult, before: View, after: View, t: Taker | undefined) => void;
}

/** Turns an abstract command into a concrete engine call against the current state. */
function resolve(c: Ctx, cmd: Cmd, v: View): Step {
  const { engine, g } = c;
  const pid = c.pids[("p" in cmd ? cmd.p : 0) % c.pids.length]!;
  const all = [...v.orders.values()].flat();
  const mine = v.orders.get(pid)!;
  const missing = (what: "cancel" | "amend"): Step => ({
    label: `${what} ${pid} ${c.secIds[0]}:999999 (unknown)`,
    expect: "UNKNOWN_ORDER",
    run: () =>
      what === "cancel"
        ? engine.cancel(g, pid, c.secIds[0]!, 999999)
        : engine.amend(g, pid, { securityId: c.secIds[0]!, orderId: 999999, qty: 1 }),
  });
  switch (cmd.kind) {
    case "place": {
      const sid = c.secIds[cmd.s % c.secIds.length]!;
      const o: PlaceOrder = {
        securityId: sid,
        side: cmd.side,
        type: cmd.type,
        tif: cmd.tif,
        postOnly: cmd.postOnly,
        qty: cmd.qty,
        ...(cmd.type === "limit" ? { price: cmd.price } : {}),
        ...(cmd.cid ? { clientOrderId: cmd.cid } : {}),
      };
      return {
        label: `place ${pid} ${JSON.stringify(o)}`,
        run: () => engine.place(g, pid, o),
        check: (r, before, _after, t) => {
          if (!r.ok) return checkPlaceRejection(c, before, pid, o, (r as Rejection).code);
          const pr = r as PlaceResult;
          const cidKey = `${pid}/${cmd.cid}`;
          if (pr.duplicate) {
            expect(cmd.cid, "duplicate without a clientOrderId").to.not.equal(null);
            expect(pr.order, "a retry returns the first result").to.deep.equal(c.byCid.get(cidKey));
            return;
          }
          expect(cmd.cid === null || !c.byCid.has(cidKey), "a used clientOrderId must give the first result").to.equal(
            true,
          );
          if (cmd.cid) c.byCid.set(cidKey, pr.order);
          expect(t).to.not.equal(undefined);
          checkSummary(pr.order, t!);
          expect(pr.fills.map((f) => f.seq)).to.deep.equal(
            pr.events.filter((e) => e.type === "fill").map((e) => e.seq),
          );
        },
      };
    }
    case "cancel": {
      if (cmd.target === "other") {
        const others = all.filter((o) => !mine.includes(o));
        if (others.length === 0) return missing("cancel");
        const o = others[cmd.pick % others.length]!;
        return {
          label: `cancel ${pid} ${o.securityId}:${o.orderId} (another player's)`,
          expect: "NOT_OWNER",
          run: () => engine.cancel(g, pid, o.securityId, o.orderId),
        };
      }
      if (cmd.target === "missing" || mine.length === 0) return missing("cancel");
      const o = mine[cmd.pick % mine.length]!;
      return {
        label: `cancel ${pid} ${o.securityId}:${o.orderId}`,
        expect: "ok",
        run: () => engine.cancel(g, pid, o.securityId, o.orderId),
        check: (r) =>
          expect((r as CancelResult).cancelled).to.deep.equal({
            orderId: o.orderId,
            securityId: o.securityId,
            side: o.side,
            price: o.price,
            qty: o.amount,
          }),
      };
    }
    case "cancelAll": {
      const sid = cmd.s === null ? undefined : c.secIds[cmd.s % c.secIds.length]!;
      const scope = mine.filter((o) => sid === undefined || o.securityId === sid); // by security, then arrival
      return {
        label: `cancelAll ${pid} ${sid ?? "all"} ${cmd.reason}`,
        expect: "ok",
        run: () => engine.cancelAll(g, pid, sid, cmd.reason),
        check: (r) => {
          const cr = r as CancelAllResult;
          expect(cr.cancelledOrderIds).to.deep.equal(
            scope.slice(0, c.sc.maxMatches).map((o) => ({ securityId: o.securityId, orderId: o.orderId })),
          );
          expect(cr.truncated).to.equal(scope.length > c.sc.maxMatches);
          expect(cr.events.every((e) => e.type === "order_cancelled" && e.reason === cmd.reason)).to.equal(true);
        },
      };
    }
    case "amend": {
      if (mine.length === 0) return missing("amend");
      const o = mine[cmd.pick % mine.length]!;
      let qty = o.amount;
      let price: number | undefined;
      if (cmd.mode === "reduce") qty = Math.max(1, o.amount - cmd.delta);
      else if (cmd.mode === "increase") qty = o.amount + cmd.delta;
      else if (cmd.mode === "price") {
        price = cmd.price;
        qty = Math.max(1, o.amount + cmd.delta - 2);
      }
      const unchanged = qty === o.amount && (price === undefined || price === o.price);
      const keeps = !unchanged && (price === undefined || price === o.price) && qty < o.amount;
      const a = { securityId: o.securityId, orderId: o.orderId, qty, ...(price !== undefined ? { price } : {}) };
      return {
        label: `amend ${pid} ${JSON.stringify(a)} (was ${o.amount}@${o.price})`,
        expect: unchanged ? "INVALID_QUANTITY" : keeps ? "ok" : undefined,
        run: () => engine.amend(g, pid, a),
        check: (r, _before, _after, t) => {
          if (!r.ok) {
            const code = (r as Rejection).code;
            if (code === "INVALID_QUANTITY") return; // only for an amendment that changes nothing (step.expect)
            const credit =
              o.side === "buy"
                ? { cash: o.price * o.amount * c.scale.get(o.securityId)!, lots: 0, openBuy: o.amount }
                : { cash: 0, lots: o.amount, openBuy: 0 };
            checkPlaceRejection(
              c,
              _before,
              pid,
              {
                securityId: o.securityId,
                side: o.side,
                type: "limit",
                tif: "GTC",
                postOnly: c.postOnly.has(key(o.securityId, o.orderId)),
                price: price ?? o.price,
                qty,
              },
              code,
              credit,
            );
            return;
          }
          const ar = r as AmendResult;
          expect(ar.amended).to.deep.equal({ orderId: o.orderId, qty, priorityKept: keeps });
          if (keeps) {
            expect(ar.events.map((e) => e.type)).to.deep.equal(["order_amended"]);
          } else {
            expect(ar.events[0]).to.include({ type: "order_cancelled", reason: "amend", orderId: o.orderId });
            expect(t).to.not.equal(undefined);
            checkSummary(ar.order!, t!);
          }
        },
      };
    }
    case "phase": {
      const to = c.phase === "running" ? "paused" : "running";
      return {
        label: `setPhase ${to}`,
        expect: "ok",
        run: async () => {
          const r = await engine.setPhase(g, to);
          if (r.ok) {
            c.phase = to;
            c.resumeIn = cmd.span;
          }
          return r;
        },
      };
    }
  }
}

/** Games of the rebuildFromEvents tests, dropped after them (the property drops its own after each passing run). */
const games: string[] = [];

/**
 * Runs one scenario on `engine`, checking after every command, then rebuilds its log with `target`
 * (another logical database of the same server: no key of the original game is there).
 */
async function runScenario(engine: Engine, target: Engine, sc: Scenario): Promise<void> {
  const secIds = SEC_IDS.slice(0, sc.secs.length);
  const pids = PLAYER_IDS.slice(0, sc.players.length);
  const { gameId: g } = await setupGame(engine, {
    prefix: "prop",
    config: {
      stp: sc.stp,
      maxMatches: sc.maxMatches,
      allowShort: sc.allowShort,
      protectionBps: sc.protectionBps,
      grossLimit: sc.grossLimit,
      netLimit: sc.netLimit,
    },
    securities: secIds.map((securityId, k) => ({
      securityId,
      scale: sc.secs[k]!.scale,
      bandLow: BAND_LOW,
      bandHigh: BAND_HIGH,
      shortLimit: sc.secs[k]!.shortLimit,
      positionLimit: sc.secs[k]!.positionLimit,
      takerFee: sc.secs[k]!.takerFee,
      makerRebate: sc.secs[k]!.makerRebate,
      limitWeight: sc.secs[k]!.limitWeight,
    })),
    players: pids.map((playerId, k) => ({
      playerId,
      cash: sc.players[k]!.cash,
      holdings: secIds.map((securityId, j) => ({ securityId, qty: sc.players[k]!.holdings[j]! })),
    })),
  });
  const c: Ctx = {
    engine,
    g,
    sc,
    secIds,
    pids,
    phase: "running",
    resumeIn: 0,
    byCid: new Map(),
    postOnly: new Set(),
    scale: new Map(secIds.map((s, k) => [s, sc.secs[k]!.scale])),
    sec: new Map(secIds.map((s, k) => [s, sc.secs[k]!])),
    totalCash: sc.players.reduce((s, p) => s + BigInt(p.cash), 0n),
    feesNet: 0n,
    start: new Map(),
    totalQty: new Map(secIds.map((s, j) => [s, sc.players.reduce((sum, p) => sum + BigInt(p.holdings[j]!), 0n)])),
  };
  let before = await readView(engine, g, secIds, pids);
  for (const p of pids) c.start.set(p, exposureOf(c, before.inv.get(p)!));
  checkState(c, before);
  const trace: string[] = [];
  const queue = [...sc.cmds];
  while (queue.length > 0) {
    const cmd = queue.shift()!;
    const step = resolve(c, cmd, before);
    trace.push(step.label);
    try {
      const r = await step.run();
      const after = await readView(engine, g, secIds, pids);
      if (!r.ok) {
        const rej = r as Rejection;
        expect(ERROR_CODES as readonly string[]).to.include(rej.code);
        expect(rej.message).to.be.a("string").and.not.equal("");
        expect(step.expect, `rejected ${rej.code}: ${rej.message}`).to.not.equal("ok");
        if (step.expect !== undefined) expect(rej.code).to.equal(step.expect);
        expect(canon(after), `a rejection (${rej.code}) changed the game`).to.deep.equal(canon(before));
        step.check?.(r, before, after, undefined);
      } else {
        if (step.expect !== undefined) expect("ok", "expected a rejection").to.equal(step.expect);
        const events = r.events;
        expect(after.seq - before.seq, "events logged").to.equal(events.length);
        expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, k) => before.seq + 1 + k));
        if (events.length > 0) {
          expect(
            await engine.events(g, before.seq + 1, after.seq),
            "the result's events are the stream's",
          ).to.deep.equal(events);
        } else {
          expect(canon(after), "a command that logged nothing changed the game").to.deep.equal(canon(before));
        }
        for (const e of events) if (e.type === "fill") c.feesNet += BigInt(e.takerFee - e.makerRebate);
        checkState(c, after);
        const t = step.label.startsWith("setPhase") ? undefined : checkEvents(c, before, events);
        for (const e of events)
          if (e.type === "order_accepted" && e.postOnly) c.postOnly.add(key(e.securityId, e.orderId));
        step.check?.(r, before, after, t);
      }
      before = after;
      if (c.phase === "paused" && cmd.kind !== "phase" && --c.resumeIn <= 0) queue.unshift({ kind: "phase", span: 0 });
    } catch (err) {
      const e = err as Error;
      e.message = `${e.message}\n  game ${g}: ${JSON.stringify({ ...sc, cmds: undefined })}\n  commands (the last failed):\n    ${trace.join("\n    ")}`;
      throw e;
    }
  }

  // replaying the log into an empty game rebuilds the same books, orders and inventories
  const log = await engine.events(g, 1);
  expect(log.length).to.equal(before.seq);
  // and the core's fold of the log (replay's reducer, no Valkey) gives the same inventories, fees and rebates included
  const reduced = GameFold.of(log.map((e) => parseEvent(e)));
  const norm = (inv: {
    playerId: string;
    cash: number;
    cashLocked: number;
    positions: { securityId: number; qty: number; locked: number; openBuy: number }[];
  }) => ({
    playerId: inv.playerId,
    cash: inv.cash,
    cashLocked: inv.cashLocked,
    positions: inv.positions
      .filter((x) => x.qty || x.locked || x.openBuy)
      .map(({ securityId, qty, locked, openBuy }) => ({ securityId, qty, locked, openBuy })),
  });
  expect(inventoriesView(reduced).map(norm), "replay reducer inventories").to.deep.equal(
    pids.map((p) => norm(before.inv.get(p)!)),
  );
  const g2 = newGameId("rebuilt");
  try {
    await rebuildFromEvents(target, g2, log);
    const rebuilt = await readView(target, g2, secIds, pids);
    expect(canon(rebuilt), "rebuilt books, orders and inventories").to.deep.equal(canon(before));
    const [i1, i2] = [ok(await engine.gameInfo(g)), ok(await target.gameInfo(g2))];
    expect({ ...i2, game: { ...i2.game, createdAt: 0 } }).to.deep.equal({ ...i1, game: { ...i1.game, createdAt: 0 } });
  } catch (err) {
    const e = err as Error;
    e.message = `rebuild of ${g}: ${e.message}\n  commands:\n    ${trace.join("\n    ")}`;
    throw e;
  }
  await dropGames(engine, [g]); // a failed run's games stay, for inspection
  await dropGames(target, [g2]);
}

/** Deletes the keys of the games `ids` (one SCAN pass over the game keys). */
async function dropGames(engine: Engine, ids: string[]): Promise<void> {
  const drop = new Set(ids);
  if (drop.size === 0) return;
  let cursor = "0";
  do {
    const [next, keys] = await engine.client.scan(cursor, "MATCH", "game:{*", "COUNT", 1000);
    const mine = keys.filter((k) => drop.has(k.slice(6, k.indexOf("}"))));
    if (mine.length > 0) await engine.client.unlink(...mine);
    cursor = next;
  } while (cursor !== "0");
}

describe("engine properties (fast-check, random command sequences)", function () {
  this.timeout(TIME_LIMIT_MS + 60_000); // fast-check stops at TIME_LIMIT_MS; then the rebuild tests
  let engine: Engine;
  let target: Engine;
  before(async () => {
    engine = await connectEngine();
    const db = ((await engine.client.call("CONFIG", "GET", "databases").catch(() => [])) as string[])[1];
    if (Number(db ?? 1) > REBUILD_DB) {
      const client = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", {
        db: REBUILD_DB,
        maxRetriesPerRequest: 2,
      });
      target = new Engine(client);
      await client.ping();
    } else target = engine; // one database only: rebuild beside the original, under a new game id
  });
  after(async () => {
    await dropGames(engine, games.splice(0)).catch(() => undefined);
    if (target !== engine) await closeEngine(target);
    await closeEngine(engine);
  });

  it("keeps every invariant after every command, and the log rebuilds the game", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (sc) => runScenario(engine, target, sc)),
      {
        numRuns: RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        ...(SEED !== undefined ? { seed: SEED } : {}),
      },
    );
  });

  describe("rebuildFromEvents", () => {
    async function tradedGame(): Promise<{ g: string; log: EngineEvent[] }> {
      const { gameId: g } = await setupGame(engine, {
        prefix: "rb",
        config: { maxMatches: 2 },
        players: [
          { playerId: "a", cash: 100_000, holdings: [{ securityId: 1, qty: 10 }] },
          { playerId: "b", cash: 100_000, holdings: [{ securityId: 1, qty: 10 }] },
        ],
      });
      games.push(g);
      ok(await engine.place(g, "a", { securityId: 1, side: "sell", price: 101, qty: 2 }));
      ok(await engine.place(g, "a", { securityId: 1, side: "sell", price: 102, qty: 2 }));
      ok(await engine.place(g, "a", { securityId: 1, side: "sell", price: 103, qty: 2 }));
      ok(await engine.place(g, "b", { securityId: 1, side: "buy", price: 103, qty: 5 })); // truncated at maxMatches
      ok(await engine.place(g, "b", { securityId: 1, side: "buy", price: 99, qty: 3 }));
      ok(await engine.amend(g, "b", { securityId: 1, orderId: 5, qty: 2 }));
      ok(await engine.amend(g, "b", { securityId: 1, orderId: 5, qty: 2, price: 100 }));
      ok(await engine.cancelAll(g, "a", undefined, "round_end"));
      return { g, log: await engine.events(g, 1) };
    }

    it("rebuilds a game with a truncated match, amends and a system cancel-all", async () => {
      const { log } = await tradedGame();
      const g2 = newGameId("rebuilt");
      games.push(g2);
      await rebuildFromEvents(engine, g2, log);
      expect((await engine.events(g2, 1)).map(({ ts: _ts, ...e }) => e)).to.deep.equal(
        log.map(({ ts: _ts, ...e }) => e),
      );
    });

    it("rebuilds a log written before fees and limits (events without their fields mean no fee, no limit, weight 1)", async () => {
      const { log } = await tradedGame();
      const strip = new Set(["takerFee", "makerRebate", "limitWeight", "grossLimit", "netLimit"]);
      const old = log.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !strip.has(k)))) as EngineEvent[];
      expect(old.some((e) => e.type === "fill")).to.equal(true);
      const g2 = newGameId("rebuilt");
      games.push(g2);
      await rebuildFromEvents(engine, g2, old);
      // but a fee that differs from the log is caught
      const feeSeq = log.find((e) => e.type === "fill")!.seq;
      const altered = log.map((e) => (e.seq === feeSeq ? { ...e, takerFee: 1 } : e)) as EngineEvent[];
      await rebuildFromEvents(engine, newGameId("rebuilt"), altered).then(
        () => expect.fail("an altered fee was accepted"),
        (err: Error) => expect(err.message).to.match(new RegExp(`^rebuild: seq ${feeSeq} differs`)),
      );
    });

    it("throws, naming the seq, when an event was altered, is missing, or the game exists", async () => {
      const { g, log } = await tradedGame();
      const i = log.findIndex((e) => e.type === "fill");
      const altered = log.map((e, k) =>
        k === i ? { ...e, price: (e as { price: number }).price + 1 } : e,
      ) as EngineEvent[];
      const g2 = newGameId("rebuilt");
      games.push(g2);
      try {
        await rebuildFromEvents(engine, g2, altered);
        expect.fail("an altered fill was accepted");
      } catch (err) {
        expect((err as Error).message).to.match(new RegExp(`^rebuild: seq ${log[i]!.seq} differs`));
      }
      const gap = log.filter((_, k) => k !== i);
      await rebuildFromEvents(engine, newGameId("rebuilt"), gap).then(
        () => expect.fail("a log with a gap was accepted"),
        (err: Error) =>
          expect(err.message).to.equal(
            `rebuild: the log is not complete: expected seq ${log[i]!.seq}, found seq ${log[i + 1]!.seq}`,
          ),
      );
      await rebuildFromEvents(engine, g, log).then(
        () => expect.fail("rebuilt into an existing game"),
        (err: Error) => expect(err.message).to.match(/^rebuild: seq 1: the engine rejected createGame: GAME_EXISTS/),
      );
    });
  });
});
