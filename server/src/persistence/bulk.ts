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
import { sqlText } from "./copy.ts";

/** A column of a bulk write: its name (also the key in each row object) and its SQL type. */
export type Column = readonly [name: string, type: "text" | "integer" | "bigint" | "boolean" | "jsonb"];

/** Rows per statement: bounds one message (a few MB) without mattering for speed. */
const ROWS_PER_STATEMENT = 10_000;

/**
 * INSERT INTO `table` (columns) SELECT them FROM json_to_recordset('<rows as JSON>') ... `onConflict` (a
 * fixed SQL clause, e.g. "ON CONFLICT (game_id, seq) DO NOTHING"), as statement texts with the JSON array
 * inlined as a literal, for a multi-statement simple query (batch-write.ts sends them with its COMMIT,
 * one round trip). No rows, no statements.
 */
export function bulkInsertSql<T>(table: string, columns: readonly Column[], rows: T[], onConflict: string): string[] {
  const names = columns.map(([n]) => n).join(", ");
  const types = columns.map(([n, t]) => `${n} ${t}`).join(", ");
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = sqlText(JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)));
    out.push(
      `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_to_recordset(${json}::json) AS x(${types}) ${onConflict}`,
    );
  }
  return out;
}
