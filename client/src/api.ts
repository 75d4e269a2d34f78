/** The game server's HTTP API (same origin). Errors become ApiError with the server's code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A JSON request; throws ApiError on a non-2xx reply. */
export async function api<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
  } catch (err) {
    throw new ApiError("UNAVAILABLE", `the server cannot be reached (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const issues = Array.isArray(data?.issues)
      ? ` (${data.issues.map((i: any) => `${i.path}: ${i.message}`).join("; ")})`
      : "";
    throw new ApiError(data?.code ?? `HTTP_${res.status}`, (data?.message ?? res.statusText) + issues, res.status);
  }
  return data as T;
}

/** "CODE: message" of any error. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  const e = err as { code?: unknown; message?: string };
  return e?.message ? (typeof e.code === "string" ? `${e.code}: ${e.message}` : e.message) : String(err);
}
