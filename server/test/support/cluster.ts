/**
 * Several real server processes sharing one Valkey with PRESENCE=redis (server/src/cluster/), plus a
 * persister process: what `npm start -- --processes N` runs, for tests.
 *
 *   const c = await startCluster(3)   // c.servers[i]: ServerProcess with PUBLIC_ADDRESS 127.0.0.1:port
 *   startCluster(3, vc.env)           // the same on a Valkey Cluster (valkey-cluster.ts): VALKEY_CLUSTER set
 *                                     // (with PRESENCE_URL: Colyseus' presence on that Valkey instead)
 *   await c.owner(gameId)             // the server whose process runs the game's room and writes it
 *   await c.stop()
 *   clusterGame(base), joinAt(base, code, name), connectVia(base, gameId, token)   through any process
 */
import { Redis, type Cluster } from "iovalkey";
import { connectValkey, isCluster } from "../../src/cluster/valkey.ts";
import { startPersister, type PersisterProcess } from "./persister-process.ts";
import { Client, type Room } from "@colyseus/sdk";
import { attachPrivateState, type ClientGameState } from "@marketroom/shared";
import { call, freePort, startServer, stopServer, type ServerProcess } from "./server-process.ts";

export interface ClusterUnderTest {
  servers: ServerProcess[];
  persister: PersisterProcess;
  valkey: Redis;
  /** The server holding the game's writer (game:{g}:owner names "<host>:<pid>"), once there is one. */
  owner(gameId: string, except?: ServerProcess): Promise<ServerProcess>;
  stop(): Promise<void>;
}

/**
 * Colyseus' and the cluster's keys: a run starts without listings of processes of earlier runs (on a
 * Valkey Cluster shared by several runs of a file, each master's keys).
 */
async function clearClusterKeys(valkey: Redis): Promise<void> {
  const nodes = isCluster(valkey) ? (valkey as unknown as Cluster).nodes("master") : [valkey];
  for (const node of nodes) {
    const keys = [
      ...(await node.keys("{cluster}:*")),
      ...(await node.keys("roomcaches")),
      ...(await node.keys("ch:*")),
    ];
    for (const k of keys) await valkey.del(k);
  }
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

export async function startCluster(n: number, env: Record<string, string> = {}): Promise<ClusterUnderTest> {
  const valkey = connectValkey({ ...process.env, ...env }, { maxRetriesPerRequest: 2 });
  // Colyseus' keys on a Valkey of their own (PRESENCE_URL), the membership's with the games
  const presence = env.PRESENCE_URL ? new Redis(env.PRESENCE_URL, { maxRetriesPerRequest: 2 }) : null;
  const clear = async () => {
    await clearClusterKeys(valkey);
    if (presence) await clearClusterKeys(presence);
  };
  await clear();
  const persister = await startPersister({ env });
  const servers = await Promise.all(Array.from({ length: n }, () => startClusterServer(env)));
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
      await clear();
      valkey.disconnect();
      presence?.disconnect();
    },
  };
  return c;
}

let n = 0;
export const newGameId = () => `cl-${process.pid}-${Date.now().toString(36)}-${++n}`;

/** Creates a game through `base` (with `gameId` when given); returns its id and join code. */
export async function clusterGame(base: string, gameId = newGameId()): Promise<{ gameId: string; joinCode: string }> {
  const body = {
    gameId,
    name: "cluster game",
    securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
    endowment: { cash: 1_000_000, holdings: [{ securityId: 1, qty: 1000 }] },
  };
  const made = await call(base, "POST", "/api/games", body);
  if (made.status !== 201) throw new Error(`create game: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body as { gameId: string; joinCode: string };
}

export async function joinAt(base: string, code: string, name: string): Promise<{ token: string; playerId: string }> {
  const r = await call(base, "POST", "/api/join", { code, name }, null);
  if (r.status !== 201) throw new Error(`join: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { token: string; playerId: string };
}

export async function connectVia(base: string, gameId: string, token: string): Promise<Room<any, ClientGameState>> {
  const sdk = new Client(base);
  sdk.auth.token = token;
  const room = await sdk.joinOrCreate<ClientGameState>("game", { gameId });
  const { ready } = attachPrivateState(room);
  await until(async () => (room.state as ClientGameState | undefined)?.gameId === gameId, "the first state");
  await ready;
  return room;
}
