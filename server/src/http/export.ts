/**
 * Round export routes (admin; docs/export.md):
 *   GET /api/games/:id/export/:file   file = config.json | orders.csv | fills.csv | inventories.csv | leaderboard.csv | reference.csv
 * -> the file (text/csv or application/json, as an attachment). Errors: 401/403 (token), 404 NOT_FOUND
 * (no such file), UNKNOWN_GAME, 409 INVALID_PHASE_TRANSITION (the round has not ended with its results written).
 */
import type express from "express";
import type { Request } from "express";
import { GameIdParam } from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import type { Db } from "../persistence/db.ts";
import { buildExport, EXPORT_FILES, type ExportFile } from "../export/export.ts";
import { bearer } from "./request.ts";

export interface ExportRouteDeps {
  service: GameService;
  db?: Db;
}

/** Mounts the export routes (before mountRoutes' /api catch-all). */
export function mountExportRoutes(app: express.Application, deps: ExportRouteDeps): void {
  app.get("/api/games/:id/export/:file", async (req: Request, res) => {
    const who = await deps.service.authenticate(bearer(req));
    if (!who) throw new ApiError("UNAUTHORIZED", "an admin bearer token is required");
    if (who.role !== "admin") throw new ApiError("FORBIDDEN", "this needs the admin token");
    const p = GameIdParam.safeParse({ id: req.params.id });
    const file = String(req.params.file) as ExportFile;
    if (!p.success || !EXPORT_FILES.includes(file))
      throw new ApiError("NOT_FOUND", `no export file ${req.params.file}`);
    if (!deps.db) throw new ApiError("UNAVAILABLE", "exports need PostgreSQL");
    const out = await buildExport(deps.db, p.data.id, { service: deps.service });
    res.type(file.endsWith(".json") ? "application/json" : "text/csv");
    res.attachment(`${p.data.id}-${file}`);
    res.send(out.files[file]);
  });
}
