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
 *
 *   GET /api/games/:id/induced       admin or a player of the game (bearer token) ->
 *     admin:  { gameId, rules, schedules: [{ playerId, role, units }], demand, supply, equilibrium:
 *               { qty, priceLow, priceHigh, maxSurplus (one period) }, players: [{ playerId, role, traded,
 *               surplus }], periods: [{ period, traded, turnover, avgPrice, realized, maxSurplus,
 *               efficiencyBps }], realized, maxSurplus (all periods listed), efficiencyBps }
 *     player: { gameId, playerId, role, units, traded, periodTraded, surplus } (their own schedule only;
 *               periodTraded = units of the schedule used in the period under way: private values
 *               never reach another player); role null when the player is not scheduled (yet).
 *
 * For a double auction with induced values (rounds/induced.ts): money in minor units per lot.
 * Errors: 401 / 403 (no token, another game's token), NOT_FOUND (unknown game, or not an induced round).
 *
 *   GET /api/games/:id/contingent    anyone ->
 *     { gameId, payout, states: [{ securityId, symbol, weight, chanceBps }], state: securityId | null }
 *
 * For state-contingent claims (rounds/contingent.ts): `state` = the security whose state occurs, given
 * to the admin token at any time (so the teacher can send true or false signals with the signal form)
 * and to everyone else once the round has ended (null before). Errors: NOT_FOUND.
 *
 *   GET /api/games/:id/market        anyone -> the round's public market facts (rounds/market-info.ts:
 *     call timing and the next call, the current fundamental value, the claims' chances); NOT_FOUND.
 */
import { ContingentRules, DividendRules, GameIdParam } from "@marketroom/shared";
import { contingentState, stateWeights } from "../rounds/contingent.ts";
import { marketInfo, type MarketInfoSettings } from "../rounds/market-info.ts";
import type { Application } from "express";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import type { GameRecord } from "../game/store.ts";
import { dividendDraw, fundamentalPath } from "../rounds/dividends.ts";
import type { InducedMarkets } from "../rounds/induced-market.ts";
import { bearer, parse } from "./request.ts";

export function mountMarketRoutes(app: Application, deps: { service: GameService; induced: InducedMarkets }): void {
  const { service, induced } = deps;
  app.get("/api/games/:id/market", async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const rec = await service.record(gameId).catch(() => null);
    if (!rec) throw new ApiError("NOT_FOUND", "no such game");
    res.json(marketInfo(rec as never as GameRecord<MarketInfoSettings>, Date.now()));
  });
  app.get("/api/games/:id/contingent", async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const rec = await service.record(gameId).catch(() => null);
    if (!rec || rec.settings.rules.marketType !== "contingent")
      throw new ApiError("NOT_FOUND", "not a state-contingent claims round");
    const rules = ContingentRules.parse(rec.settings.rules.contingent ?? {});
    const secs = rec.settings.securities;
    const weights = stateWeights(secs.length, rules.weights);
    const total = weights.reduce((a, w) => a + w, 0);
    const who = await service.authenticate(bearer(req)).catch(() => null);
    const reveal = who?.role === "admin" || !!rec.endedAt;
    res.json({
      gameId,
      payout: rules.payout,
      states: secs.map((s, i) => ({
        securityId: s.securityId,
        symbol: s.symbol,
        weight: weights[i]!,
        chanceBps: Math.floor((10_000 * weights[i]!) / total),
      })),
      state: reveal ? secs[contingentState(rules.seed ?? gameId, secs.length, rules.weights)]!.securityId : null,
    });
  });
  app.get("/api/games/:id/induced", async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const who = await service.authenticate(bearer(req));
    if (!who) throw new ApiError("UNAUTHORIZED", "a player or admin bearer token is required");
    if (who.role !== "admin" && who.gameId !== gameId)
      throw new ApiError("FORBIDDEN", "this token belongs to another game");
    const view = await induced.view(gameId).catch(() => null);
    if (!view) throw new ApiError("NOT_FOUND", "not a double auction with induced values");
    if (who.role === "admin") {
      res.json(view);
      return;
    }
    const mine = view.schedules.find((s) => s.playerId === who.playerId);
    const result = view.players.find((p) => p.playerId === who.playerId);
    res.json({
      gameId,
      playerId: who.playerId,
      role: mine?.role ?? null,
      units: mine?.units ?? [],
      traded: result?.traded ?? 0,
      periodTraded: result?.periodTraded ?? 0,
      surplus: result?.surplus ?? 0,
    });
  });
  app.get("/api/games/:id/fundamental", async (req, res) => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const rec = await service.record(gameId).catch(() => null);
    if (!rec || rec.settings.rules.marketType !== "dividends")
      throw new ApiError("NOT_FOUND", "not an asset market with dividends");
    const rules = DividendRules.parse(rec.settings.rules.dividends ?? {});
    const periods = Math.max(1, rec.periodCount);
    const state = (await service.hub.engine.writer(gameId)).state;
    const paid: { securityId: number; period: number; amount: number }[] = [];
    for (const s of rec.settings.securities) {
      const last = state?.securities.get(s.securityId)?.dividendPeriod ?? 0;
      for (let period = 1; period <= last; period++) {
        paid.push({
          securityId: s.securityId,
          period,
          amount: dividendDraw(rules.seed ?? gameId, s.securityId, period, rules.values),
        });
      }
    }
    const fundamental = fundamentalPath(rules.values, periods);
    res.json({
      gameId,
      marketType: "dividends",
      periods,
      values: rules.values,
      expectedDividend: fundamental[periods - 1],
      fundamental,
      paid,
    });
  });
}
