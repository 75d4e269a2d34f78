// Browser client support for `npm start` / `npm test`. Plain Node ESM, no npm dependencies at import.
//   ensureChromium()     Debian's Chromium at /usr/bin/chromium for the browser tests: installed with
//                        apt-get (apt.mjs) when missing and we are root with apt; otherwise a clear error.
//   ensureClientBuild()  runs `vite build` in client/ when client/dist is missing or older than its sources.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./deps.mjs";
import { installMissing } from "./apt.mjs";

export const CHROMIUM = "/usr/bin/chromium";

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs a command with its output on our stderr; resolves with the exit code. */
function run(cmd, args, opts = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ["ignore", 2, 2], ...opts });
    child.on("error", (err) => {
      log(`${cmd}: ${err.message}`);
      done(127);
    });
    child.on("exit", (code) => done(code ?? 1));
  });
}

/** The OS package of the browser tests (apt.mjs PackageNeed): Debian's Chromium. */
export const CHROMIUM_PACKAGE = {
  what: "Chromium",
  pkg: "chromium",
  noRecommends: true,
  why: `the browser tests drive Debian's Chromium (${CHROMIUM} is missing)`,
  present: () => existsSync(CHROMIUM),
};

/**
 * Resolves with the Chromium path; installs Debian's package (apt.mjs: announced first) as root with apt
 * when it is missing; throws a message naming the package otherwise.
 */
export async function ensureChromium() {
  await installMissing([CHROMIUM_PACKAGE], (line) => log(`[browser] ${line}`));
  return CHROMIUM;
}

const CLIENT = join(ROOT, "client");
const DIST_INDEX = join(CLIENT, "dist", "index.html");

/** Newest mtime under a file or directory (0 when absent). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

/** Why the client needs building, or null when client/dist is up to date. */
export function clientBuildReason() {
  if (!existsSync(DIST_INDEX)) return "client/dist is missing";
  const built = statSync(DIST_INDEX).mtimeMs;
  const sources = [
    join(CLIENT, "src"),
    join(CLIENT, "index.html"),
    join(CLIENT, "vite.config.ts"),
    join(CLIENT, "package.json"),
    join(ROOT, "shared", "src", "units.ts"),
  ];
  return sources.some((p) => newest(p) > built) ? "client sources changed since the last build" : null;
}

/** Builds the client with Vite when needed; throws when the build fails. */
export async function ensureClientBuild() {
  const reason = clientBuildReason();
  if (!reason) return false;
  log(`[client] ${reason}: vite build`);
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  const code = await run(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: CLIENT });
  if (code !== 0) throw new Error(`vite build failed (exit ${code})`);
  return true;
}
