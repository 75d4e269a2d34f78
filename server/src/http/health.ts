/**
 * Health of the process's dependencies for GET /health: Valkey (PING), PostgreSQL (SELECT 1), the
 * persister's lag (age of the oldest event not yet in PostgreSQL, ms), how many persister processes
 * beat in the last 5 s (`consumers`; `running` = at least one) and the parked games (games whose next
 * event PostgreSQL refused; persistence/parked.ts). The persisters are processes of their own
 * (persistence/persister-status.ts): none running does not by itself degrade the status, a growing lag does. status: "ok"; "degraded" when the lag exceeds
 * `maxLagMs` (default 10 s) or is unknown, or a game is parked; "down" when Valkey or PostgreSQL fails.
 * GET /health answers 200 only for "ok", else 503. Each probe times out after 2 s.
 */
import { sql } from "kysely";
import type { Redis } from "iovalkey";
import type { Db } from "../persistence/db.ts";
import type { PersisterPort } from "../game/service.ts";
import { parkedGames, type ParkedGame } from "../persistence/parked.ts";

export interface Probe {
  ok: boolean;
  ms: number;
  error?: string;
}
export interface Health {
  status: "ok" | "degraded" | "down";
  valkey: Probe;
  postgres: Probe;
  /** `parked`: up to 20 parked games, oldest first (null when PostgreSQL could not say); null = unknown. */
  persister: { running: boolean; consumers: number | null; lagMs: number | null; parked: ParkedGame[] | null };
  uptimeSec: number;
}

const TIMEOUT_MS = 2000;

/** The persister as health sees it: its lag, and how many processes are alive when it can tell. */
export type PersisterProbe = PersisterPort & { consumers?(): Promise<number> };

export class HealthCheck {
  constructor(
    private readonly valkey: Redis,
    private readonly db?: Db,
    private readonly persister?: PersisterProbe,
    private readonly maxLagMs = 10_000,
  ) {}

  async check(): Promise<Health> {
    const [valkey, postgres, lagMs, parked, consumers] = await Promise.all([
      probe(() => this.valkey.ping()),
      this.db
        ? probe(() => sql`SELECT 1`.execute(this.db!))
        : Promise.resolve({ ok: false, ms: 0, error: "not configured" }),
      this.persister ? withTimeout(this.persister.lagMs()).catch(() => null) : Promise.resolve(null),
      this.db ? withTimeout(parkedGames(this.db, 20)).catch(() => null) : Promise.resolve(null),
      this.persister?.consumers ? withTimeout(this.persister.consumers()).catch(() => null) : Promise.resolve(null),
    ]);
    const down = !valkey.ok || !postgres.ok;
    const degraded = lagMs === null || lagMs > this.maxLagMs || parked === null || parked.length > 0;
    return {
      status: down ? "down" : degraded ? "degraded" : "ok",
      valkey,
      postgres,
      persister: { running: consumers === null ? Boolean(this.persister) : consumers > 0, consumers, lagMs, parked },
      uptimeSec: Math.round(process.uptime()),
    };
  }
}

async function probe(fn: () => Promise<unknown>): Promise<Probe> {
  const t = Date.now();
  try {
    await withTimeout(fn());
    return { ok: true, ms: Date.now() - t };
  } catch (err) {
    return { ok: false, ms: Date.now() - t, error: (err as Error).message };
  }
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
