/**
 * Bulk writes for the persister: many rows in one statement with ONE parameter, a JSON array of row
 * objects expanded by PostgreSQL's json_to_recordset. Compared with a multi-row VALUES list (a parameter
 * per value), the statement text is fixed and short, the client serialises the rows with the native
 * JSON.stringify, and PostgreSQL parses one value instead of planning thousands of parameters: both
 * sides spend a fraction of the CPU per row (server/bench/persister.bench.ts).
 *
 * Values are JSON numbers, strings, booleans or null; a column missing from a row object is NULL.
 * Integers must be safe JS integers (ticks, lots, minor units, ms: the engine's own values).
 */
import { sql, type Transaction } from "kysely";
import type { Database } from "./db.ts";

type Trx = Transaction<Database>;

/** A column of a bulk write: its name (also the key in each row object) and its SQL type. */
export type Column = readonly [name: string, type: "text" | "integer" | "bigint" | "boolean" | "jsonb"];

/** Rows per statement: bounds one message (a few MB) without mattering for speed. */
const ROWS_PER_STATEMENT = 10_000;

/**
 * INSERT INTO `table` (columns) SELECT them FROM json_to_recordset($1) ... `onConflict` (a fixed SQL
 * clause, e.g. "ON CONFLICT (game_id, seq) DO NOTHING"). `rowsJson` builds the JSON array text of a
 * chunk of rows (default JSON.stringify). Returns the rows inserted or updated.
 */
export async function bulkInsert<T>(
  trx: Trx,
  table: string,
  columns: readonly Column[],
  rows: T[],
  onConflict: string,
  rowsJson: (chunk: T[]) => string = (chunk) => JSON.stringify(chunk),
): Promise<number> {
  const names = columns.map(([n]) => n).join(", ");
  const types = columns.map(([n, t]) => `${n} ${t}`).join(", ");
  let affected = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const r =
      await sql`INSERT INTO ${sql.raw(table)} (${sql.raw(names)}) SELECT ${sql.raw(names)} FROM json_to_recordset(${rowsJson(chunk)}::json) AS x(${sql.raw(types)}) ${sql.raw(onConflict)}`.execute(
        trx,
      );
    affected += Number(r.numAffectedRows ?? 0);
  }
  return affected;
}
