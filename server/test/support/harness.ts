/**
 * One game server per test process (Colyseus' matchmaker is a singleton and @colyseus/testing listens
 * on TEST_PORT, default 2568), shared by the room and HTTP tests, against the real Valkey (VALKEY_URL) and PostgreSQL
 * (DATABASE_URL, migrated here), with a persister process (server/src/persister-main.ts, as deployed)
 * on the default game registry beside it; `h.persister` is the server's view of it (lag, drain). Clients
 * are real SDK clients over WebSockets.
 *
 *   harness()                        boots once; { app, base, valkey, db, admin }
 *   api(h, method, path, body?, token?)  fetch JSON: { status, body }
 *   createGame(h, overrides?)        POST /api/games with one security (id 1, "ACME") and an endowment
 *   join(h, code, name)              POST /api/join -> JoinReply
 *   connect(h, gameId, token?, opts?) an SDK room of the game (token: player or admin; none = observer)
 *   connectAt(base, ...)             the same against another server
 *   waitFor(fn, what, ms?)           polls fn() until truthy
 */
import { rmSync } from "node:fs";
import { join as joinPath } from "node:path";
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
import { Redis } from "iovalkey";
import { ColyseusTestServer } from "@colyseus/testing";
import { Client, type Room } from "@colyseus/sdk";
import {
  attachPrivateState,
  type ClientGameState,
  type CreateGameBody,
  type EngineEvent,
  type JoinReply,
} from "@marketroom/shared";
import { createApp, type App } from "../../src/app.ts";
import { createLogger, loadConfig } from "../../src/config.ts";
import { DEFAULT_LIMITS } from "../../src/limits.ts";
import { createDb, createPool, type Db } from "../../src/persistence/db.ts";
import { migrate } from "../../src/persistence/migrate.ts";
import { writeRoundResults } from "../../src/persistence/round-results.ts";
import { PersisterStatus } from "../../src/persistence/persister-status.ts";
import { startPersister, type PersisterProcess } from "./persister-process.ts";
import type { GameDetail } from "../../src/game/views.ts";

export interface Harness {
  app: App;
  colyseus: ColyseusTestServer;
  base: string;
  valkey: Redis;
  db: Db;
  admin: string;
  persister: PersisterStatus;
  persisterProcess: PersisterProcess;
}

let booted: Promise<Harness> | undefined;

/** The shared server, booted on first use. */
export function harness(): Promise<Harness> {
  booted ??= start();
  return booted;
}

async function start(): Promise<Harness> {
  const valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
  const pool = createPool(process.env.DATABASE_URL, 4);
  await migrate(pool);
  const db = createDb(pool);
  // A fresh admin token file per run: the file keeps only a hash, so the token is known only when made.
  const adminTokenFile = joinPath(".data", `admin-token-test-${process.pid}`);
  rmSync(adminTokenFile, { force: true });
  process.once("exit", () => rmSync(adminTokenFile, { force: true }));
  const config = { ...loadConfig({}), adminTokenFile, reconnectGraceSec: 5, patchRateMs: 20 };
  const persisterProcess = await startPersister({ consumer: `harness-${process.pid}` });
  // mocha --exit ends the process without after-hooks of the harness; the process stops with us.
  process.once("exit", () => persisterProcess.child.kill("SIGTERM"));
  const persister = new PersisterStatus(valkey, db);
  const app = await createApp({
    config,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
    valkey,
    db,
    persister,
    // Every test joins from 127.0.0.1: no join rate limit here (server/test/hardening covers it).
    limits: { ...DEFAULT_LIMITS, joinRate: null },
    results: (g, inv, lb, seq) => writeRoundResults(db, g, inv, lb, seq),
  });
  // TEST_PORT (set by scripts/test.mjs to a free port) lets several test runs share one machine.
  const port = Number(process.env.TEST_PORT ?? 2568);
  // boot(server, port) of @colyseus/testing 0.18 ignores the port for a Server instance: listen here.
  await app.server.listen(port);
  const colyseus = new ColyseusTestServer(app.server);
  return {
    app,
    colyseus,
    base: `http://127.0.0.1:${port}`,
    valkey,
    db,
    admin: app.service.admin,
    persister,
    persisterProcess,
  };
}

/** A JSON request; resolves with the status and the parsed body (null when empty). */
export async function api(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
  raw?: string,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined || raw !== undefined) headers["content-type"] = "application/json";
  const auth = token === undefined ? h.admin : token;
  if (auth) headers.authorization = `Bearer ${auth}`;
  const res = await fetch(h.base + path, {
    method,
    headers,
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A request to the REST API /api/v1 (`path` under it) as `bearer` (an API key or a player's token): `api` there. */
export function apiV1(
  h: Harness,
  method: string,
  path: string,
  bearer: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  return api(h, method, `/api/v1${path}`, body, bearer);
}

let n = 0;
/** A fresh game id. */
export function gameId(prefix = "rt"): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++n}`;
}

/** Creates a game (one security ACME, id 1, ref 100 ticks; 100,000 cash and 100 lots per player). */
export async function createGame(h: Harness, overrides: Partial<CreateGameBody> = {}): Promise<GameDetail> {
  const body: CreateGameBody = {
    gameId: gameId(),
    name: "test game",
    securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
    endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
    ...overrides,
  };
  const r = await api(h, "POST", "/api/games", body);
  if (r.status !== 201) throw new Error(`create game: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as GameDetail;
}

export async function join(h: Harness, code: string, name: string): Promise<JoinReply> {
  const r = await api(h, "POST", "/api/join", { code, name }, null);
  if (r.status !== 201) throw new Error(`join: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as JoinReply;
}

/**
 * Joins the game's room over WebSockets; waits for the first full state and the private snapshot
 * ("private" message, laid onto state.players by attachPrivateState as the browser client does).
 */
export function connect(
  h: Harness,
  gameId: string,
  token?: string,
  opts: Record<string, unknown> = {},
): Promise<Room<any, ClientGameState>> {
  return connectAt(h.base, gameId, token, opts);
}

/** connect() against any server base URL. */
export async function connectAt(
  base: string,
  gameId: string,
  token?: string,
  opts: Record<string, unknown> = {},
): Promise<Room<any, ClientGameState>> {
  const sdk = new Client(base);
  if (token) sdk.auth.token = token;
  const room = await sdk.joinOrCreate<ClientGameState>("game", { gameId, ...opts });
  const { ready } = attachPrivateState(room);
  await waitFor(() => room.state && (room.state as ClientGameState).gameId === gameId, "first state");
  await ready;
  return room;
}

/** Polls `fn` every 10 ms until it returns a truthy value; throws after `ms`. */
export async function waitFor<T>(fn: () => T, what: string, ms = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    try {
      v = fn();
    } catch {
      v = undefined;
    }
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls the async `fn` every 50 ms until it returns a truthy value; throws after `ms`. */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The game's whole log in seq order: what the persister stored in PostgreSQL (it trims the stream after)
 * plus what the stream still holds. The stream is read first, so an event moved meanwhile is in one of them.
 */
export async function gameLog(h: Harness, gameId: string): Promise<EngineEvent[]> {
  const stream = await h.app.hub.engine.events(gameId);
  const rows = await h.db
    .selectFrom("events")
    .select(["seq", "data"])
    .where("game_id", "=", gameId)
    .orderBy("seq")
    .execute();
  const bySeq = new Map<number, EngineEvent>(rows.map((r) => [Number(r.seq), r.data as unknown as EngineEvent]));
  for (const e of stream) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}
