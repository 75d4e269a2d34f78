/**
 * hydrate(loaded) -> CoreState: the core state of a game from what loadGame read from Valkey, the
 * inverse of the key-ops projection (key-ops.ts lists the keys and fields). Valkey holds the writer's
 * state as of a batch boundary, so the result equals the state the last committed batch left
 * (server/test/engine/game-writer.test.ts checks it deep-equal, and equal to the event log folded
 * through evolve).
 *
 * Books: the orders are inserted in id order, which is each level's FIFO order (see bookOf) and the
 * order of each player's resting orders (= arrival, as evolve inserts them). hydrate takes over
 * loaded's order objects: the LoadedGame is not to be used afterwards. A position exists when the inventory has any of its fields.
 * Throws Error when a stored value is not what the projection writes (a missing game field, a
 * non-integer amount, an order of an unknown player): a corrupt store must not become a game.
 */
import { EngineEvent, type EventOf, type SecurityInfo } from "@marketroom/shared";
import { emptyState, type CoreState, type PlayerState } from "../core/index.ts";
import { OrderBook } from "../core/matching/book.ts";
import type { StoredPlace } from "../core/state.ts";
import { PlayerOrders } from "../core/player-orders.ts";
import { hydrateMargin, marginGameState, marginSecurityState } from "./margin-keys.ts";
import { marketSecurityState } from "./market-keys.ts";
import type { LoadedGame, LoadedSecurity } from "./load.ts";

function int(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v === "" || !Number.isSafeInteger(n))
    throw new Error(`hydrate: ${what} is not an integer: ${String(v)}`);
  return n;
}

function securityInfo(s: LoadedSecurity): SecurityInfo {
  const c = s.config;
  const n = (f: string) => int(c[f], `security ${s.securityId} ${f}`);
  return {
    securityId: s.securityId,
    symbol: c.symbol ?? "",
    tickSize: c.tick_size ?? "",
    lotSize: n("lot_size"),
    scale: n("scale"),
    bandLow: n("band_low"),
    bandHigh: n("band_high"),
    shortLimit: n("short_limit"),
    positionLimit: n("position_limit"),
    maxOrderQty: n("max_order_qty"),
    takerFee: n("taker_fee"),
    makerRebate: n("maker_rebate"),
    limitWeight: n("limit_weight"),
  };
}

function player(playerId: string, name: string, inv: Record<string, string>): PlayerState {
  const p: PlayerState = {
    playerId,
    name,
    cash: int(inv["0"], `${playerId} cash`),
    cashLocked: int(inv["0:locked"] ?? "0", `${playerId} locked cash`),
    positions: new Map(),
    orders: new Map(),
    clientOrders: new Map(),
    costs: new Map(),
    leverage: new Map(),
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

/**
 * A security's book and its orders in the players' lists. loadGame gives the orders in id order,
 * which is each level's queue order (an order keeps its id for as long as it keeps its place: an
 * amend that loses priority is a new order) and each player's arrival order, so they go in as they
 * come, without a sort or a copy; the book keeps its levels sorted by price as they are created.
 * Throws on an order id outside 1..orderCount, out of order or twice, or a non-integer field.
 */
function bookOf(state: CoreState, s: LoadedSecurity): OrderBook {
  const book = new OrderBook();
  let lastId = 0;
  let owner: PlayerState | undefined;
  let mine: PlayerOrders | undefined;
  for (const r of s.orders) {
    if (!(r.id > lastId && r.id <= s.orderCount)) {
      throw new Error(
        `hydrate: order ${r.id} of security ${s.securityId} has an id outside 1..${s.orderCount}, out of order or twice`,
      );
    }
    lastId = r.id;
    if (
      !Number.isSafeInteger(r.price) ||
      !Number.isSafeInteger(r.qty) ||
      !Number.isSafeInteger(r.amount) ||
      !Number.isSafeInteger(r.ts)
    ) {
      throw new Error(`hydrate: order ${r.id} of security ${s.securityId} has a non-integer price, qty, amount or ts`);
    }
    book.insert(r);
    if (owner === undefined || owner.playerId !== r.playerId) {
      owner = state.players.get(r.playerId);
      if (!owner)
        throw new Error(`hydrate: order ${r.id} of security ${s.securityId} belongs to unknown player ${r.playerId}`);
      mine = owner.orders.get(s.securityId);
      if (!mine) {
        mine = new PlayerOrders();
        owner.orders.set(s.securityId, mine);
      }
    }
    mine!.append(r);
  }
  return book;
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
    name: g.name ?? "",
    phase: g.phase as NonNullable<CoreState["game"]>["phase"],
    stp: g.stp as NonNullable<CoreState["game"]>["stp"],
    maxMatches: n("max_matches"),
    allowShort: g.allow_short === "1",
    protectionBps: n("protection_bps"),
    grossLimit: n("gross_limit"),
    netLimit: n("net_limit"),
    createdAt: n("created_at"),
    ...marginGameState(g),
  };
  state.cashTotal = int(g.cash_total ?? "0", "game cash_total");
  for (const [pid, name] of loaded.players) {
    const p = player(pid, name, loaded.inventories.get(pid) ?? {});
    for (const [cid, json] of loaded.clientOrders.get(pid) ?? []) p.clientOrders.set(cid, storedPlace(json));
    state.players.set(pid, p);
  }
  for (const s of loaded.securities) {
    state.securities.set(s.securityId, {
      info: securityInfo(s),
      book: bookOf(state, s),
      lastOrderId: s.orderCount,
      ...marketSecurityState(s.config),
      ...marginSecurityState(s.config, s.securityId),
    });
    state.securityIds.push(s.securityId);
  }
  state.securityIds.sort((a, b) => a - b);
  hydrateMargin(state, g, loaded.margin);
  state.news = loaded.news.map((j) => EngineEvent.parse(JSON.parse(j)) as EventOf<"news">);
  state.signals = loaded.signals.map((j) => EngineEvent.parse(JSON.parse(j)) as EventOf<"signal">);
  return state;
}
