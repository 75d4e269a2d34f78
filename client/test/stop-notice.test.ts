/**
 * The stop notice in Chromium against the real server (docs/margin.md "Protocol", `stopTriggers`;
 * client/src/margin-notices.ts): a player's stop-loss triggers on a trade of other players, and the
 * player's screen says so at once in plain words (kind, price reached, stop price, the order sent);
 * the Close button hides it. Screenshot: stop-notice.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";
import { useTraders } from "./support/traders.ts";

const uid = () => `sn-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe("browser client: stop notice (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });
  const traders = useTraders(b);

  it("tells the player at once when their stop-loss triggers, and closes on request", async () => {
    const r = await api(h, "POST", "/api/games", {
      gameId: uid(),
      name: "Stops class",
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000 },
      securities: [{ securityId: 1, symbol: "ACME", tickSize: "0.01", refPrice: 10_000, initialMarginBps: 1000 }],
      // $10,000.00 each: bob's equity covers the market sell's worst price (the margin check's adverse price)
      endowment: { cash: 1_000_000 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const game = r.body as { gameId: string; joinCode: string };
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const maker = await traders.join(game, "maker");
    await maker("sell", 10_000, 50);

    const bob = await b.joinAs(game.joinCode, "bob");
    await b.order(bob, "buy", "100.00", 50);
    await bob.locator("#order-msg.ok", { hasText: "filled" }).waitFor();
    const exits = bob.locator("form[data-exits='1']");
    await exits.locator("input[name=stopLoss]").fill("95.00");
    await exits.locator("button[type=submit]").click();
    await bob.locator("#order-msg.ok", { hasText: "Stop-loss set on ACME" }).waitFor();
    expect(await bob.locator("#stop-note").isHidden()).to.equal(true);

    // Others trade at 94.00: the last trade reaches bob's stop at 95.00, his 50 lots are sold at market.
    const buyer = await traders.join(game, "buyer");
    await buyer("buy", 9_400, 60);
    const seller = await traders.join(game, "seller");
    await seller("sell", 9_400, 1);

    const note = bob.locator("#stop-note:not([hidden])");
    await note.waitFor();
    expect(await note.innerText()).to.contain(
      "Your stop-loss on ACME triggered: the price reached 94.00 (stop 95.00), so an order to sell 50 lots was sent to the market.",
    );
    await bob.locator("#m-positions tr.m-pos[data-sym=ACME]").waitFor({ state: "detached" });
    await bob.screenshot({ path: joinPath(SHOTS, "stop-notice.png") });

    await bob.click("#stop-note-close");
    await bob.locator("#stop-note").waitFor({ state: "hidden" });
  });
});
