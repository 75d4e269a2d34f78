/**
 * The replay reducer: a game's state rebuilt from its event log alone, without Valkey.
 *
 * `applyEvent(state, event)` is pure in the sense that it depends only on the state and the event
 * (it mutates `state` in place for speed; `cloneState` gives an independent copy). Applied to a
 * game's events in seq order from seq 1, the state after event n equals what the live engine held
 * after event n: every book order by order (price-time priority), and every inventory with cash,
 * locked cash, holdings, locked lots and open buy lots exactly as the Lua engine computes them
 * (docs/engine.md, "Locks"). The rules the reducer relies on:
 *
 * - an order is on the book from its `order_rested` event until a fill takes its last lot
 *   (`makerRemaining = 0`) or an `order_cancelled` event names it;
 * - a fill trades at the maker's price: the buyer pays price x qty x scale, the seller receives it,
 *   lots move the other way, and the maker's lock shrinks by what was filled (a buy maker:
 *   price x qty x scale cash and qty open-buy lots; a sell maker: qty locked lots). The taker holds
 *   no lock while it matches. The taker pays the fill's `takerFee` and the maker receives its
 *   `makerRebate` (totals for the fill, minor units; absent = 0 in logs written before fees);
 * - `order_rested` locks the rested quantity (buy: cash and open_buy; sell: lots);
 * - `order_cancelled` of a resting order releases its lock; of an incoming remainder (not on the book)
 *   changes nothing;
 * - `order_amended` (same price, smaller qty, priority kept) releases the lock of the cut.
 *
 * Units: price in ticks, qty/amount in lots, cash in minor units, ts in ms since the epoch.
 */
import type { EngineEvent } from "@marketroom/shared";

export type Side = "buy" | "sell";

/** A resting order. qty = accepted lots, amount = open (unfilled) lots; ts = ms of the command that rested it. */
export interface ReplayOrder {
  orderId: number;
  securityId: number;
  playerId: string;
  side: Side;
  price: number;
  qty: number;
  amount: number;
  clientOrderId?: string;
  postOnly: boolean;
  ts: number;
}

/** A security's rules (from security_added) and its book. */
export interface ReplaySecurity {
  securityId: number;
  symbol: string;
  tickSize: string;
  lotSize: number;
  scale: number;
  bandLow: number;
  bandHigh: number;
  shortLimit: number;
  positionLimit: number;
  maxOrderQty: number;
  /** Fee per lot the taker pays, rebate per lot the maker receives (minor units; 0 in older logs). */
  takerFee: number;
  makerRebate: number;
  /** Multiplier of this security's lots in the game's gross and net limits (1 in older logs). */
  limitWeight: number;
  /**
   * Resting orders by order id. Map iteration is insertion order, and order ids of a security only
   * grow, so iterating in order id order = arrival order (time priority within a price).
   */
  orders: Map<number, ReplayOrder>;
  /** Last fill price, ticks (0 before the first fill). */
  lastPrice: number;
  /** Lots traded so far. */
  volume: number;
}

/** A player's position in one security: qty lots held (negative when short), locked by open sells, on open buys. */
export interface ReplayPosition { qty: number; locked: number; openBuy: number }

/** A player's inventory: cash and cashLocked in minor units; positions by security id. */
export interface ReplayInventory {
  playerId: string;
  name: string;
  cash: number;
  cashLocked: number;
  positions: Map<number, ReplayPosition>;
  /** The endowment (player_added): cash in minor units, holdings in lots per security. */
  startCash: number;
  startHoldings: Map<number, number>;
}

/** The whole reconstructed game at `seq` (the last applied event; 0 = nothing applied). */
export interface ReplayState {
  seq: number;
  ts: number;
  /** Rules from game_created; grossLimit/netLimit in weighted lots (0 = none, also in older logs). */
  game: { name: string; stp: string; maxMatches: number; allowShort: boolean; protectionBps: number; grossLimit: number; netLimit: number; createdAt: number } | null;
  phase: "lobby" | "running" | "paused" | "ended";
  securities: Map<number, ReplaySecurity>;
  players: Map<string, ReplayInventory>;
  /**
   * The order_accepted events of the command being applied whose orders have not rested or been
   * cancelled yet, keyed `${securityId}:${orderId}` (to give a rested order its accepted qty,
   * clientOrderId and postOnly). Emptied as orders rest or end.
   */
  pending: Map<string, { qty: number; clientOrderId?: string; postOnly: boolean }>;
  /** Headlines so far (news events), in seq order; they change no book or inventory. */
  news: { seq: number; ts: number; atMs: number; headline: string; shifts: { securityId: number; bps: number }[] }[];
  /** Private signals so far (signal events), in seq order, with their recipients. */
  signals: { seq: number; ts: number; group: string; playerIds: string[]; text: string; securityId?: number; value?: number }[];
}

/** An empty state (before seq 1). */
export function emptyState(): ReplayState {
  return { seq: 0, ts: 0, game: null, phase: "lobby", securities: new Map(), players: new Map(), pending: new Map(), news: [], signals: [] };
}

/** A deep, independent copy of `s` (periodic snapshots are kept as such copies). */
export function cloneState(s: ReplayState): ReplayState {
  const securities = new Map<number, ReplaySecurity>();
  for (const [id, sec] of s.securities) {
    const orders = new Map<number, ReplayOrder>();
    for (const [oid, o] of sec.orders) orders.set(oid, { ...o });
    securities.set(id, { ...sec, orders });
  }
  const players = new Map<string, ReplayInventory>();
  for (const [pid, inv] of s.players) {
    const positions = new Map<number, ReplayPosition>();
    for (const [sid, p] of inv.positions) positions.set(sid, { ...p });
    players.set(pid, { ...inv, positions, startHoldings: new Map(inv.startHoldings) });
  }
  const pending = new Map<string, { qty: number; clientOrderId?: string; postOnly: boolean }>();
  for (const [k, v] of s.pending) pending.set(k, { ...v });
  return { seq: s.seq, ts: s.ts, game: s.game ? { ...s.game } : null, phase: s.phase, securities, players, pending, news: [...s.news], signals: [...s.signals] };
}

/** Thrown when the log is not a valid, contiguous engine log (names the seq). */
export class ReplayError extends Error {
  constructor(readonly seq: number, message: string) {
    super(`seq ${seq}: ${message}`);
    this.name = "ReplayError";
  }
}

function security(s: ReplayState, id: number, seq: number): ReplaySecurity {
  const sec = s.securities.get(id);
  if (!sec) throw new ReplayError(seq, `unknown security ${id}`);
  return sec;
}

function player(s: ReplayState, id: string, seq: number): ReplayInventory {
  const p = s.players.get(id);
  if (!p) throw new ReplayError(seq, `unknown player ${id}`);
  return p;
}

function position(inv: ReplayInventory, securityId: number): ReplayPosition {
  let p = inv.positions.get(securityId);
  if (!p) { p = { qty: 0, locked: 0, openBuy: 0 }; inv.positions.set(securityId, p); }
  return p;
}

/** Adds (sign = 1) or releases (sign = -1) the lock of qty lots of an open order at price. */
function lock(inv: ReplayInventory, sec: ReplaySecurity, side: Side, price: number, qty: number, sign: 1 | -1): void {
  const p = position(inv, sec.securityId);
  if (side === "buy") {
    inv.cashLocked += sign * price * qty * sec.scale;
    p.openBuy += sign * qty;
  } else {
    p.locked += sign * qty;
  }
}

/**
 * Applies one event (the next in seq order) to `state`, in place, and returns it.
 * Throws ReplayError when the event does not follow (seq not state.seq + 1) or names an unknown
 * security, player or order where one must exist.
 */
export function applyEvent(state: ReplayState, e: EngineEvent): ReplayState {
  if (e.seq !== state.seq + 1) throw new ReplayError(e.seq, `expected seq ${state.seq + 1}`);
  switch (e.type) {
    case "game_created":
      state.game = {
        name: e.name, stp: e.stp, maxMatches: e.maxMatches, allowShort: e.allowShort, protectionBps: e.protectionBps,
        grossLimit: e.grossLimit ?? 0, netLimit: e.netLimit ?? 0, createdAt: e.ts,
      };
      state.phase = "lobby";
      break;
    case "security_added":
      state.securities.set(e.securityId, {
        securityId: e.securityId, symbol: e.symbol, tickSize: e.tickSize, lotSize: e.lotSize, scale: e.scale,
        bandLow: e.bandLow, bandHigh: e.bandHigh, shortLimit: e.shortLimit, positionLimit: e.positionLimit,
        maxOrderQty: e.maxOrderQty, takerFee: e.takerFee ?? 0, makerRebate: e.makerRebate ?? 0, limitWeight: e.limitWeight ?? 1,
        orders: new Map(), lastPrice: 0, volume: 0,
      });
      break;
    case "player_added": {
      const positions = new Map<number, ReplayPosition>();
      const startHoldings = new Map<number, number>();
      for (const h of e.holdings) {
        positions.set(h.securityId, { qty: h.qty, locked: 0, openBuy: 0 });
        startHoldings.set(h.securityId, h.qty);
      }
      state.players.set(e.playerId, { playerId: e.playerId, name: e.name, cash: e.cash, cashLocked: 0, positions, startCash: e.cash, startHoldings });
      break;
    }
    case "phase_changed":
      state.phase = e.to;
      break;
    case "order_accepted":
      security(state, e.securityId, e.seq);
      state.pending.set(`${e.securityId}:${e.orderId}`, { qty: e.qty, clientOrderId: e.clientOrderId, postOnly: e.postOnly });
      break;
    case "fill": {
      const sec = security(state, e.securityId, e.seq);
      const maker = sec.orders.get(e.makerOrderId);
      if (!maker) throw new ReplayError(e.seq, `fill against order ${e.makerOrderId}, which is not on the book`);
      const notional = e.price * e.qty * sec.scale;
      const makerInv = player(state, e.makerPlayerId, e.seq);
      const takerInv = player(state, e.takerPlayerId, e.seq);
      const buyer = e.aggressor === "buy" ? takerInv : makerInv;
      const seller = e.aggressor === "buy" ? makerInv : takerInv;
      buyer.cash -= notional;
      position(buyer, sec.securityId).qty += e.qty;
      seller.cash += notional;
      position(seller, sec.securityId).qty -= e.qty;
      takerInv.cash -= e.takerFee ?? 0;
      makerInv.cash += e.makerRebate ?? 0;
      lock(makerInv, sec, maker.side, maker.price, e.qty, -1);
      maker.amount -= e.qty;
      if (maker.amount !== e.makerRemaining) throw new ReplayError(e.seq, `maker ${e.makerOrderId} has ${maker.amount} lots left, the event says ${e.makerRemaining}`);
      if (maker.amount === 0) sec.orders.delete(maker.orderId);
      if (e.takerRemaining === 0) state.pending.delete(`${e.securityId}:${e.takerOrderId}`);
      // a call's fill (docs/markets.md): the taker is a resting order too
      const restingTaker = sec.orders.get(e.takerOrderId);
      if (restingTaker) {
        lock(takerInv, sec, restingTaker.side, restingTaker.price, e.qty, -1);
        restingTaker.amount -= e.qty;
        if (restingTaker.amount === 0) sec.orders.delete(restingTaker.orderId);
      }
      sec.lastPrice = e.price;
      sec.volume += e.qty;
      break;
    }
    case "order_rested": {
      const sec = security(state, e.securityId, e.seq);
      const key = `${e.securityId}:${e.orderId}`;
      const acc = state.pending.get(key);
      state.pending.delete(key);
      const o: ReplayOrder = {
        orderId: e.orderId, securityId: e.securityId, playerId: e.playerId, side: e.side, price: e.price,
        qty: acc?.qty ?? e.qty, amount: e.qty, postOnly: acc?.postOnly ?? false, ts: e.ts,
      };
      if (acc?.clientOrderId !== undefined) o.clientOrderId = acc.clientOrderId;
      sec.orders.set(e.orderId, o);
      lock(player(state, e.playerId, e.seq), sec, e.side, e.price, e.qty, 1);
      break;
    }
    case "order_cancelled": {
      const sec = security(state, e.securityId, e.seq);
      const o = sec.orders.get(e.orderId);
      if (o) {
        sec.orders.delete(e.orderId);
        lock(player(state, o.playerId, e.seq), sec, o.side, o.price, o.amount, -1);
      } else {
        state.pending.delete(`${e.securityId}:${e.orderId}`);
      }
      break;
    }
    case "order_amended": {
      const sec = security(state, e.securityId, e.seq);
      const o = sec.orders.get(e.orderId);
      if (!o) throw new ReplayError(e.seq, `amend of order ${e.orderId}, which is not on the book`);
      const cut = o.amount - e.qty;
      o.amount = e.qty;
      lock(player(state, o.playerId, e.seq), sec, o.side, o.price, cut, -1);
      break;
    }
    case "admin_action":
      break; // a record of what the admin did: it changes no book or inventory
    case "auction": case "trading_mode":
      break; // a call's fills follow as fill events (docs/markets.md)
    case "dividend":
      for (const p of e.payments) player(state, p.playerId, e.seq).cash += p.cash;
      break;
    case "news": // entries are never mutated, so copies of the state may share them
      state.news.push({ seq: e.seq, ts: e.ts, atMs: e.atMs ?? 0, headline: e.headline, shifts: e.shifts });
      break;
    case "signal":
      state.signals.push({ seq: e.seq, ts: e.ts, group: e.group, playerIds: e.playerIds, text: e.text, securityId: e.securityId, value: e.value });
      break;
    default:
      throw new ReplayError((e as { seq: number }).seq, `unknown event type ${(e as { type: string }).type}`);
  }
  state.seq = e.seq;
  state.ts = e.ts;
  return state;
}

// ---- views of a state ----

/** One price level: price in ticks, qty = open lots, orders = how many orders. */
export interface LevelView { price: number; qty: number; orders: number }
/** A book at a seq: levels best first (bids high to low, asks low to high); `orders` per side in priority order. */
export interface BookView {
  securityId: number;
  seq: number;
  ts: number;
  bids: LevelView[];
  asks: LevelView[];
  /** Every resting order of the first `depth` levels of each side, best price first, then arrival. */
  orders: { bids: ReplayOrder[]; asks: ReplayOrder[] };
  lastPrice: number;
  volume: number;
}

/**
 * The book of `securityId` in `state`: the first `depth` price levels per side (default all) with
 * their orders in price-time priority.
 */
export function bookView(state: ReplayState, securityId: number, depth = Number.MAX_SAFE_INTEGER): BookView {
  const sec = state.securities.get(securityId);
  if (!sec) throw new ReplayError(state.seq, `unknown security ${securityId}`);
  const bids = new Map<number, ReplayOrder[]>();
  const asks = new Map<number, ReplayOrder[]>();
  for (const o of sec.orders.values()) {
    const m = o.side === "buy" ? bids : asks;
    const l = m.get(o.price);
    if (l) l.push(o); else m.set(o.price, [o]);
  }
  const side = (m: Map<number, ReplayOrder[]>, desc: boolean) => {
    const prices = [...m.keys()].sort((a, b) => (desc ? b - a : a - b)).slice(0, depth);
    const levels: LevelView[] = [];
    const orders: ReplayOrder[] = [];
    for (const p of prices) {
      const os = m.get(p)!;
      let qty = 0;
      for (const o of os) { qty += o.amount; orders.push({ ...o }); }
      levels.push({ price: p, qty, orders: os.length });
    }
    return { levels, orders };
  };
  const b = side(bids, true);
  const a = side(asks, false);
  return { securityId, seq: state.seq, ts: state.ts, bids: b.levels, asks: a.levels, orders: { bids: b.orders, asks: a.orders }, lastPrice: sec.lastPrice, volume: sec.volume };
}

/** A player's inventory as the engine's `inventory` command shapes it (positions by security id, ascending). */
export interface InventoryView {
  playerId: string;
  name: string;
  cash: number;
  cashLocked: number;
  positions: { securityId: number; qty: number; locked: number; openBuy: number }[];
}

/** Every player's inventory (or only `playerId`'s) in `state`, players in the order they were added. */
export function inventoriesView(state: ReplayState, playerId?: string): InventoryView[] {
  const out: InventoryView[] = [];
  for (const inv of state.players.values()) {
    if (playerId !== undefined && inv.playerId !== playerId) continue;
    const positions = [...inv.positions.entries()].sort((a, b) => a[0] - b[0]).map(([securityId, p]) => ({ securityId, ...p }));
    out.push({ playerId: inv.playerId, name: inv.name, cash: inv.cash, cashLocked: inv.cashLocked, positions });
  }
  return out;
}

/** A player's resting orders in `state`, by security id then order id (as the engine's `orders`). */
export function ordersView(state: ReplayState, playerId: string): ReplayOrder[] {
  const out: ReplayOrder[] = [];
  const ids = [...state.securities.keys()].sort((a, b) => a - b);
  for (const sid of ids) {
    const sec = state.securities.get(sid)!;
    const mine = [...sec.orders.values()].filter((o) => o.playerId === playerId).sort((a, b) => a.orderId - b.orderId);
    for (const o of mine) out.push({ ...o });
  }
  return out;
}
