/**
 * What the game service answers the admin API with: a game in detail and the result of ending a round.
 * Shapes of docs/api.md; units: ticks, lots, minor units, ms.
 */
import type { GameSummary, LeaderboardRow, SecurityInfo } from "@marketroom/shared";
import type { BotInfo } from "./bots.ts";
import type { ClockInfo } from "./hub.ts";
import type { GameSettings, Rules } from "./settings.ts";

/** A game in detail. */
export interface GameDetail extends GameSummary {
  rules: Rules;
  securities: (SecurityInfo & { refPrice: number })[];
  endowment: GameSettings["endowment"];
  playerList: { playerId: string; name: string; bot: boolean }[];
  botList: BotInfo[];
  /** The round clock (periods, scheduled start, break). */
  clock: ClockInfo;
  schedule: GameSettings["schedule"];
  /** Session of this round ("" = none), its round number and the next round's game ("" = none yet). */
  sessionId: string;
  round: number;
  nextGameId: string;
}

/** The result of ending a round. */
export interface RoundEnd {
  gameId: string;
  seq: number;
  cancelled: number;
  leaderboard: LeaderboardRow[];
  resultsWritten: boolean;
}
