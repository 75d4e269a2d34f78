/**
 * The CFD fills a room shows each player in "My fills" (docs/margin.md "CFD securities"): the house fills
 * CFD orders (event cfd_fill), so they are not in the fold's own fills (book fills, maker and taker
 * players). Kept here per GameModel, last OWN_FILLS_KEPT per player, from the events the room applies
 * (the snapshot's and every batch's: roomModel, applyToModel). Each is the player's side with role "taker" (the house quoted).
 * Known limit: a room rebuilt from a checkpoint lists the CFD fills after that checkpoint only.
 */
import { OWN_FILLS_KEPT, type EngineEvent, type PrivateFill } from "@marketroom/shared";
import { GameModel, type GameSnapshot } from "../game/model.ts";

const kept = new WeakMap<GameModel, Map<string, PrivateFill[]>>();

/** The room's model of `snap` (GameModel.fromSnapshot) with the snapshot's CFD fills kept. */
export function roomModel(gameId: string, snap: GameSnapshot): GameModel {
  const model = GameModel.fromSnapshot(gameId, snap);
  for (const e of snap.events) if (e.seq <= snap.seq) noteCfdFill(model, e);
  return model;
}

/** Applies `events` (in seq order) to the room's model and keeps their CFD fills. */
export function applyToModel(model: GameModel, events: readonly EngineEvent[]): void {
  for (const e of events) {
    model.apply(e);
    noteCfdFill(model, e);
  }
}

/** Keeps `e` when it is a CFD fill (every event the room applies to `model`, in seq order). */
function noteCfdFill(model: GameModel, e: EngineEvent): void {
  if (e.type !== "cfd_fill") return;
  let byPlayer = kept.get(model);
  if (!byPlayer) kept.set(model, (byPlayer = new Map()));
  let list = byPlayer.get(e.playerId);
  if (!list) byPlayer.set(e.playerId, (list = []));
  if (list.length && list[list.length - 1]!.seq >= e.seq) return;
  list.push({
    seq: e.seq,
    securityId: e.securityId,
    orderId: e.orderId,
    side: e.side,
    price: e.price,
    qty: e.qty,
    role: "taker",
    ts: e.ts,
  });
  if (list.length > OWN_FILLS_KEPT) list.splice(0, list.length - OWN_FILLS_KEPT);
}

/** The player's book fills (`book`, oldest first) and CFD fills merged by seq: the last OWN_FILLS_KEPT. */
export function withCfdFills(model: GameModel, playerId: string, book: readonly PrivateFill[]): PrivateFill[] {
  const cfd = kept.get(model)?.get(playerId);
  if (!cfd?.length) return book.slice();
  return [...book, ...cfd].sort((a, b) => a.seq - b.seq).slice(-OWN_FILLS_KEPT);
}
