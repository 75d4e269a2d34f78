/**
 * ReplayReader: serves a game's past from its persisted event log (PostgreSQL `events`), never from
 * Valkey, so replaying a round cannot touch any live game's state (the store has no Valkey client).
 *
 * Per game it keeps in memory the contiguous log prefix 1..lastSeq (loaded in pages by seq, parsed and
 * upgraded once as read: replay/log.ts, then extended incrementally as the persister stores more), folded
 * through the core's `evolve` (core/fold.ts GameFold: the same reducer as the live room), and a copy of
 * the fold every `snapshotEvery` events. A query at seq n copies the nearest snapshot at or below n and
 * applies at most snapshotEvery - 1 events, so its cost does not grow with the length of the round. Games
 * are kept in an LRU (`maxGames`); an evicted game is loaded again on its next query.
 *
 * Valuation (equity, P&L, leaderboard) is core/valuation.ts at prices the caller supplies (a `Valuer`:
 * the replay routes build it from the game's settings, scoring/scoring.ts), so replay values a game
 * exactly as the live room and the round end do.
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts in ms since the epoch; seq is the
 * game-wide event sequence number (1 = game_created).
 */
import type { EngineEvent } from "@marketroom/shared";
import type { Kysely } from "kysely";
import { assertNever } from "../core/assert.ts";
import { GameFold } from "../core/fold.ts";
import { orderStatus } from "../core/summary.ts";
import { valueOf, type Prices } from "../core/valuation.ts";
import type { Database } from "../persistence/db.ts";
import { storedEvents } from "./log.ts";
import {
  bookView,
  emptyBook,
  inventoriesView,
  ordersView,
  type BookView,
  type InventoryView,
  type ReplayOrder,
} from "./reads.ts";

/** The prices to value a fold at (marks by the round's rule at the references of its running time, opening references). */
export type Valuer = (fold: GameFold) => Prices;

/** A query names a security the game never has (at any seq). */
export class ReplayError extends Error {
  constructor(
    readonly seq: number,
    message: string,
  ) {
    super(`seq ${seq}: ${message}`);
    this.name = "ReplayError";
  }
}

export interface ReplayReaderOptions {
  /** Events between kept snapshots (default 5000). */
  snapshotEvery?: number;
  /** Rows per PostgreSQL page when loading (default 10,000). */
  pageSize?: number;
  /** Games kept in memory (LRU, default 8). */
  maxGames?: number;
  /** A query without an explicit seq re-reads the log for new events at most this often (ms, default 1000). */
  refreshMs?: number;
}

/** A game's loaded log and snapshots. */
interface GameLog {
  gameId: string;
  /** events[i] has seq i + 1. */
  events: EngineEvent[];
  /** snapshots[k] = fold after seq k × snapshotEvery (snapshots[0] = empty). */
  snapshots: GameFold[];
  /** The fold after the last loaded event (extended as events arrive). */
  head: GameFold;
  checkedAt: number;
  loading?: Promise<void>;
}

/** A page of the log. nextSeq: the seq to ask for next, or null when the page reached lastSeq. */
export interface EventPage {
  gameId: string;
  fromSeq: number;
  lastSeq: number;
  events: EngineEvent[];
  nextSeq: number | null;
}

/** One OHLCV candle of fills. Prices in ticks, volume in lots, notional in minor units. */
export interface Candle {
  /** Bucket start: a seq (bucketEvents) or a time in ms (bucketMs). */
  bucket: number;
  firstSeq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  notional: number;
  trades: number;
}

/** One point of a player's timeline: the inventory after an event that changed it, valued by core/valuation.ts at that event's prices. */
export interface TimelinePoint {
  seq: number;
  ts: number;
  /** What changed it: player_added, fill, order_rested, order_cancelled, order_amended; "start" (at fromSeq), "end" (the value at toSeq). */
  cause: string;
  cash: number;
  cashLocked: number;
  positions: { securityId: number; qty: number; locked: number; openBuy: number }[];
  /** cash + Σ qty × mark × scale, minor units; mark by the round's rule (last trade, else the reference at that time). */
  equity: number;
  /** equity − (startCash + Σ startQty × opening reference × scale), minor units: the leaderboard's P&L at that event. */
  pnl: number;
}

/** A player's order over its life: accepted, fills, and how it ended (so far, at `to`). */
export interface TimelineOrder {
  orderId: number;
  securityId: number;
  side: "buy" | "sell";
  orderType: string;
  tif: string;
  postOnly: boolean;
  clientOrderId?: string;
  price: number;
  qty: number;
  acceptedSeq: number;
  acceptedTs: number;
  filledQty: number;
  notional: number;
  restingQty: number;
  cancelledQty: number;
  status: "new" | "partially_filled" | "filled" | "cancelled" | "expired";
  cancelReason?: string;
  updatedSeq: number;
}

/** A fill the player took part in: role maker or taker, side = the player's side. */
export interface TimelineFill {
  seq: number;
  ts: number;
  securityId: number;
  orderId: number;
  counterpartyOrderId: number;
  role: "maker" | "taker";
  side: "buy" | "sell";
  price: number;
  qty: number;
  notional: number;
}

export interface PlayerTimeline {
  gameId: string;
  playerId: string;
  fromSeq: number;
  toSeq: number;
  orders: TimelineOrder[];
  fills: TimelineFill[];
  points: TimelinePoint[];
}

export class ReplayReader {
  readonly snapshotEvery: number;
  private readonly pageSize: number;
  private readonly maxGames: number;
  private readonly refreshMs: number;
  /** Insertion order = recency (LRU): a hit is deleted and re-set. */
  private readonly games = new Map<string, GameLog>();

  constructor(
    private readonly db: Kysely<Database>,
    opts: ReplayReaderOptions = {},
  ) {
    this.snapshotEvery = Math.max(1, opts.snapshotEvery ?? 5000);
    this.pageSize = Math.max(1, opts.pageSize ?? 10_000);
    this.maxGames = Math.max(1, opts.maxGames ?? 8);
    this.refreshMs = opts.refreshMs ?? 1000;
  }

  /** Drops a game from memory (the next query reloads it). */
  forget(gameId: string): void {
    this.games.delete(gameId);
  }

  /**
   * The game's log loaded at least up to `seq` (or as far as stored, when seq is omitted and the
   * last check is older than refreshMs). Returns null when the game has no stored events.
   */
  private async game(gameId: string, seq?: number): Promise<GameLog | null> {
    let g = this.games.get(gameId);
    if (g) {
      this.games.delete(gameId);
      this.games.set(gameId, g);
    } else {
      g = { gameId, events: [], snapshots: [new GameFold()], head: new GameFold(), checkedAt: 0 };
      this.games.set(gameId, g);
      while (this.games.size > this.maxGames) this.games.delete(this.games.keys().next().value!);
    }
    const stale = seq === undefined ? Date.now() - g.checkedAt >= this.refreshMs : seq > g.events.length;
    if (stale || g.events.length === 0) {
      while (g.loading) await g.loading;
      if (seq === undefined ? Date.now() - g.checkedAt >= this.refreshMs : seq > g.events.length) {
        g.loading = this.extend(g).finally(() => {
          g!.loading = undefined;
        });
        await g.loading;
      }
    }
    if (g.events.length === 0) {
      this.games.delete(gameId);
      return null;
    }
    return g;
  }

  /** Reads events after the loaded prefix, page by page, stopping at the end or at the first gap. */
  private async extend(g: GameLog): Promise<void> {
    for (;;) {
      const after = g.events.length;
      const rows = await storedEvents(this.db, g.gameId, after, this.pageSize);
      let n = 0;
      for (const e of rows) {
        if (e.seq !== g.events.length + 1) break; // a gap: wait until it is persisted
        g.events.push(e);
        g.head.apply(e);
        if (e.seq % this.snapshotEvery === 0) g.snapshots.push(g.head.clone());
        n++;
      }
      if (n < this.pageSize) break;
    }
    g.checkedAt = Date.now();
  }

  /** The fold after `seq` (clamped to [0, lastSeq]); a fresh copy the caller may advance. */
  private stateAt(g: GameLog, seq: number): GameFold {
    const last = g.events.length;
    const s = Math.max(0, Math.min(seq, last));
    if (s === last) return g.head.clone();
    const k = Math.min(Math.floor(s / this.snapshotEvery), g.snapshots.length - 1);
    const fold = g.snapshots[k]!.clone();
    for (let i = fold.seq; i < s; i++) fold.apply(g.events[i]!);
    return fold;
  }

  /** The last stored seq of the game (0 when it has no events), after a refresh. */
  async lastSeq(gameId: string): Promise<number> {
    return (await this.game(gameId))?.events.length ?? 0;
  }

  /**
   * Summary of a game's log: lastSeq, first/last ts (ms), phase at lastSeq, securities and players.
   * Null when no events are stored.
   */
  async summary(gameId: string) {
    const g = await this.game(gameId);
    if (!g) return null;
    const h = g.head;
    const game = h.state.game;
    return {
      gameId,
      lastSeq: g.events.length,
      firstTs: g.events[0]!.ts,
      lastTs: h.ts,
      phase: game?.phase ?? "lobby",
      game: game
        ? {
            name: game.name,
            stp: game.stp,
            maxMatches: game.maxMatches,
            allowShort: game.allowShort,
            protectionBps: game.protectionBps,
            grossLimit: game.grossLimit,
            netLimit: game.netLimit,
            createdAt: game.createdAt,
            mode: game.mode,
          }
        : null,
      snapshotEvery: this.snapshotEvery,
      securities: h.state.securityIds.map((sid) => {
        const st = h.stats.get(sid);
        return { ...h.state.securities.get(sid)!.info, lastPrice: st?.lastPrice ?? 0, volume: st?.volume ?? 0 };
      }),
      players: [...h.state.players.values()].map((p) => ({ playerId: p.playerId, name: p.name })),
    };
  }

  /**
   * Events with seq in [fromSeq, toSeq] (toSeq default lastSeq), at most `limit` (1..10,000, default
   * 1000). Null when the game has no events.
   */
  async events(gameId: string, fromSeq = 1, limit = 1000, toSeq?: number): Promise<EventPage | null> {
    const g = await this.game(gameId);
    if (!g) return null;
    const last = g.events.length;
    const from = Math.max(1, fromSeq);
    const to = Math.min(last, toSeq ?? last);
    const n = Math.max(0, Math.min(Math.max(1, Math.min(10_000, limit)), to - from + 1));
    const events = g.events.slice(from - 1, from - 1 + n);
    const next = from + n;
    return { gameId, fromSeq: from, lastSeq: last, events, nextSeq: next <= to ? next : null };
  }

  /** The fold at `seq` (default: the last stored; a copy). Null when the game has no events. */
  async foldAt(gameId: string, seq?: number): Promise<GameFold | null> {
    const g = await this.game(gameId, seq);
    if (!g) return null;
    return this.stateAt(g, seq ?? g.events.length);
  }

  /**
   * The book of `securityId` after event `seq` (default: the last stored): `depth` levels per side
   * (default all) with every order of those levels in price-time priority. Null when the game has no
   * events; an empty book for a security the game adds after `seq`; throws ReplayError for a security the
   * game never has.
   */
  async bookAt(gameId: string, securityId: number, seq?: number, depth?: number): Promise<BookView | null> {
    const g = await this.game(gameId, seq);
    if (!g) return null;
    const fold = this.stateAt(g, seq ?? g.events.length);
    const book = bookView(fold, securityId, depth);
    if (book) return book;
    if (g.head.state.securities.has(securityId)) return emptyBook(fold, securityId);
    throw new ReplayError(fold.seq, `unknown security ${securityId}`);
  }

  /** Every player's inventory (or one player's) after `seq`, as the engine computes it. Null when no events. */
  async inventoriesAt(
    gameId: string,
    seq?: number,
    playerId?: string,
  ): Promise<{ seq: number; ts: number; inventories: InventoryView[] } | null> {
    const s = await this.foldAt(gameId, seq);
    if (!s) return null;
    return { seq: s.seq, ts: s.ts, inventories: inventoriesView(s, playerId) };
  }

  /** A player's resting orders after `seq` (by security, then order id). Null when no events. */
  async ordersAt(
    gameId: string,
    playerId: string,
    seq?: number,
  ): Promise<{ seq: number; orders: ReplayOrder[] } | null> {
    const s = await this.foldAt(gameId, seq);
    if (!s) return null;
    return { seq: s.seq, orders: ordersView(s, playerId) };
  }

  /**
   * A player's history over seq (fromSeq, toSeq]: the orders they placed in it (with fills and end
   * state as of toSeq), their fills, and a point after each event that changed their inventory, plus
   * one at toSeq, with equity and P&L valued at that event's prices (`valuer`). Null when the game has no events or the
   * player is unknown at toSeq.
   */
  async playerTimeline(
    gameId: string,
    playerId: string,
    valuer: Valuer,
    fromSeq = 0,
    toSeq?: number,
  ): Promise<PlayerTimeline | null> {
    const g = await this.game(gameId, toSeq);
    if (!g) return null;
    const to = Math.min(toSeq ?? g.events.length, g.events.length);
    const from = Math.max(0, Math.min(fromSeq, to));
    const state = this.stateAt(g, from);
    const orders = new Map<string, TimelineOrder>();
    const fills: TimelineFill[] = [];
    const points: TimelinePoint[] = [];
    const point = (cause: string) => {
      const inv = state.state.players.get(playerId);
      const v = valueOf(state, playerId, valuer(state));
      if (!inv || !v) return;
      points.push({
        seq: state.seq,
        ts: state.ts,
        cause,
        cash: inv.cash,
        cashLocked: inv.cashLocked,
        positions: [...inv.positions.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([securityId, p]) => ({ securityId, qty: p.qty, locked: p.locked, openBuy: p.openBuy })),
        equity: v.equity,
        pnl: v.pnl,
      });
    };
    if (state.state.players.has(playerId)) point("start");
    for (let i = from; i < to; i++) {
      const e = g.events[i]!;
      state.apply(e);
      switch (e.type) {
        case "player_added":
          if (e.playerId === playerId) point("player_added");
          break;
        case "order_accepted":
          if (e.playerId === playerId) {
            orders.set(`${e.securityId}:${e.orderId}`, {
              orderId: e.orderId,
              securityId: e.securityId,
              side: e.side,
              orderType: e.orderType,
              tif: e.tif,
              postOnly: e.postOnly,
              ...(e.clientOrderId !== undefined ? { clientOrderId: e.clientOrderId } : {}),
              price: e.price,
              qty: e.qty,
              acceptedSeq: e.seq,
              acceptedTs: e.ts,
              filledQty: 0,
              notional: 0,
              restingQty: 0,
              cancelledQty: 0,
              status: "new",
              updatedSeq: e.seq,
            });
          }
          break;
        case "fill": {
          const mine = e.makerPlayerId === playerId || e.takerPlayerId === playerId;
          if (!mine) break;
          const scale = state.state.securities.get(e.securityId)!.info.scale;
          for (const role of ["maker", "taker"] as const) {
            if ((role === "maker" ? e.makerPlayerId : e.takerPlayerId) !== playerId) continue;
            const oid = role === "maker" ? e.makerOrderId : e.takerOrderId;
            const side = role === "taker" ? e.aggressor : e.aggressor === "buy" ? "sell" : "buy";
            fills.push({
              seq: e.seq,
              ts: e.ts,
              securityId: e.securityId,
              orderId: oid,
              counterpartyOrderId: role === "maker" ? e.takerOrderId : e.makerOrderId,
              role,
              side,
              price: e.price,
              qty: e.qty,
              notional: e.price * e.qty * scale,
            });
            const o = orders.get(`${e.securityId}:${oid}`);
            if (o) {
              o.filledQty += e.qty;
              o.notional += e.price * e.qty * scale;
              o.updatedSeq = e.seq;
              if (role === "maker") o.restingQty = e.makerRemaining;
              else if (o.restingQty > 0) o.restingQty = e.takerRemaining; // a call's taker rests too (docs/markets.md)
              o.status = o.filledQty === o.qty ? "filled" : "partially_filled";
            }
          }
          point("fill");
          break;
        }
        case "order_rested":
          if (e.playerId === playerId) {
            const o = orders.get(`${e.securityId}:${e.orderId}`);
            if (o) {
              o.restingQty = e.qty;
              o.status = orderStatus(o.qty, o.filledQty, o.restingQty, "");
              o.updatedSeq = e.seq;
            }
            point("order_rested");
          }
          break;
        case "order_cancelled":
          if (e.playerId === playerId) {
            const o = orders.get(`${e.securityId}:${e.orderId}`);
            if (o) {
              o.restingQty = 0;
              o.cancelledQty += e.qty;
              o.cancelReason = e.reason;
              o.updatedSeq = e.seq;
              o.status = orderStatus(o.qty, o.filledQty, 0, e.reason);
            }
            point("order_cancelled");
          }
          break;
        case "order_amended":
          if (e.playerId === playerId) {
            const o = orders.get(`${e.securityId}:${e.orderId}`);
            if (o) {
              o.cancelledQty += e.oldQty - e.qty;
              o.restingQty = e.qty;
              o.updatedSeq = e.seq;
            }
            point("order_amended");
          }
          break;
        case "dividend":
          if (e.payments.some((p) => p.playerId === playerId)) point("dividend");
          break;
        case "game_created":
        case "security_added":
        case "phase_changed":
        case "admin_action":
        case "news":
        case "signal":
        case "auction":
        case "trading_mode":
        case "reference_price":
          break;
        case "stop_accepted":
        case "stop_armed":
        case "stop_triggered":
        case "stop_cancelled":
        case "margin_call":
        case "liquidation_order":
        case "fund_transfer":
        case "cfd_fill":
        case "cfd_leverage":
          if (e.playerId === playerId) point(e.type);
          break;
        default:
          assertNever(e);
      }
    }
    if (!state.state.players.has(playerId)) return null;
    // the prices move with other players' trades and the round's end: the chart ends at the value at `to`
    if ((points.at(-1)?.seq ?? -1) < state.seq) point("end");
    return { gameId, playerId, fromSeq: from, toSeq: to, orders: [...orders.values()], fills, points };
  }

  /**
   * OHLCV candles of `securityId`'s fills with seq in [fromSeq, toSeq]: one per `bucketEvents` seqs
   * (bucket = first seq of the bucket) or, when `bucketMs` is given, per time bucket (bucket =
   * floor(ts / bucketMs) × bucketMs). Buckets without fills are omitted. Null when no events.
   */
  async priceSeries(
    gameId: string,
    securityId: number,
    opts: { bucketEvents?: number; bucketMs?: number; fromSeq?: number; toSeq?: number } = {},
  ): Promise<{ gameId: string; securityId: number; candles: Candle[] } | null> {
    const g = await this.game(gameId, opts.toSeq);
    if (!g) return null;
    const byTime = opts.bucketMs !== undefined && opts.bucketMs > 0;
    const width = Math.max(1, byTime ? opts.bucketMs! : (opts.bucketEvents ?? 1000));
    const from = Math.max(1, opts.fromSeq ?? 1);
    const to = Math.min(g.events.length, opts.toSeq ?? g.events.length);
    const scale = g.head.state.securities.get(securityId)?.info.scale ?? 1;
    const candles: Candle[] = [];
    let c: Candle | undefined;
    for (let i = from - 1; i < to; i++) {
      const e = g.events[i]!;
      if (e.type !== "fill" || e.securityId !== securityId) continue;
      const bucket = byTime ? Math.floor(e.ts / width) * width : Math.floor((e.seq - 1) / width) * width + 1;
      if (!c || c.bucket !== bucket) {
        c = {
          bucket,
          firstSeq: e.seq,
          lastSeq: e.seq,
          firstTs: e.ts,
          lastTs: e.ts,
          open: e.price,
          high: e.price,
          low: e.price,
          close: e.price,
          volume: 0,
          notional: 0,
          trades: 0,
        };
        candles.push(c);
      }
      c.lastSeq = e.seq;
      c.lastTs = e.ts;
      c.close = e.price;
      if (e.price > c.high) c.high = e.price;
      if (e.price < c.low) c.low = e.price;
      c.volume += e.qty;
      c.notional += e.price * e.qty * scale;
      c.trades++;
    }
    return { gameId, securityId, candles };
  }
}
