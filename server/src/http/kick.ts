/**
 * Kicking a player (admin bearer token; docs/api.md "Kicking a player"):
 *   POST /api/games/:id/players/:pid/kick  -> 200 { gameId, playerId, kickedAt, cancelled, disconnected }
 * The player's tokens stop working at once (room joins, reconnections, every HTTP route), their resting
 * orders are cancelled (reason admin), the kick is logged in the game's log (admin_action player_kicked), and
 * their live connections to the game's room are closed with code KICKED_CLOSE_CODE. kickedAt = ms of the
 * first kick; cancelled = orders cancelled now; disconnected = connections closed now. Kicking again is
 * allowed and changes nothing more. `onKick` (the API for programs, http/api/index.ts) refuses the player's API keys
 * at once on every server process before the answer. Errors: UNAUTHORIZED, FORBIDDEN (player token), NOT_FOUND (malformed
 * ids), UNKNOWN_GAME, UNKNOWN_PLAYER (no such human player; bots are removed with DELETE .../bots/:botId).
 */
import type express from "express";
import { matchMaker } from "@colyseus/core";
import { PlayerIdParam } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import type { GameRoom } from "../rooms/game-room.ts";
import { adminOnly } from "./request.ts";

/** Mounts the kick route (before mountRoutes' /api catch-all). */
export function mountKickRoutes(
  app: express.Application,
  deps: { service: GameService; log: Logger; onKick?: (gameId: string, playerId: string) => Promise<void> },
): void {
  app.post("/api/games/:id/players/:pid/kick", adminOnly(deps.service), async (req, res) => {
    const p = PlayerIdParam.safeParse(req.params);
    if (!p.success) throw new ApiError("NOT_FOUND", "invalid path");
    const { id: gameId, pid: playerId } = p.data;
    const k = await deps.service.kick(gameId, playerId);
    await deps.onKick?.(gameId, playerId);
    const disconnected = await disconnect(gameId, playerId, deps.log);
    res.json({ gameId, playerId, kickedAt: k.kickedAt, cancelled: k.cancelled, disconnected });
  });
}

/** Closes the player's connections to the game's room, wherever it runs; the number closed. */
async function disconnect(gameId: string, playerId: string, log: Logger): Promise<number> {
  if ((await matchMaker.query({ roomId: gameId })).length === 0) return 0; // no open room: nobody to close
  try {
    return (await matchMaker.remoteRoomCall<GameRoom, "kickPlayer">(gameId, "kickPlayer", [playerId])) ?? 0;
  } catch (err) {
    // The tokens are refused already; a room that cannot be reached has no connection we could close.
    log.warn({ err, gameId, playerId }, "kick: could not reach the room");
    return 0;
  }
}
