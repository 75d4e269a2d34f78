/**
 * The momentum trader bot strategy (docs/market.md "Bots"). Prices in ticks, quantities in lots.
 */
import type { Rng } from "./bot-random.ts";
import type { BotContext } from "./bot-context.ts";
import { BaseBot, bpsOf, clamp, divRound } from "./bot-base.ts";

export interface MomentumTraderParams {
  securityIds?: number[];
  /** Look-back window, ms of game time (default 5000: five trading days at one per second). */
  windowMs?: number;
  /** Move over the window that triggers a trade, bps of the older reference (default 50). */
  thresholdBps?: number;
  /** Largest trade, lots (default 5); each trade draws 1..qty. */
  qty?: number;
  /** Largest position it builds, lots (default 50). */
  maxPosition?: number;
  /** How far past the reference its IOC limit reaches, bps (default 30). */
  slippageBps?: number;
}

/**
 * Trend follower: keeps the reference it saw at each step; when the reference rose by thresholdBps or
 * more over windowMs it buys, when it fell it sells what it holds, with IOC limit orders priced
 * slippageBps past the reference (marketable when the book is near the reference; any rest expires).
 */
export class MomentumTrader extends BaseBot {
  readonly kind = "momentum" as const;
  private readonly p: Required<Omit<MomentumTraderParams, "securityIds">>;
  private readonly history = new Map<number, { t: number; ref: number }[]>();

  constructor(rng: Rng, params: MomentumTraderParams = {}) {
    super(rng, params.securityIds);
    this.p = {
      windowMs: params.windowMs ?? 5000,
      thresholdBps: params.thresholdBps ?? 50,
      qty: params.qty ?? 5,
      maxPosition: params.maxPosition ?? 50,
      slippageBps: params.slippageBps ?? 30,
    };
  }

  /** The move over the window in bps (integer, rounded), or undefined before a full window was seen. */
  signal(securityId: number, now: number, ref: number): number | undefined {
    const h = this.history.get(securityId) ?? [];
    this.history.set(securityId, h);
    h.push({ t: now, ref });
    // Keep the newest sample at or before now - window and everything after it.
    while (h.length > 1 && h[1]!.t <= now - this.p.windowMs) h.shift();
    const past = h[0]!;
    if (past.t > now - this.p.windowMs) return undefined;
    return divRound((ref - past.ref) * 10_000, past.ref);
  }

  protected async act(ctx: BotContext): Promise<void> {
    const now = ctx.now();
    for (const sec of this.targets(ctx)) {
      const sid = sec.securityId;
      const ref = ctx.reference(sid);
      const qtyDraw = this.rng.int(1, this.p.qty);
      const move = this.signal(sid, now, ref);
      if (move === undefined || Math.abs(move) < this.p.thresholdBps) continue;
      const slip = bpsOf(ref, this.p.slippageBps);
      if (move > 0) {
        const price = clamp(ref + slip, sec.bandLow, sec.bandHigh);
        const room = this.p.maxPosition - ctx.position(sid);
        const qty = Math.min(qtyDraw, room, Math.floor(ctx.cash() / (price * sec.scale)));
        if (qty > 0) await this.place(ctx, { securityId: sid, side: "buy", tif: "IOC", price, qty });
      } else {
        const price = clamp(ref - slip, sec.bandLow, sec.bandHigh);
        const qty = Math.min(qtyDraw, this.sellable(ctx, sid));
        if (qty > 0) await this.place(ctx, { securityId: sid, side: "sell", tif: "IOC", price, qty });
      }
    }
  }
}
