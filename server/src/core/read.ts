/**
 * Reads the room needs (book depth, a player's inventory, open orders), in the shapes of
 * shared/src/engine.ts BookDepth, Inventory, OpenOrder. Pure; a bad argument or unknown id is a
 * Rejection with the decide functions' codes.
 */
import type { BookDepth, BookLevel, Inventory, OpenOrder, Rejection } from "@marketroom/shared";
import type { BookSide } from "./matching/book.ts";
import { Rejected } from "./reject.ts";
import type { CoreState } from "./state.ts";
import { needGame, needPlayer, needSecurity } from "./decide/context.ts";
import { needInt } from "./validation.ts";

function guarded<T>(f: () => T): T | Rejection {
  try {
    return f();
  } catch (e) {
    if (e instanceof Rejected) return e.toRejection();
    throw e;
  }
}

function levels(side: BookSide, depth: number): BookLevel[] {
  const out: BookLevel[] = [];
  for (let i = side.levels.length - 1; i >= 0 && out.length < depth; i--) {
    const l = side.levels[i]!;
    out.push({ price: l.price, qty: l.qty, orders: l.orders });
  }
  return out;
}

/**
 * Aggregated depth, best first, `depth` (1..1000) levels per side, as of state.seq. UNKNOWN_GAME,
 * UNKNOWN_SECURITY, INVALID_ARGUMENT. A CFD has no book: its waiting orders are private to their owners
 * (the house fills them; docs/margin.md "CFD securities"), so its depth is empty.
 */
export function bookDepth(state: CoreState, securityId: number, depth = 20): BookDepth | Rejection {
  return guarded(() => {
    needGame(state);
    const sec = needSecurity(state, securityId);
    const n = needInt(depth, 1, 1000, "INVALID_ARGUMENT", "depth");
    return {
      ok: true as const,
      securityId: sec.info.securityId,
      seq: state.seq,
      bids: sec.kind === "cfd" ? [] : levels(sec.book.bids, n),
      asks: sec.kind === "cfd" ? [] : levels(sec.book.asks, n),
    };
  });
}

/** A player's cash, locked cash and positions (by security id). UNKNOWN_GAME, UNKNOWN_PLAYER. */
export function inventoryOf(state: CoreState, playerId: string): Inventory | Rejection {
  return guarded(() => {
    needGame(state);
    const p = needPlayer(state, playerId);
    const positions = [...p.positions.entries()]
      .sort(([a], [b]) => a - b)
      .map(([securityId, pos]) => ({ securityId, qty: pos.qty, locked: pos.locked, openBuy: pos.openBuy }));
    return { ok: true as const, playerId: p.playerId, cash: p.cash, cashLocked: p.cashLocked, positions };
  });
}

/** A player's resting orders, by security id then arrival. UNKNOWN_GAME, UNKNOWN_PLAYER, UNKNOWN_SECURITY. */
export function openOrders(
  state: CoreState,
  playerId: string,
  securityId?: number,
): { ok: true; orders: OpenOrder[] } | Rejection {
  return guarded(() => {
    needGame(state);
    const p = needPlayer(state, playerId);
    const ids = securityId === undefined ? state.securityIds : [needSecurity(state, securityId).info.securityId];
    const orders: OpenOrder[] = [];
    for (const sid of ids) {
      for (const o of p.orders.get(sid)?.values() ?? []) {
        const out: OpenOrder = {
          orderId: o.id,
          securityId: sid,
          side: o.side,
          price: o.price,
          qty: o.qty,
          amount: o.amount,
          ts: o.ts,
        };
        if (o.clientOrderId !== undefined) out.clientOrderId = o.clientOrderId;
        orders.push(out);
      }
    }
    return { ok: true as const, orders };
  });
}

/** A waiting stop as the private state and GET /api/v1/margin show it (docs/margin.md "Protocol", `stops`). Ticks, lots, ms. */
export interface WaitingStop {
  stopId: number;
  securityId: number;
  side: "buy" | "sell";
  orderType: "limit" | "market";
  price: number;
  /** 0 = a bracket child not armed yet. */
  qty: number;
  stopPrice: number;
  trigger: "last" | "mark";
  kind: "stop" | "take_profit";
  ocoStopId: number;
  parentOrderId: number;
  ts: number;
}

/** A player's waiting stops, by security id then stop id (= arrival). Pure; no player = none. */
export function waitingStops(state: CoreState, playerId: string): WaitingStop[] {
  const out: WaitingStop[] = [];
  for (const sid of state.securityIds) {
    for (const s of state.securities.get(sid)!.stops.values()) {
      if (s.playerId !== playerId) continue;
      out.push({
        stopId: s.id,
        securityId: sid,
        side: s.side,
        orderType: s.orderType,
        price: s.price,
        qty: s.qty,
        stopPrice: s.stopPrice,
        trigger: s.trigger,
        kind: s.kind,
        ocoStopId: s.ocoStopId,
        parentOrderId: s.parentOrderId,
        ts: s.ts,
      });
    }
  }
  return out;
}
