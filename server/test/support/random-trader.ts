/**
 * A seeded random trader over the real Engine, for the replay tests and the replay benchmark: it
 * produces real, valid event logs (every event comes out of the game writer and its core).
 *
 *   const d = new RandomTrader(engine, gameId, { seed, securityIds, playerIds });
 *   await d.setup(config?)     createGame, securities (band 90..110 ticks, scale 1..3), players, running
 *   await d.step()             one random command: limit GTC/IOC/FOK, post-only, market IOC/FOK,
 *                              cancel, amend (smaller qty, new price, larger qty), cancel-all
 *
 * Prices in ticks (band 90..110, so orders cross often), qty in lots (1..8), cash in minor units.
 */
import type { GameConfig } from "@marketroom/shared";
import type { GameWriters as Engine } from "../../src/engine/writers.ts";

/** mulberry32: a deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomTraderOptions {
  seed: number;
  securityIds: number[];
  playerIds: string[];
  /** Starting cash per player, minor units (default 10^9). */
  cash?: number;
  /** Starting lots per player and security (default 500). */
  holdings?: number;
}

export class RandomTrader {
  private readonly rand: () => number;
  /** The player's orders we last saw resting (may be stale: a cancel of a filled order is a harmless rejection). */
  private readonly open = new Map<string, { securityId: number; orderId: number; price: number; qty: number }[]>();
  commands = 0;
  rejected = 0;

  constructor(
    readonly engine: Engine,
    readonly gameId: string,
    readonly opts: RandomTraderOptions,
  ) {
    this.rand = rng(opts.seed);
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  /** Creates the game, its securities and players, and starts it. Throws on any rejection. */
  async setup(config: Partial<GameConfig> = {}): Promise<void> {
    const e = this.engine,
      g = this.gameId;
    const must = (r: { ok: boolean }) => {
      if (!r.ok) throw new Error(`setup rejected: ${JSON.stringify(r)}`);
    };
    must(await e.createGame(g, { name: g, ...config }));
    for (const s of this.opts.securityIds) {
      must(await e.addSecurity(g, { securityId: s, symbol: `S${s}`, scale: 1 + (s % 3), bandLow: 90, bandHigh: 110 }));
    }
    for (const p of this.opts.playerIds) {
      must(
        await e.addPlayer(g, {
          playerId: p,
          name: p,
          cash: this.opts.cash ?? 1e9,
          holdings: this.opts.securityIds.map((s) => ({ securityId: s, qty: this.opts.holdings ?? 500 })),
        }),
      );
    }
    must(await e.setPhase(g, "running"));
  }

  private remember(
    pid: string,
    events: { type: string; orderId?: number; securityId?: number; playerId?: string; price?: number; qty?: number }[],
  ): void {
    for (const ev of events) {
      if (ev.type === "order_rested" && ev.playerId) {
        const l = this.open.get(ev.playerId) ?? [];
        l.push({ securityId: ev.securityId!, orderId: ev.orderId!, price: ev.price!, qty: ev.qty! });
        if (l.length > 200) l.shift();
        this.open.set(ev.playerId, l);
      }
    }
    void pid;
  }

  private takeOpen(pid: string) {
    const l = this.open.get(pid);
    if (!l || l.length === 0) return undefined;
    const i = Math.floor(this.rand() * l.length);
    return l.splice(i, 1)[0]!;
  }

  /** One random command for a random player; returns whether the engine accepted it. */
  async step(): Promise<boolean> {
    const e = this.engine,
      g = this.gameId;
    const pid = this.pick(this.opts.playerIds);
    const sid = this.pick(this.opts.securityIds);
    const side = this.rand() < 0.5 ? ("buy" as const) : ("sell" as const);
    const r = this.rand();
    let res: { ok: boolean; events?: never[] } & Record<string, unknown>;
    this.commands++;
    if (r < 0.55) {
      const tif = this.rand() < 0.75 ? "GTC" : this.rand() < 0.5 ? "IOC" : "FOK";
      const postOnly = tif === "GTC" && this.rand() < 0.15;
      const mid = 100;
      const price = side === "buy" ? mid - this.int(-3, 6) : mid + this.int(-3, 6);
      res = (await e.place(g, pid, {
        securityId: sid,
        side,
        type: "limit",
        tif,
        postOnly,
        price,
        qty: this.int(1, 8),
      })) as never;
    } else if (r < 0.65) {
      res = (await e.place(g, pid, {
        securityId: sid,
        side,
        type: "market",
        tif: this.rand() < 0.7 ? "IOC" : "FOK",
        qty: this.int(1, 6),
      })) as never;
    } else if (r < 0.82) {
      const o = this.takeOpen(pid);
      res = o
        ? ((await e.cancel(g, pid, o.securityId, o.orderId)) as never)
        : ((await e.place(g, pid, { securityId: sid, side, price: 100, qty: 1 })) as never);
    } else if (r < 0.97) {
      const o = this.takeOpen(pid);
      if (!o) {
        res = (await e.place(g, pid, {
          securityId: sid,
          side,
          price: side === "buy" ? 95 : 105,
          qty: this.int(1, 5),
        })) as never;
      } else {
        const k = this.rand();
        const a =
          k < 0.4
            ? { qty: Math.max(1, o.qty - 1) }
            : k < 0.8
              ? { qty: o.qty, price: o.price + this.int(-2, 2) }
              : { qty: o.qty + this.int(1, 3) };
        res = (await e.amend(g, pid, { securityId: o.securityId, orderId: o.orderId, ...a })) as never;
        if (res.ok && !(res as { order?: unknown }).order) this.open.get(pid)!.push({ ...o, qty: a.qty });
      }
    } else {
      res = (await e.cancelAll(g, pid, this.rand() < 0.5 ? sid : undefined)) as never;
      if (res.ok) this.open.set(pid, []);
    }
    if (!res.ok) {
      this.rejected++;
      return false;
    }
    this.remember(pid, (res.events ?? []) as never[]);
    return true;
  }
}
