/**
 * dividend {securityId, period, amount} (docs/markets.md "Asset market with dividends"; Smith,
 * Suchanek & Williams 1988): every holder of the security is paid `amount` minor units per lot for
 * dividend period `period`; event `dividend` with one payment per player whose position is not 0, in
 * player id order. A long receives qty x amount. A short pays qty x amount out of its available cash
 * (cash - locked cash), at most that much: cash never goes below what open buys hold back, and what a
 * short cannot pay is not owed later (the dividend market type does not allow shorts by default).
 * A period at or below the last one paid changes nothing (no events): dividends are paid at most once
 * per period, however often the drivers send them.
 *
 * Rejections: UNKNOWN_GAME, UNKNOWN_SECURITY, MARKET_CLOSED (lobby), INVALID_ARGUMENT (period not an
 * integer >= 1, amount not in 0..10^9, or the game's total cash would pass 2^53).
 */
import type { EventOf, SetupResult } from "@marketroom/shared";
import type { DividendCommand } from "../commands.ts";
import { reject } from "../reject.ts";
import type { CoreState } from "../state.ts";
import { MAX_FEE, MAX_SAFE, needInt } from "../validation.ts";
import { EventLog, needGame, needSecurity } from "./context.ts";
import type { Decision } from "./decision.ts";

export function decideDividend(state: CoreState, c: DividendCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  const sec = needSecurity(state, c.securityId);
  const period = needInt(c.period, 1, 1_000_000, "INVALID_ARGUMENT", "period");
  const amount = needInt(c.amount, 0, MAX_FEE, "INVALID_ARGUMENT", "amount");
  if (game.phase === "lobby") reject("MARKET_CLOSED", "the market is lobby");
  const log = new EventLog(state.seq, ts);
  const done = (): Decision<SetupResult> => ({
    ok: true,
    events: log.events,
    result: { ok: true, events: log.events, ...log.range() },
  });
  if (period <= sec.dividendPeriod) return done();
  const sid = sec.info.securityId;
  const payments: EventOf<"dividend">["payments"] = [];
  let paidIn = 0;
  for (const id of [...state.players.keys()].sort()) {
    const p = state.players.get(id)!;
    const qty = p.positions.get(sid)?.qty ?? 0;
    if (qty === 0) continue;
    const cash = qty > 0 ? qty * amount : -Math.min(-qty * amount, Math.max(0, p.cash - p.cashLocked));
    if (cash > 0) paidIn += cash;
    payments.push({ playerId: id, qty, cash });
  }
  if (state.cashTotal + paidIn > MAX_SAFE)
    reject("INVALID_ARGUMENT", "the dividend would take the game's total cash past 2^53");
  log.events.push({ type: "dividend", seq: log.next(), ts, securityId: sid, period, amount, payments });
  return done();
}
