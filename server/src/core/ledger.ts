/**
 * Ledger: FIFO position accounting of one player, per security, integers only (docs/export.md, "P&L").
 * Folded from the game's events by GameFold (fold.ts); valued by valuation.ts.
 *
 * Lots are queued first in, first out. A position is long or short; every lot of it has the same sign.
 *   - Starting holdings (player_added) are OPENING lots: lots bought at the round's opening reference
 *     price, which the log does not carry. Their price is supplied when the ledger is valued (`openRef`),
 *     so the fold depends on the events alone. They are the oldest lots, so they close first.
 *   - A fill on the position's side (or from flat) opens a lot at the fill price.
 *   - A fill against the position closes the oldest lots first; a remainder beyond the position opens
 *     a lot on the other side (long -> short and back). Short lots are symmetric to long ones.
 *   realizedPnl   = sum over closed quantities of (close - open) x qty x scale for long lots,
 *                   (open - close) x qty x scale for short lots;
 *   unrealizedPnl = sum over open lots of (mark - lot price) x qty x scale (sign as above);
 *   fees          = taker fees paid - maker rebates received (the fill event's totals);
 *   dividends     = dividend cash received by longs minus what shorts paid (the dividend event's
 *                   payments; docs/markets.md): income of the round, so part of realizedPnl;
 *   trades        = fills the player took part in.
 * With cash and positions moved by the same fills, for any marks:
 *   equity - (startCash + startHoldings x openingRef x scale) = realizedPnl + unrealizedPnl - fees
 * (realizedPnl of PlayerLedger includes dividends; with cash moved by the same dividend events).
 *
 * Units: price in ticks, qty in lots, money in minor units, scale = minor units per (tick x lot).
 * Inputs are trusted engine output (qty > 0, prices > 0); products stay below 2^53 because the engine
 * caps every notional there. No I/O, no floats.
 */
import type { EventOf, FillEvent } from "@marketroom/shared";

/** One open lot: `qty` lots (> 0) at `price` ticks; `opening` lots are priced at the opening reference instead. */
export interface Lot {
  qty: number;
  price: number;
  opening?: true;
}

/** A position in one security: FIFO lots, all long (sign 1) or all short (sign -1). */
export class SecurityLedger {
  /** Lots from `head` on are open, oldest first. */
  private lots: Lot[] = [];
  private head = 0;
  /** 1 long, -1 short, 0 flat. */
  sign: 0 | 1 | -1 = 0;
  /** Net position, lots (negative when short). */
  qty = 0;
  /** Realized P&L of lots bought at a fill price, minor units. */
  private realizedPriced = 0;
  /** Opening lots closed so far, and the sum of their close prices x qty (ticks x lots). */
  private openingClosedQty = 0;
  private openingClosedValue = 0;

  constructor(readonly scale: number) {}

  /** Starting holdings: `qty` opening lots (the position must be flat or long, as at player_added). */
  start(qty: number): void {
    if (qty <= 0) return;
    this.lots.push({ qty, price: 0, opening: true });
    this.sign = 1;
    this.qty += qty;
  }

  /** Buys (`side` buy) or sells `qty` lots at `price`: closes opposite lots FIFO, opens the rest. */
  trade(side: "buy" | "sell", qty: number, price: number): void {
    const dir = side === "buy" ? 1 : -1;
    let left = qty;
    while (left > 0 && this.sign === -dir) {
      const lot = this.lots[this.head]!;
      const n = Math.min(left, lot.qty);
      if (lot.opening) {
        // opening lots are long: closed by a sale at `price`
        this.openingClosedQty += n;
        this.openingClosedValue += price * n;
      } else {
        // A long lot closes by selling at `price`: (price - lot.price); a short one by buying: (lot.price - price).
        this.realizedPriced += (price - lot.price) * n * this.scale * this.sign;
      }
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
    if (this.head > 64 && this.head * 2 > this.lots.length) {
      this.lots.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Realized P&L with opening lots bought at `openRef` ticks, minor units. */
  realizedPnl(openRef = 0): number {
    return this.realizedPriced + (this.openingClosedValue - openRef * this.openingClosedQty) * this.scale;
  }

  /** (mark - lot price) x qty x scale over the open lots, signed by the position's side; opening lots at `openRef`. */
  unrealizedPnl(mark: number, openRef = 0): number {
    let v = 0;
    for (let i = this.head; i < this.lots.length; i++) {
      const lot = this.lots[i]!;
      v += (mark - (lot.opening ? openRef : lot.price)) * lot.qty;
    }
    return v * this.scale * this.sign;
  }

  /** Open lots, oldest first (copies; opening lots priced at `openRef`). */
  openLots(openRef = 0): Lot[] {
    return this.lots.slice(this.head).map((l) => ({ qty: l.qty, price: l.opening ? openRef : l.price }));
  }

  /** An independent copy. */
  /** Plain data of the ledger (open lots only), for a checkpoint (fold-checkpoint.ts); `fromData` reverses it. */
  toData(): SecurityLedgerData {
    return {
      scale: this.scale,
      lots: this.lots.slice(this.head).map((l) => ({ ...l })),
      sign: this.sign,
      qty: this.qty,
      realizedPriced: this.realizedPriced,
      openingClosedQty: this.openingClosedQty,
      openingClosedValue: this.openingClosedValue,
    };
  }

  static fromData(d: SecurityLedgerData): SecurityLedger {
    const c = new SecurityLedger(d.scale);
    c.lots = d.lots.map((l) => ({ ...l }));
    c.sign = d.sign;
    c.qty = d.qty;
    c.realizedPriced = d.realizedPriced;
    c.openingClosedQty = d.openingClosedQty;
    c.openingClosedValue = d.openingClosedValue;
    return c;
  }

  clone(): SecurityLedger {
    const c = new SecurityLedger(this.scale);
    c.lots = this.lots.slice(this.head).map((l) => ({ ...l }));
    c.sign = this.sign;
    c.qty = this.qty;
    c.realizedPriced = this.realizedPriced;
    c.openingClosedQty = this.openingClosedQty;
    c.openingClosedValue = this.openingClosedValue;
    return c;
  }

  private reset(): void {
    this.lots.length = 0;
    this.head = 0;
    this.sign = 0;
  }
}

/** A player's ledger: a SecurityLedger per security plus fees and the fill count. */
/** A SecurityLedger as plain data (open lots oldest first); units as in the ledger. */
export interface SecurityLedgerData {
  scale: number;
  lots: Lot[];
  sign: 0 | 1 | -1;
  qty: number;
  realizedPriced: number;
  openingClosedQty: number;
  openingClosedValue: number;
}

/** A PlayerLedger as plain data: [securityId, ledger] pairs, fees, trades, dividends. */
export interface PlayerLedgerData {
  securities: [number, SecurityLedgerData][];
  fees: number;
  trades: number;
  dividends: number;
}

export class PlayerLedger {
  readonly securities = new Map<number, SecurityLedger>();
  /** Taker fees paid - maker rebates received, minor units. */
  fees = 0;
  /** Fills the player took part in. */
  trades = 0;
  /** Dividend cash received minus paid (a short's payment is negative), minor units; realized income. */
  dividends = 0;

  /** Starting holdings: `qty` opening lots (no fee, not a trade). */
  start(securityId: number, scale: number, qty: number): void {
    this.of(securityId, scale).start(qty);
  }

  /** This player's side of a fill: position, fee or rebate, trade count. Other players' fills are ignored. */
  fill(e: FillEvent, scale: number, playerId: string): void {
    const maker = e.makerPlayerId === playerId;
    if (!maker && e.takerPlayerId !== playerId) return;
    const side = maker ? (e.aggressor === "buy" ? "sell" : "buy") : e.aggressor;
    this.of(e.securityId, scale).trade(side, e.qty, e.price);
    this.fees += maker ? -e.makerRebate : e.takerFee;
    this.trades += 1;
  }

  /** A CFD fill (the house is the counterparty; core/cfd-order.ts): position, fee, trade count. */
  cfdFill(e: EventOf<"cfd_fill">, scale: number): void {
    this.of(e.securityId, scale).trade(e.side, e.qty, e.price);
    this.fees += e.fee;
    this.trades += 1;
  }

  /** This player's payment of a dividend event (`cash` minor units, negative for a short who paid). */
  dividend(cash: number): void {
    this.dividends += cash;
  }

  /** A position the insurance fund took over: `qty` lots given (+ sold to the fund, - bought from it) at `price` ticks; not a trade. */
  fundTransfer(securityId: number, scale: number, qty: number, price: number): void {
    if (qty !== 0) this.of(securityId, scale).trade(qty > 0 ? "sell" : "buy", Math.abs(qty), price);
  }

  /**
   * Sum of every security's realized P&L, opening lots at `openRefOf(securityId)` ticks, plus the
   * dividends received (net), minor units.
   */
  realizedPnl(openRefOf: (securityId: number) => number = () => 0): number {
    let v = this.dividends;
    for (const [sid, s] of this.securities) v += s.realizedPnl(openRefOf(sid));
    return v;
  }

  /** Unrealized P&L at `markOf(securityId)` ticks (opening lots at `openRefOf`), minor units. */
  unrealizedPnl(markOf: (securityId: number) => number, openRefOf: (securityId: number) => number = () => 0): number {
    let v = 0;
    for (const [sid, s] of this.securities) v += s.unrealizedPnl(markOf(sid), openRefOf(sid));
    return v;
  }

  /** Net position of a security, lots. */
  position(securityId: number): number {
    return this.securities.get(securityId)?.qty ?? 0;
  }

  /** An independent copy. */
  /** Plain data for a checkpoint (fold-checkpoint.ts); `fromData` reverses it. */
  toData(): PlayerLedgerData {
    const securities: [number, SecurityLedgerData][] = [...this.securities].map(([sid, s]) => [sid, s.toData()]);
    return { securities, fees: this.fees, trades: this.trades, dividends: this.dividends };
  }

  static fromData(d: PlayerLedgerData): PlayerLedger {
    const c = new PlayerLedger();
    for (const [sid, s] of d.securities) c.securities.set(sid, SecurityLedger.fromData(s));
    c.fees = d.fees;
    c.trades = d.trades;
    c.dividends = d.dividends;
    return c;
  }

  clone(): PlayerLedger {
    const c = new PlayerLedger();
    for (const [sid, s] of this.securities) c.securities.set(sid, s.clone());
    c.fees = this.fees;
    c.trades = this.trades;
    c.dividends = this.dividends;
    return c;
  }

  private of(securityId: number, scale: number): SecurityLedger {
    let s = this.securities.get(securityId);
    if (!s) {
      s = new SecurityLedger(scale);
      this.securities.set(securityId, s);
    }
    return s;
  }
}
