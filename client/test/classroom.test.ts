/**
 * Classroom screens (Chromium, issue 16): the projector page shows the big join code, the clock and phase,
 * a price chart and the leaderboard, joined as an observer, so no player's cash, orders or fills reach it
 * (checked on the page's room state and text); a round without observers says so. The one-page results
 * report shows the settings, the leaderboard, a chart per security with the fills count and volume and the
 * per-player table, and prints to a 1-2 page PDF (page.pdf(), pages counted from the PDF's page objects;
 * report-print.png is the print stylesheet at A4 width, to look at). The student's own board shows bots apart and the course points.
 * Screenshots: projector.png, report.png, report-print.png, report.pdf, student-points.png.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join as joinPath } from "node:path";
import type { Page } from "playwright-core";
import { api, connect, createGame, join, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("classroom screens: projector and results report (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });
  const rooms: { leave(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** A running round where ann buys 3 from ben at 1.01 (ben's cash and order are private). */
  async function tradedRound(name: string, extra: Record<string, unknown> = {}) {
    const g = await createGame(h, { name, durationSec: 600, ...extra });
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const ann = await join(h, g.joinCode, "Ann Student");
    const ben = await join(h, g.joinCode, "Ben Student");
    const ra = await connect(h, g.gameId, ann.token),
      rb = await connect(h, g.gameId, ben.token);
    rooms.push(ra, rb);
    expect(
      ((await rb.request("place", { securityId: 1, side: "sell", price: 101, qty: 5, tif: "GTC" })) as any).ok,
    ).to.equal(true);
    expect(
      ((await ra.request("place", { securityId: 1, side: "buy", price: 101, qty: 3, tif: "IOC" })) as any).ok,
    ).to.equal(true);
    // a second resting order of ben's: private, must not show on the projector as his
    expect(
      ((await rb.request("place", { securityId: 1, side: "sell", price: 107, qty: 2, tif: "GTC" })) as any).ok,
    ).to.equal(true);
    return { g, ann, ben };
  }

  it("the projector shows the join code, the clock and the leaderboard, and no private data", async () => {
    const { g, ann, ben } = await tradedRound("Projector class");
    const page = await b.open(`/#/projector/${g.gameId}?code=${g.joinCode}`, { width: 1600, height: 900 });
    await page.locator("#proj-code", { hasText: g.joinCode }).waitFor();
    await page.locator("#proj-board tr[data-player]", { hasText: "Ann Student" }).waitFor();
    await page.locator("#proj-clock", { hasText: /\d+:\d\d left/ }).waitFor();
    expect(await page.locator("#proj-phase").textContent()).to.equal("running");
    expect(await page.locator(".proj-sec .proj-chart canvas").count()).to.be.greaterThan(0);
    const codeSize = await page.locator("#proj-code").evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(codeSize, "join code font size, px").to.be.at.least(64);
    // ann (bought at 1.01, marked at 1.01) and ben are ranked; the leaderboard is public
    const ranks = await page.locator("#proj-board tr[data-player] td:first-child").allInnerTexts();
    expect(ranks).to.deep.equal(["1", "2"]);

    // No private data: the page's room state carries no player's cash, orders or fills, and the page text
    // has no cash figure of a player (ann's cash 996.97 and ben's 1,003.03).
    const priv = await page.evaluate(() => document.body.innerText);
    expect(priv).not.to.contain("996.97");
    expect(priv).not.to.contain("1,003.03");
    const own = await connect(h, g.gameId, ben.token);
    rooms.push(own);
    expect(own.state.players.get(ben.playerId)!.orders.size, "ben has a private resting order").to.equal(2);
    const obs = await connect(h, g.gameId, undefined, { observer: true });
    rooms.push(obs);
    for (const pid of [ann.playerId, ben.playerId]) {
      const p: any = obs.state.players.get(pid);
      expect(p.cash ?? 0, `${pid} cash seen by an observer`).to.equal(0);
      expect(p.orders?.size ?? 0, `${pid} orders seen by an observer`).to.equal(0);
      expect(p.fills?.length ?? 0, `${pid} fills seen by an observer`).to.equal(0);
    }
    await page.screenshot({ path: joinPath(SHOTS, "projector.png") });
    // a 1280-wide projector: the leaderboard stays inside its card and the page does not scroll sideways
    await page.setViewportSize({ width: 1280, height: 720 });
    const fit = await page.evaluate(() => ({
      table: document.querySelector("#proj-board table")!.getBoundingClientRect().right,
      card: document.querySelector("#proj-board")!.getBoundingClientRect().right,
      page: document.documentElement.scrollWidth - window.innerWidth,
    }));
    expect(fit.table, "leaderboard's right edge").to.be.at.most(fit.card + 0.5);
    expect(fit.page, "page wider than the screen by").to.equal(0);
    await api(h, "POST", `/api/games/${g.gameId}/end`);

    const closed = await createGame(h, { name: "No observers", allowObservers: false });
    const p2 = await b.open(`/#/projector/${closed.gameId}?code=${closed.joinCode}`);
    await p2.locator("#proj-msg", { hasText: "does not allow observers" }).waitFor();
  });

  it("the student's board lists bots apart and shows the course points", async () => {
    const g = await createGame(h, {
      name: "Points class",
      rules: { coursePoints: { base: 5, per: 100, min: 0, max: 10 } } as any,
      bots: [{ kind: "noise", count: 1, securityIds: [1], params: {} }],
    });
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const ann = await b.joinAs(g.joinCode, "ann");
    await ann.locator("#leaderboard tr.bots-apart", { hasText: "Bots (not ranked)" }).waitFor();
    expect(await ann.locator("#leaderboard tr.unranked td:first-child").first().innerText()).to.equal("–");
    await ann.locator("#my-points").waitFor();
    expect(await ann.locator("#points-rule").innerText()).to.contain("1 per 1.00 of P&L");
    expect(await ann.locator("#my-rank").innerText()).to.equal("1 of 1");
    expect(await ann.locator("#leaderboard tr.unranked td.points").innerText(), "bots get no points").to.equal("–");
    // the narrow card fits: no horizontal scrolling of the page
    expect(await ann.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
    await ann.screenshot({ path: joinPath(SHOTS, "student-points.png"), fullPage: true });
    await api(h, "POST", `/api/games/${g.gameId}/end`);
  });

  it("the report of a round still running says it is ready once the round has ended, and asks for no export", async () => {
    const g = await createGame(h, { name: "Unfinished class" });
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const page: Page = await b.open("/#/admin");
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator(`a.report-link[href="#/report/${g.gameId}"]`).click();
    const note = page.locator("#rep-not-ended");
    await note.waitFor();
    expect(await note.innerText()).to.match(/Unfinished class is ready once the round has ended \(it is running now\)/);
    expect(failed).to.deep.equal([]);
    await api(h, "POST", `/api/games/${g.gameId}/end`);
  });

  it("the results report: settings, leaderboard, a chart per security, the players; prints on 1-2 pages", async () => {
    const { g } = await tradedRound("Report class");
    const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
    expect(end.status).to.equal(200);
    const page: Page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator(`a.report-link[href="#/report/${g.gameId}"]`).click();
    await page.locator(".rep-page h1", { hasText: "Report class" }).waitFor();
    expect(await page.locator(".rep-settings").innerText()).to.match(/ranked by P&L/);
    expect(await page.locator(".rep-sec[data-sec='1'] .rep-fills").textContent()).to.equal("1 fills");
    expect(await page.locator(".rep-sec[data-sec='1'] .rep-volume").textContent()).to.equal("3 lots");
    expect(await page.locator(".rep-sec[data-sec='1'] path.trade-line").count()).to.equal(1);
    expect(await page.locator(".rep-sec[data-sec='1'] path.ref-line").count()).to.equal(1);
    expect(await page.locator(".rep-players tbody tr").count()).to.equal(2);
    await page.screenshot({ path: joinPath(SHOTS, "report.png"), fullPage: true });
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("#rep-print").isVisible(), "the Print button is not printed").to.equal(false);
    const pdfPath = joinPath(SHOTS, "report.pdf");
    await page.pdf({ path: pdfPath, format: "A4", printBackground: true });
    const pages = (readFileSync(pdfPath, "latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages, "PDF pages").to.be.within(1, 2);
    // The printed layout to look at (pdftoppm is not installed here): the print stylesheet at A4 width.
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.screenshot({ path: joinPath(SHOTS, "report-print.png"), fullPage: true });
  });
});
