/**
 * CFD securities in Chromium against the real server (issue 15 item 4; docs/margin.md "CFD securities"):
 * the player's CFD ticket shows the house's quote instead of a book, offers a leverage up to the
 * security's largest and SL / TP (bracket) fields; a market buy at 5x fills at the ask and shows as a
 * 5x position with its stop-loss and take-profit; a reference fall the admin sets triggers the stop-loss
 * and the position closes at the bid; both fills show in "My fills". The admin form creates a CFD round.
 * Screenshots: cfd-ticket.png, cfd-position.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

const uid = () => `cfd-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe("browser client: CFD ticket (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  it("the CFD ticket: quote, leverage and SL/TP; a 5x long at the ask, closed by its stop-loss at the bid", async () => {
    const r = await api(h, "POST", "/api/games", {
      gameId: uid(),
      name: "CFD class",
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000 },
      securities: [{ securityId: 1, symbol: "GOLD", tickSize: "0.01", refPrice: 10_000, kind: "cfd", halfSpread: 5 }],
      securityRules: { maxLeverage: 10, maintenanceMarginBps: 500 },
      endowment: { cash: 100_000 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const game = r.body;
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const bob = await b.joinAs(game.joinCode, "bob");

    // The house's quote instead of a book, and the ticket's leverage (10x down to 1x) and price.
    await bob.locator("#cfd-box:not([hidden]) #cfd-ask", { hasText: "100.05" }).waitFor();
    expect(await bob.locator("#cfd-bid").innerText()).to.equal("99.95");
    const ticket = bob.locator("#cfd-ticket:not([hidden])");
    await ticket.waitFor();
    const levels = await bob.locator("#order-form select[name=leverage] option").allInnerTexts();
    expect(levels).to.deep.equal(["10x", "9x", "8x", "7x", "6x", "5x", "4x", "3x", "2x", "1x"]);
    await bob.locator("#cfd-ticket-quote", { hasText: "You buy at the house's ask 100.05" }).waitFor();
    await bob.click("#order-form label.sell");
    await bob.locator("#cfd-ticket-quote", { hasText: "You sell at the house's bid 99.95" }).waitFor();
    await bob.click("#order-form label.buy");

    // A market buy of 40 lots at 5x with a stop-loss at 95.00 and a take-profit at 110.00.
    await bob.selectOption("#order-form select[name=type]", "market");
    await bob.selectOption("#order-form select[name=leverage]", "5");
    await bob.fill("#order-form input[name=qty]", "40");
    await bob.check("#order-form input[name=bracket]");
    await bob.fill("#order-form input[name=bracketStop]", "95.00");
    await bob.fill("#order-form input[name=bracketTake]", "110.00");
    await bob.screenshot({ path: joinPath(SHOTS, "cfd-ticket.png"), fullPage: true });
    await bob.click("#submit");
    await bob.locator("#order-msg.ok", { hasText: "filled" }).waitFor();
    const row = bob.locator("#m-positions tr.m-pos[data-sym=GOLD]");
    await row.waitFor();
    expect(await row.locator(".side").innerText()).to.equal("Long");
    expect(await row.locator(".m-qty").innerText()).to.equal("40");
    expect(await row.locator(".m-entry").innerText()).to.equal("100.05");
    await bob.locator("#m-positions tr.m-pos[data-sym=GOLD] .m-lev", { hasText: "5x" }).waitFor();
    await bob.locator("#stops-table tr.stop", { hasText: "95.00" }).waitFor();
    await bob.locator("#stops-table tr.stop", { hasText: "110.00" }).waitFor();
    await bob.screenshot({ path: joinPath(SHOTS, "cfd-position.png"), fullPage: true });

    // The reference falls to 94.00: the stop-loss fires and the house buys the 40 lots at its bid 93.95.
    const ref = await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 9400 });
    expect(ref.status, JSON.stringify(ref.body)).to.equal(200);
    await bob.locator("#m-positions-empty").waitFor();
    await bob.locator("#stops-empty").waitFor();
    // $1,000.00 - 40 x 100.05 + 40 x 93.95 = $756.00 (in cents: 100,000 - 400,200 + 375,800)
    await bob.locator("#m-equity", { hasText: /^756\.00$/ }).waitFor();
    // "My fills" lists the house's fills: the buy at the ask, the stop-loss's sell at the bid
    await bob.locator("#fills tr.buy", { hasText: "100.05" }).waitFor();
    await bob.locator("#fills tr.sell", { hasText: "93.95" }).waitFor();
    expect(await bob.locator("#fills tbody tr").count()).to.equal(2);
  });

  it("the admin form creates a CFD round with its half-spread", async () => {
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator("#scenario option").first().waitFor({ state: "attached" });
    const name = `CFD round ${Date.now().toString(36)}`;
    await page.fill("#create-form input[name=name]", name);
    for (const k of ["market_maker", "noise", "momentum"]) await page.fill(`#create-form input[name=bots_${k}]`, "0");
    await page.selectOption("#create-form select[name=mode]", "margin");
    expect(await page.locator("#create-form input[name=halfSpread]").isDisabled()).to.equal(true);
    await page.selectOption("#create-form select[name=kind]", "cfd");
    await page.fill("#create-form input[name=halfSpread]", "3");
    await page.locator("#create-form").evaluate((f) => (f as HTMLFormElement).requestSubmit());
    await page.locator("#game-head", { hasText: name }).waitFor();
    const g = (await api(h, "GET", "/api/games?limit=50")).body.games.find((x: any) => x.name === name);
    const detail = (await api(h, "GET", `/api/games/${g.gameId}`)).body;
    expect(detail.securities.length).to.be.above(0);
    for (const s of detail.securities) expect(s).to.include({ kind: "cfd", halfSpread: 3 });
  });
});
