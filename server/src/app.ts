/**
 * Wiring of the game server without listening: engine, hub, game service, rooms, HTTP routes, health
 * and metrics on one Colyseus Server. main.ts connects the services and calls listen(); tests boot the
 * returned server with @colyseus/testing.
 *
 * Room name "game", filtered by gameId: `sdk.joinOrCreate("game", { gameId })` joins the game's room or
 * creates it (room id = game id), after onAuth has checked the token.
 */
import { defineRoom, defineServer, type Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { Encoder } from "@colyseus/schema";
import express from "express";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import type { Redis } from "iovalkey";
import { GameWriters } from "./engine/writers.ts";
import type { Db } from "./persistence/db.ts";
import { parkedCount } from "./persistence/parked.ts";
import type { Config, Logger } from "./config.ts";
import { loadLimits, type Limits } from "./limits.ts";
import { joinRateLimit } from "./http/join-limit.ts";
import { Metrics } from "./metrics.ts";
import { GameHub } from "./game/hub.ts";
import { GameService, type PersisterPort, type ResultsWriter } from "./game/service.ts";
import { HealthCheck } from "./http/health.ts";
import { mountRoutes } from "./http/routes.ts";
import { mountReplayRoutes } from "./http/replay.ts";
import { ViewerTokens } from "./http/replay-links.ts";
import { mountQuizRoutes } from "./http/quiz.ts";
import { mountMarketRoutes } from "./http/markets.ts";
import { QuizGate } from "./rounds/quiz.ts";
import { InducedMarkets } from "./rounds/induced-market.ts";
import { DividendMarkets } from "./rounds/dividend-driver.ts";
import { ClaimSignals } from "./rounds/claim-signals.ts";
import { InducedPeriods } from "./rounds/induced-periods.ts";
import { ReferencePaths } from "./rounds/reference-driver.ts";
import { mountExportRoutes } from "./http/export.ts";
import { mountKickRoutes } from "./http/kick.ts";
import { mountDriverRoutes } from "./http/drivers.ts";
import { ApiV1 } from "./http/api/index.ts";
import { defineGameRoom, type RoomContext } from "./rooms/game-room.ts";
import { clusterFromEnv, type Cluster } from "./cluster/index.ts";

export interface AppDeps {
  config: Config;
  log: Logger;
  /** Valkey connection for the engine and the service (not shared with the persister's loop). */
  valkey: Redis;
  db?: Db;
  persister?: PersisterPort;
  results?: ResultsWriter;
  metrics?: Metrics;
  botSeed?: number;
  /** Built browser client served at / (default client/dist of this checkout; see docs/client.md). */
  clientDir?: string;
  /** Message cap, join rate limit, proxy trust (default: loadLimits() of the environment). */
  limits?: Limits;
}

/** client/dist beside server/: `vite build` output, served on the game server's own port. */
const CLIENT_DIST = fileURLToPath(new URL("../../client/dist/", import.meta.url));

export interface App {
  server: Server;
  service: GameService;
  hub: GameHub;
  metrics: Metrics;
  ctx: RoomContext;
  /** Set when PRESENCE=redis: this process is one of several (cluster/index.ts). */
  cluster: Cluster | null;
}

/** Encoder buffer: a game with a few hundred players and full books encodes well past the 16 KB default. */
const ENCODER_BUFFER_BYTES = 512 * 1024;

/** Builds the server (not listening). Loads or creates the admin token and the token secret. */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config, log, valkey, db, persister } = deps;
  if (Encoder.BUFFER_SIZE < ENCODER_BUFFER_BYTES) Encoder.BUFFER_SIZE = ENCODER_BUFFER_BYTES;
  const metrics = deps.metrics ?? new Metrics(true);
  // This process is the single writer of every game it plays (docs/commit.md, "The writer").
  const games = new GameWriters(valkey);
  const hub = new GameHub(games, metrics, log);
  const service = new GameService({
    hub,
    valkey,
    db,
    log,
    persister,
    results: deps.results,
    botSeed: deps.botSeed,
    // market-type drivers (rounds/): dividends and contingent claims' settlement, contingent claims'
    // automatic signals, induced-value periods, margin rounds' reference path
    roundDrivers: [
      (d) => new DividendMarkets(d),
      (d) => new ClaimSignals(d),
      (d) => new InducedPeriods(d),
      (d) => new ReferencePaths(d),
    ],
    adminToken: config.adminToken,
    adminTokenFile: config.adminTokenFile,
    tokenSecret: config.tokenSecret,
    tokenSecretFile: config.tokenSecretFile,
    playerTokenTtlSec: config.playerTokenTtlSec,
  });
  await service.init();
  if (persister) metrics.setLagSource(() => persister.lagMs());
  if (db) metrics.setParkedSource(() => parkedCount(db));
  const health = new HealthCheck(valkey, db, persister);
  const limits = deps.limits ?? loadLimits();
  const ctx: RoomContext = { service, config, metrics, log, limits };
  const quiz = new QuizGate({ valkey, store: service.store });
  // every order entry (room, REST, bots) passes the round's quiz rule in the hub; bots are never gated
  const induced = new InducedMarkets(service);
  hub.setEntryGate((g, p, side) => {
    // answers known without a read go back at once (no wait on the order path, issue 13)
    const known = quiz.knownCheck(g, p) === null ? induced.knownCheck(g, p, side) : undefined;
    if (known !== undefined) return known;
    return quiz.check(g, p).then((q) => q ?? induced.check(g, p, side));
  });
  const apiV1 = new ApiV1({ service, db, persister, log, valkey });
  const cluster = clusterFromEnv(process.env, {
    valkeyUrl: config.valkeyUrl,
    valkey,
    log,
    service,
    apiKeyGame: async (token) => (await apiV1.auth.key(token).catch(() => null))?.gameId ?? null,
  });
  const room = cluster ? cluster.room(defineGameRoom(ctx), ctx) : defineGameRoom(ctx);
  const server = defineServer({
    ...cluster?.serverOptions,
    logger: colyseusLogger(log),
    transport: new WebSocketTransport({ pingInterval: 5000, pingMaxRetries: 3 }),
    rooms: { game: defineRoom(room).filterBy(["gameId"]) },
    express: (app) => {
      app.disable("x-powered-by"); // no need to tell every client which framework answers
      if (limits.trustProxy !== undefined) app.set("trust proxy", limits.trustProxy);
      if (cluster) app.use(cluster.route);
      // Before the route itself: Express runs both in order, the limiter first.
      app.post("/api/join", joinRateLimit(limits.joinRate));
      apiV1.mount(app);
      mountReplayRoutes(app, { service, db, viewers: ViewerTokens.fromConfig(config) });
      mountQuizRoutes(app, { service, quiz });
      mountMarketRoutes(app, { service, induced });
      mountExportRoutes(app, { service, db });
      mountDriverRoutes(app, { service });
      mountKickRoutes(app, { service, log, onKick: (g, p) => apiV1.kicked(g, p) });
      mountRoutes(app, { service, metrics, health, log });
      app.use(express.static(deps.clientDir ?? CLIENT_DIST, { index: "index.html" }));
    },
    greet: false,
  });
  apiV1.attachStream(server, { fastLane: !cluster });
  return { server, service, hub, metrics, ctx, cluster };
}

type ConsoleLevel = "debug" | "info" | "warn" | "error" | "trace";

/**
 * Colyseus' console-like logger (its errors, e.g. an undecodable frame, arrive as stack strings) as
 * pino: one JSON line per call, tagged src "colyseus", so stderr holds nothing but JSON lines.
 */
function colyseusLogger(log: Logger): Record<ConsoleLevel, (...args: unknown[]) => void> {
  const child = log.child({ src: "colyseus" });
  const at =
    (level: ConsoleLevel) =>
    (...args: unknown[]) =>
      child[level](format(...args));
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), trace: at("trace") };
}
