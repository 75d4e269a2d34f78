/**
 * A quick check of the common "place" message, ahead of its zod schema (shared PlaceMessage): inside the
 * server zod's parse of an order cost 20-45 µs of profiled CPU per order (issue 13; under 2 µs in a
 * loop of its own, so most of it is cache and dispatch around a large generic parser).
 *
 * `quickPlace(body)` answers only for a plain object whose keys are among securityId, side, type, tif,
 * postOnly, price and qty, with values the schema accepts: then it returns what the schema's parse
 * returns (the same fields in the same order, defaults filled: type "limit", tif "GTC", postOnly
 * false). For anything else (text fields such as ref and clientOrderId, brackets, leverage, unknown
 * keys, any value it does not accept) it returns null and the caller parses with zod, which gives the
 * same errors as before. server/test/rooms/place-check.test.ts holds it equal to zod on random input.
 */
import { MAX_PRICE_TICKS, MAX_QTY_LOTS } from "@marketroom/shared";

/** What PlaceMessage's parse returns for the messages quickPlace accepts. */
export interface QuickPlace {
  securityId: number;
  side: "buy" | "sell";
  type: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  postOnly: boolean;
  price?: number;
  qty: number;
}

const KEYS = new Set(["securityId", "side", "type", "tif", "postOnly", "price", "qty"]);
const MAX_SECURITY_ID = 2_147_483_647;

const intIn = (x: unknown, min: number, max: number): x is number =>
  Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;

/** The parsed message, or null: parse with zod (see the module doc). */
export function quickPlace(body: unknown): QuickPlace | null {
  if (typeof body !== "object" || body === null || Object.getPrototypeOf(body) !== Object.prototype) return null;
  const m = body as Partial<Record<keyof QuickPlace, unknown>>;
  for (const k in m) if (!KEYS.has(k)) return null;
  const { securityId, side, type = "limit", tif = "GTC", postOnly = false, price, qty } = m;
  if (!intIn(securityId, 1, MAX_SECURITY_ID) || !intIn(qty, 1, MAX_QTY_LOTS)) return null;
  if (side !== "buy" && side !== "sell") return null;
  if (type !== "limit" && type !== "market") return null;
  if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK") return null;
  if (typeof postOnly !== "boolean") return null;
  if ("price" in m) {
    if (!intIn(price, 1, MAX_PRICE_TICKS)) return null;
    return { securityId, side, type, tif, postOnly, price, qty };
  }
  return { securityId, side, type, tif, postOnly, qty };
}
