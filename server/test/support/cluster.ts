/**
 * Several real server processes sharing one Valkey with PRESENCE=redis (server/src/cluster/), plus a
 * persister process: what `npm start -- --processes N` runs, for tests.
 *
 *   const c = await startCluster(3)   // c.servers[i]: ServerProcess with PUBLIC_ADDRESS 127.0.0.1:port
 *   await c.owner(gameId)             // the server whose process runs the game's room and writes it
 *   await c.stop()
 */
import { Redis } from "iovalkey";
import { startPersister, type PersisterProcess } from "./persister-process.ts";
import { freePort, startServer, stopServer, type ServerProcess } from "./server-process.ts";

export interface ClusterUnderTest {
  servers: ServerProcess[];
  persister: PersisterProcess;
  valkey: Redis;
  /** The server holding the game's writer (game:{g}:owner names "<host>:<pid>"), once there is one. */
  owner(gameId: string, except?: ServerProcess): Promise<ServerProcess>;
  stop(): Promise<void>;
}

/** Colyseus' and the cluster's keys: a run starts without listings of processes of earlier runs. */
async function clearClusterKeys(valkey: Redis): Promise<void> {
  const keys = [
    ...(await valkey.keys("{cluster}:*")),
    ...(await valkey.keys("roomcaches")),
    ...(await valkey.keys("ch:*")),
  ];
  if (keys.length) await valkey.del(...keys);
}

/** Polls the async `fn` every 50 ms until it gives a truthy value; throws after `ms`. */
export async function until<T>(fn: () => Promise<T>, what: string, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startClusterServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    env: { PRESENCE: "redis", PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: "warn", ...env },
  });
}

export async function startCluster(n: number): Promise<ClusterUnderTest> {
  const valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
  await clearClusterKeys(valkey);
  const persister = await startPersister();
  const servers: ServerProcess[] = [];
  for (let i = 0; i < n; i++) servers.push(await startClusterServer());
  const c: ClusterUnderTest = {
    servers,
    persister,
    valkey,
    async owner(gameId, except) {
      return until(
        async () => {
          const node = await valkey.hget(`game:{${gameId}}:owner`, "node");
          const pid = Number(node?.split(":").at(-1));
          return c.servers.find((s) => s.child.pid === pid && s !== except && s.child.exitCode === null);
        },
        `an owner of ${gameId}`,
        20_000,
      );
    },
    async stop() {
      await Promise.all(c.servers.map((s) => stopServer(s)));
      await persister.stop().catch(() => null);
      await clearClusterKeys(valkey);
      valkey.disconnect();
    },
  };
  return c;
}
