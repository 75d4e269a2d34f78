/**
 * Replay API: a game's past from the persisted event log (PostgreSQL), via ReplayReader. Never reads
 * or writes Valkey, so a finished round can be replayed while other games run live.
 *
 * Auth: Authorization: Bearer <admin token>, a player token of that game, or the viewer token of a
 * shared replay link of that game (replay-links.ts; POST /api/games/:id/replay-links is mounted here too).
 * 401 UNAUTHORIZED without a valid token, and for a viewer token that is expired, tampered with or made
 * for another game; 403 with another game's player token, and for a viewer asking for inventories or a
 * timeline. What a player sees is decided by replay/privacy.ts
 * alone: public market events and their own in full; other players' orders and fills without identity;
 * other players' endowments never; private signals only when they received them. A player's inventory
 * and timeline routes serve their own only (403 for another player's).
 *
 *   GET /api/games/:id/replay                                   summary: lastSeq, firstTs, lastTs, phase, securities, players
 *   GET /api/games/:id/replay/events?from=1&limit=1000&to=      EventPage { fromSeq, lastSeq, events, nextSeq }
 *   GET /api/games/:id/replay/book/:securityId?seq=&depth=      BookView at seq (default last): levels + orders, price-time
 *   GET /api/games/:id/replay/inventories?seq=&playerId=        { seq, ts, inventories }
 *   GET /api/games/:id/replay/players/:playerId/timeline?from=&to=   PlayerTimeline
 *   GET /api/games/:id/replay/leaderboard?seq=                  { seq, ts, leaderboard: LeaderboardRow[] } as the room showed it
 *   GET /api/games/:id/replay/margin?seq=&playerId=             MarginReplayView (replay/margin.ts): accounts, fund, marks
 *   GET /api/games/:id/replay/prices/:securityId?bucketEvents=1000|bucketMs=&from=&to=   { candles }
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts in ms since the epoch. Errors:
 * `{ code, message }`: INVALID_QUERY 400, UNAUTHORIZED 401, FORBIDDEN 403, UNKNOWN_GAME 404 (no
 * stored events), UNKNOWN_SECURITY / UNKNOWN_PLAYER 404, UNAVAILABLE 503 (no database configured).
 * See docs/replay.md.
 */
import type { Application, NextFunction, Request, Response } from "express";
import { GameId, PlayerId } from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import type { Db } from "../persistence/db.ts";
import { ReplayError, ReplayReader, type Valuer } from "../replay/reader.ts";
import { pricesAsShown, standingsOf } from "../scoring/scoring.ts";
import { rankRuleOf, shownStandings } from "../scoring/ranking.ts";
import { visibleEvents, visibleOrder, type Viewer } from "../replay/privacy.ts";
import { marginAt } from "../replay/margin.ts";
import { bearer } from "./request.ts";
import { mountReplayLinkRoutes, type ViewerTokens } from "./replay-links.ts";

export interface ReplayDeps {
  service: GameService;
  db?: Db;
  store?: ReplayReader;
  viewers?: ViewerTokens;
}

/** Optional non-negative integer query parameter; INVALID_QUERY otherwise. */
function qint(req: Request, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = req.query[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || !/^\d{1,16}$/.test(v) || Number(v) > max)
    throw new ApiError("INVALID_QUERY", `${name} must be an integer in [0, ${max}]`);
  return Number(v);
}

function pint(req: Request, name: string): number {
  const v = req.params[name];
  if (typeof v !== "string" || !/^\d{1,10}$/.test(v)) throw new ApiError("NOT_FOUND", `bad ${name}`);
  return Number(v);
}

function gameIdOf(req: Request): string {
  const r = GameId.safeParse(req.params.id);
  if (!r.success) throw new ApiError("NOT_FOUND", "bad game id");
  return r.data;
}

/** A player id from the path (NOT_FOUND when malformed) or the query (INVALID_QUERY). */
function playerIdOf(value: unknown, where: "path" | "query"): string {
  const r = PlayerId.safeParse(value);
  if (!r.success)
    throw where === "path"
      ? new ApiError("NOT_FOUND", "bad player id")
      : new ApiError("INVALID_QUERY", "playerId must be a player id");
  return r.data;
}

function unknownGame(id: string): ApiError {
  return new ApiError("UNKNOWN_GAME", `no stored events for game ${id}`);
}

/** Mounts the replay routes on `app` (before the /api 404 handler). */
export function mountReplayRoutes(app: Application, deps: ReplayDeps): ReplayReader | undefined {
  const store = deps.store ?? (deps.db ? new ReplayReader(deps.db) : undefined);
  const viewers = new WeakMap<Request, Viewer>();

  const auth = async (req: Request, _res: Response, next: NextFunction) => {
    if (!store) return next(new ApiError("UNAVAILABLE", "replay needs the database"));
    const token = bearer(req);
    const who = await deps.service.authenticate(token);
    if (!who) {
      const link = token && deps.viewers ? await deps.viewers.verify(token) : null;
      if (link?.ok && link.gameId === req.params.id) {
        viewers.set(req, { role: "viewer" });
        return next();
      }
      const why = !link
        ? "an admin or player bearer token is required"
        : link.ok
          ? "this replay link is for another game"
          : link.reason === "expired"
            ? "this replay link has expired"
            : "this replay link is not valid";
      return next(new ApiError("UNAUTHORIZED", why));
    }
    if (who.role === "admin") viewers.set(req, { role: "admin" });
    else if (who.gameId === req.params.id) viewers.set(req, { role: "player", playerId: who.playerId });
    else return next(new ApiError("FORBIDDEN", "this token belongs to another game"));
    next();
  };
  const viewer = (req: Request) => viewers.get(req)!;
  const own = (req: Request, playerId: string) => {
    const v = viewer(req);
    if (v.role === "viewer")
      throw new ApiError("FORBIDDEN", "a shared replay link shows the market, not players' accounts");
    if (v.role === "player" && v.playerId !== playerId)
      throw new ApiError("FORBIDDEN", "a player may only see their own inventory and timeline");
  };
  const mapped = <T>(p: Promise<T>) =>
    p.catch((e: unknown) => {
      if (e instanceof ReplayError && /unknown security/.test(e.message))
        throw new ApiError("UNKNOWN_SECURITY", e.message);
      throw e;
    });

  mountReplayLinkRoutes(app, { service: deps.service, viewers: deps.viewers });

  /** Valuation of a fold as the room showed it (scoring/scoring.ts pricesAsShown), from the game's settings. */
  const valuerOf = async (id: string): Promise<{ valuer: Valuer; rec: Awaited<ReturnType<GameService["record"]>> }> => {
    const rec = await deps.service.record(id);
    const settings = await deps.service.drivers.withNews(id, rec.settings);
    return { rec, valuer: (fold) => pricesAsShown(fold, settings, rec.endedAt ? rec.elapsedMs : null) };
  };

  const base = "/api/games/:id/replay";
  app.get(base, auth, async (req, res) => {
    const id = gameIdOf(req);
    const s = await store!.summary(id);
    if (!s) throw unknownGame(id);
    res.json(viewer(req).role === "viewer" ? { ...s, players: [] } : s);
  });

  app.get(`${base}/events`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const page = await store!.events(id, qint(req, "from") ?? 1, qint(req, "limit", 10_000) ?? 1000, qint(req, "to"));
    if (!page) throw unknownGame(id);
    res.json({ ...page, events: visibleEvents(page.events, viewer(req)) });
  });

  app.get(`${base}/book/:securityId`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const book = await mapped(store!.bookAt(id, pint(req, "securityId"), qint(req, "seq"), qint(req, "depth")));
    if (!book) throw unknownGame(id);
    const v = viewer(req);
    res.json({
      ...book,
      orders: {
        bids: book.orders.bids.map((o) => visibleOrder(o, v)),
        asks: book.orders.asks.map((o) => visibleOrder(o, v)),
      },
    });
  });

  app.get(`${base}/inventories`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const v = viewer(req);
    if (v.role === "viewer") own(req, "");
    const q = req.query.playerId === undefined ? undefined : playerIdOf(req.query.playerId, "query");
    const playerId = v.role === "player" ? v.playerId : q;
    if (q !== undefined) own(req, q);
    const r = await store!.inventoriesAt(id, qint(req, "seq"), playerId);
    if (!r) throw unknownGame(id);
    res.json(r);
  });

  app.get(`${base}/players/:playerId/timeline`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const playerId = playerIdOf(req.params.playerId, "path");
    own(req, playerId);
    const { valuer } = await valuerOf(id);
    const t = await store!.playerTimeline(id, playerId, valuer, qint(req, "from") ?? 0, qint(req, "to"));
    if (!t) {
      if (!(await store!.lastSeq(id))) throw unknownGame(id);
      throw new ApiError("UNKNOWN_PLAYER", `no player ${playerId}`);
    }
    res.json(t);
  });

  app.get(`${base}/leaderboard`, auth, async (req, res) => {
    const id = gameIdOf(req);
    // a shared link shows the market, not the people in it (docs/replay.md "Shared replay links")
    if (viewer(req).role === "viewer")
      throw new ApiError("FORBIDDEN", "a shared replay link shows the market, not players' standings");
    const fold = await store!.foldAt(id, qint(req, "seq"));
    if (!fold) throw unknownGame(id);
    const { valuer, rec } = await valuerOf(id);
    const bots = await deps.service.store.players(id);
    const rule = rankRuleOf(rec.settings.rules);
    const all = standingsOf(fold, valuer(fold), rule, (pid) => bots.get(pid)?.bot ?? false);
    res.json({
      seq: fold.seq,
      ts: fold.ts,
      leaderboard: viewer(req).role === "admin" ? all : shownStandings(all, rule),
    });
  });

  // margin accounts at seq (replay/margin.ts): the admin all (or ?playerId=), a player their own, a shared link the fund only
  app.get(`${base}/margin`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const v = viewer(req);
    const q = req.query.playerId === undefined ? undefined : playerIdOf(req.query.playerId, "query");
    if (q !== undefined) own(req, q);
    const only =
      v.role === "viewer"
        ? new Set<string>()
        : v.role === "player"
          ? new Set([v.playerId])
          : q
            ? new Set([q])
            : undefined;
    const fold = await store!.foldAt(id, qint(req, "seq"));
    if (!fold) throw unknownGame(id);
    res.json(marginAt(fold, only));
  });

  app.get(`${base}/prices/:securityId`, auth, async (req, res) => {
    const id = gameIdOf(req);
    const r = await store!.priceSeries(id, pint(req, "securityId"), {
      bucketEvents: qint(req, "bucketEvents"),
      bucketMs: qint(req, "bucketMs"),
      fromSeq: qint(req, "from"),
      toSeq: qint(req, "to"),
    });
    if (!r) throw unknownGame(id);
    res.json(r);
  });
  return store;
}
