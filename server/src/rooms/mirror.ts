/**
 * StateMirror: copies what changed in a GameModel (its `dirty` sets: the core state folded by evolve,
 * the fold's trade statistics and own fills, the room's references and drivers) into the room's Colyseus state, in
 * place (existing schema instances are updated, not replaced, so StateViews stay valid and patches stay
 * small). Book levels are the model's top BOOK_DEPTH per side; trades and own fills are appended by seq.
 * Valuation (equity, P&L, realized/unrealized P&L, fees, trades, leaderboard) is recomputed by
 * `syncValuation`, which the room throttles.
 */
import {
  BOOK_DEPTH,
  FillState,
  GameState,
  NewsShift,
  NewsState,
  SignalState,
  LeaderEntry,
  Level,
  OrderState,
  PlayerState,
  PositionState,
  SecurityState,
  Trade,
  type LeaderboardRow,
} from "@marketroom/shared";
import type { ArraySchema, MapSchema } from "@colyseus/schema";
import type { PlayerState as CorePlayer, SecurityState as CoreSecurity } from "../core/state.ts";
import type { GameModel, OrderModel } from "../game/model.ts";
import { shownStandings } from "../scoring/ranking.ts";
import { syncMarginRules, syncMarginValuation, syncPlayerMargin, syncSecurityMargin } from "./margin-mirror.ts";

export class StateMirror {
  /** Valuation changed since the last syncValuation. */
  valuationPending = true;

  constructor(
    private readonly state: GameState,
    private model: GameModel,
  ) {}

  /** Switches to a rebuilt model (everything is re-synced on the next sync). */
  rebind(model: GameModel): void {
    this.model = model;
    model.dirty.all = true;
  }

  /** Applies the model's dirty parts to the state; returns players that appeared. */
  sync(): PlayerState[] {
    const { model, state } = this;
    const d = model.dirty;
    state.seq = model.seq;
    if (d.all || d.game) {
      state.gameId = model.gameId;
      state.name = model.name;
      state.phase = model.phase;
      syncMarginRules(state, model);
    }
    const secIds = d.all ? [...model.securities.keys()] : new Set([...d.securities, ...d.books]);
    for (const sid of secIds) this.syncSecurity(sid, d.all || d.securities.has(sid), d.all || d.books.has(sid), d.all);
    const added: PlayerState[] = [];
    const pids = d.all ? [...model.players.keys()] : d.players;
    for (const pid of pids) {
      const p = model.players.get(pid);
      const created = p ? this.syncPlayer(p, d.all) : null;
      if (created) added.push(created);
    }
    if (d.all) this.dropMissing();
    if (d.all || d.news) this.syncNews(d.all);
    if (d.valuation || d.all) this.valuationPending = true;
    d.clear();
    return added;
  }

  /** Recomputes every player's equity and P&L and the leaderboard. */
  syncValuation(): void {
    const all = this.model.leaderboard();
    const rows = shownStandings(all, this.model.rankRule);
    const board = this.state.leaderboard;
    rows.forEach((r, i) => {
      let e = board[i];
      if (!e) {
        e = new LeaderEntry();
        board.push(e);
      }
      if (e.rank !== r.rank) e.rank = r.rank;
      if (e.playerId !== r.playerId) e.playerId = r.playerId;
      if (e.name !== r.name) e.name = r.name;
      if (e.bot !== r.bot) e.bot = r.bot;
      if (e.ranked !== r.ranked) e.ranked = r.ranked;
      setMoney(e, r);
    });
    for (const r of all) {
      const ps = this.state.players.get(r.playerId);
      if (ps) setMoney(ps, r);
    }
    while (board.length > rows.length) board.pop();
    syncMarginValuation(this.state, this.model);
    this.valuationPending = false;
  }

  private syncSecurity(sid: number, fields: boolean, book: boolean, full: boolean): void {
    const sec = this.model.securities.get(sid);
    if (!sec) return;
    const key = String(sid);
    let st = this.state.securities.get(key);
    if (!st) {
      st = new SecurityState();
      this.state.securities.set(key, st);
      full = fields = book = true;
    }
    if (fields) this.syncSecurityFields(st, sec, full);
    if (book) {
      syncLevels(st.bids, this.model.topLevels(sid, "buy", BOOK_DEPTH));
      syncLevels(st.asks, this.model.topLevels(sid, "sell", BOOK_DEPTH));
    }
  }

  private syncSecurityFields(st: SecurityState, sec: CoreSecurity, full: boolean): void {
    const i = sec.info;
    const fold = this.model.fold;
    const t = fold.stats.get(i.securityId);
    const trades = fold.trades.get(i.securityId) ?? [];
    st.assign({
      securityId: i.securityId,
      symbol: i.symbol,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      scale: i.scale,
      refPrice: this.model.refPrices.get(i.securityId) ?? 0,
      lastPrice: t?.lastPrice ?? 0,
      high: t?.high ?? 0,
      low: t?.low ?? 0,
      volume: t?.volume ?? 0,
      turnover: t?.turnover ?? 0,
      tradeCount: t?.count ?? 0,
      takerFee: i.takerFee,
      makerRebate: i.makerRebate,
      maxOrderQty: i.maxOrderQty,
      positionLimit: i.positionLimit,
      shortLimit: i.shortLimit,
      limitWeight: i.limitWeight,
    });
    syncSecurityMargin(st, sec, this.model);
    if (full) st.trades.clear();
    const after = st.trades.length ? st.trades[st.trades.length - 1]!.seq : 0;
    for (const tr of trades) if (tr.seq > after) st.trades.push(new Trade().assign(tr));
    while (st.trades.length > trades.length) st.trades.shift();
  }

  /** Returns the PlayerState when it was created. */
  private syncPlayer(p: CorePlayer, full: boolean): PlayerState | null {
    let ps = this.state.players.get(p.playerId);
    const created = !ps;
    if (!ps) {
      ps = new PlayerState();
      ps.playerId = p.playerId;
      this.state.players.set(p.playerId, ps);
    }
    if (ps.name !== p.name) ps.name = p.name;
    const bot = this.model.bots.has(p.playerId);
    if (ps.bot !== bot) ps.bot = bot;
    if (ps.cash !== p.cash) ps.cash = p.cash;
    if (ps.cashLocked !== p.cashLocked) ps.cashLocked = p.cashLocked;
    for (const [sid, pos] of p.positions) {
      const k = String(sid);
      let s = ps.positions.get(k);
      if (!s) {
        s = new PositionState();
        s.securityId = sid;
        ps.positions.set(k, s);
      }
      if (s.qty !== pos.qty) s.qty = pos.qty;
      if (s.locked !== pos.locked) s.locked = pos.locked;
      if (s.openBuy !== pos.openBuy) s.openBuy = pos.openBuy;
    }
    syncOrders(ps.orders, this.model.openOrders(p.playerId));
    const fills = this.model.fold.ownFills.get(p.playerId) ?? [];
    if (full) ps.fills.clear();
    const after = ps.fills.length ? ps.fills[ps.fills.length - 1]!.seq : 0;
    for (const f of fills) if (f.seq > after) ps.fills.push(new FillState().assign(f));
    while (ps.fills.length > fills.length) ps.fills.shift();
    this.syncDriverFields(ps, p.playerId, full);
    syncPlayerMargin(ps, this.model, p, full);
    return created ? ps : null;
  }

  /** Headlines: appended by seq, oldest dropped past the model's NEWS_KEPT (at most NEWS_KEPT checks). */
  private syncNews(full: boolean): void {
    const list = this.state.news;
    const news = this.model.news;
    if (full) list.clear();
    const after = list.length ? list[list.length - 1]!.seq : 0;
    for (const n of news) {
      if (n.seq <= after) continue;
      const st = new NewsState().assign({ seq: n.seq, ts: n.ts, atMs: n.atMs, headline: n.headline });
      for (const sh of n.shifts) st.shifts.push(new NewsShift().assign(sh));
      list.push(st);
    }
    while (list.length > news.length) list.shift();
  }

  /** A player's group, takeover flag and private signals (appended by seq). */
  private syncDriverFields(ps: PlayerState, playerId: string, full: boolean): void {
    const group = this.model.groups.get(playerId) ?? "";
    const takeover = this.model.takeovers.get(playerId) ?? "";
    if (ps.group !== group) ps.group = group;
    if (ps.takeover !== takeover) ps.takeover = takeover;
    const signals = this.model.signals.get(playerId) ?? [];
    if (full) ps.signals.clear();
    const after = ps.signals.length ? ps.signals[ps.signals.length - 1]!.seq : 0;
    for (const sg of signals) if (sg.seq > after) ps.signals.push(new SignalState().assign(sg));
    while (ps.signals.length > signals.length) ps.signals.shift();
  }

  private dropMissing(): void {
    for (const k of [...this.state.securities.keys()])
      if (!this.model.securities.has(Number(k))) this.state.securities.delete(k);
    for (const k of [...this.state.players.keys()]) if (!this.model.players.has(k)) this.state.players.delete(k);
  }
}

/** The valuation fields of a leaderboard row or a player, written only when they changed (small patches). */
const MONEY_FIELDS = [
  "equity",
  "pnl",
  "realizedPnl",
  "unrealizedPnl",
  "fees",
  "trades",
  "returnBps",
  "points",
] as const;
function setMoney(target: LeaderEntry | PlayerState, row: LeaderboardRow): void {
  for (const k of MONEY_FIELDS) {
    const v = row[k] ?? 0;
    if (target[k] !== v) target[k] = v;
  }
}

function syncLevels(
  list: ArraySchema<Level>,
  levels: { price: number; amount: number; total: number; orders: number }[],
): void {
  levels.forEach((l, i) => {
    const cur = list[i];
    if (!cur) {
      list.push(new Level().assign(l));
      return;
    }
    if (cur.price !== l.price) cur.price = l.price;
    if (cur.amount !== l.amount) cur.amount = l.amount;
    if (cur.total !== l.total) cur.total = l.total;
    if (cur.orders !== l.orders) cur.orders = l.orders;
  });
  while (list.length > levels.length) list.pop();
}

function syncOrders(states: MapSchema<OrderState>, orders: Map<string, OrderModel>): void {
  for (const k of [...states.keys()]) if (!orders.has(k)) states.delete(k);
  for (const [k, o] of orders) {
    const s = states.get(k);
    if (!s) {
      states.set(
        k,
        new OrderState().assign({
          orderId: o.orderId,
          securityId: o.securityId,
          side: o.side,
          price: o.price,
          qty: o.qty,
          amount: o.amount,
          clientOrderId: o.clientOrderId,
          ts: o.ts,
        }),
      );
    } else if (s.amount !== o.amount) {
      s.amount = o.amount;
    }
  }
}
