/**
 * The browser client in Debian's Chromium (playwright-core, never a browser download), against the
 * shared test server (server/test/support/harness.ts), which serves client/dist on its own port.
 * Screenshots of every run go to client/test/screenshots/ (gitignored).
 */
import { expect } from "chai";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("browser client (Chromium)", function () {
  this.timeout(60_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const open = (path: string, viewport?: { width: number; height: number }) => b.open(path, viewport);

  const joinAs = b.joinAs;

  const order = b.order;

  const text = (page: Page, sel: string) => page.locator(sel).innerText();

  it("two players: a resting order, a taker, the trade in both tapes, cash and holdings change; reload reconnects", async () => {
    const game = await createGame(h, { name: "Browser class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await joinAs(game.joinCode, "alice");
    const bob = await joinAs(game.joinCode, "bob");
    for (const p of [alice, bob]) {
      await p.locator("#my-cash", { hasText: "1,000.00" }).waitFor();
      await p.locator("#positions tr[data-sym=ACME] .holding", { hasText: "100" }).waitFor();
    }

    await order(alice, "sell", "1.01", 10);
    await alice.locator("#order-msg.ok").waitFor();
    await bob.locator("#ladder tr.sell[data-price='1.01']").waitFor();
    await alice.locator("#ladder tr.sell.own[data-price='1.01'] .mark", { hasText: "●" }).waitFor();
    await alice.locator("#orders tr.sell button.cancel").waitFor();

    await order(bob, "buy", "1.01", 4);
    await bob.locator("#order-msg.ok", { hasText: "filled: bought 4 lots" }).waitFor();
    for (const p of [alice, bob]) {
      await p.locator("#tape tbody tr.buy", { hasText: "1.01" }).first().waitFor();
      expect(await text(p, "#tape tbody tr.buy")).to.match(/1\.01\s+4/);
      await p.locator("#stats", { hasText: "1.01" }).waitFor();
    }
    await alice.locator("#my-cash", { hasText: "1,004.04" }).waitFor();
    await bob.locator("#my-cash", { hasText: "995.96" }).waitFor();
    await alice.locator("#positions tr[data-sym=ACME] .holding", { hasText: "96" }).waitFor();
    await bob.locator("#positions tr[data-sym=ACME] .holding", { hasText: "104" }).waitFor();
    await alice.locator("#fills tr.sell", { hasText: "maker" }).waitFor();
    // P&L against the opening reference (1.00): alice sold 4 starting lots at 1.01 (realized) and marks 96 at 1.01
    await alice.locator("#my-pnl", { hasText: "+1.00" }).waitFor();
    expect(await text(alice, "#my-realized")).to.equal("+0.04");
    expect(await text(alice, "#my-unrealized")).to.equal("+0.96");
    expect(await text(alice, "#my-fees")).to.equal("0.00");
    expect(await text(alice, "#my-trades")).to.equal("1");
    await bob.locator("#my-unrealized", { hasText: "+1.00" }).waitFor();
    const own = alice.locator("#leaderboard tr.own");
    expect(
      (await own.innerText())
        .split(/\t/)
        .map((c) => c.trim())
        .slice(2),
    ).to.deep.equal(["1,101.00", "+1.00", "1"]);
    expect(await own.getAttribute("title")).to.equal("realized +0.04, unrealized +0.96, fees 0.00");
    await alice.locator("#ladder tr.sell.own[data-price='1.01']", { hasText: "6" }).waitFor();
    await alice.waitForTimeout(300); // let the charts draw
    await alice.screenshot({ path: join(SHOTS, "player-alice-after-trade.png"), fullPage: true });
    await bob.screenshot({ path: join(SHOTS, "player-bob-after-trade.png"), fullPage: true });

    // reload: the tab keeps its token (sessionStorage) and says it reconnected
    await alice.reload();
    await alice.locator("#conn.reconnected").waitFor();
    await alice.locator("#my-cash", { hasText: "1,004.04" }).waitFor();

    // one-click cancel empties the book side
    await alice.locator("#orders button.cancel").first().click();
    await alice.locator("#order-msg.ok", { hasText: "cancelled" }).waitFor();
    await bob.locator("#ladder", { hasText: "no asks" }).waitFor();

    // the round ends: the final leaderboard
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    for (const p of [alice, bob]) await p.locator("#final .final", { hasText: "Final leaderboard" }).waitFor();
    expect(await text(bob, "#final"))
      .to.match(/alice/)
      .and.to.match(/bob/);
    // the final table has every P&L column (nothing changed after the trade: same marks)
    const cells = (await alice.locator("#final tr.own td").allInnerTexts()).map((c) => c.trim());
    expect(cells.slice(2)).to.deep.equal(["1,101.00", "+1.00", "+0.04", "+0.96", "0.00", "1"]);
    await bob.screenshot({ path: join(SHOTS, "player-bob-ended.png") });
  });

  it("a rejected order shows its reason next to the form (phone width)", async () => {
    const game = await createGame(h, { name: "Reject class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const carol = await joinAs(game.joinCode, "carol", { width: 390, height: 844 });
    await order(carol, "buy", "1.00", 5000); // 5,000 x 1.00 = 5,000.00 > 1,000.00 cash
    const msg = carol.locator("#order-msg.reject");
    await msg.waitFor();
    expect(await msg.innerText()).to.contain("INSUFFICIENT_FUNDS");
    await order(carol, "sell", "1.005", 1); // off the tick grid: caught before sending
    await carol.locator("#order-msg.reject", { hasText: "tick size" }).waitFor();
    await order(carol, "buy", "1.00", 5000);
    await carol.locator("#order-msg.reject", { hasText: "INSUFFICIENT_FUNDS" }).waitFor();
    await carol.screenshot({ path: join(SHOTS, "player-phone-reject.png"), fullPage: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("a player's screen in a continuous round asks nothing it cannot have: no 4xx, no console error, no induced-values request", async () => {
    const game = await createGame(h, { name: "Quiet console class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const page = await b.ctx.newPage(); // listening before the first load: the favicon is asked for then
    try {
      const asked: string[] = [];
      const failed: string[] = [];
      page.on("request", (r) => asked.push(new URL(r.url()).pathname));
      page.on("response", (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
      });
      page.on("console", (m) => {
        if (m.type() === "error") failed.push(`console: ${m.text()}`);
      });
      await page.goto(`${h.base}/#/?code=${game.joinCode}`);
      const instructions = page.waitForResponse((r) => r.url().endsWith("/instructions"));
      await page.fill("#join-form input[name=name]", "dora");
      await page.press("#join-form input[name=name]", "Enter");
      await page.waitForSelector("#my-cash");
      await instructions;
      // the screen's start-up requests go out together; by the instructions' answer each has been asked
      expect(asked.filter((p) => p.endsWith("/induced"))).to.deep.equal([]);
      expect(failed).to.deep.equal([]);
    } finally {
      await page.close();
    }
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("the admin page creates a round and starts it", async () => {
    const page = await open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator("#scenario option").first().waitFor({ state: "attached" });
    const name = `Admin round ${Date.now().toString(36)}`;
    await page.fill("#create-form input[name=name]", name);
    await page.fill("#create-form input[name=bots_market_maker]", "1");
    await page.fill("#create-form input[name=bots_noise]", "0");
    await page.fill("#create-form input[name=bots_momentum]", "0");
    await page.click("#create");
    await page.locator("#game-head", { hasText: name }).waitFor();
    const code = (await text(page, "#join-code")).trim();
    expect(code).to.match(/^[A-Z0-9]{4,16}$/);
    await page.locator("#live-status", { hasText: "connected" }).waitFor();
    await page.click("#controls [data-action=start]");
    await page.locator("#game-phase", { hasText: "running" }).waitFor();
    const { body } = await api(h, "GET", "/api/games?limit=50");
    const game = body.games.find((g: any) => g.joinCode === code);
    expect(game).to.include({ name, phase: "running" });
    await page.locator("#market tbody tr").first().waitFor();
    await page.locator("#players", { hasText: "bot" }).waitFor();
    await page.locator("#board table.board th", { hasText: "Unrealized" }).waitFor();
    expect(await page.locator("#board table.board thead th").allInnerTexts()).to.deep.equal([
      "#",
      "Name",
      "Equity",
      "P&L",
      "Realized",
      "Unrealized",
      "Fees",
      "Trades",
    ]);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, "admin-running.png"), fullPage: true });
    // a player of that round, for a screenshot with a live scenario market
    const dave = await joinAs(code, "dave");
    await dave.waitForTimeout(1500);
    await dave.screenshot({ path: join(SHOTS, "player-scenario.png"), fullPage: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });
});
