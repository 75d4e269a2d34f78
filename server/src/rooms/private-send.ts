/**
 * Who gets which "private" message (shared/src/room-protocol.ts): a player's sessions get that
 * player's patch, admin sessions get every player's, observers none. The patches come from the room's
 * PrivateFeed once per patch tick; a snapshot answers "private-sync" and a reconnection.
 */
import { PRIVATE_MESSAGE, type PrivatePatch } from "@marketroom/shared";
import type { PrivateFeed } from "./private-feed.ts";

/** What the private messages need of a room client. */
export interface PrivateClient {
  auth?: { role: "player" | "admin" | "observer"; playerId?: string };
  send(type: string, message: unknown): void;
}

/** Sends this tick's `patches`: each player's to its sessions, all of them to admin sessions. */
export function sendPrivatePatches(clients: Iterable<PrivateClient>, patches: PrivatePatch[]): void {
  if (!patches.length) return;
  const byPlayer = new Map<string, PrivatePatch>();
  for (const p of patches) byPlayer.set(p.playerId, p);
  for (const c of clients) {
    const auth = c.auth;
    if (auth?.role === "admin") c.send(PRIVATE_MESSAGE, { players: patches });
    else if (auth?.playerId) {
      const p = byPlayer.get(auth.playerId);
      if (p) c.send(PRIVATE_MESSAGE, { players: [p] });
    }
  }
}

/** A full snapshot of what `client` may see (every player for an admin, none for an observer); flush `feed` first. */
export function sendPrivateSnapshot(client: PrivateClient, feed: PrivateFeed): void {
  const auth = client.auth;
  const pids = auth?.role === "admin" ? feed.players() : auth?.playerId ? [auth.playerId] : [];
  client.send(PRIVATE_MESSAGE, { players: feed.snapshots(pids) });
}
