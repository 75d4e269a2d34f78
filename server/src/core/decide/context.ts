/**
 * What every decider needs: the game, security and player lookups with their rejection
 * codes (UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_PLAYER), and the event log of one command (consecutive seqs after state.seq, one ts for all).
 */
import type { EngineEvent } from "@marketroom/shared";
import { reject } from "../reject.ts";
import type { CoreState, GameState, PlayerState, SecurityState } from "../state.ts";
import { MAX_SECURITY_ID, isIntIn, isPlayerId } from "../validation.ts";

/** Events of one command under construction. */
export class EventLog {
  readonly events: EngineEvent[] = [];
  private last: number;

  constructor(
    readonly startSeq: number,
    readonly ts: number,
  ) {
    this.last = startSeq;
  }

  /** The seq of the next event. */
  next(): number {
    this.last += 1;
    return this.last;
  }

  /** firstSeq of a result (0 when the command logged nothing). */
  firstSeq(): number {
    return this.events.length === 0 ? 0 : this.startSeq + 1;
  }

  /** lastSeq of a result (0 when the command logged nothing). */
  lastSeq(): number {
    return this.events.length === 0 ? 0 : this.last;
  }

  /** firstSeq and lastSeq of a result (0, 0 when the command logged nothing). */
  range(): { firstSeq: number; lastSeq: number } {
    return { firstSeq: this.firstSeq(), lastSeq: this.lastSeq() };
  }
}

/** The game; UNKNOWN_GAME before create_game. */
export function needGame(state: CoreState): GameState {
  if (state.game === null) reject("UNKNOWN_GAME", "no such game");
  return state.game;
}

/** A security by id; UNKNOWN_SECURITY for a malformed or unknown id. */
export function needSecurity(state: CoreState, securityId: unknown): SecurityState {
  const sec = isIntIn(securityId, 1, MAX_SECURITY_ID) ? state.securities.get(securityId) : undefined;
  if (!sec) reject("UNKNOWN_SECURITY", `no such security: ${String(securityId)}`);
  return sec;
}

/** A player by id; UNKNOWN_PLAYER for a malformed or unknown id. */
export function needPlayer(state: CoreState, playerId: unknown): PlayerState {
  const p = isPlayerId(playerId) ? state.players.get(playerId) : undefined;
  if (!p) reject("UNKNOWN_PLAYER", `no such player: ${String(playerId)}`);
  return p;
}
