/**
 * Zod schemas of the matching engine's commands, results and events, and the types inferred from
 * them. Units: price in ticks, qty in lots, cash in minor units (see units.ts); ids are integers
 * except player ids (short tokens). These are the shapes the room, the HTTP API, the persister and
 * replay all share. The game core (server/src/core) re-checks every rule; these schemas only check shapes early.
 * Free text (names, clientOrderIds, headlines, signal texts) goes through `text()` (text.ts): NFC, no
 * control characters, bounded in characters (and bytes where the engine counts bytes). The event
 * schemas read what was logged and accept any string: text is checked on the way in, not on the way out.
 */
import { z } from "zod";
import { text } from "./text.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const MAX_PRICE_TICKS = 1_000_000_000;
export const MAX_QTY_LOTS = 1_000_000_000;
const MAX_QTY_LOTS_ = MAX_QTY_LOTS;
/** Largest fee or rebate per lot, minor units. */
export const MAX_FEE_PER_LOT = 1_000_000_000;

export const GameId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ or -, at most 64");
export const PlayerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ or -, at most 64");
export const SecurityId = int(1, 2_147_483_647);
export const OrderId = int(1, 999_999_999_999);
export const Side = z.enum(["buy", "sell"]);
export const OrderType = z.enum(["limit", "market"]);
export const TimeInForce = z.enum(["GTC", "IOC", "FOK"]);
export const Phase = z.enum(["lobby", "running", "paused", "ended"]);
export const StpMode = z.enum(["cancel_incoming", "cancel_resting"]);
/** How a security trades: continuously (orders match on arrival) or in calls (orders collect and clear at one price; docs/markets.md). */
export const TradingMode = z.enum(["continuous", "call"]);
/** Risk rules of a round (docs/margin.md): paid up front ("cash") or on margin, long or short ("margin"). */
export const RiskModeName = z.enum(["cash", "margin"]);
/** How the core marks a security (docs/margin.md "Mark price"): its reference, its last trade, or the mid of its book. */
export const MarkPriceRule = z.enum(["reference", "last_trade", "mid"]);
/** What a stop order watches: the last trade price (default) or the mark. */
export const StopTrigger = z.enum(["last", "mark"]);
/**
 * A stop's direction: "stop" = a buy triggers at or above its stop price, a sell at or below (stop-loss,
 * breakout); "take_profit" = the reverse (a buy at or below, a sell at or above: if-touched).
 */
export const StopKind = z.enum(["stop", "take_profit"]);
/**
 * How a security trades (docs/margin.md "CFD securities"): "book" = an order book (default); "cfd" = no
 * book, the house quotes reference -/+ halfSpread ticks and is every order's counterparty (margin mode).
 */
export const SecurityKind = z.enum(["book", "cfd"]);

/** A game's or a session's display name: one line, 1-200 characters, at most 200 UTF-8 bytes (the engine's limit). */
export const GameName = text({ max: 200, maxBytes: 200 });
/** A player's display name as the engine stores it: one line, 1-64 characters, at most 64 UTF-8 bytes, trimmed. */
export const PlayerName = text({ max: 64, maxBytes: 64, trim: true });
/** A client's idempotency key: one line, 1-64 characters and at most 64 UTF-8 bytes (the engine's limit). */
export const ClientOrderId = text({ max: 64, maxBytes: 64 });
/** A headline: one line, 1-280 characters (the engine counts characters too). */
export const Headline = text({ max: 280 });
/** A private signal's text: 1-280 characters, line feeds allowed. */
export const SignalText = text({ max: 280, multiline: true });

/** Game rules fixed at creation. */
export const GameConfig = z.object({
  name: GameName,
  /** Self-trade prevention: cancel the incoming remainder (default) or the resting order. */
  stp: StpMode.default("cancel_incoming"),
  /** Resting orders one command may touch; the result says `truncated` when it stopped there. */
  maxMatches: int(1, 100_000).default(1000),
  allowShort: z.boolean().default(false),
  /** A market order trades at most this far (basis points) past the best opposite price on entry. */
  protectionBps: int(1, 10_000).default(500),
  /**
   * Gross position limit, weighted lots: sum over securities of limitWeight x |position|, counting
   * open orders at their worst case (all buys filled, or all sells filled); 0 = none. Rejection:
   * GROSS_POSITION_LIMIT.
   */
  grossLimit: int(0, MAX_QTY_LOTS_).default(0),
  /** Net position limit, weighted lots: |sum of limitWeight x position|, worst case as above; 0 = none. Rejection: NET_POSITION_LIMIT. */
  netLimit: int(0, MAX_QTY_LOTS_).default(0),
  /** Risk rules (docs/margin.md): "cash" (absent) or "margin". */
  mode: RiskModeName.optional(),
  /** How the core marks securities (docs/margin.md "Mark price"); absent = last_trade. */
  markRule: MarkPriceRule.optional(),
  /** The insurance fund's starting cash, minor units (margin mode); absent = 0. */
  insuranceFund: int(0, 1e15).optional(),
});
export type GameConfig = z.input<typeof GameConfig>;

/** A security and its rules. */
export const SecurityConfig = z.object({
  securityId: SecurityId,
  symbol: z.string().regex(/^[A-Za-z0-9._^-]{1,16}$/),
  /** Display value of one tick, as decimal text ("0.01"). */
  tickSize: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .default("0.01"),
  /** Shares per lot. */
  lotSize: int(1, 1_000_000_000).default(1),
  /** Cash minor units per (1 tick x 1 lot). */
  scale: int(1, 1_000_000_000).default(1),
  /** Accepted limit prices, ticks (inclusive). */
  bandLow: int(1, MAX_PRICE_TICKS).default(1),
  bandHigh: int(1, MAX_PRICE_TICKS).default(MAX_PRICE_TICKS),
  /** Lots a player may be short when the game allows short selling. */
  shortLimit: int(0, MAX_QTY_LOTS).default(0),
  /** Largest absolute position, lots, counting open orders; 0 = none. */
  positionLimit: int(0, MAX_QTY_LOTS).default(0),
  /** Largest order, lots; 0 = none. */
  maxOrderQty: int(0, MAX_QTY_LOTS).default(0),
  /** Fee the taker pays per lot filled, cash minor units (booked to the taker's cash at the fill). */
  takerFee: int(0, MAX_FEE_PER_LOT).default(0),
  /**
   * Rebate the maker receives per lot filled, cash minor units; at most takerFee (the engine rejects
   * more with INVALID_ARGUMENT), so fees never create cash and every balance stays below 2^53.
   */
  makerRebate: int(0, MAX_FEE_PER_LOT).default(0),
  /** Multiplier of this security's lots in the game's gross and net position limits. */
  limitWeight: int(0, 1000).default(1),
  /** Margin mode: initial margin, basis points of the notional at the mark (100 = 100x .. 10000 = 1x); absent = 10000. */
  initialMarginBps: int(100, 10_000).optional(),
  /** Margin mode: maintenance margin, basis points (1 .. initial); absent = initial / 2. */
  maintenanceMarginBps: int(1, 10_000).optional(),
  /** Starting reference price, ticks; absent = none. */
  referencePrice: int(0, MAX_PRICE_TICKS).optional(),
  /** "book" (absent) or "cfd" (margin mode only; docs/margin.md "CFD securities"). */
  kind: SecurityKind.optional(),
  /** CFD: the house quotes reference - halfSpread (bid) and reference + halfSpread (ask), ticks; absent = 0. */
  halfSpread: int(0, 1_000_000).optional(),
});
export type SecurityConfig = z.input<typeof SecurityConfig>;
export type SecurityInfo = z.output<typeof SecurityConfig>;

/** A player and their endowment. */
export const PlayerSetup = z.object({
  playerId: PlayerId,
  name: PlayerName,
  /** Starting cash, minor units. */
  cash: int(0, 1e15),
  /** Starting holdings, lots per security. */
  holdings: z.array(z.object({ securityId: SecurityId, qty: int(0, MAX_QTY_LOTS) })).default([]),
});
export type PlayerSetup = z.input<typeof PlayerSetup>;

/** A new order. `price` is required for limit orders and ignored for market orders. */
export const PlaceOrder = z.object({
  securityId: SecurityId,
  side: Side,
  type: OrderType.default("limit"),
  tif: TimeInForce.default("GTC"),
  postOnly: z.boolean().default(false),
  price: int(1, MAX_PRICE_TICKS).optional(),
  qty: int(1, MAX_QTY_LOTS),
  /** Idempotency key: a retry with the same id returns the first result and changes nothing. */
  clientOrderId: ClientOrderId.optional(),
  /** A stop-loss (stop price) and/or take-profit (limit price) armed by this order's fills (docs/core.md "Stop orders"). */
  bracket: z
    .object({ stopLoss: int(1, MAX_PRICE_TICKS).optional(), takeProfit: int(1, MAX_PRICE_TICKS).optional() })
    .optional(),
  /** CFD securities: the position's leverage from this order on, 1 .. the security's maximum (10000 / initialMarginBps). */
  leverage: int(1, 100).optional(),
});
export type PlaceOrder = z.input<typeof PlaceOrder>;

/** One leg of a stop order (docs/core.md "Stop orders"). */
export const StopLeg = z.object({
  type: OrderType.default("market"),
  tif: TimeInForce.optional(),
  price: int(1, MAX_PRICE_TICKS).optional(),
  stopPrice: int(1, MAX_PRICE_TICKS),
  kind: StopKind.default("stop"),
  trigger: StopTrigger.default("last"),
});

/** A stop order, optionally with a one-cancels-other second leg. */
export const PlaceStop = StopLeg.extend({
  securityId: SecurityId,
  side: Side,
  qty: int(1, MAX_QTY_LOTS),
  oco: StopLeg.optional(),
});
export type PlaceStop = z.input<typeof PlaceStop>;

export const CancelOrder = z.object({ securityId: SecurityId, orderId: OrderId });
export type CancelOrder = z.infer<typeof CancelOrder>;

export const CancelAll = z.object({ securityId: SecurityId.optional() });
export type CancelAll = z.infer<typeof CancelAll>;

/** Amend: `qty` is the new open quantity; `price` a new limit (omitted keeps the price). */
export const AmendOrder = z.object({
  securityId: SecurityId,
  orderId: OrderId,
  qty: int(1, MAX_QTY_LOTS),
  price: int(1, MAX_PRICE_TICKS).optional(),
});
export type AmendOrder = z.infer<typeof AmendOrder>;

// ---- events: the game's log, one JSON document per stream entry ----

const base = { seq: z.number().int(), ts: z.number().int() };
const orderRef = { securityId: SecurityId, orderId: OrderId, playerId: PlayerId };

/** A headline for every player, optionally shifting reference prices from now on (basis points, -9000..10000). */
export const NewsItem = z.object({
  headline: Headline,
  shifts: z
    .array(z.object({ securityId: SecurityId, bps: int(-9000, 10_000) }))
    .max(50)
    .default([]),
});
export type NewsItem = z.input<typeof NewsItem>;

/** Private information for a group of players (e.g. a signal about a security's final value, in ticks). */
export const SignalItem = z.object({
  group: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  playerIds: z.array(PlayerId).min(1).max(10_000),
  text: SignalText,
  securityId: SecurityId.optional(),
  value: int(0, MAX_PRICE_TICKS).optional(),
});
export type SignalItem = z.input<typeof SignalItem>;

export const CancelReason = z.enum([
  "user",
  "cancel_all",
  "round_end",
  "admin",
  "amend",
  "stp",
  "max_matches",
  "ioc",
  "fok",
  "market",
  "liquidation",
]);

/** Why a stop order left without triggering, or why its triggered order could not be placed ("rejected"). */
export const StopCancelReason = z.enum([
  "user",
  "oco",
  "entry_unfilled",
  "rejected",
  "cancel_all",
  "round_end",
  "admin",
  "liquidation",
]);

export const EngineEvent = z.discriminatedUnion("type", [
  z.object({
    ...base,
    type: z.literal("game_created"),
    name: z.string(),
    stp: StpMode,
    maxMatches: z.number().int(),
    allowShort: z.boolean(),
    protectionBps: z.number().int(),
    grossLimit: z.number().int().default(0),
    netLimit: z.number().int().default(0),
    /** Risk mode, mark rule and the insurance fund's starting cash (minor units); logs before margin mode mean cash, last_trade, 0. */
    mode: RiskModeName.default("cash"),
    markRule: MarkPriceRule.default("last_trade"),
    insuranceFund: z.number().int().default(0),
  }),
  z.object({
    ...base,
    type: z.literal("security_added"),
    securityId: SecurityId,
    symbol: z.string(),
    tickSize: z.string(),
    lotSize: z.number().int(),
    scale: z.number().int(),
    bandLow: z.number().int(),
    bandHigh: z.number().int(),
    shortLimit: z.number().int(),
    positionLimit: z.number().int(),
    maxOrderQty: z.number().int(),
    takerFee: z.number().int().default(0),
    makerRebate: z.number().int().default(0),
    limitWeight: z.number().int().default(1),
    /** Margin rates (basis points of the notional at the mark) and the starting reference price (ticks, 0 = none). */
    initialMarginBps: z.number().int().default(10_000),
    maintenanceMarginBps: z.number().int().default(5_000),
    referencePrice: z.number().int().default(0),
    /** "cfd" and the CFD quote's half-spread (ticks); absent on book securities ("book", 0). */
    kind: SecurityKind.optional(),
    halfSpread: z.number().int().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("player_added"),
    playerId: PlayerId,
    name: z.string(),
    cash: z.number().int(),
    holdings: z.array(z.object({ securityId: SecurityId, qty: z.number().int() })),
  }),
  z.object({ ...base, type: z.literal("phase_changed"), from: Phase, to: Phase }),
  z.object({
    ...base,
    ...orderRef,
    type: z.literal("order_accepted"),
    clientOrderId: z.string().optional(),
    side: Side,
    orderType: OrderType,
    tif: TimeInForce,
    postOnly: z.boolean(),
    price: z.number().int(),
    qty: z.number().int(),
  }),
  z.object({
    ...base,
    type: z.literal("fill"),
    securityId: SecurityId,
    price: z.number().int(),
    qty: z.number().int(),
    aggressor: Side,
    makerOrderId: OrderId,
    takerOrderId: OrderId,
    makerPlayerId: PlayerId,
    takerPlayerId: PlayerId,
    makerRemaining: z.number().int(),
    takerRemaining: z.number().int(),
    /** Fee the taker paid for this fill (takerFee x qty), minor units; 0 in logs written before fees. */
    takerFee: z.number().int().default(0),
    /** Rebate the maker received for this fill (makerRebate x qty), minor units. */
    makerRebate: z.number().int().default(0),
  }),
  z.object({
    ...base,
    ...orderRef,
    type: z.literal("order_rested"),
    side: Side,
    price: z.number().int(),
    qty: z.number().int(),
  }),
  z.object({
    ...base,
    ...orderRef,
    type: z.literal("order_cancelled"),
    side: Side,
    price: z.number().int(),
    qty: z.number().int(),
    reason: CancelReason,
  }),
  z.object({ ...base, type: z.literal("admin_action"), action: z.string(), actor: z.string(), detail: z.string() }),
  z.object({
    ...base,
    type: z.literal("news"),
    headline: z.string(),
    shifts: z.array(z.object({ securityId: SecurityId, bps: z.number().int() })),
    /** Round running time (ms) when the news was announced: its shifts apply to the reference path from then on. */
    atMs: z.number().int().default(0),
  }),
  z.object({
    ...base,
    type: z.literal("signal"),
    group: z.string(),
    playerIds: z.array(PlayerId),
    text: z.string(),
    securityId: SecurityId.optional(),
    value: z.number().int().optional(),
  }),
  z.object({
    ...base,
    ...orderRef,
    type: z.literal("order_amended"),
    side: Side,
    price: z.number().int(),
    oldQty: z.number().int(),
    qty: z.number().int(),
  }),
  /**
   * A call (docs/markets.md): the security's book cleared at one price. `price` 0 and `qty` 0 = nothing
   * crossed. The fills of the call follow it in the same command, each at `price`; `buyQty`/`sellQty`
   * = lots bid at or above / offered at or below the price (the imbalance is their difference);
   * `referencePrice` = the reference the call was given for its tie-break (0 = none).
   */
  z.object({
    ...base,
    type: z.literal("auction"),
    securityId: SecurityId,
    price: z.number().int(),
    qty: z.number().int(),
    buyQty: z.number().int(),
    sellQty: z.number().int(),
    referencePrice: z.number().int(),
  }),
  /**
   * A dividend of `amount` minor units per lot for `period` (docs/markets.md "Asset market with
   * dividends"): each holder's cash changes by `cash` (qty x amount for a long; a short pays qty x
   * amount, at most its available cash). Holders with no position are not listed.
   */
  z.object({
    ...base,
    type: z.literal("dividend"),
    securityId: SecurityId,
    period: z.number().int(),
    amount: z.number().int(),
    payments: z.array(z.object({ playerId: PlayerId, qty: z.number().int(), cash: z.number().int() })),
  }),
  /** The security's trading mode changed (docs/markets.md). */
  z.object({ ...base, type: z.literal("trading_mode"), securityId: SecurityId, mode: TradingMode }),
  /**
   * A stop order waits (docs/core.md "Stop orders"): when the trigger price (last trade or mark) reaches
   * `stopPrice` in the direction of `kind`, it places a `orderType` order of `qty` lots (limit at `price`,
   * 0 for market). `ocoStopId` names the stop it cancels when it triggers (0 = none); `parentOrderId` the
   * bracket entry whose fills arm it (0 = armed now; an unarmed child has qty 0 until stop_armed).
   */
  z.object({
    ...base,
    type: z.literal("stop_accepted"),
    securityId: SecurityId,
    stopId: OrderId,
    playerId: PlayerId,
    side: Side,
    orderType: OrderType,
    tif: TimeInForce,
    price: z.number().int(),
    qty: z.number().int(),
    stopPrice: z.number().int(),
    trigger: StopTrigger,
    kind: StopKind,
    ocoStopId: z.number().int(),
    parentOrderId: z.number().int(),
  }),
  /** A bracket child's qty became `qty` lots (its entry filled that much so far). */
  z.object({
    ...base,
    type: z.literal("stop_armed"),
    securityId: SecurityId,
    stopId: OrderId,
    playerId: PlayerId,
    qty: z.number().int(),
  }),
  /** A stop triggered at `triggerPrice` (ticks); its order's events follow (or stop_cancelled "rejected"). */
  z.object({
    ...base,
    type: z.literal("stop_triggered"),
    securityId: SecurityId,
    stopId: OrderId,
    playerId: PlayerId,
    triggerPrice: z.number().int(),
  }),
  /** A stop left without triggering; `code` = the rejection of its triggered order (reason "rejected"). */
  z.object({
    ...base,
    type: z.literal("stop_cancelled"),
    securityId: SecurityId,
    stopId: OrderId,
    playerId: PlayerId,
    reason: StopCancelReason,
    code: z.string().optional(),
  }),
  /** The security's reference price (ticks) from now on (a scenario path or an admin). */
  z.object({ ...base, type: z.literal("reference_price"), securityId: SecurityId, price: z.number().int() }),
  /**
   * Margin mode: the player's equity (minor units, at the marks) fell below the maintenance requirement;
   * the liquidation follows in the same command (liquidation_order and fund_transfer events).
   */
  z.object({
    ...base,
    type: z.literal("margin_call"),
    playerId: PlayerId,
    equity: z.number().int(),
    maintenance: z.number().int(),
  }),
  /** A liquidation closes one position with a protected IOC order: order `orderId`, whose events follow. */
  z.object({
    ...base,
    type: z.literal("liquidation_order"),
    playerId: PlayerId,
    securityId: SecurityId,
    orderId: OrderId,
    side: Side,
    qty: z.number().int(),
  }),
  /**
   * The insurance fund takes over what the book could not absorb: `qty` lots of the player's position
   * (signed, the lots the player gives: + sells to the fund) at `price` ticks (the mark), paying `cash`
   * (minor units, from the fund to the player; negative = the player pays). securityId 0 with qty 0 =
   * the fund covers a negative balance (cash = the deficit).
   */
  z.object({
    ...base,
    type: z.literal("fund_transfer"),
    playerId: PlayerId,
    securityId: z.number().int(),
    qty: z.number().int(),
    price: z.number().int(),
    cash: z.number().int(),
  }),
  /**
   * A CFD order filled by the house at its quote (docs/margin.md "CFD securities"): `qty` lots of order
   * `orderId` at `price` ticks (the ask for a buy, the bid for a sell), always whole; `fee` = the taker
   * fee (minor units) the player pays the house. The house (the insurance fund) takes the other side:
   * cash price x qty x scale + fee moves between the player and the fund. `resting` = the order was a
   * waiting limit order (it leaves the book and its lock is released); else it is the order being placed.
   */
  z.object({
    ...base,
    type: z.literal("cfd_fill"),
    securityId: SecurityId,
    orderId: OrderId,
    playerId: PlayerId,
    side: Side,
    price: z.number().int(),
    qty: z.number().int(),
    fee: z.number().int(),
    /** The order's limit (ticks; a market order's: the quote it took). */
    limit: z.number().int(),
    resting: z.boolean(),
  }),
  /** A player's leverage on a CFD security from now on: the position's initial margin rate, basis points (10000 / leverage, rounded up). */
  z.object({
    ...base,
    type: z.literal("cfd_leverage"),
    securityId: SecurityId,
    playerId: PlayerId,
    leverage: z.number().int(),
    initialMarginBps: z.number().int(),
  }),
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

/**
 * An event as read from a log (the stream's `data`, PostgreSQL `events.data`, a JSON text or value):
 * checked against EngineEvent and upgraded to the current version (fields added later take the value an
 * older log means by their absence: no fees, no game limits, limit weight 1, news at running time 0).
 * Every reader parses ONCE, where it reads; the reducers (core/evolve.ts) take parsed events only.
 * Throws ZodError (or SyntaxError for a text that is not JSON).
 */
export function parseEvent(raw: unknown): EngineEvent {
  return EngineEvent.parse(typeof raw === "string" ? JSON.parse(raw) : raw);
}
export type EventOf<T extends EngineEvent["type"]> = Extract<EngineEvent, { type: T }>;
export type FillEvent = EventOf<"fill">;

// ---- results ----

export const OrderStatus = z.enum(["new", "partially_filled", "filled", "cancelled", "expired"]);

/** What became of a placed order. notional = sum of fill price x qty x scale, minor units. */
export const OrderSummary = z.object({
  orderId: OrderId,
  securityId: SecurityId,
  playerId: PlayerId,
  clientOrderId: z.string().optional(),
  side: Side,
  orderType: OrderType,
  tif: TimeInForce,
  postOnly: z.boolean(),
  /** The limit, or for a market order the protection bound it traded within. */
  price: z.number().int(),
  qty: z.number().int(),
  filledQty: z.number().int(),
  restingQty: z.number().int(),
  cancelledQty: z.number().int(),
  notional: z.number().int(),
  status: OrderStatus,
  /** Why the unfilled remainder did not rest ('' when it rested or nothing remained). */
  reason: z.union([CancelReason, z.literal("")]),
  stp: z.enum(["none", "cancel_incoming", "cancel_resting"]),
  stpCancelledOrderIds: z.array(OrderId),
  /** True when matching stopped at the game's maxMatches; the remainder was cancelled. */
  truncated: z.boolean(),
});
export type OrderSummary = z.infer<typeof OrderSummary>;

interface Logged {
  ok: true;
  events: EngineEvent[];
  firstSeq: number;
  lastSeq: number;
}
export interface PlaceResult extends Logged {
  order: OrderSummary;
  duplicate?: true;
  fills: FillEvent[];
}
export interface CancelResult extends Logged {
  cancelled: { orderId: number; securityId: number; side: "buy" | "sell"; price: number; qty: number };
}
export interface CancelAllResult extends Logged {
  cancelledOrderIds: { securityId: number; orderId: number }[];
  truncated: boolean;
}
export interface AmendResult extends Logged {
  amended: { orderId: number; qty: number; priorityKept: boolean };
  order?: OrderSummary;
  fills: FillEvent[];
}
/** place_stop: the stop ids given (two for a one-cancels-other pair). cancel_stop: the one cancelled. */
export interface StopResult extends Logged {
  stopIds: number[];
}
export interface SetupResult extends Logged {
  phase?: z.infer<typeof Phase>;
}
/** uncross / set_trading_mode: the call's clearing price and volume (0, 0 when nothing crossed or no call ran). */
export interface AuctionResult extends Logged {
  price: number;
  qty: number;
  fills: FillEvent[];
}

export interface BookLevel {
  price: number;
  qty: number;
  orders: number;
}
export interface BookDepth {
  ok: true;
  securityId: number;
  seq: number;
  bids: BookLevel[];
  asks: BookLevel[];
}
export interface OpenOrder {
  orderId: number;
  securityId: number;
  side: "buy" | "sell";
  price: number;
  qty: number;
  amount: number;
  clientOrderId?: string;
  ts: number;
}
export interface Position {
  securityId: number;
  qty: number;
  locked: number;
  openBuy: number;
}
export interface Inventory {
  ok: true;
  playerId: string;
  cash: number;
  cashLocked: number;
  positions: Position[];
}
export interface GameInfo {
  ok: true;
  seq: number;
  game: {
    name: string;
    phase: z.infer<typeof Phase>;
    stp: z.infer<typeof StpMode>;
    maxMatches: number;
    allowShort: boolean;
    protectionBps: number;
    grossLimit: number;
    netLimit: number;
    createdAt: number;
  };
  securities: SecurityInfo[];
  players: { playerId: string; name: string }[];
}
