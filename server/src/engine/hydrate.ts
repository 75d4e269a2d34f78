/**
 * hydrate(loaded) -> CoreState: the core state of a game from what loadGame read from Valkey, the
 * inverse of the key-ops projection (key-ops.ts lists the keys and fields). Valkey holds the writer's
 * state as of a batch boundary, so the result equals the state the last committed batch left
 * (server/test/engine/game-writer.test.ts checks it deep-equal, and equal to the event log folded
 * through evolve).
 *
 * Books: each side's orders arrive in price-time priority (loadGame), so appending them in that order
 * rebuilds every level's FIFO queue. Each player's resting orders are kept by security in id order
 * (= arrival, as evolve inserts them). A position exists when the inventory has any of its fields.
 * Throws Error when a stored value is not what the projection writes (a missing game field, a
 * non-integer amount, an order of an unknown player): a corrupt store must not become a game.
 */
import { EngineEvent, type EventOf, type SecurityInfo } from "@marketroom/shared";
import { emptyState, type CoreState, type PlayerState } from "../core/index.ts";
import { OrderBook, type RestingOrder } from "../core/matching/book.ts";
import type { StoredPlace } from "../core/state.ts";
import { PlayerOrders } from "../core/player-orders.ts";
import { marketSecurityState } from "./market-keys.ts";
import type { LoadedGame, LoadedSecurity, RestingOrder as LoadedOrder } from "./load.ts";

function int(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v === "" || !Number.isSafeInteger(n)) throw new Error(`hydrate: ${what} is not an integer: ${String(v)}`);
  return n;
}

function securityInfo(s: LoadedSecurity): SecurityInfo {
  const c = s.config;
  const n = (f: string) => int(c[f], `security ${s.securityId} ${f}`);
  return {
    securityId: s.securityId, symbol: c.symbol ?? "", tickSize: c.tick_size ?? "", lotSize: n("lot_size"), scale: n("scale"),
    bandLow: n("band_low"), bandHigh: n("band_high"), shortLimit: n("short_limit"), positionLimit: n("position_limit"),
    maxOrderQty: n("max_order_qty"), takerFee: n("taker_fee"), makerRebate: n("maker_rebate"), limitWeight: n("limit_weight"),
  };
}

function player(playerId: string, name: string, inv: Record<string, string>): PlayerState {
  const p: PlayerState = {
    playerId, name, cash: int(inv["0"], `${playerId} cash`), cashLocked: int(inv["0:locked"] ?? "0", `${playerId} locked cash`),
    positions: new Map(), orders: new Map(), clientOrders: new Map(),
  };
  const sids = new Set<number>();
  for (const f of Object.keys(inv)) {
    const sid = Number(f.split(":", 1)[0]);
    if (sid !== 0) sids.add(sid);
  }
  for (const sid of sids) {
    const at = (f: string) => int(inv[f] ?? "0", `${playerId} ${f}`);
    p.positions.set(sid, { qty: at(String(sid)), locked: at(`${sid}:locked`), openBuy: at(`${sid}:open_buy`) });
  }
  return p;
}

function restingOrder(securityId: number, o: LoadedOrder): RestingOrder {
  return {
    id: o.id, securityId, side: o.side, price: int(o.fields.price, `order ${o.member} price`), qty: int(o.fields.qty, `order ${o.member} qty`),
    amount: int(o.fields.amount, `order ${o.member} amount`), playerId: o.playerId, clientOrderId: o.clientOrderId ?? undefined,
    ts: o.ts, postOnly: o.postOnly, level: null, prev: null, next: null, ownerPrev: null, ownerNext: null,
  };
}

function storedPlace(json: string): StoredPlace {
  const r = JSON.parse(json) as StoredPlace;
  return { order: r.order, firstSeq: r.firstSeq, lastSeq: r.lastSeq, fills: r.fills };
}

/** The core state of a loaded game (see module doc). A game that does not exist gives emptyState() at its seq. */
export function hydrate(loaded: LoadedGame): CoreState {
  const state = emptyState();
  state.seq = loaded.seq;
  const g = loaded.game;
  if (g.phase === undefined) return state;
  const n = (f: string) => int(g[f], `game ${f}`);
  state.game = {
    name: g.name ?? "", phase: g.phase as NonNullable<CoreState["game"]>["phase"], stp: g.stp as NonNullable<CoreState["game"]>["stp"],
    maxMatches: n("max_matches"), allowShort: g.allow_short === "1", protectionBps: n("protection_bps"), grossLimit: n("gross_limit"),
    netLimit: n("net_limit"), createdAt: n("created_at"), mode: "cash",
  };
  state.cashTotal = int(g.cash_total ?? "0", "game cash_total");
  for (const [pid, name] of loaded.players) {
    const p = player(pid, name, loaded.inventories.get(pid) ?? {});
    for (const [cid, json] of loaded.clientOrders.get(pid) ?? []) p.clientOrders.set(cid, storedPlace(json));
    state.players.set(pid, p);
  }
  for (const s of loaded.securities) {
    const book = new OrderBook();
    const mine: RestingOrder[] = [];
    for (const o of [...s.bids, ...s.asks]) {
      const r = restingOrder(s.securityId, o);
      book.insert(r);
      mine.push(r);
    }
    mine.sort((a, b) => a.id - b.id);
    for (const r of mine) {
      const owner = state.players.get(r.playerId);
      if (!owner) throw new Error(`hydrate: order ${r.id} of security ${s.securityId} belongs to unknown player ${r.playerId}`);
      let m = owner.orders.get(s.securityId);
      if (!m) { m = new PlayerOrders(); owner.orders.set(s.securityId, m); }
      m.append(r);
    }
    state.securities.set(s.securityId, { info: securityInfo(s), book, lastOrderId: s.orderCount, ...marketSecurityState(s.config) });
    state.securityIds.push(s.securityId);
  }
  state.securityIds.sort((a, b) => a - b);
  state.news = loaded.news.map((j) => EngineEvent.parse(JSON.parse(j)) as EventOf<"news">);
  state.signals = loaded.signals.map((j) => EngineEvent.parse(JSON.parse(j)) as EventOf<"signal">);
  return state;
}
