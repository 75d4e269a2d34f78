/**
 * The call market in the game core (core/matching/auction.ts, core/decide/auction.ts): the clearing
 * price of hand-made books (ties included) and of random books against a brute force over every tick
 * written here from the rule alone; allocation in price-time priority with partial fills keeping their
 * place; order entry in call mode; cash, lots and locks after a call; the fold of the log equals the
 * live state.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { EngineEvent, FillEvent } from "@marketroom/shared";
import { emptyState, type CoreState } from "../../src/core/index.ts";
import type { Command } from "../../src/core/commands.ts";
import { clearingPrice } from "../../src/core/matching/auction.ts";
import { apply, canonical, fold } from "../core/support.ts";

const T = 1_700_000_000_000;
const CASH = 10_000_000;

/** A running game with one security (scale 1) in `mode` and players p1..p6. */
function game(mode: "call" | "continuous" = "call", stp = "cancel_incoming"): { s: CoreState; log: EngineEvent[] } {
  const s = emptyState();
  const log: EngineEvent[] = [];
  const run = (c: Command) => {
    const d = apply(s, c, T);
    if (!d.ok) throw new Error(`${c.type}: ${d.code} ${d.message}`);
    log.push(...d.events);
  };
  run({ type: "create_game", gameId: "g", name: "call", stp, maxMatches: 1000, allowShort: false, protectionBps: 500 });
  run({
    type: "add_security",
    securityId: 1,
    symbol: "ACME",
    tickSize: "0.01",
    lotSize: 1,
    scale: 1,
    bandLow: 1,
    bandHigh: 100_000,
    shortLimit: 0,
    positionLimit: 0,
    maxOrderQty: 0,
    takerFee: 3,
    makerRebate: 1,
  });
  for (let i = 1; i <= 6; i++)
    run({ type: "add_player", playerId: `p${i}`, name: `P${i}`, cash: CASH, holdings: [{ securityId: 1, qty: 1000 }] });
  if (mode === "call") run({ type: "set_trading_mode", securityId: 1, mode: "call" });
  run({ type: "set_phase", phase: "running" });
  return { s, log };
}

type Harness = ReturnType<typeof game>;

function send(h: Harness, c: Command): any {
  const d = apply(h.s, c, T);
  if (d.ok) h.log.push(...d.events);
  return d;
}

function limit(h: Harness, playerId: string, side: "buy" | "sell", price: number, qty: number): number {
  const d = send(h, { type: "place", playerId, securityId: 1, side, price, qty });
  if (!d.ok) throw new Error(`place: ${d.code} ${d.message}`);
  return d.result.order.orderId;
}

/**
 * The rule written from its statement alone, by brute force over every tick 1..max+1: maximum
 * min(D, S), then minimum |D - S|, then closest to the reference, then the lower price.
 */
function bruteForce(
  bids: [number, number][],
  asks: [number, number][],
  ref?: number,
): { price: number; qty: number } | null {
  const top = Math.max(...bids.map(([p]) => p), ...asks.map(([p]) => p), 1) + 1;
  let best: { price: number; qty: number; imb: number; dist: number } | null = null;
  for (let p = 1; p <= top; p++) {
    const d = bids.filter(([bp]) => bp >= p).reduce((a, [, q]) => a + q, 0);
    const s = asks.filter(([ap]) => ap <= p).reduce((a, [, q]) => a + q, 0);
    const c = { price: p, qty: Math.min(d, s), imb: Math.abs(d - s), dist: ref === undefined ? 0 : Math.abs(p - ref) };
    if (c.qty === 0) continue;
    if (
      !best ||
      c.qty > best.qty ||
      (c.qty === best.qty && (c.imb < best.imb || (c.imb === best.imb && c.dist < best.dist)))
    )
      best = c;
  }
  return best && { price: best.price, qty: best.qty };
}

/** Puts the orders on a call book (each from its own player pair, so no self-crossing) and returns the core's clearing. */
function clearingOf(
  bids: [number, number][],
  asks: [number, number][],
  ref?: number,
): { price: number; qty: number } | null {
  const h = game();
  bids.forEach(([p, q], i) => limit(h, `p${1 + (i % 3)}`, "buy", p, q));
  asks.forEach(([p, q], i) => limit(h, `p${4 + (i % 3)}`, "sell", p, q));
  const c = clearingPrice(h.s.securities.get(1)!.book, ref);
  return c && { price: c.price, qty: c.qty };
}

describe("call market: the core", () => {
  describe("clearing price", () => {
    const cases: {
      name: string;
      bids: [number, number][];
      asks: [number, number][];
      ref?: number;
      want: { price: number; qty: number } | null;
    }[] = [
      { name: "not crossed", bids: [[99, 5]], asks: [[100, 5]], want: null },
      { name: "one side empty", bids: [[99, 5]], asks: [], want: null },
      // 10 bid at 105 against 10 offered at 100: every tick 100..105 trades 10 with no imbalance
      {
        name: "a range of equal prices, no reference: the lower",
        bids: [[105, 10]],
        asks: [[100, 10]],
        want: { price: 100, qty: 10 },
      },
      {
        name: "a range of equal prices: the reference inside it",
        bids: [[105, 10]],
        asks: [[100, 10]],
        ref: 103,
        want: { price: 103, qty: 10 },
      },
      {
        name: "a range of equal prices: reference above it",
        bids: [[105, 10]],
        asks: [[100, 10]],
        ref: 200,
        want: { price: 105, qty: 10 },
      },
      {
        name: "a range of equal prices: reference below it",
        bids: [[105, 10]],
        asks: [[100, 10]],
        ref: 50,
        want: { price: 100, qty: 10 },
      },
      // D(100)=15 S=8; D(101)=15 S=8; D(102)=10 S=8: volume 8 everywhere, imbalance smallest at 102
      {
        name: "minimum imbalance decides",
        bids: [
          [102, 5],
          [102, 5],
          [101, 5],
        ],
        asks: [[100, 8]],
        want: { price: 102, qty: 8 },
      },
      // D: 101->12, 102->7; S: 101->6, 102->10: volume 6 at 101, 7 at 102
      {
        name: "maximum volume decides",
        bids: [
          [102, 7],
          [101, 5],
        ],
        asks: [
          [100, 6],
          [102, 4],
        ],
        want: { price: 102, qty: 7 },
      },
      // 10@102 bid, 10@100 ask, 5@101 each side: at 100: D=15? no: D(100)=15 (all bids >= 100), S(100)=10
      {
        name: "volume at the middle level",
        bids: [
          [102, 10],
          [101, 5],
        ],
        asks: [
          [100, 10],
          [101, 5],
        ],
        want: { price: 101, qty: 15 },
      },
      // equal volume and imbalance at 100 and 104 (gap ticks 101..103 too); reference 102 is inside: 102
      {
        name: "reference between two limits",
        bids: [[104, 3]],
        asks: [[100, 3]],
        ref: 102,
        want: { price: 102, qty: 3 },
      },
      // volume 4 at 101..103; imbalance 0 at 101 and 102, 4 at 103 (S(103) = 8): the reference 103 is
      // ruled out by the imbalance, and 102 is the closest tick to it that is left
      {
        name: "imbalance beats the reference",
        bids: [[103, 4]],
        asks: [
          [101, 4],
          [103, 4],
        ],
        ref: 103,
        want: { price: 102, qty: 4 },
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.want ? `${c.want.qty} lots at ${c.want.price}` : "no call"}`, () => {
        expect(bruteForce(c.bids, c.asks, c.ref)).to.deep.equal(c.want);
        expect(clearingOf(c.bids, c.asks, c.ref)).to.deep.equal(c.want);
      });
    }

    it("equals the brute force on 300 random books (with and without a reference)", () => {
      const level = fc.tuple(fc.integer({ min: 95, max: 106 }), fc.integer({ min: 1, max: 6 }));
      fc.assert(
        fc.property(
          fc.array(level, { maxLength: 8 }),
          fc.array(level, { maxLength: 8 }),
          fc.option(fc.integer({ min: 90, max: 110 }), { nil: undefined }),
          (bids, asks, ref) => {
            expect(clearingOf(bids, asks, ref)).to.deep.equal(bruteForce(bids, asks, ref));
          },
        ),
        { numRuns: 300, seed: 1616 },
      );
    });
  });

  describe("a call", () => {
    it("orders collect without trading; the call fills them at one price in price-time priority; a partial fill keeps its place", () => {
      const h = game();
      const a = limit(h, "p1", "buy", 102, 5);
      const d = limit(h, "p4", "sell", 100, 8);
      const b = limit(h, "p2", "buy", 102, 5);
      const c = limit(h, "p3", "buy", 101, 5);
      expect(h.log.filter((e) => e.type === "fill")).to.have.length(0);
      const book = h.s.securities.get(1)!.book;
      expect(book.bids.best()!.price).to.equal(102);
      expect(book.asks.best()!.price).to.equal(100); // crossed while collecting

      const r = send(h, { type: "uncross", securityId: 1, referencePrice: 90 });
      expect(r.ok).to.equal(true);
      expect(r.result).to.include({ price: 102, qty: 8 });
      const [auction, ...fills] = r.events as EngineEvent[];
      expect(auction).to.deep.include({
        type: "auction",
        securityId: 1,
        price: 102,
        qty: 8,
        buyQty: 10,
        sellQty: 8,
        referencePrice: 90,
      });
      expect(
        fills.map((f) => {
          const x = f as FillEvent;
          return [
            x.makerOrderId,
            x.takerOrderId,
            x.price,
            x.qty,
            x.makerRemaining,
            x.takerRemaining,
            x.takerFee,
            x.makerRebate,
          ];
        }),
      ).to.deep.equal([
        [a, d, 102, 5, 0, 3, 0, 0], // a arrived before d: a is the maker
        [d, b, 102, 3, 0, 2, 0, 0], // d before b
      ]);
      // c (101) did not trade; b keeps 2 lots at the head of 102
      expect(book.bids.best()!.head!.id).to.equal(b);
      expect(book.bids.best()!.qty).to.equal(2);
      expect(book.orders.get(c)!.amount).to.equal(5);
      expect(book.asks.best()).to.equal(undefined);

      // cash and lots at 102 for everyone; locks = what still rests
      const p = (id: string) => h.s.players.get(id)!;
      expect([p("p1").cash, p("p1").positions.get(1)!.qty, p("p1").cashLocked]).to.deep.equal([
        CASH - 5 * 102,
        1005,
        0,
      ]);
      expect([
        p("p2").cash,
        p("p2").positions.get(1)!.qty,
        p("p2").cashLocked,
        p("p2").positions.get(1)!.openBuy,
      ]).to.deep.equal([CASH - 3 * 102, 1003, 2 * 102, 2]);
      expect([p("p4").cash, p("p4").positions.get(1)!.qty, p("p4").positions.get(1)!.locked]).to.deep.equal([
        CASH + 8 * 102,
        992,
        0,
      ]);
      expect(p("p3").cashLocked).to.equal(5 * 101);

      // next call: the partly filled b trades before a later bid at the same price
      const e = limit(h, "p1", "buy", 102, 5);
      limit(h, "p5", "sell", 99, 3);
      const r2 = send(h, { type: "uncross", securityId: 1 });
      const f2 = (r2.events as EngineEvent[]).filter((x): x is FillEvent => x.type === "fill");
      expect(f2.map((f) => [f.makerOrderId, f.qty])).to.deep.equal([
        [b, 2],
        [e, 1],
      ]);
      // the log folded from nothing is the live state
      expect(canonical(fold(h.log))).to.deep.equal(canonical(h.s));
      expect(fold(h.log).securities.get(1)!.mode).to.equal("call");
    });

    it("a call with nothing crossed logs an auction of 0 lots at price 0", () => {
      const h = game();
      limit(h, "p1", "buy", 99, 5);
      limit(h, "p4", "sell", 100, 5);
      const r = send(h, { type: "uncross", securityId: 1 });
      expect(r.events).to.have.length(1);
      expect(r.events[0]).to.deep.include({ type: "auction", price: 0, qty: 0, buyQty: 0, sellQty: 0 });
    });

    it("in call mode only GTC limit orders enter; market, IOC, FOK and post-only are refused and change nothing", () => {
      const h = game();
      limit(h, "p4", "sell", 100, 5);
      const before = canonical(h.s);
      const refuse = (c: Partial<Command>, code: string) => {
        const d = send(h, {
          type: "place",
          playerId: "p1",
          securityId: 1,
          side: "buy",
          qty: 1,
          price: 100,
          ...c,
        } as Command);
        expect(d).to.include({ ok: false, code });
        expect(d.message).to.match(/call/);
      };
      refuse({ orderType: "market", tif: "IOC" }, "INVALID_ORDER_TYPE");
      refuse({ tif: "IOC" }, "INVALID_TIME_IN_FORCE");
      refuse({ tif: "FOK" }, "INVALID_TIME_IN_FORCE");
      refuse({ postOnly: true }, "INVALID_TIME_IN_FORCE");
      expect(canonical(h.s)).to.deep.equal(before);
    });

    it("an order crossing the player's own opposite order: cancel_incoming cancels it, cancel_resting cancels the resting one", () => {
      const h = game("call", "cancel_incoming");
      limit(h, "p1", "sell", 100, 5);
      const d = send(h, { type: "place", playerId: "p1", securityId: 1, side: "buy", price: 100, qty: 2 });
      expect(d.result.order).to.include({ status: "cancelled", reason: "stp", stp: "cancel_incoming" });
      const h2 = game("call", "cancel_resting");
      const old = limit(h2, "p1", "sell", 100, 5);
      const d2 = send(h2, { type: "place", playerId: "p1", securityId: 1, side: "buy", price: 101, qty: 2 });
      expect(d2.result.order).to.include({ status: "new", restingQty: 2, stp: "cancel_resting" });
      expect(d2.result.order.stpCancelledOrderIds).to.deep.equal([old]);
      expect(canonical(fold(h2.log))).to.deep.equal(canonical(h2.s));
    });

    it("uncross is refused when the security trades continuously or the market is not running", () => {
      const h = game("continuous");
      expect(send(h, { type: "uncross", securityId: 1 })).to.include({ ok: false, code: "INVALID_ARGUMENT" });
      const h2 = game("call");
      send(h2, { type: "set_phase", phase: "paused" });
      expect(send(h2, { type: "uncross", securityId: 1 })).to.include({ ok: false, code: "MARKET_CLOSED" });
      expect(send(h2, { type: "uncross", securityId: 1, referencePrice: 0 })).to.include({
        ok: false,
        code: "INVALID_ARGUMENT",
      });
      expect(send(h2, { type: "set_trading_mode", securityId: 1, mode: "auction" })).to.include({
        ok: false,
        code: "INVALID_ARGUMENT",
      });
    });

    it("leaving call mode runs the call first; continuous trading then matches on arrival with fees", () => {
      const h = game();
      limit(h, "p1", "buy", 105, 4);
      limit(h, "p4", "sell", 100, 6);
      const r = send(h, { type: "set_trading_mode", securityId: 1, mode: "continuous", referencePrice: 101 });
      expect(r.events.map((e: EngineEvent) => e.type)).to.deep.equal(["auction", "fill", "trading_mode"]);
      expect(r.result).to.include({ price: 101, qty: 4 }); // 100..105 all trade 4 with imbalance 2; closest to 101
      const d = send(h, { type: "place", playerId: "p2", securityId: 1, side: "buy", price: 100, qty: 2 });
      expect(d.result.fills).to.have.length(1);
      expect(d.result.fills[0]).to.include({ price: 100, qty: 2, takerFee: 6, makerRebate: 2 });
      // back to call mode: nothing to clear, only the mode changes; the same mode again logs nothing
      expect(
        send(h, { type: "set_trading_mode", securityId: 1, mode: "call" }).events.map((e: EngineEvent) => e.type),
      ).to.deep.equal(["trading_mode"]);
      expect(send(h, { type: "set_trading_mode", securityId: 1, mode: "call" }).events).to.have.length(0);
      expect(canonical(fold(h.log))).to.deep.equal(canonical(h.s));
    });

    it("a crossed book cannot leave call mode while paused", () => {
      const h = game();
      limit(h, "p1", "buy", 105, 4);
      limit(h, "p4", "sell", 100, 6);
      send(h, { type: "set_phase", phase: "paused" });
      expect(send(h, { type: "set_trading_mode", securityId: 1, mode: "continuous" })).to.include({
        ok: false,
        code: "MARKET_CLOSED",
      });
    });

    it("cash and lots are conserved and locks equal the open orders after random call rounds", () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.integer({ min: 1, max: 6 }),
              fc.boolean(),
              fc.integer({ min: 95, max: 105 }),
              fc.integer({ min: 1, max: 9 }),
              fc.boolean(),
            ),
            { maxLength: 40 },
          ),
          (steps) => {
            const h = game();
            for (const [pi, buy, price, qty, call] of steps) {
              send(h, { type: "place", playerId: `p${pi}`, securityId: 1, side: buy ? "buy" : "sell", price, qty });
              if (call) send(h, { type: "uncross", securityId: 1, referencePrice: 100 });
            }
            send(h, { type: "uncross", securityId: 1 });
            let cash = 0;
            let lots = 0;
            for (const p of h.s.players.values()) {
              cash += p.cash;
              lots += p.positions.get(1)!.qty;
              let locked = 0;
              let openBuy = 0;
              let lockedLots = 0;
              for (const o of p.orders.get(1)?.values() ?? []) {
                if (o.side === "buy") {
                  locked += o.price * o.amount;
                  openBuy += o.amount;
                } else lockedLots += o.amount;
              }
              expect([p.cashLocked, p.positions.get(1)!.openBuy, p.positions.get(1)!.locked]).to.deep.equal([
                locked,
                openBuy,
                lockedLots,
              ]);
              expect(p.cash - p.cashLocked).to.be.at.least(0);
            }
            expect([cash, lots]).to.deep.equal([6 * CASH, 6 * 1000]);
            const book = h.s.securities.get(1)!.book;
            const bid = book.bids.best()?.price ?? 0;
            const ask = book.asks.best()?.price ?? Infinity;
            expect(bid).to.be.below(ask); // a call leaves the book uncrossed
            expect(canonical(fold(h.log))).to.deep.equal(canonical(h.s));
          },
        ),
        { numRuns: 100, seed: 1617 },
      );
    });
  });
});
