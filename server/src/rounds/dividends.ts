/**
 * The asset market with dividends (docs/markets.md; Smith, Suchanek & Williams 1988, "Bubbles, crashes,
 * and endogenous expectations in experimental spot asset markets", Econometrica 56(5)): one security
 * pays a random dividend per lot at the end of each of N periods, drawn from a known distribution
 * (default {0, 8, 28, 60} minor units, equally likely; expected 24), and is worth nothing after the last.
 * Pure functions: the draw and the fundamental value. Units: minor units per lot.
 */
import { createHash } from "node:crypto";

/**
 * The dividend of `period` (1-based) for a security: one of `values`, each equally likely, from the
 * first 4 bytes of SHA-256("<seed>:<securityId>:<period>") modulo the number of values. Deterministic:
 * every process (and a test) draws the same; unknown to players in advance as long as the seed is.
 */
export function dividendDraw(seed: string, securityId: number, period: number, values: readonly number[]): number {
  if (values.length === 0) throw new Error("dividendDraw: no values");
  const h = createHash("sha256").update(`${seed}:${securityId}:${period}`).digest();
  return values[h.readUInt32BE(0) % values.length]!;
}

/**
 * The fundamental value per lot at the start of `period` (1..periods; periods + 1 = after the last
 * dividend): the expected sum of the dividends still to come, (periods - period + 1) x mean(values),
 * rounded down to the minor unit. 0 after the last period.
 */
export function fundamentalValue(values: readonly number[], periods: number, period: number): number {
  const left = Math.max(0, periods - period + 1);
  const sum = values.reduce((a, v) => a + v, 0);
  return Math.floor((left * sum) / values.length);
}

/** The fundamental value at the start of each period 1..periods, then 0 after the last (periods + 1 entries). */
export function fundamentalPath(values: readonly number[], periods: number): number[] {
  return Array.from({ length: periods + 1 }, (_, i) => fundamentalValue(values, periods, i + 1));
}
