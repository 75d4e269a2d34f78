/**
 * Migration runner: applies sql/NNN_name.sql files in name order, each inside its own transaction,
 * and records them in schema_migrations (version = file name without .sql, checksum = sha256 of the
 * text). Idempotent: applied files are skipped. Safe when several processes start at once: the whole
 * run holds a session advisory lock, so the others wait and then find everything applied.
 *
 * Errors: a failing file rolls back alone (earlier files stay applied) and its error is thrown with
 * the file name; an applied file whose text has changed throws (write a new migration instead).
 *
 * CLI: `npx tsx server/src/persistence/migrate.ts` migrates DATABASE_URL.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { databaseUrl } from "./db.ts";

/** The repository's sql/ folder. */
export const SQL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../sql");

/** Advisory lock key of the runner ('mrmg'); any constant shared by all processes works. */
const LOCK_KEY = 0x6d726d67;

export interface Migration {
  version: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** Folder of NNN_name.sql files (default: the repository's sql/). */
  dir?: string;
  log?: (line: string) => void;
}

/** The migration files of `dir`, sorted by name (zero-padded numbers sort in order). */
export async function loadMigrations(dir = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), "utf8");
      return { version: file.slice(0, -4), file, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/**
 * Applies the pending migrations to the database of `target` (a pool, or a connection string,
 * default DATABASE_URL). Returns the versions applied by this call ([] when up to date).
 */
export async function migrate(target?: pg.Pool | string, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = await loadMigrations(options.dir);
  const ownPool = !(target instanceof pg.Pool);
  const pool = target instanceof pg.Pool ? target : new pg.Pool({ connectionString: databaseUrl(target), max: 1 });
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      return await applyPending(client, migrations, options.log ?? (() => {}));
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } finally {
    client.release();
    if (ownPool) await pool.end();
  }
}

/** Under the lock: creates schema_migrations, checks applied checksums, applies the rest in order. */
async function applyPending(
  client: pg.PoolClient,
  migrations: Migration[],
  log: (line: string) => void,
): Promise<string[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const { rows } = await client.query<{ version: string; checksum: string }>(
    "SELECT version, checksum FROM schema_migrations",
  );
  const applied = new Map(rows.map((r) => [r.version, r.checksum]));
  const done: string[] = [];
  for (const m of migrations) {
    const sum = applied.get(m.version);
    if (sum !== undefined) {
      if (sum !== m.checksum)
        throw new Error(`migration ${m.file} changed after it was applied; add a new migration instead`);
      continue;
    }
    await applyOne(client, m);
    log(`[migrate] applied ${m.file}`);
    done.push(m.version);
  }
  return done;
}

/** One file in one transaction, recorded in the same transaction. */
async function applyOne(client: pg.PoolClient, m: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(m.sql); // no parameters: the simple protocol, so a file may hold many statements
    await client.query("INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", [m.version, m.checksum]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw new Error(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  migrate(undefined, { log: (l) => console.log(l) })
    .then((v) => console.log(v.length ? `[migrate] ${v.length} applied` : "[migrate] up to date"))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
