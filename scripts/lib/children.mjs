// Long-running server children (Valkey, PostgreSQL) of the runner: spawned with their output in a log
// file, waited for until ready, stopped with a signal (SIGKILL after 15 s), and tracked in `live` so the
// exit hook stops whatever is left. Also the private data folder .data/. Plain Node ESM.
import { spawn } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./deps.mjs";
import { isAlive, isRoot, rel, removePaths, sleep, sleepSync, tailFile, timesOut } from "./util.mjs";

/** Where service data lives (git-ignored). */
export const DATA_DIR = join(ROOT, ".data");
/** How long a child may take to stop before it is SIGKILLed, ms. */
export const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;

/** Services started by this process and not yet stopped. */
export const live = new Set();

/**
 * Creates .data/ with mode 0700, or tightens an existing one. As root it is 0711 instead, because PostgreSQL
 * then runs as the postgres OS user, which must pass through to its own 0700 cluster dir (.data/pg); nobody
 * else can list .data/ or read anything in it (files 0600, folders 0700). See docs/testing.md.
 */
export function ensureDataDir() {
  mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  chmodSync(DATA_DIR, isRoot() ? 0o711 : 0o700);
}

/** Makes every file under `dir` 0600 and every folder 0700 (AOF files written by older runs were 0644). */
export function privateTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      chmodSync(path, 0o700);
      privateTree(path);
    } else if (e.isFile()) chmodSync(path, 0o600);
  }
}

/** Runs `fn` (which spawns a child) with the process umask set to `mask`, so the child inherits it. */
export function withUmask(mask, fn) {
  const before = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(before);
  }
}

/** Spawns a long-running server with stdout/stderr appended to logFile; adds `done` and `exited` to the child. */
export function spawnServer(cmd, args, logFile, opts = {}) {
  const fd = openSync(logFile, "a", 0o600);
  chmodSync(logFile, 0o600);
  const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], ...opts });
  closeSync(fd);
  child.done = false;
  child.exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => {
      child.done = true;
      resolveExit({ code, signal });
    });
    child.once("error", (err) => {
      child.done = true;
      child.spawnError = err;
      resolveExit({ code: 127 });
    });
  });
  return child;
}

/** Signals a child, waits up to 15 s for it to exit, then SIGKILLs it. */
export async function stopChild(child, signal) {
  if (child.done) return;
  child.kill(signal);
  if (await timesOut(child.exited, STOP_TIMEOUT_MS)) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

/** Synchronous stopChild() for the process 'exit' hook (polls /proc instead of awaiting). */
export function stopChildSync(child, signal) {
  if (child.done || !child.pid) return;
  child.kill(signal);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(child.pid) && Date.now() < deadline) sleepSync(50);
  if (isAlive(child.pid)) child.kill("SIGKILL");
}

/**
 * Wraps a running server child as { name, env, stop(), stopSync() } and tracks it in `live`.
 * stop() signals it (`signal`), waits for exit (15 s, then SIGKILL) and deletes `cleanup` paths.
 */
export function serviceHandle({ name, child, signal, env, cleanup, say }) {
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
export function startupError(message, logFile) {
  const err = new Error(`${message}; last lines of ${rel(logFile)}:\n${tailFile(logFile)}`);
  err.portInUse = /address already in use|could not bind/i.test(tailFile(logFile));
  return err;
}

/** Polls `probe()` every 100 ms until true; throws if the child exits first or 60 s pass. */
export async function waitReady(what, probe, child, logFile) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.done) throw startupError(`${what} exited during startup`, logFile);
    if (await probe()) return;
    await sleep(100);
  }
  throw startupError(`${what} did not become ready within ${READY_TIMEOUT_MS / 1000}s`, logFile);
}
