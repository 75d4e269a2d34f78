/**
 * Risk checks of an order, chosen by the game's mode (exchange-core's RiskEngine split): one module
 * per mode holds the per-security rules (cash.ts today; a margin mode would add margin.ts), followed
 * by the game-wide gross and net limits (portfolio.ts). Order of checks as docs/engine.md, step 7-8.
 */
import type { SecurityInfo } from "@marketroom/shared";
import type { CheckedOrder } from "../order-checks.ts";
import type { CoreState, GameState, PlayerState, PositionState, RiskMode } from "../state.ts";
import { checkCashOrder } from "./cash.ts";
import type { Credit } from "./credit.ts";
import { checkMarginOrder } from "./margin.ts";
import { checkPortfolioLimits } from "./portfolio.ts";

type ModeCheck = typeof checkMarginOrder;

const BY_MODE: Record<RiskMode, ModeCheck> = {
  cash: (_state, ...rest) => checkCashOrder(...rest),
  margin: checkMarginOrder,
};

/** Rejects (INSUFFICIENT_*, POSITION_LIMIT, GROSS_/NET_POSITION_LIMIT) unless the player can carry the order. */
export function checkRisk(
  state: CoreState,
  game: GameState,
  sec: SecurityInfo,
  player: PlayerState,
  pos: Readonly<PositionState>,
  o: CheckedOrder,
  notional: number,
  credit: Readonly<Credit>,
): void {
  BY_MODE[game.mode](state, game, sec, player, pos, o, notional, credit);
  checkPortfolioLimits(state, game, player, sec.securityId, o, credit);
}

export { NO_CREDIT, type Credit } from "./credit.ts";
