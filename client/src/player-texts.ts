/**
 * The player screen's texts from the room state (pure, no DOM): the lobby / pause banner, the order
 * ticket's estimate and entry rules, the round clock. Money in minor units, prices in ticks.
 */
import { cash, clock, qty, time } from "./format.ts";

/**
 * The banner under the header in the lobby and while paused: says what happens to orders (they are
 * rejected with MARKET_CLOSED until trading runs; cancels work). Empty in other phases.
 */
export function lobbyNote(phase: string, c: any): string {
  if (phase === "paused") {
    return c.breakEndsAt
      ? `Break after period ${c.period} of ${c.periods}: trading resumes at ${time(c.breakEndsAt)}. New orders are rejected until then; you can still cancel your orders.`
      : "Trading is paused: new orders are rejected until the organiser resumes the round. You can still cancel your orders.";
  }
  if (phase !== "lobby") return "";
  return c.startsAt
    ? `The round starts at ${time(c.startsAt)}. Orders are accepted from then on.`
    : "Waiting for the organiser to start the round. Orders are accepted once it starts.";
}

/**
 * Cost of a buy (notional + taker fee) or proceeds of a sell (notional - taker fee) of `lots` at `price`
 * ticks, minor units; null when the inputs give no estimate or it would not be an exact integer.
 */
export function orderEstimate(
  side: string,
  price: number,
  lots: number,
  scale: number,
  takerFee: number,
): { notional: number; fee: number; total: number } | null {
  if (!Number.isSafeInteger(lots) || lots <= 0 || !Number.isSafeInteger(price) || price <= 0) return null;
  const notional = price * lots * scale,
    fee = takerFee * lots;
  const total = side === "buy" ? notional + fee : notional - fee;
  return Number.isSafeInteger(notional) && Number.isSafeInteger(total) ? { notional, fee, total } : null;
}

/**
 * The order entry's rules line: the security's taker fee / maker rebate per lot, max order size,
 * position and short limits, and the round's gross / net limits and order rate limit (room state).
 */
export function entryRulesHtml(sec: any, rules: any): string {
  const parts = [
    `<span id="entry-fee">taker fee ${cash(sec.takerFee ?? 0)} · maker rebate ${cash(sec.makerRebate ?? 0)} per lot</span>`,
    `<span id="entry-max">max order ${sec.maxOrderQty ? `${qty(sec.maxOrderQty)} lots` : "none"}</span>`,
  ];
  if (sec.positionLimit) parts.push(`position ≤ ${qty(sec.positionLimit)} lots`);
  if (rules) {
    // In a margin round shorts are limited by margin (docs/margin.md), not by the cash-mode short rules.
    if (rules.mode !== "margin")
      parts.push(rules.allowShort ? `short up to ${qty(sec.shortLimit ?? 0)} lots` : "no short selling");
    if (rules.grossLimit) parts.push(`gross ≤ ${qty(rules.grossLimit)}`);
    if (rules.netLimit) parts.push(`net ≤ ${qty(rules.netLimit)}`);
    if (rules.rateOrders)
      parts.push(`<span id="entry-rate">≤ ${qty(rules.rateOrders)} orders / ${rules.rateWindowMs / 1000} s</span>`);
  }
  return parts.join(" · ");
}

/**
 * The header clock: countdown to a scheduled start, time left in the period (with "P n/m" when the
 * round has several periods), the break's countdown, or elapsed time for a round without an end.
 */
export function clockText(phase: string, c: any, now: number): string {
  const per = c.periods > 1 ? `P${Math.max(1, c.period)}/${c.periods} · ` : "";
  if (phase === "running")
    return c.endsAt ? `${per}${clock(c.endsAt - now)} left` : `${clock(now - c.startedAt)} elapsed`;
  if (phase === "paused") {
    if (c.breakEndsAt)
      return `break · period ${c.period + 1}/${c.periods} in ${clock(Math.max(0, c.breakEndsAt - now))}`;
    return c.durationMs ? `${per}${clock(c.remainingMs)} left (paused)` : "paused";
  }
  if (phase === "lobby") {
    if (c.startsAt) return `starts in ${clock(Math.max(0, c.startsAt - now))}`;
    return c.durationMs
      ? c.periods > 1
        ? `${c.periods} periods of ${clock(c.durationMs)}`
        : `round of ${clock(c.durationMs)}`
      : "";
  }
  return "round over";
}
