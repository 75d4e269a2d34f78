/**
 * ApiRouter: one table for the /api/v1 routes. Each route is declared once — method, path, who may call
 * it, the zod schemas of its path parameters, query, body and replies — and that declaration both mounts
 * the Express handler (validating with the schemas) and registers the route in the OpenAPI registry
 * (openapi.ts), so the document lists exactly the routes that exist.
 *
 * Validation failures: a path parameter is NOT_FOUND (it names no resource), a query INVALID_QUERY, a
 * body INVALID_BODY (all with `issues`), as on the other HTTP routes (docs/api.md, "Errors").
 */
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { z } from "zod";
import { OpenAPIRegistry, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { parse } from "../request.ts";
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
  handler: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    req: Request;
    res: Response;
    caller: C;
  }) => Promise<unknown>;
}

export class ApiRouter<C> {
  readonly registry = new OpenAPIRegistry();
  readonly router: Router = express.Router();
  private readonly json = express.json({ limit: "64kb" });

  /**
   * `authorize(access, req, res)` resolves the caller of a request or throws ApiError (UNAUTHORIZED,
   * FORBIDDEN, RATE_LIMITED...); it may set headers (rate limits).
   */
  constructor(private readonly authorize: (access: Access, req: Request, res: Response) => Promise<C>) {
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
    const handlers: express.RequestHandler[] = [];
    if (spec.body) handlers.push(this.json);
    handlers.push(async (req: Request, res: Response, next: NextFunction) => {
      try {
        const caller = await this.authorize(spec.access, req, res);
        const params = spec.params ? parse(spec.params, req.params, "NOT_FOUND") : {};
        const query = spec.query ? parse(spec.query, req.query, "INVALID_QUERY") : {};
        const body = spec.body ? parse(spec.body, req.body ?? {}) : undefined;
        const status = Number(Object.keys(spec.replies)[0]);
        const out = await spec.handler({ params, query, body, req, res, caller } as never);
        if (res.headersSent) return;
        if (out === undefined) res.status(204).end();
        else res.status(status).json(out);
      } catch (err) {
        next(err);
      }
    });
    this.router[spec.method](spec.path, ...handlers);
  }

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
