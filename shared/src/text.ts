/**
 * Free text a user supplies (names, clientOrderIds, headlines, signal texts), checked at the boundary
 * by one zod helper, `text()`, so every such field follows the same rules:
 *
 * - Unicode NFC: the value is normalised before anything else, and the normalised form is what the
 *   schema outputs (so "é" typed as e + U+0301 and as U+00E9 is the same name and the same clientOrderId).
 * - Well-formed: no lone UTF-16 surrogate (PostgreSQL refuses them in jsonb; they are no character).
 * - No control characters: C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F), and the line and
 *   paragraph separators U+2028/U+2029. A `multiline` field may hold line feeds (U+000A) only; a tab
 *   or carriage return is refused there too. NUL in particular never reaches Valkey or PostgreSQL.
 * - No bidirectional overrides or isolates (U+202A-U+202E, U+2066-U+2069): they make a name or a
 *   headline read differently from what it is (Trojan Source, CVE-2021-42574).
 * - Length in characters (Unicode code points, after NFC) within [min, max], and in UTF-8 bytes at most
 *   `maxBytes` when given (clientOrderIds are counted in bytes).
 * - `trim`: leading and trailing white space removed before the checks (names); otherwise kept.
 *
 * Failures are ordinary zod issues (code "custom" or "too_small"/"too_big"), so each boundary reports
 * them with its own stable code: INVALID_BODY over HTTP, INVALID_MESSAGE in the
 * room (docs/api.md, "Text fields").
 */
import { z } from "zod";

export interface TextRules {
  /** Fewest characters (code points, after NFC and trimming); default 1. */
  min?: number;
  /** Most characters (code points, after NFC and trimming). */
  max: number;
  /** Most UTF-8 bytes, when the field is stored or checked in bytes. */
  maxBytes?: number;
  /** Line feeds allowed (U+000A only); default false. */
  multiline?: boolean;
  /** Trim white space at both ends first; default false. */
  trim?: boolean;
}

/** Control characters (C0 but \n, DEL, C1) and line/paragraph separators; \n is checked separately. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
/** In a `u` regex a surrogate range only matches a surrogate that is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const utf8 = new TextEncoder();

/** Code points of `s` (an astral character counts once). */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** UTF-8 length of `s`, bytes. */
function byteLength(s: string): number {
  return utf8.encode(s).length;
}

/** Why `s` (already normalised) breaks `rules`, or null when it does not. */
function textProblem(s: string, rules: TextRules): string | null {
  if (LONE_SURROGATE.test(s)) return "contains a lone surrogate (not valid Unicode)";
  if (CONTROL.test(s)) return "contains a control character";
  if (!rules.multiline && s.includes("\n")) return "must be one line";
  if (BIDI.test(s)) return "contains a bidirectional override character";
  const chars = charLength(s);
  const min = rules.min ?? 1;
  if (chars < min) return min === 1 ? "must not be empty" : `must have at least ${min} characters`;
  if (chars > rules.max) return `must have at most ${rules.max} characters`;
  if (rules.maxBytes !== undefined && byteLength(s) > rules.maxBytes)
    return `must be at most ${rules.maxBytes} bytes in UTF-8`;
  return null;
}

/**
 * A zod schema for user text: input a string, output its NFC form (trimmed if `trim`), refused with a
 * custom issue when it breaks `rules` (see the file header). Strings longer than 4 x max UTF-16 units
 * are refused before normalising, so a huge value costs nothing.
 */
export function text(rules: TextRules) {
  return z
    .string()
    .max(4 * Math.max(rules.max, rules.maxBytes ?? 0), `must have at most ${rules.max} characters`)
    .transform((raw, ctx) => {
      const n = raw.normalize("NFC");
      const s = rules.trim ? n.trim() : n;
      const problem = textProblem(s, rules);
      if (problem) {
        ctx.issues.push({ code: "custom", message: problem, input: raw });
        return z.NEVER;
      }
      return s;
    });
}
