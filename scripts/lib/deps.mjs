// npm dependencies for the repo scripts: installs node_modules when it is missing or stale.
// Plain Node ESM with no npm dependencies: it runs on a fresh clone before `npm install`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (two levels above scripts/lib/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Stamp written into node_modules after a successful install by these scripts. */
const STAMP = ".marketroom-installed";

/** Writes one "[deps] ..." progress line to stderr. */
function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

/** Expands the root package.json "workspaces" entries (plain dirs or "dir/*") into directories. */
function workspaceDirs(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const entries = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  return entries.flatMap((entry) => {
    if (!entry.endsWith("/*")) return [join(root, entry)];
    const parent = join(root, entry.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(parent, d.name));
  });
}

/** Lists the files whose changes require a reinstall: root package.json, package-lock.json, workspace package.json files. */
export function manifestPaths(root = ROOT) {
  const files = [join(root, "package.json"), join(root, "package-lock.json")];
  for (const dir of workspaceDirs(root)) files.push(join(dir, "package.json"));
  return files.filter((f) => existsSync(f));
}

/** Time of the last install: our stamp or npm's hidden lockfile, else the node_modules dir itself. */
function installedAt(nodeModules) {
  const marks = [join(nodeModules, STAMP), join(nodeModules, ".package-lock.json")].filter((f) => existsSync(f));
  if (marks.length === 0) return statSync(nodeModules).mtimeMs;
  return Math.max(...marks.map((f) => statSync(f).mtimeMs));
}

/** Says why node_modules needs installing ("node_modules is missing", "<file> changed since ..."), or null if up to date. */
export function installReason(root = ROOT) {
  const nodeModules = join(root, "node_modules");
  if (!existsSync(nodeModules)) return "node_modules is missing";
  const since = installedAt(nodeModules);
  const newer = manifestPaths(root).find((f) => statSync(f).mtimeMs > since);
  return newer ? `${newer.slice(root.length + 1)} changed since the last install` : null;
}

/** Runs a command with stdout and stderr both sent to our stderr; resolves with its exit code. */
function runToStderr(cmd, args, cwd) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", 2, 2] });
    child.on("error", (err) => {
      process.stderr.write(`${cmd}: ${err.message}\n`);
      done(127);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

/**
 * Makes sure node_modules is installed and current: when it is missing or older than any
 * package.json / package-lock.json, runs `npm install --no-audit --no-fund` in `root`
 * (npm ci rejects this lockfile). Prints one progress line; npm's own output goes to stderr.
 * Throws when npm install fails.
 */
export async function ensureNodeModules({ root = ROOT, log = defaultLog } = {}) {
  const reason = installReason(root);
  if (!reason) return;
  log(`[deps] ${reason}: running npm install --no-audit --no-fund ...`);
  const started = Date.now();
  const code = await runToStderr("npm", ["install", "--no-audit", "--no-fund"], root);
  if (code !== 0) throw new Error(`npm install failed (exit code ${code}); see the npm output above`);
  writeFileSync(join(root, "node_modules", STAMP), `${new Date().toISOString()}\n`);
  log(`[deps] npm install done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
