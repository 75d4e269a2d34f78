/**
 * A player's private state (shared/src/room-protocol.ts PrivatePlayer) read from the room's GameModel,
 * and the PrivatePatch between two of them. Money in minor units, prices in ticks, lots.
 *
 * The valuation fields (equity, P&L and its parts, fees, trades, return, points) come from the last
 * leaderboard the room computed (`money`; refreshed at most once a second); the margin account is
 * computed here (core/margin-account.ts) in margin rounds and left at zero in cash rounds.
 */
import {
  PRIVATE_SCALARS,
  type KeyedChanges,
  type LeaderboardRow,
  type PrivatePatch,
  type PrivateOrder,
  type PrivatePlayer,
  type PrivatePosition,
  type PrivateStop,
} from "@marketroom/shared";
import { marginAccount } from "../core/margin-account.ts";
import { waitingStops } from "../core/read.ts";
import type { RestingOrder } from "../core/matching/book.ts";
import type { PlayerState as CorePlayer } from "../core/state.ts";
import type { GameModel } from "../game/model.ts";

const MONEY = ["equity", "pnl", "realizedPnl", "unrealizedPnl", "fees", "trades", "returnBps", "points"] as const;

/**
 * The last view built of each resting order with its key `<securityId>:<orderId>`, by the model's order
 * object (resting orders keep their object while they rest; a rebuilt model has new ones). A PrivateFeed
 * keeps one, so a patch tick neither rebuilds the key string of every resting order nor looks it up.
 */
export type OrderViews = WeakMap<RestingOrder, { key: string; view: PrivateOrder }>;

/**
 * A record keyed by order or stop keys (`<securityId>:<id>`): a prototype-less object, which V8 keeps
 * as a hash table from the start. Each order id is a new property name, and a plain `{}` would get a
 * new hidden class per name added (issue 13: most of the private view's cost per patch tick).
 */
function keyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * The private state of `playerId` now; null when the model has no such player. `prev`: the state last
 * built for that player; its orders, positions and lists are reused where nothing changed (the same
 * objects, so diffPrivate skips them without comparing, and a patch tick allocates only what changed).
 * `views`: the feed's order views (none: every order view is built afresh).
 */
export function privateOf(
  model: GameModel,
  playerId: string,
  money: LeaderboardRow | undefined,
  prev?: PrivatePlayer,
  views?: OrderViews,
): PrivatePlayer | null {
  const p = model.players.get(playerId);
  if (!p) return null;
  const state = model.fold.state;
  const margin = state.game?.mode === "margin" ? marginAccount(state, p) : null;
  const open = margin ? new Map(margin.positions.map((x) => [x.securityId, x])) : undefined;
  const positions: Record<string, PrivatePosition> = {};
  for (const [sid, pos] of p.positions) {
    const x = open?.get(sid);
    const key = String(sid);
    const cur: PrivatePosition = {
      securityId: sid,
      qty: pos.qty,
      locked: pos.locked,
      openBuy: pos.openBuy,
      entryPrice: x?.entryPrice ?? 0,
      mark: x?.mark ?? 0,
      unrealizedPnl: x?.unrealizedPnl ?? 0,
      margin: x?.margin ?? 0,
      liquidationPrice: x?.liquidationPrice ?? 0,
      initialMarginBps: x?.initialMarginBps ?? 0,
    };
    const was = prev?.positions[key];
    positions[key] = was && sameFields(was, cur) ? was : cur;
  }
  const orders = ordersOf(model, p, prev?.orders, views);
  const v: PrivatePlayer = {
    cash: p.cash,
    cashLocked: p.cashLocked,
    equity: 0,
    pnl: 0,
    realizedPnl: 0,
    unrealizedPnl: 0,
    fees: 0,
    trades: 0,
    returnBps: 0,
    points: 0,
    group: model.groups.get(playerId) ?? "",
    marginEquity: margin?.equity ?? 0,
    usedMargin: margin?.usedMargin ?? 0,
    maintenanceMargin: margin?.maintenance ?? 0,
    freeMargin: margin?.freeMargin ?? 0,
    leverageBps: margin?.leverageBps ?? 0,
    positions,
    orders,
    stops: stopsOf(model, playerId),
    fills: listOf(model.fold.ownFills.get(playerId), prev?.fills),
    signals: listOf(model.signals.get(playerId), prev?.signals),
    marginCalls: listOf(model.marginCalls.get(playerId), prev?.marginCalls),
    stopTriggers: listOf(model.stopTriggers.get(playerId), prev?.stopTriggers),
  };
  if (money) for (const k of MONEY) v[k] = money[k] ?? 0;
  return v;
}

/**
 * A copy of a model list (kept capped, changed in place by the model), or `prev` itself when nothing
 * was added since: entries only ever append (oldest dropped), each with a higher seq.
 */
function listOf<T extends { seq: number }>(list: T[] | undefined, prev: T[] | undefined): T[] {
  if (!list?.length) return prev?.length === 0 ? prev : [];
  if (prev?.length === list.length && prev[prev.length - 1]!.seq === list[list.length - 1]!.seq) return prev;
  return list.slice();
}

/**
 * The player's resting orders keyed `<securityId>:<orderId>` (GameModel.openOrders without the player
 * id); an order unchanged since `prev` (or since `views` last saw it) keeps its object there.
 */
function ordersOf(
  model: GameModel,
  p: CorePlayer,
  prev: PrivatePlayer["orders"] | undefined,
  views: OrderViews | undefined,
): PrivatePlayer["orders"] {
  const out = keyed<PrivateOrder>();
  for (const sid of model.fold.state.securityIds) {
    const list = p.orders.get(sid);
    if (!list) continue;
    for (const o of list.values()) {
      const seen = views?.get(o);
      if (seen && sameOrder(seen.view, o)) {
        out[seen.key] = seen.view;
        continue;
      }
      const key = seen?.key ?? `${sid}:${o.id}`;
      const was = prev?.[key];
      const view = was && sameOrder(was, o) ? was : orderView(sid, o);
      views?.set(o, { key, view });
      out[key] = view;
    }
  }
  return out;
}

/** Whether `v` shows `o` as it is now. */
function sameOrder(v: PrivateOrder, o: RestingOrder): boolean {
  return (
    v.orderId === o.id &&
    v.side === o.side &&
    v.price === o.price &&
    v.qty === o.qty &&
    v.amount === o.amount &&
    v.clientOrderId === (o.clientOrderId ?? "") &&
    v.ts === o.ts
  );
}

function orderView(securityId: number, o: RestingOrder): PrivateOrder {
  return {
    orderId: o.id,
    securityId,
    side: o.side,
    price: o.price,
    qty: o.qty,
    amount: o.amount,
    clientOrderId: o.clientOrderId ?? "",
    ts: o.ts,
  };
}

function stopsOf(model: GameModel, playerId: string): Record<string, PrivateStop> {
  const out = keyed<PrivateStop>();
  for (const s of waitingStops(model.fold.state, playerId)) out[`${s.securityId}:${s.stopId}`] = s;
  return out;
}

/** The whole of `v` as a patch (a snapshot). */
export function fullPatch(playerId: string, v: PrivatePlayer): PrivatePatch {
  const { positions, orders, stops, fills, signals, marginCalls, stopTriggers, ...scalars } = v;
  return {
    playerId,
    full: true,
    set: scalars,
    positions: { put: positions },
    orders: { put: orders },
    stops: { put: stops },
    fills,
    signals,
    marginCalls,
    stopTriggers,
  };
}

/** What changed from `prev` to `cur`; null when nothing did. */
export function diffPrivate(playerId: string, prev: PrivatePlayer, cur: PrivatePlayer): PrivatePatch | null {
  const patch: PrivatePatch = { playerId };
  let changed = false;
  const set: Record<string, unknown> = {};
  for (const k of PRIVATE_SCALARS) {
    if (prev[k] !== cur[k]) {
      set[k] = cur[k];
      changed = true;
    }
  }
  if (changed) patch.set = set;
  const out = patch as unknown as Record<string, unknown>;
  for (const k of ["positions", "orders", "stops"] as const) {
    const c = diffKeyed<object>(prev[k], cur[k]);
    if (c) {
      out[k] = c;
      changed = true;
    }
  }
  for (const k of ["fills", "signals", "marginCalls", "stopTriggers"] as const) {
    const list: { seq: number }[] = cur[k];
    const was: { seq: number }[] = prev[k];
    if (list === was) continue;
    const last = was.length ? was[was.length - 1]!.seq : 0;
    const added = list.filter((x) => x.seq > last);
    if (added.length) {
      out[k] = added;
      changed = true;
    }
  }
  return changed ? patch : null;
}

function diffKeyed<T extends object>(prev: Record<string, T>, cur: Record<string, T>): KeyedChanges<T> | null {
  let put: Record<string, T> | undefined; // keyed(): order and stop keys
  let del: string[] | undefined;
  for (const k in prev) if (!(k in cur)) (del ??= []).push(k);
  for (const k in cur) {
    const a = prev[k];
    const b = cur[k]!;
    if (a !== b && (!a || !sameFields(a, b))) (put ??= keyed<T>())[k] = b;
  }
  if (!put && !del) return null;
  return { ...(put ? { put } : {}), ...(del ? { del } : {}) };
}

function sameFields(a: object, b: object): boolean {
  for (const k in b) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
}
