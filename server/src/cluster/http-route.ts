/**
 * HTTP requests about a game reach the process that runs the game's room (PRESENCE=redis).
 *
 * Any process may receive any request (the front balances them). A request that names a game — the path
 * `/api/games/:id/...` or `/api/v1/.../games/:id/...`, an `/api/v1` request with an API key or player
 * token (the key's game), `POST /api/join` (the game of the join code; a session's code: its latest
 * round), `/api/sessions/:id/...` (the session's latest round, where its players join and its next
 * round is announced) — is served by the process that
 * runs the game's room: when that is another process, this one hands the whole request to the room with
 * `callRoomElsewhere(gameId, "routeHttp", [request])` (Colyseus' IPC over the presence), and the
 * room's process serves it through its own Express app on loopback (`serveLocally`). The answer comes
 * back the same way. A game without a room gets one first (ClusterNode.ensureRoom). So every command of
 * a game, whatever door it came in by, runs in the one process that writes the game, with its order
 * rate limits, API-key limits and entry gates.
 *
 * A loopback request carries the header `x-marketroom-routed` with this process's random nonce, so it is
 * served here and not routed again; a client cannot forge it (the nonce never leaves the process).
 * Requests that name no game (listing games, creating one, health, metrics, static files) are served by
 * whichever process receives them. Bodies up to ROUTE_BODY_LIMIT bytes; a larger one is refused with 413.
 */
import type { NextFunction, Request, Response } from "express";
import { randomBytes } from "node:crypto";
import type { Logger } from "../config.ts";
import type { ClusterNode } from "./node.ts";
import { callRoomElsewhere } from "./room-call.ts";

/** A request as it travels to the room's process (JSON through the presence). */
export interface RoutedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Base64 of the raw body ("" when none). */
  body: string;
}

export interface RoutedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const ROUTED_HEADER = "x-marketroom-routed";
const NONCE = randomBytes(18).toString("base64url");
/** Largest body routed to another process (bytes). */
export const ROUTE_BODY_LIMIT = 1024 * 1024;
/**
 * How long a routed request may take (ms); the IPC default (2 s) is too short for a round end. A request
 * whose process dies meanwhile fails sooner (503; ClusterNode.whileHolding).
 */
const ROUTE_TIMEOUT_MS = 30_000;
const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"]);

/**
 * Finds the game a request is about, or null (served where it arrived). `json()` reads the body (only
 * when needed: a join by code) and leaves it parsed in req.body for the route.
 */
export type GameOfRequest = (req: Request, json: () => Promise<unknown>) => Promise<string | null>;

const GAME_IN_PATH = /^\/api\/(?:v1\/(?:[a-z-]+\/)*)?games\/([A-Za-z0-9_-]{1,64})(?:\/|$)/;

/** The game named in the path (`/api/games/:id...`, `/api/v1/[admin/]games/:id...`), else null. */
export function gameInPath(path: string): string | null {
  return GAME_IN_PATH.exec(path)?.[1] ?? null;
}

const SESSION_IN_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})(?:\/|$)/;

/** The session named in the path (`/api/sessions/:id...`), else null. */
export function sessionInPath(path: string): string | null {
  return SESSION_IN_PATH.exec(path)?.[1] ?? null;
}

/** Express middleware routing game requests to the process of the game's room (see the header). */
export function routeToOwner(node: ClusterNode, gameOf: GameOfRequest, log: Logger) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.headers[ROUTED_HEADER] === NONCE || !req.path.startsWith("/api/")) return next();
    let body: Buffer | null | undefined;
    const read = async () => (body ??= await readBody(req));
    try {
      const gameId = await gameOf(req, async () => parseJson(req, await read()));
      const listing = gameId ? await node.ensureRoom(gameId) : null;
      if (!gameId || !listing || listing.processId === node.processId) return next();
      const raw = await read();
      if (raw === null) {
        res.status(413).json({ code: "INVALID_ARGUMENT", message: `the body exceeds ${ROUTE_BODY_LIMIT} bytes` });
        return;
      }
      const answer = (await node.whileHolding(
        gameId,
        listing.processId,
        callRoomElsewhere<RoutedResponse>(gameId, "routeHttp", [toRouted(req, raw)], ROUTE_TIMEOUT_MS),
      )) as RoutedResponse;
      res.status(answer.status);
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      res.end(Buffer.from(answer.body, "base64"));
    } catch (err) {
      log.warn({ err: String(err), path: req.path }, "routing a request to the game's process failed");
      if (!res.headersSent)
        res.status(503).json({ code: "UNAVAILABLE", message: "the game's server process did not answer; retry" });
    }
  };
}

/** Serves a routed request through this process's own HTTP server (loopback), marked as routed. */
export async function serveLocally(port: number, req: RoutedRequest): Promise<RoutedResponse> {
  const body = req.body ? Buffer.from(req.body, "base64") : undefined;
  const r = await fetch(`http://127.0.0.1:${port}${req.url}`, {
    method: req.method,
    headers: { ...req.headers, [ROUTED_HEADER]: NONCE },
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (!HOP_HEADERS.has(k) && k !== "content-encoding") headers[k] = v;
  });
  return { status: r.status, headers, body: Buffer.from(await r.arrayBuffer()).toString("base64") };
}

function toRouted(req: Request, body: Buffer): RoutedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_HEADERS.has(k) || k === ROUTED_HEADER) continue;
    headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  // the client's address for the owner's per-IP limits (trusted only where TRUST_PROXY says so)
  headers["x-forwarded-for"] = [headers["x-forwarded-for"], req.socket.remoteAddress].filter(Boolean).join(", ");
  return { method: req.method, url: req.originalUrl, headers, body: body.toString("base64") };
}

/** The raw body, at most ROUTE_BODY_LIMIT bytes (null above). */
async function readBody(req: Request): Promise<Buffer | null> {
  if (req.method === "GET" || req.method === "HEAD") return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ROUTE_BODY_LIMIT) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The JSON body, also left in req.body: once read here, Express' body parsers see a finished request
 * and keep req.body as it is. Undefined when the body is not JSON.
 */
function parseJson(req: Request, raw: Buffer | null): unknown {
  let value: unknown;
  try {
    value = raw && raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
  } catch {
    value = undefined;
  }
  (req as { body?: unknown }).body = value;
  return value;
}
