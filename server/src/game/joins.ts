/**
 * Players in and out of a game: joining by code (a seat, the round's endowment, a player token), adding a
 * session's player to a round, and the admin's kick. Seats are counted in Valkey (seats.ts) so that two
 * joins cannot both take the last one; every player is stored beside the engine (store.ts) and added to
 * the engine through the hub.
 *
 * Errors (ApiError): UNKNOWN_JOIN_CODE, GAME_FULL (rules.maxPlayers seated), MARKET_CLOSED (ended),
 * UNKNOWN_GAME, UNKNOWN_PLAYER, and the engine's codes. Units: minor units, lots, ms.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_MAX_PLAYERS, type JoinReply } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import type { Access } from "./access.ts";
import type { MarketDrivers } from "./drivers.ts";
import { ApiError, unwrap } from "./errors.ts";
import type { GameHub } from "./hub.ts";
import type { Seats } from "./seats.ts";
import type { GameRecord, GameStore } from "./store.ts";

export interface JoinDeps {
  hub: GameHub;
  store: GameStore;
  seats: Seats;
  access: Access;
  drivers: MarketDrivers;
  log: Logger;
  /** The game's record. Errors: UNKNOWN_GAME. */
  record(gameId: string): Promise<GameRecord>;
}

export class Joins {
  constructor(private readonly deps: JoinDeps) {}

  /** Joins a game by code. Errors: UNKNOWN_JOIN_CODE, GAME_FULL (rules.maxPlayers seated), MARKET_CLOSED (ended). */
  async join(code: string, name: string): Promise<JoinReply> {
    const { store, seats, hub } = this.deps;
    const gameId = await store.gameOfCode(code);
    if (!gameId) throw new ApiError("UNKNOWN_JOIN_CODE", "no game has this join code");
    const rec = await this.deps.record(gameId);
    const playerId = `p-${randomBytes(6).toString("hex")}`;
    const cap = rec.settings.rules.maxPlayers ?? DEFAULT_MAX_PLAYERS;
    if (!(await seats.claim(gameId, playerId, cap)))
      throw new ApiError("GAME_FULL", `this game has its ${cap} players already`);
    const { cash, holdings } = rec.settings.endowment;
    await store.putPlayer(gameId, playerId, { name, bot: false, startCash: cash, startHoldings: holdings });
    const added = await hub.addPlayer(gameId, { playerId, name, cash, holdings });
    if (!added.ok) await seats.release(gameId, playerId);
    unwrap(added);
    await this.deps.drivers.joined(gameId, playerId);
    const info = unwrap(await hub.engine.gameInfo(gameId));
    return { gameId, playerId, name, token: await this.deps.access.tokenFor(gameId, playerId), phase: info.game.phase };
  }

  /**
   * Adds a player with a given id and name (a session's player) to a round, with the round's endowment;
   * a player already in the round is left as it is. Errors: UNKNOWN_GAME, MARKET_CLOSED (ended round).
   */
  async addPlayerToRound(gameId: string, playerId: string, name: string): Promise<void> {
    const { store, hub } = this.deps;
    const rec = await this.deps.record(gameId);
    if (await store.player(gameId, playerId)) return;
    const { cash, holdings } = rec.settings.endowment;
    const info = unwrap(await hub.engine.gameInfo(gameId));
    if (info.game.phase === "ended") throw new ApiError("MARKET_CLOSED", `round ${gameId} has ended`);
    await store.putPlayer(gameId, playerId, { name, bot: false, startCash: cash, startHoldings: holdings });
    const r = await hub.addPlayer(gameId, { playerId, name, cash, holdings });
    if (!r.ok && r.code !== "PLAYER_EXISTS") throw ApiError.from(r);
    if (r.ok) await this.deps.drivers.joined(gameId, playerId); // signal group, as for a player who joins by code
  }

  /**
   * Kicks a player: their tokens are refused from now on (room joins, reconnections, HTTP), their resting
   * orders are cancelled (reason admin) and the kick is logged as an admin action (player_kicked). Closing
   * their live connections is the room's part (http/kick.ts). Repeating it changes nothing more.
   * Errors: UNKNOWN_GAME, UNKNOWN_PLAYER (also for a bot: remove bots with DELETE .../bots/:botId).
   */
  async kick(gameId: string, playerId: string): Promise<{ kickedAt: number; cancelled: number; already: boolean }> {
    const { store, hub } = this.deps;
    await this.deps.record(gameId);
    const p = await store.player(gameId, playerId);
    if (!p || p.bot) throw new ApiError("UNKNOWN_PLAYER", `no human player ${playerId} in ${gameId}`);
    const already = await store.isKicked(gameId, playerId);
    const kickedAt = await store.kick(gameId, playerId, Date.now());
    if (!already) unwrap(await hub.logAdmin(gameId, "player_kicked", playerId));
    let cancelled = 0;
    for (;;) {
      const r = await hub.cancelAll(gameId, playerId, undefined, "admin");
      if (!r.ok) break; // an ended round has nothing left to cancel
      cancelled += r.cancelledOrderIds.length;
      if (!r.truncated) break;
    }
    this.deps.log.info({ gameId, playerId, cancelled, already }, "player kicked");
    return { kickedAt, cancelled, already };
  }
}
