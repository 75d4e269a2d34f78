/**
 * The commands the core decides (one per command of the Lua engine it replaced, with the same
 * arguments, so the events logged before it still read the same).
 *
 * Arguments arrive from players, admins and drivers, so their types say what a well-formed command
 * holds but decide re-checks every value at run time (a string where a number belongs, a fraction,
 * an unknown side...) and answers a Rejection with its code (shared/src/errors.ts). Units: price in ticks,
 * qty in lots, cash in minor units, atMs in ms.
 */
export interface CreateGameCommand {
  type: "create_game";
  /** 1-64 letters, digits, _ or - (the Valkey keys' hash tag). */
  gameId: string;
  name: string;
  stp: string;
  maxMatches: number;
  allowShort: boolean;
  protectionBps: number;
  grossLimit?: number;
  netLimit?: number;
  /** "cash" (default) or "margin" (docs/margin.md). */
  mode?: string;
  /** How securities are marked: "last_trade" (default), "reference" or "mid" (mark.ts). */
  markRule?: string;
  /** The insurance fund's starting cash, minor units (margin mode; default 0). */
  insuranceFund?: number;
}

export interface AddSecurityCommand {
  type: "add_security";
  securityId: number;
  symbol: string;
  tickSize: string;
  lotSize: number;
  scale: number;
  bandLow: number;
  bandHigh: number;
  shortLimit: number;
  positionLimit: number;
  maxOrderQty: number;
  takerFee?: number;
  makerRebate?: number;
  limitWeight?: number;
  /** Margin rates, basis points (margin mode): initial 100..10000 (default 10000 = 1x), maintenance 1..initial (default initial / 2). */
  initialMarginBps?: number;
  maintenanceMarginBps?: number;
  /** Starting reference price, ticks (0 = none). */
  referencePrice?: number;
  /** "book" (default) or "cfd" (margin mode; core/cfd-order.ts) and the CFD quote's half-spread, ticks. */
  kind?: "book" | "cfd";
  halfSpread?: number;
}

export interface AddPlayerCommand {
  type: "add_player";
  playerId: string;
  name: string;
  cash: number;
  holdings: { securityId: number; qty: number }[];
}

export interface SetPhaseCommand {
  type: "set_phase";
  phase: string;
}

export interface PlaceCommand {
  type: "place";
  playerId: string;
  securityId: number;
  side: string;
  /** "limit" (default) or "market". */
  orderType?: string;
  /** "GTC" (default), "IOC" or "FOK". */
  tif?: string;
  postOnly?: boolean;
  /** Required for limit orders, ignored for market orders. */
  price?: number;
  qty: number;
  /** Idempotency key (at most 64 bytes); "" means none. */
  clientOrderId?: string;
  /**
   * Bracket (docs/core.md "Stop orders"): a stop-loss (stop price of a stop-market order) and/or a
   * take-profit (limit price) on the other side, armed by the entry's fills, one cancelling the other.
   */
  bracket?: { stopLoss?: number; takeProfit?: number };
  /** CFD securities: the position's leverage from this order on (1 .. 10000 / initialMarginBps; core/cfd-order.ts). */
  leverage?: number;
}

/** One leg of a stop order: what it places when its trigger price reaches stopPrice. */
export interface StopLeg {
  /** "market" (default, IOC) or "limit" (at price, GTC unless tif says IOC or FOK). */
  orderType?: string;
  tif?: string;
  price?: number;
  stopPrice: number;
  /** "stop" (default: buy at or above, sell at or below) or "take_profit" (the reverse). */
  kind?: string;
  /** "last" (default: last trade price) or "mark". */
  trigger?: string;
}

/** A stop order (docs/core.md "Stop orders"), optionally with a second leg: a one-cancels-other pair. */
export interface PlaceStopCommand extends StopLeg {
  type: "place_stop";
  playerId: string;
  securityId: number;
  side: string;
  qty: number;
  oco?: StopLeg;
}

export interface CancelStopCommand {
  type: "cancel_stop";
  playerId: string;
  securityId: number;
  stopId: number;
}

/**
 * Replaces the exits of the player's position in one security, atomically (core/stops/exits.ts):
 * stopLoss / takeProfit in ticks (market stops for the whole position; both = an OCO pair; neither =
 * remove them), trigger "last" (default) or "mark".
 */
export interface SetExitsCommand {
  type: "set_exits";
  playerId: string;
  securityId: number;
  stopLoss?: number;
  takeProfit?: number;
  trigger?: string;
}

/** The security's reference price from now on (ticks, 1..10^9): scenario paths, admins; margin and stops read it. */
export interface SetReferenceCommand {
  type: "set_reference";
  securityId: number;
  price: number;
}

export interface CancelCommand {
  type: "cancel";
  playerId: string;
  securityId: number;
  orderId: number;
}

/** Why a cancel-all runs: the player's own ("cancel_all", default), the round's end, or an admin. */
export type CancelAllReason = "cancel_all" | "round_end" | "admin";

export interface CancelAllCommand {
  type: "cancel_all";
  playerId: string;
  securityId?: number;
  reason?: string;
}

export interface AmendCommand {
  type: "amend";
  playerId: string;
  securityId: number;
  orderId: number;
  /** The new open quantity. */
  qty: number;
  /** A new limit; omitted keeps the price. */
  price?: number;
}

export interface LogAdminCommand {
  type: "log_admin";
  action: string;
  actor: string;
  detail?: string;
}

export interface AnnounceCommand {
  type: "announce";
  headline: string;
  /** Round running time (ms) from which the shifts apply. */
  atMs: number;
  shifts: { securityId: number; bps: number }[];
}

export interface SignalCommand {
  type: "signal";
  group: string;
  text: string;
  securityId?: number;
  /** Ticks. */
  value?: number;
  playerIds: string[];
}

/**
 * A call (docs/markets.md): clears the security's book at one price (decide/auction.ts). Only while the
 * game runs. `referencePrice` (ticks) breaks ties between equally good prices (closest to it).
 */
export interface UncrossCommand {
  type: "uncross";
  securityId: number;
  referencePrice?: number;
}

/**
 * Switches a security between continuous trading and calls. Call -> continuous first runs a call
 * (the book must not stay crossed), with `referencePrice` as in uncross.
 */
export interface SetTradingModeCommand {
  type: "set_trading_mode";
  securityId: number;
  mode: string;
  referencePrice?: number;
}

/**
 * A dividend (docs/markets.md): `amount` minor units per lot (0..10^9) to every holder of the security,
 * for dividend period `period` (>= 1); a period already paid changes nothing (no events).
 */
export interface DividendCommand {
  type: "dividend";
  securityId: number;
  period: number;
  amount: number;
}

export type Command =
  | CreateGameCommand
  | AddSecurityCommand
  | AddPlayerCommand
  | SetPhaseCommand
  | PlaceCommand
  | CancelCommand
  | CancelAllCommand
  | AmendCommand
  | LogAdminCommand
  | AnnounceCommand
  | SignalCommand
  | UncrossCommand
  | SetTradingModeCommand
  | DividendCommand
  | PlaceStopCommand
  | CancelStopCommand
  | SetExitsCommand
  | SetReferenceCommand;

/** The caller's context: its clock (ms since the epoch), stamped on every event of the command. */
export interface DecideContext {
  ts: number;
}
