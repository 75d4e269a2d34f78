/**
 * The room's messages beyond the synchronized state (docs/api.md "Room messages"):
 *
 * - "place-batch" (client -> server): several orders in one message, `{ orders: PlaceMessage[], ref? }`
 *   (1..MAX_BATCH_ORDERS). Each order gets its own result, in the batch's order, in one BatchAck
 *   (`results[i]` answers `orders[i]`); an invalid order is rejected alone (INVALID_MESSAGE with its
 *   issues) and the others still go in. The orders are submitted in the batch's order.
 * - "replies" (server -> client): the replies to several commands sent with `room.send()` that became
 *   ready in the same turn of the server's event loop (one committed batch), `{ replies: CommandReply[] }`
 *   in completion order. A turn with one reply still sends the single "reply" message.
 * - "private" (server -> the player's own sessions and admin sessions): the player's private state
 *   (cash, positions, open orders, own fills, signals, stops, margin calls, valuation), which is not in
 *   the shared state. One message per patch tick per session, carrying only what changed since the last
 *   tick (PrivatePatch), sent before that tick's state patch; a session gets a full snapshot
 *   (`full: true`) when it joins or reconnects and after the room rebuilds its state.
 *
 * Units as everywhere: prices in ticks, quantities in lots, money in minor units, times in ms since the epoch.
 */
import { z } from "zod";
import { PlaceMessage, type CommandReply } from "./messages.ts";
import { text } from "./text.ts";

/** Most orders in one "place-batch" message. */
export const MAX_BATCH_ORDERS = 50;
/** Name of the batch order message. */
export const PLACE_BATCH = "place-batch";
/** Name of the message that carries several replies at once. */
export const REPLIES_MESSAGE = "replies";
/** Name of the message that carries a player's private state. */
export const PRIVATE_MESSAGE = "private";

/**
 * A batch of orders. `orders` is checked as a list first (1..MAX_BATCH_ORDERS items; else the whole
 * batch is INVALID_MESSAGE and nothing is placed); each order then against PlaceMessage on its own.
 */
export const PlaceBatchMessage = z.object({
  orders: z.array(z.unknown()).min(1).max(MAX_BATCH_ORDERS),
  ref: text({ max: 64 }).optional(),
});
export type PlaceBatchMessage = { orders: z.input<typeof PlaceMessage>[]; ref?: string };

/** The reply to a batch: one result per order, in the batch's order. */
export interface BatchAck {
  ok: true;
  type: typeof PLACE_BATCH;
  ref?: string;
  results: CommandReply[];
}

/** Several replies in one message (see the module comment). */
export interface RepliesMessage {
  replies: (CommandReply | BatchAck)[];
}

/** A holding: qty (negative when short), locked lots, lots on open buys; margin fields as PositionState. */
export interface PrivatePosition {
  securityId: number;
  qty: number;
  locked: number;
  openBuy: number;
  entryPrice: number;
  mark: number;
  unrealizedPnl: number;
  margin: number;
  liquidationPrice: number;
  /** The position's initial margin rate, bps (a CFD's from the player's leverage); leverage = 10000 / it. */
  initialMarginBps: number;
}

/** A resting order: `qty` accepted, `amount` still open. */
export interface PrivateOrder {
  orderId: number;
  securityId: number;
  side: "buy" | "sell";
  price: number;
  qty: number;
  amount: number;
  clientOrderId: string;
  ts: number;
}

/** One of the player's fills. */
export interface PrivateFill {
  seq: number;
  securityId: number;
  orderId: number;
  side: "buy" | "sell";
  price: number;
  qty: number;
  role: "maker" | "taker";
  ts: number;
}

/** A private signal. */
export interface PrivateSignal {
  seq: number;
  ts: number;
  group: string;
  text: string;
  securityId: number;
  value: number;
}

/** A waiting stop (StopState's fields). */
export interface PrivateStop {
  stopId: number;
  securityId: number;
  side: string;
  orderType: string;
  price: number;
  qty: number;
  stopPrice: number;
  trigger: string;
  kind: string;
  ocoStopId: number;
  parentOrderId: number;
  ts: number;
}

/** A margin call (the liquidation followed in the same command). */
export interface PrivateMarginCall {
  seq: number;
  ts: number;
  equity: number;
  maintenance: number;
}

/**
 * A stop of the player that triggered (docs/margin.md "Protocol"): what it was (lots, ticks), the price
 * that reached it, and "" when its order was sent or the code that refused it.
 */
export interface PrivateStopTrigger {
  seq: number;
  ts: number;
  securityId: number;
  stopId: number;
  side: "buy" | "sell";
  kind: "stop" | "take_profit";
  qty: number;
  stopPrice: number;
  triggerPrice: number;
  rejected: string;
}

/** The scalar fields of a player's private state (the meaning of each as the former PlayerState fields). */
export interface PrivateScalars {
  cash: number;
  cashLocked: number;
  equity: number;
  pnl: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
  trades: number;
  returnBps: number;
  points: number;
  group: string;
  marginEquity: number;
  usedMargin: number;
  maintenanceMargin: number;
  freeMargin: number;
  leverageBps: number;
}

/** Names of PrivateScalars' fields, in a fixed order. */
export const PRIVATE_SCALARS = [
  "cash",
  "cashLocked",
  "equity",
  "pnl",
  "realizedPnl",
  "unrealizedPnl",
  "fees",
  "trades",
  "returnBps",
  "points",
  "group",
  "marginEquity",
  "usedMargin",
  "maintenanceMargin",
  "freeMargin",
  "leverageBps",
] as const satisfies readonly (keyof PrivateScalars)[];

/**
 * A player's whole private state. Keys: positions by security id, orders "<securityId>:<orderId>",
 * stops "<securityId>:<stopId>". Lists oldest first, at most OWN_FILLS_KEPT / SIGNALS_KEPT /
 * MARGIN_CALLS_KEPT / STOP_TRIGGERS_KEPT items (state.ts).
 */
export interface PrivatePlayer extends PrivateScalars {
  positions: Record<string, PrivatePosition>;
  orders: Record<string, PrivateOrder>;
  stops: Record<string, PrivateStop>;
  fills: PrivateFill[];
  signals: PrivateSignal[];
  marginCalls: PrivateMarginCall[];
  stopTriggers: PrivateStopTrigger[];
}

/** Changes of a keyed collection: entries added or changed (whole entries), keys removed. */
export interface KeyedChanges<T> {
  put?: Record<string, T>;
  del?: string[];
}

/**
 * What changed in one player's private state. `full`: drop what you hold and take this (then every
 * field is present). Lists carry the items appended since the last patch (seq ascending); keep the
 * newest *_KEPT of them.
 */
export interface PrivatePatch {
  playerId: string;
  full?: true;
  set?: Partial<PrivateScalars>;
  positions?: KeyedChanges<PrivatePosition>;
  orders?: KeyedChanges<PrivateOrder>;
  stops?: KeyedChanges<PrivateStop>;
  fills?: PrivateFill[];
  signals?: PrivateSignal[];
  marginCalls?: PrivateMarginCall[];
  stopTriggers?: PrivateStopTrigger[];
}

/** The "private" message: the patches of one tick (a player session gets its own; an admin every player's). */
export interface PrivateMessage {
  players: PrivatePatch[];
}

/** The former schema names of the private parts (same fields). */
export type PositionState = PrivatePosition;
export type OrderState = PrivateOrder;
export type FillState = PrivateFill;
export type SignalState = PrivateSignal;
export type StopState = PrivateStop;
export type MarginCallState = PrivateMarginCall;
export type StopTriggerState = PrivateStopTrigger;
