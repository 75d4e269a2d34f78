/**
 * A private redis-server / valkey-server child on a free 127.0.0.1 port, for tests and benches that
 * must stop, kill or measure their own Valkey (never the shared test Valkey). Data lives in a fresh
 * directory under .data/ of the checkout and is deleted by stop().
 *
 *   const v = await startValkeyChild({ appendfsync: "everysec" });
 *   v.url            redis://127.0.0.1:<port>
 *   v.pid            the server's pid (for /proc/<pid>/schedstat)
 *   await v.kill()   SIGKILL, as a crash would (data directory kept until stop())
 *   await v.restart() starts it again on the same port and data (reads its AOF back)
 *   await v.stop()   SIGTERM (SIGKILL after 10 s), then deletes the data directory
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface ValkeyChild {
  url: string;
  port: number;
  pid: number;
  dir: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when a RESP PING on the port answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: "127.0.0.1" });
    let reply = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on("connect", () => sock.write("*1\r\n$4\r\nPING\r\n"));
    sock.on("data", (d) => {
      reply += d;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    sock.on("error", () => done(false));
  });
}

function binary(): string {
  for (const b of [
    "/usr/bin/valkey-server",
    "/usr/local/bin/valkey-server",
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
  ]) {
    if (existsSync(b)) return b;
  }
  throw new Error("neither valkey-server nor redis-server is installed");
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Spawns the server and waits until it answers PING (60 s max). */
async function launch(port: number, dir: string, appendfsync: string, appendonly = true): Promise<ChildProcess> {
  const child = spawn(
    binary(),
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      appendonly ? "yes" : "no",
      "--appendfsync",
      appendfsync,
      // as scripts/lib/valkey.mjs (npm start, npm test): an AOF rewrite forks Valkey (docs/commit.md "Stop 26")
      "--auto-aof-rewrite-min-size",
      process.env.VALKEY_AOF_REWRITE_MIN_SIZE || "256mb",
      "--save",
      "",
      "--daemonize",
      "no",
    ],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 60_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Starts the server with AOF on (`appendfsync` default everysec); resolves once it answers PING. */
export async function startValkeyChild(
  opts: { appendfsync?: "always" | "everysec" | "no"; appendonly?: boolean; dir?: string } = {},
): Promise<ValkeyChild> {
  const port = await freePort();
  const dir = join(opts.dir ?? join(ROOT, ".data"), `valkey-child-${process.pid}-${port}`);
  const fsync = opts.appendfsync ?? "everysec";
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const aof = opts.appendonly ?? true;
  let child = await launch(port, dir, fsync, aof);
  const handle: ValkeyChild = {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    dir,
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async restart() {
      child = await launch(port, dir, fsync, aof);
      handle.pid = child.pid!;
    },
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited(child);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
