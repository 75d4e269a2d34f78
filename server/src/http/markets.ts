/**
 * Market-type routes (docs/markets.md):
 *
 *   GET /api/games/:id/fundamental   anyone (the values are public in the experiment) ->
 *     { gameId, marketType, periods, values, expectedDividend, fundamental: number[], paid: [{ securityId, period, amount }] }
 *
 * For an asset market with dividends: `values` = the dividend distribution (minor units per lot, equally
 * likely), `fundamental[k - 1]` = the fundamental value per lot at the start of period k (expected
 * remaining dividends, rounded down; rounds/dividends.ts), with a last entry 0 after the final period;
 * `paid` = the dividends paid so far. Errors: NOT_FOUND (unknown game, or not a dividends round).
 */
import { DividendRules, GameIdParam } from "@marketroom/shared";
import type { Application } from "express";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import { dividendDraw, fundamentalPath } from "../rounds/dividends.ts";
import { parse } from "./request.ts";

export function mountMarketRoutes(app: Application, deps: { service: GameService }): void {
  const { service } = deps;
  app.get("/api/games/:id/fundamental", async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const rec = await service.record(gameId).catch(() => null);
    if (!rec || rec.settings.rules.marketType !== "dividends") throw new ApiError("NOT_FOUND", "not an asset market with dividends");
    const rules = DividendRules.parse(rec.settings.rules.dividends ?? {});
    const periods = Math.max(1, rec.periodCount);
    const state = (await service.hub.engine.writer(gameId)).state;
    const paid: { securityId: number; period: number; amount: number }[] = [];
    for (const s of rec.settings.securities) {
      const last = state?.securities.get(s.securityId)?.dividendPeriod ?? 0;
      for (let period = 1; period <= last; period++) {
        paid.push({ securityId: s.securityId, period, amount: dividendDraw(rules.seed ?? gameId, s.securityId, period, rules.values) });
      }
    }
    const fundamental = fundamentalPath(rules.values, periods);
    res.json({ gameId, marketType: "dividends", periods, values: rules.values, expectedDividend: fundamental[periods - 1], fundamental, paid });
  });
}
