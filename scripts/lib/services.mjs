// Private local services for `npm start` / `npm test` / `npm run bench`: a Valkey (or redis-server)
// and a PostgreSQL cluster under .data/, on free ports, as child processes of the runner. The parts:
//   valkey.mjs, postgres.mjs  start one server each;   children.mjs  server children and .data/
//   apt.mjs     missing OS packages (announced, then installed with apt-get as root; else a clear error)
//   commands.mjs  the command run beside the services, signal forwarding;   ports.mjs, util.mjs  helpers
// VALKEY_URL / DATABASE_URL already in the environment are used instead of starting a server.
// Plain Node ESM with no npm dependencies: it runs on a fresh clone before `npm install`.
import { ensureNodeModules } from "./deps.mjs";
import { installMissing } from "./apt.mjs";
import { installProcessHooks, removeProcessHooks } from "./commands.mjs";
import { POSTGRES_PACKAGE, startPostgres } from "./postgres.mjs";
import { VALKEY_PACKAGE, startValkey } from "./valkey.mjs";
import { defaultLog, redact } from "./util.mjs";

export { DATA_DIR } from "./children.mjs";
export { runCommand, startCommand } from "./commands.mjs";
export { freePort } from "./ports.mjs";
export { ping } from "./valkey.mjs";
export { capture, which } from "./util.mjs";

/** A nice value 0-19 from the environment's text, else `fallback`. */
function niceOf(text, fallback) {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isInteger(n) && n >= 0 && n <= 19 ? n : fallback;
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
 * (default true: SIGINT/SIGTERM/SIGHUP stop the services and exit the process), packages (more OS
 * packages the caller needs, apt.mjs PackageNeed[], installed together with the servers'), postgresNice
 * (0-19, default 0: the nice value PostgreSQL's processes start with; POSTGRES_NICE overrides it).
 * Missing server packages are installed first (apt.mjs: one line says what and why). An exit hook
 * always stops services left running. Throws (after stopping anything it started) when a server cannot
 * be found, installed or started.
 */
export async function startServices({
  valkey = true,
  postgres = true,
  persistent = false,
  log = defaultLog,
  signals = true,
  packages = [],
  postgresNice = 0,
} = {}) {
  const say = (msg) => log(`[services] ${msg}`);
  installProcessHooks(signals);
  const useValkey = valkey && !process.env.VALKEY_URL;
  const usePostgres = postgres && !process.env.DATABASE_URL;
  // Everything missing is announced and installed in one go, before any server starts.
  await installMissing(
    [...(useValkey ? [VALKEY_PACKAGE] : []), ...(usePostgres ? [POSTGRES_PACKAGE] : []), ...packages],
    say,
  );
  const jobs = [];
  if (valkey) jobs.push(process.env.VALKEY_URL ? external("VALKEY_URL", say) : startValkey({ persistent, say }));
  if (postgres)
    jobs.push(
      process.env.DATABASE_URL
        ? external("DATABASE_URL", say)
        : startPostgres({ persistent, say, nice: niceOf(process.env.POSTGRES_NICE, postgresNice) }),
    );
  const results = await Promise.allSettled(jobs);
  const handles = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
  const stop = async () => {
    await Promise.all(handles.map((h) => h.stop()));
    removeProcessHooks();
  };
  const failures = results.filter((r) => r.status === "rejected").map((r) => r.reason);
  if (failures.length) {
    await stop();
    throw failures.length === 1 ? failures[0] : new Error(failures.map((e) => e.message).join("\n"));
  }
  return { env: Object.assign({}, ...handles.map((h) => h.env)), stop };
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
    result = typeof out === "number" ? { code: out } : out;
  } catch (err) {
    process.stderr.write(`[services] error: ${err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
  } finally {
    if (services) await services.stop();
  }
  if (result.summary) process.stdout.write(`${result.summary}\n`);
  process.exit(result.code);
}
