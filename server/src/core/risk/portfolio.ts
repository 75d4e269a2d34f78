/**
 * Gross and net position limits of the game (docs/engine.md "Gross and net limits"), weighted lots.
 *
 * Worst case per security s: long_s = holdings + open buy lots, short_s = holdings - lots locked by
 * open sells. gross = sum w_s x max(|long_s|, |short_s|), net long = sum w_s x long_s, net short =
 * sum w_s x short_s. The new order (less what a replaced order gives back) is added to its security;
 * a limit is broken when the measure ends above the limit AND above its value before the order, so
 * an order that adds no risk is never refused. Checked only when a limit is set.
 */
import type { CheckedOrder } from "../order-checks.ts";
import { reject } from "../reject.ts";
import type { CoreState, GameState, PlayerState } from "../state.ts";
import type { Credit } from "./credit.ts";

export function checkPortfolioLimits(
  state: CoreState,
  game: GameState,
  player: PlayerState,
  securityId: number,
  o: CheckedOrder,
  credit: Readonly<Credit>,
): void {
  if (game.grossLimit <= 0 && game.netLimit <= 0) return;
  let dlong = 0;
  let dshort = 0;
  if (o.side === "buy") dlong = o.qty - credit.openBuy;
  else dshort = credit.holdLocked - o.qty;
  let g0 = 0,
    g1 = 0,
    l0 = 0,
    l1 = 0,
    s0 = 0,
    s1 = 0;
  const add = (sid: number, qty: number, openBuy: number, locked: number) => {
    const w = state.securities.get(sid)?.info.limitWeight ?? 1;
    let long = qty + openBuy;
    let short = qty - locked;
    g0 += w * Math.max(long, -short); // = max(|long|, |short|), since long >= short
    l0 += w * long;
    s0 += w * short;
    if (sid === securityId) {
      long += dlong;
      short += dshort;
    }
    g1 += w * Math.max(long, -short);
    l1 += w * long;
    s1 += w * short;
  };
  for (const [sid, p] of player.positions) add(sid, p.qty, p.openBuy, p.locked);
  if (!player.positions.has(securityId)) add(securityId, 0, 0, 0);
  const gl = game.grossLimit;
  const nl = game.netLimit;
  if (gl > 0 && g1 > gl && g1 > g0) {
    reject(
      "GROSS_POSITION_LIMIT",
      `the worst-case gross position would be ${g1} weighted lots, above the limit of ${gl}`,
    );
  }
  if (nl > 0 && l1 > nl && l1 > l0) {
    reject(
      "NET_POSITION_LIMIT",
      `the worst-case net long position would be ${l1} weighted lots, above the limit of ${nl}`,
    );
  }
  if (nl > 0 && s1 < -nl && s1 < s0) {
    reject(
      "NET_POSITION_LIMIT",
      `the worst-case net short position would be ${-s1} weighted lots, above the limit of ${nl}`,
    );
  }
}
