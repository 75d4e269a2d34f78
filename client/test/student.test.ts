/**
 * A first-time student's view in Chromium (issue 16): a market order (sent as IOC) trades against a
 * resting order; rejections read in plain words with dollars and prices and the code in small print, and
 * clear when the phase changes; the pause banner says orders are rejected and goes on resume; the Help
 * panel and the P&L explanation (a late joiner after a price fall); the phone layout (book right above
 * the order form, a leaderboard that fits with the own row pinned), asserted from bounding boxes.
 * Screenshots: student-market-order.png, student-paused.png, student-help.png, student-phone.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import type { Page } from "playwright-core";
import { api, createGame, join, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";
import { useTraders } from "./support/traders.ts";

const PHONE = { width: 390, height: 844 };

describe("browser client: a first-time student (Chromium)", function () {
  this.timeout(90_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });
  const traders = useTraders(b);

  /** A scripted player (WebSocket client) that rests a sell of `qty` lots at `price` ticks. */
  async function restingSell(code: string, gameId: string, name: string, price: number, qty: number): Promise<void> {
    await (
      await traders.join({ gameId, joinCode: code }, name)
    )("sell", price, qty);
  }

  const box = async (page: Page, sel: string) => {
    const bb = await page.locator(sel).first().boundingBox();
    if (!bb) throw new Error(`no box for ${sel}`);
    return bb;
  };

  it("a market order is sent as IOC (GTC not offered) and trades against a resting order", async () => {
    const game = await createGame(h, { name: "Market order class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    await restingSell(game.joinCode, game.gameId, "seller", 101, 5);
    const ann = await b.joinAs(game.joinCode, "ann");
    await ann.locator("#ladder tr.sell[data-price='1.01']").waitFor();

    await ann.selectOption("#order-form select[name=type]", "market");
    expect(await ann.inputValue("#order-form select[name=tif]")).to.equal("IOC");
    expect(await ann.locator("#order-form select[name=tif] option[value=GTC]").isDisabled()).to.equal(true);
    expect(await ann.locator("#submit").innerText()).to.equal("Buy at market");
    await ann.fill("#order-form input[name=qty]", "3");
    await ann.click("#submit");
    const ok = ann.locator("#order-msg.ok");
    await ok.waitFor();
    expect(await ok.innerText()).to.match(/^Order \d+ filled: bought 3 lots at 1\.01 for \$3\.03\.$/);
    await ann.locator("#tape tbody tr.buy", { hasText: "1.01" }).first().waitFor();
    await ann.locator("#positions tr[data-sym=ACME] .holding", { hasText: "103" }).waitFor();
    await ann.locator("#my-cash", { hasText: "996.97" }).waitFor();
    await ann.locator("#ladder tr.sell[data-price='1.01']", { hasText: "2" }).waitFor();

    // back to Limit: GTC is offered (and chosen) again
    await ann.selectOption("#order-form select[name=type]", "limit");
    expect(await ann.inputValue("#order-form select[name=tif]")).to.equal("GTC");
    expect(await ann.locator("#order-form select[name=tif] option[value=GTC]").isDisabled()).to.equal(false);
    await ann.screenshot({ path: joinPath(SHOTS, "student-market-order.png"), fullPage: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("rejections in plain words, cleared by resume and end; the pause banner tells the truth", async () => {
    const game = await createGame(h, {
      name: "Plain words class",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100, bandLow: 50, bandHigh: 200 }],
    });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const ben = await b.joinAs(game.joinCode, "ben");
    const msg = ben.locator("#order-msg");

    await b.order(ben, "buy", "1.00", 5000); // 5,000 x 1.00 = 5,000.00 > 1,000.00 cash
    await ben.locator("#order-msg.reject").waitFor();
    expect(await ben.locator("#order-msg .notice-text").innerText()).to.equal(
      "Not enough cash: this order needs $5,000.00, you have $1,000.00 available.",
    );
    expect(await ben.locator("#order-msg .code-tag").innerText()).to.equal("INSUFFICIENT_FUNDS");
    expect(await msg.innerText()).not.to.match(/500000|100000/); // no minor units on screen

    await b.order(ben, "buy", "5.00", 1); // outside the price band [50, 200] ticks
    await ben.locator("#order-msg .code-tag", { hasText: "PRICE_OUT_OF_BAND" }).waitFor();
    expect(await ben.locator("#order-msg .notice-text").innerText()).to.equal(
      "Price out of range: this market accepts prices from 0.50 to 2.00.",
    );

    // paused: the banner says orders are rejected and cancels work; an order is rejected in plain words
    await api(h, "POST", `/api/games/${game.gameId}/pause`);
    const banner = ben.locator("#lobby-note");
    await banner.waitFor();
    expect(await banner.innerText()).to.equal(
      "Trading is paused: new orders are rejected until the organiser resumes the round. You can still cancel your orders.",
    );
    // the phase change cleared the band rejection
    expect(await msg.innerText()).to.equal("");
    await b.order(ben, "buy", "1.00", 1);
    await ben.locator("#order-msg .code-tag", { hasText: "MARKET_CLOSED" }).waitFor();
    expect(await ben.locator("#order-msg .notice-text").innerText()).to.match(
      /^Trading is paused: new orders are rejected until the round resumes/,
    );
    await ben.screenshot({ path: joinPath(SHOTS, "student-paused.png") });

    // resume: the banner goes, and so does the rejection
    await api(h, "POST", `/api/games/${game.gameId}/resume`);
    await banner.waitFor({ state: "hidden" });
    await ben.waitForFunction(() => document.querySelector("#order-msg")!.textContent === "");

    // the next successful order replaces a rejection
    await b.order(ben, "buy", "1.00", 5000);
    await ben.locator("#order-msg.reject").waitFor();
    await b.order(ben, "buy", "0.99", 1);
    await ben.locator("#order-msg.ok", { hasText: "in the book: buy 1 lot at 0.99, waiting for a seller" }).waitFor();

    // the end clears a rejection too
    await b.order(ben, "buy", "1.00", 5000);
    await ben.locator("#order-msg.reject").waitFor();
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await ben.locator("#final .final").waitFor();
    await ben.waitForFunction(() => document.querySelector("#order-msg")!.textContent === "");
  });

  it("Help explains the words; the P&L note explains a late joiner's loss from the opening prices", async () => {
    const game = await createGame(h, { name: "Help class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    // the price falls 10 % before cleo joins: her 100 starting lots are worth 90.00 less than at the opening price 1.00
    const n = await api(h, "POST", `/api/games/${game.gameId}/news`, {
      headline: "ACME misses its numbers",
      shifts: [{ securityId: 1, bps: -1000 }],
    });
    expect(n.status).to.equal(201);
    const cleo = await b.joinAs(game.joinCode, "cleo");
    await cleo.locator("#my-pnl", { hasText: "-10.00" }).waitFor();

    await cleo.click("#pnl-why");
    const note = cleo.locator("#pnl-help");
    await note.locator("p").first().waitFor();
    expect(await note.getAttribute("open")).to.not.equal(null);
    expect(await cleo.locator("#my-start-value").innerText()).to.equal("$1,100.00"); // 1,000.00 cash + 100 lots x 1.00
    const text = await note.innerText();
    expect(text).to.contain("P&L = equity now − starting value.");
    expect(text).to.contain("opening price");
    expect(text).to.contain("last trade in the round"); // the round's mark rule (last_trade)

    expect(await cleo.locator("#help").isVisible()).to.equal(false);
    await cleo.click("#help-open");
    const help = cleo.locator("#help");
    await help.waitFor();
    const terms = (await help.locator("dt").allInnerTexts()).map((t) => t.trim());
    for (const t of [
      "Bid / ask",
      "Limit order",
      "Market order",
      "GTC",
      "IOC",
      "FOK",
      "Post-only",
      "Maker / taker",
      "Fee / rebate",
      "Realised P&L",
      "Unrealised P&L",
      '"Order 158 new"',
    ]) {
      expect(terms, t).to.include(t);
    }
    await cleo.screenshot({ path: joinPath(SHOTS, "student-help.png") });
    await cleo.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });
    await cleo.click("#help-open");
    await help.waitFor();
    await cleo.click("#help-close");
    await help.waitFor({ state: "hidden" });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("phone: the book sits right above the order form; the leaderboard fits and pins the own row", async () => {
    // a taker fee makes dora's one trade cost her 0.01, so she ranks last of 13
    const game = await createGame(h, { name: "Phone class", securityRules: { takerFee: 1 } });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    for (let i = 1; i <= 11; i++) await join(h, game.joinCode, `Student with a long name ${i}`);
    await restingSell(game.joinCode, game.gameId, "seller", 100, 5);
    const dora = await b.joinAs(game.joinCode, "dora", PHONE);
    await dora.locator("#ladder tr.sell[data-price='1.00']").waitFor();
    await b.order(dora, "buy", "1.00", 1);
    await dora.locator("#order-msg.ok", { hasText: "bought 1 lot" }).waitFor();
    await dora.locator("#leaderboard tr.own.pinned td", { hasText: "13" }).first().waitFor();

    // the book card ends right where the order form's card starts, and both fit one screen
    const book = await box(dora, "section.book"),
      entry = await box(dora, "section.entry");
    expect(entry.y - (book.y + book.height)).to.be.within(0, 16);
    expect(Math.abs(book.x - entry.x)).to.be.lessThan(2);
    const ladder = await box(dora, "#ladder"),
      submit = await box(dora, "#submit");
    expect(submit.y + submit.height - ladder.y).to.be.at.most(PHONE.height);
    expect(await dora.locator("#ladder tr.sell[data-price]").count()).to.be.within(1, 5);

    // nothing wider than the screen
    expect(await dora.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(PHONE.width);

    // the leaderboard: every column inside its card, the top 10 then dora's own row
    const fits = await dora.evaluate(() => {
      const el = document.querySelector("#leaderboard")!,
        table = el.querySelector("table")!;
      return { scroll: table.scrollWidth, client: el.clientWidth };
    });
    expect(fits.scroll).to.be.at.most(fits.client);
    // Measured in one evaluate: the board is re-rendered every second, and a box taken element by
    // element can land on a header cell that was just replaced (Playwright then gives no box).
    const board = await dora.evaluate(() => {
      const cardBox = document.querySelector("section.board-card")!.getBoundingClientRect(),
        own = document.querySelector("#leaderboard tr.own") as HTMLElement | null;
      return {
        cardRight: cardBox.right,
        cardBottom: cardBox.bottom,
        thRights: [...document.querySelectorAll("#leaderboard th")].map((th) => th.getBoundingClientRect().right),
        rows: document.querySelectorAll("#leaderboard tbody tr[data-player]").length,
        ownClass: own?.className ?? "",
        ownRank: own?.innerText.split(/\t/)[0]!.trim() ?? "",
        ownBottom: own?.getBoundingClientRect().bottom ?? Infinity,
        gap: (document.querySelector("#leaderboard tr.gap") as HTMLElement | null)?.innerText ?? "",
      };
    });
    expect(board.thRights).to.have.length.above(3);
    for (const right of board.thRights) expect(right).to.be.at.most(board.cardRight);
    expect(board.rows).to.equal(11);
    expect(board.ownClass).to.contain("pinned");
    expect(board.ownRank).to.equal("13");
    expect(board.ownBottom).to.be.at.most(board.cardBottom);
    expect(board.gap).to.contain("2 more");

    await dora.screenshot({ path: joinPath(SHOTS, "student-phone.png"), fullPage: true });

    // the round-over panel's full leaderboard fits the phone too
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await dora.locator("#final .final tr.own").waitFor();
    const final = await dora.evaluate(() => {
      const card = document.querySelector("#final .final")!,
        table = card.querySelector("table.board")!;
      return {
        table: table.getBoundingClientRect().right,
        card: card.getBoundingClientRect().right,
        scroll: card.scrollWidth,
        client: card.clientWidth,
      };
    });
    await dora.screenshot({ path: joinPath(SHOTS, "student-phone-ended.png") });
    expect(final.scroll).to.be.at.most(final.client);
    expect(final.table).to.be.at.most(final.card);
  });
});
