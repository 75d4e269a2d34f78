/**
 * The persister's event parse: the shared schema's answer (shared/src/engine.ts EngineEvent, parseEvent),
 * reached by a cheaper path for the five kinds of event that make up almost all of a trading game's log
 * (order_accepted, fill, order_rested, order_cancelled, order_amended: about 2.4 of them per order).
 *
 * For those, `HOT` below restates each field of the zod schema as a plain check, in the schema's key order:
 * a value the checks accept gets a fresh object with exactly the schema's keys (unknown keys dropped,
 * absent optional keys left out, defaults filled in), which is what zod returns for it. Anything the
 * checks do not accept, and every other kind of event, goes to zod itself, so what is refused is refused
 * by zod, with zod's error. The checks are never wider than the schema: a value they accept, zod accepts
 * with the same result (server/test/persistence/event-parse.test.ts compares the two over generated
 * events, valid and broken, and the key lists with the schema's). docs/persistence.md "Stop 20": zod's
 * parse was about a sixth of the persister's CPU per order at 5,000 orders/s.
 *
 * Errors: SyntaxError for a text that is not JSON, ZodError for one that is not an event (as parseEvent).
 */
import { ZodError } from "zod";
import { CancelReason, OrderType, parseEvent, Side, TimeInForce, type EngineEvent } from "@marketroom/shared";

/** A field's check: true when zod's schema for that field accepts `v` unchanged. */
type Check = (v: unknown) => boolean;

/** z.number().int(): a finite integer within ±(2^53 - 1) (zod 4 refuses unsafe integers). */
const int: Check = (v) => typeof v === "number" && Number.isSafeInteger(v);
/** z.number().int().min(lo).max(hi). */
const intIn =
  (lo: number, hi: number): Check =>
  (v) =>
    int(v) && (v as number) >= lo && (v as number) <= hi;
/** z.enum([...]) and z.literal(x). */
const oneOf = (...values: string[]): Check => {
  const set = new Set(values);
  return (v) => typeof v === "string" && set.has(v);
};
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const bool: Check = (v) => typeof v === "boolean";
const str: Check = (v) => typeof v === "string";

/** shared SecurityId, OrderId, PlayerId; the enums take their values from the schema's own (Side, OrderType, TimeInForce, CancelReason). */
const securityId = intIn(1, 2_147_483_647);
const orderId = intIn(1, 999_999_999_999);
const playerId: Check = (v) => typeof v === "string" && ID.test(v);
const side = oneOf(...Side.options);
const orderType = oneOf(...OrderType.options);
const tif = oneOf(...TimeInForce.options);
const cancelReason = oneOf(...CancelReason.options);

/** How an absent key is treated: refused (zod's "required"), left out (.optional()), or a default (.default(x)). */
const REQUIRED = Symbol("required");
const OPTIONAL = Symbol("optional");
/** One key of an event schema: its name, its check, and what its absence means. */
export type Field = readonly [key: string, check: Check, absent: typeof REQUIRED | typeof OPTIONAL | number];

const f = (key: string, check: Check, absent: Field[2] = REQUIRED): Field => [key, check, absent];
const base = [f("seq", int), f("ts", int)];
const orderRef = [f("securityId", securityId), f("orderId", orderId), f("playerId", playerId)];

/** The fast kinds of event: each schema's keys in its order (shared/src/engine.ts EngineEvent). */
export const HOT: Readonly<Record<string, readonly Field[]>> = {
  order_accepted: [
    ...base,
    ...orderRef,
    f("type", oneOf("order_accepted")),
    f("clientOrderId", str, OPTIONAL),
    f("side", side),
    f("orderType", orderType),
    f("tif", tif),
    f("postOnly", bool),
    f("price", int),
    f("qty", int),
  ],
  fill: [
    ...base,
    f("type", oneOf("fill")),
    f("securityId", securityId),
    f("price", int),
    f("qty", int),
    f("aggressor", side),
    f("makerOrderId", orderId),
    f("takerOrderId", orderId),
    f("makerPlayerId", playerId),
    f("takerPlayerId", playerId),
    f("makerRemaining", int),
    f("takerRemaining", int),
    f("takerFee", int, 0),
    f("makerRebate", int, 0),
  ],
  order_rested: [
    ...base,
    ...orderRef,
    f("type", oneOf("order_rested")),
    f("side", side),
    f("price", int),
    f("qty", int),
  ],
  order_cancelled: [
    ...base,
    ...orderRef,
    f("type", oneOf("order_cancelled")),
    f("side", side),
    f("price", int),
    f("qty", int),
    f("reason", cancelReason),
  ],
  order_amended: [
    ...base,
    ...orderRef,
    f("type", oneOf("order_amended")),
    f("side", side),
    f("price", int),
    f("oldQty", int),
    f("qty", int),
  ],
};

/**
 * `value` (a parsed JSON value) as the event zod would return for it, when it is one of the HOT kinds
 * and every field passes; otherwise undefined (the caller asks zod, which accepts or refuses it).
 */
export function fastEvent(value: unknown): EngineEvent | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const fields = typeof o.type === "string" && Object.hasOwn(HOT, o.type) ? HOT[o.type] : undefined;
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, check, absent] of fields) {
    const v = o[key]; // read as zod reads it
    if (v === undefined) {
      if (absent === REQUIRED) return undefined;
      if (absent !== OPTIONAL) out[key] = absent;
    } else if (check(v)) out[key] = v;
    else return undefined;
  }
  return out as EngineEvent;
}

/** A logged event's JSON text as parseEvent reads it, by the fast path where it applies (see above). */
export function parseEventText(text: string): EngineEvent {
  const value: unknown = JSON.parse(text);
  return fastEvent(value) ?? parseEvent(value);
}

/**
 * An entry's JSON as an event, parsed and upgraded once where the persister reads it (the shared schema,
 * by parseEventText's cheaper path where it applies), or why it is not one (zod's issues as one line).
 */
export function parseEntry(data: string): EngineEvent | string {
  try {
    return parseEventText(data);
  } catch (err) {
    return err instanceof ZodError
      ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
      : (err as Error).message;
  }
}
