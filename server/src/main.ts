/**
 * Entry point: `node --import tsx server/src/main.ts [--demo] [--duration N] [--port P]`.
 *
 * Connects to Valkey (VALKEY_URL) and PostgreSQL (DATABASE_URL), applies the migrations, starts the
 * game server, and re-arms the schedules and bots of running games. The persister runs in a process of
 * its own (persister-main.ts; `npm start` starts one beside this server): this server only reads its
 * lag and progress from Valkey and PostgreSQL (persistence/persister-status.ts), and keeps playing
 * while no persister runs (round ends then wait for one, docs/persistence.md). With --demo it
 * creates a demo game from the market module's sp500-2000 scenario with its default bots and starts
 * it; with --duration N the demo round runs N seconds, ends (open orders cancelled, results written),
 * waits for the persister to store the whole log, prints a summary and, as its last stdout line, one
 * JSON object {"players","orders","fills","fillsInPostgres","eventsInPostgres","lastSeq"}, and exits 0.
 * With --export DIR (and --duration) it also writes the round's export files into DIR (docs/export.md).
 *
 * Port (README, "Ports"): a port given explicitly (PORT or --port) that is in use stops the server with a
 * one-line error and exit code 1; the default port 2567, when busy, gives way to the next free one of
 * 2568..2586, and the server says so. Any start-up failure logs one line and exits 1 within seconds.
 * Every log line on stderr is a pino JSON line: console output of libraries and Colyseus' logger are
 * routed through pino too; stdout carries only the human summary lines above.
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

import { createServer } from "node:net";
import { format } from "node:util";
import type { Redis } from "iovalkey";
import { sql } from "kysely";
import { GameRules } from "@marketroom/shared";
import { createApp, type App } from "./app.ts";
import { connectValkey } from "./cluster/valkey.ts";
import { createLogger, loadConfig, type Config, type Logger } from "./config.ts";
import { createDb, createPool, type Db } from "./persistence/db.ts";
import { migrate } from "./persistence/migrate.ts";
import { writeRoundResults } from "./persistence/round-results.ts";
import { PersisterStatus } from "./persistence/persister-status.ts";
import { demoBots } from "./market/bots.ts";
import { getScenario } from "./market/scenarios.ts";
import { exportRound } from "./export/export.ts";

interface Args {
  demo: boolean;
  duration: number | null;
  port: number | null;
  exportDir: string | null;
}

/** Parses --demo, --duration N (seconds), --port P; exits 2 on anything else. */
function parseArgs(argv: string[]): Args {
  const args: Args = { demo: false, duration: null, port: null, exportDir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) usage(`${a} needs a non-negative integer`);
      return n;
    };
    if (a === "--demo") args.demo = true;
    else if (a === "--duration") args.duration = num();
    else if (a === "--port") args.port = num();
    else if (a === "--export") args.exportDir = argv[++i] ?? usage("--export needs a directory");
    else if (a !== "--") usage(`unknown argument ${a}`);
  }
  if (args.duration !== null) args.demo = true;
  return args;
}

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: main.ts [--demo] [--duration SECONDS [--export DIR]] [--port PORT]\n`);
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Running {
  app: App;
  valkey: Redis;
  db: Db;
  persister: PersisterStatus;
  config: Config;
  log: Logger;
}

/** A start-up failure with a message for the operator (no stack trace needed). */
class StartupError extends Error {}

/** How many ports after the default one are tried when it is busy. */
const PORT_TRIES = 20;

/** Resolves null when `port` can be bound on `host` (bound and closed again), else the error code. */
function bindError(port: number, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "ERROR"));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

function portProblem(port: number, host: string, code: string): string {
  if (code === "EADDRINUSE") return `port ${port} on ${host} is in use`;
  if (code === "EACCES") return `no permission to listen on port ${port}`;
  return `cannot listen on ${host}:${port} (${code})`;
}

/**
 * The port to listen on: an explicit one as it is (StartupError when it cannot be bound); the default
 * one, or the first free one after it (a warning says which).
 */
async function choosePort(port: number, host: string, explicit: boolean, log: Logger): Promise<number> {
  const first = await bindError(port, host);
  if (!first) return port;
  if (explicit || port === 0 || first !== "EADDRINUSE") {
    throw new StartupError(
      `${portProblem(port, host, first)}; choose another with PORT or --port, or stop what uses it`,
    );
  }
  for (let p = port + 1; p <= Math.min(65535, port + PORT_TRIES); p++) {
    if (!(await bindError(p, host))) {
      log.warn({ port: p, busy: port }, `port ${port} is in use; listening on ${p} instead`);
      say(`port ${port} is in use; using ${p} instead (set PORT to choose one)`);
      return p;
    }
  }
  throw new StartupError(`ports ${port} to ${port + PORT_TRIES} on ${host} are all in use; set PORT to a free port`);
}

/**
 * Connections the kernel queues for the server before it accepts them (Node's default is 511; Linux caps
 * it at net.core.somaxconn). Past it Linux drops handshakes and answers with SYN cookies, and a client
 * whose cookie no longer checks out gets a reset on a connection it thought open: programs that open
 * thousands of connections at once while the server is busy saw ECONNRESET (docs/api-benchmark.md "Connection resets").
 */
const LISTEN_BACKLOG = 4096;

/**
 * server.listen(), failing (instead of waiting forever) when the HTTP server reports an error first.
 * Idle keep-alive connections stay open `keepAliveSec` (Config.httpKeepAliveSec); Node requires the
 * headers timeout to be longer than the keep-alive timeout, or it can close a connection whose next
 * request has begun.
 */
async function listen(app: App, port: number, host: string, keepAliveSec: number): Promise<number> {
  const http = app.server.transport.server;
  if (http) {
    http.keepAliveTimeout = keepAliveSec * 1000;
    http.headersTimeout = Math.max(http.headersTimeout, http.keepAliveTimeout + 1000);
  }
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(new StartupError(portProblem(port, host, err.code ?? err.message)));
    http?.once("error", failed);
    app.server.listen(port, host, LISTEN_BACKLOG).then(() => {
      http?.off("error", failed);
      resolve();
    }, reject);
  });
  const addr = http?.address();
  return typeof addr === "object" && addr ? addr.port : port;
}

/** Connects everything and listens. */
async function boot(args: Args, log: Logger): Promise<Running> {
  const config = loadConfig();
  if (args.port !== null) config.port = args.port;
  if (!config.databaseUrl) throw new StartupError("DATABASE_URL is not set");
  // The port first: a busy port fails in milliseconds, before any connection is made.
  config.port = await choosePort(config.port, config.host, args.port !== null || !!process.env.PORT, log);
  const valkey = connectValkey({ ...process.env, VALKEY_URL: config.valkeyUrl }, { maxRetriesPerRequest: 3 });
  // Without a listener iovalkey prints "[ioredis] Unhandled error event" with a stack on every failure.
  valkey.on("error", (err: Error) => log.warn({ err: err.message }, "valkey connection error"));
  await valkey.ping();
  const pool = createPool(config.databaseUrl);
  const applied = await migrate(pool);
  if (applied.length) log.info({ applied }, "migrations applied");
  const db = createDb(pool);
  const persister = new PersisterStatus(valkey, db);
  const app = await createApp({
    config,
    log,
    valkey,
    db,
    persister,
    results: (g, inv, lb, seq) => writeRoundResults(db, g, inv, lb, seq),
  });
  app.server.onShutdown(async () => {
    await app.cluster?.node.stop();
    await app.service.shutdown();
    await db.destroy();
    valkey.disconnect();
  });
  config.port = await listen(app, config.port, config.host, config.httpKeepAliveSec);
  // One of several processes: games are resumed where their rooms are created (cluster/node.ts).
  if (app.cluster) await app.cluster.node.start();
  else await app.service.resumeAll();
  return { app, valkey, db, persister, config, log };
}

/** Creates and starts the demo game; returns its id and join code. */
async function createDemo(r: Running, duration: number | null): Promise<{ gameId: string; joinCode: string }> {
  const scenario = getScenario("sp500-2000");
  if (!scenario) throw new Error("the sp500-2000 scenario is missing");
  const game = await r.app.service.create({
    name: "Demo: S&P 500 from 2000",
    scenario: scenario.name,
    securities: [],
    bots: [],
    allowObservers: true,
    rules: GameRules.parse({}),
    endowment: { cash: 10_000_000, holdings: scenario.securities.map((s) => ({ securityId: s.securityId, qty: 20 })) },
    ...(duration ? { durationSec: duration } : {}),
  });
  // One of several processes: the demo's room, bots and timers run here, where it was set up.
  await r.app.cluster?.node.hostHere(game.gameId);
  await r.app.service.addMarketBots(game.gameId, demoBots(scenario, { prefix: `${game.gameId}-bot` }));
  await r.app.service.start(game.gameId);
  return { gameId: game.gameId, joinCode: game.joinCode };
}

/** Ends the demo round, waits for PostgreSQL, prints the summary and the JSON line. */
async function finishDemo(r: Running, gameId: string, exportDir: string | null = null): Promise<void> {
  const end = await r.app.service.end(gameId);
  await r.persister.drain(gameId, end.seq, 60_000);
  const counters = r.app.hub.counters(gameId);
  const info = await r.app.hub.engine.gameInfo(gameId);
  const count = async (table: "fills" | "events") =>
    Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE game_id = ${gameId}`.execute(r.db))
        .rows[0]!.n,
    );
  const summary = {
    players: info.ok ? info.players.length : 0,
    orders: counters.orders,
    fills: counters.fills,
    fillsInPostgres: await count("fills"),
    eventsInPostgres: await count("events"),
    lastSeq: end.seq,
  };
  say(
    `round ended: ${summary.orders} orders, ${summary.fills} fills, ${end.cancelled} orders cancelled at the end, results ${end.resultsWritten ? "written" : "NOT written"}`,
  );
  say("leaderboard:");
  for (const row of end.leaderboard.slice(0, 10))
    say(`  ${row.rank}. ${row.name.padEnd(20)} equity ${row.equity} pnl ${row.pnl}`);
  say(`PostgreSQL: ${summary.eventsInPostgres} events, ${summary.fillsInPostgres} fills (last seq ${summary.lastSeq})`);
  if (exportDir) {
    const x = await exportRound(r.db, gameId, exportDir, { service: r.app.service });
    say(
      `export: ${Object.keys(x.files).join(", ")} in ${exportDir} (${x.rows.orders} orders, ${x.rows.fills} fills; marks ${x.marks.map((m) => `${m.securityId}=${m.markTicks} ${m.source}`).join(", ")})`,
    );
  }
  say(JSON.stringify(summary));
}

/** Sends console output (of libraries) and unhandled rejections to pino, one JSON line each. */
function routeToPino(log: Logger): void {
  const to =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) =>
      log[level]({ src: "console" }, format(...args));
  console.log = to("info");
  console.info = to("info");
  console.debug = to("debug");
  console.warn = to("warn");
  console.error = to("error");
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled promise rejection"));
}

async function main(log: Logger): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const r = await boot(args, log);
  const base = `http://localhost:${r.config.port}`;
  say(`game server listening on ${base} (WebSocket ws://localhost:${r.config.port})`);
  say(`  admin API: ${base}/api/games   health: ${base}/health   metrics: ${base}/metrics`);
  say(`  client:    ${r.config.clientUrl ?? `${base}/`}   (admin view: ${r.config.clientUrl ?? `${base}/`}#/admin)`);
  const admin = r.app.service.adminTokenSource;
  // Shown once, when generated: the file keeps only its SHA-256 (docs/api.md, "Authentication").
  say(
    admin.path === null
      ? "  admin token: from ADMIN_TOKEN"
      : admin.created
        ? `  admin token: ${r.app.service.admin} (new: save it now; ${admin.path} keeps only its SHA-256)`
        : `  admin token: the one shown when ${admin.path} was made (it keeps only its SHA-256; delete it and start again for a new token)`,
  );
  if (!args.demo) return;
  const demo = await createDemo(r, args.duration);
  say(
    `demo game ${demo.gameId} running — join code ${demo.joinCode} (POST ${base}/api/join {"code":"${demo.joinCode}","name":"..."})`,
  );
  say(`  play in a browser: ${base}/#/?code=${demo.joinCode}`);
  if (args.duration === null) return;
  await new Promise((res) => setTimeout(res, args.duration! * 1000 + 200));
  await finishDemo(r, demo.gameId, args.exportDir);
  await r.app.server.gracefullyShutdown(false);
  process.exit(0);
}

const log = createLogger();
routeToPino(log);
main(log).catch((err: unknown) => {
  // One line: the reason for an expected failure, the error with its stack (as JSON) for a bug.
  if (err instanceof StartupError) log.fatal(`cannot start: ${err.message}`);
  else log.fatal({ err }, `cannot start: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
