/**
 * Round exports from the admin view (docs/export.md): each file of
 * GET /api/games/:id/export/:file (admin token; 409 INVALID_PHASE_TRANSITION before the round has ended
 * with its results), saved as `<gameId>-<file>`, and all six files in one zip built in the browser with
 * fflate (`<gameId>-export.zip`; the server serves the files one by one and has no zip route).
 */
import { strToU8, zipSync } from "fflate";
import { ApiError } from "./api.ts";

/** The files the server exports (server/src/export/export.ts EXPORT_FILES). */
export const EXPORT_FILES = [
  "config.json",
  "orders.csv",
  "fills.csv",
  "inventories.csv",
  "leaderboard.csv",
  "reference.csv",
] as const;

/** The text of one export file; ApiError with the server's code on a non-2xx reply. */
export async function fetchExport(gameId: string, file: string, token: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`/api/games/${encodeURIComponent(gameId)}/export/${encodeURIComponent(file)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (err) {
    throw new ApiError("UNAVAILABLE", `the server cannot be reached (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  if (!res.ok) {
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    throw new ApiError(body?.code ?? `HTTP_${res.status}`, body?.message ?? res.statusText, res.status);
  }
  return text;
}

/** Saves `data` as a download named `name` (an object URL on a temporary link). */
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Downloads one export file; returns the saved name. */
export async function downloadExport(gameId: string, file: string, token: string): Promise<string> {
  const text = await fetchExport(gameId, file, token);
  const name = `${gameId}-${file}`;
  saveFile(name, text, file.endsWith(".json") ? "application/json" : "text/csv");
  return name;
}

/** Downloads every export file in one zip (files at the zip's top level, named as the server names them). */
export async function downloadExportZip(gameId: string, token: string): Promise<string> {
  const texts = await Promise.all(EXPORT_FILES.map((f) => fetchExport(gameId, f, token)));
  const zip = zipSync(Object.fromEntries(EXPORT_FILES.map((f, i) => [f, strToU8(texts[i]!)])));
  const name = `${gameId}-export.zip`;
  saveFile(name, zip, "application/zip");
  return name;
}
