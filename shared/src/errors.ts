/**
 * Stable error codes. Every rejection by the engine, the room or the HTTP API carries one of these
 * codes and a human-readable message, and changes nothing. Clients switch on the code, never on the text.
 */
export const ERROR_CODES = [
  // engine: shapes and rules of an order
  "INVALID_SIDE",
  "INVALID_ORDER_TYPE",
  "INVALID_TIME_IN_FORCE",
  "INVALID_PRICE",
  "INVALID_QUANTITY",
  "INVALID_CLIENT_ORDER_ID",
  "PRICE_OUT_OF_BAND",
  "ORDER_TOO_LARGE",
  "NOTIONAL_TOO_LARGE",
  "POST_ONLY_WOULD_TAKE",
  "FOK_UNFILLABLE",
  "NO_LIQUIDITY",
  "INVALID_LEVERAGE",
  // engine: state
  "MARKET_CLOSED",
  "INSUFFICIENT_FUNDS",
  "INSUFFICIENT_HOLDINGS",
  "POSITION_LIMIT",
  "GROSS_POSITION_LIMIT",
  "NET_POSITION_LIMIT",
  "UNKNOWN_GAME",
  "UNKNOWN_SECURITY",
  "UNKNOWN_PLAYER",
  "UNKNOWN_ORDER",
  "NOT_OWNER",
  "GAME_EXISTS",
  "SECURITY_EXISTS",
  "PLAYER_EXISTS",
  "INVALID_PHASE_TRANSITION",
  "INVALID_ARGUMENT",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A rejection as the engine returns it: `{ ok: false, code, message }`. */
export interface Rejection {
  ok: false;
  code: ErrorCode;
  message: string;
}
