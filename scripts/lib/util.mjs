// Small helpers of the service scripts: timing, paths, /proc, running commands. Plain Node ESM with no
// npm dependencies: it runs on a fresh clone before `npm install`.
import { spawn } from "node:child_process";
import { accessSync, constants as fsConstants, readFileSync, rmSync, statSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { ROOT } from "./deps.mjs";

/** Writes a progress line to stderr. */
export function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** Resolves true if `promise` has not settled within `ms` ms, else false (the timer is cleared). */
export async function timesOut(promise, ms) {
  let timer;
  const expired = new Promise((done) => {
    timer = setTimeout(() => done(true), ms);
  });
  try {
    return await Promise.race([promise.then(() => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Blocks the thread for `ms` milliseconds (only for the synchronous exit hook). */
export function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Path relative to the repo root for messages (absolute when outside it). */
export function rel(path) {
  const r = relative(ROOT, path);
  return r && !r.startsWith("..") ? r : path;
}

/** True when this process runs as root. */
export function isRoot() {
  return process.getuid?.() === 0;
}

/** True when `pid` is a live (not zombie) process; reads /proc, so false where /proc is absent. */
export function isAlive(pid) {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Last `n` lines of a text file, or '' when unreadable. */
export function tailFile(file, n = 20) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** Removes files/dirs, ignoring ones already gone. */
export function removePaths(paths) {
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}

/** A URL with any password replaced by ***, for logging. */
export function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Absolute path of an executable named `name` on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const file = join(dir || ".", name);
    try {
      accessSync(file, fsConstants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/** Runs a command to completion; resolves { code, stdout, stderr } (code 127 if it could not start). */
export function capture(cmd, args, opts = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (err) => done({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on("close", (code) => done({ code: code ?? 128, stdout, stderr }));
  });
}

/** Like capture() but throws an Error carrying the command's output when it exits non-zero. */
export async function mustRun(cmd, args, opts) {
  const res = await capture(cmd, args, opts);
  if (res.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${res.code}):\n${(res.stderr || res.stdout).trim()}`);
  }
  return res;
}

/** Runs a command with its output streamed to our stderr; throws when it exits non-zero. */
export function runLoud(cmd, args, env = process.env) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", 2, 2] });
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done() : fail(new Error(`${cmd} ${args.join(" ")} failed (exit ${code})`)),
    );
  });
}
