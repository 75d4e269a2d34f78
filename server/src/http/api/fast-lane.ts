/**
 * The fast lane: requests for an /api/v1 route (router.ts) answered straight from Node's HTTP server,
 * ahead of Colyseus' HTTP router and Express, which cost more CPU per request than the route itself
 * (profiled with `API_PROFILE=<dir> npm run bench:api`, docs/api-benchmark.md). Programs send
 * thousands of requests a second; the browser's requests and everything else keep going through Express.
 *
 * Same answers as the Express door: one route table (`ApiRouter.run`), the same errors (error-reply.ts),
 * the same CORS headers as Colyseus sets on every response, the same body rules as express.json (JSON
 * objects or arrays up to BODY_LIMIT bytes, UTF-8; a body of another type is not parsed; an empty one is
 * `{}`). A request the lane does not take as it is (another path or method, a compressed body, a charset
 * other than UTF-8, a malformed escape in the path) goes on to Colyseus and Express unchanged. Not used
 * with several processes (PRESENCE=redis): there cluster/http-route.ts must first send a game's
 * requests to the game's process, in Express.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import { matchMaker } from "@colyseus/core";
import type { Logger } from "../../config.ts";
import { ApiError } from "../../game/errors.ts";
import type { Caller } from "./auth.ts";
import { errorReply } from "./error-reply.ts";
import { holdHeaders, releaseHeaders, setReplyHeader, takeHeaders } from "./reply-headers.ts";
import { BODY_LIMIT, type ApiRouter, type Matched } from "./router.ts";

const PREFIX = "/api/v1";
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts the lane in front of the request listeners of `http` once it listens (after Colyseus has bound
 * its router there, which it does when listening).
 */
export function attachFastLane(http: HttpServer, router: ApiRouter<Caller>, log: Logger): void {
  const install = () => {
    const others = http.listeners("request") as Listener[];
    http.removeAllListeners("request");
    http.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (!take(router, log, req, res)) for (const l of others) l.call(http, req, res);
    });
  };
  if (http.listening) install();
  else http.once("listening", () => process.nextTick(install)); // after Colyseus' own "listening" work
}

/** Serves the request when it is for a route of the table and plain; false = not taken. */
function take(router: ApiRouter<Caller>, log: Logger, req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "";
  if (!url.startsWith(`${PREFIX}/`)) return false;
  const q = url.indexOf("?");
  const path = url.slice(PREFIX.length, q < 0 ? undefined : q);
  const found = router.match(req.method ?? "GET", path);
  if (!found || (found.spec.body && !plainBody(req))) return false;
  void serve(router, log, found, req, res, path, q < 0 ? "" : url.slice(q + 1));
  return true;
}

/** No content coding and UTF-8 (or no charset): what the lane parses itself. */
function plainBody(req: IncomingMessage): boolean {
  const coding = req.headers["content-encoding"];
  if (coding && coding.toLowerCase() !== "identity") return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1];
  return !charset || charset.toLowerCase() === "utf-8";
}

async function serve(
  router: ApiRouter<Caller>,
  log: Logger,
  found: Matched<Caller>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  holdHeaders(res, corsHeaders(req)); // written with the reply's own in one writeHead (reply-headers.ts)
  try {
    router.admit(res); // past the limit: 503 UNAVAILABLE at once, body unread (overload.ts)
    const body = found.spec.body ? await readJson(req) : undefined;
    const r = await router.run(found.spec as never, req, res, { params: found.params, query: parseQuery(query), body });
    if (res.headersSent) return;
    if (r.out === undefined) {
      releaseHeaders(res);
      res.statusCode = 204;
      res.end();
    } else sendJson(res, r.status, r.out);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const e = errorReply(err, log, PREFIX + path);
    if (res.getHeaderNames().length > 0) releaseHeaders(res); // set directly: these go after them, as before
    for (const [name, value] of Object.entries(e.headers)) setReplyHeader(res, name, value);
    sendJson(res, e.status, e.body);
  }
}

const colyseusCors = matchMaker.controller.getCorsHeaders;
/** Origins remembered at most (more distinct origins start afresh). */
const MAX_ORIGINS = 1000;
let corsMemo: { defaults: object; byOrigin: Map<string, string[]> } | undefined;

/**
 * The CORS headers Colyseus puts on every response (its defaults, then the origin as it computes it), as
 * [name, value, ...]. With Colyseus' own getCorsHeaders (which reads only the Origin header) the headers
 * of each origin are worked out once and remembered (replacing the defaults object starts afresh); an
 * app that replaces getCorsHeaders gets it called for every request, as Colyseus does.
 */
function corsHeaders(req: IncomingMessage): string[] {
  const { controller } = matchMaker;
  if (controller.getCorsHeaders !== colyseusCors) return computeCors(req);
  if (corsMemo?.defaults !== controller.DEFAULT_CORS_HEADERS || corsMemo.byOrigin.size >= MAX_ORIGINS)
    corsMemo = { defaults: controller.DEFAULT_CORS_HEADERS, byOrigin: new Map() };
  const origin = req.headers.origin ?? "";
  let pairs = corsMemo.byOrigin.get(origin);
  if (!pairs) corsMemo.byOrigin.set(origin, (pairs = computeCors(req)));
  return pairs;
}

/**
 * Colyseus' CORS headers for `req`, worked out afresh ([name, value, ...]). A module function rather than a
 * closure made on every request (under tsx's keepNames each closure made costs an Object.defineProperty:
 * profiled).
 */
function computeCors(req: IncomingMessage): string[] {
  const { controller } = matchMaker;
  const headers = { get: (name: string) => req.headers[name.toLowerCase()] ?? null } as unknown as Headers;
  const all = { ...controller.DEFAULT_CORS_HEADERS, ...controller.getCorsHeaders(headers) };
  return Object.entries(all).flatMap(([name, value]) => [name, String(value)]);
}

/** Writes `out` as the JSON reply, after the headers `res` holds (reply-headers.ts), in one writeHead. */
function sendJson(res: ServerResponse, status: number, out: unknown): void {
  const text = JSON.stringify(out);
  const length = Buffer.byteLength(text);
  const all = takeHeaders(res, ["Content-Type", JSON_TYPE, "Content-Length", length]);
  if (all) res.writeHead(status, all);
  else res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": length });
  res.end(text);
}

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The body as express.json reads it: parsed when the type is application/json (`{}` when empty), else
 * undefined; INVALID_BODY when larger than BODY_LIMIT or not a JSON object or array.
 */
function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (type !== "application/json") return resolve(undefined);
      if (size > BODY_LIMIT) return reject(new ApiError("INVALID_BODY", "the body is too large"));
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({});
      if (text[0] !== "{" && text[0] !== "[") return reject(new ApiError("INVALID_BODY", "the body is not valid JSON"));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError("INVALID_BODY", "the body is not valid JSON"));
      }
    });
  });
}
