// Private local services for `npm start` / `npm test` / `npm run bench`: a Valkey (or redis-server)
// and a PostgreSQL cluster under .data/, on free ports, as child processes of the runner.
// Missing server packages are installed with apt when running as root, else we stop with a clear
// message. VALKEY_URL / DATABASE_URL already in the environment are used instead.
// Plain Node ESM with no npm dependencies: it runs on a fresh clone before `npm install`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync, chmodSync, chownSync, closeSync, constants as fsConstants, existsSync, mkdirSync, mkdtempSync,
  openSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { ROOT, ensureNodeModules } from './deps.mjs';

/** Where service data lives (git-ignored). */
export const DATA_DIR = join(ROOT, '.data');
const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;
const TERM_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Services started by this process and not yet stopped. */
const live = new Set();
/** Ports handed out by freePort() in this process, so parallel starts never share one. */
const usedPorts = new Set();

// ---------------------------------------------------------------- small helpers

/** Writes a progress line to stderr. */
function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

/** Resolves after `ms` milliseconds. */
function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** Resolves true if `promise` has not settled within `ms` ms, else false (the timer is cleared). */
async function timesOut(promise, ms) {
  let timer;
  const expired = new Promise((done) => { timer = setTimeout(() => done(true), ms); });
  try {
    return await Promise.race([promise.then(() => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Blocks the thread for `ms` milliseconds (only for the synchronous exit hook). */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Path relative to the repo root for messages (absolute when outside it). */
function rel(path) {
  const r = relative(ROOT, path);
  return r && !r.startsWith('..') ? r : path;
}

/** True when this process runs as root. */
function isRoot() {
  return process.getuid?.() === 0;
}

/** True when `pid` is a live (not zombie) process; reads /proc, so false where /proc is absent. */
function isAlive(pid) {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Last `n` lines of a text file, or '' when unreadable. */
function tailFile(file, n = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/** Removes files/dirs, ignoring ones already gone. */
function removePaths(paths) {
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}

/** A URL with any password replaced by ***, for logging. */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Absolute path of an executable named `name` on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir || '.', name);
    try {
      accessSync(file, fsConstants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch { /* keep looking */ }
  }
  return null;
}

/** Runs a command to completion; resolves { code, stdout, stderr } (code 127 if it could not start). */
export function capture(cmd, args, opts = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (err) => done({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => done({ code: code ?? 128, stdout, stderr }));
  });
}

/** Like capture() but throws an Error carrying the command's output when it exits non-zero. */
async function mustRun(cmd, args, opts) {
  const res = await capture(cmd, args, opts);
  if (res.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.code}):\n${(res.stderr || res.stdout).trim()}`);
  }
  return res;
}

/** Runs a command with its output streamed to our stderr; throws when it exits non-zero. */
function runLoud(cmd, args, env = process.env) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 2, 2] });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${cmd} ${args.join(' ')} failed (exit ${code})`))));
  });
}

/** Resolves with a TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close). */
export async function freePort() {
  for (;;) {
    const port = await new Promise((done, fail) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', fail);
      srv.listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address();
        srv.close(() => done(p));
      });
    });
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
}

// ---------------------------------------------------------------- OS packages

let aptQueue = Promise.resolve();
let aptUpdated = false;

/** Installs a Debian package with apt-get (apt-get update once first); calls are serialised. */
function aptInstall(pkg, say) {
  const job = aptQueue.then(async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      say('running apt-get update');
      await runLoud('apt-get', ['update'], env);
      aptUpdated = true;
    }
    say(`installing ${pkg}: apt-get install -y ${pkg}`);
    await runLoud('apt-get', ['install', '-y', pkg], env);
  });
  aptQueue = job.catch(() => {});
  return job;
}

/**
 * Returns find() when it yields something; otherwise installs Debian package `pkg` with apt
 * (root + apt-get only) and retries, or throws a message naming the package to install.
 */
async function findOrInstall(what, pkg, find, say) {
  const found = find();
  if (found) return found;
  if (!isRoot() || !which('apt-get')) {
    throw new Error(`${what} is not installed. Install the "${pkg}" package (e.g. sudo apt-get install ${pkg}), `
      + `or point ${what === 'PostgreSQL' ? 'DATABASE_URL' : 'VALKEY_URL'} at a running server.`);
  }
  say(`${what} not found: installing the ${pkg} package with apt-get`);
  await aptInstall(pkg, say);
  const after = find();
  if (!after) throw new Error(`${what} still not found after installing ${pkg}`);
  return after;
}

// ---------------------------------------------------------------- child servers

/** Spawns a long-running server with stdout/stderr appended to logFile; adds `done` and `exited` to the child. */
function spawnServer(cmd, args, logFile, opts = {}) {
  const fd = openSync(logFile, 'a', 0o600);
  chmodSync(logFile, 0o600);
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], ...opts });
  closeSync(fd);
  child.done = false;
  child.exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => { child.done = true; resolveExit({ code, signal }); });
    child.once('error', (err) => { child.done = true; child.spawnError = err; resolveExit({ code: 127 }); });
  });
  return child;
}

/** Signals a child, waits up to 15 s for it to exit, then SIGKILLs it. */
async function stopChild(child, signal) {
  if (child.done) return;
  child.kill(signal);
  if (await timesOut(child.exited, STOP_TIMEOUT_MS)) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/** Synchronous stopChild() for the process 'exit' hook (polls /proc instead of awaiting). */
function stopChildSync(child, signal) {
  if (child.done || !child.pid) return;
  child.kill(signal);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(child.pid) && Date.now() < deadline) sleepSync(50);
  if (isAlive(child.pid)) child.kill('SIGKILL');
}

/**
 * Wraps a running server child as { name, env, stop(), stopSync() } and tracks it in `live`.
 * stop() signals it (`signal`), waits for exit (15 s, then SIGKILL) and deletes `cleanup` paths.
 */
function serviceHandle({ name, child, signal, env, cleanup, say }) {
  let stopping = null;
  const handle = {
    name,
    env,
    stop() {
      stopping ??= stopChild(child, signal).then(() => {
        removePaths(cleanup);
        live.delete(handle);
        say(`stopped ${name}`);
      });
      return stopping;
    },
    stopSync() {
      stopChildSync(child, signal);
      removePaths(cleanup);
      live.delete(handle);
    },
  };
  live.add(handle);
  return handle;
}

/** Error for a server that died or hung during startup, quoting the end of its log. */
function startupError(message, logFile) {
  const err = new Error(`${message}; last lines of ${rel(logFile)}:\n${tailFile(logFile)}`);
  err.portInUse = /address already in use|could not bind/i.test(tailFile(logFile));
  return err;
}

/** Polls `probe()` every 100 ms until true; throws if the child exits first or 60 s pass. */
async function waitReady(what, probe, child, logFile) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.done) throw startupError(`${what} exited during startup`, logFile);
    if (await probe()) return;
    await sleep(100);
  }
  throw startupError(`${what} did not become ready within ${READY_TIMEOUT_MS / 1000}s`, logFile);
}

/** Runs start() up to 3 times while it fails because its freshly chosen port got taken meanwhile. */
async function retryOnPortRace(start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!err.portInUse || attempt >= 3) throw err;
    }
  }
}

// ---------------------------------------------------------------- Valkey

/** Path of valkey-server, else redis-server, on PATH; null when neither exists. */
function findValkeyBin() {
  return which('valkey-server') ?? which('redis-server');
}

/**
 * True when a Valkey on `port` answers PING (after AUTH user password when `auth` = { user, password }).
 */
export function ping(port, host = '127.0.0.1', timeoutMs = 1000, auth = null) {
  return new Promise((done) => {
    const sock = connect({ port, host });
    let reply = '';
    const finish = (ok) => { sock.destroy(); done(ok); };
    const bulk = (...words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.on('connect', () => sock.write((auth ? bulk('AUTH', auth.user, auth.password) : '') + bulk('PING')));
    sock.on('data', (chunk) => {
      reply += chunk;
      const lines = reply.split('\r\n');
      if (lines.length > (auth ? 2 : 1)) finish((!auth || lines[0] === '+OK') && lines[auth ? 1 : 0] === '+PONG');
    });
    sock.on('error', () => finish(false));
  });
}

/**
 * Creates .data/ with mode 0700, or tightens an existing one. As root it is 0711 instead, because PostgreSQL
 * then runs as the postgres OS user, which must pass through to its own 0700 cluster dir (.data/pg); nobody
 * else can list .data/ or read anything in it (files 0600, folders 0700). See docs/testing.md.
 */
function ensureDataDir() {
  mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  chmodSync(DATA_DIR, isRoot() ? 0o711 : 0o700);
}

/** Makes every file under `dir` 0600 and every folder 0700 (AOF files written by older runs were 0644). */
function privateTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) { chmodSync(path, 0o700); privateTree(path); } else if (e.isFile()) chmodSync(path, 0o600);
  }
}

/** Runs `fn` (which spawns a child) with the process umask set to `mask`, so the child inherits it. */
function withUmask(mask, fn) {
  const before = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(before);
  }
}

/** Throws when another Valkey (per the pidfile it wrote) still uses the persistent dir. */
function assertValkeyDirFree(dir) {
  const pid = Number(tailFile(join(dir, 'valkey.pid'), 1));
  if (!pid || !isAlive(pid)) return;
  const comm = tailFile(`/proc/${pid}/comm`, 1);
  if (/redis|valkey/.test(comm)) {
    throw new Error(`${rel(dir)} is in use by ${comm} pid ${pid} (another npm start still running?); stop it first`);
  }
}

/** The ACL user the app connects as; the default user is switched off. */
const VALKEY_USER = 'marketroom';

/**
 * Writes `<dir>/valkey.conf` (mode 0600): the default user off and one ACL user for the app with a fresh
 * random password (given as its SHA-256, so the file holds no password). Returns the password; it only
 * travels in VALKEY_URL, never on a command line (which `ps` would show).
 */
function writeValkeyAcl(dir) {
  const password = randomBytes(24).toString('hex');
  const hash = createHash('sha256').update(password).digest('hex');
  const conf = join(dir, 'valkey.conf');
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
  const dir = join(DATA_DIR, persistent ? 'valkey' : `valkey-${port}`);
  if (!persistent) removePaths([dir]);
  ensureDataDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  privateTree(dir);
  if (persistent) assertValkeyDirFree(dir);
  const logFile = `${dir}.log`;
  const acl = writeValkeyAcl(dir);
  const args = [acl.conf, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', join(dir, 'valkey.pid'),
    '--appendonly', 'yes', '--appendfsync', process.env.VALKEY_APPENDFSYNC || 'everysec', '--save', '', '--daemonize', 'no'];
  const child = withUmask(0o077, () => spawnServer(bin, args, logFile));
  const env = { VALKEY_URL: `redis://${VALKEY_USER}:${acl.password}@127.0.0.1:${port}` };
  const handle = serviceHandle({ name: 'valkey', child, signal: 'SIGTERM', env, say,
    cleanup: persistent ? [] : [dir, logFile] });
  try {
    await waitReady('valkey', () => ping(port, '127.0.0.1', 1000, { user: VALKEY_USER, password: acl.password }), child, logFile);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  say(`valkey ready: VALKEY_URL=${redact(env.VALKEY_URL)} (user ${VALKEY_USER}, password in VALKEY_URL of the command; data ${rel(dir)}, log ${rel(logFile)})`);
  return handle;
}

/** Finds or installs valkey-server/redis-server, prints binary and version, starts it. */
async function startValkey({ persistent, say }) {
  const bin = await findOrInstall('Valkey', 'redis-server', findValkeyBin, say);
  const version = (await capture(bin, ['--version'])).stdout.trim();
  say(`valkey: ${bin} (${version})`);
  return retryOnPortRace(() => startValkeyOnce(bin, { persistent, say }));
}

// ---------------------------------------------------------------- PostgreSQL

/** Highest-versioned /usr/lib/postgresql/N/bin that holds postgres and initdb, or null. */
function debianPgBinDir() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => parseFloat(b) - parseFloat(a));
  const dirs = versions.map((v) => join(base, v, 'bin'));
  return dirs.find((d) => existsSync(join(d, 'postgres')) && existsSync(join(d, 'initdb'))) ?? null;
}

/** Paths of postgres, initdb, pg_isready, createdb: PATH first, else /usr/lib/postgresql/<highest>/bin; null if absent. */
function findPgBins() {
  const onPath = which('postgres') && which('initdb');
  const dir = onPath ? dirname(realpathSync(which('postgres'))) : debianPgBinDir();
  if (!dir) return null;
  const pick = (name) => (existsSync(join(dir, name)) ? join(dir, name) : which(name));
  const bins = { postgres: pick('postgres'), initdb: pick('initdb'), pg_isready: pick('pg_isready'), createdb: pick('createdb') };
  return Object.values(bins).every(Boolean) ? bins : null;
}

/** uid/gid of an OS user, or null when it does not exist. */
async function userIds(name) {
  const [u, g] = await Promise.all([capture('id', ['-u', name]), capture('id', ['-g', name])]);
  return u.code === 0 && g.code === 0 ? { uid: Number(u.stdout), gid: Number(g.stdout) } : null;
}

/** When root (initdb refuses root), ensures the `postgres` OS user exists and returns its ids; else null. */
async function pgRunAs(say) {
  if (!isRoot()) return null;
  const ids = await userIds('postgres');
  if (ids) return ids;
  say('creating system user postgres (initdb refuses to run as root)');
  await mustRun('useradd', ['--system', '--no-create-home', 'postgres']);
  return userIds('postgres');
}

/** spawn() options that run a command as `runAs` (the postgres user), or {} to run as ourselves. */
function asUser(runAs) {
  return runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {};
}

/** True when user `runAs` can traverse into `dir` (checked with `test -x` run as that user). */
async function canTraverse(dir, runAs) {
  return (await capture('test', ['-x', dir], asUser(runAs))).code === 0;
}

/** Cluster directory: .data/pg (persistent) or .data/pg-<port>; a tmpdir location when the postgres user cannot reach .data. */
async function pgDataDir({ port, persistent, runAs, say }) {
  ensureDataDir();
  const dir = join(DATA_DIR, persistent ? 'pg' : `pg-${port}`);
  if (!runAs || await canTraverse(DATA_DIR, runAs)) return dir;
  const tag = createHash('sha1').update(ROOT).digest('hex').slice(0, 8);
  const alt = join(tmpdir(), persistent ? `marketroom-pg-${tag}` : `marketroom-pg-${port}`);
  say(`the postgres user cannot traverse ${DATA_DIR}; using ${alt} for the cluster instead`);
  return alt;
}

/** Major version of a postgres binary ("15", or "9.6" for old ones). */
async function pgMajor(postgresBin) {
  const out = (await capture(postgresBin, ['--version'])).stdout;
  const m = out.match(/(\d+)(?:\.(\d+))?/);
  if (!m) return '';
  return Number(m[1]) >= 10 ? m[1] : `${m[1]}.${m[2]}`;
}

/** Runs initdb into a fresh `dir`; a persistent dir that already holds a same-version cluster is reused. */
async function initCluster(bins, dir, { persistent, runAs, say }) {
  const versionFile = join(dir, 'PG_VERSION');
  if (persistent && existsSync(versionFile)) {
    const have = tailFile(versionFile, 1).trim();
    const want = await pgMajor(bins.postgres);
    if (have !== want) throw new Error(`${rel(dir)} holds a PostgreSQL ${have} cluster but ${bins.postgres} is ${want}; move it away or install PostgreSQL ${have}`);
    say(`reusing the PostgreSQL cluster in ${rel(dir)}`);
    return;
  }
  removePaths([dir]);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const args = ['-D', dir, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--no-locale'];
  if (!persistent) args.push('--no-sync');
  say(`initdb ${rel(dir)}${runAs ? ' (as OS user postgres)' : ''}`);
  await mustRun(bins.initdb, args, asUser(runAs));
}

/** Unix-socket directory for postgres (-k), writable by the server user, under the OS tmpdir. */
function pgSocketDir(runAs) {
  const dir = mkdtempSync(join(tmpdir(), 'marketroom-pgsock-'));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

/** Creates database `name` over TCP unless it exists already. */
async function createDatabase(bins, port, name) {
  const res = await capture(bins.createdb, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
  if (res.code !== 0 && !/already exists/.test(res.stderr)) {
    throw new Error(`createdb ${name} failed: ${res.stderr.trim()}`);
  }
}

/** Starts one postgres child (fast shutdown on stop) on a free port, creates database marketroom; returns its handle. */
async function startPostgresOnce(bins, runAs, { persistent, say }) {
  const port = await freePort();
  const dir = await pgDataDir({ port, persistent, runAs, say });
  await initCluster(bins, dir, { persistent, runAs, say });
  const logFile = `${dir}.log`;
  const sockDir = pgSocketDir(runAs);
  const args = ['-D', dir, '-p', String(port), '-k', sockDir, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=on', '-c', 'max_connections=200'];
  const child = spawnServer(bins.postgres, args, logFile, asUser(runAs));
  const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/marketroom` };
  const handle = serviceHandle({ name: 'postgres', child, signal: 'SIGINT', env, say,
    cleanup: persistent ? [sockDir] : [dir, logFile, sockDir] });
  try {
    const ready = async () => (await capture(bins.pg_isready, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '1'])).code === 0;
    await waitReady('postgres', ready, child, logFile);
    await createDatabase(bins, port, 'marketroom');
  } catch (err) {
    await handle.stop();
    throw err;
  }
  say(`postgres ready: DATABASE_URL=${env.DATABASE_URL} (data ${rel(dir)}, log ${rel(logFile)})`);
  return handle;
}

/** Finds or installs PostgreSQL, prints binary and version, starts a private cluster. */
async function startPostgres({ persistent, say }) {
  const bins = await findOrInstall('PostgreSQL', 'postgresql', findPgBins, say);
  const version = (await capture(bins.postgres, ['--version'])).stdout.trim();
  say(`postgres: ${bins.postgres} (${version})`);
  const runAs = await pgRunAs(say);
  return retryOnPortRace(() => startPostgresOnce(bins, runAs, { persistent, say }));
}

// ---------------------------------------------------------------- process lifetime

let hooksInstalled = false;
let signalled = false;
/** Commands started by runCommand() that are still running. */
const commands = new Set();

/** Resolves when a runCommand() child has exited, SIGKILLing it after 15 s. */
async function waitCommand(child) {
  if (await timesOut(child.exited, STOP_TIMEOUT_MS)) child.kill('SIGKILL');
}

/**
 * First SIGINT/SIGTERM/SIGHUP: forward it to running commands, wait for them (15 s max), stop
 * the services, exit 128+n. A second signal: SIGKILL everything and exit at once.
 */
function onSignal(signal) {
  const code = 128 + (osConstants.signals[signal] ?? 1);
  if (signalled) {
    for (const c of commands) c.kill('SIGKILL');
    for (const h of live) h.stopSync();
    process.exit(code);
  }
  signalled = true;
  process.stderr.write(`[services] ${signal}: stopping${commands.size ? ' the command, then' : ''} services\n`);
  for (const c of commands) c.kill(signal);
  Promise.all([...commands].map(waitCommand))
    .then(() => Promise.all([...live].map((h) => h.stop())))
    .finally(() => process.exit(code));
}

/** Synchronously stops whatever is still live when the process exits. */
function onExit() {
  for (const c of commands) c.kill('SIGTERM');
  for (const h of [...live]) h.stopSync();
}

/** Installs the exit hook (always) and signal handlers (when `signals`), once per process. */
function installProcessHooks(signals) {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', onExit);
  if (signals) for (const s of TERM_SIGNALS) process.on(s, onSignal);
}

/** Removes the hooks again once no service or command is live, restoring default signal behaviour. */
function removeProcessHooks() {
  if (!hooksInstalled || live.size > 0 || commands.size > 0) return;
  hooksInstalled = false;
  process.off('exit', onExit);
  for (const s of TERM_SIGNALS) process.off(s, onSignal);
}

/** A no-op service for a URL taken from the environment. */
function external(variable, say) {
  say(`${variable} is set: using ${redact(process.env[variable])}, not starting a server`);
  return { name: variable, env: { [variable]: process.env[variable] }, stop: async () => {} };
}

/**
 * Starts the local services and resolves { env: { VALKEY_URL, DATABASE_URL }, stop() }.
 * Options: valkey / postgres (start them; default true), persistent (false: throwaway
 * .data/valkey-<port> + .data/pg-<port> deleted by stop(); true: fixed .data/valkey + .data/pg
 * reused across runs), log (receives each "[services] ..." line; default: stderr), signals
 * (default true: SIGINT/SIGTERM/SIGHUP stop the services and exit the process).
 * An exit hook always stops services left running. Throws (after stopping anything it
 * started) when a server cannot be found, installed or started.
 */
export async function startServices({ valkey = true, postgres = true, persistent = false, log = defaultLog, signals = true } = {}) {
  const say = (msg) => log(`[services] ${msg}`);
  installProcessHooks(signals);
  const jobs = [];
  if (valkey) jobs.push(process.env.VALKEY_URL ? external('VALKEY_URL', say) : startValkey({ persistent, say }));
  if (postgres) jobs.push(process.env.DATABASE_URL ? external('DATABASE_URL', say) : startPostgres({ persistent, say }));
  const results = await Promise.allSettled(jobs);
  const handles = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const stop = async () => {
    await Promise.all(handles.map((h) => h.stop()));
    removeProcessHooks();
  };
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    await stop();
    throw failures.length === 1 ? failures[0] : new Error(failures.map((e) => e.message).join('\n'));
  }
  return { env: Object.assign({}, ...handles.map((h) => h.env)), stop };
}

// ---------------------------------------------------------------- runners for scripts/*.mjs

/**
 * Runs a command in the repo root with process.env + `env`, stdin inherited. While it runs, our
 * SIGINT/SIGTERM/SIGHUP are forwarded to it and services are only stopped after it exits (see
 * onSignal). With `tee`, its stdout/stderr are copied to ours and stdout is also collected (and
 * passed to `onStdout`); otherwise they are inherited. Resolves { code, stdout }, code being
 * 128+n when it died from signal n and 127 when it could not start.
 */
export function runCommand(cmd, args, { env = {}, tee = false, onStdout } = {}) {
  installProcessHooks(true);
  return new Promise((done) => {
    const stdio = tee ? ['inherit', 'pipe', 'pipe'] : 'inherit';
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio });
    child.exited = new Promise((resolveExit) => child.once('close', resolveExit));
    commands.add(child);
    const chunks = [];
    if (tee) {
      child.stdout.on('data', (d) => { chunks.push(d); process.stdout.write(d); onStdout?.(d); });
      child.stderr.on('data', (d) => process.stderr.write(d));
    }
    const finish = (code) => {
      commands.delete(child);
      done({ code, stdout: Buffer.concat(chunks).toString('utf8') });
    };
    child.on('error', (err) => { process.stderr.write(`${cmd}: ${err.message}\n`); finish(127); });
    child.on('close', (code, signal) => finish(code ?? 128 + (osConstants.signals[signal] ?? 1)));
  });
}

/**
 * Entry point for scripts: ensureNodeModules(), startServices(options), then `body(env)`, which
 * returns an exit code or { code, summary }. Services are stopped in all cases; `summary` is then
 * printed as the last stdout line and the process exits with the code (1 on any error).
 */
export async function runWithServices(body, options = {}) {
  let services = null;
  let result = { code: 1 };
  try {
    await ensureNodeModules();
    services = await startServices(options);
    const out = await body(services.env);
    result = typeof out === 'number' ? { code: out } : out;
  } catch (err) {
    process.stderr.write(`[services] error: ${err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
  } finally {
    if (services) await services.stop();
  }
  if (result.summary) process.stdout.write(`${result.summary}\n`);
  process.exit(result.code);
}
