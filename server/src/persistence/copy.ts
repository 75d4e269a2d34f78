/**
 * COPY for the persister: one raw pg connection (COPY ... FROM STDIN needs the connection itself; Kysely
 * runs its queries on the same one), rows in COPY's text format, and COPYs sent together with other
 * statements in one multi-statement simple query (one round trip: copyQuery).
 *
 * COPY is PostgreSQL's bulk path: no statement per row, no parameters, no JSON to expand. Measured with
 * server/bench/persister.bench.ts it costs PostgreSQL about half the CPU per event row of
 * INSERT ... SELECT FROM json_to_recordset (docs/persistence.md "Lag and cost"). It has no ON CONFLICT,
 * so callers copy only rows they know to be new (batch-write.ts checks under the game's lock).
 *
 * Errors: whatever pg throws (a refused row fails the whole COPY with its SQLSTATE; the transaction rolls
 * back). A connection that failed is destroyed, not returned to the pool.
 *
 * Also the SQL literals of the statements the persister sends as one multi-statement simple query (which
 * takes no parameters): `sqlText`, `sqlInt`, and arrays of them.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { poolOf, type Database, type Db } from "./db.ts";

/**
 * Runs `fn` on one connection of `db`'s pool: `q` (Kysely) and `client` (raw, for COPY and multi-statement
 * simple queries) are the same connection. `fn` opens and ends its transaction itself (batch-write.ts sends
 * BEGIN and COMMIT in one round trip with its first and last statements). When `fn` throws, the
 * connection is destroyed rather than returned to the pool, which ends (rolls back) any transaction it left open.
 */
export async function withConnection<T>(
  db: Db,
  fn: (q: Kysely<Database>, client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await poolOf(db).connect();
  let failed = false;
  try {
    // Kysely over this one connection: it only calls query() and release() on what the pool hands out.
    const one = { query: client.query.bind(client), release: () => {} } as unknown as pg.PoolClient;
    const single = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: { connect: async () => one, end: async () => {} } as unknown as pg.Pool }),
    });
    return await fn(single, client);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    client.release(failed);
  }
}

/** COPY `table` (`columns`) FROM STDIN with `text`: rows in COPY text format (copyLine). Returns rows copied. */
export async function copyText(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  text: string,
): Promise<number> {
  if (!text) return 0;
  const [copied] = await copyQuery(client, [copyStatement(table, columns)], [text]);
  return copied ?? 0;
}

/** The statement `COPY table (columns) FROM STDIN`. */
export function copyStatement(table: string, columns: readonly string[]): string {
  return `COPY ${table} (${columns.join(", ")}) FROM STDIN`;
}

/**
 * Sends `statements` as ONE multi-statement simple query (one round trip): each `COPY ... FROM STDIN`
 * among them gets the next text of `data` (rows in COPY text format), in order; the other statements take
 * no parameters (literals: sqlText, sqlInt). Returns the rows copied by each COPY, in order.
 * Errors: the first failing statement's pg error (the rest are skipped; inside a transaction block the
 * transaction is then aborted).
 */
export function copyQuery(client: pg.PoolClient, statements: string[], data: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    void client.query(
      new CopyQuery(statements.join(";\n"), data, (err, counts) => (err ? reject(err) : resolve(counts))),
    );
  });
}

/** What pg's Connection offers a submittable query (pg/lib/connection.js). */
interface PgConnection {
  query(text: string): void;
  sendCopyFail(message: string): void;
  stream: {
    writable: boolean;
    cork(): void;
    uncork(): void;
    write(chunk: Buffer | string, encoding?: "utf8"): boolean;
  };
}

/** CopyDone: the message code 'c' and its length (4, the length field itself). */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/**
 * A pg submittable (like pg-copy-streams, without its streams): answers each CopyInResponse of the query
 * with the next data text in one CopyData message and CopyDone, counts the COPYs' rows, and ends on
 * ReadyForQuery or the first error (pg then drops the query before its ReadyForQuery).
 */
class CopyQuery {
  private next = 0;
  private counts: number[] = [];
  private settled = false;

  constructor(
    readonly text: string,
    private data: string[],
    private done: (err: Error | null, counts: number[]) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    const text = this.data[this.next++];
    if (text === undefined) return connection.sendCopyFail("no data for this COPY");
    // CopyData ('d', length, the text) and CopyDone in one socket write: a system call is dear here. The
    // text goes to the socket as a string, encoded once there: pg's sendCopyFromChunk takes a Buffer and
    // copies it into its own writer again, two copies of megabytes per batch (docs/persistence.md "Stop 20").
    const stream = connection.stream;
    if (!stream.writable) return; // as pg's own sends: the connection's error ends the query
    const head = Buffer.allocUnsafe(5);
    head[0] = 0x64;
    head.writeInt32BE(Buffer.byteLength(text) + 4, 1);
    stream.cork();
    stream.write(head);
    stream.write(text, "utf8");
    stream.write(COPY_DONE);
    stream.uncork();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const copied = /^COPY (\d+)/.exec(msg.text ?? "");
    if (copied) this.counts.push(Number(copied[1]));
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  handleReadyForQuery(): void {
    this.settle(null);
  }

  handleError(err: Error): void {
    this.settle(err);
  }

  private settle(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.done(err, this.counts);
  }
}

/** One row in COPY text format: values tab-separated, null as \N, newline-terminated. */
export function copyLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) line += "\t";
    line += v === null || v === undefined ? "\\N" : typeof v === "string" ? copyEscape(v) : String(v);
  }
  return `${line}\n`;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A text value escaped for COPY text format (backslash, tab, newline, carriage return). */
export function copyEscape(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c]!) : text;
}

/**
 * A string as an SQL literal, exactly as pg's escapeLiteral writes it (quotes doubled; with a backslash,
 * backslashes doubled and ` E'...'`), by native string search and replace: pg's loops over the text a
 * character at a time, and the changed orders' JSON literal runs to megabytes (docs/persistence.md "Stop 20").
 */
export function sqlText(text: string): string {
  const quoted = text.includes("'") ? text.replaceAll("'", "''") : text;
  return text.includes("\\") ? ` E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/** A safe integer as SQL text. Errors: throws for anything else (never inlines a float or a string). */
export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a safe integer for SQL: ${n}`);
  return String(n);
}

/**
 * An array as ONE literal, `'{...}'::<type>[]` (parsed by the type's array input, not as an expression
 * per element, which costs PostgreSQL far more for thousands of elements). Strings are quoted as array
 * elements, numbers must be safe integers. Errors: throws for a non-integer number.
 */
export function sqlArray(values: readonly (string | number)[], type: "text" | "int" | "bigint"): string {
  const items = values.map((v) => (typeof v === "number" ? sqlInt(v) : `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`));
  return `${sqlText(`{${items.join(",")}}`)}::${type}[]`;
}
