#!/usr/bin/env node
// `node scripts/with-services.mjs [--persistent] [--no-valkey] [--no-postgres] -- <cmd> [args...]`:
// installs deps if needed, starts private Valkey + PostgreSQL (throwaway unless --persistent),
// runs <cmd> in the repo root with VALKEY_URL / DATABASE_URL set, stops the services and exits
// with the command's exit code. Plain Node ESM, no npm dependencies.
import { runCommand, runWithServices } from "./lib/services.mjs";

const USAGE = "usage: node scripts/with-services.mjs [--persistent] [--no-valkey] [--no-postgres] -- <cmd> [args...]";

/** Splits argv into our flags (before `--`) and the command (after it; all of argv when there is no `--`). */
function parseArgs(argv) {
  const sep = argv.indexOf("--");
  const flags = sep >= 0 ? argv.slice(0, sep) : [];
  const command = sep >= 0 ? argv.slice(sep + 1) : argv;
  const unknown = flags.filter((f) => !["--persistent", "--no-valkey", "--no-postgres"].includes(f));
  if (unknown.length || command.length === 0) {
    process.stderr.write(`${unknown.length ? `unknown option ${unknown[0]}\n` : ""}${USAGE}\n`);
    process.exit(2);
  }
  const options = {
    persistent: flags.includes("--persistent"),
    valkey: !flags.includes("--no-valkey"),
    postgres: !flags.includes("--no-postgres"),
  };
  return { options, command };
}

const { options, command } = parseArgs(process.argv.slice(2));
runWithServices(async (env) => (await runCommand(command[0], command.slice(1), { env })).code, options);
