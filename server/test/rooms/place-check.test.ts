/**
 * quickPlace (rooms/place-check.ts) against the schema it stands in front of: for any input it either
 * declines (null: zod parses) or returns exactly what PlaceMessage's parse returns, same fields in the
 * same order; it never accepts what zod refuses. Random input from fast-check: valid orders, each field
 * also drawn from values the schema refuses, extra and text fields.
 */
import { expect } from "chai";
import fc from "fast-check";
import { MAX_PRICE_TICKS, MAX_QTY_LOTS, RoomMessageSchemas } from "@marketroom/shared";
import { quickPlace } from "../../src/rooms/place-check.ts";

const odd = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(0),
  fc.constant(-1),
  fc.constant(1.5),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(2 ** 53),
  fc.constant(MAX_PRICE_TICKS + 1),
  fc.string({ maxLength: 5 }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: odd });
const fields = {
  securityId: maybe(fc.integer({ min: 1, max: 2_147_483_647 })),
  side: maybe(fc.constantFrom("buy", "sell")),
  type: maybe(fc.constantFrom("limit", "market")),
  tif: maybe(fc.constantFrom("GTC", "IOC", "FOK")),
  postOnly: maybe(fc.boolean()),
  price: maybe(fc.integer({ min: 1, max: MAX_PRICE_TICKS })),
  qty: maybe(fc.integer({ min: 1, max: MAX_QTY_LOTS })),
};
/** Mostly orders with their required fields, sometimes with text or unknown fields, sometimes anything. */
const order = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.record(fields, { requiredKeys: ["securityId", "side", "qty"] }) },
      { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    ),
    fc.option(
      fc.record(
        {
          ref: fc.string({ minLength: 1, maxLength: 8 }),
          clientOrderId: fc.string({ maxLength: 8 }),
          extra: fc.integer(),
        },
        { requiredKeys: [] },
      ),
      { freq: 3 },
    ),
  )
  .map(([o, extra]) => ({ ...o, ...extra }));

describe("quickPlace: the place message's quick check", () => {
  it("returns exactly the schema's output or declines; never accepts what the schema refuses", () => {
    let quick = 0;
    fc.assert(
      fc.property(order, (body) => {
        const q = quickPlace(body);
        if (q === null) return;
        quick++;
        const z = RoomMessageSchemas.place.safeParse(body);
        expect(z.success, JSON.stringify(body)).to.equal(true);
        expect(JSON.stringify(q)).to.equal(JSON.stringify(z.data));
        expect(q).to.deep.equal(z.data);
      }),
      { numRuns: 5000 },
    );
    expect(quick, "inputs the quick check took").to.be.greaterThan(100);
  });

  it("takes the plain orders clients send", () => {
    expect(quickPlace({ securityId: 1, side: "buy", price: 98, qty: 2 })).to.deep.equal({
      securityId: 1,
      side: "buy",
      type: "limit",
      tif: "GTC",
      postOnly: false,
      price: 98,
      qty: 2,
    });
    expect(quickPlace({ securityId: 3, side: "sell", type: "market", tif: "IOC", qty: 5 })).to.not.equal(null);
    expect(quickPlace({ securityId: 1, side: "buy", price: 98, qty: 2, ref: "a" }), "text fields go to zod").to.equal(
      null,
    );
  });
});
