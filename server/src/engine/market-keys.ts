/**
 * The key-ops projection and hydration of the market-type state (docs/markets.md), apart from
 * key-ops.ts / hydrate.ts, which use these once each:
 *
 *   game:{g}:security:<s>          fields trading_mode ("continuous" | "call"; absent = continuous) and
 *                                  dividend_period (the last dividend period paid; absent = 0)
 *
 * The cash a dividend moves (inventories, cash_total) and the orders and levels a call changes are
 * written by key-ops.ts's own producers (InventoryOps, SetupOps, BookOps), which know these events.
 */
import type { EngineEvent } from "@marketroom/shared";
import type { TradingModeName } from "../core/state.ts";
import type { KeyOpProducer, ProjectionContext } from "./key-op-producer.ts";
import * as K from "./keys.ts";

/** The security hash's market-type fields of every security whose mode or dividend period changed in the batch. */
export class MarketOps implements KeyOpProducer {
  /** Made when first needed (most batches have none; key-ops.ts NONE). */
  private touched: Set<number> | null = null;

  touch(ev: EngineEvent): void {
    if (ev.type === "trading_mode" || ev.type === "dividend") (this.touched ??= new Set()).add(ev.securityId);
  }

  write({ gameId: g, state, enc }: ProjectionContext): void {
    if (this.touched === null) return;
    for (const sid of this.touched) {
      const sec = state.securities.get(sid);
      if (!sec) throw new Error(`market-keys: no security ${sid} in the state`);
      enc.hset(K.securityKey(g, sid), "trading_mode", sec.mode, "dividend_period", sec.dividendPeriod);
    }
  }
}

/**
 * The market-type fields of a security's state from its stored hash: the trading mode (continuous
 * when absent) and the last dividend period paid (0 when absent). Throws on a value the projection
 * never writes.
 */
export function marketSecurityState(config: Record<string, string>): { mode: TradingModeName; dividendPeriod: number } {
  const m = config.trading_mode ?? "continuous";
  if (m !== "continuous" && m !== "call") throw new Error(`hydrate: trading_mode is not continuous or call: ${m}`);
  const dividendPeriod = Number(config.dividend_period ?? "0");
  if (!Number.isSafeInteger(dividendPeriod) || dividendPeriod < 0)
    throw new Error(`hydrate: dividend_period is not an integer: ${config.dividend_period}`);
  return { mode: m, dividendPeriod };
}
