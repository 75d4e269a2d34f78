// A private PostgreSQL cluster child on a free 127.0.0.1 port (trust authentication, loopback only),
// database `marketroom`. As root it runs as the `postgres` OS user (initdb refuses root).
// docs/testing.md, "Local services". Plain Node ESM.
import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./deps.mjs";
import { DATA_DIR, ensureDataDir, serviceHandle, spawnServer, waitReady } from "./children.mjs";
import { freePort, retryOnPortRace } from "./ports.mjs";
import { findOrFail } from "./apt.mjs";
import { capture, isRoot, mustRun, rel, removePaths, tailFile, which } from "./util.mjs";

/** The OS package that provides PostgreSQL when no postgres + initdb is found. */
export const POSTGRES_PACKAGE = {
  what: "PostgreSQL",
  pkg: "postgresql",
  variable: "DATABASE_URL",
  why: "the private PostgreSQL (the event log and results) of npm start / npm test: no postgres and initdb found",
  present: () => Boolean(findPgBins()),
};

/** Highest-versioned /usr/lib/postgresql/N/bin that holds postgres and initdb, or null. */
function debianPgBinDir() {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => parseFloat(b) - parseFloat(a));
  const dirs = versions.map((v) => join(base, v, "bin"));
  return dirs.find((d) => existsSync(join(d, "postgres")) && existsSync(join(d, "initdb"))) ?? null;
}

/** Paths of postgres, initdb, pg_isready, createdb: PATH first, else /usr/lib/postgresql/<highest>/bin; null if absent. */
export function findPgBins() {
  const onPath = which("postgres") && which("initdb");
  const dir = onPath ? dirname(realpathSync(which("postgres"))) : debianPgBinDir();
  if (!dir) return null;
  const pick = (name) => (existsSync(join(dir, name)) ? join(dir, name) : which(name));
  const bins = {
    postgres: pick("postgres"),
    initdb: pick("initdb"),
    pg_isready: pick("pg_isready"),
    createdb: pick("createdb"),
  };
  return Object.values(bins).every(Boolean) ? bins : null;
}

/** uid/gid of an OS user, or null when it does not exist. */
async function userIds(name) {
  const [u, g] = await Promise.all([capture("id", ["-u", name]), capture("id", ["-g", name])]);
  return u.code === 0 && g.code === 0 ? { uid: Number(u.stdout), gid: Number(g.stdout) } : null;
}

/** When root (initdb refuses root), ensures the `postgres` OS user exists and returns its ids; else null. */
async function pgRunAs(say) {
  if (!isRoot()) return null;
  const ids = await userIds("postgres");
  if (ids) return ids;
  say("creating system user postgres (initdb refuses to run as root)");
  await mustRun("useradd", ["--system", "--no-create-home", "postgres"]);
  return userIds("postgres");
}

/** spawn() options that run a command as `runAs` (the postgres user), or {} to run as ourselves. */
function asUser(runAs) {
  return runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: "/" } : {};
}

/** True when user `runAs` can traverse into `dir` (checked with `test -x` run as that user). */
async function canTraverse(dir, runAs) {
  return (await capture("test", ["-x", dir], asUser(runAs))).code === 0;
}

/** Cluster directory: .data/pg (persistent) or .data/pg-<port>; a tmpdir location when the postgres user cannot reach .data. */
async function pgDataDir({ port, persistent, runAs, say }) {
  ensureDataDir();
  const dir = join(DATA_DIR, persistent ? "pg" : `pg-${port}`);
  if (!runAs || (await canTraverse(DATA_DIR, runAs))) return dir;
  const tag = createHash("sha1").update(ROOT).digest("hex").slice(0, 8);
  const alt = join(tmpdir(), persistent ? `marketroom-pg-${tag}` : `marketroom-pg-${port}`);
  say(`the postgres user cannot traverse ${DATA_DIR}; using ${alt} for the cluster instead`);
  return alt;
}

/** Major version of a postgres binary ("15", or "9.6" for old ones). */
async function pgMajor(postgresBin) {
  const out = (await capture(postgresBin, ["--version"])).stdout;
  const m = out.match(/(\d+)(?:\.(\d+))?/);
  if (!m) return "";
  return Number(m[1]) >= 10 ? m[1] : `${m[1]}.${m[2]}`;
}

/** Runs initdb into a fresh `dir`; a persistent dir that already holds a same-version cluster is reused. */
async function initCluster(bins, dir, { persistent, runAs, say }) {
  const versionFile = join(dir, "PG_VERSION");
  if (persistent && existsSync(versionFile)) {
    const have = tailFile(versionFile, 1).trim();
    const want = await pgMajor(bins.postgres);
    if (have !== want)
      throw new Error(
        `${rel(dir)} holds a PostgreSQL ${have} cluster but ${bins.postgres} is ${want}; move it away or install PostgreSQL ${have}`,
      );
    say(`reusing the PostgreSQL cluster in ${rel(dir)}`);
    return;
  }
  removePaths([dir]);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const args = ["-D", dir, "-A", "trust", "-U", "postgres", "--encoding=UTF8", "--no-locale"];
  if (!persistent) args.push("--no-sync");
  say(`initdb ${rel(dir)}${runAs ? " (as OS user postgres)" : ""}`);
  await mustRun(bins.initdb, args, asUser(runAs));
}

/** Unix-socket directory for postgres (-k), writable by the server user, under the OS tmpdir. */
function pgSocketDir(runAs) {
  const dir = mkdtempSync(join(tmpdir(), "marketroom-pgsock-"));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

/** Creates database `name` over TCP unless it exists already. */
async function createDatabase(bins, port, name) {
  const res = await capture(bins.createdb, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
  if (res.code !== 0 && !/already exists/.test(res.stderr)) {
    throw new Error(`createdb ${name} failed: ${res.stderr.trim()}`);
  }
}

/**
 * PG_STAT_STATEMENTS=1: postgres options that preload pg_stat_statements (time, rows, buffers, WAL per
 * statement, planning included; docs/persistence.md "Stop 19"), when the library is installed beside
 * the binary (Debian's postgresql-N ships it); [] otherwise. Off by default: it costs every statement a
 * little. Then `CREATE EXTENSION pg_stat_statements` in the database and read the view.
 */
function statementStatsArgs(bins, say) {
  if (process.env.PG_STAT_STATEMENTS !== "1") return [];
  const lib = join(dirname(bins.postgres), "..", "lib", "pg_stat_statements.so");
  if (!existsSync(lib)) {
    say(`PG_STAT_STATEMENTS=1 but ${lib} is missing: starting without pg_stat_statements`);
    return [];
  }
  return [
    "-c",
    "shared_preload_libraries=pg_stat_statements",
    "-c",
    "pg_stat_statements.track=all",
    "-c",
    "pg_stat_statements.track_planning=on",
  ];
}

/** Starts one postgres child (fast shutdown on stop) on a free port, creates database marketroom; returns its handle. */
async function startPostgresOnce(bins, runAs, { persistent, say, nice }) {
  const port = await freePort();
  const dir = await pgDataDir({ port, persistent, runAs, say });
  await initCluster(bins, dir, { persistent, runAs, say });
  const logFile = `${dir}.log`;
  const sockDir = pgSocketDir(runAs);
  const args = [
    "-D",
    dir,
    "-p",
    String(port),
    "-k",
    sockDir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=on",
    "-c",
    "max_connections=200",
  ];
  args.push(...statementStatsArgs(bins, say));
  // nice > 0: every PostgreSQL process (the postmaster and the backends it forks) yields the CPU to
  // the game servers and Valkey on a shared machine (docs/persistence.md "Stop 28")
  const child =
    nice > 0
      ? spawnServer("nice", ["-n", String(nice), bins.postgres, ...args], logFile, asUser(runAs))
      : spawnServer(bins.postgres, args, logFile, asUser(runAs));
  const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/marketroom` };
  const handle = serviceHandle({
    name: "postgres",
    child,
    signal: "SIGINT",
    env,
    say,
    cleanup: persistent ? [sockDir] : [dir, logFile, sockDir],
  });
  try {
    const ready = async () =>
      (
        await capture(bins.pg_isready, [
          "-q",
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          "postgres",
          "-d",
          "postgres",
          "-t",
          "1",
        ])
      ).code === 0;
    await waitReady("postgres", ready, child, logFile);
    await createDatabase(bins, port, "marketroom");
  } catch (err) {
    await handle.stop();
    throw err;
  }
  say(`postgres ready: DATABASE_URL=${env.DATABASE_URL} (data ${rel(dir)}, log ${rel(logFile)})`);
  return handle;
}

/**
 * Finds PostgreSQL (installed before, apt.mjs), prints binary and version, starts a private cluster;
 * `nice` (0-19, default 0) raises the nice value of all its processes (run under nice(1)).
 */
export async function startPostgres({ persistent, say, nice = 0 }) {
  const bins = findOrFail(POSTGRES_PACKAGE, findPgBins);
  const version = (await capture(bins.postgres, ["--version"])).stdout.trim();
  say(`postgres: ${bins.postgres} (${version})`);
  const runAs = await pgRunAs(say);
  if (nice > 0) say(`postgres runs at nice ${nice} (below the game servers and Valkey)`);
  return retryOnPortRace(() => startPostgresOnce(bins, runAs, { persistent, say, nice }));
}
