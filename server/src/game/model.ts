/**
 * GameModel: a game's live market view rebuilt from its event log. Built from a snapshot (engine reads
 * plus trade history at one seq) and then advanced event by event, strictly in seq order, it equals a
 * replay of the log: aggregated book levels of every price, open orders, each player's cash, locked
 * cash, positions and own fills, and per security the last trades and session statistics.
 *
 * Plain data, no Colyseus: the room mirrors it into its schema state (rooms/mirror.ts) using the
 * `dirty` sets, and the service values players with it (leaderboard).
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts in ms. Valuation (the mark): with the mark
 * rule "last_trade" (default, the live room) a security is valued at its last trade price, before any
 * trade at its current reference price (refPrice, 0 when none); with "reference" always at refPrice
 * (the round end sets the closing references first, see service.doEnd). equity = cash + sum(qty x mark x
 * scale); pnl = equity - (starting cash + starting holdings x opening reference x scale), where the
 * opening reference (openRef) is the security's refPrice in the game settings at round start. Fills move
 * cash by their notional and by their fees (taker pays takerFee, maker receives makerRebate), as the
 * engine does. Each player keeps a FIFO ledger (ledger.ts) of every fill of the game, so
 * pnl = realizedPnl + unrealizedPnl - fees.
 */
import {
  NEWS_KEPT, OWN_FILLS_KEPT, SIGNALS_KEPT, TRADES_KEPT, type EngineEvent, type EventOf, type FillEvent, type GameInfo, type Inventory,
  type LeaderboardRow, type OpenOrder, type SecurityInfo,
} from "@marketroom/shared";
import { PlayerLedger } from "./ledger.ts";

/** How securities are marked for valuation (GameRules.markPrice). */
export type MarkRule = "last_trade" | "reference";
import { shiftReference } from "../export/marks.ts";
import { coursePointsOf, DEFAULT_RANK_RULE, rankStandings, returnBps, type RankRule } from "../export/ranking.ts";

export interface LevelAgg { amount: number; orders: number }
export interface TradeRec { seq: number; price: number; qty: number; aggressor: "buy" | "sell"; ts: number }

export interface SecurityModel {
  info: SecurityInfo;
  /** Current reference price, ticks (moves with the scenario). */
  refPrice: number;
  /** Opening reference price, ticks: starting holdings are valued (and their ledger lots bought) at it. */
  openRef: number;
  bids: Map<number, LevelAgg>;
  asks: Map<number, LevelAgg>;
  /** Last TRADES_KEPT trades, oldest first. */
  trades: TradeRec[];
  lastPrice: number; high: number; low: number; volume: number; turnover: number; tradeCount: number;
}

export interface OrderModel {
  orderId: number; securityId: number; playerId: string; side: "buy" | "sell"; price: number;
  /** Accepted qty, lots. */
  qty: number;
  /** Open qty, lots. */
  amount: number;
  clientOrderId: string; ts: number;
}

export interface PositionModel { qty: number; locked: number; openBuy: number }
export interface OwnFillRec {
  seq: number; securityId: number; orderId: number; side: "buy" | "sell"; price: number; qty: number;
  role: "maker" | "taker"; ts: number;
}

export interface PlayerModel {
  playerId: string; name: string; bot: boolean;
  cash: number; cashLocked: number;
  positions: Map<number, PositionModel>;
  /** Open orders keyed by orderKey(securityId, orderId). */
  orders: Map<string, OrderModel>;
  /** Last OWN_FILLS_KEPT fills, oldest first. */
  fills: OwnFillRec[];
  startCash: number;
  startHoldings: Map<number, number>;
  /** FIFO lots, realized P&L, fees and fill count over every fill of the game. */
  ledger: PlayerLedger;
  /** Last SIGNALS_KEPT private signals sent to the player, oldest first (market drivers). */
  signals?: SignalRec[];
  /** The player's signal group ("" or undefined = none). */
  group?: string;
  /** Kind of the bot playing the seat while taken over ("" or undefined = the player). */
  takeover?: string;
}

/** A headline (news event): shifts in bps from round running time atMs on. */
export interface NewsRec { seq: number; ts: number; atMs: number; headline: string; shifts: { securityId: number; bps: number }[] }
/** A private signal as one recipient sees it. */
export interface SignalRec { seq: number; ts: number; group: string; text: string; securityId: number; value: number }

/** Market-driver state at a snapshot's seq: news and signals of the log, groups and seats taken over. */
export interface DriverSnapshot {
  news: EventOf<"news">[];
  signals: EventOf<"signal">[];
  groups: Map<string, string>;
  takeovers: Map<string, string>;
}

/** What a player started with and whether it is a bot (kept by the game service). */
export interface PlayerMeta { name: string; bot: boolean; startCash: number; startHoldings: { securityId: number; qty: number }[] }

/** Session statistics of a security's trades. */
export interface TradeStats { lastPrice: number; high: number; low: number; volume: number; turnover: number; count: number }

/** Trades before the snapshot's seq. */
export interface FillHistory {
  /** Last TRADES_KEPT fills per security, oldest first. */
  recent: Map<number, FillEvent[]>;
  stats: Map<number, TradeStats>;
  /** Last OWN_FILLS_KEPT fills per player (as maker or taker), oldest first. */
  ownFills: Map<string, FillEvent[]>;
  /** Every fill of the game up to the snapshot's seq, in seq order (the players' ledgers are rebuilt from them). */
  all: FillEvent[];
}

/** A consistent view of a game at `seq`. */
export interface GameSnapshot {
  seq: number;
  info: GameInfo;
  refPrices: Map<number, number>;
  meta: Map<string, PlayerMeta>;
  inventories: Inventory[];
  orders: (OpenOrder & { playerId: string })[];
  history: FillHistory;
  /** News, signals, groups and takeovers (market drivers), when the service has them. */
  drivers?: DriverSnapshot;
}

/** What changed since the last `dirty.clear()`. */
export class Dirty {
  readonly books = new Set<number>();
  readonly securities = new Set<number>();
  readonly players = new Set<string>();
  game = false;
  valuation = false;
  /** Everything (after a rebuild). */
  all = false;
  clear(): void {
    this.books.clear(); this.securities.clear(); this.players.clear();
    this.game = this.valuation = this.all = false;
  }
}

export const orderKey = (securityId: number, orderId: number) => `${securityId}:${orderId}`;
const other = (side: "buy" | "sell") => (side === "buy" ? "sell" : "buy");

export class GameModel {
  name = "";
  phase = "lobby";
  /** Last event applied. */
  seq = 0;
  readonly securities = new Map<number, SecurityModel>();
  readonly players = new Map<string, PlayerModel>();
  /** Every open order of the game. */
  readonly orders = new Map<string, OrderModel>();
  /** Last NEWS_KEPT headlines, oldest first. */
  readonly news: NewsRec[] = [];
  readonly dirty = new Dirty();
  /** Set when an event does not fit the state (the room then rebuilds from a snapshot). */
  broken: string | null = null;
  /** Valuation rule (see the header); the live room keeps "last_trade". */
  markRule: MarkRule = "last_trade";
  /** Ranking rule (export/ranking.ts); the room and the round end set the round's. */
  rankRule: RankRule = DEFAULT_RANK_RULE;
  private accepted: { key: string; qty: number; clientOrderId: string } | null = null;

  constructor(readonly gameId: string) {}

  /** A model equal to the game at `snap.seq`. */
  static fromSnapshot(gameId: string, snap: GameSnapshot): GameModel {
    const m = new GameModel(gameId);
    m.name = snap.info.game.name;
    m.phase = snap.info.game.phase;
    m.seq = snap.seq;
    for (const s of snap.info.securities) m.addSecurity(s, snap.refPrices.get(s.securityId) ?? 0, snap.history);
    const invs = new Map(snap.inventories.map((i) => [i.playerId, i]));
    for (const p of snap.info.players) m.addHydratedPlayer(p.playerId, p.name, invs.get(p.playerId), snap.meta.get(p.playerId), snap.history);
    for (const f of snap.history.all) if (f.seq <= snap.seq) m.ledgerFill(f);
    for (const o of snap.orders) m.restore(o);
    if (snap.drivers) m.restoreDrivers(snap.drivers);
    m.dirty.all = true;
    return m;
  }

  /** Applies one event; events must come in seq order (older ones are ignored). */
  apply(e: EngineEvent): void {
    if (e.seq <= this.seq) return;
    this.seq = e.seq;
    switch (e.type) {
      case "game_created": this.name = e.name; this.dirty.game = true; break;
      case "phase_changed": this.phase = e.to; this.dirty.game = true; break;
      case "security_added": this.addSecurity(e, 0); break;
      case "player_added": this.addPlayer(e); break;
      case "order_accepted": this.accepted = { key: orderKey(e.securityId, e.orderId), qty: e.qty, clientOrderId: e.clientOrderId ?? "" }; break;
      case "order_rested": this.rest(e); break;
      case "fill": this.fill(e); break;
      case "order_cancelled": this.cancelled(e); break;
      case "order_amended": this.amended(e); break;
      case "news": this.onNews(e, true); break;
      case "signal": this.onSignal(e); break;
      case "dividend": this.dividend(e); break;
      case "admin_action": this.onAdminAction(e); break;
    }
  }

  /** Mark of a security, ticks: by the mark rule, last trade else reference, or reference; 0 when unknown. */
  priceOf(securityId: number): number {
    const s = this.securities.get(securityId);
    if (!s) return 0;
    return this.markRule === "reference" ? s.refPrice : s.lastPrice || s.refPrice;
  }

  /** Sets the mark rule (the round end applies GameRules.markPrice). */
  setMarkRule(rule: MarkRule): void {
    if (this.markRule === rule) return;
    this.markRule = rule;
    this.dirty.valuation = true;
  }

  /** Value of holdings at valuation prices, minor units. */
  holdingsValue(p: PlayerModel): number {
    let v = 0;
    for (const [sid, pos] of p.positions) v += pos.qty * this.priceOf(sid) * (this.securities.get(sid)?.info.scale ?? 0);
    return v;
  }

  /** cash + holdings value, minor units. */
  equity(p: PlayerModel): number {
    return p.cash + this.holdingsValue(p);
  }

  /** Starting cash + starting holdings x opening reference x scale, minor units. */
  startValue(p: PlayerModel): number {
    let start = p.startCash;
    for (const [sid, qty] of p.startHoldings) {
      const s = this.securities.get(sid);
      if (s) start += qty * s.openRef * s.info.scale;
    }
    return start;
  }

  /** equity - starting value at the opening references, minor units. */
  pnl(p: PlayerModel): number {
    return this.equity(p) - this.startValue(p);
  }

  /** Players ranked by the round's rank rule (export/ranking.ts: P&L or return, bots apart/hidden/ranked), with FIFO P&L and course points. */
  leaderboard(): LeaderboardRow[] {
    const mark = (sid: number) => this.priceOf(sid);
    const cp = this.rankRule.coursePoints;
    const rows = [...this.players.values()].map((p) => {
      const holdingsValue = this.holdingsValue(p);
      const equity = p.cash + holdingsValue;
      const startValue = this.startValue(p);
      const pnl = equity - startValue;
      return {
        rank: 0, ranked: true, playerId: p.playerId, name: p.name, bot: p.bot, equity, cash: p.cash, holdingsValue, pnl,
        realizedPnl: p.ledger.realizedPnl, unrealizedPnl: p.ledger.unrealizedPnl(mark), fees: p.ledger.fees, trades: p.ledger.trades,
        startValue, returnBps: returnBps(pnl, startValue), points: cp && !p.bot ? coursePointsOf(pnl, cp) : null,
      };
    });
    return rankStandings(rows, this.rankRule);
  }

  /** Sets the rank rule (the room and the round end apply GameRules.rankBy, .bots, .coursePoints). */
  setRankRule(rule: RankRule): void {
    if (JSON.stringify(this.rankRule) === JSON.stringify(rule)) return;
    this.rankRule = rule;
    this.dirty.valuation = true;
  }

  /** Best `depth` levels of one side with cumulative totals. */
  topLevels(securityId: number, side: "buy" | "sell", depth: number): { price: number; amount: number; total: number; orders: number }[] {
    const s = this.securities.get(securityId);
    if (!s) return [];
    const map = side === "buy" ? s.bids : s.asks;
    const prices = [...map.keys()].sort(side === "buy" ? (a, b) => b - a : (a, b) => a - b).slice(0, depth);
    let total = 0;
    return prices.map((price) => {
      const l = map.get(price)!;
      total += l.amount;
      return { price, amount: l.amount, total, orders: l.orders };
    });
  }

  // ---- building ----

  private addSecurity(info: SecurityInfo, refPrice: number, history?: FillHistory): void {
    const st = history?.stats.get(info.securityId);
    const sec: SecurityModel = {
      info: pickSecurity(info), refPrice, openRef: refPrice, bids: new Map(), asks: new Map(),
      trades: (history?.recent.get(info.securityId) ?? []).map(tradeOf),
      lastPrice: st?.lastPrice ?? 0, high: st?.high ?? 0, low: st?.low ?? 0, volume: st?.volume ?? 0,
      turnover: st?.turnover ?? 0, tradeCount: st?.count ?? 0,
    };
    this.securities.set(info.securityId, sec);
    this.dirty.securities.add(info.securityId);
    this.dirty.books.add(info.securityId);
  }

  /** Sets a security's reference price (the game service knows it; the engine does not). */
  setRefPrice(securityId: number, refPrice: number): void {
    const s = this.securities.get(securityId);
    if (!s || s.refPrice === refPrice) return;
    s.refPrice = refPrice;
    this.dirty.securities.add(securityId);
    this.dirty.valuation = true;
  }

  /** Marks a player as a bot (known to the service, not to the engine). */
  setBot(playerId: string, bot: boolean): void {
    const p = this.players.get(playerId);
    if (p && p.bot !== bot) { p.bot = bot; this.dirty.players.add(playerId); this.dirty.valuation = true; }
  }

  private addPlayer(e: EventOf<"player_added">): void {
    const p = this.newPlayer(e.playerId, e.name, false, e.cash);
    for (const h of e.holdings) {
      p.positions.set(h.securityId, { qty: h.qty, locked: 0, openBuy: 0 });
      p.startHoldings.set(h.securityId, h.qty);
    }
    this.startLedger(p);
  }

  /** Starting holdings as ledger lots bought at the opening reference. */
  private startLedger(p: PlayerModel): void {
    for (const [sid, qty] of p.startHoldings) {
      const s = this.securities.get(sid);
      if (s) p.ledger.start(sid, s.info.scale, qty, s.openRef);
    }
  }

  /** Both players' ledger side of a fill. */
  private ledgerFill(e: FillEvent): void {
    const scale = this.securities.get(e.securityId)?.info.scale ?? 0;
    for (const pid of new Set([e.makerPlayerId, e.takerPlayerId])) this.players.get(pid)?.ledger.fill(e, scale, pid);
  }

  private addHydratedPlayer(playerId: string, name: string, inv: Inventory | undefined, meta: PlayerMeta | undefined, history: FillHistory): void {
    const p = this.newPlayer(playerId, name, meta?.bot ?? false, meta?.startCash ?? inv?.cash ?? 0);
    p.cash = inv?.cash ?? 0;
    p.cashLocked = inv?.cashLocked ?? 0;
    for (const pos of inv?.positions ?? []) p.positions.set(pos.securityId, { qty: pos.qty, locked: pos.locked, openBuy: pos.openBuy });
    for (const h of meta?.startHoldings ?? []) p.startHoldings.set(h.securityId, h.qty);
    this.startLedger(p);
    p.fills = (history.ownFills.get(playerId) ?? []).map((f) => ownFillOf(f, playerId));
  }

  private newPlayer(playerId: string, name: string, bot: boolean, cash: number): PlayerModel {
    const p: PlayerModel = {
      playerId, name, bot, cash, cashLocked: 0, positions: new Map(), orders: new Map(), fills: [],
      startCash: cash, startHoldings: new Map(), ledger: new PlayerLedger(),
    };
    this.players.set(playerId, p);
    this.dirty.players.add(playerId);
    this.dirty.valuation = true;
    return p;
  }

  /** An open order from a snapshot: on the book and in its owner's orders (locks are in the inventory). */
  private restore(o: OpenOrder & { playerId: string }): void {
    const order: OrderModel = {
      orderId: o.orderId, securityId: o.securityId, playerId: o.playerId, side: o.side, price: o.price,
      qty: o.qty, amount: o.amount, clientOrderId: o.clientOrderId ?? "", ts: o.ts,
    };
    this.onBook(order, order.amount, 1);
    this.track(order);
  }

  // ---- events ----

  private rest(e: EventOf<"order_rested">): void {
    const key = orderKey(e.securityId, e.orderId);
    const acc = this.accepted?.key === key ? this.accepted : null;
    const order: OrderModel = {
      orderId: e.orderId, securityId: e.securityId, playerId: e.playerId, side: e.side, price: e.price,
      qty: acc?.qty ?? e.qty, amount: e.qty, clientOrderId: acc?.clientOrderId ?? "", ts: e.ts,
    };
    this.onBook(order, e.qty, 1);
    this.track(order);
    this.lock(order, e.qty, 1);
  }

  private fill(e: FillEvent): void {
    const sec = this.securities.get(e.securityId);
    if (!sec) return this.fail(`fill ${e.seq}: unknown security ${e.securityId}`);
    const notional = e.price * e.qty * sec.info.scale;
    const makerSide = other(e.aggressor);
    const maker = this.orders.get(orderKey(e.securityId, e.makerOrderId));
    if (!maker) return this.fail(`fill ${e.seq}: maker order ${e.makerOrderId} is not open`);
    maker.amount -= e.qty;
    this.onBook(maker, -e.qty, e.makerRemaining === 0 ? -1 : 0);
    if (e.makerRemaining === 0) this.untrack(maker);
    else this.dirty.players.add(maker.playerId);
    const makerP = this.player(e.makerPlayerId);
    const takerP = this.player(e.takerPlayerId);
    this.trade(makerP, e.securityId, makerSide, e.qty, notional);
    this.lock(maker, e.qty, -1);
    this.trade(takerP, e.securityId, e.aggressor, e.qty, notional);
    // a call's fill (docs/markets.md): the taker is a resting order too
    const restingTaker = this.orders.get(orderKey(e.securityId, e.takerOrderId));
    if (restingTaker) {
      restingTaker.amount -= e.qty;
      this.onBook(restingTaker, -e.qty, e.takerRemaining === 0 ? -1 : 0);
      if (e.takerRemaining === 0) this.untrack(restingTaker);
      else this.dirty.players.add(restingTaker.playerId);
      this.lock(restingTaker, e.qty, -1);
    }
    // Fees as the engine books them: the taker pays, the maker is rebated.
    takerP.cash -= e.takerFee ?? 0;
    makerP.cash += e.makerRebate ?? 0;
    this.ledgerFill(e);
    this.record(sec, e);
  }

  private cancelled(e: EventOf<"order_cancelled">): void {
    const o = this.orders.get(orderKey(e.securityId, e.orderId));
    if (!o) return; // the unfilled remainder of an incoming order: it never rested
    o.amount -= e.qty;
    this.onBook(o, -e.qty, -1);
    this.untrack(o);
    this.lock(o, e.qty, -1);
  }

  /** A dividend (docs/markets.md): each payment changes the holder's cash. */
  private dividend(e: EventOf<"dividend">): void {
    for (const p of e.payments) {
      this.player(p.playerId).cash += p.cash;
      this.dirty.players.add(p.playerId);
    }
    this.dirty.valuation = true;
  }

  private amended(e: EventOf<"order_amended">): void {
    const o = this.orders.get(orderKey(e.securityId, e.orderId));
    if (!o) return this.fail(`amend ${e.seq}: order ${e.orderId} is not open`);
    const cut = e.oldQty - e.qty;
    o.amount = e.qty;
    this.onBook(o, -cut, 0);
    this.lock(o, cut, -1);
    this.dirty.players.add(o.playerId);
  }

  // ---- helpers ----

  private player(playerId: string): PlayerModel {
    let p = this.players.get(playerId);
    if (!p) {
      this.fail(`unknown player ${playerId}`);
      p = this.newPlayer(playerId, playerId, false, 0);
    }
    return p;
  }

  private position(p: PlayerModel, securityId: number): PositionModel {
    let pos = p.positions.get(securityId);
    if (!pos) { pos = { qty: 0, locked: 0, openBuy: 0 }; p.positions.set(securityId, pos); }
    return pos;
  }

  /** Adds qty lots and `orders` orders to the order's price level. */
  private onBook(o: OrderModel, qty: number, orders: number): void {
    const sec = this.securities.get(o.securityId);
    if (!sec) return this.fail(`order ${o.orderId}: unknown security ${o.securityId}`);
    const side = o.side === "buy" ? sec.bids : sec.asks;
    const level = side.get(o.price) ?? { amount: 0, orders: 0 };
    level.amount += qty;
    level.orders += orders;
    if (level.amount <= 0 || level.orders <= 0) side.delete(o.price);
    else side.set(o.price, level);
    this.dirty.books.add(o.securityId);
  }

  private track(o: OrderModel): void {
    const key = orderKey(o.securityId, o.orderId);
    this.orders.set(key, o);
    this.player(o.playerId).orders.set(key, o);
    this.dirty.players.add(o.playerId);
  }

  private untrack(o: OrderModel): void {
    const key = orderKey(o.securityId, o.orderId);
    this.orders.delete(key);
    this.players.get(o.playerId)?.orders.delete(key);
    this.dirty.players.add(o.playerId);
  }

  /** What an open order holds back: buy = price x qty x scale cash and qty open-buy lots; sell = qty lots. */
  private lock(o: OrderModel, qty: number, sign: 1 | -1): void {
    const p = this.player(o.playerId);
    const pos = this.position(p, o.securityId);
    if (o.side === "buy") {
      p.cashLocked += sign * o.price * qty * (this.securities.get(o.securityId)?.info.scale ?? 0);
      pos.openBuy += sign * qty;
    } else {
      pos.locked += sign * qty;
    }
    this.dirty.players.add(o.playerId);
  }

  /** Cash and holdings of one side of a fill. */
  private trade(p: PlayerModel, securityId: number, side: "buy" | "sell", qty: number, notional: number): void {
    const pos = this.position(p, securityId);
    if (side === "buy") { p.cash -= notional; pos.qty += qty; } else { p.cash += notional; pos.qty -= qty; }
    this.dirty.players.add(p.playerId);
    this.dirty.valuation = true;
  }

  /** Public trade, statistics and both players' own fills. */
  private record(sec: SecurityModel, e: FillEvent): void {
    pushCapped(sec.trades, tradeOf(e), TRADES_KEPT);
    sec.lastPrice = e.price;
    sec.high = sec.tradeCount === 0 ? e.price : Math.max(sec.high, e.price);
    sec.low = sec.tradeCount === 0 ? e.price : Math.min(sec.low, e.price);
    sec.volume += e.qty;
    sec.turnover += e.price * e.qty * sec.info.scale;
    sec.tradeCount += 1;
    this.dirty.securities.add(e.securityId);
    for (const pid of new Set([e.makerPlayerId, e.takerPlayerId])) {
      const p = this.players.get(pid);
      if (p) pushCapped(p.fills, ownFillOf(e, pid), OWN_FILLS_KEPT);
    }
  }

  private fail(why: string): void {
    this.broken ??= why;
  }

  // ---- market drivers: news, signals, groups, takeovers (docs/market.md) ----

  /** News, signals, groups and takeovers of a snapshot (reference prices come with the snapshot). */
  private restoreDrivers(d: DriverSnapshot): void {
    for (const n of d.news) this.onNews(n, false);
    for (const sg of d.signals) this.onSignal(sg);
    for (const [pid, group] of d.groups) { const p = this.players.get(pid); if (p) p.group = group; }
    for (const [pid, kind] of d.takeovers) { const p = this.players.get(pid); if (p) p.takeover = kind; }
  }

  /** A headline: kept for the room; `shift` moves each shifted security's reference now (shiftReference). */
  private onNews(e: EventOf<"news">, shift: boolean): void {
    pushCapped(this.news, { seq: e.seq, ts: e.ts, atMs: e.atMs ?? 0, headline: e.headline, shifts: e.shifts.map((x) => ({ ...x })) }, NEWS_KEPT);
    if (!shift) return;
    for (const sh of e.shifts) {
      const s = this.securities.get(sh.securityId);
      if (s) this.setRefPrice(sh.securityId, shiftReference(s.refPrice, sh.bps));
    }
  }

  /** A private signal: kept by each recipient only. */
  private onSignal(e: EventOf<"signal">): void {
    const rec: SignalRec = { seq: e.seq, ts: e.ts, group: e.group, text: e.text, securityId: e.securityId ?? 0, value: e.value ?? 0 };
    for (const pid of e.playerIds) {
      const p = this.players.get(pid);
      if (!p) continue;
      pushCapped(p.signals ??= [], { ...rec }, SIGNALS_KEPT);
      this.dirty.players.add(pid);
    }
  }

  /** Admin actions that change what the room shows: group_set, seat_taken_over, seat_returned ("<playerId> <value>"). */
  private onAdminAction(e: EventOf<"admin_action">): void {
    const [pid = "", value = ""] = e.detail.split(" ");
    const p = this.players.get(pid);
    if (!p) return;
    if (e.action === "group_set") p.group = value;
    else if (e.action === "seat_taken_over") p.takeover = value || "bot";
    else if (e.action === "seat_returned") p.takeover = "";
    else return;
    this.dirty.players.add(pid);
  }
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

function pickSecurity(s: SecurityInfo): SecurityInfo {
  return {
    securityId: s.securityId, symbol: s.symbol, tickSize: s.tickSize, lotSize: s.lotSize, scale: s.scale,
    bandLow: s.bandLow, bandHigh: s.bandHigh, shortLimit: s.shortLimit, positionLimit: s.positionLimit, maxOrderQty: s.maxOrderQty,
    takerFee: s.takerFee ?? 0, makerRebate: s.makerRebate ?? 0, limitWeight: s.limitWeight ?? 1,
  };
}

function tradeOf(e: FillEvent): TradeRec {
  return { seq: e.seq, price: e.price, qty: e.qty, aggressor: e.aggressor, ts: e.ts };
}

/** One player's side of a fill (a self-trade cannot happen: self-trade prevention stops it). */
export function ownFillOf(e: FillEvent, playerId: string): OwnFillRec {
  const maker = e.makerPlayerId === playerId;
  return {
    seq: e.seq, securityId: e.securityId, orderId: maker ? e.makerOrderId : e.takerOrderId,
    side: maker ? other(e.aggressor) : e.aggressor, price: e.price, qty: e.qty, role: maker ? "maker" : "taker", ts: e.ts,
  };
}
