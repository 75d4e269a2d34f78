/**
 * The market maker bot strategy (docs/market.md "Bots"). Prices in ticks, quantities in lots.
 */
import type { Rng } from "./bot-random.ts";
import type { BotContext, BotOpenOrder, BotSecurity } from "./bot-context.ts";
import { BaseBot, bpsOf, clamp, divRound } from "./bot-base.ts";

export interface MarketMakerParams {
  /** Securities to quote (default all). */
  securityIds?: number[];
  /** Full quoted spread, basis points of the reference (default 20), at least minSpreadTicks (default 2). */
  spreadBps?: number;
  minSpreadTicks?: number;
  /** Lots per quote (default 10). */
  size?: number;
  /** Requote when a quote is this many ticks or more off its target (default 1: on every reference move). */
  requoteTicks?: number;
  /** Quotes move against inventory by this many bps of the reference per lot away from target (default 1). */
  skewBpsPerLot?: number;
  /** Skew cap, bps (default 100). */
  maxSkewBps?: number;
  /** Stop quoting the side that adds to inventory beyond target +/- this many lots (default 100). */
  maxInventory?: number;
  /** Inventory to lean towards, lots (default: the position at the bot's first step). */
  targetPosition?: number;
}

/**
 * Keeps one bid and one ask around the reference price. Target quotes: bid = ref - floor(spread/2) -
 * skew, ask = bid + spread, where skew = (position - target) x skewBpsPerLot bps of ref (long => lower
 * quotes, to sell; short => higher, to buy). Quotes off target by >= requoteTicks, and any extra orders,
 * are cancelled (stale) before the new ones are placed, so locked cash and lots are freed first.
 */
export class MarketMaker extends BaseBot {
  readonly kind = "market_maker" as const;
  private readonly p: Required<Omit<MarketMakerParams, "securityIds" | "targetPosition">>;
  private readonly target = new Map<number, number>();

  constructor(
    rng: Rng,
    private readonly params: MarketMakerParams = {},
  ) {
    super(rng, params.securityIds);
    this.p = {
      spreadBps: params.spreadBps ?? 20,
      minSpreadTicks: params.minSpreadTicks ?? 2,
      size: params.size ?? 10,
      requoteTicks: params.requoteTicks ?? 1,
      skewBpsPerLot: params.skewBpsPerLot ?? 1,
      maxSkewBps: params.maxSkewBps ?? 100,
      maxInventory: params.maxInventory ?? 100,
    };
  }

  /** Target bid and ask for a security now (undefined side = do not quote it). */
  quotes(ctx: BotContext, sec: BotSecurity): { bid?: number; ask?: number } {
    const sid = sec.securityId;
    const ref = ctx.reference(sid);
    const pos = ctx.position(sid);
    if (!this.target.has(sid)) this.target.set(sid, this.params.targetPosition ?? pos);
    const excess = pos - this.target.get(sid)!;
    const spread = bpsOf(ref, this.p.spreadBps, this.p.minSpreadTicks);
    const maxSkew = bpsOf(ref, this.p.maxSkewBps, 0);
    const skew = clamp(divRound(excess * this.p.skewBpsPerLot * ref, 10_000), -maxSkew, maxSkew);
    const bid = clamp(ref - Math.floor(spread / 2) - skew, sec.bandLow, sec.bandHigh - 1);
    const ask = clamp(bid + spread, bid + 1, sec.bandHigh);
    return {
      ...(excess < this.p.maxInventory ? { bid } : {}),
      ...(excess > -this.p.maxInventory ? { ask } : {}),
    };
  }

  protected async act(ctx: BotContext): Promise<void> {
    let cash = ctx.cash();
    for (const sec of this.targets(ctx)) {
      const sid = sec.securityId;
      const want = this.quotes(ctx, sec);
      const kept: Partial<Record<"buy" | "sell", BotOpenOrder>> = {};
      let lockedLots = 0; // lots of sells still on the book (kept, or whose cancel failed)
      for (const o of ctx.openOrders(sid)) {
        const target = o.side === "buy" ? want.bid : want.ask;
        const fresh = target !== undefined && Math.abs(o.price - target) < this.p.requoteTicks && !kept[o.side];
        if (fresh) kept[o.side] = o;
        const gone = !fresh && (await this.cancel(ctx, sid, o.orderId));
        if (gone && o.side === "buy") cash += o.price * o.amount * sec.scale;
        if (!gone && o.side === "sell") lockedLots += o.amount;
      }
      if (want.bid !== undefined && !kept.buy) {
        const qty = Math.min(this.p.size, Math.floor(cash / (want.bid * sec.scale)));
        if (qty > 0 && (await this.place(ctx, { securityId: sid, side: "buy", price: want.bid, qty })))
          cash -= want.bid * qty * sec.scale;
      }
      if (want.ask !== undefined && !kept.sell) {
        const qty = Math.min(this.p.size, ctx.position(sid) - lockedLots);
        if (qty > 0) await this.place(ctx, { securityId: sid, side: "sell", price: want.ask, qty });
      }
    }
  }
}
