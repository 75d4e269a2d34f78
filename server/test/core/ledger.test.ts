/**
 * FIFO ledger (server/src/core/ledger.ts): worked examples, and a fast-check property over random fill
 * sequences between several players: pnl = equity - (startCash + startHoldings x openingRef x scale)
 * = realizedPnl + unrealizedPnl - fees, with cash and positions kept by a plain fold of the fills and
 * realized P&L checked against a one-lot-per-unit FIFO queue.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { FillEvent } from "@marketroom/shared";
import { PlayerLedger, SecurityLedger } from "../../src/core/ledger.ts";

const fill = (over: Partial<FillEvent>): FillEvent => ({
  type: "fill",
  seq: 1,
  ts: 0,
  securityId: 1,
  price: 100,
  qty: 1,
  aggressor: "buy",
  makerOrderId: 1,
  takerOrderId: 2,
  makerPlayerId: "m",
  takerPlayerId: "t",
  makerRemaining: 0,
  takerRemaining: 0,
  takerFee: 0,
  makerRebate: 0,
  ...over,
});

describe("FIFO ledger", () => {
  it("closes the oldest lots first and flips long to short", () => {
    const s = new SecurityLedger(2);
    s.trade("buy", 10, 100);
    s.trade("buy", 5, 110);
    s.trade("sell", 12, 120); // closes 10 @100 and 2 @110
    expect(s.realizedPnl()).to.equal((10 * 20 + 2 * 10) * 2);
    expect(s.openLots()).to.deep.equal([{ qty: 3, price: 110 }]);
    expect(s.unrealizedPnl(100)).to.equal(-30 * 2);
    s.trade("sell", 10, 90); // closes 3 @110, opens a short of 7 @90
    expect(s.realizedPnl()).to.equal(440 - 60 * 2);
    expect(s.qty).to.equal(-7);
    expect(s.openLots()).to.deep.equal([{ qty: 7, price: 90 }]);
    expect(s.unrealizedPnl(80)).to.equal(70 * 2);
    s.trade("buy", 7, 95); // the short closes at a loss and the position is flat
    expect(s.realizedPnl()).to.equal(320 - 35 * 2);
    expect(s.qty).to.equal(0);
    expect(s.unrealizedPnl(1)).to.equal(0);
  });

  it("counts starting holdings as lots at the opening reference, fees of the taker and rebates of the maker", () => {
    const l = new PlayerLedger();
    l.start(1, 1, 5); // opening lots, valued at the opening reference 100 below
    l.fill(fill({ price: 104, qty: 3, aggressor: "buy", makerPlayerId: "me", takerFee: 9, makerRebate: 3 }), 1, "me"); // I sell as maker
    l.fill(fill({ price: 101, qty: 1, aggressor: "buy", takerPlayerId: "me", takerFee: 3, makerRebate: 1 }), 1, "me"); // I buy as taker
    l.fill(fill({ price: 1, qty: 1, makerPlayerId: "x", takerPlayerId: "y" }), 1, "me"); // not mine
    const open = () => 100;
    expect(l.realizedPnl(open)).to.equal(12);
    expect(l.fees).to.equal(-3 + 3);
    expect(l.trades).to.equal(2);
    expect(l.position(1)).to.equal(3);
    expect(l.unrealizedPnl(() => 100, open)).to.equal(-1); // 2 lots @100 and 1 @101
    expect(l.realizedPnl(() => 90)).to.equal(12 + 3 * 10); // the same sales, opening lots bought at 90
  });

  it("pnl = equity - starting value at the opening reference = realized + unrealized - fees (random fills)", () => {
    const secs = [
      { id: 1, scale: 1, open: 100 },
      { id: 2, scale: 7, open: 40 },
    ];
    const players = ["a", "b", "c"];
    const fillArb = fc.record({
      sec: fc.integer({ min: 0, max: 1 }),
      maker: fc.integer({ min: 0, max: 2 }),
      taker: fc.integer({ min: 1, max: 2 }),
      aggressor: fc.constantFrom("buy" as const, "sell" as const),
      price: fc.integer({ min: 1, max: 300 }),
      qty: fc.integer({ min: 1, max: 20 }),
      fee: fc.integer({ min: 0, max: 5 }),
      rebate: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 6, maxLength: 6 }),
        fc.array(fillArb, { maxLength: 120 }),
        fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 })),
        (holdings, raw, marks) => {
          const ledgers = new Map(players.map((p) => [p, new PlayerLedger()]));
          const cash = new Map(players.map((p) => [p, 1_000_000]));
          const pos = new Map(players.map((p) => [p, [0, 0]]));
          const units = new Map(players.map((p) => [p, secs.map(() => [] as number[])])); // signed unit lots, FIFO
          const realized = new Map(players.map((p) => [p, 0]));
          players.forEach((p, i) =>
            secs.forEach((s, j) => {
              const q = holdings[i * 2 + j]!;
              ledgers.get(p)!.start(s.id, s.scale, q);
              pos.get(p)![j] = q;
              for (let k = 0; k < q; k++) units.get(p)![j]!.push(s.open);
            }),
          );
          const unitTrade = (p: string, j: number, dir: number, qty: number, price: number) => {
            const q = units.get(p)![j]!;
            for (let k = 0; k < qty; k++) {
              const before = pos.get(p)![j]! + dir * k; // position before this unit
              if (before !== 0 && Math.sign(before) === -dir)
                realized.set(p, realized.get(p)! + (price - q.shift()!) * -dir * secs[j]!.scale);
              else q.push(price);
            }
          };
          raw.forEach((r, n) => {
            const maker = players[r.maker]!,
              taker = players[(r.maker + r.taker) % 3]!;
            const s = secs[r.sec]!;
            const rebate = Math.min(r.rebate, r.fee) * r.qty,
              fee = r.fee * r.qty;
            const e = fill({
              seq: n + 1,
              securityId: s.id,
              price: r.price,
              qty: r.qty,
              aggressor: r.aggressor,
              makerPlayerId: maker,
              takerPlayerId: taker,
              takerFee: fee,
              makerRebate: rebate,
            });
            for (const p of [maker, taker]) ledgers.get(p)!.fill(e, s.scale, p);
            const notional = r.price * r.qty * s.scale;
            const takerDir = r.aggressor === "buy" ? 1 : -1;
            for (const [p, dir] of [
              [taker, takerDir],
              [maker, -takerDir],
            ] as const) {
              unitTrade(p, r.sec, dir, r.qty, r.price);
              pos.get(p)![r.sec]! += dir * r.qty;
              cash.set(p, cash.get(p)! - dir * notional);
            }
            cash.set(taker, cash.get(taker)! - fee);
            cash.set(maker, cash.get(maker)! + rebate);
          });
          const markOf = (id: number) => marks[id - 1]!;
          const openOf = (id: number) => secs.find((s) => s.id === id)!.open;
          players.forEach((p, i) => {
            const l = ledgers.get(p)!;
            let equity = cash.get(p)!,
              start = 1_000_000;
            secs.forEach((s, j) => {
              equity += pos.get(p)![j]! * markOf(s.id) * s.scale;
              start += holdings[i * 2 + j]! * s.open * s.scale;
              expect(l.position(s.id)).to.equal(pos.get(p)![j]);
            });
            expect(l.realizedPnl(openOf), `${p} realized`).to.equal(realized.get(p));
            expect(equity - start, `${p} pnl`).to.equal(
              l.realizedPnl(openOf) + l.unrealizedPnl(markOf, openOf) - l.fees,
            );
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
