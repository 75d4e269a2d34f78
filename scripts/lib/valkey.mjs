// A private Valkey (or redis-server) child on a free 127.0.0.1 port, with AOF and a password (ACL user
// `marketroom`, fresh random password travelling only in VALKEY_URL). docs/testing.md, "Local services".
// Plain Node ESM.
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { DATA_DIR, ensureDataDir, privateTree, serviceHandle, spawnServer, waitReady, withUmask } from "./children.mjs";
import { freePort, retryOnPortRace } from "./ports.mjs";
import { findOrFail } from "./apt.mjs";
import { capture, isAlive, redact, rel, removePaths, tailFile, which } from "./util.mjs";

/** The OS package that provides the server when neither valkey-server nor redis-server is on PATH. */
export const VALKEY_PACKAGE = {
  what: "Valkey",
  pkg: "redis-server",
  variable: "VALKEY_URL",
  why: "the private Valkey (live game state) of npm start / npm test: no valkey-server or redis-server on PATH",
  present: () => Boolean(findValkeyBin()),
};

/** Path of valkey-server, else redis-server, on PATH; null when neither exists. */
export function findValkeyBin() {
  return which("valkey-server") ?? which("redis-server");
}

/**
 * True when a Valkey on `port` answers PING (after AUTH user password when `auth` = { user, password }).
 */
export function ping(port, host = "127.0.0.1", timeoutMs = 1000, auth = null) {
  return new Promise((done) => {
    const sock = connect({ port, host });
    let reply = "";
    const finish = (ok) => {
      sock.destroy();
      done(ok);
    };
    const bulk = (...words) =>
      `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join("")}`;
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.on("connect", () => sock.write((auth ? bulk("AUTH", auth.user, auth.password) : "") + bulk("PING")));
    sock.on("data", (chunk) => {
      reply += chunk;
      const lines = reply.split("\r\n");
      if (lines.length > (auth ? 2 : 1)) finish((!auth || lines[0] === "+OK") && lines[auth ? 1 : 0] === "+PONG");
    });
    sock.on("error", () => finish(false));
  });
}

/** Throws when another Valkey (per the pidfile it wrote) still uses the persistent dir. */
function assertValkeyDirFree(dir) {
  const pid = Number(tailFile(join(dir, "valkey.pid"), 1));
  if (!pid || !isAlive(pid)) return;
  const comm = tailFile(`/proc/${pid}/comm`, 1);
  if (/redis|valkey/.test(comm)) {
    throw new Error(`${rel(dir)} is in use by ${comm} pid ${pid} (another npm start still running?); stop it first`);
  }
}

/** The ACL user the app connects as; the default user is switched off. */
const VALKEY_USER = "marketroom";

/**
 * Writes `<dir>/valkey.conf` (mode 0600): the default user off and one ACL user for the app with a fresh
 * random password (given as its SHA-256, so the file holds no password). Returns the password; it only
 * travels in VALKEY_URL, never on a command line (which `ps` would show).
 */
function writeValkeyAcl(dir) {
  const password = randomBytes(24).toString("hex");
  const hash = createHash("sha256").update(password).digest("hex");
  const conf = join(dir, "valkey.conf");
  writeFileSync(conf, `user default off\nuser ${VALKEY_USER} on #${hash} ~* &* +@all\n`, { mode: 0o600 });
  chmodSync(conf, 0o600);
  return { conf, password };
}

/**
 * Starts one Valkey/redis-server child on a free 127.0.0.1 port; returns its service handle. It requires a
 * password (writeValkeyAcl); VALKEY_URL carries the user and password. Its files are created with umask 077
 * (AOF, pidfile: mode 0600 in a 0700 dir).
 */
async function startValkeyOnce(bin, { persistent, say }) {
  const port = await freePort();
  const dir = join(DATA_DIR, persistent ? "valkey" : `valkey-${port}`);
  if (!persistent) removePaths([dir]);
  ensureDataDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  privateTree(dir);
  if (persistent) assertValkeyDirFree(dir);
  const logFile = `${dir}.log`;
  const acl = writeValkeyAcl(dir);
  const args = [
    acl.conf,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--pidfile",
    join(dir, "valkey.pid"),
    "--appendonly",
    "yes",
    "--appendfsync",
    process.env.VALKEY_APPENDFSYNC || "everysec",
    // Valkey rewrites its AOF once it has grown past this size and doubled since the last rewrite. The
    // rewrite forks the server, and on a 2-core VM the fork, the child's CPU and the parent's copy-on-write
    // faults stalled commits for 50-200 ms; the default 64mb meant one every few seconds at 10,000
    // orders/s. 256mb: a quarter as many, for a replay of at most about 3.5 s after a crash (73 MB/s
    // measured). docs/commit.md "Stop 26".
    "--auto-aof-rewrite-min-size",
    process.env.VALKEY_AOF_REWRITE_MIN_SIZE || "256mb",
    "--save",
    "",
    "--daemonize",
    "no",
  ];
  const child = withUmask(0o077, () => spawnServer(bin, args, logFile));
  const env = { VALKEY_URL: `redis://${VALKEY_USER}:${acl.password}@127.0.0.1:${port}` };
  const handle = serviceHandle({
    name: "valkey",
    child,
    signal: "SIGTERM",
    env,
    say,
    cleanup: persistent ? [] : [dir, logFile],
  });
  try {
    await waitReady(
      "valkey",
      () => ping(port, "127.0.0.1", 1000, { user: VALKEY_USER, password: acl.password }),
      child,
      logFile,
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  say(
    `valkey ready: VALKEY_URL=${redact(env.VALKEY_URL)} (user ${VALKEY_USER}, password in VALKEY_URL of the command; data ${rel(dir)}, log ${rel(logFile)})`,
  );
  return handle;
}

/** Finds valkey-server/redis-server (installed before, apt.mjs), prints binary and version, starts it. */
export async function startValkey({ persistent, say }) {
  const bin = findOrFail(VALKEY_PACKAGE, findValkeyBin);
  const version = (await capture(bin, ["--version"])).stdout.trim();
  say(`valkey: ${bin} (${version})`);
  return retryOnPortRace(() => startValkeyOnce(bin, { persistent, say }));
}
