/**
 * The noise trader bot strategy (docs/market.md "Bots"). Prices in ticks, quantities in lots.
 */
import type { Rng } from "./bot-random.ts";
import type { BotContext, BotOpenOrder } from "./bot-context.ts";
import { BaseBot, bpsOf, clamp } from "./bot-base.ts";

export interface NoiseTraderParams {
  securityIds?: number[];
  /** Probability of placing an order in a step (default 0.6). */
  actProb?: number;
  /** Probability that an order crosses: a limit at the opposite best price (default 0.25). */
  crossProb?: number;
  /** Probability of cancelling one random own order in a step (default 0.3). */
  cancelProb?: number;
  /** Passive orders sit 1 tick to this many bps of the anchor away from it (default 30). */
  widthBps?: number;
  /** Largest order, lots (default 5). */
  maxQty?: number;
  /** Open orders per security beyond which the oldest is cancelled (default 4). */
  maxOpenOrders?: number;
}

/**
 * Random small limit orders near the mid (the reference when a side of the book is empty): each step
 * picks a security, maybe cancels one of its orders at random, and maybe places one on a random side,
 * passive within widthBps of the anchor or, with crossProb, at the opposite best price (a marketable
 * limit whose remainder rests). Buys are capped by cash, sells by unlocked holdings.
 */
export class NoiseTrader extends BaseBot {
  readonly kind = "noise" as const;
  private readonly p: Required<Omit<NoiseTraderParams, "securityIds">>;

  constructor(rng: Rng, params: NoiseTraderParams = {}) {
    super(rng, params.securityIds);
    this.p = {
      actProb: params.actProb ?? 0.6,
      crossProb: params.crossProb ?? 0.25,
      cancelProb: params.cancelProb ?? 0.3,
      widthBps: params.widthBps ?? 30,
      maxQty: params.maxQty ?? 5,
      maxOpenOrders: params.maxOpenOrders ?? 4,
    };
  }

  protected async act(ctx: BotContext): Promise<void> {
    const secs = this.targets(ctx);
    if (secs.length === 0) return;
    const sec = this.rng.pick(secs);
    const sid = sec.securityId;
    const open = ctx.openOrders(sid);
    // Draw every random number unconditionally, in a fixed order, so one step consumes the same
    // amount of randomness whatever the market does: runs stay comparable when a branch changes.
    const doCancel = this.rng.chance(this.p.cancelProb);
    const cancelPick = this.rng.float();
    const doAct = this.rng.chance(this.p.actProb);
    const buy = this.rng.chance(0.5);
    const cross = this.rng.chance(this.p.crossProb);
    const offsetDraw = this.rng.float();
    const qtyDraw = this.rng.int(1, this.p.maxQty);

    let cancelled: BotOpenOrder | undefined;
    if (open.length >= this.p.maxOpenOrders)
      cancelled = open[0]; // the oldest
    else if (open.length > 0 && doCancel) cancelled = open[Math.floor(cancelPick * open.length)];
    if (cancelled && !(await this.cancel(ctx, sid, cancelled.orderId))) cancelled = undefined;
    if (!doAct) return;

    const ref = ctx.reference(sid);
    const bb = ctx.bestBid(sid);
    const ba = ctx.bestAsk(sid);
    const anchor = bb !== undefined && ba !== undefined ? Math.floor((bb + ba) / 2) : ref;
    const width = bpsOf(anchor, this.p.widthBps);
    const offset = 1 + Math.floor(offsetDraw * width);
    let side: "buy" | "sell" = buy ? "buy" : "sell";
    const freedLots = cancelled?.side === "sell" ? cancelled.amount : 0;
    const sellable = this.sellable(ctx, sid) + freedLots;
    if (side === "sell" && sellable <= 0) side = "buy";

    const raw =
      side === "buy"
        ? cross && ba !== undefined
          ? ba
          : anchor - offset
        : cross && bb !== undefined
          ? bb
          : anchor + offset;
    const price = clamp(raw, sec.bandLow, sec.bandHigh);
    const freedCash = cancelled?.side === "buy" ? cancelled.price * cancelled.amount * sec.scale : 0;
    const cap = side === "buy" ? Math.floor((ctx.cash() + freedCash) / (price * sec.scale)) : sellable;
    const qty = Math.min(qtyDraw, cap);
    if (qty > 0) await this.place(ctx, { securityId: sid, side, price, qty });
  }
}
