/**
 * Risk rules of the cash mode (docs/engine.md "Place", step 7, and "Fees and rebates"): an order is
 * paid for up front, nothing is borrowed except lots within the short limit.
 *
 * - buy: available cash (cash - locked + credit) covers notional + fee (INSUFFICIENT_FUNDS); then the
 *   position limit: holdings + open buys - credit + qty <= limit (POSITION_LIMIT);
 * - sell: available lots (holdings - locked + credit) plus the short limit when the game allows short
 *   selling cover qty (INSUFFICIENT_HOLDINGS); then free - qty >= -limit (POSITION_LIMIT); then
 *   available cash covers the fee (INSUFFICIENT_FUNDS).
 * fee = takerFee x qty for an order that may take (all but post-only), 0 for post-only; fees are not
 * locked. The gross and net limits follow (portfolio.ts).
 */
import type { SecurityInfo } from "@marketroom/shared";
import type { CheckedOrder } from "../order-checks.ts";
import { reject } from "../reject.ts";
import type { GameState, PlayerState, PositionState } from "../state.ts";
import type { Credit } from "./credit.ts";

export function checkCashOrder(
  game: GameState,
  sec: SecurityInfo,
  player: PlayerState,
  pos: Readonly<PositionState>,
  o: CheckedOrder,
  notional: number,
  credit: Readonly<Credit>,
): void {
  const fee = o.postOnly ? 0 : sec.takerFee * o.qty;
  const cash = player.cash - player.cashLocked + credit.cash;
  const limit = sec.positionLimit;
  if (o.side === "buy") {
    if (cash < notional + fee) {
      reject("INSUFFICIENT_FUNDS", `needs ${notional + fee} available cash (taker fee ${fee} included), has ${cash}`);
    }
    if (limit > 0 && pos.qty + pos.openBuy - credit.openBuy + o.qty > limit) {
      reject("POSITION_LIMIT", `the position could exceed ${limit} lots long`);
    }
    return;
  }
  const short = game.allowShort ? sec.shortLimit : 0;
  const free = pos.qty - pos.locked + credit.holdLocked;
  if (free + short < o.qty) reject("INSUFFICIENT_HOLDINGS", `can sell at most ${Math.max(0, free + short)} lots`);
  if (limit > 0 && free - o.qty < -limit) reject("POSITION_LIMIT", `the position could exceed ${limit} lots short`);
  if (cash < fee) reject("INSUFFICIENT_FUNDS", `needs ${fee} available cash for the taker fee, has ${cash}`);
}
