/**
 * A persister process (server/src/persister-main.ts) for tests, started as `node --import tsx` so that
 * a signal reaches the persister itself and not a wrapper. Its stdin is a pipe and it runs with
 * --exit-with-parent, so it stops by itself if the test process dies without stopping it.
 *
 *   startPersister({ consumer?, env? })  resolves once it prints "persister ready"; rejects if it exits first
 *   p.stop()                             SIGTERM; resolves with its final counters (PersisterStats + consumer)
 *   p.kill()                             SIGKILL; resolves once it is gone
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PersisterStats } from "../../src/persistence/persister.ts";

const SCRIPT = fileURLToPath(new URL("../../src/persister-main.ts", import.meta.url));

export type FinalStats = PersisterStats & { consumer: string };

export interface PersisterProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, or the signal name when killed by one. */
  exited: Promise<string>;
  /** SIGTERM (the batch in flight finishes), then the counters it printed; null if it printed none. */
  stop(): Promise<FinalStats | null>;
  /** SIGKILL; resolves with "SIGKILL" once it is gone (or how it ended, when it already had). */
  kill(): Promise<string>;
}

/** Test defaults: short blocks and registry refreshes, so a test waits little. PERSISTER_* in `env` win. */
const FAST = { PERSISTER_BLOCK_MS: "50", PERSISTER_REFRESH_MS: "100", LOG_LEVEL: "warn" };

/** `nodeArgs`: extra node flags before the script (e.g. --cpu-prof for a bench). */
export function startPersister(
  opts: { consumer?: string; env?: Record<string, string | undefined>; nodeArgs?: string[] } = {},
): Promise<PersisterProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", SCRIPT, "--exit-with-parent"], {
    env: { ...process.env, ...FAST, ...(opts.consumer ? { PERSISTER_CONSUMER: opts.consumer } : {}), ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<string>((resolve) => child.once("exit", (code, sig) => resolve(String(code ?? sig))));
  const p: PersisterProcess = {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      const line = out
        .trim()
        .split("\n")
        .reverse()
        .find((l) => l.startsWith("{"));
      return line ? (JSON.parse(line) as FinalStats) : null;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes("persister ready")) {
        clearInterval(timer);
        resolve(p);
      }
    }, 10);
    void exited.then((how) => {
      clearInterval(timer);
      reject(new Error(`persister process exited early (${how}): ${err.slice(-2000)}`));
    });
  });
}
