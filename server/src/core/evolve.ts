/**
 * evolve(state, event) -> state: the ONE reducer of the game's events.
 *
 * Folding a game's log from emptyState() rebuilds everything decide needs: books with price-time
 * priority (an order is on the book from its order_rested until a fill takes its last lot or an
 * order_cancelled), cash, holdings and locks, each player's resting orders, the first result of every
 * clientOrderId, the order id counters, seq, phase, news and signals.
 *
 * For speed it MUTATES `state` in place and returns the same object; callers that need the state
 * before an event must not share it (decide never mutates, so decide-then-evolve is safe). Events
 * must be parsed (and upgraded) by the EngineEvent zod schema first, and applied in seq order; an
 * event that does not fit the state (an unknown order, a missing game) is a broken log and throws.
 */
import type { EngineEvent, EventOf, SecurityInfo } from "@marketroom/shared";
import { assertNever } from "./assert.ts";
import { closeMarks } from "./mark.ts";
import { OrderBook, type RestingOrder } from "./matching/book.ts";
import { PlayerOrders } from "./player-orders.ts";
import { tradeCost } from "./risk/cost.ts";
import { applyLock, settleCallFill, settleFill } from "./settlement.ts";
import { addStop, removeStop } from "./stops/stop-state.ts";
import {
  positionOf,
  type CoreState,
  type GameState,
  type PendingOrder,
  type PlayerState,
  type SecurityState,
} from "./state.ts";
import { summarize } from "./summary.ts";

export function evolve(state: CoreState, ev: EngineEvent): CoreState {
  switch (ev.type) {
    case "game_created":
      gameCreated(state, ev);
      break;
    case "security_added":
      securityAdded(state, ev);
      break;
    case "player_added":
      playerAdded(state, ev);
      break;
    case "phase_changed":
      game(state).phase = ev.to;
      if (ev.to === "ended") closeMarks(state);
      break;
    case "order_accepted":
      orderAccepted(state, ev);
      break;
    case "fill":
      filled(state, ev);
      break;
    case "order_rested":
      rested(state, ev);
      break;
    case "order_cancelled":
      cancelled(state, ev);
      break;
    case "order_amended":
      amended(state, ev);
      break;
    case "admin_action":
      break;
    case "news":
      state.news.push(ev);
      break;
    case "signal":
      state.signals.push(ev);
      break;
    case "auction":
      break;
    case "dividend":
      dividendPaid(state, ev);
      break;
    case "trading_mode":
      security(state, ev.securityId).mode = ev.mode;
      break;
    case "stop_accepted":
      stopAccepted(state, ev);
      break;
    case "stop_armed":
      (security(state, ev.securityId).stops.get(ev.stopId) ?? broken(`no stop ${ev.stopId}`)).qty = ev.qty;
      break;
    case "stop_triggered":
    case "stop_cancelled":
      if (!removeStop(security(state, ev.securityId), ev.stopId)) broken(`no stop ${ev.stopId}`);
      break;
    case "reference_price":
      security(state, ev.securityId).reference = ev.price;
      break;
    case "margin_call":
    case "liquidation_order":
      break;
    case "fund_transfer":
      fundTransfer(state, ev);
      break;
    case "cfd_fill":
      cfdFilled(state, ev);
      break;
    case "cfd_leverage":
      player(state, ev.playerId).leverage.set(ev.securityId, ev.initialMarginBps);
      break;
    default:
      assertNever(ev);
  }
  state.seq = ev.seq;
  return state;
}

function broken(what: string): never {
  throw new Error(`evolve: event does not fit the state: ${what}`);
}

function game(state: CoreState): GameState {
  return state.game ?? broken("no game");
}

function security(state: CoreState, securityId: number): SecurityState {
  return state.securities.get(securityId) ?? broken(`no security ${securityId}`);
}

function player(state: CoreState, playerId: string): PlayerState {
  return state.players.get(playerId) ?? broken(`no player ${playerId}`);
}

function gameCreated(state: CoreState, ev: EventOf<"game_created">): void {
  state.game = {
    name: ev.name,
    phase: "lobby",
    stp: ev.stp,
    maxMatches: ev.maxMatches,
    allowShort: ev.allowShort,
    protectionBps: ev.protectionBps,
    grossLimit: ev.grossLimit,
    netLimit: ev.netLimit,
    createdAt: ev.ts,
    mode: ev.mode,
    markRule: ev.markRule,
  };
  state.fund = { cash: ev.insuranceFund, positions: new Map() };
  state.cashTotal += ev.insuranceFund;
}

function securityAdded(state: CoreState, ev: EventOf<"security_added">): void {
  const info: SecurityInfo = {
    securityId: ev.securityId,
    symbol: ev.symbol,
    tickSize: ev.tickSize,
    lotSize: ev.lotSize,
    scale: ev.scale,
    bandLow: ev.bandLow,
    bandHigh: ev.bandHigh,
    shortLimit: ev.shortLimit,
    positionLimit: ev.positionLimit,
    maxOrderQty: ev.maxOrderQty,
    takerFee: ev.takerFee,
    makerRebate: ev.makerRebate,
    limitWeight: ev.limitWeight,
  };
  state.securities.set(ev.securityId, {
    info,
    book: new OrderBook(),
    lastOrderId: 0,
    mode: "continuous",
    dividendPeriod: 0,
    initialMarginBps: ev.initialMarginBps,
    maintenanceMarginBps: ev.maintenanceMarginBps,
    reference: ev.referencePrice,
    kind: ev.kind ?? "book",
    halfSpread: ev.halfSpread ?? 0,
    lastPrice: 0,
    closeMark: 0,
    stops: new Map(),
    lastStopId: 0,
    byParent: new Map(),
  });
  state.securityIds.push(ev.securityId);
  state.securityIds.sort((a, b) => a - b);
}

function playerAdded(state: CoreState, ev: EventOf<"player_added">): void {
  const p: PlayerState = {
    playerId: ev.playerId,
    name: ev.name,
    cash: ev.cash,
    cashLocked: 0,
    positions: new Map(),
    orders: new Map(),
    clientOrders: new Map(),
    costs: new Map(),
    leverage: new Map(),
  };
  // a security listed twice keeps its last qty (the endowment is written field by field)
  for (const h of ev.holdings) p.positions.set(h.securityId, { qty: h.qty, locked: 0, openBuy: 0 });
  state.players.set(ev.playerId, p);
  state.cashTotal += ev.cash;
}

function orderAccepted(state: CoreState, ev: EventOf<"order_accepted">): void {
  const sec = security(state, ev.securityId);
  sec.lastOrderId = ev.orderId;
  const tracked = ev.clientOrderId !== undefined;
  state.pending = {
    order: {
      id: ev.orderId,
      securityId: ev.securityId,
      side: ev.side,
      price: ev.price,
      qty: ev.qty,
      amount: ev.qty,
      playerId: ev.playerId,
      clientOrderId: ev.clientOrderId,
      ts: ev.ts,
      postOnly: ev.postOnly,
      level: null,
      prev: null,
      next: null,
      ownerPrev: null,
      ownerNext: null,
    },
    orderType: ev.orderType,
    tif: ev.tif,
    filled: 0,
    notional: 0,
    firstSeq: ev.seq,
    fills: tracked ? [] : null,
    stpCancelled: tracked ? [] : null,
  };
}

/** The order being placed, when `orderId` of `securityId` is it. */
function pendingOf(state: CoreState, securityId: number, orderId: number): PendingOrder | null {
  const p = state.pending;
  return p !== null && p.order.id === orderId && p.order.securityId === securityId ? p : null;
}

/** The order being placed reached its last event: store its result when it has a clientOrderId. */
function finish(
  state: CoreState,
  p: PendingOrder,
  lastSeq: number,
  resting: number,
  reason: "" | EventOf<"order_cancelled">["reason"],
): void {
  state.pending = null;
  const o = p.order;
  if (o.clientOrderId === undefined) return;
  const order = summarize({
    id: o.id,
    securityId: o.securityId,
    playerId: o.playerId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    postOnly: o.postOnly,
    price: o.price,
    qty: o.qty,
    orderType: p.orderType,
    tif: p.tif,
    filled: p.filled,
    resting,
    notional: p.notional,
    reason,
    stpCancelled: p.stpCancelled ?? [],
  });
  player(state, o.playerId).clientOrders.set(o.clientOrderId, {
    order,
    firstSeq: p.firstSeq,
    lastSeq,
    fills: p.fills ?? [],
  });
}

function takeOff(state: CoreState, sec: SecurityState, o: RestingOrder): void {
  sec.book.remove(o);
  player(state, o.playerId).orders.get(o.securityId)!.remove(o);
}

function filled(state: CoreState, ev: EventOf<"fill">): void {
  const sec = security(state, ev.securityId);
  const maker = sec.book.orders.get(ev.makerOrderId) ?? broken(`no resting order ${ev.makerOrderId}`);
  sec.lastPrice = ev.price;
  if (state.game?.mode === "margin") tradeCosts(state, sec, ev);
  // a fill whose taker is not the order being placed is a call's: both orders rest (decide/auction.ts)
  if (pendingOf(state, ev.securityId, ev.takerOrderId) === null) {
    callFilled(state, sec, maker, ev);
    return;
  }
  if (ev.qty >= maker.amount) takeOff(state, sec, maker);
  else sec.book.reduce(maker, ev.qty);
  settleFill(player(state, ev.takerPlayerId), player(state, ev.makerPlayerId), sec.info, ev);
  const p = pendingOf(state, ev.securityId, ev.takerOrderId);
  if (p === null) return;
  p.filled += ev.qty;
  p.notional += ev.price * ev.qty * sec.info.scale;
  p.fills?.push(ev);
  if (ev.takerRemaining === 0) finish(state, p, ev.seq, 0, "");
}

/** A fill of a call: cash and lots at the call's price, each order's lock released at its own limit, both orders reduced. */
function callFilled(state: CoreState, sec: SecurityState, maker: RestingOrder, ev: EventOf<"fill">): void {
  const taker = sec.book.orders.get(ev.takerOrderId) ?? broken(`no resting order ${ev.takerOrderId}`);
  settleCallFill(player(state, taker.playerId), player(state, maker.playerId), taker, maker, sec.info, ev);
  for (const o of [maker, taker]) {
    if (ev.qty >= o.amount) takeOff(state, sec, o);
    else sec.book.reduce(o, ev.qty);
  }
}

/** Margin mode: both sides' position costs (before settlement moves the lots). */
function tradeCosts(state: CoreState, sec: SecurityState, ev: EventOf<"fill">): void {
  const sid = sec.info.securityId;
  const taker = player(state, ev.takerPlayerId);
  const maker = player(state, ev.makerPlayerId);
  const d = ev.aggressor === "buy" ? ev.qty : -ev.qty;
  tradeCost(taker, sid, taker.positions.get(sid)?.qty ?? 0, d, ev.price, sec.info.scale);
  tradeCost(maker, sid, maker.positions.get(sid)?.qty ?? 0, -d, ev.price, sec.info.scale);
}

function stopAccepted(state: CoreState, ev: EventOf<"stop_accepted">): void {
  addStop(security(state, ev.securityId), {
    id: ev.stopId,
    securityId: ev.securityId,
    playerId: ev.playerId,
    side: ev.side,
    orderType: ev.orderType,
    tif: ev.tif,
    price: ev.price,
    qty: ev.qty,
    stopPrice: ev.stopPrice,
    trigger: ev.trigger,
    kind: ev.kind,
    ocoStopId: ev.ocoStopId,
    parentOrderId: ev.parentOrderId,
    ts: ev.ts,
  });
}

/** The insurance fund takes a position over at the mark, or covers a negative balance (securityId 0). */
function fundTransfer(state: CoreState, ev: EventOf<"fund_transfer">): void {
  const p = player(state, ev.playerId);
  p.cash += ev.cash;
  state.fund.cash -= ev.cash;
  if (ev.securityId === 0) return;
  const sec = security(state, ev.securityId);
  tradeCost(p, ev.securityId, p.positions.get(ev.securityId)?.qty ?? 0, -ev.qty, ev.price, sec.info.scale);
  positionOf(p, ev.securityId).qty -= ev.qty;
  const f = state.fund.positions;
  const q = (f.get(ev.securityId) ?? 0) + ev.qty;
  if (q === 0) f.delete(ev.securityId);
  else f.set(ev.securityId, q);
}

/** A CFD order filled by the house (cfd-order.ts): cash, lots and the fee between the player and the fund. */
function cfdFilled(state: CoreState, ev: EventOf<"cfd_fill">): void {
  const sec = security(state, ev.securityId);
  const p = player(state, ev.playerId);
  const d = ev.side === "buy" ? ev.qty : -ev.qty;
  const notional = ev.price * ev.qty * sec.info.scale;
  sec.lastPrice = ev.price;
  tradeCost(p, ev.securityId, p.positions.get(ev.securityId)?.qty ?? 0, d, ev.price, sec.info.scale);
  if (ev.resting) {
    const o = sec.book.orders.get(ev.orderId) ?? broken(`no resting order ${ev.orderId}`);
    takeOff(state, sec, o);
    applyLock(p, sec.info, o.side, o.price, o.amount, -1);
  }
  const cash = (d > 0 ? -notional : notional) - ev.fee;
  p.cash += cash;
  state.fund.cash -= cash;
  positionOf(p, ev.securityId).qty += d;
  const f = state.fund.positions;
  const q = (f.get(ev.securityId) ?? 0) - d;
  if (q === 0) f.delete(ev.securityId);
  else f.set(ev.securityId, q);
  const pending = ev.resting ? null : pendingOf(state, ev.securityId, ev.orderId);
  if (pending === null) return;
  pending.filled += ev.qty;
  pending.notional += notional;
  finish(state, pending, ev.seq, 0, "");
}

function dividendPaid(state: CoreState, ev: EventOf<"dividend">): void {
  security(state, ev.securityId).dividendPeriod = ev.period;
  for (const p of ev.payments) {
    player(state, p.playerId).cash += p.cash;
    state.cashTotal += p.cash;
  }
}

function rested(state: CoreState, ev: EventOf<"order_rested">): void {
  const sec = security(state, ev.securityId);
  const p = pendingOf(state, ev.securityId, ev.orderId) ?? broken(`order ${ev.orderId} rested without being accepted`);
  const o = p.order;
  o.amount = ev.qty;
  o.ts = ev.ts;
  sec.book.insert(o);
  const owner = player(state, o.playerId);
  let mine = owner.orders.get(o.securityId);
  if (!mine) {
    mine = new PlayerOrders();
    owner.orders.set(o.securityId, mine);
  }
  mine.append(o);
  applyLock(owner, sec.info, o.side, o.price, o.amount, 1);
  finish(state, p, ev.seq, ev.qty, "");
}

function cancelled(state: CoreState, ev: EventOf<"order_cancelled">): void {
  const p = pendingOf(state, ev.securityId, ev.orderId);
  if (p !== null) {
    finish(state, p, ev.seq, 0, ev.reason);
    return;
  }
  const sec = security(state, ev.securityId);
  const o = sec.book.orders.get(ev.orderId) ?? broken(`no resting order ${ev.orderId}`);
  takeOff(state, sec, o);
  applyLock(player(state, o.playerId), sec.info, o.side, o.price, o.amount, -1);
  if (ev.reason === "stp") state.pending?.stpCancelled?.push(o.id);
}

function amended(state: CoreState, ev: EventOf<"order_amended">): void {
  const sec = security(state, ev.securityId);
  const o = sec.book.orders.get(ev.orderId) ?? broken(`no resting order ${ev.orderId}`);
  const cut = o.amount - ev.qty;
  sec.book.reduce(o, cut);
  applyLock(player(state, o.playerId), sec.info, o.side, o.price, cut, -1);
}
