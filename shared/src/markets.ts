/**
 * Rules of the classroom market types that have their own parameters (docs/markets.md), as zod schemas
 * shared by the server (POST /api/games validates GameRules) and the admin form (client/src/market-type-form.ts
 * validates the same schemas before sending). Money in minor units per lot, integers.
 */
import { z } from "zod";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** A seed of a market type's draws: default the game id; same characters as a game id. */
export const MarketSeed = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A closed range of integers, minor units per lot; min <= max. */
const Range = z
  .object({ min: int(0, 1_000_000_000), max: int(0, 1_000_000_000) })
  .refine((r) => r.min <= r.max, { message: "min must not exceed max" });

/**
 * Double auction with induced values and costs (marketType "induced"; Smith 1962): players take turns
 * as buyer and seller in the order they joined; each buyer gets `units` private redemption values and each
 * seller `units` private costs, drawn from `values` / `costs` with `seed` (default the game id).
 */
export const InducedRules = z.object({
  units: int(1, 20).default(3),
  values: Range.default({ min: 60, max: 160 }),
  costs: Range.default({ min: 40, max: 140 }),
  seed: MarketSeed.optional(),
});
export type InducedRules = z.output<typeof InducedRules>;

/**
 * Automatic private signals of a state-contingent claims round (docs/markets.md "Private signals"): at
 * the start (and, with `everyPeriod`, at the start of each later period) each human player gets one
 * signal drawn from the true state by a seeded rule. `kind`: "not" = "the state is not X" with X one of
 * the other states (Plott & Sunder 1988 style clues; always true); "noisy" = names a state, the true one
 * with chance `accuracyBps` / 10000, else one of the others; "none" = no automatic signals.
 */
export const ClaimSignalRules = z.object({
  kind: z.enum(["not", "noisy", "none"]).default("not"),
  accuracyBps: int(0, 10_000).default(7000),
  everyPeriod: z.boolean().default(false),
});
export type ClaimSignalRules = z.output<typeof ClaimSignalRules>;

/**
 * State-contingent claims (marketType "contingent"): each security is the claim on one state; at the
 * end one state is drawn (weights, default equal; `seed`, default the game id) and its claim pays
 * `payout` per lot, the others nothing.
 */
export const ContingentRules = z.object({
  payout: int(1, 1_000_000_000).default(100),
  weights: z.array(int(1, 1000)).min(1).max(100).optional(),
  seed: MarketSeed.optional(),
  signals: ClaimSignalRules.default({ kind: "not", accuracyBps: 7000, everyPeriod: false }),
});
export type ContingentRules = z.output<typeof ContingentRules>;
