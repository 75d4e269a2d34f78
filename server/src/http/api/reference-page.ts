/**
 * The rendered API reference: GET /api/v1/docs is a page that renders GET /api/v1/openapi.json with
 * Swagger UI (npm package `swagger-ui-dist`, served from node_modules by this server: no CDN, works
 * offline). Its script and styles are at /api/v1/docs/assets/*; the page's own start-up script is a file
 * too (/api/v1/docs/init.js), so the page runs under a Content-Security-Policy without 'unsafe-inline'.
 *
 * "Try it out" sends requests from the browser with the key typed into "Authorize" (Bearer).
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import express, { type Router } from "express";

/** Where the reference page is, relative to the server's root. */
export const REFERENCE_PATH = "/api/v1/docs";

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>marketroom API reference</title>
    <link rel="stylesheet" href="${REFERENCE_PATH}/assets/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${REFERENCE_PATH}/assets/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${REFERENCE_PATH}/assets/swagger-ui-bundle.js"></script>
    <script src="${REFERENCE_PATH}/init.js"></script>
  </body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

/** swagger-ui-dist's folder (its package has no `exports`, so its package.json resolves). */
function assetsDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/** Routes for the reference page, to mount at /api/v1/docs (paths here are relative to it). */
export function referencePage(): Router {
  const r = express.Router();
  r.get("/", (req, res, next) => {
    // "/api/v1/docs" and "/api/v1/docs/" both serve the page (its links are absolute).
    if (req.path !== "/") return next();
    res.type("html").set("Cache-Control", "no-cache").send(PAGE);
  });
  r.get("/init.js", (_req, res) => {
    res.type("js").set("Cache-Control", "no-cache").send(INIT);
  });
  r.use("/assets", express.static(assetsDir(), { index: false, maxAge: "1h" }));
  return r;
}
