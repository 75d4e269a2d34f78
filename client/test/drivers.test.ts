/**
 * Market drivers in the browser client (Chromium): the news ticker reaches every player with its
 * shift; a private signal shows only in its recipient's panel.
 */
import { expect } from "chai";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { useChromium } from "./support/chromium.ts";

describe("browser client: news ticker and private signals (Chromium)", function () {
  this.timeout(60_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const joinAs = b.joinAs;

  it("shows headlines to everyone and a signal to its group only", async () => {
    const game = await createGame(h, { name: "News class", groups: ["red", "blue"] });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await joinAs(game.joinCode, "alice"); // red
    const bob = await joinAs(game.joinCode, "bob"); // blue
    const n = await api(h, "POST", `/api/games/${game.gameId}/news`, {
      headline: "ACME recalls its rockets",
      shifts: [{ securityId: 1, bps: -1000 }],
    });
    expect(n.status).to.equal(201);
    for (const p of [alice, bob]) {
      await p.locator("#news .headline.latest", { hasText: "ACME recalls its rockets" }).waitFor();
      expect(await p.locator("#news .shifts").innerText()).to.contain("ACME -10.00 %");
    }
    await api(h, "POST", `/api/games/${game.gameId}/signals`, { group: "red", text: "Rockets fixed by Friday" });
    await alice.locator("#signals li", { hasText: "Rockets fixed by Friday" }).waitFor();
    expect(await alice.locator("#my-group").textContent()).to.equal("group red");
    await bob.waitForTimeout(500);
    expect(await bob.locator("#signals").innerText()).to.contain("No private signals");
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });
});
