/**
 * The replay of a margin round in Chromium (client/src/replay/margin-events.ts): a reference shock
 * liquidates a leveraged long; the admin's replay shows the margin call, the liquidation order and the
 * insurance fund's takeover as sentences at the seq where they happened, and none before it; the price
 * chart marks the margin call and the liquidation (client/src/replay/chart-markers.ts).
 * Screenshot: replay-margin.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";
import { useTraders } from "./support/traders.ts";

const uid = () => `rm-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe("replay view of a margin round (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });
  const traders = useTraders(b);

  it("shows margin calls, liquidation orders and fund transfers as readable rows", async () => {
    const created = await api(h, "POST", "/api/games", {
      gameId: uid(),
      name: "Crash class",
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000 },
      securities: [{ securityId: 1, symbol: "ACME", tickSize: "0.01", refPrice: 10_000, initialMarginBps: 1000 }],
      endowment: { cash: 100_000 },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const game = created.body as { gameId: string; joinCode: string };
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const place = async (name: string, side: "buy" | "sell", price: number, qty: number) =>
      (await traders.join(game, name))(side, price, qty);
    await place("alice", "sell", 10_000, 50);
    await place("bob", "buy", 10_000, 50); // bob: 50 long at 100.00 with $1,000.00 (5x)
    await place("carol", "buy", 7_900, 20);
    // the reference at 80.00: bob's equity $0.00 < maintenance $200.00: liquidated
    expect((await api(h, "PUT", `/api/games/${game.gameId}/securities/1/reference`, { price: 8000 })).status).to.equal(
      200,
    );
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    let s: any = null;
    for (const until = Date.now() + 15_000; !s; await new Promise((r) => setTimeout(r, 100))) {
      const r = await api(h, "GET", `/api/games/${game.gameId}/replay`);
      if (r.status === 200 && r.body.phase === "ended") s = r.body;
      else if (Date.now() > until) throw new Error(`round not persisted: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const { body: page } = await api(h, "GET", `/api/games/${game.gameId}/replay/events?from=1&limit=1000`);
    const call = page.events.find((e: any) => e.type === "margin_call");
    expect(call, "bob's margin call").to.be.ok;

    const admin = await b.open("/#/admin");
    await admin.fill("#admin-login input[name=token]", h.admin);
    await admin.press("#admin-login input[name=token]", "Enter");
    await admin.click(`#games tr[data-game='${game.gameId}'] a.replay-link`);
    await admin.locator("#r-seq", { hasText: `seq ${s.lastSeq} / ${s.lastSeq}` }).waitFor();
    const card = admin.locator("#r-margin-card:not([hidden])");
    await card.locator("tr.margin-call").waitFor();
    expect(await card.locator("tr.margin-call").innerText()).to.contain(
      "Margin call: bob's equity $0.00 fell below the maintenance margin $200.00",
    );
    expect(await card.locator("tr.liquidation-order").innerText()).to.contain(
      "Liquidation order: bob sells 50 ACME at market",
    );
    // 20 lots sold to carol at 79.00, the other 30 taken by the fund at 80.00, then bob's -$20.00 covered
    const transfers = await card.locator("tr.fund-transfer").allInnerTexts();
    expect(transfers).to.have.length(2);
    expect(transfers[1]).to.contain(
      "Insurance fund: takes over bob's long of 30 ACME at the mark 80.00 ($2,400.00 to bob)",
    );
    expect(transfers[0]).to.contain("Insurance fund: covers bob's negative balance with $20.00.");
    // the price chart marks them: bob's margin call, his liquidation order and the fund's takeover (the cover has no security)
    await admin.locator("#r-chart[data-markers='margin-call:1 liquidation:2']").waitFor();
    await admin.screenshot({ path: joinPath(SHOTS, "replay-margin.png"), fullPage: true });

    // before the shock nothing of it shows
    await admin.$eval(
      "#r-range",
      (el, v) => {
        const r = el as HTMLInputElement;
        r.value = String(v);
        r.dispatchEvent(new Event("input", { bubbles: true }));
        r.dispatchEvent(new Event("change", { bubbles: true }));
      },
      call.seq - 1,
    );
    await admin.locator("#r-margin", { hasText: "No margin calls or liquidations up to this point." }).waitFor();
    await admin.locator("#r-chart[data-markers='']").waitFor();
  });
});
