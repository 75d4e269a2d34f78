/**
 * The margin screens' pure parts without a browser (client/src/margin-view.ts, margin-notices.ts,
 * margin-form.ts, stop-ticket.ts): leverage and rates from integers, the positions and stops tables,
 * the margin notices in dollars, the admin form's checks, and the room messages the order form builds.
 */
import { expect } from "chai";
import { bpsToPercent, marginSettings, percentToBps } from "../src/margin-form.ts";
import { MARGIN_NOTICES, marginStateNotice } from "../src/margin-notices.ts";
import {
  bpsText,
  exitsHtml,
  leverageText,
  marginAccountHtml,
  marginPositionsHtml,
  maxLeverageText,
  stopText,
} from "../src/margin-view.ts";
import { noticeText } from "../src/notices.ts";
import { stopPlacedText, stopRequest } from "../src/stop-ticket.ts";

const ACME = { symbol: "ACME", tickSize: "0.01", scale: 1 };
const form = (o: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(o)) f.set(k, v);
  return f;
};

describe("client margin screens: formatting, notices, form checks", () => {
  it("leverage and margin rates read from integers", () => {
    expect(leverageText(0)).to.equal("0x");
    expect(leverageText(25_000)).to.equal("2.5x");
    expect(leverageText(100_000)).to.equal("10x");
    expect(maxLeverageText(1000)).to.equal("10x");
    expect(maxLeverageText(3000)).to.equal("3.3x");
    expect(maxLeverageText(100)).to.equal("100x");
    expect(bpsText(1000)).to.equal("10 %");
    expect(bpsText(125)).to.equal("1.25 %");
    expect(bpsText(3334)).to.equal("33.34 %");
    expect(percentToBps("12.5")).to.equal(1250);
    expect(percentToBps("0.01")).to.equal(1);
    expect(percentToBps("1.234")).to.equal(null);
    expect(bpsToPercent(1250)).to.equal("12.5");
    expect(bpsToPercent(3334)).to.equal("33.34");
  });

  it("the account and positions show money and prices, not minor units and ticks", () => {
    const acct = marginAccountHtml({
      equity: 1_234_567,
      usedMargin: 1_000_000,
      freeMargin: 234_567,
      maintenance: 500_000,
      leverageBps: 81_000,
    });
    expect(acct).to.contain("12,345.67").and.to.contain("2,345.67").and.to.contain("8.1x");
    const pos = {
      securityId: 1,
      symbol: "ACME",
      tickSize: "0.01",
      qty: -40,
      entryPrice: 10_000,
      mark: 10_250,
      unrealizedPnl: -10_000,
      liquidationPrice: 12_345,
      margin: 41_000,
      initialMarginBps: 2000,
      stopLoss: 11_000,
      takeProfit: 0,
    };
    const table = marginPositionsHtml([pos]);
    expect(table).to.contain('<td class="num m-lev" title="margin 410.00">5x</td>');
    expect(table).to.contain("Short").and.to.contain("100.00").and.to.contain("102.50").and.to.contain("123.45");
    expect(table).to.contain("-100.00");
    const exits = exitsHtml([pos]);
    expect(exits).to.contain('value="110.00"').and.to.contain('name="takeProfit"');
    expect(marginPositionsHtml([])).to.contain("No open positions");
  });

  it("a stop reads as what it does", () => {
    const base = {
      stopId: 3,
      securityId: 1,
      symbol: "ACME",
      tickSize: "0.01",
      qty: 5,
      trigger: "last",
      ocoStopId: 0,
      parentOrderId: 0,
      price: 0,
    };
    expect(stopText({ ...base, side: "sell", kind: "stop", orderType: "market", stopPrice: 9500 })).to.equal(
      "Stop-market sell 5 when last ≤ 95.00",
    );
    expect(stopText({ ...base, side: "sell", kind: "take_profit", orderType: "market", stopPrice: 11_000 })).to.equal(
      "Take-profit sell 5 when last ≥ 110.00",
    );
    expect(
      stopText({ ...base, side: "buy", kind: "stop", orderType: "limit", stopPrice: 10_500, price: 10_600 }),
    ).to.equal("Stop-limit buy 5 when last ≥ 105.00 → limit 106.00");
  });

  it("margin notices: a warning while free margin is negative, the liquidation in dollars", () => {
    expect(marginStateNotice({ equity: 100_000, usedMargin: 50_000, maintenance: 25_000 })).to.equal(null);
    const low = marginStateNotice({ equity: 40_000, usedMargin: 50_000, maintenance: 25_000 });
    expect(low).to.contain("$400.00").and.to.contain("$500.00").and.to.contain("$250.00");
    const liq = MARGIN_NOTICES.margin_call({ equity: 12_345, maintenance: 50_000 });
    expect(liq).to.match(/^You were liquidated: your equity \$123\.45 fell below the maintenance margin \$500\.00\./);
  });

  it("margin rejections read in dollars and prices", () => {
    const msg = "needs 1100500 margin (initial 1100000, price beyond the mark 0, taker fee 500), equity 1000000";
    expect(noticeText("INSUFFICIENT_FUNDS", { message: msg, sec: ACME })).to.equal(
      "Not enough margin: with this order your positions and open orders need $11,005.00 (initial margin $11,000.00, taker fee $5.00), your equity is $10,000.00. Trade fewer lots, or close a position or cancel orders first.",
    );
    const reached = "the last trade (10000) has already reached the stop price 10100";
    expect(noticeText("INVALID_PRICE", { message: reached, sec: ACME })).to.contain(
      "already at 100.00, past your trigger price 101.00",
    );
  });

  it("the admin form: cash sends nothing; margin values are checked and converted", () => {
    expect(marginSettings(form({ mode: "cash", initialMargin: "abc" }))).to.equal(null);
    const good = marginSettings(
      form({
        mode: "margin",
        markRule: "reference",
        insuranceFund: "5,000.50",
        initialMargin: "12.5",
        maintenanceMargin: "5",
        kind: "cfd",
        halfSpread: "3",
      }),
    );
    expect(good).to.deep.equal({
      rules: { mode: "margin", markRule: "reference", markPrice: "reference", insuranceFund: 500_050 },
      securityRules: { initialMarginBps: 1250, maintenanceMarginBps: 500, kind: "cfd", halfSpread: 3 },
    });
    const bad = (o: Record<string, string>) => () =>
      marginSettings(form({ mode: "margin", initialMargin: "10", maintenanceMargin: "5", kind: "book", ...o }));
    expect(bad({ initialMargin: "0.5" })).to.throw(/Initial margin must be 1 % to 100 %/);
    expect(bad({ initialMargin: "101" })).to.throw(/Initial margin/);
    expect(bad({ maintenanceMargin: "12" })).to.throw("Maintenance margin 12 % cannot exceed the initial margin 10 %");
    expect(bad({ maintenanceMargin: "0" })).to.throw(/Maintenance margin must be a percentage above 0/);
    expect(bad({ insuranceFund: "-5" })).to.throw(/Insurance fund/);
    expect(bad({ kind: "cfd", halfSpread: "1.5" })).to.throw(/Half-spread must be a whole number of ticks/);
  });

  it("the order form builds place-stop, OCO and bracket messages in ticks, and refuses bad ones", () => {
    const base = { securityId: 1, side: "sell", qty: 5 };
    const stop = stopRequest(form({ type: "stop", stopPrice: "95", trigger: "mark" }), "0.01", base);
    expect(stop).to.deep.equal({
      message: "place-stop",
      body: { ...base, kind: "stop", trigger: "mark", stopPrice: 9500, type: "market" },
    });
    const tp = stopRequest(form({ type: "take_profit", stopPrice: "110", price: "110.5" }), "0.01", base);
    expect(tp).to.deep.include({ message: "place-stop" });
    expect((tp as any).body).to.include({ kind: "take_profit", type: "limit", price: 11_050, stopPrice: 11_000 });
    const oco = stopRequest(form({ type: "oco", ocoStop: "95", ocoTake: "110" }), "0.01", base);
    expect((oco as any).body.oco).to.deep.equal({
      type: "market",
      stopPrice: 11_000,
      kind: "take_profit",
      trigger: "last",
    });
    expect(() => stopRequest(form({ type: "oco", ocoStop: "111", ocoTake: "110" }), "0.01", base)).to.throw(
      /stop-loss must be below the take-profit/,
    );
    expect(() => stopRequest(form({ type: "stop_limit", stopPrice: "95" }), "0.01", base)).to.throw(
      "Enter the limit price",
    );
    expect(() => stopRequest(form({ type: "stop", stopPrice: "95.001" }), "0.01", base)).to.throw(/tick size 0.01/);
    const bracket = stopRequest(
      form({ type: "limit", bracket: "on", bracketStop: "95", bracketTake: "" }),
      "0.01",
      base,
    );
    expect(bracket).to.deep.equal({ message: "place", bracket: { stopLoss: 9500 } });
    expect(stopRequest(form({ type: "limit" }), "0.01", base)).to.deep.equal({ message: "place", bracket: undefined });
    expect(stopPlacedText((stop as any).body, [4], "0.01")).to.equal(
      "Stop #4 waits: sell 5 lots when the mark ≤ 95.00, then at market.",
    );
  });
});
