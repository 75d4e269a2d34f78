/**
 * The key-ops projection: the part of the game's Valkey keys (seed key schema,
 * ../shared/ARCHITECTURE.md "Key schema") that one command's events touched, as ABSOLUTE writes read
 * from the core state AFTER those events were evolved. It is a projection of the state onto the keys,
 * not a second reducer: the events only say WHICH keys to write; every value comes from the state.
 * hydrate.ts is its inverse (loadGame's structure -> CoreState); the GameWriter tests prove
 * hydrate(load(commit(ops))) equals the state.
 *
 * Keys and fields written (the Lua engine's names where it has the key; docs/commit.md "The writer"):
 *   game:{g}                                   phase name stp max_matches allow_short protection_bps
 *                                              gross_limit net_limit created_at cash_total
 *   game:{g}:securities (set), :limit_weights (hash sid -> weight), :players (hash pid -> name)
 *   game:{g}:security:<s>                      symbol tick_size lot_size scale band_low band_high short_limit
 *                                              position_limit max_order_qty taker_fee maker_rebate limit_weight
 *   game:{g}:security:<s>:orderbook            price -> net resting lots (+ bids, - asks)
 *   ...:orderbook:bids / :asks (zset)          member = zero-padded id, score -price / price
 *   ...:orderbook:order_count (string)         last order id
 *   ...:orderbook:<member> (hash)              side price qty amount player_id cid ts post_only
 *   game:{g}:player:<p>:inventory              0 (cash), 0:locked, <s>, <s>:locked, <s>:open_buy
 *   game:{g}:player:<p>:security:<s>:orders    zset member -> id
 *   game:{g}:player:<p>:client_orders          cid -> {"ok":true,"order",...,"events":[],"firstSeq","lastSeq","fills"}
 *   game:{g}:news, game:{g}:signals (zset)     member = the event's JSON, score = its seq (the Lua engine
 *                                              keeps lists there; the commit has no list ops)
 */
import type { EngineEvent } from "@marketroom/shared";
import { assertNever } from "../core/assert.ts";
import type { CoreState, PlayerState, SecurityState } from "../core/index.ts";
import type { RestingOrder } from "../core/matching/book.ts";
import type { KeyOp } from "./commit.ts";
import * as K from "./keys.ts";
import { marketKeyOps } from "./market-keys.ts";

interface OrderRef { sid: number; id: number; side: "buy" | "sell"; playerId: string }

/** What a command's events touched. */
class Touched {
  game = false;
  cashTotal = false;
  readonly securities = new Set<number>();
  readonly players = new Set<string>();
  /** playerId -> security ids whose position fields to write ("all" after player_added). */
  readonly positions = new Map<string, Set<number> | "all">();
  /** "sid:id" -> order. */
  readonly orders = new Map<string, OrderRef>();
  /** "sid:price" -> [sid, price]. */
  readonly levels = new Map<string, [number, number]>();
  readonly counters = new Set<number>();
  /** [playerId, clientOrderId]. */
  readonly clientOrders = new Map<string, [string, string]>();
  readonly messages: EngineEvent[] = [];

  position(playerId: string, sid: number): void {
    const cur = this.positions.get(playerId);
    if (cur === "all") return;
    if (cur) cur.add(sid);
    else this.positions.set(playerId, new Set([sid]));
  }

  order(o: OrderRef, price: number): void {
    this.orders.set(`${o.sid}:${o.id}`, o);
    this.levels.set(`${o.sid}:${price}`, [o.sid, price]);
    this.position(o.playerId, o.sid);
  }
}

function collect(events: readonly EngineEvent[]): Touched {
  const t = new Touched();
  /** Orders accepted by this command that have not rested (their cancel touches no book key). */
  const incoming = new Set<string>();
  for (const ev of events) {
    switch (ev.type) {
      case "game_created": t.game = true; t.cashTotal = true; break;
      case "security_added": t.securities.add(ev.securityId); break;
      case "player_added": t.players.add(ev.playerId); t.positions.set(ev.playerId, "all"); t.cashTotal = true; break;
      case "phase_changed": t.game = true; break;
      case "order_accepted":
        t.counters.add(ev.securityId);
        t.position(ev.playerId, ev.securityId);
        incoming.add(`${ev.securityId}:${ev.orderId}`);
        if (ev.clientOrderId !== undefined) t.clientOrders.set(`${ev.playerId}\n${ev.clientOrderId}`, [ev.playerId, ev.clientOrderId]);
        break;
      case "fill":
        t.order({ sid: ev.securityId, id: ev.makerOrderId, side: ev.aggressor === "buy" ? "sell" : "buy", playerId: ev.makerPlayerId }, ev.price);
        t.position(ev.takerPlayerId, ev.securityId);
        break;
      case "order_rested":
        incoming.delete(`${ev.securityId}:${ev.orderId}`);
        t.order({ sid: ev.securityId, id: ev.orderId, side: ev.side, playerId: ev.playerId }, ev.price);
        break;
      case "order_cancelled":
        if (!incoming.has(`${ev.securityId}:${ev.orderId}`)) {
          t.order({ sid: ev.securityId, id: ev.orderId, side: ev.side, playerId: ev.playerId }, ev.price);
        }
        break;
      case "order_amended":
        t.order({ sid: ev.securityId, id: ev.orderId, side: ev.side, playerId: ev.playerId }, ev.price);
        break;
      case "admin_action": break;
      case "news": case "signal": t.messages.push(ev); break;
      case "auction": case "trading_mode": case "dividend": break; // market-keys.ts
      default: assertNever(ev);
    }
  }
  return t;
}

const flag = (b: boolean) => (b ? 1 : 0);

function securityOf(state: CoreState, sid: number): SecurityState {
  const sec = state.securities.get(sid);
  if (!sec) throw new Error(`key-ops: no security ${sid} in the state`);
  return sec;
}

function playerOf(state: CoreState, pid: string): PlayerState {
  const p = state.players.get(pid);
  if (!p) throw new Error(`key-ops: no player ${pid} in the state`);
  return p;
}

/** The fields of a resting order's hash (as lua/lib/book.lua writes them). */
export function orderFields(o: RestingOrder): (string | number)[] {
  return ["side", o.side, "price", o.price, "qty", o.qty, "amount", o.amount, "player_id", o.playerId,
    "cid", o.clientOrderId ?? "", "ts", o.ts, "post_only", flag(o.postOnly)];
}

/** Inventory fields of a player: cash, locked cash and the positions of `sids` (all positions when "all"). */
function inventoryFields(p: PlayerState, sids: Set<number> | "all"): (string | number)[] {
  const out: (string | number)[] = ["0", p.cash, "0:locked", p.cashLocked];
  for (const sid of sids === "all" ? p.positions.keys() : sids) {
    const pos = p.positions.get(sid);
    if (pos) out.push(String(sid), pos.qty, `${sid}:locked`, pos.locked, `${sid}:open_buy`, pos.openBuy);
  }
  return out;
}

/**
 * The key ops that bring game `gameId`'s keys to `state` for everything `events` touched; call it
 * right after evolving those events (the command's events, in order) into `state`. Throws when an
 * event names a security or player the state does not have (a broken call, not a user error).
 */
export function keyOpsFor(gameId: string, state: CoreState, events: readonly EngineEvent[]): KeyOp[] {
  const t = collect(events);
  const g = gameId;
  const ops: KeyOp[] = [];
  const game = state.game;
  if (t.game && game) {
    ops.push(["HSET", K.gameKey(g), "phase", game.phase, "name", game.name, "stp", game.stp, "max_matches", game.maxMatches,
      "allow_short", flag(game.allowShort), "protection_bps", game.protectionBps, "gross_limit", game.grossLimit,
      "net_limit", game.netLimit, "created_at", game.createdAt]);
  }
  if (t.cashTotal) ops.push(["HSET", K.gameKey(g), "cash_total", state.cashTotal]);
  for (const sid of t.securities) {
    const i = securityOf(state, sid).info;
    ops.push(["HSET", K.securityKey(g, sid), "symbol", i.symbol, "tick_size", i.tickSize, "lot_size", i.lotSize, "scale", i.scale,
      "band_low", i.bandLow, "band_high", i.bandHigh, "short_limit", i.shortLimit, "position_limit", i.positionLimit,
      "max_order_qty", i.maxOrderQty, "taker_fee", i.takerFee, "maker_rebate", i.makerRebate, "limit_weight", i.limitWeight]);
    ops.push(["SADD", K.securitiesKey(g), sid], ["HSET", K.limitWeightsKey(g), sid, i.limitWeight]);
  }
  for (const pid of t.players) ops.push(["HSET", K.playersKey(g), pid, playerOf(state, pid).name]);
  for (const sid of t.counters) ops.push(["SET", K.orderCountKey(g, sid), securityOf(state, sid).lastOrderId]);
  for (const o of t.orders.values()) {
    const key = K.orderKey(g, o.sid, o.id);
    const member = K.orderMember(o.id);
    const sideKey = o.side === "buy" ? K.bidsKey(g, o.sid) : K.asksKey(g, o.sid);
    const resting = securityOf(state, o.sid).book.orders.get(o.id);
    if (resting) {
      ops.push(["HSET", key, ...orderFields(resting)], ["ZADD", sideKey, o.side === "buy" ? -resting.price : resting.price, member],
        ["ZADD", K.playerOrdersKey(g, o.playerId, o.sid), o.id, member]);
    } else {
      ops.push(["DEL", key], ["ZREM", sideKey, member], ["ZREM", K.playerOrdersKey(g, o.playerId, o.sid), member]);
    }
  }
  for (const [sid, price] of t.levels.values()) {
    const book = securityOf(state, sid).book;
    const net = (book.bids.levelAt(price)?.qty ?? 0) - (book.asks.levelAt(price)?.qty ?? 0);
    ops.push(net === 0 ? ["HDEL", K.bookKey(g, sid), price] : ["HSET", K.bookKey(g, sid), price, net]);
  }
  for (const [pid, sids] of t.positions) ops.push(["HSET", K.inventoryKey(g, pid), ...inventoryFields(playerOf(state, pid), sids)]);
  for (const [pid, cid] of t.clientOrders.values()) {
    const stored = playerOf(state, pid).clientOrders.get(cid);
    if (!stored) continue; // the order has not reached its last event (cannot happen after a whole command)
    const result = { ok: true, order: stored.order, events: [], firstSeq: stored.firstSeq, lastSeq: stored.lastSeq, fills: stored.fills };
    ops.push(["HSET", K.clientOrdersKey(g, pid), cid, JSON.stringify(result)]);
  }
  for (const ev of t.messages) ops.push(["ZADD", ev.type === "news" ? K.newsKey(g) : K.signalsKey(g), ev.seq, JSON.stringify(ev)]);
  ops.push(...marketKeyOps(g, state, events));
  return ops;
}
