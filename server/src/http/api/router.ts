/**
 * ApiRouter: one table for the /api/v1 routes. Each route is declared once — method, path, who may call
 * it, the zod schemas of its path parameters, query, body and replies — and that declaration both mounts
 * the Express handler (validating with the schemas) and registers the route in the OpenAPI registry
 * (openapi.ts), so the document lists exactly the routes that exist.
 *
 * Validation failures: a path parameter is NOT_FOUND (it names no resource), a query INVALID_QUERY, a
 * body INVALID_BODY (all with `issues`), as on the other HTTP routes (docs/api.md, "Errors").
 *
 * The same table serves two doors: the Express router (`router`, mounted under /api/v1) and `match`,
 * which fast-lane.ts uses to answer a request straight from Node's HTTP server without Express.
 * Both run a route through `run`, so they validate and answer alike.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { z } from "zod";
import { OpenAPIRegistry, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { parse } from "../request.ts";
import type { InflightLimit } from "./overload.ts";
import { ErrorBody } from "./schemas.ts";

/** Who may call a route: an API key, a player token (or an API key's player), the admin token, anyone. */
export type Access = "key" | "player" | "admin" | "public";

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, C> {
  method: "get" | "post" | "patch" | "delete";
  /** Express path relative to /api/v1, e.g. `/orders/:id`. */
  path: string;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Reply schemas by status; 204 = no body. */
  replies: Record<number, z.ZodType | null>;
  /** Error codes this route may answer besides the common ones (documented per route). */
  errors?: string[];
  /** `req`/`res`: Node's request and response (Express' on the Express door); set headers with setHeader. */
  handler: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    req: IncomingMessage;
    res: ServerResponse;
    caller: C;
  }) => Promise<unknown>;
}

/** Largest JSON body a route takes, bytes (larger: INVALID_BODY). */
export const BODY_LIMIT = 64 * 1024;

/** A declared route with its path compiled for `match`. */
interface Compiled<C> {
  method: string;
  re: RegExp;
  names: string[];
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType, C>;
}

/** A route found for a request: its spec and path parameters (decoded). */
export interface Matched<C> {
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType, C>;
  params: Record<string, string>;
}

/** What a route answered: the status and the JSON body (undefined: 204, or the handler answered itself). */
export interface RouteReply {
  status: number;
  out: unknown;
}

/** Authorizes, validates and runs a route; `rawBody` undefined = none parsed. */
type Run = (
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  input: { params: unknown; query: unknown; body: unknown },
) => Promise<RouteReply>;

export class ApiRouter<C> {
  readonly registry = new OpenAPIRegistry();
  readonly router: Router = express.Router();
  private readonly json = express.json({ limit: BODY_LIMIT });
  private readonly routes: Compiled<C>[] = [];

  /**
   * `authorize(access, req, res)` resolves the caller of a request or throws ApiError (UNAUTHORIZED,
   * FORBIDDEN, RATE_LIMITED...); it may set headers (rate limits). `limit`: the requests both doors work on
   * at once (overload.ts; none = no limit).
   */
  constructor(
    private readonly authorize: (access: Access, req: IncomingMessage, res: ServerResponse) => Promise<C>,
    private readonly limit?: InflightLimit,
  ) {
    this.registry.registerComponent("securitySchemes", "apiKey", {
      type: "http",
      scheme: "bearer",
      description: "an API key (mrk_...)",
    });
    this.registry.registerComponent("securitySchemes", "playerToken", {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "a player token from POST /api/join",
    });
    this.registry.registerComponent("securitySchemes", "adminToken", {
      type: "http",
      scheme: "bearer",
      description: "the admin token",
    });
  }

  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(spec: RouteSpec<P, Q, B, C>): void {
    this.document(spec);
    this.routes.push(compile(spec as never));
    const handlers: express.RequestHandler[] = [
      (_req: Request, res: Response, next: NextFunction) => {
        try {
          this.admit(res);
          next();
        } catch (err) {
          next(err);
        }
      },
    ];
    if (spec.body) handlers.push(this.json);
    handlers.push(async (req: Request, res: Response, next: NextFunction) => {
      try {
        const r = await this.run(spec as never, req, res, { params: req.params, query: req.query, body: req.body });
        if (res.headersSent) return;
        if (r.out === undefined) res.status(204).end();
        else res.status(r.status).json(r.out);
      } catch (err) {
        next(err);
      }
    });
    this.router[spec.method](spec.path, ...handlers);
  }

  /** The route of `method` and `path` (relative to /api/v1, without the query), or null. */
  match(method: string, path: string): Matched<C> | null {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        r.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      } catch {
        return null; // a malformed escape: left to Express, which answers it
      }
      return { spec: r.spec, params };
    }
    return null;
  }

  /**
   * Counts the request answered by `res` against the limit until `res` closes; ApiError UNAVAILABLE (503)
   * when the server has as many in the works already (overload.ts). Call before reading the body.
   */
  admit(res: ServerResponse): void {
    this.limit?.admit(res);
  }

  /** Authorizes the caller, validates the input with the route's schemas and runs its handler. */
  readonly run: Run = async (spec, req, res, input) => {
    const caller = await this.authorize(spec.access, req, res);
    const params = spec.params ? parse(spec.params, input.params, "NOT_FOUND") : {};
    const query = spec.query ? parse(spec.query, input.query, "INVALID_QUERY") : {};
    const body = spec.body ? parse(spec.body, input.body ?? {}) : undefined;
    const status = Number(Object.keys(spec.replies)[0]);
    return { status, out: await spec.handler({ params, query, body, req, res, caller } as never) };
  };

  private document<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(spec: RouteSpec<P, Q, B, C>): void {
    const responses: RouteConfig["responses"] = {};
    for (const [status, schema] of Object.entries(spec.replies)) {
      responses[status] = schema
        ? { description: "success", content: { "application/json": { schema } } }
        : { description: "success, no body" };
    }
    const errors = ["UNAUTHORIZED", "INTERNAL_ERROR", "UNAVAILABLE", ...(spec.errors ?? [])];
    responses.default = {
      description: `an error: { code, message }; codes: ${errors.join(", ")}`,
      content: { "application/json": { schema: ErrorBody } },
    };
    const security = {
      key: [{ apiKey: [] }],
      player: [{ playerToken: [] }, { apiKey: [] }],
      admin: [{ adminToken: [] }],
      public: [],
    }[spec.access];
    this.registry.registerPath({
      method: spec.method,
      path: `/api/v1${spec.path.replace(/:(\w+)/g, "{$1}")}`,
      summary: spec.summary,
      security,
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body ? { body: { content: { "application/json": { schema: spec.body } } } } : {}),
      },
      responses,
    } as RouteConfig);
  }
}

/** An Express path (`/orders/:id`) as a regular expression: case-insensitive, an optional trailing slash, as Express 5. */
function compile<C>(spec: RouteSpec<AnyObject, AnyObject, z.ZodType, C>): Compiled<C> {
  const names: string[] = [];
  const pattern = spec.path
    .split("/")
    .map((part) => {
      if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(part.slice(1));
      return "([^/]+?)";
    })
    .join("/");
  return { method: spec.method.toUpperCase(), re: new RegExp(`^${pattern}/?$`, "i"), names, spec };
}
