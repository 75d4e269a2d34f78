/**
 * Risk rules of the margin mode (docs/margin.md; exchange-core's RiskEngine.canPlaceMarginOrder is the
 * model): positions may be long or short, paid for with margin instead of cash. Units: ticks, lots,
 * minor units; margin rates in basis points of the notional at the mark (mark.ts).
 *
 *   equity      = cash + sum_s qty_s x mark_s x scale_s   (cash is negative while a long is borrowed)
 *   worst case  = per security max(|qty + open buys|, |qty - open sells|) lots (every open order filled)
 *   initial     = sum_s margin(worst case_s, mark_s, initialMarginBps_s)   (a CFD: the player's leverage's rate)
 *   maintenance = sum_s margin(|qty_s|, mark_s, maintenanceMarginBps_s)
 *   margin(lots, mark, bps) = ceil(lots x mark x scale x bps / 10000)
 *
 * An order that only reduces the position (reducesOnly) needs no margin and is never refused for it;
 * any other order is accepted when initial (with the order) + its adverse price + its taker fee <=
 * equity, or when it raises neither the initial requirement nor pays above the mark.
 * adverse price = what the order pays beyond the mark: (price - mark) x qty x scale for a buy, (mark -
 * price) x qty x scale for a sell, at least 0 (a market order at its protection bound). A security that
 * has no mark yet is marked at the order's price. A reducing fill that realises a loss beyond the cash
 * leaves equity below maintenance: run.ts's margin call then liquidates and the fund covers the rest
 * (liquidation.ts), so no balance stays below zero. Rejections: INSUFFICIENT_FUNDS ("margin"),
 * POSITION_LIMIT (holdings + open buys + qty, or minus open sells, beyond the security's limit).
 * The short limit and allowShort are cash-mode rules: in margin mode the margin limits a short.
 */
import type { SecurityInfo } from "@marketroom/shared";
import { markOf } from "../mark.ts";
import type { CheckedOrder } from "../order-checks.ts";
import { reject } from "../reject.ts";
import type { CoreState, GameState, PlayerState, PositionState } from "../state.ts";
import type { Credit } from "./credit.ts";

/** ceil(lots x mark x scale x bps / 10000), exact while lots x mark x scale < 2^53. */
export function marginOf(lots: number, mark: number, scale: number, bps: number): number {
  const n = lots * mark * scale;
  return Math.floor(n / 10_000) * bps + Math.ceil(((n % 10_000) * bps) / 10_000);
}

/** A player's equity and maintenance requirement at the marks (minor units). */
export function marginStatus(state: CoreState, p: PlayerState): { equity: number; maintenance: number } {
  const rule = state.game?.markRule ?? "last_trade";
  let equity = p.cash;
  let maintenance = 0;
  for (const [sid, pos] of p.positions) {
    if (pos.qty === 0) continue;
    const sec = state.securities.get(sid)!;
    const mark = markOf(sec, rule);
    equity += pos.qty * mark * sec.info.scale;
    maintenance += marginOf(Math.abs(pos.qty), mark, sec.info.scale, sec.maintenanceMarginBps);
  }
  return { equity, maintenance };
}

export function checkMarginOrder(
  state: CoreState,
  game: GameState,
  info: SecurityInfo,
  player: PlayerState,
  pos: Readonly<PositionState>,
  o: CheckedOrder,
  _notional: number,
  credit: Readonly<Credit>,
): void {
  const limit = info.positionLimit;
  if (limit > 0 && o.side === "buy" && pos.qty + pos.openBuy - credit.openBuy + o.qty > limit) {
    reject("POSITION_LIMIT", `the position could exceed ${limit} lots long`);
  }
  if (limit > 0 && o.side === "sell" && pos.qty - pos.locked + credit.holdLocked - o.qty < -limit) {
    reject("POSITION_LIMIT", `the position could exceed ${limit} lots short`);
  }
  if (reducesOnly(pos, o, credit)) return;
  let equity = player.cash;
  let before = 0;
  let after = 0;
  let adverse = 0;
  const add = (sid: number, p: Readonly<PositionState>) => {
    const sec = state.securities.get(sid)!;
    const scale = sec.info.scale;
    let mark = markOf(sec, game.markRule);
    if (sid === info.securityId && mark === 0) mark = o.price;
    equity += p.qty * mark * scale;
    let long = p.qty + p.openBuy;
    let short = p.qty - p.locked;
    const rate = player.leverage.get(sid) ?? sec.initialMarginBps;
    before += marginOf(Math.max(long, -short), mark, scale, rate);
    let next = rate;
    if (sid === info.securityId) {
      next = o.initialMarginBps ?? rate;
      if (o.side === "buy") long += o.qty - credit.openBuy;
      else short += credit.holdLocked - o.qty;
      adverse = Math.max(0, (o.side === "buy" ? o.price - mark : mark - o.price) * o.qty * scale);
    }
    after += marginOf(Math.max(long, -short), mark, scale, next);
  };
  for (const [sid, p] of player.positions) add(sid, p);
  if (!player.positions.has(info.securityId)) add(info.securityId, { qty: 0, locked: 0, openBuy: 0 });
  const fee = o.postOnly ? 0 : info.takerFee * o.qty;
  const need = after + adverse + fee;
  if (need > equity && (after > before || adverse > 0)) {
    reject(
      "INSUFFICIENT_FUNDS",
      `needs ${need} margin (initial ${after}, price beyond the mark ${adverse}, taker fee ${fee}), equity ${equity}`,
    );
  }
}

/**
 * Whether an order only reduces the position (docs/margin.md "Reducing orders"): it is on the closing
 * side (a sell of a long, a buy of a short) and its qty plus the player's other open orders on that side
 * (less what an amended order gives back) is at most the position: even if every one of them fills, the
 * position only shrinks toward zero and never flips.
 */
export function reducesOnly(pos: Readonly<PositionState>, o: CheckedOrder, credit: Readonly<Credit>): boolean {
  if (o.side === "sell") return pos.qty > 0 && pos.locked - credit.holdLocked + o.qty <= pos.qty;
  return pos.qty < 0 && pos.openBuy - credit.openBuy + o.qty <= -pos.qty;
}
