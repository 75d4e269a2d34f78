/**
 * The receiving side of the "private" message (room-protocol.ts): folds each PrivatePatch into a
 * PrivateView per player and lays the view's fields onto the player's entry of the decoded room state
 * (`state.players.get(playerId)`), so screens and tests read `me.cash`, `me.orders.get(key)`,
 * `[...me.fills]` as they did when these fields were part of the synchronized state. Keyed collections
 * become Maps (get / has / values / size / forEach like MapSchema), lists arrays (oldest first).
 *
 * Patches are idempotent: map entries are whole, list items are appended only when their seq is above
 * the last one held, so a snapshot followed by a patch that overlaps it leaves the same view.
 */
import {
  PRIVATE_MESSAGE,
  PRIVATE_SCALARS,
  type PrivateFill,
  type PrivateMarginCall,
  type PrivateMessage,
  type PrivateOrder,
  type PrivatePatch,
  type PrivatePosition,
  type PrivateScalars,
  type PrivateSignal,
  type PrivateStop,
  type PrivateStopTrigger,
  type KeyedChanges,
} from "./room-protocol.ts";
import type { MapSchema } from "@colyseus/schema";
import {
  MARGIN_CALLS_KEPT,
  OWN_FILLS_KEPT,
  SIGNALS_KEPT,
  STOP_TRIGGERS_KEPT,
  type GameState,
  type PlayerState,
} from "./state.ts";

/** One player's private state as a client holds it. */
export interface PrivateView extends PrivateScalars {
  positions: Map<string, PrivatePosition>;
  orders: Map<string, PrivateOrder>;
  stops: Map<string, PrivateStop>;
  fills: PrivateFill[];
  signals: PrivateSignal[];
  marginCalls: PrivateMarginCall[];
  stopTriggers: PrivateStopTrigger[];
}

/** A player entry of the decoded state once its private view is laid on it (own player, or any for an admin). */
export type PlayerWithPrivate = PlayerState & PrivateView;
/** The decoded room state as a client with private views sees it. */
export type ClientGameState = Omit<GameState, "players"> & { players: MapSchema<PlayerWithPrivate> };

function emptyView(): PrivateView {
  const v = {
    positions: new Map(),
    orders: new Map(),
    stops: new Map(),
    fills: [],
    signals: [],
    marginCalls: [],
    stopTriggers: [],
  };
  for (const k of PRIVATE_SCALARS) (v as Record<string, unknown>)[k] = k === "group" ? "" : 0;
  return v as unknown as PrivateView;
}

function applyKeyed<T>(map: Map<string, T>, c: KeyedChanges<T> | undefined): void {
  if (!c) return;
  for (const k of c.del ?? []) map.delete(k);
  for (const [k, v] of Object.entries(c.put ?? {})) map.set(k, v);
}

function append<T extends { seq: number }>(list: T[], items: T[] | undefined, kept: number): void {
  if (!items) return;
  for (const it of items) if (!list.length || it.seq > list[list.length - 1]!.seq) list.push(it);
  if (list.length > kept) list.splice(0, list.length - kept);
}

/** Folds one patch into `view` (a fresh view for `full`); returns the view. */
export function applyPrivatePatch(view: PrivateView | undefined, p: PrivatePatch): PrivateView {
  const v = !view || p.full ? emptyView() : view;
  Object.assign(v, p.set ?? {});
  applyKeyed(v.positions, p.positions);
  applyKeyed(v.orders, p.orders);
  applyKeyed(v.stops, p.stops);
  append(v.fills, p.fills, OWN_FILLS_KEPT);
  append(v.signals, p.signals, SIGNALS_KEPT);
  append(v.marginCalls, p.marginCalls, MARGIN_CALLS_KEPT);
  append(v.stopTriggers, p.stopTriggers, STOP_TRIGGERS_KEPT);
  return v;
}

/** What attachPrivateState needs of an SDK room. */
export interface PrivateRoom {
  state: unknown;
  onMessage(type: string, cb: (m: PrivateMessage) => void): unknown;
  onStateChange(cb: () => void): unknown;
  send(type: string, body?: unknown): void;
}

/** The message asking the server for a full snapshot of the private state. */
export const PRIVATE_SYNC = "private-sync";

const LAID = Symbol("private view laid");

/**
 * Keeps the private state of `room` (a player's own, or every player's for an admin) and lays it onto
 * `room.state.players`: after each "private" message and after each state change (a player may appear
 * in the state after its private snapshot arrived). Asks the server for a full snapshot (PRIVATE_SYNC);
 * `ready` resolves when the first "private" message (that snapshot, possibly empty for an observer)
 * has been laid. `onChange` runs after each "private" message.
 */
export function attachPrivateState(
  room: PrivateRoom,
  onChange?: () => void,
): { views: Map<string, PrivateView>; ready: Promise<void> } {
  let arrived!: () => void;
  const ready = new Promise<void>((r) => (arrived = r));
  const views = new Map<string, PrivateView>();
  const lay = (pid: string, v: PrivateView, force: boolean) => {
    const players = (room.state as { players?: { get(k: string): Record<string | symbol, unknown> | undefined } })
      ?.players;
    const ps = players?.get(pid);
    if (!ps || (!force && ps[LAID] === v)) return;
    Object.assign(ps, v);
    ps[LAID] = v;
  };
  room.onMessage(PRIVATE_MESSAGE, (m: PrivateMessage) => {
    for (const p of m.players ?? []) {
      const v = applyPrivatePatch(views.get(p.playerId), p);
      views.set(p.playerId, v);
      lay(p.playerId, v, true);
    }
    arrived();
    onChange?.();
  });
  room.onStateChange(() => {
    for (const [pid, v] of views) lay(pid, v, false);
  });
  room.send(PRIVATE_SYNC);
  return { views, ready };
}
