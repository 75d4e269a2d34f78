/**
 * A real server process (node --import tsx server/src/main.ts) for tests that need its stdout, stderr,
 * exit code or a CPU of its own: started on a free port (or as told) against VALKEY_URL / DATABASE_URL,
 * with a fixed admin token.
 *
 *   startServer({ env?, args? })  resolves once it prints "listening on"; { child, base, port, stderr(), stdout() }
 *   stopServer(proc)              SIGTERM, then SIGKILL after 10 s; resolves when it has exited
 *   freePort()                    a TCP port on 127.0.0.1 free a moment ago
 *   call(base, method, path, body?, token?)  fetch JSON: { status, headers, body }
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export const ADMIN = "hardening-test-admin-token-0123456789abcdef";

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128+n after signal n) once the process has exited. */
  exited: Promise<number>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `node --import tsx <script> args` in the repo root; collects stdout and stderr. */
export function spawnNode(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): Omit<ServerProcess, "base" | "port"> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, ADMIN_TOKEN: ADMIN, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) =>
      resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15)),
    );
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts main.ts on a free port (PORT in `env` wins); resolves once it listens. */
export async function startServer(
  opts: { env?: Record<string, string | undefined>; args?: string[] } = {},
): Promise<ServerProcess> {
  const port = Number(opts.env?.PORT ?? (await freePort()));
  const p = spawnNode("server/src/main.ts", opts.args ?? [], { PORT: String(port), ...opts.env });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (p.stdout().includes("listening on")) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void p.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`server exited (${code}): ${p.stderr().slice(-2000)}`));
    });
  });
  return { ...p, port, base: `http://127.0.0.1:${port}` };
}

/** SIGTERM, then SIGKILL after 10 s; resolves once `child` has exited (at once if it already has). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

export async function stopServer(p: ServerProcess | Omit<ServerProcess, "base" | "port">): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill("SIGTERM");
    const kill = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    await p.exited;
    clearTimeout(kill);
  }
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN,
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(base + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
