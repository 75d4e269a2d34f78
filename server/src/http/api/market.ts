/**
 * Market data and account routes of /api/v1, for the key's game and player:
 *
 *   GET /securities                                   -> { securities: Security[] }
 *   GET /book/:security?depth=1..100 (20)             -> Book (aggregated levels, best first; seq = the game's seq read at)
 *   GET /trades/:security?since=&limit=               -> { trades } oldest first (since > 0: after that seq; else the latest)
 *   GET /candles/:security?interval=1s|5s|15s|1m|5m|15m|1h&limit=  -> { interval, candles } (time buckets with trades)
 *   GET /account                                      -> Account (cash, locked, holdings, equity and P&L as the leaderboard computes them)
 *   GET /fills?securityId=&since=&limit=              -> { fills } the player's, oldest first
 *   GET /game                                         -> Game (phase, clock, rules, news so far)
 *
 * Book, orders and inventory come from the engine (hub.engine), P&L from the game service's
 * leaderboard, trades/fills/candles from PostgreSQL (history.ts). Units: ticks, lots, minor units, ms.
 */
import { z } from "zod";
import { ApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { Caller } from "./auth.ts";
import type { History } from "./history.ts";
import type { ApiRouter } from "./router.ts";
import {
  AccountView,
  BookQuery,
  BookView,
  CANDLE_INTERVALS,
  CandleView,
  CandlesQuery,
  FillView,
  FillsQuery,
  GameView,
  SecurityParam,
  SecurityView,
  TradeView,
  TradesQuery,
} from "./schemas.ts";

type KeyCaller = Extract<Caller, { kind: "key" }>;

export function mountMarketRoutes(r: ApiRouter<Caller>, service: GameService, history: History): void {
  const key = (c: Caller) => c as KeyCaller;
  const engine = service.hub.engine;
  /** Throws UNKNOWN_SECURITY unless the game has the security (PostgreSQL reads would answer an empty list). */
  const known = async (gameId: string, securityId: number) => {
    const info = unwrap(await engine.gameInfo(gameId));
    if (!info.securities.some((s) => s.securityId === securityId))
      throw new ApiError("UNKNOWN_SECURITY", `no security ${securityId}`);
  };

  r.add({
    method: "get",
    path: "/securities",
    access: "key",
    summary: "The game's securities and their rules",
    replies: { 200: z.object({ securities: z.array(SecurityView) }) },
    handler: async ({ caller }) => {
      const g = await service.get(key(caller).gameId);
      return {
        securities: g.securities.map((s) => ({
          securityId: s.securityId,
          symbol: s.symbol,
          tickSize: s.tickSize,
          lotSize: s.lotSize,
          scale: s.scale,
          bandLow: s.bandLow,
          bandHigh: s.bandHigh,
          maxOrderQty: s.maxOrderQty,
          positionLimit: s.positionLimit,
          shortLimit: s.shortLimit,
          takerFee: s.takerFee,
          makerRebate: s.makerRebate,
          refPrice: s.refPrice,
        })),
      };
    },
  });

  r.add({
    method: "get",
    path: "/book/:security",
    access: "key",
    summary: "Aggregated order book, best first",
    params: SecurityParam,
    query: BookQuery,
    replies: { 200: BookView },
    errors: ["NOT_FOUND", "INVALID_QUERY", "UNKNOWN_SECURITY"],
    handler: async ({ params, query, caller }) => {
      const b = unwrap(await engine.book(key(caller).gameId, params.security, query.depth));
      return { securityId: b.securityId, seq: b.seq, bids: b.bids, asks: b.asks };
    },
  });

  r.add({
    method: "get",
    path: "/trades/:security",
    access: "key",
    summary: "Trades of a security, oldest first",
    params: SecurityParam,
    query: TradesQuery,
    replies: { 200: z.object({ trades: z.array(TradeView) }) },
    errors: ["NOT_FOUND", "INVALID_QUERY", "UNKNOWN_SECURITY"],
    handler: async ({ params, query, caller }) => {
      const { gameId } = key(caller);
      await known(gameId, params.security);
      return { trades: await history.trades(gameId, params.security, query.since, query.limit) };
    },
  });

  r.add({
    method: "get",
    path: "/candles/:security",
    access: "key",
    summary: "OHLCV candles of a security's trades per time interval, oldest first",
    params: SecurityParam,
    query: CandlesQuery,
    replies: { 200: z.object({ interval: z.string(), candles: z.array(CandleView) }) },
    errors: ["NOT_FOUND", "INVALID_QUERY", "UNKNOWN_SECURITY"],
    handler: async ({ params, query, caller }) => {
      const { gameId } = key(caller);
      await known(gameId, params.security);
      return {
        interval: query.interval,
        candles: await history.candles(gameId, params.security, CANDLE_INTERVALS[query.interval], query.limit),
      };
    },
  });

  r.add({
    method: "get",
    path: "/account",
    access: "key",
    summary: "Cash, holdings, what open orders lock, equity and P&L",
    replies: { 200: AccountView },
    handler: async ({ caller }) => {
      const { gameId, playerId } = key(caller);
      const inv = unwrap(await engine.inventory(gameId, playerId));
      const row = (await service.leaderboard(gameId)).find((l) => l.playerId === playerId);
      const { seq } = unwrap(await engine.gameInfo(gameId));
      return {
        gameId,
        playerId,
        seq,
        cash: inv.cash,
        cashLocked: inv.cashLocked,
        holdings: inv.positions,
        equity: row?.equity ?? inv.cash,
        pnl: row?.pnl ?? 0,
        realizedPnl: row?.realizedPnl ?? 0,
        unrealizedPnl: row?.unrealizedPnl ?? 0,
        fees: row?.fees ?? 0,
      };
    },
  });

  r.add({
    method: "get",
    path: "/fills",
    access: "key",
    summary: "The key's player's fills, oldest first",
    query: FillsQuery,
    replies: { 200: z.object({ fills: z.array(FillView) }) },
    errors: ["INVALID_QUERY"],
    handler: async ({ query, caller }) => {
      const { gameId, playerId } = key(caller);
      return { fills: await history.fills(gameId, playerId, query) };
    },
  });

  r.add({
    method: "get",
    path: "/game",
    access: "key",
    summary: "The game: phase, clock, rules and the news so far",
    replies: { 200: GameView },
    handler: async ({ caller }) => {
      const { gameId } = key(caller);
      const g = await service.get(gameId);
      const news = await engine.newsList(gameId);
      return {
        gameId,
        name: g.name,
        phase: g.phase,
        seq: g.seq,
        clock: { ...g.clock },
        rules: { ...g.rules },
        news: news.map((n) => ({ seq: n.seq, ts: n.ts, headline: n.headline, shifts: n.shifts })),
      };
    },
  });
}
