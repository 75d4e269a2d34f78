/**
 * Bots: seeded trading strategies that act through the same command path as players.
 *
 * A strategy sees the market only through a `BotContext` (reference price, best bid/ask, its own
 * position, cash and open orders) and acts only through it (place, cancel, cancel-all), so the same
 * strategy runs inside a GameRoom (a context on the room's state and command handler, or a Colyseus
 * client) or directly on the Engine (`engineBotContext`). Every random choice comes from a PRNG seeded
 * from (runner seed, playerId): with the same seed, the same scenario and the same order of steps, a
 * run is reproducible event for event.
 *
 * Units: prices in ticks, quantities in lots, cash in minor units; every price and quantity a bot sends
 * is an integer inside the security's band. Rejections (e.g. INSUFFICIENT_FUNDS after a fill the bot
 * has not seen yet) are expected, change nothing, and are only counted.
 */
import type { OpenOrder, PlaceOrder, Rejection } from "@marketroom/shared";
import type { GameWriters as Engine, Unavailable } from "../engine/writers.ts";
import type { Scenario } from "./scenarios.ts";
import { BOT_KINDS, BOT_KIND_TABLE, type BotKind } from "./bot-kinds.ts";
import { createLogger } from "../config.ts";

// ---- seeded randomness ----

/**
 * mulberry32, a 32-bit PRNG by Tommy Ettinger (public domain; see
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). Returns floats in [0, 1).
 * Small, fast and good enough for bots; it is not for anything that needs to be unpredictable.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string (UTF-16 code units), for deriving seeds. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The seed of one bot: a hash of (runner seed, playerId), so bots of one run draw independent streams. */
export function botSeed(seed: number, playerId: string): number {
  return fnv1a32(`${seed >>> 0}:${playerId}`);
}

/** A seeded random source with the few draws strategies need. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi], inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---- the context a bot acts through ----

/** A security as a bot sees it. Prices in ticks; scale = cash minor units per (1 tick x 1 lot). */
export interface BotSecurity {
  securityId: number;
  symbol: string;
  scale: number;
  /** Accepted limit prices, ticks, inclusive. */
  bandLow: number;
  bandHigh: number;
}

/** One of the bot's resting orders: amount = open (unfilled) lots. */
export interface BotOpenOrder {
  orderId: number;
  side: "buy" | "sell";
  price: number;
  amount: number;
}

/** What a command answers: the engine's or room's result; bots only look at ok (and count the code). */
export type BotResult = { ok: true } | (Pick<Rejection, "ok" | "message"> & { code: string });

/**
 * The market as one bot sees it and the commands it may send. Reads are synchronous and reflect the
 * last `refresh()` (a room-backed context may read its live state and make refresh a no-op); the
 * runner refreshes before every step. Commands go through the engine's rules like any player's.
 */
export interface BotContext {
  readonly playerId: string;
  /** The tradable securities. */
  securities(): readonly BotSecurity[];
  /** Ms since round start (the scenario's clock). */
  now(): number;
  /** Scenario reference price now, ticks. */
  reference(securityId: number): number;
  /** Best bid / ask in the book, ticks; undefined when that side is empty. */
  bestBid(securityId: number): number | undefined;
  bestAsk(securityId: number): number | undefined;
  /** Lots held (including lots locked by open sells). */
  position(securityId: number): number;
  /** Cash not locked by open buys, minor units. */
  cash(): number;
  /** The bot's resting orders in the security, by order id. */
  openOrders(securityId: number): BotOpenOrder[];
  /** Re-reads book tops, inventory and open orders. */
  refresh(): Promise<void>;
  place(order: PlaceOrder): Promise<BotResult>;
  cancel(securityId: number, orderId: number): Promise<BotResult>;
  cancelAll(securityId?: number): Promise<BotResult>;
}

/** Counters of what a bot did. */
export interface BotStats {
  steps: number;
  placed: number;
  cancelled: number;
  rejected: number;
  /** Rejections by code. */
  rejections: Record<string, number>;
}

/** A strategy: `step` is called every intervalMs, never concurrently with itself. */
export interface Bot {
  readonly kind: BotKind;
  readonly stats: BotStats;
  step(ctx: BotContext): Promise<void>;
}

export type { BotKind };

// ---- integer helpers ----

/** round(a / b) half-up for integers a and b > 0 (exact for |a| < 2^52). */
const divRound = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** Price of `bps` basis points of `ref`, ticks, at least `min`. */
const bpsOf = (ref: number, bps: number, min = 1) => Math.max(min, divRound(ref * bps, 10_000));

/** Shared plumbing: stats, command wrappers that count rejections, security lookup. */
abstract class BaseBot implements Bot {
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

// ---- market maker ----

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

// ---- noise trader ----

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

// ---- momentum trader ----

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

// ---- construction ----

/** A bot to run: who it is, what it does, how often, and the endowment to create its player with. */
export interface BotSpec {
  playerId: string;
  name: string;
  kind: BotKind;
  /** Ms between steps. */
  intervalMs: number;
  params?: MarketMakerParams | NoiseTraderParams | MomentumTraderParams;
  /** Endowment: cash in minor units, holdings in lots. */
  cash: number;
  holdings: { securityId: number; qty: number }[];
}

/** A strategy instance of `kind` with its own random source. */
export function createBot(kind: BotKind, rng: Rng, params: BotSpec["params"] = {}): Bot {
  switch (kind) {
    case "market_maker":
      return new MarketMaker(rng, params as MarketMakerParams);
    case "noise":
      return new NoiseTrader(rng, params as NoiseTraderParams);
    case "momentum":
      return new MomentumTrader(rng, params as MomentumTraderParams);
  }
}

/** How many bots of each kind demoBots creates, and how often each steps (ms). */
export interface DemoBotsOptions {
  marketMakers?: number;
  noiseTraders?: number;
  momentumTraders?: number;
  /** Defaults: market makers 250 ms, noise traders 400 ms, momentum traders 1000 ms. */
  intervalMs?: Partial<Record<BotKind, number>>;
  /** Player id prefix (default "bot"). */
  prefix?: string;
}

/**
 * A default bot crowd for a scenario (1 market maker, 3 noise traders, 1 momentum trader), with
 * endowments sized from the start prices: the market maker holds 500 lots of every security and the
 * cash for 1,500 more; the others hold 50 (momentum: 0) lots and the cash for 200 of each.
 * Player ids: "<prefix>-mm-1", "<prefix>-noise-1".., "<prefix>-mom-1"...
 */
export function demoBots(scenario: Scenario, opts: DemoBotsOptions = {}): BotSpec[] {
  const prefix = opts.prefix ?? "bot";
  const cashFor = (lots: number) => scenario.securities.reduce((n, s) => n + s.startPrice * lots * s.scale, 0);
  const holdings = (lots: number) =>
    lots > 0 ? scenario.securities.map((s) => ({ securityId: s.securityId, qty: lots })) : [];
  const counts: Record<BotKind, number> = {
    market_maker: opts.marketMakers ?? 1,
    noise: opts.noiseTraders ?? 3,
    momentum: opts.momentumTraders ?? 1,
  };
  const out: BotSpec[] = [];
  for (const kind of BOT_KINDS) {
    const d = BOT_KIND_TABLE[kind];
    for (let i = 1; i <= counts[kind]; i++) {
      out.push({
        playerId: `${prefix}-${d.short}-${i}`,
        name: `${d.name} ${i}`,
        kind,
        intervalMs: opts.intervalMs?.[kind] ?? d.intervalMs,
        cash: cashFor(d.cashLots),
        holdings: holdings(d.lots),
      });
    }
  }
  return out;
}

// ---- a context on the Engine ----

/**
 * A BotContext implemented directly on the Engine: refresh() reads each security's top of book
 * (engine.book, depth 1), the player's inventory and open orders; commands call engine.place / cancel /
 * cancelAll for (gameId, playerId). now() = clock() - startedAt (ms; pass a fake clock for simulations).
 * Reads before the first refresh see an empty book and no holdings. refresh() throws on a rejection
 * (unknown game or player): that is a setup bug, not a market event.
 */
export function engineBotContext(
  engine: Engine,
  gameId: string,
  playerId: string,
  scenario: Scenario,
  startedAt: number,
  clock: () => number = Date.now,
): BotContext {
  const securities: BotSecurity[] = scenario.securities.map((s) => ({
    securityId: s.securityId,
    symbol: s.symbol,
    scale: s.scale,
    bandLow: s.bandLow,
    bandHigh: s.bandHigh,
  }));
  let tops = new Map<number, { bid?: number; ask?: number }>();
  let positions = new Map<number, number>();
  let available = 0;
  let orders = new Map<number, BotOpenOrder[]>();
  const now = () => clock() - startedAt;
  const unwrap = <T>(r: T | Rejection | Unavailable): T => {
    if ((r as Rejection).ok === false) throw new Error(`${(r as Rejection).code}: ${(r as Rejection).message}`);
    return r as T;
  };

  return {
    playerId,
    securities: () => securities,
    now,
    reference: (sid) => scenario.referenceAt(sid, now()),
    bestBid: (sid) => tops.get(sid)?.bid,
    bestAsk: (sid) => tops.get(sid)?.ask,
    position: (sid) => positions.get(sid) ?? 0,
    cash: () => available,
    openOrders: (sid) => orders.get(sid) ?? [],
    async refresh() {
      const [books, inv, open] = await Promise.all([
        Promise.all(securities.map((s) => engine.book(gameId, s.securityId, 1))),
        engine.inventory(gameId, playerId),
        engine.orders(gameId, playerId),
      ]);
      tops = new Map(
        books.map((r, i) => {
          const b = unwrap(r);
          return [securities[i]!.securityId, { bid: b.bids[0]?.price, ask: b.asks[0]?.price }];
        }),
      );
      const i = unwrap(inv);
      available = i.cash - i.cashLocked;
      positions = new Map(i.positions.map((p) => [p.securityId, p.qty]));
      orders = new Map();
      const list = [...unwrap(open).orders].sort(
        (a: OpenOrder, b: OpenOrder) => a.securityId - b.securityId || a.orderId - b.orderId,
      );
      for (const o of list) {
        const arr = orders.get(o.securityId) ?? [];
        arr.push({ orderId: o.orderId, side: o.side, price: o.price, amount: o.amount });
        orders.set(o.securityId, arr);
      }
    },
    place: (order) => engine.place(gameId, playerId, order),
    cancel: (sid, orderId) => engine.cancel(gameId, playerId, sid, orderId),
    cancelAll: (sid) => engine.cancelAll(gameId, playerId, sid),
  };
}

// ---- the runner ----

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
