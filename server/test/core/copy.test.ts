/**
 * copyState (core/copy.ts) on the seeded random streams of streams.ts: at a random point of each
 * stream the state is copied; the copy must equal the original (books with their price-time queues,
 * every player's cash, locks, positions and resting-order lists in order, stops, idempotency store),
 * and the rest of the stream, decided and evolved on both, must give the same decisions and the same
 * final state: the copy is independent (evolving one does not move the other) and complete.
 *
 * The streams of streams.ts are made to reach every rejection, so few of their orders rest; each
 * stream is therefore followed by a dense part (DENSE commands: limit orders 0-3 ticks from the mid,
 * partial fills, cancels and amends of resting orders), and the copy is taken inside it.
 *
 * COPY_RUNS streams (default 60) of up to 120 commands and DENSE (default 150) more, seed PROP_SEED.
 */
import fc from "fast-check";
import { expect } from "chai";
import { decide, emptyState, evolve, type CoreState } from "../../src/core/index.ts";
import { copyState } from "../../src/core/copy.ts";
import type { Command } from "../../src/core/commands.ts";
import { canonical } from "./support.ts";
import { MID, PLAYERS, resolve, streamArb, type Stream } from "./streams.ts";

const RUNS = Number(process.env.COPY_RUNS ?? 60);
const SEED = Number(process.env.PROP_SEED ?? 7);
const DENSE = Number(process.env.COPY_DENSE ?? 150);

/** One dense step: who, where, what (0-5 place, 6-7 cancel, 8-9 amend), side, ticks from the mid, lots. */
const denseStep = fc.tuple(
  fc.nat(PLAYERS.length - 1),
  fc.nat(9),
  fc.nat(9),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: 1, max: 4 }),
);
type DenseStep = [number, number, number, boolean, number, number];

/** The command of a dense step in state `s` (a cancel or amend names one of the player's resting orders). */
function denseCommand([p, k, what, buy, off, qty]: DenseStep, s: CoreState, secIds: number[]): Command {
  const playerId = PLAYERS[p]!;
  const securityId = secIds[k % secIds.length]!;
  if (what >= 6) {
    const mine = [...(s.players.get(playerId)?.orders.get(securityId)?.keys() ?? [])];
    if (mine.length > 0) {
      const orderId = mine[(off + 3) % mine.length]!;
      if (what <= 7) return { type: "cancel", playerId, securityId, orderId };
      return { type: "amend", playerId, securityId, orderId, qty };
    }
  }
  return { type: "place", playerId, securityId, side: buy ? "buy" : "sell", price: MID + off, qty };
}

function apply(s: CoreState, c: Command, ts: number): unknown {
  const d = decide(s, c, { ts });
  if (d.ok) for (const e of d.events) evolve(s, e);
  return d;
}

function runStream(stream: Stream, dense: DenseStep[], cut: number): void {
  const s = emptyState();
  let ts = 1_700_000_000_000;
  for (const c of stream.setup) apply(s, c, ts++);
  for (const st of stream.steps) apply(s, resolve(st, s, stream.secIds), ts++);
  const at = Math.floor(cut * dense.length);
  for (const st of dense.slice(0, at)) apply(s, denseCommand(st, s, stream.secIds), ts++);
  const c = copyState(s);
  expect(canonical(c), "the copy equals the original").to.deep.equal(canonical(s));
  // the rest on the original first, then on the copy: the copy must not have moved meanwhile
  const fromOriginal: unknown[] = [];
  const commands: Command[] = [];
  const ts0 = ts;
  for (const st of dense.slice(at)) {
    const cmd = denseCommand(st, s, stream.secIds);
    commands.push(cmd);
    fromOriginal.push(apply(s, cmd, ts++));
  }
  ts = ts0;
  const fromCopy = commands.map((cmd) => apply(c, cmd, ts++));
  expect(fromCopy, "the copy decides the rest as the original did").to.deep.equal(fromOriginal);
  expect(canonical(c), "and ends in the same state").to.deep.equal(canonical(s));
}

describe("copyState (random command streams)", function () {
  this.timeout(60_000);
  it(`${RUNS} streams copied at a random point decide and end alike`, () => {
    fc.assert(
      fc.property(
        streamArb(120),
        fc.array(denseStep, { minLength: DENSE, maxLength: DENSE }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (st, dense, cut) => runStream(st, dense as DenseStep[], cut),
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
