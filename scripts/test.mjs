#!/usr/bin/env node
// `npm test [-- mocha args...]`: installs deps if needed, runs `npm run lint` (eslint and the import-cycle
// check; a failure ends the run before any test, SKIP_LINT=1 skips it), starts private Valkey + PostgreSQL,
// runs mocha (with tsx) on server/test (and client/test when present) with VALKEY_URL / DATABASE_URL set,
// stops the services and prints a last line "tests: N passed, M failed[, K skipped]".
// Exits with mocha's code, or 1 when no test ran. Plain Node ESM, no npm dependencies.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, ensureNodeModules } from "./lib/deps.mjs";
import { freePort, runCommand, runWithServices } from "./lib/services.mjs";
import { CHROMIUM_PACKAGE, ensureChromium, ensureClientBuild } from "./lib/browser.mjs";

/** Mocha's CLI, run in-process under `node --import tsx` so signals reach the test process itself. */
const MOCHA = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");

/** Args given after `npm test --` (npm strips the `--`; a literal leading one is dropped too). */
function userArgs(argv) {
  return argv[0] === "--" ? argv.slice(1) : argv;
}

/** Default spec globs (server tests, plus client tests when client/test exists), unless the user named spec files. */
function specGlobs(extra) {
  if (extra.some((a) => !a.startsWith("-") && /\.(ts|js|mjs)$/.test(a))) return [];
  const globs = ["server/test/**/*.test.ts"];
  if (existsSync(join(ROOT, "client", "test"))) globs.push("client/test/**/*.test.ts");
  return globs;
}

/** Mocha argv: --exit, 30 s timeout, colours when on a terminal, specs, then the user's args. */
function mochaArgs(extra) {
  const color = process.stdout.isTTY && !extra.some((a) => /^--(no-)?colou?rs?$/.test(a)) ? ["--color"] : [];
  return ["--exit", "--timeout", "30000", ...color, ...specGlobs(extra), ...extra];
}

/** Last number before `word` on a line of mocha's summary ("12 passing (3s)"), 0 if absent. */
function count(output, word) {
  const matches = [...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, "gm"))];
  return matches.length ? Number(matches.at(-1)[1]) : 0;
}

/** Parses mocha's "N passing" / "M failing" / "K pending" lines (ANSI colours stripped). */
function parseSummary(output) {
  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes removed here
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  return { passed: count(plain, "passing"), failed: count(plain, "failing"), pending: count(plain, "pending") };
}

/** "tests: N passed, M failed", plus ", K skipped" when tests were pending. */
function summaryLine({ passed, failed, pending }) {
  return `tests: ${passed} passed, ${failed} failed${pending > 0 ? `, ${pending} skipped` : ""}`;
}

/** Runs mocha with the services' env; returns its exit code (1 if it passed but ran nothing) and the summary line. */
async function runTests(env, extra) {
  const { code, stdout } = await runCommand(process.execPath, ["--import", "tsx", MOCHA, ...mochaArgs(extra)], {
    env,
    tee: true,
  });
  const counts = parseSummary(stdout);
  const ran = counts.passed + counts.failed;
  if (code === 0 && ran === 0) process.stderr.write("[test] no tests ran\n");
  return { code: code !== 0 ? code : ran === 0 ? 1 : 0, summary: summaryLine(counts) };
}

/** True when the run includes the browser tests (client/test). */
function wantsBrowser(extra) {
  return specGlobs(extra).some((g) => g.startsWith("client/")) || extra.some((a) => a.startsWith("client/"));
}

/** Browser tests: Debian's Chromium and a built client before mocha. */
async function prepareClient(extra) {
  if (!wantsBrowser(extra)) return;
  await ensureChromium();
  await ensureClientBuild();
}

/** `npm run lint` (eslint + madge); exits the run with its code when it fails. SKIP_LINT=1 skips it. */
async function lint() {
  if (process.env.SKIP_LINT === "1") {
    process.stderr.write("[test] SKIP_LINT=1: eslint and the import-cycle check skipped\n");
    return;
  }
  await ensureNodeModules();
  process.stderr.write("[test] npm run lint (eslint, import cycles)\n");
  const { code } = await runCommand(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "lint"]);
  if (code !== 0) {
    process.stdout.write("tests: not run, npm run lint failed\n");
    process.exit(code);
  }
}

await lint();

const extra = userArgs(process.argv.slice(2));
// Chromium, when missing, is announced and installed together with the services' packages.
runWithServices(
  async (env) => {
    await prepareClient(extra);
    // The game server under test listens on a free port, so two runs on one machine do not collide.
    return runTests({ ...env, TEST_PORT: env.TEST_PORT ?? String(await freePort()) }, extra);
  },
  { packages: wantsBrowser(extra) ? [CHROMIUM_PACKAGE] : [] },
);
