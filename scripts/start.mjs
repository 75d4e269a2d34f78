#!/usr/bin/env node
// `npm start [-- --duration 20] [-- --port 2567]`: installs deps if needed, starts the persistent local
// Valkey + PostgreSQL (.data/valkey, .data/pg; VALKEY_URL / DATABASE_URL in the environment are used
// instead), then runs a persister process and the game server with a demo game beside it:
//   node --import tsx server/src/persister-main.ts      (stopped with SIGTERM once the server has exited)
//   node --max-semi-space-size=64 --import tsx server/src/main.ts --demo [args...]  (lib/node-flags.mjs)
// The server prints its URLs (admin API, health, metrics, client when CLIENT_URL is set), the admin
// token and the demo game's join code. The browser client is built first (client/dist) when missing or
// stale. With --duration N the demo round ends after N seconds and the server exits; otherwise Ctrl-C
// stops it. Services are stopped on exit. Plain Node ESM.
//
// `npm start -- --processes N` (N >= 2; docs/deploy.md) runs N game server processes sharing Valkey
// (PRESENCE=redis) on free ports, the persister, and a front (nginx, scripts/lib/front.mjs) on PORT or
// --port (default 2567) that routes clients to them; the first process sets up the demo game and prints
// the summary. Stopping it stops them all.
//
// `npm start -- --cluster` (with or without --processes) also starts a local 3-master Valkey Cluster
// (redis-server/valkey-server with cluster-enabled on free ports, scripts/lib/valkey-cluster.mjs, the
// cluster of the tests; data under .data/valkey-cluster-*, deleted when it stops: each run starts empty)
// and runs the games on it (VALKEY_CLUSTER for the servers and the persister); the plain Valkey keeps
// Colyseus' presence (PRESENCE_URL), as docs/deploy.md recommends.
//
// Exit code: the server's; 128+n when this process was stopped by signal n (Ctrl-C: 130), even when the
// server itself shut down cleanly. A server that cannot start (e.g. PORT in use, see README "Ports")
// exits 1 within seconds, and the services are stopped before this process exits with that code.
import { constants as osConstants } from "node:os";
import { freePort, runCommand, runWithServices, startCommand } from "./lib/services.mjs";
import { ensureClientBuild } from "./lib/browser.mjs";
import { ensureNginx, frontCommand, processPath } from "./lib/front.mjs";
import { startValkeyCluster } from "./lib/valkey-cluster.mjs";
import { GAME_SERVER_NODE_FLAGS } from "./lib/node-flags.mjs";

/** Removes `--name value` from argv; returns the value (undefined when absent). */
function takeOption(argv, name) {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = argv.splice(i, 2);
  return value;
}

/** Removes the flag `name` from argv; returns whether it was there. */
function takeFlag(argv, name) {
  const i = argv.indexOf(name);
  if (i >= 0) argv.splice(i, 1);
  return i >= 0;
}

const args = process.argv.slice(2).filter((a) => a !== "--");
const processes = Number(takeOption(args, "--processes") ?? 1);
const onCluster = takeFlag(args, "--cluster");
if (!Number.isInteger(processes) || processes < 1 || processes > 16) {
  process.stderr.write("[start] --processes needs an integer from 1 to 16\n");
  process.exit(2);
}

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
  async (services) => {
    await ensureClientBuild(); // the browser client (client/dist), served by the game server at /
    const say = (l) => process.stderr.write(`[start] ${l}\n`);
    const cluster = onCluster ? await startValkeyCluster({ masters: 3, say }) : null;
    // the games on the cluster; the presence stays on the plain Valkey (docs/deploy.md, "Valkey Cluster")
    const env = cluster ? { ...services, ...cluster.env, PRESENCE_URL: services.VALKEY_URL } : services;
    try {
      return await runAll(env);
    } finally {
      await cluster?.stop();
    }
  },
  // PostgreSQL below the game server and Valkey: it stores in the background (docs/persistence.md "Stop 28")
  { persistent: true, postgresNice: 5 },
);

/** The persister and the server process(es) on `env`; resolves with the exit code of start.mjs. */
async function runAll(env) {
  process.stderr.write("[start] services ready; starting the persister and the game server with a demo game\n");
  // The persister is its own process (docs/persistence.md); the server's round end waits for it. Its
  // output goes to stderr: stdout is the server's (its last line is the --duration summary).
  const persister = startCommand(process.execPath, ["--import", "tsx", "server/src/persister-main.ts"], {
    env,
    stdio: ["ignore", 2, 2],
  });
  const { code } =
    processes === 1
      ? await runCommand(
          process.execPath,
          [...GAME_SERVER_NODE_FLAGS, "--import", "tsx", "server/src/main.ts", "--demo", ...args],
          { env },
        )
      : await runProcesses(env);
  process.stderr.write(`[start] game server exited with code ${code}\n`);
  if (persister.child.exitCode === null && persister.child.signalCode === null) persister.child.kill("SIGTERM");
  const stored = await persister.result;
  if (stored.code !== 0) process.stderr.write(`[start] persister exited with code ${stored.code}\n`);
  return stoppedBy ? signalCode(stoppedBy) : code;
}

/**
 * N server processes and the front; the first runs the demo (its stdout is ours). Resolves with the
 * first process's exit; the others and the front are stopped then.
 */
async function runProcesses(env) {
  const frontPort = Number(takeOption(args, "--port") ?? process.env.PORT ?? 2567);
  const ports = [];
  for (let i = 0; i < processes; i++) ports.push(await freePort());
  const [nginx, nginxArgs] = frontCommand(
    await ensureNginx((l) => process.stderr.write(`[start] ${l}\n`)),
    frontPort,
    ports,
  );
  const front = startCommand(nginx, nginxArgs, { stdio: ["ignore", 2, 2] });
  const server = (i, extra, stdio) =>
    (i === 0 ? runCommand : startCommand)(
      process.execPath,
      [...GAME_SERVER_NODE_FLAGS, "--import", "tsx", "server/src/main.ts", "--port", String(ports[i]), ...extra],
      {
        env: { ...env, PRESENCE: "redis", PUBLIC_ADDRESS: `localhost:${frontPort}/${processPath(i + 1)}` },
        ...(stdio ? { stdio } : {}),
      },
    );
  const others = [];
  for (let i = 1; i < processes; i++) others.push(server(i, [], ["ignore", 2, 2]));
  process.stderr.write(
    `[start] ${processes} server processes on ports ${ports.join(", ")}; front (nginx) on http://localhost:${frontPort}/ — use this address\n`,
  );
  const result = await server(0, ["--demo", ...args]);
  for (const o of [...others, front])
    if (o.child.exitCode === null && o.child.signalCode === null) o.child.kill("SIGTERM");
  await Promise.all([...others, front].map((o) => o.result));
  return result;
}
