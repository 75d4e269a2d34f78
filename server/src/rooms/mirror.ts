/**
 * StateMirror: copies what changed in a GameModel (its `dirty` sets: the core state folded by evolve,
 * the fold's trade statistics and own fills, the room's references and drivers) into the room's Colyseus state, in
 * place (existing schema instances are updated, not replaced, so StateViews stay valid and patches stay
 * small). Book levels are the model's top BOOK_DEPTH per side; trades are appended by seq.
 * Valuation (the leaderboard; each player's equity and P&L) is recomputed by `syncValuation`, which the
 * room throttles. Private player data is not in the state: the mirror marks the players it touched in
 * its PrivateFeed (`feed`), which the room turns into "private" messages once per tick.
 */
import {
  BOOK_DEPTH,
  GameState,
  NewsShift,
  NewsState,
  LeaderEntry,
  Level,
  PlayerState,
  SecurityState,
  Trade,
  type LeaderboardRow,
} from "@marketroom/shared";
import type { ArraySchema } from "@colyseus/schema";
import type { PlayerState as CorePlayer, SecurityState as CoreSecurity } from "../core/state.ts";
import type { GameModel } from "../game/model.ts";
import { shownStandings } from "../scoring/ranking.ts";
import { syncMarginRules, syncMarginValuation, syncSecurityMargin } from "./margin-mirror.ts";
import { PrivateFeed } from "./private-feed.ts";

export class StateMirror {
  /** Valuation changed since the last syncValuation. */
  valuationPending = true;
  /** The players' private state, sent as "private" messages (see PrivateFeed). */
  readonly feed = new PrivateFeed();

  constructor(
    private readonly state: GameState,
    private model: GameModel,
  ) {}

  /** Switches to a rebuilt model (everything is re-synced on the next sync). */
  rebind(model: GameModel): void {
    this.model = model;
    model.dirty.all = true;
  }

  /** Applies the model's dirty parts to the state and marks the players touched in `feed`. */
  sync(): void {
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
    const pids = d.all ? [...model.players.keys()] : d.players;
    for (const pid of pids) {
      const p = model.players.get(pid);
      if (p) this.syncPlayer(p);
    }
    if (d.all) this.feed.markAll();
    else this.feed.mark(d.players);
    if (d.all) this.dropMissing();
    if (d.all || d.news) this.syncNews(d.all);
    if (d.valuation || d.all) this.valuationPending = true;
    d.clear();
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
    this.feed.setMoney(all);
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
    // a CFD's waiting orders are private to their owners: the house fills them, they are not a book
    if (book && sec.kind !== "cfd") {
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

  /** The player's public fields: name, bot flag, seat takeover. */
  private syncPlayer(p: CorePlayer): void {
    let ps = this.state.players.get(p.playerId);
    if (!ps) {
      ps = new PlayerState();
      ps.playerId = p.playerId;
      this.state.players.set(p.playerId, ps);
    }
    if (ps.name !== p.name) ps.name = p.name;
    const bot = this.model.bots.has(p.playerId);
    if (ps.bot !== bot) ps.bot = bot;
    const takeover = this.model.takeovers.get(p.playerId) ?? "";
    if (ps.takeover !== takeover) ps.takeover = takeover;
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

  private dropMissing(): void {
    for (const k of [...this.state.securities.keys()])
      if (!this.model.securities.has(Number(k))) this.state.securities.delete(k);
    for (const k of [...this.state.players.keys()]) if (!this.model.players.has(k)) this.state.players.delete(k);
  }
}

/** The valuation fields of a leaderboard row, written only when they changed (small patches). */
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
function setMoney(target: LeaderEntry, row: LeaderboardRow): void {
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
