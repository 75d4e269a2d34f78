#!/usr/bin/env node
// `npm start [-- --duration 20] [-- --port 2567]`: installs deps if needed, starts the persistent local
// Valkey + PostgreSQL (.data/valkey, .data/pg; VALKEY_URL / DATABASE_URL in the environment are used
// instead), then runs a persister process and the game server with a demo game beside it:
//   node --import tsx server/src/persister-main.ts      (stopped with SIGTERM once the server has exited)
//   node --import tsx server/src/main.ts --demo [args...]
// The server prints its URLs (admin API, health, metrics, client when CLIENT_URL is set), the admin
// token and the demo game's join code. The browser client is built first (client/dist) when missing or
// stale. With --duration N the demo round ends after N seconds and the server exits; otherwise Ctrl-C
// stops it. Services are stopped on exit. Plain Node ESM.
//
// Exit code: the server's; 128+n when this process was stopped by signal n (Ctrl-C: 130), even when the
// server itself shut down cleanly. A server that cannot start (e.g. PORT in use, see README "Ports")
// exits 1 within seconds, and the services are stopped before this process exits with that code.
import { constants as osConstants } from "node:os";
import { runCommand, runWithServices, startCommand } from "./lib/services.mjs";
import { ensureClientBuild } from "./lib/browser.mjs";

const args = process.argv.slice(2).filter((a) => a !== "--");

/** The first termination signal received (services.mjs forwards it to the server and stops services). */
let stoppedBy = null;
const signalCode = (s) => 128 + (osConstants.signals[s] ?? 1);
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(s, () => {
    stoppedBy ??= s;
    // Before services.mjs has its own handlers (still installing), a signal ends us at once.
    if (process.listenerCount(s) === 1) process.exit(signalCode(s));
  });
}

runWithServices(
  async (env) => {
    await ensureClientBuild(); // the browser client (client/dist), served by the game server at /
    process.stderr.write("[start] services ready; starting the persister and the game server with a demo game\n");
    // The persister is its own process (docs/persistence.md); the server's round end waits for it. Its
    // output goes to stderr: stdout is the server's (its last line is the --duration summary).
    const persister = startCommand(process.execPath, ["--import", "tsx", "server/src/persister-main.ts"], {
      env,
      stdio: ["ignore", 2, 2],
    });
    const { code } = await runCommand(process.execPath, ["--import", "tsx", "server/src/main.ts", "--demo", ...args], {
      env,
    });
    process.stderr.write(`[start] game server exited with code ${code}\n`);
    if (persister.child.exitCode === null && persister.child.signalCode === null) persister.child.kill("SIGTERM");
    const stored = await persister.result;
    if (stored.code !== 0) process.stderr.write(`[start] persister exited with code ${stored.code}\n`);
    return stoppedBy ? signalCode(stoppedBy) : code;
  },
  { persistent: true },
);
