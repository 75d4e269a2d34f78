/**
 * The admin view's "API keys" card (Chromium): every key of the round per player with its scope, when it
 * was made, its last request and whether it was revoked; the admin makes a key for any player (its text
 * shown once) and revokes any player's key, which then stops working. Screenshot: admin-api-keys.png.
 */
import { expect } from "chai";
import { join } from "node:path";
import { api, createGame, join as joinGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("admin view: API keys card (Chromium)", function () {
  this.timeout(90_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const account = (key: string) => fetch(`${h.base}/api/v1/account`, { headers: { authorization: `Bearer ${key}` } });

  it("lists each player's keys with scope, last use and status; makes a key for any player and revokes any key", async () => {
    const game = await createGame(h, { name: `Keys round ${Date.now().toString(36)}` });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const bob = await joinGame(h, game.joinCode, "bob");
    const carol = await joinGame(h, game.joinCode, "carol");

    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.click(`#games tr[data-game="${game.gameId}"]`);
    await page.locator("#admin-key-list", { hasText: "No API keys in this round." }).waitFor();

    // bob's own key, used once by his program: the card shows it with its last request
    const made = await fetch(`${h.base}/api/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bob's bot" }),
    });
    const bobKey = (await made.json()) as { key: string; keyId: string };
    expect((await account(bobKey.key)).status).to.equal(200);
    const bobRow = page.locator(`#admin-api-keys tr[data-admin-key="${bobKey.keyId}"]`);
    await bobRow.waitFor();
    await bobRow.locator("td.last-used", { hasNotText: "never" }).waitFor();
    expect(await bobRow.locator("td").first().innerText()).to.equal("bob");
    expect(await bobRow.locator("td.scope").innerText()).to.equal("this round");
    expect(await bobRow.locator("td.status").innerText()).to.equal("active");

    // the admin makes a key for carol: shown once, it trades as carol
    await page.selectOption("#admin-key-form select[name=player]", carol.playerId);
    await page.fill("#admin-key-form input[name=name]", "desk");
    await page.click("#admin-key-form button[type=submit]");
    const text = page.locator("#admin-key-text");
    await text.waitFor();
    const carolKey = (await text.innerText()).trim();
    expect(carolKey).to.match(/^mrk_[A-Za-z0-9_-]{43}$/);
    const acct = await account(carolKey);
    expect(((await acct.json()) as { playerId: string }).playerId).to.equal(carol.playerId);
    const carolRow = page.locator("#admin-api-keys tbody tr", { hasText: "desk" });
    await carolRow.waitFor();
    expect(await carolRow.locator("td").first().innerText()).to.equal("carol");
    expect(await carolRow.innerText()).to.contain("by admin");
    await page.locator("#admin-api-keys").screenshot({ path: join(SHOTS, "admin-api-keys.png") });

    // the admin revokes bob's key: listed as revoked, refused from then on, the key text gone
    await bobRow.locator("button[data-revoke]").click();
    await bobRow.locator("td.status", { hasText: "revoked" }).waitFor();
    expect(await bobRow.locator("button[data-revoke]").count()).to.equal(0);
    expect(await page.locator("#admin-key-text").count()).to.equal(0);
    expect((await account(bobKey.key)).status).to.equal(401);
    expect((await account(carolKey)).status).to.equal(200);
  });
});
