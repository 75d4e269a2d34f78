// Commands run by the scripts beside the services (the game server, mocha, a bench, the persister), and
// the process hooks: the first SIGINT/SIGTERM/SIGHUP is forwarded to the running commands, and the
// services are stopped only once they have exited; the exit hook stops whatever is left. Plain Node ESM.
import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { ROOT } from "./deps.mjs";
import { STOP_TIMEOUT_MS, live } from "./children.mjs";
import { timesOut } from "./util.mjs";

const TERM_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

let hooksInstalled = false;
let signalled = false;
/** Commands started by runCommand() that are still running. */
const commands = new Set();

/** Resolves when a runCommand() child has exited, SIGKILLing it after 15 s. */
async function waitCommand(child) {
  if (await timesOut(child.exited, STOP_TIMEOUT_MS)) child.kill("SIGKILL");
}

/**
 * First SIGINT/SIGTERM/SIGHUP: forward it to running commands, wait for them (15 s max), stop
 * the services, exit 128+n. A second signal: SIGKILL everything and exit at once.
 */
function onSignal(signal) {
  const code = 128 + (osConstants.signals[signal] ?? 1);
  if (signalled) {
    for (const c of commands) c.kill("SIGKILL");
    for (const h of live) h.stopSync();
    process.exit(code);
  }
  signalled = true;
  process.stderr.write(`[services] ${signal}: stopping${commands.size ? " the command, then" : ""} services\n`);
  for (const c of commands) c.kill(signal);
  Promise.all([...commands].map(waitCommand))
    .then(() => Promise.all([...live].map((h) => h.stop())))
    .finally(() => process.exit(code));
}

/** Synchronously stops whatever is still live when the process exits. */
function onExit() {
  for (const c of commands) c.kill("SIGTERM");
  for (const h of [...live]) h.stopSync();
}

/** Installs the exit hook (always) and signal handlers (when `signals`), once per process. */
export function installProcessHooks(signals) {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", onExit);
  if (signals) for (const s of TERM_SIGNALS) process.on(s, onSignal);
}

/** Removes the hooks again once no service or command is live, restoring default signal behaviour. */
export function removeProcessHooks() {
  if (!hooksInstalled || live.size > 0 || commands.size > 0) return;
  hooksInstalled = false;
  process.off("exit", onExit);
  for (const s of TERM_SIGNALS) process.off(s, onSignal);
}

/**
 * Starts a command in the repo root with process.env + `env`. While it runs, our SIGINT/SIGTERM/SIGHUP
 * are forwarded to it and services are only stopped after it exits (see onSignal). `stdio` (default:
 * all inherited) as for child_process.spawn. With `tee`, its stdout/stderr are copied to ours and stdout is also collected (and passed
 * to `onStdout`); otherwise they are inherited. Returns { child, result }: `result` resolves
 * { code, stdout }, code being 128+n when it died from signal n and 127 when it could not start.
 */
export function startCommand(
  cmd,
  args,
  { env = {}, tee = false, onStdout, stdio = ["inherit", "inherit", "inherit"] } = {},
) {
  installProcessHooks(true);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: tee ? [stdio[0], "pipe", "pipe"] : stdio,
  });
  child.exited = new Promise((resolveExit) => child.once("close", resolveExit));
  commands.add(child);
  const result = new Promise((done) => {
    const chunks = [];
    if (tee) {
      child.stdout.on("data", (d) => {
        chunks.push(d);
        process.stdout.write(d);
        onStdout?.(d);
      });
      child.stderr.on("data", (d) => process.stderr.write(d));
    }
    let finished = false;
    const finish = (code) => {
      if (finished) return;
      finished = true;
      commands.delete(child);
      done({ code, stdout: Buffer.concat(chunks).toString("utf8") });
    };
    child.on("error", (err) => {
      process.stderr.write(`${cmd}: ${err.message}\n`);
      finish(127);
    });
    child.on("close", (code, signal) => finish(code ?? 128 + (osConstants.signals[signal] ?? 1)));
  });
  return { child, result };
}

/** startCommand(...).result: runs a command to its end (see startCommand). */
export function runCommand(cmd, args, options = {}) {
  return startCommand(cmd, args, options).result;
}
