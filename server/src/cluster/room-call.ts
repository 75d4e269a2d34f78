/**
 * Calls into a game's room running in another server process (PRESENCE=redis), over Colyseus' IPC.
 */
import { matchMaker, requestFromIPC } from "@colyseus/core";

/**
 * Colyseus' IPC channel of a room (MatchMaker's getRoomChannel, not exported): "$" + roomId; a game's
 * room has the game's id.
 */
export const roomChannel = (gameId: string) => `$${gameId}`;

/**
 * Calls `method` of the game's room running in another process, over Colyseus' IPC on the room's
 * channel. Unlike matchMaker.remoteRoomCall it never calls a room object of this process: a room fenced
 * here lingers until its clients are gone and it is disposed, and would answer instead of the live room
 * (its process no longer runs the game: UNAVAILABLE). Rejects with "ipc_timeout" after `timeoutMs`.
 */
export function callRoomElsewhere<T>(gameId: string, method: string, args: unknown[], timeoutMs: number): Promise<T> {
  return requestFromIPC<T>(matchMaker.presence, roomChannel(gameId), method, args, timeoutMs);
}
