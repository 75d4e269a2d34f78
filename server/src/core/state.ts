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
/** Risk rules in force: "cash" today (docs/engine.md); a margin mode would be another module of risk/. */
export type RiskMode = "cash";

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
}

/** A player's position in one security: holdings (negative when short), lots locked by open sells, lots on open buys. */
export interface PositionState { qty: number; locked: number; openBuy: number }

/** The first accepted result of a clientOrderId, returned again (duplicate: true) on a retry. */
export interface StoredPlace { order: OrderSummary; firstSeq: number; lastSeq: number; fills: FillEvent[] }

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
}

/** A state with no game: the fold of an empty log. */
export function emptyState(): CoreState {
  return {
    game: null, seq: 0, securities: new Map(), securityIds: [], players: new Map(), cashTotal: 0,
    news: [], signals: [], pending: null,
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
