#!/usr/bin/env node
// `npm run bench [-- name...]`: installs deps if needed, starts private Valkey + PostgreSQL, runs
// server/bench/<name>.bench.ts with tsx for each name (default: all of them) with VALKEY_URL /
// DATABASE_URL set, copying each bench's stdout to bench-results/<name>.txt, then stops the services.
// Exits non-zero if any bench failed or none was found. Plain Node ESM, no npm dependencies.
import { createWriteStream, existsSync, mkdirSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ROOT } from "./lib/deps.mjs";
import { IN_PROCESS_BENCH_NODE_FLAGS } from "./lib/node-flags.mjs";
import { runCommand, runWithServices } from "./lib/services.mjs";

const BENCH_DIR = join(ROOT, "server", "bench");
const RESULTS_DIR = join(ROOT, "bench-results");
const SUFFIX = ".bench.ts";

/** Names of all server/bench/*.bench.ts files, sorted. */
function allBenches() {
  if (!existsSync(BENCH_DIR)) return [];
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

/** Bench names from argv ("engine", "engine.bench.ts" or a path all mean engine); all benches when none given. */
function requestedBenches(argv) {
  const names = argv.filter((a) => a !== "--").map((a) => basename(a).replace(/\.bench\.ts$/, ""));
  return names.length ? names : allBenches();
}

/**
 * Runs one bench under node --import tsx with the game server's old-generation flag and no memory
 * reducer (lib/node-flags.mjs IN_PROCESS_BENCH_NODE_FLAGS: the benches run the game's code in their own
 * process), tee-ing its stdout to bench-results/<name>.txt; returns its exit code.
 * `BENCH_NODE_FLAGS="--flag ..."` adds node flags (experiments such as `--trace-gc`, which NODE_OPTIONS refuses). */
async function runBench(name, env) {
  const file = join(BENCH_DIR, `${name}${SUFFIX}`);
  if (!existsSync(file)) {
    process.stderr.write(
      `[bench] no such bench: server/bench/${name}${SUFFIX} (have: ${allBenches().join(", ") || "none"})\n`,
    );
    return 1;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = createWriteStream(join(RESULTS_DIR, `${name}.txt`));
  const extra = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const flags = [...IN_PROCESS_BENCH_NODE_FLAGS, ...extra, "--import", "tsx"];
  process.stderr.write(`[bench] ${name}: node ${flags.join(" ")} server/bench/${name}${SUFFIX}\n`);
  const { code } = await runCommand(process.execPath, [...flags, file], {
    env,
    tee: true,
    onStdout: (d) => out.write(d),
  });
  await new Promise((done) => out.end(done));
  process.stderr.write(`[bench] ${name}: exit ${code}, output in bench-results/${name}.txt\n`);
  return code;
}

/** Runs the benches one after another; returns the first non-zero exit code (0 if all passed). */
async function runBenches(names, env) {
  if (names.length === 0) {
    process.stderr.write("[bench] no server/bench/*.bench.ts files found\n");
    return 1;
  }
  let worst = 0;
  for (const name of names) {
    const code = await runBench(name, env);
    if (code !== 0 && worst === 0) worst = code;
  }
  return worst;
}

// PostgreSQL as npm start runs it: below the game server and Valkey (docs/persistence.md "Stop 28")
runWithServices((env) => runBenches(requestedBenches(process.argv.slice(2)), env), { postgresNice: 5 });
