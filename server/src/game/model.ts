/**
 * GameModel: a game's live market view, the room's CoreState advanced by the core's `evolve` with every
 * committed event (core/fold.ts GameFold), plus what only the room knows beside the log: the current
 * reference prices (scenario path, news), which players are bots, signal groups and seat takeovers, and
 * the round's mark and rank rules. Built from a snapshot (the game's log folded from seq 1, see
 * GameService.snapshot) and then advanced event by event, strictly in seq order, it IS a replay of the
 * log: there is no second reducer here.
 *
 * Plain data, no Colyseus: the room mirrors it into its schema state (rooms/mirror.ts) using the
 * `dirty` sets, and the service ranks players with it (leaderboard()).
 *
 * Valuation (core/valuation.ts, scoring/scoring.ts): with the mark rule "last_trade" (default, the live
 * room) a security is valued at its last trade price, before any trade at its current reference price
 * (refPrices); with "reference" always at the reference (the round end sets the closing references first,
 * scoring/scoring.ts scoreAtEnd); with "core" (margin rounds) at the core's mark, live and at the end.
 * P&L is measured from the opening references (the game's refPrice).
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts in ms.
 */
import { keepMarginCall, type MarginCallRec } from "./margin-calls.ts";
import { keepStopTrigger, type StopTriggerRec } from "./stop-triggers.ts";
import {
  NEWS_KEPT,
  SIGNALS_KEPT,
  type EngineEvent,
  type EventOf,
  type LeaderboardRow,
  type PrivateOrder,
} from "@marketroom/shared";
import { assertNever } from "../core/assert.ts";
import { FoldError, GameFold, type FoldExtrasData } from "../core/fold.ts";
import type { CoreState, PlayerState, SecurityState } from "../core/state.ts";
import { marksOf, type MarkRule, type Prices } from "../core/valuation.ts";
import { shiftReference } from "../scoring/references.ts";
import { DEFAULT_RANK_RULE, type RankRule } from "../scoring/ranking.ts";
import { standingsOf } from "../scoring/scoring.ts";

export type { MarkRule };

/** A resting order as the room shows it (shared PrivateOrder, with its owner); `clientOrderId` "" when none. */
export interface OrderModel extends PrivateOrder {
  playerId: string;
}

/** A headline (news event): shifts in bps from round running time atMs on. */
export interface NewsRec {
  seq: number;
  ts: number;
  atMs: number;
  headline: string;
  shifts: { securityId: number; bps: number }[];
}
/** A private signal as one recipient sees it. */
export interface SignalRec {
  seq: number;
  ts: number;
  group: string;
  text: string;
  securityId: number;
  value: number;
}

/** What a player started with and whether it is a bot (kept by the game service). */
export interface PlayerMeta {
  name: string;
  bot: boolean;
  startCash: number;
  startHoldings: { securityId: number; qty: number }[];
}

/** Market-driver state at a snapshot's seq: news and signals of the log, groups and seats taken over. */
export interface DriverSnapshot {
  news: EventOf<"news">[];
  signals: EventOf<"signal">[];
  groups: Map<string, string>;
  takeovers: Map<string, string>;
}

/**
 * What a model holds beside its core state, as plain data at `fold.seq` (a checkpoint, written by the
 * room and read by GameReads.snapshot): the fold's extras and the room's margin calls, groups and takeovers.
 */
export interface ModelCheckpointData {
  fold: FoldExtrasData;
  marginCalls: [string, MarginCallRec[]][];
  stopTriggers: [string, StopTriggerRec[]][];
  groups: [string, string][];
  takeovers: [string, string][];
}

/** A consistent view of a game at `seq`: its log and the settings the log does not carry. */
export interface GameSnapshot {
  seq: number;
  /**
   * The game's events 1..seq, parsed (shared parseEvent), in seq order; with `base`, only the events
   * after base.checkpoint.fold.seq up to seq.
   */
  events: EngineEvent[];
  /**
   * A start other than seq 1: the core state at `seq` (a copy of the writer's committed state) and a
   * checkpoint of the extras at an earlier seq; the model then folds only the tail's extras.
   */
  base?: { state: CoreState; checkpoint: ModelCheckpointData };
  /** Opening reference by security (the game's refPrice), ticks. */
  openRefs: Map<number, number>;
  /** Current reference by security, ticks (the scenario path and news at the snapshot's time). */
  refPrices: Map<number, number>;
  /** Players that are bots (kept by the game service). */
  bots: Set<string>;
  /** Signal groups and seats taken over (market drivers), when the service has them. */
  drivers?: Pick<DriverSnapshot, "groups" | "takeovers">;
}

/** What changed since the last `dirty.clear()`. */
class Dirty {
  readonly books = new Set<number>();
  readonly securities = new Set<number>();
  readonly players = new Set<string>();
  game = false;
  valuation = false;
  news = false;
  /** Everything (after a rebuild). */
  all = false;
  clear(): void {
    this.books.clear();
    this.securities.clear();
    this.players.clear();
    this.game = this.valuation = this.news = this.all = false;
  }
}

/**
 * Whether a model can resume from a checkpoint over this tail: not when a stop triggered (or was
 * refused) in it, because the notice reads the waiting stop just before the event removed it
 * (stop-triggers.ts), and the state a resume starts from is already past it. GameReads.snapshot then
 * folds the log from seq 1.
 */
export function resumable(tail: readonly EngineEvent[]): boolean {
  return !tail.some((e) => e.type === "stop_triggered" || (e.type === "stop_cancelled" && e.reason === "rejected"));
}

const orderKey = (securityId: number, orderId: number) => `${securityId}:${orderId}`;

export class GameModel {
  readonly fold: GameFold;
  /** Current reference by security, ticks (0 = none). */
  readonly refPrices = new Map<number, number>();
  /** Opening reference by security, ticks (0 = none). */
  readonly openRefs = new Map<number, number>();
  readonly bots = new Set<string>();
  /** Signal group and takeover kind by player ("" or absent = none). */
  readonly groups = new Map<string, string>();
  readonly takeovers = new Map<string, string>();
  /** Last SIGNALS_KEPT private signals per player, oldest first. */
  readonly signals = new Map<string, SignalRec[]>();
  /** Last NEWS_KEPT headlines, oldest first. */
  readonly news: NewsRec[] = [];
  /** Last MARGIN_CALLS_KEPT margin calls per player, oldest first (docs/margin.md "Protocol"). */
  readonly marginCalls = new Map<string, MarginCallRec[]>();
  /** Last STOP_TRIGGERS_KEPT stop triggers per player, oldest first. */
  readonly stopTriggers = new Map<string, StopTriggerRec[]>();
  readonly dirty = new Dirty();
  /** Set when an event does not fit the state (the room then rebuilds from a snapshot). */
  broken: string | null = null;
  /** Valuation rule (see the header); the live room keeps "last_trade". */
  markRule: MarkRule = "last_trade";
  /** Ranking rule (scoring/ranking.ts); the room and the round end set the round's. */
  rankRule: RankRule = DEFAULT_RANK_RULE;
  /** News shift the references while live; not while a snapshot's log is folded (its refPrices already hold them). */
  private live = true;

  constructor(
    readonly gameId: string,
    fold: GameFold = new GameFold(),
  ) {
    this.fold = fold;
  }

  /**
   * A model equal to the game at `snap.seq`: the log folded from seq 1, or with `snap.base` its state and
   * checkpoint plus the tail (same result; GameFold.resume). Throws FoldError when a base does not fit.
   */
  static fromSnapshot(gameId: string, snap: GameSnapshot): GameModel {
    const base = snap.base;
    if (base && !resumable(snap.events))
      throw new FoldError(base.checkpoint.fold.seq, "a stop triggered after the checkpoint: fold from seq 1");
    const m = new GameModel(gameId, base ? GameFold.resume(base.state, base.checkpoint.fold, snap.events) : undefined);
    m.live = false;
    if (base) m.resumeExtras(base.checkpoint, snap.events);
    else for (const e of snap.events) if (e.seq <= snap.seq) m.apply(e);
    m.live = true;
    for (const [sid, ref] of snap.openRefs) m.openRefs.set(sid, ref);
    for (const [sid, ref] of snap.refPrices) m.refPrices.set(sid, ref);
    for (const pid of snap.bots) m.bots.add(pid);
    for (const [pid, g] of snap.drivers?.groups ?? []) m.groups.set(pid, g);
    for (const [pid, k] of snap.drivers?.takeovers ?? []) m.takeovers.set(pid, k);
    m.dirty.all = true;
    return m;
  }

  get seq(): number {
    return this.fold.seq;
  }

  /** The model's checkpoint at its seq (see ModelCheckpointData). */
  checkpointData(): ModelCheckpointData {
    return {
      fold: this.fold.extrasData(),
      marginCalls: [...this.marginCalls].map(([pid, list]) => [pid, list.map((c) => ({ ...c }))]),
      stopTriggers: [...this.stopTriggers].map(([pid, list]) => [pid, list.map((t) => ({ ...t }))]),
      groups: [...this.groups],
      takeovers: [...this.takeovers],
    };
  }

  /**
   * The room's extras of a resumed fold: the checkpoint's, then news and signals from the core state
   * (which keeps every one), then the tail's other events as `apply` would have kept them.
   */
  private resumeExtras(cp: ModelCheckpointData, tail: readonly EngineEvent[]): void {
    for (const [pid, list] of cp.marginCalls)
      this.marginCalls.set(
        pid,
        list.map((c) => ({ ...c })),
      );
    for (const [pid, list] of cp.stopTriggers ?? [])
      this.stopTriggers.set(
        pid,
        list.map((t) => ({ ...t })),
      );
    for (const [pid, g] of cp.groups) this.groups.set(pid, g);
    for (const [pid, k] of cp.takeovers) this.takeovers.set(pid, k);
    for (const e of this.fold.state.news) this.onNews(e);
    for (const e of this.fold.state.signals) this.onSignal(e);
    for (const e of tail) if (e.type !== "news" && e.type !== "signal") this.touched(e);
  }

  get name(): string {
    return this.fold.state.game?.name ?? "";
  }
  get phase(): string {
    return this.fold.state.game?.phase ?? "lobby";
  }
  /** Securities by id (core state: info and book). */
  get securities(): ReadonlyMap<number, SecurityState> {
    return this.fold.state.securities;
  }
  /** Players by id (core state: cash, locks, positions, resting orders). */
  get players(): ReadonlyMap<string, PlayerState> {
    return this.fold.state.players;
  }

  /** Applies one event; events must come in seq order (older ones are ignored). */
  apply(e: EngineEvent): void {
    if (e.seq <= this.seq || this.broken) return;
    // the stop leaves the state with its trigger: keep what it was for the player's notice
    if (e.type === "stop_triggered" || e.type === "stop_cancelled") {
      const rule = this.fold.state.game?.markRule ?? "last_trade";
      keepStopTrigger(this.stopTriggers, e, this.securities.get(e.securityId), rule);
    }
    try {
      this.fold.apply(e);
    } catch (err) {
      this.broken = (err as Error).message;
      return;
    }
    this.touched(e);
  }

  /** Marks what an applied event changed, and keeps the room's extras (news, signals, groups, takeovers). */
  private touched(e: EngineEvent): void {
    const d = this.dirty;
    switch (e.type) {
      case "game_created":
      case "phase_changed":
        d.game = true;
        break;
      case "security_added":
        d.securities.add(e.securityId);
        d.books.add(e.securityId);
        break;
      case "player_added":
        d.players.add(e.playerId);
        d.valuation = true;
        break;
      case "order_accepted":
        break;
      case "fill":
        d.books.add(e.securityId);
        d.securities.add(e.securityId);
        d.valuation = true;
        d.players.add(e.makerPlayerId);
        d.players.add(e.takerPlayerId);
        break;
      case "order_rested":
      case "order_cancelled":
      case "order_amended":
        d.books.add(e.securityId);
        d.players.add(e.playerId);
        break;
      case "news":
        this.onNews(e);
        break;
      case "signal":
        this.onSignal(e);
        break;
      case "dividend":
        for (const p of e.payments) d.players.add(p.playerId);
        d.valuation = true;
        break;
      case "auction":
      case "trading_mode":
        d.books.add(e.securityId);
        d.securities.add(e.securityId);
        break;
      case "admin_action":
        this.onAdminAction(e);
        break;
      case "stop_accepted":
      case "stop_armed":
      case "stop_triggered":
      case "stop_cancelled":
        d.players.add(e.playerId);
        break;
      case "reference_price":
        d.valuation = true;
        break;
      case "margin_call":
        keepMarginCall(this.marginCalls, e);
        d.players.add(e.playerId);
        d.valuation = true;
        break;
      case "liquidation_order":
      case "fund_transfer":
      case "cfd_leverage":
        d.players.add(e.playerId);
        d.valuation = true;
        break;
      case "cfd_fill":
        d.books.add(e.securityId);
        d.securities.add(e.securityId);
        d.players.add(e.playerId);
        d.valuation = true;
        break;
      default:
        assertNever(e);
    }
    // a mid mark moves with the book: a margin round's valuation follows it (docs/margin.md "One mark")
    if (d.books.size && this.markRule === "core" && this.fold.state.game?.markRule === "mid") d.valuation = true;
  }

  /** Prices of the current valuation: marks by the mark rule at the current references, opening references. */
  prices(): Prices {
    return { marks: marksOf(this.fold, this.markRule, this.refPrices), openRefs: this.openRefs };
  }

  /** Sets the mark rule (the round end applies GameRules.markPrice). */
  setMarkRule(rule: MarkRule): void {
    if (this.markRule === rule) return;
    this.markRule = rule;
    this.dirty.valuation = true;
  }

  /** Players ranked by the round's rank rule (scoring/scoring.ts standingsOf). */
  leaderboard(): LeaderboardRow[] {
    return standingsOf(this.fold, this.prices(), this.rankRule, (pid) => this.bots.has(pid));
  }

  /** Sets the rank rule (the room and the round end apply GameRules.rankBy, .bots, .coursePoints). */
  setRankRule(rule: RankRule): void {
    if (JSON.stringify(this.rankRule) === JSON.stringify(rule)) return;
    this.rankRule = rule;
    this.dirty.valuation = true;
  }

  /** Best `depth` levels of one side with cumulative totals. */
  topLevels(
    securityId: number,
    side: "buy" | "sell",
    depth: number,
  ): { price: number; amount: number; total: number; orders: number }[] {
    const s = this.securities.get(securityId);
    if (!s) return [];
    const levels = side === "buy" ? s.book.bids.levels : s.book.asks.levels;
    const out: { price: number; amount: number; total: number; orders: number }[] = [];
    let total = 0;
    for (let i = levels.length - 1; i >= 0 && out.length < depth; i--) {
      const l = levels[i]!;
      total += l.qty;
      out.push({ price: l.price, amount: l.qty, total, orders: l.orders });
    }
    return out;
  }

  /** A player's resting orders, by security then arrival, keyed orderKey(securityId, orderId). */
  openOrders(playerId: string): Map<string, OrderModel> {
    const out = new Map<string, OrderModel>();
    const p = this.players.get(playerId);
    if (!p) return out;
    for (const sid of this.fold.state.securityIds) {
      for (const o of p.orders.get(sid)?.values() ?? []) {
        out.set(orderKey(sid, o.id), {
          orderId: o.id,
          securityId: sid,
          playerId,
          side: o.side,
          price: o.price,
          qty: o.qty,
          amount: o.amount,
          clientOrderId: o.clientOrderId ?? "",
          ts: o.ts,
        });
      }
    }
    return out;
  }

  /** Sets a security's reference price (the game service knows it; the log does not). */
  setRefPrice(securityId: number, refPrice: number): void {
    if (!this.securities.has(securityId) || this.refPrices.get(securityId) === refPrice) return;
    this.refPrices.set(securityId, refPrice);
    this.dirty.securities.add(securityId);
    this.dirty.valuation = true;
  }

  /** Marks a player as a bot (known to the service, not to the log). */
  setBot(playerId: string, bot: boolean): void {
    if (this.bots.has(playerId) === bot) return;
    if (bot) this.bots.add(playerId);
    else this.bots.delete(playerId);
    this.dirty.players.add(playerId);
    this.dirty.valuation = true;
  }

  // ---- market drivers: news, signals, groups, takeovers (docs/market.md) ----

  /** A headline: kept for the room; live, each shifted security's reference moves now (shiftReference). */
  private onNews(e: EventOf<"news">): void {
    this.news.push({
      seq: e.seq,
      ts: e.ts,
      atMs: e.atMs,
      headline: e.headline,
      shifts: e.shifts.map((x) => ({ ...x })),
    });
    if (this.news.length > NEWS_KEPT) this.news.splice(0, this.news.length - NEWS_KEPT);
    this.dirty.news = true;
    if (!this.live) return;
    for (const sh of e.shifts)
      this.setRefPrice(sh.securityId, shiftReference(this.refPrices.get(sh.securityId) ?? 0, sh.bps));
  }

  /** A private signal: kept by each recipient only. */
  private onSignal(e: EventOf<"signal">): void {
    for (const pid of e.playerIds) {
      if (!this.players.has(pid)) continue;
      let list = this.signals.get(pid);
      if (!list) {
        list = [];
        this.signals.set(pid, list);
      }
      list.push({
        seq: e.seq,
        ts: e.ts,
        group: e.group,
        text: e.text,
        securityId: e.securityId ?? 0,
        value: e.value ?? 0,
      });
      if (list.length > SIGNALS_KEPT) list.splice(0, list.length - SIGNALS_KEPT);
      this.dirty.players.add(pid);
    }
  }

  /** Admin actions that change what the room shows: group_set, seat_taken_over, seat_returned ("<playerId> <value>"). */
  private onAdminAction(e: EventOf<"admin_action">): void {
    const [pid = "", value = ""] = e.detail.split(" ");
    if (!this.players.has(pid)) return;
    if (e.action === "group_set") this.groups.set(pid, value);
    else if (e.action === "seat_taken_over") this.takeovers.set(pid, value || "bot");
    else if (e.action === "seat_returned") this.takeovers.set(pid, "");
    else return;
    this.dirty.players.add(pid);
  }
}
