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
import type { PlayerState as CorePlayer, PositionState as CorePosition } from "../core/state.ts";
import type { GameModel } from "../game/model.ts";

/**
 * The valuation fields of the last leaderboard row, field by field (a loop over their names reads and
 * writes by computed key, several times dearer per player and patch tick: issue 13).
 */
function setMoney(v: PlayerView, m: LeaderboardRow): void {
  v.equity = m.equity ?? 0;
  v.pnl = m.pnl ?? 0;
  v.realizedPnl = m.realizedPnl ?? 0;
  v.unrealizedPnl = m.unrealizedPnl ?? 0;
  v.fees = m.fees ?? 0;
  v.trades = m.trades ?? 0;
  v.returnBps = m.returnBps ?? 0;
  v.points = m.points ?? 0;
}

/**
 * A player's private state as the PrivateFeed keeps it between patch ticks: a PrivatePlayer whose orders
 * are an OrderList and whose stops (keyed `<securityId>:<stopId>`) a Map, both in the order the record
 * would list them. A patch tick walks every changed player's orders twice (build, then diff against the
 * last one sent): over arrays that is an ordered walk that allocates nothing, where a `for...in` over a
 * record with such keys (a hash-table object) collects and sorts its keys every time (issue 13: 0.6-0.8
 * µs per walk of 10 keys against 0.04 µs over a Map, in a loop of their own). Records are built only for
 * what leaves: a patch's `put` (what changed) and a full snapshot (toPrivate).
 */
export type PlayerView = Omit<PrivatePlayer, "orders" | "stops"> & {
  orders: OrderList;
  stops: Map<string, PrivateStop>;
};

/**
 * A player's resting orders, by security (the game's order) then by order id: `views[i]` is keyed
 * `keys[i]` (`<securityId>:<orderId>`). Never changed once built.
 */
export interface OrderList {
  keys: string[];
  views: PrivateOrder[];
}

/**
 * A record keyed by order or stop keys (`<securityId>:<id>`): a prototype-less object, which V8 keeps
 * as a hash table from the start. Each order id is a new property name, and a plain `{}` would get a
 * new hidden class per name added (issue 13: most of the private view's cost per patch tick).
 */
function keyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The private state of `playerId` now, as the client holds it; null when the model has no such player. */
export function privateOf(model: GameModel, playerId: string, money: LeaderboardRow | undefined): PrivatePlayer | null {
  const v = viewOf(model, playerId, money);
  return v && toPrivate(v);
}

/**
 * The private state of `playerId` now (a PlayerView); null when the model has no such player. `prev`:
 * the state last built for that player; its orders, positions and lists are reused where nothing changed
 * (the same objects, so diffViews skips them without comparing, and a patch tick allocates only what
 * changed).
 */
export function viewOf(
  model: GameModel,
  playerId: string,
  money: LeaderboardRow | undefined,
  prev?: PlayerView,
): PlayerView | null {
  const p = model.players.get(playerId);
  if (!p) return null;
  const state = model.fold.state;
  const margin = state.game?.mode === "margin" ? marginAccount(state, p) : null;
  const open = margin ? new Map(margin.positions.map((x) => [x.securityId, x])) : undefined;
  const positions = positionsOf(p, open, prev?.positions);
  const orders = ordersOf(model, p, prev?.orders);
  const v: PlayerView = {
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
    stops: stopsOf(model, playerId, prev?.stops),
    fills: listOf(model.fold.ownFills.get(playerId), prev?.fills),
    signals: listOf(model.signals.get(playerId), prev?.signals),
    marginCalls: listOf(model.marginCalls.get(playerId), prev?.marginCalls),
    stopTriggers: listOf(model.stopTriggers.get(playerId), prev?.stopTriggers),
  };
  if (money) setMoney(v, money);
  return v;
}

/**
 * The player's positions keyed by security id; a position that did not change keeps its object, and
 * when none changed (nor came or went) `prev` itself is returned (diffKeyed skips it by identity).
 */
function positionsOf(
  p: CorePlayer,
  open: Map<number, MarginPosition> | undefined,
  prev: PlayerView["positions"] | undefined,
): PlayerView["positions"] {
  if (prev && samePositions(p, open, prev)) return prev;
  const out: Record<string, PrivatePosition> = {};
  for (const [sid, pos] of p.positions) {
    const x = open?.get(sid);
    const key = String(sid);
    const was = prev?.[key];
    out[key] = was && samePosition(was, pos, x) ? was : positionView(sid, pos, x);
  }
  return out;
}

/** Whether `prev` shows every position of the player as it is now, and no other. */
function samePositions(
  p: CorePlayer,
  open: Map<number, MarginPosition> | undefined,
  prev: Record<string, PrivatePosition>,
): boolean {
  for (const [sid, pos] of p.positions) {
    const was = prev[String(sid)];
    if (!was || !samePosition(was, pos, open?.get(sid))) return false;
  }
  return Object.keys(prev).length === p.positions.size;
}

type MarginPosition = NonNullable<ReturnType<typeof marginAccount>>["positions"][number];

function positionView(sid: number, pos: CorePosition, x: MarginPosition | undefined): PrivatePosition {
  return {
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
}

/** Whether `v` shows the position as positionView would build it now. */
function samePosition(v: PrivatePosition, pos: CorePosition, x: MarginPosition | undefined): boolean {
  return (
    v.qty === pos.qty &&
    v.locked === pos.locked &&
    v.openBuy === pos.openBuy &&
    v.entryPrice === (x?.entryPrice ?? 0) &&
    v.mark === (x?.mark ?? 0) &&
    v.unrealizedPnl === (x?.unrealizedPnl ?? 0) &&
    v.margin === (x?.margin ?? 0) &&
    v.liquidationPrice === (x?.liquidationPrice ?? 0) &&
    v.initialMarginBps === (x?.initialMarginBps ?? 0)
  );
}

/** The PrivatePlayer of a view: its orders and stops as records, in the views' order. */
export function toPrivate(v: PlayerView): PrivatePlayer {
  const orders = keyed<PrivateOrder>();
  v.orders.keys.forEach((k, i) => (orders[k] = v.orders.views[i]!));
  return { ...v, orders, stops: recordOf(v.stops) };
}

/** The view of a PrivatePlayer (the same order, stop and position objects). */
function fromPrivate(v: PrivatePlayer): PlayerView {
  const orders = { keys: Object.keys(v.orders), views: Object.values(v.orders) };
  return { ...v, orders, stops: new Map(Object.entries(v.stops)) };
}

/** A keyed() record of a Map's entries, in its order. */
function recordOf<T>(m: ReadonlyMap<string, T>): Record<string, T> {
  const out = keyed<T>();
  for (const [k, x] of m) out[k] = x;
  return out;
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
 * id); an order unchanged since `prev` keeps its key and object, and when none changed (nor came or
 * went) `prev` itself is returned (diffOrders skips it by identity). The walk goes through `prev` in
 * step (both list orders by security, then by id), so an order still resting is found there without
 * building its key; any other order is looked up by its key while `prev` has orders left (after its
 * last one, every order is new: ids only grow).
 *
 * Cost (issue 13): nothing is built while every order so far is prev's, in prev's order; from the first
 * difference on, the lists are two arrays of exactly the player's number of orders (filled by index, no
 * growth by push), and each security's orders are walked through their owner links (one generator step
 * per security, not per order).
 */
function ordersOf(model: GameModel, p: CorePlayer, prev: OrderList | undefined): OrderList {
  const securityIds = model.fold.state.securityIds;
  let total = 0;
  for (const sid of securityIds) total += p.orders.get(sid)?.size ?? 0;
  const was = prev?.views ?? [];
  let keys: string[] | undefined; // from the first difference on: the new lists, `n` filled
  let views: PrivateOrder[] | undefined;
  let n = 0;
  let i = 0; // prev's next order
  for (const sid of securityIds) {
    const list = p.orders.get(sid);
    if (!list?.size) continue;
    for (let o: RestingOrder | null = list.values().next().value!; o !== null; o = o.ownerNext) {
      // prev's orders of this security before this one are gone
      while (i < was.length && was[i]!.securityId === sid && was[i]!.orderId < o.id) i++;
      let key: string;
      let before: PrivateOrder | undefined;
      if (i < was.length && was[i]!.securityId === sid && was[i]!.orderId === o.id) {
        key = prev!.keys[i]!;
        before = was[i++];
      } else {
        key = `${sid}:${o.id}`;
        const at = i < was.length ? prev!.keys.indexOf(key) : -1;
        before = at < 0 ? undefined : was[at];
      }
      const view = before && sameOrder(before, o) ? before : orderView(sid, o);
      if (!keys && view === before && i === n + 1 && was[n] === view) {
        n++; // still prev's, in prev's order
        continue;
      }
      if (!keys) {
        keys = new Array<string>(total);
        views = new Array<PrivateOrder>(total);
        for (let j = 0; j < n; j++) {
          keys[j] = prev!.keys[j]!;
          views[j] = was[j]!;
        }
      }
      keys[n] = key;
      views![n++] = view;
    }
  }
  if (keys) return { keys, views: views! };
  if (prev && n === was.length) return prev;
  return { keys: prev ? prev.keys.slice(0, n) : [], views: was.slice(0, n) };
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

/** The player's waiting stops keyed `<securityId>:<stopId>`; `prev` itself when both are empty. */
function stopsOf(model: GameModel, playerId: string, prev: PlayerView["stops"] | undefined): PlayerView["stops"] {
  const stops = waitingStops(model.fold.state, playerId);
  if (stops.length === 0 && prev?.size === 0) return prev;
  const out: PlayerView["stops"] = new Map();
  for (const s of stops) out.set(`${s.securityId}:${s.stopId}`, s);
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

/** The whole of a view as a patch (a snapshot): fullPatch of toPrivate(v). */
export function fullViewPatch(playerId: string, v: PlayerView): PrivatePatch {
  return fullPatch(playerId, toPrivate(v));
}

/** What changed from `prev` to `cur`; null when nothing did (diffViews of their views). */
export function diffPrivate(playerId: string, prev: PrivatePlayer, cur: PrivatePlayer): PrivatePatch | null {
  return diffViews(playerId, fromPrivate(prev), fromPrivate(cur));
}

/** What changed from `prev` to `cur`; null when nothing did. */
export function diffViews(playerId: string, prev: PlayerView, cur: PlayerView): PrivatePatch | null {
  const patch: PrivatePatch = { playerId };
  let changed = false;
  let set: Record<string, unknown> | undefined;
  for (const k of PRIVATE_SCALARS) if (prev[k] !== cur[k]) (set ??= {})[k] = cur[k];
  if (set) {
    patch.set = set;
    changed = true;
  }
  const out = patch as unknown as Record<string, unknown>;
  const positions = diffKeyed(prev.positions, cur.positions);
  if (positions) {
    out.positions = positions;
    changed = true;
  }
  const orders = diffOrders(prev.orders, cur.orders);
  if (orders) {
    out.orders = orders;
    changed = true;
  }
  const stops = diffMap(prev.stops, cur.stops);
  if (stops) {
    out.stops = stops;
    changed = true;
  }
  for (const k of ["fills", "signals", "marginCalls", "stopTriggers"] as const) {
    const list: { seq: number }[] = cur[k];
    const was: { seq: number }[] = prev[k];
    if (list === was) continue;
    const last = was.length ? was[was.length - 1]!.seq : 0;
    let from = list.length; // entries only append, each with a higher seq: the new ones are a tail
    while (from > 0 && list[from - 1]!.seq > last) from--;
    const added = list.slice(from);
    if (added.length) {
      out[k] = added;
      changed = true;
    }
  }
  return changed ? patch : null;
}

function diffKeyed<T extends object>(prev: Record<string, T>, cur: Record<string, T>): KeyedChanges<T> | null {
  if (prev === cur) return null;
  let put: Record<string, T> | undefined; // keyed(): order and stop keys
  let del: string[] | undefined;
  for (const k in prev) if (!(k in cur)) (del ??= []).push(k);
  for (const k in cur) {
    const a = prev[k];
    const b = cur[k]!;
    if (a !== b && (!a || !sameFields(a, b))) (put ??= keyed<T>())[k] = b;
  }
  if (!put && !del) return null;
  return changes(put, del);
}

/**
 * diffKeyed over OrderLists: deletions in `prev`'s order, then what `cur` puts, in its order. Both list
 * one security's orders by id, so within a security one walk through both finds them; where the two
 * reach different securities (a security's orders all gone or all new) the rest goes through diffMap.
 */
function diffOrders(prev: OrderList, cur: OrderList): KeyedChanges<PrivateOrder> | null {
  if (prev === cur) return null;
  const a = prev.views;
  const b = cur.views;
  if (!inOrder(a) || !inOrder(b)) return diffMap(mapOf(prev, 0), mapOf(cur, 0)); // not the feed's lists
  let put: Record<string, PrivateOrder> | undefined; // keyed(): order keys
  let del: string[] | undefined;
  let i = 0;
  let j = 0;
  for (; i < a.length && j < b.length;) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.securityId !== y.securityId) break;
    if (x.orderId === y.orderId) {
      if (x !== y && !sameFields(x, y)) (put ??= keyed())[cur.keys[j]!] = y;
      i++;
      j++;
    } else if (x.orderId < y.orderId) (del ??= []).push(prev.keys[i++]!);
    else (put ??= keyed())[cur.keys[j++]!] = y;
  }
  if (i < a.length && j < b.length) {
    // the rest: by key, as diffMap would (deletions first in `prev`'s order, then puts in `cur`'s)
    const rest = diffMap(mapOf(prev, i), mapOf(cur, j));
    for (const k of rest?.del ?? []) (del ??= []).push(k);
    for (const k in rest?.put) (put ??= keyed())[k] = rest.put[k]!;
  } else {
    for (; i < a.length; i++) (del ??= []).push(prev.keys[i]!);
    for (; j < b.length; j++) (put ??= keyed())[cur.keys[j]!] = b[j]!;
  }
  if (!put && !del) return null;
  return changes(put, del);
}

/** Whether each security's orders are together and by ascending id (as ordersOf lists them). */
function inOrder(views: readonly PrivateOrder[]): boolean {
  let done: number[] | undefined; // securities left behind
  for (let i = 1; i < views.length; i++) {
    const a = views[i - 1]!;
    const b = views[i]!;
    if (a.securityId === b.securityId) {
      if (a.orderId >= b.orderId) return false;
      continue;
    }
    (done ??= []).push(a.securityId);
    if (done.includes(b.securityId)) return false;
  }
  return true;
}

/** An OrderList's orders from index `from` on, by key. */
function mapOf(list: OrderList, from: number): Map<string, PrivateOrder> {
  const m = new Map<string, PrivateOrder>();
  for (let i = from; i < list.keys.length; i++) m.set(list.keys[i]!, list.views[i]!);
  return m;
}

/** diffKeyed over Maps: deletions in `prev`'s order, then what `cur` puts, in its order. */
function diffMap<T extends object>(prev: ReadonlyMap<string, T>, cur: ReadonlyMap<string, T>): KeyedChanges<T> | null {
  if (prev === cur) return null;
  let put: Record<string, T> | undefined; // keyed(): order and stop keys
  let del: string[] | undefined;
  for (const k of prev.keys()) if (!cur.has(k)) (del ??= []).push(k);
  for (const [k, b] of cur) {
    const a = prev.get(k);
    if (a !== b && (!a || !sameFields(a, b))) (put ??= keyed<T>())[k] = b;
  }
  if (!put && !del) return null;
  return changes(put, del);
}

/** `{ put?, del? }` with the keys present, put first (the bytes the spread of two literals gave, without its temporaries). */
function changes<T>(put: Record<string, T> | undefined, del: string[] | undefined): KeyedChanges<T> {
  const c: KeyedChanges<T> = {};
  if (put) c.put = put;
  if (del) c.del = del;
  return c;
}

function sameFields(a: object, b: object): boolean {
  for (const k in b) if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  return true;
}
