/**
 * Zod schemas of the REST API under /api/v1 (docs/algo-trading.md): request bodies, path parameters and
 * queries, which the routes validate with, and the replies, which the OpenAPI document is generated
 * from (openapi.ts). Orders use the room's own schemas (shared PlaceOrder, AmendOrder), so a program and
 * a browser are held to the same rules.
 *
 * Units as everywhere: price in ticks, qty in lots, cash in minor units, times in ms since the epoch,
 * `seq` = the game's event sequence number. An order's REST id is `<securityId>-<orderId>` (order ids
 * are numbered per security).
 */
import { z } from "zod";
import { PlaceOrder, text } from "@marketroom/shared";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** A query parameter holding a whole number (query values arrive as text). */
const qint = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const Side = z.enum(["buy", "sell"]);

// ---- requests ----

export const PlaceOrderBody = PlaceOrder.meta({ id: "PlaceOrderBody" });

/** Amend: the new open qty; `price` a new limit (omitted keeps it). */
export const AmendBody = z
  .object({ qty: int(1, 1_000_000_000), price: int(1, 1_000_000_000).optional() })
  .meta({ id: "AmendBody" });

/** `<securityId>-<orderId>`, e.g. `1-42`. */
export const OrderIdParam = z.object({
  id: z.string().regex(/^[1-9]\d{0,9}-[1-9]\d{0,11}$/, "an order id is <securityId>-<orderId>"),
});

export const SecurityParam = z.object({
  security: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, "a security id")
    .transform(Number),
});

export const KeyIdParam = z.object({ keyId: z.string().regex(/^k_[0-9a-f]{16}$/, "a key id") });
export const AdminKeyParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  pid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
});
export const AdminKeyIdParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  keyId: z.string().regex(/^k_[0-9a-f]{16}$/),
});
export const AdminGameParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export const OrdersQuery = z.object({
  /** open: resting orders now (from the engine); history: every order, newest first (persisted log). */
  status: z.enum(["open", "history"]).default("open"),
  securityId: qint(1, 2_147_483_647).optional(),
  side: Side.optional(),
  /** history: only orders accepted before this seq (paging: pass the last page's `nextBefore`). */
  before: qint(1, Number.MAX_SAFE_INTEGER).optional(),
  limit: qint(1, 500).default(100),
});

export const CancelAllQuery = z.object({ securityId: qint(1, 2_147_483_647).optional() });
export const BookQuery = z.object({ depth: qint(1, 100).default(20) });
export const TradesQuery = z.object({
  /** Only trades with seq > since. */
  since: qint(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: qint(1, 1000).default(100),
});
export const CANDLE_INTERVALS = {
  "1s": 1000,
  "5s": 5000,
  "15s": 15_000,
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
} as const;
export const CandlesQuery = z.object({
  interval: z.enum(Object.keys(CANDLE_INTERVALS) as [keyof typeof CANDLE_INTERVALS]).default("1m"),
  limit: qint(1, 1000).default(500),
});
export const FillsQuery = z.object({
  securityId: qint(1, 2_147_483_647).optional(),
  since: qint(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: qint(1, 1000).default(100),
});

/** A key's own request limit; at most the server's (API_KEY_RATE_LIMIT per API_KEY_RATE_WINDOW_MS). */
export const KeyRateLimit = z.object({ requests: int(1, 100_000), windowMs: int(100, 3_600_000) });
/** Longest lifetime a key may be given with `expiresAt` (docs/algo-trading.md, "API keys"): one year. */
export const MAX_KEY_LIFETIME_MS = 366 * 24 * 3600_000;
export const CreateKeyBody = z
  .object({
    name: text({ max: 64 }).default(""),
    rateLimit: KeyRateLimit.optional(),
    expiresAt: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("ms since the epoch; the key stops working then (in the future, at most a year ahead)"),
    gameId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe(
        "with a session token: make the key for this round of the session only (default: a session key that follows the current round)",
      ),
  })
  .meta({ id: "CreateKeyBody" });

// ---- replies ----

export const ErrorBody = z
  .object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfterMs: z.number().int().optional(),
  })
  .meta({ id: "Error" });

const OrderStatus = z.enum(["new", "partially_filled", "filled", "cancelled", "expired"]);

export const OrderView = z
  .object({
    id: z.string(),
    orderId: z.number().int(),
    securityId: z.number().int(),
    side: Side,
    type: z.enum(["limit", "market"]).optional(),
    tif: z.enum(["GTC", "IOC", "FOK"]).optional(),
    postOnly: z.boolean().optional(),
    price: z.number().int(),
    qty: z.number().int(),
    openQty: z.number().int(),
    filledQty: z.number().int().optional(),
    cancelledQty: z.number().int().optional(),
    status: OrderStatus,
    cancelReason: z.string().optional(),
    clientOrderId: z.string().optional(),
    acceptedSeq: z.number().int().optional(),
    ts: z.number().int(),
  })
  .meta({ id: "Order" });

export const FillView = z
  .object({
    seq: z.number().int(),
    ts: z.number().int(),
    securityId: z.number().int(),
    orderId: z.number().int(),
    side: Side,
    price: z.number().int(),
    qty: z.number().int(),
    role: z.enum(["maker", "taker"]),
    /** Fee paid (taker) or minus the rebate received (maker), minor units. */
    fee: z.number().int(),
  })
  .meta({ id: "Fill" });

const OrderSummary = z
  .object({
    orderId: z.number().int(),
    securityId: z.number().int(),
    clientOrderId: z.string().optional(),
    side: Side,
    orderType: z.enum(["limit", "market"]),
    tif: z.enum(["GTC", "IOC", "FOK"]),
    postOnly: z.boolean(),
    price: z.number().int(),
    qty: z.number().int(),
    filledQty: z.number().int(),
    restingQty: z.number().int(),
    cancelledQty: z.number().int(),
    notional: z.number().int(),
    status: OrderStatus,
    reason: z.string(),
  })
  .loose();

export const PlaceReply = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    order: OrderSummary,
    fills: z.array(FillView),
    /** True when this is a retry: the first result of this clientOrderId, nothing done again. */
    duplicate: z.boolean(),
  })
  .meta({ id: "PlaceReply" });

export const CancelReply = z
  .object({
    seq: z.number().int(),
    cancelled: z.object({
      id: z.string(),
      orderId: z.number().int(),
      securityId: z.number().int(),
      side: Side,
      price: z.number().int(),
      qty: z.number().int(),
    }),
  })
  .meta({ id: "CancelReply" });

export const CancelAllReply = z
  .object({
    seq: z.number().int(),
    cancelled: z.array(z.object({ id: z.string(), securityId: z.number().int(), orderId: z.number().int() })),
    /** More orders remain (the engine cancels at most maxMatches per call): send it again. */
    truncated: z.boolean(),
  })
  .meta({ id: "CancelAllReply" });

export const AmendReply = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    amended: z.object({ orderId: z.number().int(), qty: z.number().int(), priorityKept: z.boolean() }),
    order: OrderSummary.optional(),
    fills: z.array(FillView),
  })
  .meta({ id: "AmendReply" });

export const OrderList = z
  .object({ orders: z.array(OrderView), nextBefore: z.number().int().nullable() })
  .meta({ id: "OrderList" });

export const SecurityView = z
  .object({
    securityId: z.number().int(),
    symbol: z.string(),
    tickSize: z.string(),
    lotSize: z.number().int(),
    scale: z.number().int(),
    bandLow: z.number().int(),
    bandHigh: z.number().int(),
    maxOrderQty: z.number().int(),
    positionLimit: z.number().int(),
    shortLimit: z.number().int(),
    takerFee: z.number().int(),
    makerRebate: z.number().int(),
    refPrice: z.number().int(),
  })
  .meta({ id: "Security" });

const Level = z.object({ price: z.number().int(), qty: z.number().int(), orders: z.number().int() });
export const BookView = z
  .object({ securityId: z.number().int(), seq: z.number().int(), bids: z.array(Level), asks: z.array(Level) })
  .meta({ id: "Book" });

export const TradeView = z
  .object({
    seq: z.number().int(),
    ts: z.number().int(),
    price: z.number().int(),
    qty: z.number().int(),
    aggressor: Side,
  })
  .meta({ id: "Trade" });

export const CandleView = z
  .object({
    /** Bucket start, ms since the epoch. */
    t: z.number().int(),
    open: z.number().int(),
    high: z.number().int(),
    low: z.number().int(),
    close: z.number().int(),
    volume: z.number().int(),
    trades: z.number().int(),
  })
  .meta({ id: "Candle" });

export const AccountView = z
  .object({
    gameId: z.string(),
    playerId: z.string(),
    seq: z.number().int(),
    cash: z.number().int(),
    cashLocked: z.number().int(),
    holdings: z.array(
      z.object({
        securityId: z.number().int(),
        qty: z.number().int(),
        locked: z.number().int(),
        openBuy: z.number().int(),
      }),
    ),
    equity: z.number().int(),
    pnl: z.number().int(),
    realizedPnl: z.number().int(),
    unrealizedPnl: z.number().int(),
    fees: z.number().int(),
  })
  .meta({ id: "Account" });

export const GameView = z
  .object({
    gameId: z.string(),
    name: z.string(),
    phase: z.enum(["lobby", "running", "paused", "ended"]),
    seq: z.number().int(),
    clock: z.record(z.string(), z.number()),
    rules: z.record(z.string(), z.unknown()),
    news: z.array(
      z.object({
        seq: z.number().int(),
        ts: z.number().int(),
        headline: z.string(),
        shifts: z.array(z.object({ securityId: z.number().int(), bps: z.number().int() })),
      }),
    ),
  })
  .meta({ id: "Game" });

export const KeyInfo = z
  .object({
    keyId: z.string(),
    gameId: z.string(),
    playerId: z.string(),
    name: z.string(),
    rateLimit: z.object({ requests: z.number().int(), windowMs: z.number().int() }),
    createdBy: z.enum(["player", "admin"]),
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
    expiresAt: z.number().int().nullable().describe("ms since the epoch; null = until revoked"),
    scope: z
      .enum(["round", "session"])
      .describe("round: gameId is the round; session: gameId is session:<id> and the key follows its current round"),
  })
  .meta({ id: "ApiKey" });
export const NewKey = KeyInfo.extend({ key: z.string() }).meta({ id: "NewApiKey" });
export const KeyList = z.object({ keys: z.array(KeyInfo) });
