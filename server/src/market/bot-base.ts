/**
 * What every bot strategy shares: integer price helpers (ticks, basis points) and `BaseBot`, the
 * plumbing of stats, command wrappers that count rejections and the security lookup.
 */
import type { PlaceOrder } from "@marketroom/shared";
import type { Rng } from "./bot-random.ts";
import type { Bot, BotContext, BotResult, BotSecurity, BotStats } from "./bot-context.ts";
import type { BotKind } from "./bot-kinds.ts";

/** round(a / b) half-up for integers a and b > 0 (exact for |a| < 2^52). */
export const divRound = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));
/** x limited to [lo, hi]. */
export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** Price of `bps` basis points of `ref`, ticks, at least `min`. */
export const bpsOf = (ref: number, bps: number, min = 1) => Math.max(min, divRound(ref * bps, 10_000));

/** Shared plumbing: stats, command wrappers that count rejections, security lookup. */
export abstract class BaseBot implements Bot {
  abstract readonly kind: BotKind;
  readonly stats: BotStats = { steps: 0, placed: 0, cancelled: 0, rejected: 0, rejections: {} };
  constructor(
    protected readonly rng: Rng,
    protected readonly securityIds?: readonly number[],
  ) {}

  async step(ctx: BotContext): Promise<void> {
    this.stats.steps++;
    await this.act(ctx);
  }
  protected abstract act(ctx: BotContext): Promise<void>;

  /** The securities this bot trades (its list, or every security of the context), in id order. */
  protected targets(ctx: BotContext): BotSecurity[] {
    const all = [...ctx.securities()].sort((a, b) => a.securityId - b.securityId);
    return this.securityIds ? all.filter((s) => this.securityIds!.includes(s.securityId)) : all;
  }

  private count(r: BotResult): boolean {
    if (r.ok) return true;
    this.stats.rejected++;
    this.stats.rejections[r.code] = (this.stats.rejections[r.code] ?? 0) + 1;
    return false;
  }
  protected async place(ctx: BotContext, order: PlaceOrder): Promise<boolean> {
    const ok = this.count(await ctx.place(order));
    if (ok) this.stats.placed++;
    return ok;
  }
  protected async cancel(ctx: BotContext, securityId: number, orderId: number): Promise<boolean> {
    const ok = this.count(await ctx.cancel(securityId, orderId));
    if (ok) this.stats.cancelled++;
    return ok;
  }
  /** Lots the bot may still sell: position minus the lots its open sells already lock. */
  protected sellable(ctx: BotContext, securityId: number): number {
    const locked = ctx
      .openOrders(securityId)
      .filter((o) => o.side === "sell")
      .reduce((n, o) => n + o.amount, 0);
    return Math.max(0, ctx.position(securityId) - locked);
  }
}
