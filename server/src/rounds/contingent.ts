/**
 * State-contingent claims (docs/markets.md "State-contingent claims"): each security of the round is the
 * claim on one state; at the end one state is drawn and its claim pays `payout` minor units per lot,
 * the others 0 (paid through the core's `dividend` command, period 1). Pure.
 *
 * The draw: weights w_1..w_n (one per security in the round's order; a missing weight counts 1, extra
 * ones are ignored), x = first 4 bytes of SHA-256("<seed>:contingent") mod sum(w); the state is the
 * first i with w_1 + ... + w_i > x. Seed default: the game id.
 */
import { createHash } from "node:crypto";

/** The weights of `n` states from the rules' list (see the module doc). */
export function stateWeights(n: number, weights: readonly number[] = []): number[] {
  return Array.from({ length: n }, (_, i) => weights[i] ?? 1);
}

/** The index (0-based) of the state that occurs among `n` states. */
export function contingentState(seed: string, n: number, weights: readonly number[] = []): number {
  const w = stateWeights(n, weights);
  const total = w.reduce((a, v) => a + v, 0);
  let x = createHash("sha256").update(`${seed}:contingent`).digest().readUInt32BE(0) % total;
  for (let i = 0; i < n; i++) {
    if (x < w[i]!) return i;
    x -= w[i]!;
  }
  return n - 1;
}

/** Each security's payout per lot: `payout` for the state's security, 0 for the others (in the given order). */
export function contingentPayouts(
  seed: string,
  securityIds: readonly number[],
  payout: number,
  weights?: readonly number[],
): { securityId: number; amount: number }[] {
  const state = contingentState(seed, securityIds.length, weights);
  return securityIds.map((securityId, i) => ({ securityId, amount: i === state ? payout : 0 }));
}
