/**
 * The persister's cheaper event parse (server/src/persistence/event-parse.ts) against the shared zod schema
 * (shared/src/engine.ts EngineEvent): over generated values of the five fast kinds, valid and broken
 * (values out of range, of the wrong type, missing, extra keys), whatever the fast path accepts, zod accepts
 * with the same result (same keys in the same order, same values, defaults filled in); whatever zod refuses,
 * parseEventText refuses with zod's error; every valid event takes the fast path.
 */
import { isDeepStrictEqual } from "node:util";
import { expect } from "chai";
import fc from "fast-check";
import { ZodError } from "zod";
import { EngineEvent, parseEvent } from "@marketroom/shared";
import { HOT, fastEvent, parseEventText } from "../../src/persistence/event-parse.ts";

const KINDS = Object.keys(HOT);

/** The zod schema of one kind of event (an option of the discriminated union). */
function schemaOf(type: string): { shape: Record<string, unknown> } {
  const option = EngineEvent.options.find((o) => (o.shape.type as unknown as { value: string }).value === type);
  if (!option) throw new Error(`no schema for ${type}`);
  return option as unknown as { shape: Record<string, unknown> };
}

const EDGE_INTS = [0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, 999_999_999_999, 1e12, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1.5];
const anInt = fc.oneof(
  fc.integer(),
  fc.constantFrom(...EDGE_INTS),
  fc.double({ noNaN: true }),
  fc.constant(Number.POSITIVE_INFINITY), // JSON.parse("1e999")
);
const anId = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.string(),
  fc.constantFrom("", "a".repeat(64), "a".repeat(65), "a b", "é"),
);
const oneOf = (...values: string[]) => fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 12 }));
const REASONS = ["user", "cancel_all", "round_end", "admin", "amend", "stp", "max_matches", "ioc", "fok", "market"];

/** A value for a key of these schemas: mostly of the field's domain (edges included), sometimes anything. */
function domain(key: string, type: string): fc.Arbitrary<unknown> {
  switch (key) {
    case "type":
      return fc.oneof({ weight: 9, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...KINDS) });
    case "playerId":
    case "makerPlayerId":
    case "takerPlayerId":
      return anId;
    case "side":
    case "aggressor":
      return oneOf("buy", "sell");
    case "orderType":
      return oneOf("limit", "market");
    case "tif":
      return oneOf("GTC", "IOC", "FOK");
    case "reason":
      return oneOf(...REASONS, "liquidation");
    case "postOnly":
      return fc.oneof(fc.boolean(), fc.constantFrom(0, 1, "true", null));
    case "clientOrderId":
      return fc.oneof(fc.string(), fc.constant(null));
    default:
      return anInt; // seq, ts, ids, prices, quantities, fees
  }
}

/**
 * A JSON-like object of kind `type`: a valid one (aValidEvent) with up to three keys changed, each to a
 * value of its field's domain (edges included), to anything, or removed; maybe extra keys, maybe in reverse order.
 */
function anEvent(type: string): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(schemaOf(type).shape);
  const change = fc
    .constantFrom(...keys)
    .chain((k) =>
      fc.oneof(
        { weight: 3, arbitrary: domain(k, type).map((v) => [k, v] as const) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((v) => [k, v] as const) },
        { weight: 1, arbitrary: fc.constant([k, undefined] as const) },
      ),
    );
  return fc
    .tuple(
      aValidEvent(type),
      fc.array(change, { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([valid, changes, extra, reversed]) => {
      const o: Record<string, unknown> = { ...valid };
      for (const [k, v] of changes) {
        if (v === undefined) delete o[k];
        else o[k] = v;
      }
      const entries = Object.entries(o);
      if (reversed) entries.reverse();
      // extra keys first: a schema key named among them is overwritten by the event's own
      return { ...extra, ...Object.fromEntries(entries) };
    });
}

/** A value that zod accepts for sure: the fields' strict domains. */
function aValidEvent(type: string): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(schemaOf(type).shape);
  const strict = (k: string): fc.Arbitrary<unknown> => {
    if (["securityId"].includes(k)) return fc.integer({ min: 1, max: 2_147_483_647 });
    if (["orderId", "makerOrderId", "takerOrderId"].includes(k)) return fc.integer({ min: 1, max: 999_999_999_999 });
    if (k === "type") return fc.constant(type);
    if (["playerId", "makerPlayerId", "takerPlayerId"].includes(k)) return fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    if (k === "side" || k === "aggressor") return fc.constantFrom("buy", "sell");
    if (k === "orderType") return fc.constantFrom("limit", "market");
    if (k === "tif") return fc.constantFrom("GTC", "IOC", "FOK");
    if (k === "reason") return fc.constantFrom(...REASONS);
    if (k === "postOnly") return fc.boolean();
    if (k === "clientOrderId") return fc.string();
    return fc.maxSafeInteger();
  };
  return fc.record(Object.fromEntries(keys.map((k) => [k, strict(k)])), {
    requiredKeys: keys.filter((k) => !["clientOrderId", "takerFee", "makerRebate"].includes(k)),
  });
}

/** The fast path agrees with zod on `value`: if it answers, zod accepts it with the same object, keys in the same order. */
function agrees(value: unknown): boolean {
  const fast = fastEvent(value);
  if (fast === undefined) return true;
  const z = EngineEvent.safeParse(value);
  return z.success && isDeepStrictEqual(fast, z.data) && isDeepStrictEqual(Object.keys(fast), Object.keys(z.data));
}

describe("persistence: the persister's event parse agrees with the shared schema", () => {
  it("has the keys of the schema, in its order, for each fast kind", () => {
    for (const type of KINDS)
      expect(
        HOT[type]!.map(([k]) => k),
        type,
      ).to.deep.equal(Object.keys(schemaOf(type).shape));
  });

  for (const type of KINDS) {
    it(`${type}: accepts only what zod accepts, with zod's result`, () => {
      let taken = 0;
      let refused = 0;
      fc.assert(
        fc.property(anEvent(type), (v) => {
          if (fastEvent(v) !== undefined) taken++;
          if (!EngineEvent.safeParse(v).success) refused++;
          return agrees(v);
        }),
        { numRuns: 3000 },
      );
      // the generator reaches both sides, so the property cannot pass by never taking the fast path
      expect(taken, "fast path taken").to.be.greaterThan(100);
      expect(refused, "refused by zod").to.be.greaterThan(100);
    });

    it(`${type}: every valid event takes the fast path and reads as parseEvent reads it`, () => {
      fc.assert(
        fc.property(aValidEvent(type), (v) => {
          const text = JSON.stringify(v);
          const fast = fastEvent(JSON.parse(text));
          return fast !== undefined && isDeepStrictEqual(parseEventText(text), parseEvent(text));
        }),
        { numRuns: 1000 },
      );
    });
  }

  it("leaves every other kind of event, and what is no event, to zod, with zod's error", () => {
    const phase = { seq: 1, ts: 2, type: "phase_changed", from: "lobby", to: "running" };
    expect(fastEvent(phase)).to.equal(undefined);
    expect(parseEventText(JSON.stringify(phase))).to.deep.equal(parseEvent(phase));
    for (const v of [
      null,
      [],
      5,
      "fill",
      { type: "nope", seq: 1, ts: 1 },
      { type: "constructor" },
      { type: "toString" },
    ])
      expect(fastEvent(v), JSON.stringify(v)).to.equal(undefined);
    const bad = JSON.stringify({ seq: 1, ts: 2, type: "fill", securityId: 0 });
    const zodError = (() => {
      try {
        parseEvent(bad);
      } catch (err) {
        return err as ZodError;
      }
    })();
    expect(zodError).to.be.instanceOf(ZodError);
    expect(() => parseEventText(bad))
      .to.throw(ZodError)
      .that.satisfies((e: ZodError) => isDeepStrictEqual(e.issues, zodError!.issues));
    expect(() => parseEventText("{not json")).to.throw(SyntaxError);
  });
});
