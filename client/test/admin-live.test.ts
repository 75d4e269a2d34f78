/**
 * The admin view for teachers (Chromium, issue 16): the games list and the bots table update live (no
 * Refresh; the bots' placed orders and fills reach the table while they trade); a session's round shows
 * one code labelled for students; the export buttons download each file of the ended round and a zip of
 * all of them, which parse. Screenshots: admin-live.png, admin-session-code.png.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import type { Page } from "playwright-core";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("admin view: live tables, the students' code, export buttons (Chromium)", function () {
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
    await page.locator("#games").waitFor();
    return page;
  }

  /** Saves the download a click starts; returns its bytes and suggested name. */
  async function download(page: Page, sel: string): Promise<{ name: string; bytes: Buffer }> {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click(sel)]);
    const path = await dl.path();
    return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
  }

  /** Polls an async condition every 100 ms until it holds; throws after `ms`. */
  async function until(fn: () => Promise<boolean>, what: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const num = async (page: Page, sel: string) => Number((await page.locator(sel).innerText()).replace(/,/g, ""));

  it("games list and bots table update live; exports download and parse after the end", async () => {
    const page = await adminPage();
    // created after the page loaded: the list shows it without Refresh
    const game = await createGame(h, {
      name: `Live tables ${Date.now().toString(36)}`,
      bots: [
        { kind: "market_maker", count: 1 },
        { kind: "noise", count: 2 },
      ],
    });
    const row = page.locator(`#games tr[data-game="${game.gameId}"]`);
    await row.waitFor();
    expect(await row.locator(".phase-badge").textContent()).to.equal("lobby");
    await row.click();
    await page.locator("#live-status", { hasText: "connected" }).waitFor();
    await page.locator("#bots tr[data-bot-row]").first().waitFor();
    expect(await page.locator("#bots thead th").allInnerTexts()).to.deep.equal([
      "Bot",
      "Kind",
      "Placed",
      "Cancelled",
      "Rejected",
      "Fills",
      "",
    ]);
    expect(await page.locator("#exports button[data-export]").first().isDisabled()).to.equal(true);

    // started elsewhere (the API): the list's phase follows, and the bots' counts climb
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    await row.locator(".phase-badge", { hasText: "running" }).waitFor();
    const mm = page.locator("#bots tr[data-bot-row]", { hasText: "market_maker" });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#bots tr[data-bot-row] td.placed")].some(
          (td) => Number(td.textContent!.replace(/,/g, "")) > 0,
        ),
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#bots tr[data-bot-row] td.fills")].some(
          (td) => Number(td.textContent!.replace(/,/g, "")) > 0,
        ),
      undefined,
      { timeout: 45_000 },
    );
    // the table's numbers are the server's: never above what GET .../bots and the leaderboard say a moment later
    const mmId = (await mm.getAttribute("data-bot-row"))!;
    const shownPlaced = await num(page, `#bots tr[data-bot-row="${mmId}"] td.placed`);
    const { body } = await api(h, "GET", `/api/games/${game.gameId}/bots`);
    const server = body.bots.find((x: any) => x.playerId === mmId);
    expect(shownPlaced).to.be.at.most(server.placed);
    expect(shownPlaced).to.be.greaterThan(0);
    await page.screenshot({ path: join(SHOTS, "admin-live.png"), fullPage: true });

    // the end: the list says ended, the export buttons open once the results are written
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await row.locator(".phase-badge", { hasText: "ended" }).waitFor();
    await until(
      async () => (await api(h, "GET", `/api/games/${game.gameId}/export/config.json`)).status === 200,
      "the round's results written",
      30_000,
    );
    await page.locator("#exports button[data-export='leaderboard.csv']:not([disabled])").waitFor();

    const lb = await download(page, "#exports button[data-export='leaderboard.csv']");
    expect(lb.name).to.equal(`${game.gameId}-leaderboard.csv`);
    const lines = lb.bytes.toString("utf8").trim().split("\n");
    expect(lines[0]).to.match(/^rank,player_id,name,bot,cash_minor,/);
    expect(lines.length - 1).to.equal(3); // three bots, no humans
    const cfg = await download(page, "#exports button[data-export='config.json']");
    const config = JSON.parse(cfg.bytes.toString("utf8"));
    expect(config).to.include({ format: "marketroom-round-export/1", gameId: game.gameId });
    for (const file of ["orders.csv", "fills.csv", "inventories.csv", "reference.csv"]) {
      const f = await download(page, `#exports button[data-export='${file}']`);
      expect(f.name).to.equal(`${game.gameId}-${file}`);
      expect(f.bytes.toString("utf8").split("\n")[0]).to.match(/^[a-z_]+(,[a-z_0-9]+)+$/);
    }
    const zip = await download(page, "#exports button[data-export='zip']");
    expect(zip.name).to.equal(`${game.gameId}-export.zip`);
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files).sort()).to.deep.equal([
      "config.json",
      "fills.csv",
      "inventories.csv",
      "leaderboard.csv",
      "orders.csv",
      "reference.csv",
    ]);
    expect(strFromU8(files["leaderboard.csv"]!)).to.equal(lb.bytes.toString("utf8"));
    expect(JSON.parse(strFromU8(files["config.json"]!)).gameId).to.equal(game.gameId);
    await page.locator("#admin-msg.ok", { hasText: "export.zip" }).waitFor();
  });

  it("a session's round shows one code for students, labelled, and says what the round's code is for", async () => {
    const s = (await api(h, "POST", "/api/sessions", { name: "Labelled codes" })).body;
    const round = (
      await api(h, "POST", `/api/sessions/${s.sessionId}/rounds`, {
        name: "Labelled codes · round 1",
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
        endowment: { cash: 100_000 },
      })
    ).body;
    const page = await adminPage();
    await page.locator(`#games tr[data-game="${round.gameId}"]`).click();
    await page.locator("#session-code", { hasText: s.joinCode }).waitFor();
    expect(await page.locator(".code.big").count()).to.equal(1);
    const codes = await page.locator("#codes").innerText();
    expect(codes).to.contain(`Students join with the session code ${s.joinCode}`);
    expect(codes).to.contain(
      `This round's own code ${round.joinCode} joins only round 1 (and the session): students do not need it.`,
    );
    expect(await page.locator("#player-link").getAttribute("href")).to.contain(`code=${s.joinCode}`);
    await page.screenshot({ path: join(SHOTS, "admin-session-code.png") });
    await api(h, "POST", `/api/games/${round.gameId}/end`);
  });
});
