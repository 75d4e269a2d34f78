/**
 * The admin view and programs (Chromium): the create form's "Who may trade" choice becomes the round's
 * rules.trading (shown in the rules line; a browser order in an API-only round is refused in plain
 * words), and the "API usage" card shows each player's requests, orders, rejects and rate limit hits,
 * updating while a program trades. Screenshot: admin-api-usage.png.
 */
import { expect } from "chai";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { api, apiV1, createGame, join as joinGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("admin view: who may trade, API usage (Chromium)", function () {
  this.timeout(90_000);
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
    return page;
  }

  it("the usage card counts a program's requests, orders, rejects and rate limit hits per player", async () => {
    const game = await createGame(h, { name: `Usage round ${Date.now().toString(36)}` });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await joinGame(h, game.joinCode, "bob");
    await joinGame(h, game.joinCode, "carol");
    const page = await adminPage();
    await page.click(`#games tr[data-game="${game.gameId}"]`);
    await page.locator("#api-usage", { hasText: "No API requests in this round yet." }).waitFor();

    const key = (
      await apiV1(h, "POST", "/keys", bob.token, { name: "quoter", rateLimit: { requests: 3, windowMs: 60_000 } })
    ).body;
    expect(
      (await apiV1(h, "POST", "/orders", key.key, { securityId: 1, side: "buy", price: 90, qty: 1 })).status,
    ).to.equal(201);
    expect(
      (await apiV1(h, "POST", "/orders", key.key, { securityId: 1, side: "buy", price: 90, qty: 100_000 })).status,
    ).to.equal(422);
    expect((await apiV1(h, "GET", "/account", key.key)).status).to.equal(200);
    expect((await apiV1(h, "GET", "/account", key.key)).status).to.equal(429);

    // the card polls: wait until bob's row shows all four requests
    const row = page.locator(`#api-usage-players tr[data-usage-player="${bob.playerId}"]`);
    await row.locator("td.requests", { hasText: "4" }).waitFor();
    expect(await row.locator("td").allInnerTexts()).to.deep.equal(["bob", "1", "4", "1", "1", "1"]);
    expect(await page.locator("#api-usage").innerText()).to.contain("1 other player used no key.");
    await page.click("#api-usage details summary");
    const keyRow = page.locator(`#api-usage-keys tr[data-usage-key="${key.keyId}"]`);
    expect(await keyRow.locator("td").allInnerTexts()).to.deep.equal(["quoter", "bob", "4", "1", "1", "1"]);
    await page.locator("#api-usage").screenshot({ path: join(SHOTS, "admin-api-usage.png") });
  });

  it('the create form\'s "Who may trade" sets rules.trading; a browser order in an API-only round is refused in plain words', async () => {
    const page = await adminPage();
    const name = `API-only ${Date.now().toString(36)}`;
    await page.fill("#create-form input[name=name]", name);
    for (const k of ["market_maker", "noise", "momentum"]) await page.fill(`#create-form input[name=bots_${k}]`, "0");
    await page.selectOption("#create-form select[name=trading]", "api");
    await page.click("#create");
    await page.locator("#game-head", { hasText: name }).waitFor();
    await page.locator("#game-rules", { hasText: "trading: API only" }).waitFor();
    const code = (await page.locator("#join-code").innerText()).trim();
    const gameId = (await api(h, "GET", "/api/games?limit=50")).body.games.find((g: any) => g.joinCode === code).gameId;
    expect((await api(h, "GET", `/api/games/${gameId}`)).body.rules.trading).to.equal("api");
    expect((await api(h, "POST", `/api/games/${gameId}/start`)).status).to.equal(200);

    const player = await b.joinAs(code, "dora");
    await b.order(player, "buy", "1", 1);
    await player.locator("#order-msg.reject", { hasText: "orders come from another channel" }).waitFor();
  });
});
