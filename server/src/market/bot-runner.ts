/**
 * The bot runner: steps bots on one timer (or deterministically with `advance()`), each on its own
 * context's clock, with its own seeded strategy.
 */
import { createLogger } from "../config.ts";
import { botSeed, Rng } from "./bot-random.ts";
import type { Bot, BotContext } from "./bot-context.ts";
import { createBot, type BotSpec } from "./bot-spec.ts";

export interface BotRunnerOptions {
  /** Seed of the run; each bot's PRNG is seeded from (seed, playerId). */
  seed: number;
  /** Timer period, ms (default 50): how often the runner checks which bots are due. */
  tickMs?: number;
  /** Called when a step throws (the bot keeps running). Default: a pino error line. */
  onError?: (err: unknown, playerId: string) => void;
}

interface Entry {
  ctx: BotContext;
  bot: Bot;
  intervalMs: number;
  nextAt: number;
  running?: Promise<void>;
}

/**
 * Runs bots on one timer. Each bot steps every intervalMs of its context's clock (ctx.now()); its
 * steps are serialised (a step that is still running when the bot is due again makes it skip that
 * turn, never overlap), while different bots step concurrently. Before each step the context is
 * refreshed. `advance()` is the deterministic alternative for simulations and tests: it steps every
 * due bot one after the other, in the order they were added, and returns when all are done.
 */
export class BotRunner {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;
  private readonly onError: (err: unknown, playerId: string) => void;

  constructor(private readonly opts: BotRunnerOptions) {
    this.tickMs = opts.tickMs ?? 50;
    this.onError = opts.onError ?? defaultOnError();
  }

  /** Adds a bot built from a spec (its strategy seeded from (seed, ctx.playerId)); returns it. */
  add(ctx: BotContext, spec: Pick<BotSpec, "kind" | "intervalMs" | "params">): Bot {
    const bot = createBot(spec.kind, new Rng(botSeed(this.opts.seed, ctx.playerId)), spec.params);
    this.addBot(ctx, bot, spec.intervalMs);
    return bot;
  }

  /** Adds a ready-made bot (e.g. a custom strategy) stepping every intervalMs (>= 1). */
  addBot(ctx: BotContext, bot: Bot, intervalMs: number): void {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError("intervalMs must be an integer >= 1");
    this.entries.push({ ctx, bot, intervalMs, nextAt: 0 });
  }

  /** The bots with their contexts, in the order added. */
  get bots(): { playerId: string; bot: Bot }[] {
    return this.entries.map((e) => ({ playerId: e.ctx.playerId, bot: e.bot }));
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts the timer (idempotent). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref?.();
    this.tick();
  }

  /**
   * Stops the timer and waits for the steps in flight. With cancelOrders, then cancels every bot's
   * resting orders (e.g. at round end; errors go to onError).
   */
  async stop(opts: { cancelOrders?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.entries.map((e) => e.running));
    if (opts.cancelOrders) {
      for (const e of this.entries) await e.ctx.cancelAll().catch((err) => this.onError(err, e.ctx.playerId));
    }
  }

  /** Steps, one after the other, every bot whose time has come on its context's clock; awaits them. */
  async advance(): Promise<void> {
    if (this.timer) throw new Error("advance() is for manual runs; the timer is running");
    for (const e of this.entries) {
      if (e.ctx.now() >= e.nextAt) await this.run(e);
    }
  }

  private tick(): void {
    for (const e of this.entries) {
      if (e.running || e.ctx.now() < e.nextAt) continue;
      e.running = this.run(e).finally(() => {
        e.running = undefined;
      });
    }
  }

  private async run(e: Entry): Promise<void> {
    // Next turn counts from now, not from the missed due time: a late bot does not burst to catch up.
    e.nextAt = e.ctx.now() + e.intervalMs;
    try {
      await e.ctx.refresh();
      await e.bot.step(e.ctx);
    } catch (err) {
      this.onError(err, e.ctx.playerId);
    }
  }
}

/** BotRunner's default onError: one pino line per failed step. */
function defaultOnError(): (err: unknown, playerId: string) => void {
  const log = createLogger().child({ src: "bots" });
  return (err, playerId) => log.error({ err, bot: playerId }, "bot step failed");
}
