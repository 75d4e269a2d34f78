/**
 * The commands the core decides, one per Lua engine command (lua/*.lua), with the same arguments.
 *
 * Arguments arrive from players, admins and drivers, so their types say what a well-formed command
 * holds but decide re-checks every value at run time (a string where a number belongs, a fraction,
 * an unknown side...) and answers a Rejection with the Lua engine's code. Units: price in ticks,
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
}

export interface AddPlayerCommand {
  type: "add_player";
  playerId: string;
  name: string;
  cash: number;
  holdings: { securityId: number; qty: number }[];
}

export interface SetPhaseCommand { type: "set_phase"; phase: string }

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
}

export interface CancelCommand { type: "cancel"; playerId: string; securityId: number; orderId: number }

/** Why a cancel-all runs: the player's own ("cancel_all", default), the round's end, or an admin. */
export type CancelAllReason = "cancel_all" | "round_end" | "admin";

export interface CancelAllCommand { type: "cancel_all"; playerId: string; securityId?: number; reason?: string }

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

export interface LogAdminCommand { type: "log_admin"; action: string; actor: string; detail?: string }

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
export interface UncrossCommand { type: "uncross"; securityId: number; referencePrice?: number }

/**
 * Switches a security between continuous trading and calls. Call -> continuous first runs a call
 * (the book must not stay crossed), with `referencePrice` as in uncross.
 */
export interface SetTradingModeCommand { type: "set_trading_mode"; securityId: number; mode: string; referencePrice?: number }

/**
 * A dividend (docs/markets.md): `amount` minor units per lot (0..10^9) to every holder of the security,
 * for dividend period `period` (>= 1); a period already paid changes nothing (no events).
 */
export interface DividendCommand { type: "dividend"; securityId: number; period: number; amount: number }

export type Command =
  | CreateGameCommand | AddSecurityCommand | AddPlayerCommand | SetPhaseCommand | PlaceCommand | CancelCommand
  | CancelAllCommand | AmendCommand | LogAdminCommand | AnnounceCommand | SignalCommand | UncrossCommand
  | SetTradingModeCommand | DividendCommand;

/** The caller's context: its clock (ms since the epoch), stamped on every event of the command. */
export interface DecideContext { ts: number }
