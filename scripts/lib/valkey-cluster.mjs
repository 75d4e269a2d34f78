// A private Valkey Cluster of N masters (valkey-server or redis-server 7 with cluster-enabled) on free
// 127.0.0.1 ports, formed with `valkey-cli|redis-cli --cluster create ... --cluster-replicas 0`. Used by
// `npm start -- --cluster` (scripts/start.mjs) and by the cluster tests (server/test/support/valkey-cluster.ts).
// Each node keeps its AOF and nodes.conf in its own directory under .data/ of the checkout, so a node
// started again (start(i) after kill(i)) comes back with its id, its slots and its keys. No password:
// loopback only. Plain Node ESM with no npm dependencies.
//
//   const vc = await startValkeyCluster({ masters: 3, say });
//   vc.env          { VALKEY_CLUSTER: "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" }
//   vc.nodes[i]     { port, pid, dir }
//   await vc.kill(i)     SIGKILL node i (resolves once it has exited)
//   await vc.start(i)    starts it again on the same port and data; resolves once it reports cluster_state:ok
//   await vc.stop()      SIGTERM to every node, then deletes their directories
//
// Node settings (docs/deploy.md, "Valkey Cluster"): cluster-require-full-coverage no (while one master
// is down the others serve their slots), cluster-node-timeout 2000, appendonly yes with appendfsync
// always (an acknowledged commit survives kill -9 of its shard).
import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DATA_DIR, live, spawnServer, stopChildSync } from "./children.mjs";
import { freePort } from "./ports.mjs";
import { findValkeyBin } from "./valkey.mjs";
import { sleep, which } from "./util.mjs";

const run = promisify(execFile);

/** valkey-cli, else redis-cli; throws when neither is on PATH. */
function cliBin() {
  const bin = which("valkey-cli") ?? which("redis-cli");
  if (!bin) throw new Error("valkey cluster: neither valkey-cli nor redis-cli is installed");
  return bin;
}

/** Runs the CLI against 127.0.0.1:`port`; resolves with its stdout. */
export async function cli(port, ...args) {
  const { stdout } = await run(cliBin(), ["-h", "127.0.0.1", "-p", String(port), ...args]);
  return stdout;
}

async function until(fn, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`valkey cluster: timed out waiting for ${what}`);
    await sleep(100);
  }
}

function launch(node) {
  const bin = findValkeyBin();
  if (!bin) throw new Error("valkey cluster: neither valkey-server nor redis-server is installed");
  // prettier-ignore
  const args = [
    "--port", String(node.port), "--bind", "127.0.0.1", "--dir", node.dir,
    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
    "--cluster-require-full-coverage", "no",
    "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
  ];
  const child = spawnServer(bin, args, join(node.dir, "node.log"));
  node.pid = child.pid;
  return child;
}

const clusterOk = async (port) => (await cli(port, "cluster", "info")).includes("cluster_state:ok");

/**
 * Starts `masters` nodes under `dataDir` (default .data/ of the checkout; one directory
 * `valkey-cluster-<pid>-<port>` each) and forms the cluster; resolves once every node reports
 * cluster_state:ok. `say` receives progress lines. Throws (after stopping the nodes) when a node does not
 * come up or the cluster does not form within a minute.
 */
export async function startValkeyCluster({ masters = 3, dataDir = DATA_DIR, say = () => {} } = {}) {
  const nodes = [];
  const children = [];
  const vc = {
    nodes,
    env: { VALKEY_CLUSTER: "" },
    async kill(i) {
      children[i].kill("SIGKILL");
      await children[i].exited;
    },
    async start(i) {
      children[i] = launch(nodes[i]);
      await until(() => clusterOk(nodes[i].port), `node ${nodes[i].port} back in the cluster`);
    },
    async restart(i) {
      await vc.kill(i);
      await vc.start(i);
    },
    async stop() {
      for (const c of children) if (!c.done) c.kill("SIGTERM");
      await Promise.all(children.map((c) => c.exited));
      for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
      live.delete(handle);
    },
  };
  // stopped by services.mjs' signal and exit hooks too (npm start stopped with a signal)
  const handle = {
    name: "valkey cluster",
    stop: () => vc.stop(),
    stopSync() {
      for (const c of children) stopChildSync(c, "SIGTERM");
      for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
      live.delete(handle);
    },
  };
  live.add(handle);
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const dir = join(dataDir, `valkey-cluster-${process.pid}-${port}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const node = { port, pid: 0, dir };
      nodes.push(node);
      children.push(launch(node));
    }
    for (const n of nodes) await until(async () => (await cli(n.port, "ping")).trim() === "PONG", `node ${n.port}`);
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await cli(nodes[0].port, "--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes");
    for (const n of nodes) await until(() => clusterOk(n.port), `node ${n.port} to see the cluster ok`);
    vc.env.VALKEY_CLUSTER = addresses.join(",");
    say(`valkey cluster ready: VALKEY_CLUSTER=${vc.env.VALKEY_CLUSTER} (data ${nodes.map((n) => n.dir).join(", ")})`);
    return vc;
  } catch (err) {
    await vc.stop();
    throw err;
  }
}
