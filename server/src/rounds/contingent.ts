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

/** One automatic signal: the state it names (0-based index among the round's securities) and how. */
export interface ClaimSignal {
  kind: "not" | "noisy";
  state: number;
}

/**
 * The automatic signal of `playerId` for `period` (docs/markets.md "Private signals"), from the true
 * state's index `truth` among `n` states; null for kind "none" or fewer than 2 states. With
 * h = SHA-256("<seed>:signal:<playerId>:<period>") and u(i) = its 4 bytes at offset i (big-endian),
 * `others` = the indices other than `truth` in order:
 * - "not": others[u(0) mod |others|] (the signal says the state is NOT that one: always true);
 * - "noisy": truth when u(0) mod 10000 < accuracyBps, else others[u(4) mod |others|].
 */
export function claimSignal(
  seed: string,
  playerId: string,
  period: number,
  n: number,
  truth: number,
  rule: { kind: "not" | "noisy" | "none"; accuracyBps: number },
): ClaimSignal | null {
  if (rule.kind === "none" || n < 2) return null;
  const h = createHash("sha256").update(`${seed}:signal:${playerId}:${period}`).digest();
  const others = Array.from({ length: n }, (_, i) => i).filter((i) => i !== truth);
  if (rule.kind === "not") return { kind: "not", state: others[h.readUInt32BE(0) % others.length]! };
  const right = h.readUInt32BE(0) % 10_000 < rule.accuracyBps;
  return { kind: "noisy", state: right ? truth : others[h.readUInt32BE(4) % others.length]! };
}

/** The signal's text for its player (by name), naming the state by its claim's symbol. */
export function claimSignalText(s: ClaimSignal, name: string, symbol: string, accuracyBps: number): string {
  if (s.kind === "not") return `Private clue for ${name}: the state is NOT ${symbol}.`;
  return `Private signal for ${name}: the state is ${symbol} (a signal like this is right ${accuracyBps / 100}% of the time).`;
}
