/**
 * Plain-words notices (client/src/notices.ts) without a browser: every error code the room or the API
 * can send has a builder, and the engine's messages with raw ticks and minor units (server/src/core/order-checks.ts, risk/)
 * read as prices and money.
 */
import { expect } from "chai";
import { ALL_ERROR_CODES } from "../../shared/src/messages.ts";
import { NOTICES, noticeHtml, noticeText, orderOutcomeText } from "../src/notices.ts";

const ACME = { symbol: "ACME", tickSize: "0.01", scale: 1 };

describe("client notices: rejections in plain words", () => {
  it("has a builder for every error code, and each gives a sentence without raw codes", () => {
    for (const code of ALL_ERROR_CODES) {
      expect(NOTICES[code], code).to.be.a("function");
      const text = noticeText(code, {
        message: "",
        sec: ACME,
        order: { side: "buy", type: "limit", price: 100, qty: 1 },
      });
      expect(text, code)
        .to.match(/^[A-Z"]/)
        .and.to.match(/[.)]$/);
      expect(text, code).not.to.contain(code);
    }
    expect(Object.keys(NOTICES).sort()).to.deep.equal([...ALL_ERROR_CODES].sort());
  });

  it("INSUFFICIENT_FUNDS: dollars needed and available, not minor units", () => {
    const msg = "needs 68583500 available cash (taker fee 0 included), has 10295010";
    expect(noticeText("INSUFFICIENT_FUNDS", { message: msg, sec: ACME })).to.equal(
      "Not enough cash: this order needs $685,835.00, you have $102,950.10 available.",
    );
    const held = noticeText("INSUFFICIENT_FUNDS", {
      message: msg,
      sec: ACME,
      me: { cash: 10_395_010, cashLocked: 100_000 },
    });
    expect(held).to.contain("$1,000.00 is held for your open buy orders");
    expect(
      noticeText("INSUFFICIENT_FUNDS", { message: "needs 500 available cash for the taker fee, has 20" }),
    ).to.equal("Not enough cash for the taker fee: this order needs $5.00, you have $0.20 available.");
  });

  it("PRICE_OUT_OF_BAND: the band as prices of the security", () => {
    const text = noticeText("PRICE_OUT_OF_BAND", { message: "price must be within [13530, 1693075] ticks", sec: ACME });
    expect(text).to.equal("Price out of range: this market accepts prices from 135.30 to 16,930.75.");
    expect(text).not.to.match(/13530|1693075|ticks/);
  });

  it("MARKET_CLOSED: says what the phase means (lobby, paused, ended)", () => {
    expect(noticeText("MARKET_CLOSED", { message: "the market is lobby" })).to.match(/^Trading has not started yet/);
    expect(noticeText("MARKET_CLOSED", { message: "the market is paused" })).to.match(
      /paused: new orders are rejected until the round resumes\. You can still cancel/,
    );
    expect(noticeText("MARKET_CLOSED", { message: "the market is ended" })).to.match(/^The round is over/);
  });

  it("lots, limits, the rate limit and a market order's time in force", () => {
    expect(noticeText("INSUFFICIENT_HOLDINGS", { message: "can sell at most 1200 lots" })).to.contain(
      "at most 1,200 lots",
    );
    expect(noticeText("ORDER_TOO_LARGE", { message: "qty exceeds the maximum order size of 1 lots" })).to.contain(
      "at most 1 lot per order",
    );
    expect(noticeText("RATE_LIMITED", { message: "", retryAfterMs: 1500 })).to.contain("wait 2 s");
    expect(noticeText("INVALID_TIME_IN_FORCE", { message: "", order: { type: "market" } })).to.contain("IOC");
    expect(noticeText("NO_LIQUIDITY", { message: "no asks to trade against", order: { side: "buy" } })).to.contain(
      "no sell orders (asks)",
    );
  });

  it("keeps the code in small print and escapes the server's text", () => {
    const html = noticeHtml("INVALID_BODY", { message: "<b>x</b>" });
    expect(html).to.contain(`<small class="code-tag" title="&lt;b&gt;x&lt;/b&gt;">INVALID_BODY</small>`);
    expect(html).not.to.contain("<b>x</b>");
    expect(noticeText("SOMETHING_NEW", { message: "as sent" })).to.equal("as sent");
  });

  it("order outcomes: status word after the number, money and prices formatted", () => {
    const base = {
      orderId: 12,
      side: "buy",
      price: 101,
      qty: 4,
      filledQty: 4,
      restingQty: 0,
      notional: 404,
      status: "filled",
    };
    expect(orderOutcomeText(base, ACME)).to.equal("Order 12 filled: bought 4 lots at 1.01 for $4.04.");
    expect(
      orderOutcomeText({ ...base, side: "sell", filledQty: 0, restingQty: 4, notional: 0, status: "new" }, ACME),
    ).to.equal("Order 12 new — in the book: sell 4 lots at 1.01, waiting for a buyer.");
    expect(
      orderOutcomeText({ ...base, qty: 10, filledQty: 4, restingQty: 0, status: "expired", reason: "ioc" }, ACME),
    ).to.equal(
      "Order 12 expired: bought 4 lots at 1.01 for $4.04; the other 6 lots were cancelled (an IOC order keeps what fills at once and cancels the rest).",
    );
    expect(
      orderOutcomeText({ ...base, qty: 10, filledQty: 4, restingQty: 6, status: "partially_filled" }, ACME),
    ).to.equal(
      "Order 12 partially filled: bought 4 lots at 1.01 for $4.04; 6 lots wait in the book at 1.01 for a seller.",
    );
  });
});
