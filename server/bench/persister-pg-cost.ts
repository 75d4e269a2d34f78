/**
 * PostgreSQL's cost per order of the persister's writes, variant by variant (docs/persistence.md "Stop 18").
 * Records a real engine game once (test/persistence/helpers.ts TradingGame, PGCOST_RECORD commands), then
 * stores the same log through the persister's own writeBatch (PGCOST_ORDERS_PER_BATCH orders per batch,
 * PGCOST_GAMES copies of the game) into a fresh database per variant, in interleaved rounds (PGCOST_ROUNDS,
 * the order rotated each round), on one connection. Per order: the backend's CPU (/proc utime + stime),
 * the node process's CPU, WAL bytes (pg_current_wal_lsn after a CHECKPOINT); and orders' updates and HOT
 * updates. PGCOST_PARSE=1 parses each batch's JSON texts inside the timed loop, as the persister does (the
 * node figure is then the persister's CPU per order without its Valkey reads). Variants: `base` = the
 * migrations before 009, `m009` = every migration in sql/, the others = base plus the statements below. Run with services:
 *   PGCOST_VARIANTS=base,m009 node scripts/with-services.mjs -- node --import tsx server/bench/persister-pg-cost.ts
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Redis } from "iovalkey";
import { parseEvent, type EngineEvent } from "@marketroom/shared";
import { eventsKey } from "../src/engine/keys.ts";
import { createDb, createPool } from "../src/persistence/db.ts";
import { SQL_DIR, migrate } from "../src/persistence/migrate.ts";
import { writeBatch, type BatchEvent } from "../src/persistence/batch-write.ts";
import { Engine, TradingGame, newGameId } from "../test/persistence/helpers.ts";

/** Statements applied on top of the migrations before 009 (each one candidate of Stop 18 alone). */
const VARIANTS: Record<string, string[]> = {
  base: [],
  m009: [],
  nofk: [
    "ALTER TABLE orders DROP CONSTRAINT orders_game_id_security_id_fkey",
    "ALTER TABLE orders DROP CONSTRAINT orders_game_id_player_id_fkey",
    "ALTER TABLE fills DROP CONSTRAINT fills_game_id_security_id_fkey",
  ],
  noopen: ["DROP INDEX orders_open"],
  ff: ["ALTER TABLE orders SET (fillfactor = 80)"],
  noopenff: ["DROP INDEX orders_open", "ALTER TABLE orders SET (fillfactor = 80)"],
  nofee: ["DROP INDEX fills_taker_fee"],
  nomt: ["DROP INDEX fills_taker_fee", "DROP INDEX fills_maker", "DROP INDEX fills_taker"],
  json: ["ALTER TABLE events ALTER data TYPE json"],
  // the text keys under "C" (memcmp, abbreviated keys); matters only in a cluster not initdb'ed with C
  collc: [
    'ALTER TABLE event_projection ALTER game_id TYPE text COLLATE "C"',
    'ALTER TABLE events ALTER game_id TYPE text COLLATE "C"',
    'ALTER TABLE orders ALTER game_id TYPE text COLLATE "C", ALTER player_id TYPE text COLLATE "C"',
    'ALTER TABLE fills ALTER game_id TYPE text COLLATE "C", ALTER maker_player_id TYPE text COLLATE "C", ALTER taker_player_id TYPE text COLLATE "C"',
  ],
  jsonguard: [
    "ALTER TABLE events ALTER data TYPE json",
    "ALTER TABLE events ADD CONSTRAINT events_data_no_nul CHECK (strpos(data::text, '\\u0000') = 0 OR data::jsonb IS NOT NULL)",
  ],
};

/** The sql/ files before 009, copied into a temporary directory (the schema of the base commit). */
function baseMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), "pgcost-sql-"));
  for (const f of readdirSync(SQL_DIR)) if (f < "009") cpSync(join(SQL_DIR, f), join(dir, f));
  return dir;
}

/** Clock ticks per second of /proc/<pid>/stat times (Linux: 100). */
const CLK_TCK = 100;
/** utime + stime of a process, µs. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}
/** CPU of the postmaster's live children but `except` (the measured backend), µs: WAL writer, checkpointer, ... */
function childrenCpuUs(postmaster: number, except: number): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === except) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) total += cpuUs(Number(name));
    } catch {
      /* gone */
    }
  }
  return total;
}

/** PGCOST_WALDUMP=1: pg_waldump --stats=record over the variant's WAL (what the bytes are), printed as is. */
function walStats(dataDir: string, from: string, to: string): void {
  const bin = process.env.PG_WALDUMP ?? "/usr/lib/postgresql/15/bin/pg_waldump";
  const out = execFileSync(bin, ["--stats=record", "-p", join(dataDir, "pg_wal"), "-s", from, "-e", to], {
    encoding: "utf8",
  });
  process.stdout.write(
    out
      .split("\n")
      .filter((l) => !/\s0 \(\s*0\.00\)\s+0 \(/.test(l))
      .join("\n"),
  );
}

/**
 * The persister's parse of an event's JSON text: event-parse.ts's parseEventText (Stop 20), or the shared
 * parseEvent where that file does not exist (a worktree of an earlier commit, for before/after pairs).
 */
async function persisterParse(): Promise<(text: string) => EngineEvent> {
  const file = "../src/persistence/event-parse.ts";
  try {
    return ((await import(file)) as { parseEventText: (text: string) => EngineEvent }).parseEventText;
  } catch {
    return parseEvent;
  }
}

async function main(): Promise<void> {
  const names = (process.env.PGCOST_VARIANTS ?? "base,m009").split(",");
  const rounds = Number(process.env.PGCOST_ROUNDS ?? 3);
  const gamesPer = Number(process.env.PGCOST_GAMES ?? 3);
  const perBatch = Number(process.env.PGCOST_ORDERS_PER_BATCH ?? 300);
  const url = process.env.DATABASE_URL!;
  const parse = process.env.PGCOST_PARSE ? await persisterParse() : undefined;
  const baseDir = baseMigrations();
  const engine = new Engine(new Redis(process.env.VALKEY_URL!));
  const game = await TradingGame.create(engine, `pgcost:${process.pid}`, "rec");
  await game.trade(Number(process.env.PGCOST_RECORD ?? 4000), 3);
  await engine.client.del(eventsKey(game.gameId));
  const template: EngineEvent[] = game.events;
  const orders = template.filter((e) => e.type === "order_accepted").length;
  process.stdout.write(`template ${template.length} events, ${orders} orders\n`);

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const info = await admin.query(
    "SELECT current_setting('lc_collate') AS coll, current_setting('server_version') AS v, current_setting('full_page_writes') AS fpw",
  );
  process.stdout.write(`${JSON.stringify(info.rows[0])}\n`);
  const dir = (await admin.query("SHOW data_directory")).rows[0].data_directory as string;
  const postmaster = Number(readFileSync(`${dir}/postmaster.pid`, "utf8").split("\n")[0]);

  const results: Record<string, Record<string, number>[]> = {};
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const v of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
      const dbName = `pgcost_${v}_${r}_${n++}`;
      await admin.query(`CREATE DATABASE ${dbName}`);
      const u = new URL(url);
      u.pathname = `/${dbName}`;
      const pool = createPool(u.toString(), 1);
      await migrate(pool, { log: () => {}, ...(v === "m009" ? {} : { dir: baseDir }) });
      for (const s of VARIANTS[v]!) await pool.query(s);
      const db = createDb(pool);
      // batches: per game the template with restamped game id, perBatch orders each
      const batches: BatchEvent[][] = [];
      for (let gi = 0; gi < gamesPer; gi++) {
        const gameId = newGameId("c");
        let cur: BatchEvent[] = [];
        let inBatch = 0;
        for (const e of template) {
          if (e.type === "order_accepted" && inBatch >= perBatch) {
            batches.push(cur);
            cur = [];
            inBatch = 0;
          }
          if (e.type === "order_accepted") inBatch++;
          cur.push({ gameId, raw: JSON.stringify(e), event: e });
        }
        batches.push(cur);
      }
      const backend = (await pool.query("SELECT pg_backend_pid() AS p")).rows[0].p as number;
      await admin.query("CHECKPOINT");
      const lsn0 = (await pool.query("SELECT pg_current_wal_lsn() AS l")).rows[0].l as string;
      const b0 = cpuUs(backend);
      const o0 = childrenCpuUs(postmaster, backend);
      const c0 = process.cpuUsage();
      const scales = new Map();
      // PGCOST_PARSE=1: each batch's events are parsed from their JSON texts first, as the persister does
      for (const b of batches) await writeBatch(db, parse ? b.map((x) => ({ ...x, event: parse(x.raw) })) : b, scales);
      const c1 = process.cpuUsage(c0);
      const b1 = cpuUs(backend);
      const o1 = childrenCpuUs(postmaster, backend);
      const wal = Number((await pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsn0}') AS d`)).rows[0].d);
      if (process.env.PGCOST_WALDUMP)
        walStats(dir, lsn0, (await pool.query("SELECT pg_current_wal_lsn() AS l")).rows[0].l);
      await pool.query("SELECT pg_stat_force_next_flush()");
      const st = (
        await pool.query(
          "SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'orders'",
        )
      ).rows[0];
      const total = orders * gamesPer;
      const row = {
        backendUs: Math.round((b1 - b0) / total),
        otherPgUs: Math.round((o1 - o0) / total),
        nodeUs: Math.round((c1.user + c1.system) / total),
        walBytes: Math.round(wal / total),
        upd: st.upd,
        hot: st.hot,
        load: Number(loadavg()[0]!.toFixed(2)),
      };
      (results[v] ??= []).push(row);
      process.stdout.write(`round ${r} ${v.padEnd(9)} ${JSON.stringify(row)}\n`);
      await db.destroy();
      await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    }
  }
  process.stdout.write("\nmedian backend µs/order, WAL bytes/order:\n");
  for (const v of names) {
    const xs = results[v]!.map((x) => x.backendUs!).sort((a, b) => a - b);
    const ws = results[v]!.map((x) => x.walBytes!).sort((a, b) => a - b);
    process.stdout.write(
      `  ${v.padEnd(9)} backend ${xs.join("/")} (median ${xs[Math.floor(xs.length / 2)]}) wal ${ws[Math.floor(ws.length / 2)]}\n`,
    );
  }
  await admin.end();
  rmSync(baseDir, { recursive: true });
  engine.client.disconnect();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
