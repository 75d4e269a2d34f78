/**
 * The game core's state: everything `decide` reads and `evolve` writes, in memory.
 *
 * Units: price in ticks, qty/amount in lots, cash in minor units; every number is an integer < 2^53.
 * The state is a fold of the game's events (see evolve.ts): the books with their price-time priority,
 * each player's cash, holdings and locks, the resting orders by player, the first result of every
 * clientOrderId (idempotency), the order id counters, the last seq, the phase, news and signals.
 */
import type { EventOf, OrderSummary, FillEvent, Phase, SecurityInfo, StpMode, TradingMode } from "@marketroom/shared";
import type { z } from "zod";
import { OrderBook, type RestingOrder } from "./matching/book.ts";
import type { PlayerOrders } from "./player-orders.ts";

export type PhaseName = z.infer<typeof Phase>;
export type Stp = z.infer<typeof StpMode>;
export type TradingModeName = z.infer<typeof TradingMode>;
/** Risk rules in force (risk/index.ts picks the module): "cash" (docs/engine.md) or "margin" (docs/margin.md). */
export type RiskMode = "cash" | "margin";
/** How the core marks a security (mark.ts). */
export type MarkRuleName = "reference" | "last_trade" | "mid";

/**
 * A stop order waiting on its security (docs/core.md "Stop orders"). Units: ticks, lots. `qty` 0 = a
 * bracket child not armed yet (its entry has not filled).
 */
export interface StopOrder {
  id: number;
  securityId: number;
  playerId: string;
  side: "buy" | "sell";
  orderType: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  /** The limit of the triggered order; 0 for a market order. */
  price: number;
  qty: number;
  stopPrice: number;
  trigger: "last" | "mark";
  kind: "stop" | "take_profit";
  /** The stop cancelled when this one triggers (0 = none). */
  ocoStopId: number;
  /** The bracket entry whose fills arm this stop (0 = none). */
  parentOrderId: number;
  ts: number;
}

/** The house's insurance fund (margin mode): cash (minor units) and the positions it took over (lots). */
export interface FundState {
  cash: number;
  positions: Map<number, number>;
}

export interface GameState {
  name: string;
  phase: PhaseName;
  stp: Stp;
  maxMatches: number;
  allowShort: boolean;
  protectionBps: number;
  /** Weighted lots, 0 = none. */
  grossLimit: number;
  netLimit: number;
  createdAt: number;
  mode: RiskMode;
  markRule: MarkRuleName;
}

export interface SecurityState {
  info: SecurityInfo;
  book: OrderBook;
  /** Last order id given in this security (ids count from 1 per security). */
  lastOrderId: number;
  /** Continuous (match on arrival) or call (orders collect until an uncross); docs/markets.md. */
  mode: TradingModeName;
  /** The last dividend period paid (0 = none). */
  dividendPeriod: number;
  /** Margin rates, basis points of the notional at the mark (margin mode). */
  initialMarginBps: number;
  maintenanceMarginBps: number;
  /** Reference price, ticks (0 = none); last trade price, ticks (0 = never traded). */
  reference: number;
  /** "book" or "cfd" (no book: the house quotes reference -/+ halfSpread ticks; core/cfd-order.ts). */
  kind: "book" | "cfd";
  halfSpread: number;
  lastPrice: number;
  /**
   * The closing mark (margin mode): the mark by the round's rule when the round ended (phase_changed to
   * "ended"), ticks; 0 before. From then on it is the mark (mark.ts): the round end cancels every open
   * order, and a `mid` mark must not fall to the last trade with the emptied book (docs/margin.md).
   */
  closeMark: number;
  /** Stop orders waiting, by stop id (ascending = arrival). */
  stops: Map<number, StopOrder>;
  lastStopId: number;
  /** Bracket entry order id -> its children's stop ids (while any of them waits). */
  byParent: Map<number, number[]>;
}

/** A player's position in one security: holdings (negative when short), lots locked by open sells, lots on open buys. */
export interface PositionState {
  qty: number;
  locked: number;
  openBuy: number;
}

/** The first accepted result of a clientOrderId, returned again (duplicate: true) on a retry. */
export interface StoredPlace {
  order: OrderSummary;
  firstSeq: number;
  lastSeq: number;
  fills: FillEvent[];
}

export interface PlayerState {
  playerId: string;
  name: string;
  cash: number;
  /** Cash held back by open buys: sum of price x amount x scale. */
  cashLocked: number;
  /** By security id; an entry exists once the player was endowed with it or any of its amounts changed. */
  positions: Map<number, PositionState>;
  /** Resting orders by security id, in id (= arrival) order. */
  orders: Map<number, PlayerOrders>;
  clientOrders: Map<string, StoredPlace>;
  /**
   * Margin mode: cost of each open position, minor units, signed (+ long, - short): the notional its
   * open lots were traded at (average cost; risk/cost.ts). Unrealized P&L = qty x mark x scale - cost.
   */
  costs: Map<number, number>;
  /**
   * CFD securities: the initial margin rate (bps) of the player's position from the leverage they chose
   * (cfd_leverage; absent = the security's initialMarginBps, its largest leverage). risk/margin.ts uses it.
   */
  leverage: Map<number, number>;
}

/** The order being placed by the current command, between its order_accepted and its last event (evolve only). */
export interface PendingOrder {
  order: RestingOrder;
  orderType: "limit" | "market";
  tif: "GTC" | "IOC" | "FOK";
  filled: number;
  notional: number;
  firstSeq: number;
  /** Only tracked for orders with a clientOrderId (their summary is stored). */
  fills: FillEvent[] | null;
  stpCancelled: number[] | null;
}

export interface CoreState {
  /** null until create_game. */
  game: GameState | null;
  /** Seq of the last event applied. */
  seq: number;
  securities: Map<number, SecurityState>;
  /** Security ids in ascending order (cancel-all and reads walk them so). */
  securityIds: number[];
  players: Map<string, PlayerState>;
  /** Sum of all endowed cash (kept below 2^53 so no balance can leave the safe range). */
  cashTotal: number;
  news: EventOf<"news">[];
  signals: EventOf<"signal">[];
  pending: PendingOrder | null;
  /** Insurance fund (margin mode; cash 0 and no positions otherwise). Its cash counts in cashTotal. */
  fund: FundState;
}

/** A state with no game: the fold of an empty log. */
export function emptyState(): CoreState {
  return {
    game: null,
    seq: 0,
    securities: new Map(),
    securityIds: [],
    players: new Map(),
    cashTotal: 0,
    news: [],
    signals: [],
    pending: null,
    fund: { cash: 0, positions: new Map() },
  };
}

/** The position of a player in a security, created (zeros) on first use. */
export function positionOf(p: PlayerState, securityId: number): PositionState {
  let pos = p.positions.get(securityId);
  if (!pos) {
    pos = { qty: 0, locked: 0, openBuy: 0 };
    p.positions.set(securityId, pos);
  }
  return pos;
}

/** Zeros for a position that does not exist yet, without creating it (decide must not mutate). */
export const NO_POSITION: Readonly<PositionState> = Object.freeze({ qty: 0, locked: 0, openBuy: 0 });

export { OrderBook, type RestingOrder };
