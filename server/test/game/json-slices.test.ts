/**
 * stringifyInSlices (game/json-slices.ts) writes exactly what JSON.stringify writes, for any plain data
 * and any walking depth, and lets the event loop run while it works on a large value.
 */
import fc from "fast-check";
import { expect } from "chai";
import { stringifyInSlices } from "../../src/game/json-slices.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 200);

/** Plain data as JSON.stringify meets it in a checkpoint, plus the values it skips or turns into null. */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, undefined, true, false, -0, Number.NaN, Number.POSITIVE_INFINITY),
    fc.integer(),
    fc.double(),
    fc.string({ unit: "binary" }),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 6 }),
    fc.constant({ toJSON: () => "custom" }),
    fc.constant(new Date(0)),
  ),
}));

describe("stringifyInSlices", () => {
  it("equals JSON.stringify for plain objects and arrays at every depth and slice length", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.array(plain.value, { maxLength: 8 }), fc.dictionary(fc.string(), plain.value, { maxKeys: 8 })),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(0, 2),
        async (value, depth, sliceMs) => {
          expect(await stringifyInSlices(value, depth, sliceMs)).to.equal(JSON.stringify(value));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("lets other work of the event loop run while it serializes a large value", async () => {
    const fills = Array.from({ length: 200 }, (_, p) => [
      `player-${p}`,
      Array.from({ length: 50 }, (_, i) => ({ seq: i, securityId: 1, price: 10_000 + i, qty: 1, side: "buy" })),
    ]);
    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const text = await stringifyInSlices({ ownFills: fills }, 3, 0);
    counting = false;
    expect(text).to.equal(JSON.stringify({ ownFills: fills }));
    expect(turns).to.be.greaterThan(10);
  });

  it("rejects with JSON.stringify's error on a cycle", async () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = { back: a };
    let err: unknown;
    await stringifyInSlices(a, 1).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(TypeError);
  });
});
