/**
 * GameFold: a game's events folded through `evolve` (the one reducer), plus what the screens and the
 * scores need beyond the rules, derived from the same events in the same pass:
 *   - each player's endowment (player_added: starting cash, starting holdings by security) and FIFO
 *     ledger (ledger.ts: opening lots, fills, fees, trade count);
 *   - per security the session statistics of its trades (last price and its seq, high, low, volume,
 *     turnover, count) and the last TRADES_KEPT trades;
 *   - per player the last OWN_FILLS_KEPT fills they took part in;
 *   - the round's running time (from phase_changed: ms spent in "running"), so a reference path can be
 *     read at any event.
 * The live room (game/model.ts), the round end and leaderboards (game/service.ts, scoring/scoring.ts),
 * replay (replay/reader.ts) and the export (export/export.ts) all use it, so they agree by construction.
 *
 * Events must be parsed by the EngineEvent zod schema first (shared/src/engine.ts parseEvent) and come
 * in seq order from seq 1 without a gap; anything else throws FoldError (the core's evolve throws on an
 * event that does not fit the state). Like evolve, `apply` mutates in place.
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts and running time in ms.
 */
import {
  OWN_FILLS_KEPT,
  TRADES_KEPT,
  type EngineEvent,
  type EventOf,
  type FillEvent,
  type PrivateFill,
} from "@marketroom/shared";
import { assertNever } from "./assert.ts";
import { evolve } from "./evolve.ts";
import { PlayerLedger, type PlayerLedgerData } from "./ledger.ts";
import { copyState } from "./copy.ts";
import { emptyState, type CoreState } from "./state.ts";

/** Session statistics of a security's trades; lastSeq = seq of the last fill (0 = never traded). */
export interface TradeStats {
  lastPrice: number;
  lastSeq: number;
  high: number;
  low: number;
  volume: number;
  turnover: number;
  count: number;
}

/** A public trade. */
export interface TradeRec {
  seq: number;
  price: number;
  qty: number;
  aggressor: "buy" | "sell";
  ts: number;
}

/** One player's side of a fill: the private message's shape (shared PrivateFill; ticks, lots). */
export type OwnFillRec = PrivateFill;

/** What a player started with (player_added). */
export interface Endowment {
  cash: number;
  holdings: Map<number, number>;
}

/**
 * What a fold holds beside the core state, as plain JSON-able data at `seq` (a checkpoint; see
 * GameFold.extrasData / GameFold.resume). Bump FOLD_EXTRAS_VERSION whenever GameFold's extras change
 * shape, so older checkpoints are ignored rather than misread.
 */
export interface FoldExtrasData {
  v: number;
  seq: number;
  ts: number;
  runningDone: number;
  runningSince: number | null;
  endowments: [string, number, [number, number][]][];
  ledgers: [string, PlayerLedgerData][];
  stats: [number, TradeStats][];
  trades: [number, TradeRec[]][];
  ownFills: [string, OwnFillRec[]][];
}

/** Version of FoldExtras; a checkpoint of another version is ignored. 2: own fills include CFD fills. */
export const FOLD_EXTRAS_VERSION = 2;

/** Thrown when the log is not a contiguous, valid game log (names the seq). */
export class FoldError extends Error {
  constructor(
    readonly seq: number,
    message: string,
  ) {
    super(`seq ${seq}: ${message}`);
    this.name = "FoldError";
  }
}

const other = (side: "buy" | "sell") => (side === "buy" ? "sell" : "buy");

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

export class GameFold {
  constructor(readonly state: CoreState = emptyState()) {}
  /** ts of the last event applied (0 before any). */
  ts = 0;
  readonly endowments = new Map<string, Endowment>();
  readonly ledgers = new Map<string, PlayerLedger>();
  readonly stats = new Map<number, TradeStats>();
  /** Last TRADES_KEPT trades per security, oldest first. */
  readonly trades = new Map<number, TradeRec[]>();
  /** Last OWN_FILLS_KEPT fills per player, oldest first. */
  readonly ownFills = new Map<string, OwnFillRec[]>();
  /** Running time before the current running stretch, ms; runningSince = ts it began (null when not running). */
  private runningDone = 0;
  private runningSince: number | null = null;

  /** The fold of `events` (parsed, in seq order from seq 1). */
  static of(events: Iterable<EngineEvent>): GameFold {
    const f = new GameFold();
    for (const e of events) f.apply(e);
    return f;
  }

  get seq(): number {
    return this.state.seq;
  }

  /** An independent deep copy (core/copy.ts for the state). */
  clone(): GameFold {
    const c = new GameFold(copyState(this.state));
    c.ts = this.ts;
    c.runningDone = this.runningDone;
    c.runningSince = this.runningSince;
    for (const [pid, e] of this.endowments) c.endowments.set(pid, e); // never mutated once made
    for (const [pid, l] of this.ledgers) c.ledgers.set(pid, l.clone());
    for (const [sid, st] of this.stats) c.stats.set(sid, { ...st });
    for (const [sid, t] of this.trades) c.trades.set(sid, t.slice());
    for (const [pid, f] of this.ownFills) c.ownFills.set(pid, f.slice());
    return c;
  }

  /** The extras (everything but the core state) as plain data at this.seq. */
  extrasData(): FoldExtrasData {
    return {
      v: FOLD_EXTRAS_VERSION,
      seq: this.seq,
      ts: this.ts,
      runningDone: this.runningDone,
      runningSince: this.runningSince,
      endowments: [...this.endowments].map(([pid, e]) => [pid, e.cash, [...e.holdings]]),
      ledgers: [...this.ledgers].map(([pid, l]) => [pid, l.toData()]),
      stats: [...this.stats].map(([sid, st]) => [sid, { ...st }]),
      trades: [...this.trades].map(([sid, t]) => [sid, t.map((x) => ({ ...x }))]),
      ownFills: [...this.ownFills].map(([pid, f]) => [pid, f.map((x) => ({ ...x }))]),
    };
  }

  /**
   * A fold resumed without folding the log from seq 1: `state` is the core state at some seq S (a copy
   * the caller gives up, e.g. the writer's committed state), `extras` the extras at seq C <= S (a
   * checkpoint), and `tail` the events C+1..S, whose extras are applied on top (their core effects are
   * already in `state`). The result equals GameFold.of(events 1..S). Throws FoldError when the pieces do
   * not fit together (another version, C > S, a tail that does not run from C+1 to S).
   */
  static resume(state: CoreState, extras: FoldExtrasData, tail: readonly EngineEvent[]): GameFold {
    if (extras.v !== FOLD_EXTRAS_VERSION) throw new FoldError(extras.seq, `checkpoint version ${extras.v}`);
    if (extras.seq > state.seq) throw new FoldError(extras.seq, `checkpoint is past the state (seq ${state.seq})`);
    const f = new GameFold(state);
    f.ts = extras.ts;
    f.runningDone = extras.runningDone;
    f.runningSince = extras.runningSince;
    for (const [pid, cash, holdings] of extras.endowments) f.endowments.set(pid, { cash, holdings: new Map(holdings) });
    for (const [pid, l] of extras.ledgers) f.ledgers.set(pid, PlayerLedger.fromData(l));
    for (const [sid, st] of extras.stats) f.stats.set(sid, { ...st });
    for (const [sid, t] of extras.trades)
      f.trades.set(
        sid,
        t.map((x) => ({ ...x })),
      );
    for (const [pid, o] of extras.ownFills)
      f.ownFills.set(
        pid,
        o.map((x) => ({ ...x })),
      );
    let seq = extras.seq;
    for (const ev of tail) {
      if (ev.seq !== seq + 1) throw new FoldError(ev.seq, `checkpoint tail: expected seq ${seq + 1}`);
      seq = ev.seq;
      f.extras(ev);
      f.ts = ev.ts;
    }
    if (seq !== state.seq) throw new FoldError(seq, `checkpoint tail ends before the state (seq ${state.seq})`);
    return f;
  }

  /** Applies the next event (seq = this.seq + 1). Throws FoldError when it does not follow or does not fit. */
  apply(ev: EngineEvent): this {
    if (ev.seq !== this.state.seq + 1) throw new FoldError(ev.seq, `expected seq ${this.state.seq + 1}`);
    try {
      evolve(this.state, ev);
    } catch (err) {
      throw new FoldError(ev.seq, (err as Error).message);
    }
    this.extras(ev);
    this.ts = ev.ts;
    return this;
  }

  /** Running time of the round at `ts` (ms in phase "running" up to then; `ts` at or after the last event). */
  runningMsAt(ts = this.ts): number {
    return this.runningDone + (this.runningSince === null ? 0 : Math.max(0, ts - this.runningSince));
  }

  private extras(ev: EngineEvent): void {
    switch (ev.type) {
      case "player_added":
        this.playerAdded(ev.playerId, ev.cash, ev.holdings);
        break;
      case "fill":
        this.filled(ev);
        break;
      case "phase_changed":
        if (this.runningSince !== null) {
          this.runningDone += Math.max(0, ev.ts - this.runningSince);
          this.runningSince = null;
        }
        if (ev.to === "running") this.runningSince = ev.ts;
        break;
      case "game_created":
      case "security_added":
      case "order_accepted":
      case "order_rested":
      case "order_cancelled":
      case "order_amended":
      case "admin_action":
      case "news":
      case "signal":
      // a call's fills are fill events
      case "auction":
      case "trading_mode":
      case "stop_accepted":
      case "stop_armed":
      case "stop_triggered":
      case "stop_cancelled":
      case "reference_price":
      case "margin_call":
      case "liquidation_order":
        break;
      case "cfd_fill":
        this.ledgers.get(ev.playerId)?.cfdFill(ev, this.scaleOf(ev.securityId));
        this.ownFill(ev.playerId, cfdOwnFill(ev));
        break;
      case "cfd_leverage":
        break;
      case "fund_transfer":
        if (ev.securityId !== 0)
          this.ledgers.get(ev.playerId)?.fundTransfer(ev.securityId, this.scaleOf(ev.securityId), ev.qty, ev.price);
        break;
      // a dividend moves cash (evolve applied it); the ledger books it as realized income
      case "dividend":
        for (const p of ev.payments) this.ledgers.get(p.playerId)?.dividend(p.cash);
        break;
      default:
        assertNever(ev);
    }
  }

  private playerAdded(playerId: string, cash: number, holdings: { securityId: number; qty: number }[]): void {
    const start = new Map<number, number>();
    for (const h of holdings) start.set(h.securityId, h.qty); // listed twice: the last qty (as evolve)
    this.endowments.set(playerId, { cash, holdings: start });
    const ledger = new PlayerLedger();
    for (const [sid, qty] of start) ledger.start(sid, this.scaleOf(sid), qty);
    this.ledgers.set(playerId, ledger);
  }

  private scaleOf(securityId: number): number {
    const s = this.state.securities.get(securityId);
    if (!s) throw new FoldError(this.state.seq, `unknown security ${securityId}`);
    return s.info.scale;
  }

  private filled(e: FillEvent): void {
    const scale = this.scaleOf(e.securityId);
    let st = this.stats.get(e.securityId);
    if (!st) {
      st = { lastPrice: 0, lastSeq: 0, high: e.price, low: e.price, volume: 0, turnover: 0, count: 0 };
      this.stats.set(e.securityId, st);
    }
    st.lastPrice = e.price;
    st.lastSeq = e.seq;
    st.high = Math.max(st.high, e.price);
    st.low = Math.min(st.low, e.price);
    st.volume += e.qty;
    st.turnover += e.price * e.qty * scale;
    st.count += 1;
    let list = this.trades.get(e.securityId);
    if (!list) {
      list = [];
      this.trades.set(e.securityId, list);
    }
    pushCapped(list, { seq: e.seq, price: e.price, qty: e.qty, aggressor: e.aggressor, ts: e.ts }, TRADES_KEPT);
    for (const pid of new Set([e.makerPlayerId, e.takerPlayerId])) {
      this.ledgers.get(pid)?.fill(e, scale, pid);
      this.ownFill(pid, ownFillOf(e, pid));
    }
  }

  /** Keeps one of the player's fills (book or CFD), the last OWN_FILLS_KEPT. */
  private ownFill(playerId: string, fill: OwnFillRec): void {
    let own = this.ownFills.get(playerId);
    if (!own) {
      own = [];
      this.ownFills.set(playerId, own);
    }
    pushCapped(own, fill, OWN_FILLS_KEPT);
  }
}

/** A player's CFD fill as one of their fills: role "taker" (the house quoted; docs/margin.md "CFD securities"). */
function cfdOwnFill(e: EventOf<"cfd_fill">): OwnFillRec {
  const { seq, securityId, orderId, side, price, qty, ts } = e;
  return { seq, securityId, orderId, side, price, qty, role: "taker", ts };
}

/** One player's side of a fill (a self-trade cannot happen: self-trade prevention stops it). */
export function ownFillOf(e: FillEvent, playerId: string): OwnFillRec {
  const maker = e.makerPlayerId === playerId;
  return {
    seq: e.seq,
    securityId: e.securityId,
    orderId: maker ? e.makerOrderId : e.takerOrderId,
    side: maker ? other(e.aggressor) : e.aggressor,
    price: e.price,
    qty: e.qty,
    role: maker ? "maker" : "taker",
    ts: e.ts,
  };
}
