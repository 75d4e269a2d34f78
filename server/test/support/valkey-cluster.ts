/**
 * A private 3-master Valkey Cluster (redis-server 7 / valkey-server with cluster-enabled) on free
 * 127.0.0.1 ports, for the cluster tests only; formed with `redis-cli --cluster create ...
 * --cluster-replicas 0`. Each node keeps its data (AOF) and nodes.conf in a directory under .data/ of
 * the checkout, so a restarted node comes back with its id, its slots and its keys.
 *
 *   const vc = await startValkeyCluster();       // 3 masters
 *   vc.env              { VALKEY_CLUSTER: "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" }
 *   vc.nodes[i]         { port, pid }
 *   await vc.nodeOfKey(key)      the index of the node that serves the key's slot
 *   await vc.restart(i)          SIGKILL node i, start it again on the same port and data; resolves
 *                                once the cluster reports ok again
 *   await vc.stop()              stops every node and deletes the directories
 *
 * `cluster-require-full-coverage no`: while one master is down, the others go on serving their slots
 * (the setting docs/deploy.md asks for in production too).
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "iovalkey";
import { freePort } from "./valkey-child.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

export interface ValkeyClusterNode {
  port: number;
  pid: number;
  dir: string;
}

export interface ValkeyClusterUnderTest {
  nodes: ValkeyClusterNode[];
  env: { VALKEY_CLUSTER: string };
  nodeOfKey(key: string): Promise<number>;
  kill(i: number): Promise<void>;
  /** Starts a killed node again; resolves once the cluster state is ok. */
  start(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

function which(names: string[]): string {
  for (const dir of ["/usr/bin", "/usr/local/bin"])
    for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  throw new Error(`none of ${names.join(", ")} is installed`);
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(which(["valkey-cli", "redis-cli"]), ["-h", "127.0.0.1", "-p", String(port), ...args]);
  return stdout;
}

async function until(fn: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`valkey cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function launch(node: ValkeyClusterNode): ChildProcess {
  const child = spawn(
    which(["valkey-server", "redis-server"]),
    [
      "--port",
      String(node.port),
      "--bind",
      "127.0.0.1",
      "--dir",
      node.dir,
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      "2000",
      "--cluster-require-full-coverage",
      "no",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always", // an acknowledged commit survives kill -9 of its shard
      "--save",
      "",
      "--daemonize",
      "no",
    ],
    { stdio: "ignore" },
  );
  node.pid = child.pid!;
  return child;
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => c.once("exit", () => r()));

/** Starts three masters and forms the cluster; resolves once every node reports cluster_state:ok. */
export async function startValkeyCluster(masters = 3): Promise<ValkeyClusterUnderTest> {
  const nodes: ValkeyClusterNode[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    const dir = join(ROOT, ".data", `valkey-cluster-${process.pid}-${port}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const node = { port, pid: 0, dir };
    nodes.push(node);
    children.push(launch(node));
  }
  const ok = async (port: number) => (await cli(port, "cluster", "info")).includes("cluster_state:ok");
  const ping = async (port: number) => (await cli(port, "ping")).trim() === "PONG";
  for (const n of nodes) await until(() => ping(n.port), `node ${n.port} to answer`);
  await cli(
    nodes[0]!.port,
    "--cluster",
    "create",
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  );
  for (const n of nodes) await until(() => ok(n.port), `node ${n.port} to see the cluster ok`);
  const vc: ValkeyClusterUnderTest = {
    nodes,
    env: { VALKEY_CLUSTER: nodes.map((n) => `127.0.0.1:${n.port}`).join(",") },
    async nodeOfKey(key) {
      const slot = Number((await cli(nodes[0]!.port, "cluster", "keyslot", key)).trim());
      const c = new Redis({ host: "127.0.0.1", port: nodes[0]!.port, lazyConnect: true });
      try {
        await c.connect();
        const ranges = (await c.call("cluster", "slots")) as [number, number, [string, number]][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to)!;
        return nodes.findIndex((n) => n.port === range[2][1]);
      } finally {
        c.disconnect();
      }
    },
    async kill(i) {
      children[i]!.kill("SIGKILL");
      await exited(children[i]!);
    },
    async start(i) {
      children[i] = launch(nodes[i]!);
      await until(() => ok(nodes[i]!.port), `node ${nodes[i]!.port} back in the cluster`);
    },
    async restart(i) {
      await vc.kill(i);
      await vc.start(i);
    },
    async stop() {
      for (const c of children) c.kill("SIGTERM");
      await Promise.all(children.map(exited));
      for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
    },
  };
  return vc;
}
