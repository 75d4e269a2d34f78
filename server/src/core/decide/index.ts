/**
 * decide(state, command, ctx) -> Decision | Rejection: the game's rules as a pure function.
 *
 * It reads the state and never changes it; the events it returns, applied in order with evolve,
 * produce the next state. Events carry seq = state.seq + 1, + 2, ... and ts = ctx.ts (the caller's
 * clock, ms). A rejection ({ ok: false, code, message }, codes of shared/src/errors.ts) means nothing
 * happened. Results have the shapes of shared/src/engine.ts (PlaceResult, AmendResult, CancelResult,
 * CancelAllResult, SetupResult).
 */
import type {
  AmendResult,
  AuctionResult,
  CancelAllResult,
  CancelResult,
  PlaceResult,
  Rejection,
  SetupResult,
  StopResult,
} from "@marketroom/shared";
import { assertNever } from "../assert.ts";
import type { Command, DecideContext } from "../commands.ts";
import { Rejected } from "../reject.ts";
import type { CoreState } from "../state.ts";
import { decideAmend } from "./amend.ts";
import { decideDividend } from "./dividend.ts";
import { decideSetTradingMode, decideUncross } from "./auction.ts";
import { decideCancel, decideCancelAll } from "./cancel.ts";
import type { Decision } from "./decision.ts";
import { decideAnnounce, decideLogAdmin, decideSignal } from "./messages.ts";
import { decidePlace } from "./place.ts";
import { decideCancelStop, decidePlaceStop, decideSetReference } from "./stops.ts";
import { decideSetExits, type ExitsResult } from "../stops/exits.ts";
import { decideAddPlayer, decideAddSecurity, decideCreateGame, decideSetPhase } from "./setup.ts";

/** The result type of each command. */
export interface ResultOf {
  create_game: SetupResult;
  add_security: SetupResult;
  add_player: SetupResult;
  set_phase: SetupResult;
  place: PlaceResult;
  cancel: CancelResult;
  cancel_all: CancelAllResult;
  amend: AmendResult;
  log_admin: SetupResult;
  announce: SetupResult;
  signal: SetupResult;
  uncross: AuctionResult;
  set_trading_mode: AuctionResult;
  dividend: SetupResult;
  place_stop: StopResult;
  cancel_stop: StopResult;
  set_exits: ExitsResult;
  set_reference: SetupResult;
}

export type Decided<C extends Command> = Decision<ResultOf[C["type"]]> | Rejection;

export function decide<C extends Command>(state: CoreState, command: C, ctx: DecideContext): Decided<C>;
export function decide(state: CoreState, c: Command, ctx: DecideContext): Decision<unknown> | Rejection {
  try {
    return dispatch(state, c, ctx.ts);
  } catch (e) {
    if (e instanceof Rejected) return e.toRejection();
    throw e;
  }
}

function dispatch(state: CoreState, c: Command, ts: number): Decision<unknown> {
  switch (c.type) {
    case "create_game":
      return decideCreateGame(state, c, ts);
    case "add_security":
      return decideAddSecurity(state, c, ts);
    case "add_player":
      return decideAddPlayer(state, c, ts);
    case "set_phase":
      return decideSetPhase(state, c, ts);
    case "place":
      return decidePlace(state, c, ts);
    case "cancel":
      return decideCancel(state, c, ts);
    case "cancel_all":
      return decideCancelAll(state, c, ts);
    case "amend":
      return decideAmend(state, c, ts);
    case "log_admin":
      return decideLogAdmin(state, c, ts);
    case "announce":
      return decideAnnounce(state, c, ts);
    case "signal":
      return decideSignal(state, c, ts);
    case "uncross":
      return decideUncross(state, c, ts);
    case "set_trading_mode":
      return decideSetTradingMode(state, c, ts);
    case "dividend":
      return decideDividend(state, c, ts);
    case "place_stop":
      return decidePlaceStop(state, c, ts);
    case "cancel_stop":
      return decideCancelStop(state, c, ts);
    case "set_reference":
      return decideSetReference(state, c, ts);
    case "set_exits":
      return decideSetExits(state, c, ts);
    default:
      return assertNever(c);
  }
}

export type { Decision };
