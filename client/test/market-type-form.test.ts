/**
 * The admin create form's market type (Chromium): each type's parameters appear when it is chosen, are
 * checked in the browser by the shared schema (a bad value is named and nothing is created), and reach
 * the round's rules as sent (GET /api/games/:id).
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { join } from "node:path";
import { api, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("admin create form: market type (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  async function adminPage(): Promise<Page> {
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator("#scenario option").first().waitFor({ state: "attached" });
    for (const k of ["market_maker", "noise", "momentum"]) await page.fill(`#create-form input[name=bots_${k}]`, "0");
    return page;
  }

  const gameCount = async () => (await api(h, "GET", "/api/games?limit=500")).body.games.length as number;

  /** Creates a round from the filled form; returns its rules from the API. */
  async function create(page: Page, name: string): Promise<any> {
    await page.fill("#create-form input[name=name]", name);
    await page.click("#create");
    await page.locator("#game-head", { hasText: name }).waitFor();
    const code = (await page.locator("#join-code").innerText()).trim();
    const game = (await api(h, "GET", "/api/games?limit=500")).body.games.find((g: any) => g.joinCode === code);
    return (await api(h, "GET", `/api/games/${game.gameId}`)).body.rules;
  }

  async function rejected(page: Page, text: string): Promise<void> {
    const before = await gameCount();
    await page.click("#create");
    await page.locator("#admin-msg.reject", { hasText: text }).waitFor();
    expect(await gameCount()).to.equal(before);
  }

  it("shows only the chosen type's parameters; the default type sends no market rules", async () => {
    const page = await adminPage();
    expect(await page.locator("#market-type [data-market=call]").isHidden()).to.equal(true);
    await page.selectOption("#create-form select[name=marketType]", "call");
    expect(await page.locator("#market-type [data-market=call]").isVisible()).to.equal(true);
    expect(await page.locator("#market-type [data-market=dividends]").isHidden()).to.equal(true);
    expect(await page.locator("#market-type-hint").innerText()).to.contain("one price");
    await page.selectOption("#create-form select[name=marketType]", "continuous");
    const rules = await create(page, `Plain ${Date.now().toString(36)}`);
    expect(rules.marketType).to.equal(undefined);
    expect(rules.call).to.equal(undefined);
  });

  it("call market: an out-of-range call interval is refused in the form; a valid one reaches the rules", async () => {
    const page = await adminPage();
    await page.selectOption("#create-form select[name=marketType]", "call");
    await page.fill("#create-form input[name=callEverySec]", "0");
    await rejected(page, "call.everySec");
    await page.fill("#create-form input[name=callEverySec]", "7");
    await page.fill("#create-form input[name=callContinuousSec]", "3");
    await page.locator("#create-form").screenshot({ path: join(SHOTS, "admin-market-type-call.png") });
    const rules = await create(page, `Call ${Date.now().toString(36)}`);
    expect(rules.marketType).to.equal("call");
    expect(rules.call).to.deep.equal({ everySec: 7, continuousSec: 3 });
  });

  it("dividends: a value that is not a whole number is refused; the list reaches the rules", async () => {
    const page = await adminPage();
    await page.selectOption("#create-form select[name=marketType]", "dividends");
    await page.fill("#create-form input[name=dividendValues]", "0, 8, 2.5");
    await rejected(page, "dividends.values.2");
    await page.fill("#create-form input[name=dividendValues]", "0, 10, 30");
    const rules = await create(page, `Div ${Date.now().toString(36)}`);
    expect(rules.marketType).to.equal("dividends");
    expect(rules.dividends).to.deep.equal({ values: [0, 10, 30] });
  });

  it("induced values: a range with min above max is refused; values, costs, units and seed reach the rules", async () => {
    const page = await adminPage();
    await page.selectOption("#create-form select[name=marketType]", "induced");
    await page.fill("#create-form input[name=valueMin]", "200");
    await page.fill("#create-form input[name=valueMax]", "100");
    await rejected(page, "min must not exceed max");
    await page.fill("#create-form input[name=valueMin]", "90");
    await page.fill("#create-form input[name=inducedUnits]", "2");
    await page.fill("#create-form input[name=inducedSeed]", "class-7");
    await page.locator("#create-form").screenshot({ path: join(SHOTS, "admin-market-type-induced.png") });
    const rules = await create(page, `Induced ${Date.now().toString(36)}`);
    expect(rules.marketType).to.equal("induced");
    expect(rules.induced).to.deep.equal({
      units: 2,
      values: { min: 90, max: 100 },
      costs: { min: 40, max: 140 },
      seed: "class-7",
    });
  });

  it("contingent claims: a zero payout or an accuracy over 100% is refused; payout, weights and signals reach the rules", async () => {
    const page = await adminPage();
    await page.selectOption("#create-form select[name=marketType]", "contingent");
    await page.fill("#create-form input[name=payout]", "0");
    await rejected(page, "contingent.payout");
    await page.fill("#create-form input[name=payout]", "250");
    await page.fill("#create-form input[name=stateWeights]", "3, 1");
    await page.selectOption("#create-form select[name=signalKind]", "noisy");
    await page.fill("#create-form input[name=signalAccuracy]", "150");
    await rejected(page, "contingent.signals.accuracyBps");
    await page.fill("#create-form input[name=signalAccuracy]", "80");
    await page.check("#create-form input[name=signalEveryPeriod]");
    const rules = await create(page, `Claims ${Date.now().toString(36)}`);
    expect(rules.marketType).to.equal("contingent");
    expect(rules.contingent).to.deep.equal({
      payout: 250,
      weights: [3, 1],
      signals: { kind: "noisy", accuracyBps: 8000, everyPeriod: true },
    });
  });
});
