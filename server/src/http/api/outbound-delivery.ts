/**
 * Delivery of outbound webhooks (sql/007_outbound_webhooks.sql; docs/algo-trading.md "Webhooks
 * (outbound)"), at least once, never on the game's command path:
 *
 * 1. Fan-out: for each active hook (row locked with SKIP LOCKED, so several server processes share the
 *    work), the game's events after the hook's `cursor_seq` are read from PostgreSQL's `events` (what the
 *    persister stored, so nothing committed is missed even across a restart), turned into deliveries
 *    (INSERT ... ON CONFLICT DO NOTHING on a delivery id made of hook, seq and part, so a repeat adds
 *    nothing) and the cursor moves on, in one transaction.
 * 2. Delivery: due deliveries are claimed (attempts + 1, next_at = now + a lease) and POSTed as JSON with
 *    the Standard Webhooks headers (`webhook-id` = the delivery id, the same on every retry, for the
 *    receiver's dedupe; `webhook-timestamp` in seconds; `webhook-signature` = `v1,` + base64
 *    HMAC-SHA256 of `id.timestamp.body` with the hook's secret; library `standardwebhooks`). A 2xx answer
 *    delivers it; anything else (another status, a timeout, a refused connection) retries after
 *    retryBaseMs * 2^(attempts-1) (at most MAX_BACKOFF_MS) until maxAttempts, then it is `failed`.
 *    Redirects are not followed. Order between deliveries is not guaranteed: each payload carries `seq`.
 *
 * Payloads: `{ id, type: "fill", gameId, seq, ts, fill }` (a player's hook: the player's side of the fill,
 * as GET /fills) or `{ ..., trade }` (the admin's hook: the whole fill with both players);
 * `{ id, type: "phase", gameId, seq, ts, from, to }`.
 */
import { sql, type Kysely } from "kysely";
import { Webhook } from "standardwebhooks";
import type { EngineEvent } from "@marketroom/shared";
import type { Logger } from "../../config.ts";
import type { Db } from "../../persistence/db.ts";
import { orderIdOf } from "./history.ts";
import type { OutboundTables } from "./outbound-hooks.ts";
import { fillFor } from "./orders.ts";

export interface DeliveryOptions {
  /** Pause between rounds of work when there was nothing to do (ms). */
  pollMs: number;
  /** First retry delay (ms); doubles per attempt. */
  retryBaseMs: number;
  /** Attempts before a delivery is `failed`. */
  maxAttempts: number;
  /** Time the receiver has to answer (ms). */
  timeoutMs: number;
}

/** Defaults; OUTBOUND_WEBHOOK_RETRY_BASE_MS and OUTBOUND_WEBHOOK_MAX_ATTEMPTS override two of them. */
export function deliveryOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryOptions {
  return {
    pollMs: 200,
    retryBaseMs: Number(env.OUTBOUND_WEBHOOK_RETRY_BASE_MS ?? 1000),
    maxAttempts: Number(env.OUTBOUND_WEBHOOK_MAX_ATTEMPTS ?? 10),
    timeoutMs: 5000,
  };
}

const MAX_BACKOFF_MS = 10 * 60_000;
/** Events read per hook and round of fan-out. */
const FANOUT_BATCH = 1000;
/** Deliveries claimed per round. */
const DELIVERY_BATCH = 20;

type Hook = {
  hook_id: string;
  game_id: string;
  player_id: string | null;
  events: string[];
  cursor_seq: string | number;
};

/** The deliveries one event makes for one hook: [part, type, payload without id]. */
export function deliveriesOf(
  hook: Pick<Hook, "game_id" | "player_id" | "events">,
  e: EngineEvent,
): [number, string, Record<string, unknown>][] {
  const base = { gameId: hook.game_id, seq: e.seq, ts: e.ts };
  if (e.type === "phase_changed" && hook.events.includes("phase"))
    return [[0, "phase", { type: "phase", ...base, from: e.from, to: e.to }]];
  if (e.type !== "fill" || !hook.events.includes("fill")) return [];
  if (hook.player_id === null) {
    return [
      [
        0,
        "fill",
        {
          type: "fill",
          ...base,
          trade: {
            securityId: e.securityId,
            price: e.price,
            qty: e.qty,
            aggressor: e.aggressor,
            makerPlayerId: e.makerPlayerId,
            makerOrderId: e.makerOrderId,
            takerPlayerId: e.takerPlayerId,
            takerOrderId: e.takerOrderId,
          },
        },
      ],
    ];
  }
  const p = hook.player_id;
  const sides: [number, EngineEvent & { type: "fill" }][] = [];
  if (e.takerPlayerId === p) sides.push([0, e]);
  if (e.makerPlayerId === p) sides.push([1, { ...e, takerPlayerId: "" }]); // the maker side when it traded with itself
  return sides.map(([part, f]) => {
    const fill = fillFor(f, p);
    return [part, "fill", { type: "fill", ...base, fill: { ...fill, id: orderIdOf(fill.securityId, fill.orderId) } }];
  });
}

export class OutboundDelivery {
  private readonly db: Kysely<
    OutboundTables & { events: { game_id: string; seq: number; type: string; data: unknown } }
  >;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    db: Db,
    private readonly log: Logger,
    private readonly opts: DeliveryOptions = deliveryOptionsFromEnv(),
  ) {
    this.db = db.withTables<OutboundTables>() as unknown as OutboundDelivery["db"];
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops after the round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((err) => {
          this.log.warn({ err: String(err) }, "outbound webhooks round failed");
          return false;
        })
        .then((busy) => this.schedule(busy ? 0 : this.opts.pollMs));
    }, ms);
    this.timer.unref();
  }

  /** One round of fan-out and delivery; true when there may be more to do at once. */
  private async round(): Promise<boolean> {
    const queued = await this.fanOut();
    const sent = await this.deliverDue();
    return queued >= FANOUT_BATCH || sent >= DELIVERY_BATCH;
  }

  /** Queues the deliveries of events after each hook's cursor; returns the most events read for a hook. */
  private async fanOut(): Promise<number> {
    // Only hooks with events after their cursor (one index probe each), so idle and finished rounds cost little.
    const ids = (
      await sql<{ hook_id: string }>`
      SELECT h.hook_id FROM api_outbound_hooks h WHERE h.revoked_at IS NULL
        AND EXISTS (SELECT 1 FROM events e WHERE e.game_id = h.game_id AND e.seq > h.cursor_seq)`.execute(this.db)
    ).rows;
    let most = 0;
    for (const { hook_id } of ids) {
      most = Math.max(
        most,
        await this.db.transaction().execute(async (tx) => {
          const hook = await tx
            .selectFrom("api_outbound_hooks")
            .select(["hook_id", "game_id", "player_id", "events", "cursor_seq"])
            .where("hook_id", "=", hook_id)
            .where("revoked_at", "is", null)
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!hook) return 0;
          const cursor = Number(hook.cursor_seq);
          const rows = await tx
            .selectFrom("events")
            .select(["seq", "data"])
            .where("game_id", "=", hook.game_id)
            .where("seq", ">", cursor)
            .orderBy("seq")
            .limit(FANOUT_BATCH)
            .execute();
          if (rows.length === 0) return 0;
          const values = rows.flatMap((r) =>
            deliveriesOf(hook, r.data as EngineEvent).map(([part, type, payload]) => {
              const id = `msg_${hook.hook_id}_${r.seq}_${part}`;
              return {
                delivery_id: id,
                hook_id: hook.hook_id,
                seq: Number(r.seq),
                type,
                payload: JSON.stringify({ id, ...payload }),
              };
            }),
          );
          if (values.length)
            await tx
              .insertInto("api_outbound_deliveries")
              .values(values)
              .onConflict((c) => c.column("delivery_id").doNothing())
              .execute();
          await tx
            .updateTable("api_outbound_hooks")
            .set({ cursor_seq: Number(rows.at(-1)!.seq) })
            .where("hook_id", "=", hook.hook_id)
            .execute();
          return rows.length;
        }),
      );
    }
    return most;
  }

  /** Claims and sends due deliveries; returns how many were claimed. */
  private async deliverDue(): Promise<number> {
    const leaseMs = this.opts.timeoutMs + 5000;
    const claimed = await sql<{ delivery_id: string; hook_id: string; payload: unknown; attempts: number }>`
      UPDATE api_outbound_deliveries d SET attempts = d.attempts + 1, next_at = now() + ${leaseMs} * interval '1 millisecond'
      FROM (SELECT delivery_id FROM api_outbound_deliveries WHERE status = 'pending' AND next_at <= now()
            ORDER BY next_at LIMIT ${DELIVERY_BATCH} FOR UPDATE SKIP LOCKED) c
      WHERE d.delivery_id = c.delivery_id
      RETURNING d.delivery_id, d.hook_id, d.payload, d.attempts`.execute(this.db);
    if (claimed.rows.length === 0) return 0;
    const hookIds = [...new Set(claimed.rows.map((r) => r.hook_id))];
    const hooks = new Map(
      (
        await this.db
          .selectFrom("api_outbound_hooks")
          .select(["hook_id", "url", "secret", "revoked_at"])
          .where("hook_id", "in", hookIds)
          .execute()
      ).map((h) => [h.hook_id, h]),
    );
    await Promise.all(
      claimed.rows.map(async (d) => {
        const hook = hooks.get(d.hook_id);
        if (!hook || hook.revoked_at) return this.finish(d.delivery_id, "failed", null, "the webhook was revoked");
        const outcome = await this.send(hook.url, hook.secret, d.delivery_id, JSON.stringify(d.payload));
        if (outcome.ok) return this.finish(d.delivery_id, "delivered", outcome.status, null);
        if (d.attempts >= this.opts.maxAttempts)
          return this.finish(d.delivery_id, "failed", outcome.status, outcome.error);
        const wait = Math.min(MAX_BACKOFF_MS, this.opts.retryBaseMs * 2 ** (d.attempts - 1));
        await this.db
          .updateTable("api_outbound_deliveries")
          .set({ next_at: new Date(Date.now() + wait), last_status: outcome.status, last_error: outcome.error })
          .where("delivery_id", "=", d.delivery_id)
          .execute();
      }),
    );
    return claimed.rows.length;
  }

  private async finish(
    id: string,
    status: "delivered" | "failed",
    httpStatus: number | null,
    error: string | null,
  ): Promise<void> {
    await this.db
      .updateTable("api_outbound_deliveries")
      .set({
        status,
        last_status: httpStatus,
        last_error: error,
        ...(status === "delivered" ? { delivered_at: new Date() } : {}),
      })
      .where("delivery_id", "=", id)
      .execute();
  }

  /** One POST; ok on a 2xx answer. */
  private async send(
    url: string,
    secret: string,
    id: string,
    body: string,
  ): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const now = new Date();
    try {
      const res = await fetch(url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "marketroom-webhooks/1",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": new Webhook(secret).sign(id, now, body),
        },
      });
      await res.body?.cancel().catch(() => {});
      return res.status >= 200 && res.status < 300
        ? { ok: true, status: res.status, error: null }
        : { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, status: null, error: String((err as Error).message ?? err).slice(0, 200) };
    }
  }
}
