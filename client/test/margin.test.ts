/**
 * Margin rounds in Chromium against the real server (issue 15, part 5; docs/client.md "Margin rounds"):
 * a player opens a leveraged long and sees equity, used / free margin, leverage and the liquidation
 * price; sets SL / TP on the position; places a stop and cancels another; a fall of the reference warns
 * them, and a shock the admin sets on the admin page liquidates them: the liquidation notice appears
 * (positions, orders and stops gone), the fund's cash shows on the admin page. A cash
 * round shows none of the margin screens; the admin form refuses bad margin settings and sends good ones;
 * the phone layout holds the margin screens.
 * Screenshots: margin-player.png, margin-liquidated.png, margin-phone.png,
 * margin-admin-form.png, margin-cash-round.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import type { Page } from "playwright-core";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";
import { useTraders } from "./support/traders.ts";

const PHONE = { width: 390, height: 844 };
const uid = () => `mg-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe("browser client: margin rounds (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });
  const traders = useTraders(b);

  /**
   * A running margin round: ACME at 100.00 (tick 0.01, scale 1), 10 % initial / 5 % maintenance margin
   * (10x), the mark = the reference, $1,000.00 each, an insurance fund of $10,000.00.
   */
  async function marginRound(): Promise<{ gameId: string; joinCode: string }> {
    const r = await api(h, "POST", "/api/games", {
      gameId: uid(),
      name: "Leverage class",
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000 },
      securities: [
        {
          securityId: 1,
          symbol: "ACME",
          tickSize: "0.01",
          refPrice: 10_000,
          initialMarginBps: 1000,
          maintenanceMarginBps: 500,
        },
      ],
      endowment: { cash: 100_000 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect((await api(h, "POST", `/api/games/${r.body.gameId}/start`)).status).to.equal(200);
    return r.body;
  }

  /** A scripted player (WebSocket client) that rests a sell of `qty` lots at `price` ticks (a short on margin). */
  async function restingSell(game: { gameId: string; joinCode: string }, price: number, qty: number): Promise<void> {
    await (
      await traders.join(game, "maker")
    )("sell", price, qty);
  }

  const text = (page: Page, sel: string) => page.locator(sel).first().innerText();

  async function adminPage(): Promise<Page> {
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator("#scenario option").first().waitFor({ state: "attached" });
    return page;
  }

  it("a leveraged long: margin, liquidation price, SL/TP, stops; a reference shock liquidates it and says so", async () => {
    const game = await marginRound();
    await restingSell(game, 10_000, 50);
    const bob = await b.joinAs(game.joinCode, "bob");
    await bob.locator("#margin-box:not([hidden]) #m-equity", { hasText: "1,000.00" }).waitFor();
    expect(await text(bob, "#entry-rules")).to.contain("margin 10 % (up to 10x) · maintenance 5 %");
    expect(await bob.locator("#positions").isHidden()).to.equal(true);
    // Help gains the margin glossary (the panel itself opens with the Help button).
    expect(await bob.locator("#margin-help").getAttribute("hidden")).to.equal(null);

    // Too large for the margin: refused in plain words, nothing changes.
    await b.order(bob, "buy", "100.00", 200);
    await bob.locator("#order-msg.reject", { hasText: "Not enough margin" }).waitFor();
    expect(await text(bob, "#order-msg"))
      .to.contain("your equity is $1,000.00")
      .and.to.contain("INSUFFICIENT_FUNDS");

    // 50 lots at 100.00 with $1,000.00: 5x, $500.00 used, liquidation at 84.21 (the highest mark where equity < 5 % of the notional).
    await b.order(bob, "buy", "100.00", 50);
    await bob.locator("#order-msg.ok", { hasText: "filled" }).waitFor();
    const row = bob.locator("#m-positions tr.m-pos[data-sym=ACME]");
    await row.waitFor();
    expect(await row.locator(".side").innerText()).to.equal("Long");
    expect(await row.locator(".m-qty").innerText()).to.equal("50");
    expect(await row.locator(".m-entry").innerText()).to.equal("100.00");
    expect(await row.locator(".m-mark").innerText()).to.equal("100.00");
    expect(await row.locator(".m-liq").innerText()).to.equal("84.21");
    expect(await text(bob, "#m-used")).to.equal("500.00");
    expect(await text(bob, "#m-free")).to.equal("500.00");
    expect(await text(bob, "#m-maint")).to.equal("250.00");
    expect(await text(bob, "#m-leverage")).to.equal("5x");

    // SL / TP on the position: both wait as one-cancels-other stops.
    const exits = bob.locator("form[data-exits='1']");
    await exits.locator("input[name=stopLoss]").fill("90.00");
    await exits.locator("input[name=takeProfit]").fill("120.00");
    await exits.locator("button[type=submit]").click();
    await bob.locator("#order-msg.ok", { hasText: "Stop-loss and take-profit set on ACME" }).waitFor();
    await bob.locator("#stops-table tr.stop", { hasText: "Stop-market sell 50 when last ≤ 90.00" }).waitFor();
    await bob.locator("#stops-table tr.stop", { hasText: "Take-profit sell 50 when last ≥ 120.00" }).waitFor();
    expect(await exits.locator("input[name=stopLoss]").inputValue()).to.equal("90.00");

    // A breakout buy stop, then a stop-limit that is cancelled from the list.
    await bob.selectOption("#order-form select[name=type]", "stop");
    expect(await bob.locator("#order-form input[name=price]").isDisabled()).to.equal(true);
    await bob.fill("#order-form input[name=stopPrice]", "105.00");
    await bob.fill("#order-form input[name=qty]", "2");
    expect(await text(bob, "#submit")).to.equal("Buy stop");
    await bob.click("#submit");
    await bob
      .locator("#order-msg.ok", { hasText: /^Stop #\d+ waits: buy 2 lots when the last trade ≥ 105\.00/ })
      .waitFor();
    await bob.selectOption("#order-form select[name=type]", "stop_limit");
    await bob.fill("#order-form input[name=stopPrice]", "106.00");
    await bob.fill("#order-form input[name=price]", "107.00");
    await bob.click("#submit");
    const limitRow = bob.locator("#stops-table tr.stop", {
      hasText: "Stop-limit buy 2 when last ≥ 106.00 → limit 107.00",
    });
    await limitRow.waitFor();
    await limitRow.locator("button[data-stop]").click();
    await limitRow.waitFor({ state: "detached" });
    expect(await bob.locator("#stops-table tr.stop").count()).to.equal(3);
    await bob.screenshot({ path: joinPath(SHOTS, "margin-player.png"), fullPage: true });

    // The reference at 88.00: equity $400.00 is under the $440.00 margin in use but above maintenance: a warning.
    const ref = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 8800 });
    expect(ref.status, JSON.stringify(ref.body)).to.equal(200);
    const warn = bob.locator("#margin-note.low:not([hidden])");
    await warn.waitFor();
    expect(await warn.innerText()).to.contain(
      "Margin warning: your equity $400.00 is below the margin your positions and orders use ($440.00).",
    );
    expect(await warn.innerText()).to.contain("If your equity falls below $220.00 (the maintenance margin)");
    expect(await text(bob, "#m-free")).to.equal("-40.00");

    // The admin sets the reference to 80.00 on the admin page: the mark falls below 84.21, bob is liquidated.
    const admin = await adminPage();
    await admin.locator(`#games tr[data-game="${game.gameId}"]`).click();
    await admin.locator("#admin-margin:not([hidden]) #fund-cash", { hasText: "10,000.00" }).waitFor();
    await admin.fill("#reference-form input[name=price]", "80.001");
    await admin.click("#reference-form button[type=submit]");
    await admin.locator("#admin-msg.reject", { hasText: "multiple of the tick size 0.01" }).waitFor();
    await admin.fill("#reference-form input[name=price]", "80.00");
    await admin.click("#reference-form button[type=submit]");
    await admin.locator("#admin-msg.ok", { hasText: "Reference of ACME set to 80.00" }).waitFor();
    await admin.locator("#admin-margin-info", { hasText: "reference 80.00, mark 80.00" }).waitFor();
    const note = bob.locator("#margin-note.liquidated:not([hidden])");
    await note.waitFor();
    expect(await note.innerText()).to.contain(
      "You were liquidated: your equity $0.00 fell below the maintenance margin $200.00.",
    );
    await bob.locator("#m-positions-empty").waitFor();
    // The house took bob's 50 lots at the mark 80.00: $4,000.00 out of the $10,000.00 fund.
    await admin.locator("#fund-cash", { hasText: "6,000.00" }).waitFor();
    await bob.locator("#stops-empty").waitFor();
    expect(await text(bob, "#m-equity")).to.equal("0.00");
    await bob.screenshot({ path: joinPath(SHOTS, "margin-liquidated.png"), fullPage: true });
    await bob.click("#margin-note-close");
    await note.waitFor({ state: "hidden" });
    await bob.reload();
    await bob.locator("#margin-box:not([hidden]) #m-equity").waitFor();
    expect(await bob.locator("#margin-note.liquidated").isVisible()).to.equal(false);
  });

  it("on a phone the margin screens fit the width", async () => {
    const game = await marginRound();
    await restingSell(game, 10_000, 10);
    const amy = await b.joinAs(game.joinCode, "amy", PHONE);
    await amy.locator("#margin-box:not([hidden]) #m-equity").waitFor();
    await b.order(amy, "buy", "100.00", 5);
    await amy.locator("#m-positions tr.m-pos").waitFor();
    // A bracket entry: its stop-loss and take-profit wait unarmed until it fills.
    await amy.check("#order-form input[name=bracket]");
    await amy.fill("#order-form input[name=bracketStop]", "95.00");
    await amy.fill("#order-form input[name=bracketTake]", "110.00");
    await b.order(amy, "buy", "99.00", 2);
    await amy.locator("#order-msg.ok", { hasText: "in the book" }).waitFor();
    await amy
      .locator("#stops-table tr.stop", {
        hasText: /Take-profit sell when last ≥ 110\.00 → limit 110\.00 \(OCO with #\d+, armed when order \d+ fills\)/,
      })
      .waitFor();
    await amy.uncheck("#order-form input[name=bracket]");
    // An OCO closing the long: stop-loss 95.00, take-profit 110.00.
    await amy.selectOption("#order-form select[name=type]", "oco");
    await amy.keyboard.press("Escape");
    await amy.check("#order-form input[name=side][value=sell]");
    await amy.fill("#order-form input[name=ocoStop]", "95.00");
    await amy.fill("#order-form input[name=ocoTake]", "110.00");
    await amy.fill("#order-form input[name=qty]", "5");
    expect(await text(amy, "#submit")).to.equal("Sell OCO");
    await amy.click("#submit");
    await amy.locator("#order-msg.ok", { hasText: /^OCO #\d+ and #\d+ waits/ }).waitFor();
    await amy.locator("#stops-table tr.stop", { hasText: "Stop-market sell 5 when last ≤ 95.00" }).waitFor();
    const wide = await amy.evaluate(() => document.documentElement.scrollWidth);
    expect(wide).to.be.at.most(PHONE.width);
    for (const sel of ["#m-positions", "form[data-exits='1']", "#stop-fields"]) {
      const bb = await amy.locator(sel).boundingBox();
      expect(bb, sel).to.not.equal(null);
      expect(bb!.x + bb!.width, sel).to.be.at.most(PHONE.width);
    }
    await amy.screenshot({ path: joinPath(SHOTS, "margin-phone.png"), fullPage: true });
  });

  it("a cash round shows none of the margin screens", async () => {
    const game = await createGame(h, { name: "Cash class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const cat = await b.joinAs(game.joinCode, "cat");
    await cat.locator("#positions tr[data-sym]").first().waitFor();
    expect(await cat.locator("#margin-help").getAttribute("hidden")).to.not.equal(null);
    for (const sel of ["#margin-box", "#stops-box", "#stop-fields", "#margin-note", "#cfd-box"])
      expect(await cat.locator(sel).isVisible(), sel).to.equal(false);
    const types = await cat.locator("#order-form select[name=type] option:not([hidden])").allInnerTexts();
    expect(types).to.deep.equal(["Limit", "Market"]);
    expect(await text(cat, "#entry-rules")).to.not.contain("margin");
    expect(await text(cat, "#book-title")).to.equal("Order book");
    await cat.screenshot({ path: joinPath(SHOTS, "margin-cash-round.png"), fullPage: true });
  });

  it("the admin form refuses bad margin settings and sends good ones", async () => {
    const page = await adminPage();
    const name = `Margin round ${Date.now().toString(36)}`;
    await page.fill("#create-form input[name=name]", name);
    for (const k of ["market_maker", "noise", "momentum"]) await page.fill(`#create-form input[name=bots_${k}]`, "0");
    expect(await page.locator("#create-form input[name=initialMargin]").isVisible()).to.equal(false);
    await page.selectOption("#create-form select[name=mode]", "margin");
    const submit = () => page.locator("#create-form").evaluate((f) => (f as HTMLFormElement).requestSubmit());

    // Leverage and initial margin stay in step.
    await page.fill("#create-form input[name=maxLeverage]", "20");
    expect(await page.inputValue("#create-form input[name=initialMargin]")).to.equal("5");
    // Bad: maintenance above the initial margin; an initial margin beyond 100x; a fractional half-spread.
    await page.fill("#create-form input[name=maintenanceMargin]", "6");
    await submit();
    await page
      .locator("#admin-msg.reject", { hasText: "Maintenance margin 6 % cannot exceed the initial margin 5 %" })
      .waitFor();
    await page.fill("#create-form input[name=initialMargin]", "0.5");
    await submit();
    await page.locator("#admin-msg.reject", { hasText: "Initial margin must be 1 % to 100 %" }).waitFor();
    await page.fill("#create-form input[name=initialMargin]", "5");
    await page.fill("#create-form input[name=maintenanceMargin]", "2.5");
    // CFD securities are offered (client/test/cfd.test.ts creates one)
    expect(await page.locator("#create-form select[name=kind] option[value=cfd]").isDisabled()).to.equal(false);
    const list = async () => (await api(h, "GET", "/api/games?limit=50")).body.games.map((g: any) => g.name);
    expect(await list()).to.not.include(name);

    // one mark in a margin round (docs/margin.md "One mark"): the end-of-round mark gives way to the margin's
    expect(await page.locator("#create-form select[name=markPrice]").isVisible()).to.equal(false);
    await page.selectOption("#create-form select[name=markRule]", "reference");
    await page.fill("#create-form input[name=insuranceFund]", "2,500.00");
    await page.locator("#create-form").screenshot({ path: joinPath(SHOTS, "margin-admin-form.png") });
    await submit();
    await page.locator("#game-head", { hasText: name }).waitFor();
    await page.locator("#game-rules", { hasText: "margin mode (mark: reference, insurance fund 2,500.00)" }).waitFor();
    expect(await text(page, "#game-rules")).to.contain("margin 5 % (up to 20x) / maintenance 2.5 %");
    const g = (await api(h, "GET", "/api/games?limit=50")).body.games.find((x: any) => x.name === name);
    const detail = (await api(h, "GET", `/api/games/${g.gameId}`)).body;
    expect(detail.rules).to.include({
      mode: "margin",
      markRule: "reference",
      markPrice: "reference",
      insuranceFund: 250_000,
    });
    for (const s of detail.securities) expect(s).to.include({ initialMarginBps: 500, maintenanceMarginBps: 250 });
  });
});
