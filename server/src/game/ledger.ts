/**
 * Ledger: FIFO position accounting of one player, per security, integers only (docs/export.md, "P&L").
 *
 * Lots are queued first in, first out. A position is long or short; every lot of it has the same sign.
 *   - Starting holdings are lots bought at the round's opening reference price (`open`).
 *   - A fill on the position's side (or from flat) opens a lot at the fill price.
 *   - A fill against the position closes the oldest lots first; a remainder beyond the position opens
 *     a lot on the other side (long -> short and back). Short lots are symmetric to long ones.
 *   realizedPnl   = sum over closed quantities of (close - open) x qty x scale for long lots,
 *                   (open - close) x qty x scale for short lots;
 *   unrealizedPnl = sum over open lots of (mark - lot price) x qty x scale (sign as above);
 *   fees          = taker fees paid - maker rebates received (the fill event's totals);
 *   trades        = fills the player took part in.
 * With cash and positions moved by the same fills, for any marks:
 *   equity - (startCash + startHoldings x openingRef x scale) = realizedPnl + unrealizedPnl - fees.
 *
 * Units: price in ticks, qty in lots, money in minor units, scale = minor units per (tick x lot).
 * Inputs are trusted engine output (qty > 0, prices > 0); products stay below 2^53 because the engine
 * caps every notional there. No I/O, no floats.
 */
import type { FillEvent } from "@marketroom/shared";

/** One open lot: `qty` lots (> 0) at `price` ticks. */
export interface Lot { qty: number; price: number }

/** A position in one security: FIFO lots, all long (sign 1) or all short (sign -1). */
export class SecurityLedger {
  /** Lots from `head` on are open, oldest first. */
  private readonly lots: Lot[] = [];
  private head = 0;
  /** 1 long, -1 short, 0 flat. */
  sign: 0 | 1 | -1 = 0;
  /** Net position, lots (negative when short). */
  qty = 0;
  /** Realized P&L of this security, minor units. */
  realizedPnl = 0;

  constructor(readonly scale: number) {}

  /** Buys (`side` buy) or sells `qty` lots at `price`: closes opposite lots FIFO, opens the rest. */
  trade(side: "buy" | "sell", qty: number, price: number): void {
    const dir = side === "buy" ? 1 : -1;
    let left = qty;
    while (left > 0 && this.sign === -dir) {
      const lot = this.lots[this.head]!;
      const n = Math.min(left, lot.qty);
      // A long lot closes by selling at `price`: (price - lot.price); a short one by buying: (lot.price - price).
      this.realizedPnl += (price - lot.price) * n * this.scale * this.sign;
      lot.qty -= n;
      left -= n;
      this.qty += dir * n;
      if (lot.qty === 0) this.head += 1;
      if (this.head === this.lots.length) this.reset();
    }
    if (left > 0) {
      this.lots.push({ qty: left, price });
      this.sign = dir;
      this.qty += dir * left;
    }
    if (this.head > 64 && this.head * 2 > this.lots.length) { this.lots.splice(0, this.head); this.head = 0; }
  }

  /** (mark - lot price) x qty x scale over the open lots, signed by the position's side. */
  unrealizedPnl(mark: number): number {
    let v = 0;
    for (let i = this.head; i < this.lots.length; i++) {
      const lot = this.lots[i]!;
      v += (mark - lot.price) * lot.qty;
    }
    return v * this.scale * this.sign;
  }

  /** Open lots, oldest first (copies). */
  openLots(): Lot[] {
    return this.lots.slice(this.head).map((l) => ({ ...l }));
  }

  private reset(): void {
    this.lots.length = 0;
    this.head = 0;
    this.sign = 0;
  }
}

/** A player's ledger: a SecurityLedger per security plus fees and the fill count. */
export class PlayerLedger {
  readonly securities = new Map<number, SecurityLedger>();
  /** Taker fees paid - maker rebates received, minor units. */
  fees = 0;
  /** Fills the player took part in. */
  trades = 0;

  /** Starting holdings: `qty` lots bought at the opening reference `price` (no fee, not a trade). */
  start(securityId: number, scale: number, qty: number, price: number): void {
    if (qty > 0) this.of(securityId, scale).trade("buy", qty, price);
  }

  /** This player's side of a fill: position, fee or rebate, trade count. Other players' fills are ignored. */
  fill(e: FillEvent, scale: number, playerId: string): void {
    const maker = e.makerPlayerId === playerId;
    if (!maker && e.takerPlayerId !== playerId) return;
    const side = maker ? (e.aggressor === "buy" ? "sell" : "buy") : e.aggressor;
    this.of(e.securityId, scale).trade(side, e.qty, e.price);
    this.fees += maker ? -(e.makerRebate ?? 0) : (e.takerFee ?? 0);
    this.trades += 1;
  }

  /** Sum of every security's realized P&L, minor units. */
  get realizedPnl(): number {
    let v = 0;
    for (const s of this.securities.values()) v += s.realizedPnl;
    return v;
  }

  /** Unrealized P&L at `markOf(securityId)` ticks, minor units. */
  unrealizedPnl(markOf: (securityId: number) => number): number {
    let v = 0;
    for (const [sid, s] of this.securities) v += s.unrealizedPnl(markOf(sid));
    return v;
  }

  /** Net position of a security, lots. */
  position(securityId: number): number {
    return this.securities.get(securityId)?.qty ?? 0;
  }

  private of(securityId: number, scale: number): SecurityLedger {
    let s = this.securities.get(securityId);
    if (!s) { s = new SecurityLedger(scale); this.securities.set(securityId, s); }
    return s;
  }
}

/** P&L summary of a ledger at the given marks, minor units. */
export interface PnlSummary { realizedPnl: number; unrealizedPnl: number; fees: number; trades: number }

/** realizedPnl, unrealizedPnl (at `markOf`), fees and trades of a ledger. */
export function summarize(l: PlayerLedger, markOf: (securityId: number) => number): PnlSummary {
  return { realizedPnl: l.realizedPnl, unrealizedPnl: l.unrealizedPnl(markOf), fees: l.fees, trades: l.trades };
}
