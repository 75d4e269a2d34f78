/**
 * The PostgreSQL database: a pg Pool and a Kysely instance typed by `Database`, whose tables are
 * those of sql/*.sql (see docs/persistence.md).
 *
 * Units: price in ticks, qty in lots, cash in minor units, `*_ts` in ms since the epoch; all bigint
 * columns, which this module's pool reads as JS numbers (every value the game produces is below
 * 2^53; a larger one fails its query with a RangeError rather than losing precision).
 */
import pg from "pg";
import { createLogger } from "../config.ts";
import { Kysely, PostgresDialect, type ColumnType, type Generated, type Insertable, type Selectable } from "kysely";

/**
 * A json or jsonb column (events.data is json since sql/009, games.config jsonb): read as the parsed value,
 * written as JSON text (pg would turn JS arrays into SQL arrays).
 */
type Json<T> = ColumnType<T, string, string>;
/** A column with a database default. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type PhaseName = "lobby" | "running" | "paused" | "ended";

export interface EventsTable {
  game_id: string;
  seq: number;
  type: string;
  ts: number;
  data: Json<Record<string, unknown>>;
  persisted_at: Generated<Date>;
}

export interface EventProjectionTable {
  game_id: string;
  applied_seq: Defaulted<number>;
  applied_ts: Defaulted<number>;
  updated_at: Generated<Date>;
}

export interface GamesTable {
  id: string;
  name: string;
  phase: Defaulted<PhaseName>;
  config: Json<{
    stp: string;
    maxMatches: number;
    allowShort: boolean;
    protectionBps: number;
    grossLimit?: number;
    netLimit?: number;
  }>;
  created_seq: number | null;
  created_ts: number;
  started_ts: number | null;
  ended_ts: number | null;
  phase_seq: number | null;
  results_written_at: Date | null;
}

export interface SecuritiesTable {
  game_id: string;
  security_id: number;
  symbol: string;
  tick_size: string;
  lot_size: number;
  scale: number;
  band_low: number;
  band_high: number;
  short_limit: Defaulted<number>;
  position_limit: Defaulted<number>;
  max_order_qty: Defaulted<number>;
  /** Minor units per lot filled (sql/002_fees.sql). */
  taker_fee: Defaulted<number>;
  maker_rebate: Defaulted<number>;
  /** Multiplier in the game's gross/net position limits. */
  limit_weight: Defaulted<number>;
  added_seq: number;
  added_ts: number;
}

export interface PlayersTable {
  game_id: string;
  player_id: string;
  name: string;
  starting_cash: number;
  added_seq: number;
  added_ts: number;
}

export interface InventoriesTable {
  game_id: string;
  player_id: string;
  kind: "start" | "final";
  /** 0 = cash (minor units); otherwise a security (lots). */
  security_id: number;
  qty: number;
  locked: Defaulted<number>;
  as_of_seq: number;
}

export type OrderStatusName = "new" | "partially_filled" | "filled" | "cancelled" | "expired";

export interface OrdersTable {
  game_id: string;
  security_id: number;
  order_id: number;
  player_id: string;
  client_order_id: string | null;
  side: "buy" | "sell";
  order_type: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  post_only: boolean;
  price: number;
  qty: number;
  filled_qty: number;
  resting_qty: number;
  cancelled_qty: number;
  notional: number;
  status: OrderStatusName;
  cancel_reason: string | null;
  accepted_seq: number;
  accepted_ts: number;
  updated_seq: number;
  updated_ts: number;
}

export interface FillsTable {
  game_id: string;
  seq: number;
  security_id: number;
  price: number;
  qty: number;
  notional: number;
  aggressor: "buy" | "sell";
  maker_order_id: number;
  taker_order_id: number;
  maker_player_id: string;
  taker_player_id: string;
  maker_remaining: number;
  taker_remaining: number;
  /** Totals for the fill, minor units (sql/002_fees.sql; 0 before fees). */
  taker_fee: Defaulted<number>;
  maker_rebate: Defaulted<number>;
  ts: number;
}

export interface LeaderboardTable {
  game_id: string;
  player_id: string;
  rank: number;
  equity: number;
  cash: number;
  holdings_value: Defaulted<number>;
  pnl: Defaulted<number>;
  /** FIFO P&L columns (sql/003_scoring.sql), minor units; pnl = realized_pnl + unrealized_pnl - fees. */
  realized_pnl: Defaulted<number>;
  unrealized_pnl: Defaulted<number>;
  fees: Defaulted<number>;
  /** Fills the player took part in. */
  trades: Defaulted<number>;
  as_of_seq: number;
  computed_at: Generated<Date>;
}

export interface SchemaMigrationsTable {
  version: string;
  checksum: string;
  applied_at: Generated<Date>;
}

/** Every table of sql/*.sql, for Kysely<Database>. */
/** A game the persister parked: its first event PostgreSQL refused (sql/004_parked.sql). */
export interface ParkedGamesTable {
  game_id: string;
  seq: number;
  entry_id: string;
  reason: string;
  event: Buffer;
  parked_at: Generated<Date>;
}

export interface Database {
  events: EventsTable;
  parked_games: ParkedGamesTable;
  event_projection: EventProjectionTable;
  games: GamesTable;
  securities: SecuritiesTable;
  players: PlayersTable;
  inventories: InventoriesTable;
  orders: OrdersTable;
  fills: FillsTable;
  leaderboard: LeaderboardTable;
  schema_migrations: SchemaMigrationsTable;
}

export type Db = Kysely<Database>;
export type OrderRow = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
export type FillRow = Selectable<FillsTable>;

const INT8_OID = 20;

/** int8 text -> number; throws RangeError past 2^53 (pg then fails the query instead of rounding). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JS number exactly`);
  return n;
}

/** Per-pool type parsers (not pg's global registry, which other code may rely on). */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return parseInt8;
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

/** How long a query may wait for a connection, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The connection string: the argument, else DATABASE_URL; throws when neither is set. */
export function databaseUrl(url = process.env.DATABASE_URL): string {
  if (!url) throw new Error("DATABASE_URL is not set (postgres://user@host:port/db)");
  return url;
}

/**
 * A pg Pool whose bigint columns read as numbers. `max` connections (default 10). Getting a connection
 * (a new one, or a turn in the pool's queue) fails after CONNECT_TIMEOUT_MS ("timeout exceeded when
 * trying to connect"), so a PostgreSQL that hangs answers UNAVAILABLE instead of holding requests forever.
 *
 * A connection, once opened, stays open while the pool lives (`idleTimeoutMillis: 0`; HikariCP's default
 * of a fixed-size pool). pg-pool's default closes a connection after 10 s idle, and each PostgreSQL
 * connection is a process: on the 2-core VMs measured here one backend's exit during a round stalled every
 * process for about 100 ms, the worst second of every `npm run bench:api` run (p99 58-92 ms against 28-34
 * with connections kept, 4 interleaved pairs; docs/api-benchmark.md "Stop 26"). A round's start grows the
 * pool (players joining, keys checked), and 10 s later, mid-round, it shrank again. Idle connections do
 * not keep the process alive (`allowExitOnIdle`); `pool.end()` (db.destroy()) closes them.
 */
export function createPool(url?: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl(url),
    max,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 0,
    allowExitOnIdle: true,
  });
  // An idle client's connection error must not crash the process; the next query reconnects.
  pool.on("error", (err) => poolLog().warn({ err: err.message }, "idle PostgreSQL client error"));
  // pg-pool listens for errors only while a client is idle: a connection reset between checkout and the
  // query (or between a transaction's statements) would be an unhandled 'error' event and end the
  // process. The query in flight still fails and the pool drops the broken client on release.
  pool.on("connect", (client) =>
    client.on("error", (err) => poolLog().warn({ err: err.message }, "PostgreSQL client error")),
  );
  return pool;
}

/** The pool under each Kysely made by createDb (for COPY, which needs a raw connection: persistence/copy.ts). */
const pools = new WeakMap<Db, pg.Pool>();

/** Kysely over a pool (created from DATABASE_URL when not given). `db.destroy()` ends the pool. */
export function createDb(pool: pg.Pool = createPool()): Db {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The pg Pool under `db`. Errors: throws when `db` was not made by createDb. */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("poolOf: this Kysely was not made by createDb");
  return pool;
}

let poolLogger: ReturnType<typeof createLogger> | undefined;
/** The pools' logger (pino, created on first use). */
function poolLog(): ReturnType<typeof createLogger> {
  poolLogger ??= createLogger().child({ src: "db" });
  return poolLogger;
}
