/**
 * The player view's "API keys" panel in Chromium: a player creates a key (its text shown once), a
 * program uses it, the player revokes it from the panel and the key stops working.
 */
import { expect } from "chai";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { useChromium } from "./support/chromium.ts";

describe("browser client: API keys panel (Chromium)", function () {
  this.timeout(90_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const account = (key: string) => fetch(`${h.base}/api/v1/account`, { headers: { authorization: `Bearer ${key}` } });

  it("creates a key shown once, lists it, and revokes it", async () => {
    const game = await createGame(h, { name: "API keys class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const page = await b.joinAs(game.joinCode, "quant");
    await page.click("#api-keys summary");
    await page.locator("#api-key-list", { hasText: "No keys yet." }).waitFor();
    await page.fill("#api-key-form input[name=name]", "my bot");
    await page.click("#api-key-form button[type=submit]");
    const text = page.locator("#api-key-text");
    await text.waitFor();
    const key = (await text.innerText()).trim();
    expect(key).to.match(/^mrk_[A-Za-z0-9_-]{43}$/);
    await page.locator("#api-key-list tbody tr", { hasText: "my bot" }).waitFor();

    const res = await account(key);
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { name?: string; playerId: string }).playerId).to.match(/^p-/);

    await page.click("#api-key-list button[data-revoke]");
    await page.locator("#api-key-list tbody tr", { hasText: "revoked" }).waitFor();
    expect(await page.locator("#api-key-text").count()).to.equal(0); // shown once: gone after the change
    expect(await page.locator("#api-key-list").innerText()).not.to.include(key);
    expect((await account(key)).status).to.equal(401);
  });
});
