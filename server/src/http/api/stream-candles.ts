/**
 * The stream's `candles` channel (docs/algo-trading.md, "Stream"): the OHLCV candle of one security and
 * interval, kept from trades. It starts from the stored trades (the latest SEED_TRADES, from PostgreSQL:
 * the candle of the latest trade's bucket, as GET /candles's last one) and then takes the live trades of
 * the stream; a trade counts once, by its seq. Each change sends the whole current candle, so a client
 * just replaces its last candle with the same `t` (or appends one with a new `t`).
 *
 * Buckets as GET /candles: `t` = floor(ts / width) * width, ms since the epoch. Units: ticks, lots.
 */
import type { TradeMsg } from "./stream-publisher.ts";

/** Stored trades a new candles subscription starts from. */
export const SEED_TRADES = 1000;

export interface Candle {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

type Trade = Pick<TradeMsg, "seq" | "ts" | "price" | "qty">;

export class CandleBuilder {
  private candle: Candle | null = null;
  private lastSeq = 0;

  constructor(
    readonly securityId: number,
    readonly interval: string,
    private readonly widthMs: number,
  ) {}

  /** Starts from stored trades (oldest first): the candle of the latest one's bucket. */
  seed(trades: Trade[]): void {
    const last = trades.at(-1);
    if (!last) return;
    const t = this.bucket(last.ts);
    for (const x of trades) if (this.bucket(x.ts) === t) this.apply(x);
    this.lastSeq = Math.max(this.lastSeq, last.seq);
  }

  /** Adds a trade; the candle's message when it changed it, null when the trade was counted already. */
  apply(x: Trade): object | null {
    if (x.seq <= this.lastSeq) return null;
    this.lastSeq = x.seq;
    const t = this.bucket(x.ts);
    const c = this.candle;
    if (!c || t > c.t)
      this.candle = { t, open: x.price, high: x.price, low: x.price, close: x.price, volume: x.qty, trades: 1 };
    else {
      c.high = Math.max(c.high, x.price);
      c.low = Math.min(c.low, x.price);
      c.close = x.price;
      c.volume += x.qty;
      c.trades++;
    }
    return this.message();
  }

  /** `{ type: "candle", securityId, interval, seq, t, open, high, low, close, volume, trades }`, or null before any trade. */
  message(): object | null {
    if (!this.candle) return null;
    return { type: "candle", securityId: this.securityId, interval: this.interval, seq: this.lastSeq, ...this.candle };
  }

  private bucket(ts: number): number {
    return Math.floor(ts / this.widthMs) * this.widthMs;
  }
}
