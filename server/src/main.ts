/**
 * Entry point: `node --import tsx server/src/main.ts [--demo] [--duration N] [--port P]`.
 *
 * Connects to Valkey (VALKEY_URL) and PostgreSQL (DATABASE_URL), applies the migrations, starts the
 * persister and the game server, and re-arms the schedules and bots of running games. With --demo it
 * creates a demo game from the market module's sp500-2000 scenario with its default bots and starts
 * it; with --duration N the demo round runs N seconds, ends (open orders cancelled, results written),
 * waits for the persister to store the whole log, prints a summary and, as its last stdout line, one
 * JSON object {"players","orders","fills","fillsInPostgres","eventsInPostgres","lastSeq"}, and exits 0.
 * With --export DIR (and --duration) it also writes the round's export files into DIR (docs/export.md).
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

import { Redis } from "iovalkey";
import { sql } from "kysely";
import { GameRules } from "@marketroom/shared";
import { createApp, type App } from "./app.ts";
import { createLogger, loadConfig, type Config, type Logger } from "./config.ts";
import { createDb, createPool, type Db } from "./persistence/db.ts";
import { migrate } from "./persistence/migrate.ts";
import { Persister, writeRoundResults } from "./persistence/persister.ts";
import { demoBots } from "./market/bots.ts";
import { getScenario } from "./market/scenarios.ts";
import { exportRound } from "./export/export.ts";

interface Args { demo: boolean; duration: number | null; port: number | null; exportDir: string | null }

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

interface Running { app: App; valkey: Redis; db: Db; persister: Persister; config: Config; log: Logger }

/** Connects everything and listens. */
async function boot(args: Args): Promise<Running> {
  const config = loadConfig();
  if (args.port !== null) config.port = args.port;
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error("DATABASE_URL is not set");
  const valkey = new Redis(config.valkeyUrl, { maxRetriesPerRequest: 3 });
  await valkey.ping();
  const pool = createPool(config.databaseUrl);
  const applied = await migrate(pool);
  if (applied.length) log.info({ applied }, "migrations applied");
  const db = createDb(pool);
  const persister = new Persister(valkey, db, { log: (line) => log.warn(line) });
  persister.start().catch((err) => log.error({ err }, "persister stopped"));
  const app = await createApp({
    config, log, valkey, db, persister,
    results: (g, inv, lb, seq) => writeRoundResults(db, g, inv, lb, seq),
  });
  app.server.onShutdown(async () => {
    await app.service.shutdown();
    await persister.stop();
    await db.destroy();
    valkey.disconnect();
  });
  await app.server.listen(config.port, config.host);
  await app.service.resumeAll();
  return { app, valkey, db, persister, config, log };
}

/** Creates and starts the demo game; returns its id and join code. */
async function createDemo(r: Running, duration: number | null): Promise<{ gameId: string; joinCode: string }> {
  const scenario = getScenario("sp500-2000");
  if (!scenario) throw new Error("the sp500-2000 scenario is missing");
  const game = await r.app.service.create({
    name: "Demo: S&P 500 from 2000", scenario: scenario.name, securities: [], bots: [], allowObservers: true,
    rules: GameRules.parse({}),
    endowment: { cash: 10_000_000, holdings: scenario.securities.map((s) => ({ securityId: s.securityId, qty: 20 })) },
    ...(duration ? { durationSec: duration } : {}),
  });
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
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE game_id = ${gameId}`.execute(r.db)).rows[0]!.n);
  const summary = {
    players: info.ok ? info.players.length : 0, orders: counters.orders, fills: counters.fills,
    fillsInPostgres: await count("fills"), eventsInPostgres: await count("events"), lastSeq: end.seq,
  };
  say(`round ended: ${summary.orders} orders, ${summary.fills} fills, ${end.cancelled} orders cancelled at the end, results ${end.resultsWritten ? "written" : "NOT written"}`);
  say("leaderboard:");
  for (const row of end.leaderboard.slice(0, 10)) say(`  ${row.rank}. ${row.name.padEnd(20)} equity ${row.equity} pnl ${row.pnl}`);
  say(`PostgreSQL: ${summary.eventsInPostgres} events, ${summary.fillsInPostgres} fills (last seq ${summary.lastSeq})`);
  if (exportDir) {
    const x = await exportRound(r.db, gameId, exportDir, { service: r.app.service });
    say(`export: ${Object.keys(x.files).join(", ")} in ${exportDir} (${x.rows.orders} orders, ${x.rows.fills} fills; marks ${x.marks.map((m) => `${m.securityId}=${m.markTicks} ${m.source}`).join(", ")})`);
  }
  say(JSON.stringify(summary));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const r = await boot(args);
  const base = `http://localhost:${r.config.port}`;
  say(`game server listening on ${base} (WebSocket ws://localhost:${r.config.port})`);
  say(`  admin API: ${base}/api/games   health: ${base}/health   metrics: ${base}/metrics`);
  say(`  client:    ${r.config.clientUrl ?? `${base}/`}   (admin view: ${r.config.clientUrl ?? `${base}/`}#/admin)`);
  const admin = r.app.service.adminTokenSource;
  // Shown in full only when generated now; later starts name the 0600 file that holds it (docs/api.md).
  say(admin.path === null ? "  admin token: from ADMIN_TOKEN"
    : admin.created ? `  admin token: ${r.app.service.admin} (new; kept in ${admin.path}, mode 0600)` : `  admin token: in ${admin.path}`);
  if (!args.demo) return;
  const demo = await createDemo(r, args.duration);
  say(`demo game ${demo.gameId} running — join code ${demo.joinCode} (POST ${base}/api/join {"code":"${demo.joinCode}","name":"..."})`);
  say(`  play in a browser: ${base}/#/?code=${demo.joinCode}`);
  if (args.duration === null) return;
  await new Promise((res) => setTimeout(res, args.duration! * 1000 + 200));
  await finishDemo(r, demo.gameId, args.exportDir);
  await r.app.server.gracefullyShutdown(false);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
