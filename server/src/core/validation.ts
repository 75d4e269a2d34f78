/**
 * Validation: shapes of command arguments (the checks of docs/engine.md "Place: the rules" step 1 and
 * of the setup commands). Nothing here reads balances.
 *
 * Integers: a value is accepted only when it is a JS integer within the bounds (a fraction, NaN, an
 * unsafe or out-of-range number is refused with the caller's code). Text limits count UTF-8 bytes
 * (isTextBytes: clientOrderIds, names) or characters and bytes both (isShortText: headlines, signal
 * texts); the limits are those the Lua engine this core replaced had, so old logs stay valid.
 */
import type { ErrorCode } from "@marketroom/shared";
import { reject } from "./reject.ts";

export const MAX_SAFE = 9_007_199_254_740_991;
/** Ticks; keeps price x qty x scale checkable below 2^53. */
export const MAX_PRICE = 1_000_000_000;
/** Lots. */
export const MAX_QTY = 1_000_000_000;
/** Minor units per player endowment. */
export const MAX_CASH = 1_000_000_000_000_000;
/** Minor units per lot (taker fee, maker rebate). */
export const MAX_FEE = 1_000_000_000;
export const MAX_SECURITY_ID = 2_147_483_647;
export const MAX_ORDER_ID = 999_999_999_999;

/** Integer in [lo, hi]. */
export function isIntIn(v: unknown, lo: number, hi: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
}

/** v when it is an integer in [lo, hi], else a rejection with `code`. */
export function needInt(v: unknown, lo: number, hi: number, code: ErrorCode, what: string): number {
  if (!isIntIn(v, lo, hi)) reject(code, `${what} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/** An optional argument: its default when absent, else needInt. */
export function optInt(v: unknown, dflt: number, lo: number, hi: number, code: ErrorCode, what: string): number {
  return v === undefined ? dflt : needInt(v, lo, hi, code, what);
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Player ids (and the admin actor): 1 to 64 letters, digits, '_' or '-'. */
export function isPlayerId(v: unknown): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= 64 && TOKEN.test(v);
}

/** Group names of signals: 1 to 32 letters, digits, '_' or '-'. */
export function isGroup(v: unknown): v is string {
  return typeof v === "string" && v.length <= 32 && TOKEN.test(v);
}

/** Admin action names: 1 to 32 letters, digits or '_'. */
export function isAction(v: unknown): v is string {
  return typeof v === "string" && v.length <= 32 && /^[A-Za-z0-9_]+$/.test(v);
}

/** Security symbols: 1 to 16 letters, digits or . - _ ^. */
export function isSymbol(v: unknown): v is string {
  return typeof v === "string" && v.length <= 16 && /^[A-Za-z0-9._^-]+$/.test(v);
}

/** Tick sizes: positive decimal text such as "0.01", at most 20 characters. */
export function isTickSize(v: unknown): v is string {
  return (
    typeof v === "string" && v.length <= 20 && /^\d+\.?\d*$/.test(v) && Number(v.endsWith(".") ? v.slice(0, -1) : v) > 0
  );
}

/** UTF-8 length of s in bytes. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/** Characters (code points) of s. */
export function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i += 1;
    n += 1;
  }
  return n;
}

/** Free text of 1 to 280 characters and at most 1120 bytes (headlines, signal texts). */
export function isShortText(v: unknown): v is string {
  if (typeof v !== "string") return false;
  const chars = charCount(v);
  return chars >= 1 && chars <= 280 && utf8Bytes(v) <= 1120;
}

/** Text of lo to hi UTF-8 bytes. */
export function isTextBytes(v: unknown, lo: number, hi: number): v is string {
  if (typeof v !== "string") return false;
  const n = utf8Bytes(v);
  return n >= lo && n <= hi;
}
