/**
 * Bulk updates for the persister: many rows in one statement, a JSON array of row objects inlined as one
 * literal and expanded by PostgreSQL's json_to_recordset. Compared with a multi-row VALUES list (a
 * parameter per value), the client serialises the rows with the native JSON.stringify and PostgreSQL
 * parses one value instead of planning thousands of parameters: both sides spend a fraction of the CPU
 * per row (server/bench/persister.bench.ts). New rows go by COPY instead (copy.ts).
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
 * UPDATE `table` SET each of `set` FROM json_to_recordset('<rows as JSON>') WHERE every column of `key`
 * matches, as statement texts (the JSON array inlined as a literal, for a multi-statement simple query:
 * batch-write.ts sends them with its COMMIT, one round trip). For rows known to exist (a row that does
 * not is left alone, nothing inserted): unlike INSERT ... ON CONFLICT DO UPDATE, no speculative
 * insertion into the unique index and no row lock (a WAL record each) before the update. The join is by
 * `key`, so the caller's transaction should plan it as primary-key probes (batch-write.ts KEYED_PLANS).
 * Keys must be unique among `rows`. No rows, no statements.
 */
export function bulkUpdateSql<T>(table: string, key: readonly Column[], set: readonly Column[], rows: T[]): string[] {
  const types = [...key, ...set].map(([n, t]) => `${n} ${t}`).join(", ");
  const assign = set.map(([n]) => `${n} = x.${n}`).join(", ");
  const match = key.map(([n]) => `t.${n} = x.${n}`).join(" AND ");
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = sqlText(JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)));
    out.push(`UPDATE ${table} AS t SET ${assign} FROM json_to_recordset(${json}::json) AS x(${types}) WHERE ${match}`);
  }
  return out;
}
