/**
 * What a stream connection (stream.ts) holds and asks for: the ops a client may send (`Op`, zod) and the
 * connection's state: its book, candle and channel subscriptions, its op rate window, its keep-alive
 * flag. The protocol is in stream.ts' header and docs/algo-trading.md, "Stream".
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { z } from "zod";
import type { BookLevel, EngineEvent } from "@marketroom/shared";
import { CANDLE_INTERVALS } from "./schemas.ts";
import type { CandleBuilder } from "./stream-candles.ts";
import type { TradeMsg } from "./stream-publisher.ts";

export const MAX_DEPTH = 100;

/** One client op; anything else is answered with INVALID_MESSAGE. */
export const Op = z.union([
  z.object({
    op: z.literal("subscribe"),
    channel: z.literal("book"),
    securityId: z.number().int().min(1),
    depth: z.number().int().min(1).max(MAX_DEPTH).default(20),
  }),
  z.object({ op: z.literal("subscribe"), channel: z.literal("executions"), since: z.number().int().min(0).optional() }),
  z.object({
    op: z.literal("subscribe"),
    channel: z.literal("candles"),
    securityId: z.number().int().min(1),
    interval: z.enum(Object.keys(CANDLE_INTERVALS) as [keyof typeof CANDLE_INTERVALS]),
  }),
  z.object({ op: z.literal("subscribe"), channel: z.enum(["trades", "news", "clock"]) }),
  z.object({
    op: z.literal("unsubscribe"),
    channel: z.enum(["book", "candles", "trades", "news", "clock", "executions"]),
    securityId: z.number().int().min(1).optional(),
  }),
  z.object({ op: z.literal("ping") }),
]);

/** `skipped`: an update was not sent (slow reader); the next message of the subscription is a snapshot. */
export interface BookSub {
  conn: Conn;
  securityId: number;
  depth: number;
  seq: number;
  gameSeq: number;
  bids: BookLevel[];
  asks: BookLevel[];
  skipped: boolean;
}

export interface Conn {
  ws: WebSocket;
  /** The connection's TCP socket (the fan-out writes its data frames there, stream-fanout.ts). */
  socket: Duplex;
  gameId: string;
  playerId: string;
  keyId: string;
  books: Map<number, BookSub>;
  /** `${securityId}|${interval}` -> its candle; `waiting`: live trades that arrive while it starts from the stored ones. */
  candles: Map<string, CandleSub>;
  trades: boolean;
  news: boolean;
  clock: boolean;
  executions: boolean;
  ops: { windowStart: number; count: number };
  alive: boolean;
  /** Data frames waiting for the next flush (stream-fanout.ts) and their total bytes. */
  held: { frames: Buffer[]; bytes: number };
  expiry?: NodeJS.Timeout;
  /** While executions are being replayed (`since`): live ones wait here, then go out after the replay. */
  execBuffer?: EngineEvent[];
}

export interface CandleSub {
  builder: CandleBuilder;
  waiting?: TradeMsg[];
}
