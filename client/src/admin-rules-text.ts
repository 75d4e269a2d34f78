/**
 * The admin detail view's rules line: a game's rules (GameRules) and its securities' rules (fees in
 * minor units per lot, limits in lots, margin rates in basis points) in words, one line.
 */
import { cash, qty } from "./format.ts";
import { bpsText, maxLeverageText } from "./margin-view.ts";

/** rules.trading (shared TradingChannelRule) in words. */
const TRADING_TEXT: Record<string, string> = { both: "browser and API", browser: "browser only", api: "API only" };

/** One line of a game's rules for the admin's detail view. */
export function rulesText(rules: any, secs: any[]): string {
  const s = secs[0] ?? {};
  const lots = (n: number) => (n ? `${qty(n)} lots` : "none");
  const same = secs.every(
    (x) =>
      x.takerFee === s.takerFee &&
      x.makerRebate === s.makerRebate &&
      x.maxOrderQty === s.maxOrderQty &&
      x.positionLimit === s.positionLimit,
  );
  const parts = [
    `${same ? "" : `${s.symbol}: `}taker fee ${cash(s.takerFee ?? 0)} / maker rebate ${cash(s.makerRebate ?? 0)} per lot`,
    `max order ${lots(s.maxOrderQty ?? 0)}`,
    `position limit ${lots(s.positionLimit ?? 0)}`,
    rules?.allowShort ? `short up to ${qty(s.shortLimit ?? 0)} lots` : "no short selling",
    `gross ${rules?.grossLimit ? qty(rules.grossLimit) : "none"}`,
    `net ${rules?.netLimit ? qty(rules.netLimit) : "none"}`,
    rules?.orderRateLimit
      ? `${rules.orderRateLimit.orders} orders per ${rules.orderRateLimit.windowMs / 1000} s`
      : "no rate limit",
    // a margin round's one mark is in its margin part (docs/margin.md "One mark")
    ...(rules?.mode === "margin"
      ? []
      : [`mark: ${rules?.markPrice === "reference" ? "closing reference" : "last trade"}`]),
    `trading: ${TRADING_TEXT[rules?.trading as string] ?? TRADING_TEXT.both}`,
    `market: ${rules?.marketType ?? "continuous"}`,
    ...marginRulesText(rules, s),
  ];
  return `Rules: ${parts.join(" · ")}`;
}

/** The margin part of the rules line (empty in cash mode): mode, mark rule, fund, margin rates, CFD spread. */
function marginRulesText(rules: any, s: any): string[] {
  if (rules?.mode !== "margin") return [];
  const im = s.initialMarginBps ?? 10_000,
    mm = s.maintenanceMarginBps ?? Math.floor(im / 2);
  return [
    `margin mode (mark: ${String(rules.markRule ?? "last_trade").replace("_", " ")}, insurance fund ${cash(rules.insuranceFund ?? 0)})`,
    `margin ${bpsText(im)} (up to ${maxLeverageText(im)}) / maintenance ${bpsText(mm)}`,
    ...(s.kind === "cfd" ? [`CFD, half-spread ${qty(s.halfSpread ?? 0)} ticks`] : []),
  ];
}
