/**
 * Setup commands the benchmarks share (core, margin, room-tick), so each bench states only what its
 * game needs beyond a plain security.
 */
import type { AddSecurityCommand } from "../src/core/commands.ts";

/**
 * An `add_security` command for a bench: tick 0.01 with scale 1 (prices in ticks), lot 1, a band wide
 * enough never to refuse (1..1e9 ticks), no short, position or order-size limits, no fees. `extra`
 * adds or overrides fields (e.g. margin rates and a reference price for a margin game).
 */
export function benchSecurity(
  securityId: number,
  symbol: string,
  extra: Partial<Omit<AddSecurityCommand, "type" | "securityId" | "symbol">> = {},
): AddSecurityCommand {
  return {
    type: "add_security",
    securityId,
    symbol,
    tickSize: "0.01",
    lotSize: 1,
    scale: 1,
    bandLow: 1,
    bandHigh: 1_000_000_000,
    shortLimit: 0,
    positionLimit: 0,
    maxOrderQty: 0,
    ...extra,
  };
}
