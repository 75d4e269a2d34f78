/**
 * What a viewer of a replay may see (docs/replay.md, "Who sees what"). The replay routes pass every
 * event and every book order through here; nothing else decides it.
 *
 * An admin sees everything. A player sees what the live room shows them:
 * - public market events as logged: game_created, security_added, phase_changed, news;
 * - their own events in full: their player_added (endowment), orders (with clientOrderId), fills;
 * - other players' orders and fills without identity, as on the book and the tape: no playerId,
 *   makerPlayerId / takerPlayerId or clientOrderId (order ids, sides, prices and quantities stay: the
 *   book shows them too);
 * - other players' player_added with playerId and name only (the room lists names; no endowment);
 * - admin_action with its `action` only (actor and detail can name players and their groups);
 * - a private signal only when they are one of its recipients, with `playerIds` = [themselves]; other
 *   signals are left out, so the seqs of an event page may have gaps.
 * A viewer (a shared replay link, http/replay-links.ts; anyone who has the link) sees the market, not the
 * people: public market events; every order and fill without identity (no playerId, maker/taker ids or
 * clientOrderId); player_added with no player id, name or endowment (a count of joins); admin_action with
 * its `action` only; no private signal. The replay routes refuse a viewer every inventory and timeline
 * (403), and the summary lists no players. Rounds set no rule that reveals private data after the end
 * today; one that does would widen this, here.
 * Anyone else (no token, another game's token) is refused before this (401 / 403).
 */
import type { EngineEvent } from "@marketroom/shared";
import { assertNever } from "../core/assert.ts";
import type { ReplayOrder } from "./reads.ts";

/** Who is looking: the admin, one player of the game, or the holder of a shared replay link. */
export type Viewer = { role: "admin" } | { role: "player"; playerId: string } | { role: "viewer" };

/** An event as a viewer sees it: the logged event, or a copy with fields left out. */
export type VisibleEvent = Pick<EngineEvent, "seq" | "ts" | "type"> & Record<string, unknown>;

/** A resting order as a viewer sees it: other players' orders without playerId and clientOrderId. */
export type VisibleOrder = Omit<ReplayOrder, "playerId" | "clientOrderId"> &
  Partial<Pick<ReplayOrder, "playerId" | "clientOrderId">>;

/** Copy of `o` without the keys `drop`. */
function without<T extends object>(o: T, ...drop: string[]): T {
  const out = { ...o } as Record<string, unknown>;
  for (const k of drop) delete out[k];
  return out as T;
}

/** `e` as `viewer` may see it, or null when they may not see it at all (another group's signal). */
export function visibleEvent(e: EngineEvent, viewer: Viewer): VisibleEvent | null {
  if (viewer.role === "admin") return e;
  if (viewer.role === "viewer") return publicEvent(e);
  const me = viewer.playerId;
  switch (e.type) {
    case "game_created":
    case "security_added":
    case "phase_changed":
    case "news":
    case "auction":
    case "trading_mode":
      return e;
    case "player_added":
      return e.playerId === me ? e : { seq: e.seq, ts: e.ts, type: e.type, playerId: e.playerId, name: e.name };
    case "order_accepted":
      return e.playerId === me ? e : without(e, "playerId", "clientOrderId");
    case "order_rested":
    case "order_cancelled":
    case "order_amended":
      return e.playerId === me ? e : without(e, "playerId");
    case "fill": {
      const drop = [
        e.makerPlayerId === me ? "" : "makerPlayerId",
        e.takerPlayerId === me ? "" : "takerPlayerId",
      ].filter(Boolean);
      return drop.length ? without(e, ...drop) : e;
    }
    case "admin_action":
      return { seq: e.seq, ts: e.ts, type: e.type, action: e.action };
    case "signal":
      return e.playerIds.includes(me) ? { ...e, playerIds: [me] } : null;
    case "dividend": // a player sees the dividend and their own payment, not others' positions
      return { ...e, payments: e.payments.filter((p) => p.playerId === me) };
    case "reference_price":
      return e;
    // stops wait unseen (as on an exchange); liquidations and fund transfers are the player's own business
    case "stop_accepted":
    case "stop_armed":
    case "stop_triggered":
    case "stop_cancelled":
    case "margin_call":
    case "liquidation_order":
    case "fund_transfer":
    case "cfd_fill":
    case "cfd_leverage":
      return e.playerId === me ? e : null;
    default:
      return assertNever(e);
  }
}

/** `e` as the holder of a shared link sees it: the market without the people (file header). */
function publicEvent(e: EngineEvent): VisibleEvent | null {
  switch (e.type) {
    case "game_created":
    case "security_added":
    case "phase_changed":
    case "news":
    case "auction":
    case "trading_mode":
      return e;
    case "player_added":
      return { seq: e.seq, ts: e.ts, type: e.type };
    case "order_accepted":
      return without(e, "playerId", "clientOrderId");
    case "order_rested":
    case "order_cancelled":
    case "order_amended":
      return without(e, "playerId");
    case "fill":
      return without(e, "makerPlayerId", "takerPlayerId");
    case "admin_action":
      return { seq: e.seq, ts: e.ts, type: e.type, action: e.action };
    case "signal":
      return null;
    case "dividend":
      return { ...e, payments: [] };
    case "reference_price":
      return e;
    case "stop_accepted":
    case "stop_armed":
    case "stop_triggered":
    case "stop_cancelled":
    case "margin_call":
    case "liquidation_order":
    case "fund_transfer":
    case "cfd_fill":
    case "cfd_leverage":
      return null;
    default:
      return assertNever(e);
  }
}

/** The events of a page as `viewer` may see them, in order, hidden ones left out. */
export function visibleEvents(events: EngineEvent[], viewer: Viewer): VisibleEvent[] {
  const out: VisibleEvent[] = [];
  for (const e of events) {
    const v = visibleEvent(e, viewer);
    if (v) out.push(v);
  }
  return out;
}

/** A resting order as `viewer` may see it: another player's without playerId and clientOrderId. */
export function visibleOrder(o: ReplayOrder, viewer: Viewer): VisibleOrder {
  return viewer.role === "admin" || (viewer.role === "player" && o.playerId === viewer.playerId)
    ? o
    : without(o, "playerId", "clientOrderId");
}
