/**
 * The projection of a game's event log onto the derived tables (games, securities, players,
 * inventories 'start', orders, fills), run by the persister inside its batch transaction.
 *
 * Exactly once, in order: event_projection.applied_seq says how far a game's derived rows go. A batch
 * locks that row (FOR UPDATE), applies the events that continue it without a gap (from the batch, then
 * any later ones already in `events`, written by another consumer that found a gap), and advances it in
 * the same transaction. So a redelivered event is never applied twice, and when several persisters
 * split one stream, whoever fills a gap applies what waited behind it.
 *
 * Events arrive parsed and upgraded (shared parseEvent: the persister parses stream entries, this module
 * the stored ones it reads back), so old logs without fees or limits need no special case here. The rows
 * are an order-lifecycle record (accepted, filled, rested, cancelled), not game state: the status of an
 * order is the core's rule (core/summary.ts orderStatus), and books, cash and holdings are folded by the
 * core's evolve only (core/fold.ts; replay and the export read them from there).
 *
 * Units: ticks, lots, minor units, ms (see sql/001_init.sql; fees and limit rules: sql/002_fees.sql).
 */
import { sql, type Kysely } from "kysely";
import { parseEvent, type EngineEvent, type EventOf } from "@marketroom/shared";
import { assertNever } from "../core/assert.ts";
import { orderStatus } from "../core/summary.ts";
import type { Database, NewOrder, OrderRow } from "./db.ts";
import { createLogger } from "../config.ts";
import { bulkUpdateSql } from "./bulk.ts";
import { ORDER_CHANGES, ORDER_COLUMN_NAMES, ORDER_KEY } from "./columns.ts";
import { copyLine } from "./copy.ts";

const log = createLogger().child({ src: "projection" });

/** The batch transaction's connection (batch-write.ts opens the transaction on it). */
type Trx = Kysely<Database>;

/** Cash minor units per (tick x lot), by game then security; filled lazily, never invalidated (immutable). */
export type ScaleCache = Map<string, Map<number, number>>;

/** Events read back from the `events` table per query when catching up behind a gap. */
const TAIL_PAGE = 2000;

/** The result of projecting one game: its watermark after the transaction. */
export interface Projected {
  gameId: string;
  appliedSeq: number;
  appliedTs: number;
  /** Events applied by this call; `fromStore` of them were read back from `events` (stored behind a gap). */
  applied: number;
  fromStore: number;
}

/** A game's watermark as locked for this transaction: every event up to appliedSeq is derived. */
export interface Watermark {
  appliedSeq: number;
  appliedTs: number;
}

/**
 * What a game's projection leaves to the end of the batch transaction (batch-write.ts writes it for all
 * games at once, in foreign-key order): new orders and fills as COPY text lines, updates of the changed
 * orders as statement texts, and the watermark to set (absent when nothing was applied).
 */
export interface PendingRows {
  orderLines: string;
  fillLines: string;
  orderUpdates: string[];
  watermark?: Watermark;
}

/** Order rows read ahead for a game (batch-write.ts): every key looked up (orderKey), and the rows found by key. */
export interface Prefetched {
  keys: Set<string>;
  rows: Map<string, OrderRow>;
}

/**
 * Applies the events of `batch` (one game, any order, duplicates allowed) that continue the game's
 * watermark `start` (locked by the caller in this transaction), plus the stored events that follow them.
 * `storedAbove` holds the seqs above the watermark already in `events` before this batch (at least up to
 * the run's end + 1: batch-write.ts reads them); only when the run's next seq is among them are stored
 * events read back. Writes the game, security and player rows at once; returns the rest as PendingRows.
 */
export async function projectGame(
  trx: Trx,
  gameId: string,
  batch: EngineEvent[],
  scales: ScaleCache,
  start: Watermark,
  storedAbove: Set<number>,
  prefetched: Prefetched,
): Promise<{ projected: Projected; pending: PendingRows }> {
  const run = contiguousRun(batch, start.appliedSeq);
  const fromBatch = run.length;
  if (readsStoredTail(batch, start, storedAbove)) await appendStoredTail(trx, gameId, run, start.appliedSeq);
  const none = { orderLines: "", fillLines: "", orderUpdates: [] };
  if (run.length === 0) return { projected: { gameId, ...start, applied: 0, fromStore: 0 }, pending: none };
  const rows = await new GameProjection(trx, gameId, scales).apply(run, prefetched);
  const last = run[run.length - 1]!;
  return {
    projected: {
      gameId,
      appliedSeq: last.seq,
      appliedTs: last.ts,
      applied: run.length,
      fromStore: run.length - fromBatch,
    },
    pending: { ...rows, watermark: { appliedSeq: last.seq, appliedTs: last.ts } },
  };
}

/**
 * Whether projectGame reads stored events back for this batch: when the seq after the batch's contiguous
 * run from the watermark is already in `events` (`storedAbove`, from before the batch; the seq is not in
 * the batch, since the run would continue through it).
 */
export function readsStoredTail(batch: EngineEvent[], start: Watermark, storedAbove: Set<number>): boolean {
  const seqs = new Set(batch.map((e) => e.seq));
  let next = start.appliedSeq + 1;
  while (seqs.has(next)) next++;
  return storedAbove.has(next);
}

/** The orders (security id, order id) that events of `batch` change without creating them: what a projection may load. */
export function touchedOrders(batch: EngineEvent[]): [securityId: number, orderId: number][] {
  const out: [number, number][] = [];
  for (const e of batch) {
    if (e.type === "fill") out.push([e.securityId, e.makerOrderId], [e.securityId, e.takerOrderId]);
    else if (
      e.type === "order_rested" ||
      e.type === "order_cancelled" ||
      e.type === "order_amended" ||
      e.type === "cfd_fill"
    )
      out.push([e.securityId, e.orderId]);
  }
  return out;
}

/** The events of `batch` with seq = after+1, after+2, ... up to the first gap, in order. */
function contiguousRun(batch: EngineEvent[], after: number): EngineEvent[] {
  const bySeq = new Map(batch.map((e) => [e.seq, e]));
  const run: EngineEvent[] = [];
  for (let s = after + 1; bySeq.has(s); s++) run.push(bySeq.get(s)!);
  return run;
}

/** Appends to `run` the stored events that continue it without a gap (written earlier behind a gap). */
async function appendStoredTail(trx: Trx, gameId: string, run: EngineEvent[], after: number): Promise<void> {
  for (;;) {
    const from = run.length ? run[run.length - 1]!.seq : after;
    const rows = await trx
      .selectFrom("events")
      .select("data")
      .where("game_id", "=", gameId)
      .where("seq", ">", from)
      .orderBy("seq")
      .limit(TAIL_PAGE)
      .execute();
    let next = from + 1;
    for (const r of rows) {
      const e = parseEvent(r.data);
      if (e.seq !== next) return;
      run.push(e);
      next++;
    }
    if (rows.length < TAIL_PAGE) return;
  }
}

/** The key of an order within its game, for maps of orders. */
export const orderKey = (securityId: number, orderId: number) => `${securityId}:${orderId}`;

/** Derived rows of one contiguous run of a game's events, built in memory and written in a few statements. */
class GameProjection {
  private game?: NewGame;
  private gamePatch: {
    phase?: EventOf<"phase_changed">["to"];
    phase_seq?: number;
    started_ts?: number;
    ended_ts?: number;
  } = {};
  private securities: EventOf<"security_added">[] = [];
  private players: EventOf<"player_added">[] = [];
  private orders = new Map<string, NewOrder>();
  /** Keys of the orders the run accepted (the others in `orders` were loaded). */
  private created = new Set<string>();
  private fills: EventOf<"fill">[] = [];

  constructor(
    private trx: Trx,
    private gameId: string,
    private scales: ScaleCache,
  ) {}

  /**
   * Applies `run` (contiguous, in seq order), writes the game, security and player rows, and returns the
   * order and fill rows for the end of the transaction.
   */
  async apply(run: EngineEvent[], prefetched: Prefetched): Promise<Omit<PendingRows, "watermark">> {
    await this.loadOrders(run, prefetched);
    if (run.some((e) => e.type === "fill" || e.type === "cfd_fill")) await this.loadScales();
    for (const e of run) this.applyEvent(e);
    await this.write();
    return { ...this.orderRows(), fillLines: this.fillLines() };
  }

  private scaleOf(securityId: number): number {
    const s = this.scales.get(this.gameId)?.get(securityId);
    if (s === undefined) throw new Error(`game ${this.gameId}: no scale for security ${securityId}`);
    return s;
  }

  /**
   * Loads the existing orders the run touches but did not create: from `prefetched` (read ahead for the
   * batch), the others (touched by events read back from the store) by one query.
   */
  private async loadOrders(run: EngineEvent[], prefetched: Prefetched): Promise<void> {
    const created = new Set<string>();
    for (const e of run) if (e.type === "order_accepted") created.add(orderKey(e.securityId, e.orderId));
    const wanted = new Map<string, [number, number]>();
    for (const [s, o] of touchedOrders(run)) {
      const k = orderKey(s, o);
      if (created.has(k) || this.orders.has(k)) continue;
      if (!prefetched.keys.has(k)) wanted.set(k, [s, o]);
      else if (prefetched.rows.has(k)) this.orders.set(k, prefetched.rows.get(k)!); // read for this batch alone
    }
    if (wanted.size === 0) return;
    const secs = [...wanted.values()].map((w) => w[0]);
    const ids = [...wanted.values()].map((w) => w[1]);
    const rows = await this.trx
      .selectFrom("orders")
      .selectAll()
      .where("game_id", "=", this.gameId)
      .where(sql<boolean>`(security_id, order_id) IN (SELECT * FROM unnest(${secs}::int[], ${ids}::bigint[]))`)
      .execute();
    for (const r of rows) this.orders.set(orderKey(r.security_id, r.order_id), r);
  }

  /** Fills the scale cache for this game from `securities` (the run's own security_added add to it). */
  private async loadScales(): Promise<void> {
    if (this.scales.has(this.gameId)) return;
    const rows = await this.trx
      .selectFrom("securities")
      .select(["security_id", "scale"])
      .where("game_id", "=", this.gameId)
      .execute();
    this.scales.set(this.gameId, new Map(rows.map((r) => [r.security_id, r.scale])));
  }

  private applyEvent(e: EngineEvent): void {
    switch (e.type) {
      case "game_created":
        this.game = {
          name: e.name,
          seq: e.seq,
          ts: e.ts,
          config: {
            stp: e.stp,
            maxMatches: e.maxMatches,
            allowShort: e.allowShort,
            protectionBps: e.protectionBps,
            grossLimit: e.grossLimit,
            netLimit: e.netLimit,
          },
        };
        return;
      case "phase_changed":
        return this.phase(e);
      case "security_added":
        this.securities.push(e);
        if (!this.scales.has(this.gameId)) this.scales.set(this.gameId, new Map());
        this.scales.get(this.gameId)!.set(e.securityId, e.scale);
        return;
      case "player_added":
        this.players.push(e);
        return;
      case "order_accepted":
        this.accepted(e);
        return;
      case "fill":
        return this.fill(e);
      case "cfd_fill":
        // the house is the counterparty: the order row only (the event stays in `events`; no fills row)
        return this.update(e, (o) => {
          o.filled_qty += e.qty;
          o.notional = (o.notional ?? 0) + e.price * e.qty * this.scaleOf(e.securityId);
          o.resting_qty = 0;
          o.status = "filled";
        });
      case "order_rested":
        return this.update(e, (o) => {
          o.resting_qty = e.qty;
          o.status = orderStatus(o.qty, o.filled_qty, e.qty, "");
        });
      case "order_cancelled":
        return this.update(e, (o) => {
          o.resting_qty = 0;
          o.cancelled_qty = (o.cancelled_qty ?? 0) + e.qty;
          o.status = orderStatus(o.qty, o.filled_qty, 0, e.reason);
          o.cancel_reason = e.reason;
        });
      case "order_amended":
        return this.update(e, (o) => {
          o.resting_qty = e.qty;
          o.cancelled_qty = (o.cancelled_qty ?? 0) + (e.oldQty - e.qty); // a reduction cancels that much
        });
      case "admin_action":
      case "news":
      case "signal":
      case "auction":
      case "trading_mode":
      case "dividend":
      case "stop_accepted":
      case "stop_armed":
      case "stop_triggered":
      case "stop_cancelled":
      case "reference_price":
      case "margin_call":
      case "liquidation_order":
      case "fund_transfer":
      case "cfd_leverage":
        return; // kept in `events` only (a call's trades are fill events)
      default:
        assertNever(e);
    }
  }

  private phase(e: EventOf<"phase_changed">): void {
    this.gamePatch.phase = e.to;
    this.gamePatch.phase_seq = e.seq;
    if (e.to === "running" && e.from === "lobby") this.gamePatch.started_ts = e.ts;
    if (e.to === "ended") this.gamePatch.ended_ts = e.ts;
  }

  private accepted(e: EventOf<"order_accepted">): void {
    this.created.add(orderKey(e.securityId, e.orderId));
    this.orders.set(orderKey(e.securityId, e.orderId), {
      game_id: this.gameId,
      security_id: e.securityId,
      order_id: e.orderId,
      player_id: e.playerId,
      client_order_id: e.clientOrderId || null,
      side: e.side,
      order_type: e.orderType,
      tif: e.tif,
      post_only: e.postOnly,
      price: e.price,
      qty: e.qty,
      filled_qty: 0,
      resting_qty: 0,
      cancelled_qty: 0,
      notional: 0,
      status: "new",
      cancel_reason: null,
      accepted_seq: e.seq,
      accepted_ts: e.ts,
      updated_seq: e.seq,
      updated_ts: e.ts,
    });
  }

  private fill(e: EventOf<"fill">): void {
    this.fills.push(e);
    const notional = e.price * e.qty * this.scaleOf(e.securityId);
    this.fillSide(e, e.makerOrderId, e.makerRemaining, notional, true);
    this.fillSide(e, e.takerOrderId, e.takerRemaining, notional, false);
  }

  /** One side of a fill on its order row (called twice per fill: no closure or copy of the event per call). */
  private fillSide(e: EventOf<"fill">, orderId: number, remaining: number, notional: number, maker: boolean): void {
    const o = this.found(e, orderId);
    if (!o) return;
    o.filled_qty += e.qty;
    o.notional = (o.notional ?? 0) + notional;
    // the taker is not in the book yet (order_rested says if it rests), except in a call (docs/markets.md)
    if (maker || o.resting_qty > 0) o.resting_qty = remaining;
    o.status = remaining === 0 ? "filled" : "partially_filled";
    o.updated_seq = e.seq;
    o.updated_ts = e.ts;
  }

  /** Mutates a loaded or newly accepted order; a missing one is reported and skipped (the event is kept in `events`). */
  private update(
    e: { seq: number; ts: number; securityId: number; orderId: number },
    change: (o: NewOrder & { filled_qty: number }) => void,
  ): void {
    const o = this.found(e, e.orderId);
    if (!o) return;
    change(o);
    o.updated_seq = e.seq;
    o.updated_ts = e.ts;
  }

  /** The order row `orderId` of `e`'s security, or undefined (reported: the event refers to an order never accepted). */
  private found(
    e: { seq: number; securityId: number },
    orderId: number,
  ): (NewOrder & { filled_qty: number }) | undefined {
    const o = this.orders.get(orderKey(e.securityId, orderId));
    if (!o)
      log.error(
        { gameId: this.gameId, seq: e.seq, securityId: e.securityId, orderId },
        "unknown order; derived row skipped",
      );
    return o as (NewOrder & { filled_qty: number }) | undefined;
  }

  /** Writes in foreign-key order: game, securities, players (+ start inventories); orders and fills follow later. */
  private async write(): Promise<void> {
    if (this.game) await insertGame(this.trx, { ...this.game, id: this.gameId });
    if (Object.keys(this.gamePatch).length) await this.patchGame();
    await this.writeSecurities();
    await this.writePlayers();
  }

  private async patchGame(): Promise<void> {
    const { started_ts, ...rest } = this.gamePatch;
    await this.trx
      .updateTable("games")
      .set({
        ...rest,
        // The first start counts; a resume after a pause does not move it.
        ...(started_ts !== undefined ? { started_ts: sql<number>`coalesce(started_ts, ${started_ts}::bigint)` } : {}),
      })
      .where("id", "=", this.gameId)
      .execute();
  }

  private async writeSecurities(): Promise<void> {
    if (!this.securities.length) return;
    await this.trx
      .insertInto("securities")
      .values(
        this.securities.map((e) => ({
          game_id: this.gameId,
          security_id: e.securityId,
          symbol: e.symbol,
          tick_size: e.tickSize,
          lot_size: e.lotSize,
          scale: e.scale,
          band_low: e.bandLow,
          band_high: e.bandHigh,
          short_limit: e.shortLimit,
          position_limit: e.positionLimit,
          max_order_qty: e.maxOrderQty,
          added_seq: e.seq,
          added_ts: e.ts,
          taker_fee: e.takerFee,
          maker_rebate: e.makerRebate,
          limit_weight: e.limitWeight,
        })),
      )
      .onConflict((oc) => oc.columns(["game_id", "security_id"]).doNothing())
      .execute();
  }

  private async writePlayers(): Promise<void> {
    if (!this.players.length) return;
    await this.trx
      .insertInto("players")
      .values(
        this.players.map((e) => ({
          game_id: this.gameId,
          player_id: e.playerId,
          name: e.name,
          starting_cash: e.cash,
          added_seq: e.seq,
          added_ts: e.ts,
        })),
      )
      .onConflict((oc) => oc.columns(["game_id", "player_id"]).doNothing())
      .execute();
    const start = this.players
      .flatMap((e) => [
        { security_id: 0, qty: e.cash, e },
        ...e.holdings.map((h) => ({ security_id: h.securityId, qty: h.qty, e })),
      ])
      .map(({ security_id, qty, e }) => ({
        game_id: this.gameId,
        player_id: e.playerId,
        kind: "start" as const,
        security_id,
        qty,
        as_of_seq: e.seq,
      }));
    await this.trx
      .insertInto("inventories")
      .values(start)
      .onConflict((oc) => oc.columns(["game_id", "player_id", "kind", "security_id"]).doNothing())
      .execute();
  }

  /**
   * Orders the run created, as COPY lines: the watermark says no row of theirs exists yet. Loaded orders
   * the run changed, as one UPDATE: they were read from `orders` in this transaction, so their rows exist.
   */
  private orderRows(): Pick<PendingRows, "orderLines" | "orderUpdates"> {
    const created: NewOrder[] = [];
    const changed: NewOrder[] = [];
    for (const [key, o] of this.orders) (this.created.has(key) ? created : changed).push(o);
    return {
      orderLines: created.map((o) => rowLine(o, ORDER_COLUMN_NAMES)).join(""),
      // only the columns the UPDATE reads (json_to_recordset would skip the others, after parsing them)
      orderUpdates: bulkUpdateSql("orders", ORDER_KEY, ORDER_CHANGES, changed.map(updateRow)),
    };
  }

  /** The run's fills, as COPY lines: each is a new event past the watermark, so no row of it exists yet. */
  private fillLines(): string {
    let text = "";
    // values in the order of FILL_COLUMN_NAMES (columns.ts)
    for (const e of this.fills)
      text += copyLine([
        this.gameId,
        e.seq,
        e.securityId,
        e.price,
        e.qty,
        e.price * e.qty * this.scaleOf(e.securityId),
        e.aggressor,
        e.makerOrderId,
        e.takerOrderId,
        e.makerPlayerId,
        e.takerPlayerId,
        e.makerRemaining,
        e.takerRemaining,
        e.ts,
        e.takerFee,
        e.makerRebate,
      ]);
    return text;
  }
}

/** The columns an order's UPDATE reads (ORDER_KEY, ORDER_CHANGES). */
const UPDATE_COLUMNS = [...ORDER_KEY, ...ORDER_CHANGES].map(([n]) => n);

/** An order row cut to UPDATE_COLUMNS: what its UPDATE reads. */
function updateRow(o: NewOrder): Record<string, unknown> {
  const r = o as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const c of UPDATE_COLUMNS) out[c] = r[c];
  return out;
}

/** A row object as one line of COPY text, its values in the order of `columns`. */
function rowLine(row: object, columns: readonly string[]): string {
  const r = row as Record<string, string | number | boolean | null | undefined>;
  return copyLine(columns.map((c) => r[c]));
}

interface NewGame {
  name: string;
  seq: number;
  ts: number;
  config: object;
}

/** Inserts the game row; a row created ahead by the game service gets the engine's values. */
async function insertGame(trx: Trx, g: NewGame & { id: string }): Promise<void> {
  await trx
    .insertInto("games")
    .values({
      id: g.id,
      name: g.name,
      config: JSON.stringify(g.config),
      created_seq: g.seq,
      created_ts: g.ts,
    })
    .onConflict((oc) =>
      oc.column("id").doUpdateSet((eb) => ({
        name: eb.ref("excluded.name"),
        config: eb.ref("excluded.config"),
        created_seq: eb.ref("excluded.created_seq"),
        created_ts: eb.ref("excluded.created_ts"),
      })),
    )
    .execute();
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
