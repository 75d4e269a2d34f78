/**
 * The migration runner on real PostgreSQL: idempotent, safe under concurrent starts, strict about
 * edited migrations, and a failing file rolls back alone. Scratch databases keep the shared one clean.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import pg from "pg";
import { loadMigrations, migrate } from "../../src/persistence/migrate.ts";
import { newGameId } from "./helpers.ts";

const url = () => process.env.DATABASE_URL!;

/** Creates an empty database; returns its URL and a dropper. */
async function scratchDb(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mr_${newGameId("m").replace(/-/g, "_").toLowerCase()}`.slice(0, 60);
  const admin = new pg.Client({ connectionString: url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url());
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function tables(dbUrl: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const { rows } = await c.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  await c.end();
  return rows.map((r) => r.t);
}

describe("persistence: migrations", () => {
  it("apply the schema, and a second run applies nothing", async () => {
    await migrate(url()); // the shared test database may already be migrated
    expect(await migrate(url())).to.deep.equal([]);
    const all = await tables(url());
    for (const t of [
      "events",
      "event_projection",
      "games",
      "securities",
      "players",
      "orders",
      "fills",
      "inventories",
      "leaderboard",
      "schema_migrations",
    ]) {
      expect(all).to.include(t);
    }
  });

  it("are applied once when several processes start at once (advisory lock)", async () => {
    const db = await scratchDb();
    try {
      const runs = await Promise.all([1, 2, 3, 4].map(() => migrate(db.url)));
      const versions = (await loadMigrations()).map((m) => m.version);
      expect(runs.flat().sort()).to.deep.equal(versions);
      expect(runs.filter((r) => r.length > 0)).to.have.length(1);
      expect(await migrate(db.url)).to.deep.equal([]);
    } finally {
      await db.drop();
    }
  });

  it("a failing file rolls back alone; an edited applied file is refused", async () => {
    const db = await scratchDb();
    const dir = await mkdtemp(join(tmpdir(), "mr-migrate-"));
    try {
      await writeFile(join(dir, "001_a.sql"), "CREATE TABLE a (x int);");
      await writeFile(join(dir, "002_b.sql"), "CREATE TABLE b (x int); SELECT no_such_function();");
      await migrate(db.url, { dir }).then(
        () => expect.fail("should fail"),
        (err: Error) => expect(err.message).to.match(/002_b\.sql failed/),
      );
      expect(await tables(db.url)).to.deep.equal(["a", "schema_migrations"]);
      await writeFile(join(dir, "002_b.sql"), "CREATE TABLE b (x int);");
      expect(await migrate(db.url, { dir })).to.deep.equal(["002_b"]);
      await writeFile(join(dir, "001_a.sql"), "CREATE TABLE a (x bigint);");
      await migrate(db.url, { dir }).then(
        () => expect.fail("should refuse"),
        (err: Error) => expect(err.message).to.match(/001_a\.sql changed/),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
