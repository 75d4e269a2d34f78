/**
 * The columns the persister writes of `orders` and `fills` (sql/001_init.sql, 002_fees.sql), in the
 * order of their COPY lines (projection.ts builds the lines, batch-write.ts sends the COPYs).
 */
import type { Column } from "./bulk.ts";

/** Columns of `orders` (sql/001_init.sql) as written by the projection. */
export const ORDER_COLUMNS: Column[] = [
  ["game_id", "text"],
  ["security_id", "integer"],
  ["order_id", "bigint"],
  ["player_id", "text"],
  ["client_order_id", "text"],
  ["side", "text"],
  ["order_type", "text"],
  ["tif", "text"],
  ["post_only", "boolean"],
  ["price", "bigint"],
  ["qty", "bigint"],
  ["filled_qty", "bigint"],
  ["resting_qty", "bigint"],
  ["cancelled_qty", "bigint"],
  ["notional", "bigint"],
  ["status", "text"],
  ["cancel_reason", "text"],
  ["accepted_seq", "bigint"],
  ["accepted_ts", "bigint"],
  ["updated_seq", "bigint"],
  ["updated_ts", "bigint"],
];
/** The primary key of `orders`. */
export const ORDER_KEY: Column[] = ORDER_COLUMNS.slice(0, 3);
/** What a later event changes on an existing order row. */
const CHANGED = new Set([
  "filled_qty",
  "resting_qty",
  "cancelled_qty",
  "notional",
  "status",
  "cancel_reason",
  "updated_seq",
  "updated_ts",
]);
export const ORDER_CHANGES: Column[] = ORDER_COLUMNS.filter(([n]) => CHANGED.has(n));
export const ORDER_COLUMN_NAMES = ORDER_COLUMNS.map(([n]) => n);
/** Columns of `fills` (sql/001_init.sql, 002_fees.sql), in COPY order. */
export const FILL_COLUMN_NAMES = [
  "game_id",
  "seq",
  "security_id",
  "price",
  "qty",
  "notional",
  "aggressor",
  "maker_order_id",
  "taker_order_id",
  "maker_player_id",
  "taker_player_id",
  "maker_remaining",
  "taker_remaining",
  "ts",
  "taker_fee",
  "maker_rebate",
];
