/**
 * Several server processes, one system (issue 17; docs/deploy.md). With PRESENCE=redis the process joins
 * the others on the same Valkey: Colyseus' RedisPresence and RedisDriver (matchmaking, seat reservations
 * and remoteRoomCall across processes), room placement on the least loaded live process, the game room
 * as the anchor of its game's ownership (cluster-room.ts), HTTP requests routed to the game's process
 * (http-route.ts), and failover of the games of a dead process (node.ts). PRESENCE unset or "local":
 * one process with Colyseus' local presence and driver, exactly as before.
 *
 *   const cluster = clusterFromEnv(process.env, { valkeyUrl, valkey, log, service, apiKeyGame });
 *   defineServer({ ...cluster?.serverOptions, rooms: { game: defineRoom(cluster ? cluster.room(Room) : Room) } })
 *   express: app.use(cluster.route)   // first, before the routes
 *   after listen: await cluster.node.start()
 *
 * Env: PRESENCE (local | redis), PRESENCE_URL (default VALKEY_URL, or the nodes of VALKEY_CLUSTER: the
 * presence may live on another Valkey than the games; valkey.ts), PUBLIC_ADDRESS (host:port/path under which clients reach this process's
 * WebSocket, e.g. "localhost:8080/p1" behind the front; unset: the address the client used).
 */
import type { Request } from "express";
import type { Redis } from "iovalkey";
import { RedisPresence } from "@colyseus/redis-presence";
import { RedisDriver } from "@colyseus/redis-driver";
import type { Logger } from "../config.ts";
import type { GameService } from "../game/service.ts";
import type { RoomContext, defineGameRoom } from "../rooms/game-room.ts";
import { clusterGameRoom } from "./cluster-room.ts";
import { gameInPath, routeToOwner, sessionInPath, type GameOfRequest } from "./http-route.ts";
import { ClusterNode } from "./node.ts";
import { clusterNodes } from "./valkey.ts";

export interface ClusterDeps {
  valkeyUrl: string;
  valkey: Redis;
  log: Logger;
  service: GameService;
  /** The game of an API key (`mrk_...`), or null when the key is not valid. */
  apiKeyGame: (token: string) => Promise<string | null>;
}

export interface Cluster {
  node: ClusterNode;
  /** Options for defineServer: presence, driver, publicAddress, room placement. */
  serverOptions: {
    presence: RedisPresence;
    driver: RedisDriver;
    publicAddress?: string;
    selectProcessIdToCreateRoom: (roomName: string, options: { gameId?: unknown }) => Promise<string>;
  };
  /** The game room class extended for the cluster. */
  room(base: ReturnType<typeof defineGameRoom>, ctx: RoomContext): ReturnType<typeof defineGameRoom>;
  /** Express middleware routing game requests to the game's process; mount before the routes. */
  route: ReturnType<typeof routeToOwner>;
}

/** True when PRESENCE=redis (several processes share Valkey). Throws on an unknown value. */
export function clusterEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const p = env.PRESENCE || "local";
  if (p !== "local" && p !== "redis") throw new Error(`PRESENCE must be "local" or "redis", got "${p}"`);
  return p === "redis";
}

/** The cluster parts when PRESENCE=redis, else null (single process). */
export function clusterFromEnv(env: NodeJS.ProcessEnv, deps: ClusterDeps): Cluster | null {
  if (!clusterEnabled(env)) return null;
  const url = env.PRESENCE_URL || deps.valkeyUrl;
  const node = new ClusterNode(
    deps.valkey,
    deps.log,
    async (g) => (await deps.service.store.get(g)) !== null,
    async (g) => {
      const info = await deps.service.hub.engine.gameInfo(g);
      return info.ok && info.game.phase === "ended";
    },
  );
  node.guard(deps.service.hub.engine);
  // Separate connections for presence and driver (sharing one breaks shutdown; colyseus-0.18.md §6);
  // on a Valkey Cluster without PRESENCE_URL, both use ioredis' Cluster client on its nodes.
  const nodes = env.PRESENCE_URL ? null : clusterNodes(env);
  const presence = nodes ? new RedisPresence(nodes) : new RedisPresence(url);
  const driver = nodes ? new RedisDriver(nodes) : new RedisDriver(url);
  return {
    node,
    serverOptions: {
      presence,
      driver,
      ...(env.PUBLIC_ADDRESS ? { publicAddress: env.PUBLIC_ADDRESS } : {}),
      selectProcessIdToCreateRoom: node.selectProcess,
    },
    room: (base, ctx) => clusterGameRoom(base, ctx, node),
    route: routeToOwner(node, gameOfRequest(deps), deps.log),
  };
}

/** Which game a request is about (http-route.ts, "A request that names a game"). */
function gameOfRequest(deps: ClusterDeps): GameOfRequest {
  return async (req: Request, json) => {
    const inPath = gameInPath(req.path);
    if (inPath) return inPath;
    const store = deps.service.store;
    // a session's requests (its current round, a new round) reach the process of its latest round
    const latestRound = async (sessionId: string | null) =>
      sessionId ? ((await store.sessionRounds(sessionId)).at(-1) ?? null) : null;
    const session = sessionInPath(req.path);
    if (session) return latestRound(session);
    if (req.method === "POST" && req.path === "/api/join") {
      const code = (await json()) as { code?: unknown } | undefined;
      if (typeof code?.code !== "string") return null;
      return (await store.gameOfCode(code.code)) ?? latestRound(await store.sessionOfCode(code.code));
    }
    if (!req.path.startsWith("/api/v1/")) return null;
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return null;
    if (token.startsWith("mrk_")) return deps.apiKeyGame(token);
    const who = await deps.service.authenticate(token);
    return who?.role === "player" ? who.gameId : null;
  };
}
