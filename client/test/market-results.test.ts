/**
 * The results report of the classroom market types (Chromium): an induced-value round shows the supply
 * and demand curves, the equilibrium, the surplus and the efficiency the API computed (which the server
 * test checks against values computed independently); a dividend round draws the fundamental value as
 * the price chart's dashed line. Screenshots: report-induced.png, report-dividends.png.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { join as joinPath } from "node:path";
import { api, connect, createGame, join, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("classroom market types in the results report (Chromium)", function () {
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

  async function report(gameId: string): Promise<Page> {
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator(`a.report-link[href="#/report/${gameId}"]`).click();
    await page.locator(".rep-page h1").waitFor();
    return page;
  }

  it("induced values: supply and demand curves, equilibrium, surplus and efficiency", async () => {
    const g = await createGame(h, {
      name: "Induced class",
      durationSec: 600,
      rules: {
        marketType: "induced",
        induced: { units: 3, values: { min: 100, max: 200 }, costs: { min: 20, max: 120 }, seed: "rep" },
      } as never,
    });
    const ps = [];
    for (const n of ["Ann", "Bob", "Cat", "Dan"]) ps.push(await join(h, g.joinCode, n));
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const [a, bo, c, d] = await Promise.all(ps.map((p) => connect(h, g.gameId, p.token)));
    rooms.push(a!, bo!, c!, d!);
    expect(((await bo!.request("place", { securityId: 1, side: "sell", price: 110, qty: 2 })) as any).ok).to.equal(
      true,
    );
    expect(((await a!.request("place", { securityId: 1, side: "buy", price: 110, qty: 2 })) as any).ok).to.equal(true);
    expect(((await d!.request("place", { securityId: 1, side: "sell", price: 100, qty: 1 })) as any).ok).to.equal(true);
    expect(((await c!.request("place", { securityId: 1, side: "buy", price: 100, qty: 1 })) as any).ok).to.equal(true);
    expect((await api(h, "POST", `/api/games/${g.gameId}/end`)).status).to.equal(200);
    const view = (await api(h, "GET", `/api/games/${g.gameId}/induced`)).body;
    expect(view.realized).to.not.equal(0);

    const page = await report(g.gameId);
    await page.locator("#rep-induced").waitFor();
    expect(await page.locator("#rep-induced path.demand-line").count()).to.equal(1);
    expect(await page.locator("#rep-induced path.supply-line").count()).to.equal(1);
    expect(await page.locator("#rep-efficiency").innerText()).to.equal(`${(view.efficiencyBps / 100).toFixed(2)}%`);
    expect(await page.locator(".rep-surplus tbody tr").count()).to.equal(4);
    // the per-period table: one period here, 3 units at (2 x 110 + 100) / 3 = 106.67 -> 107 minor units
    expect(view.periods[0]).to.include({ period: 1, traded: 3, turnover: 320, avgPrice: 107 });
    const cells = await page.locator("#rep-periods tbody tr[data-period='1'] td").allInnerTexts();
    expect(cells[1]).to.equal("3");
    expect(cells[5]).to.equal(`${(view.periods[0].efficiencyBps / 100).toFixed(2)}%`);
    expect(await page.locator("#rep-periods tbody tr").count()).to.equal(1);
    expect(await page.locator(".rep-surplus tbody tr", { hasText: "Ann" }).innerText()).to.contain("buyer");
    await page.screenshot({ path: joinPath(SHOTS, "report-induced.png"), fullPage: true });
  });

  it("induced values: each student's page shows their own role, values or costs, units traded and surplus", async () => {
    const g = await createGame(h, {
      name: "Induced panel",
      durationSec: 600,
      rules: {
        marketType: "induced",
        induced: { units: 2, values: { min: 150, max: 250 }, costs: { min: 10, max: 90 }, seed: "panel" },
      } as never,
    });
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const ann = await b.joinAs(g.joinCode, "Ann");
    const ben = await b.joinAs(g.joinCode, "Ben");
    const view = (await api(h, "GET", `/api/games/${g.gameId}/induced`)).body;
    const [sa, sb] = view.schedules;
    const money = (v: number) => (v / 100).toFixed(2);
    await ann.locator("#my-role", { hasText: "buyer" }).waitFor();
    expect(await ann.locator(".induced-units li").allInnerTexts()).to.deep.equal(sa.units.map(money));
    await ben.locator("#my-role", { hasText: "seller" }).waitFor();
    expect(await ben.locator(".induced-units li").allInnerTexts()).to.deep.equal(sb.units.map(money));
    // Ben sells one unit to Ann at 1.20 through the order form; both panels follow
    await b.order(ben, "sell", "1.20", 1);
    await b.order(ann, "buy", "1.20", 1);
    await ann.locator("#my-traded", { hasText: "1" }).waitFor({ timeout: 20_000 });
    expect(await ann.locator("#my-surplus").innerText()).to.equal(`+${money(sa.units[0] - 120)}`);
    await ben.locator("#my-traded", { hasText: "1" }).waitFor({ timeout: 20_000 });
    expect(await ben.locator("#my-surplus").innerText()).to.equal(`+${money(120 - sb.units[0])}`);
    await ann.screenshot({ path: joinPath(SHOTS, "player-induced.png"), fullPage: true });
    await api(h, "POST", `/api/games/${g.gameId}/end`);
  });

  it("dividends: the fundamental value is the price chart's dashed line", async () => {
    const g = await createGame(h, {
      name: "Dividend class",
      schedule: { periods: { count: 3, durationSec: 600, breakSec: 0 } },
      rules: { marketType: "dividends", dividends: { values: [0, 8, 28, 60] } } as never,
    });
    const ann = await join(h, g.joinCode, "Ann"),
      ben = await join(h, g.joinCode, "Ben");
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const ra = await connect(h, g.gameId, ann.token),
      rb = await connect(h, g.gameId, ben.token);
    rooms.push(ra, rb);
    expect(((await rb.request("place", { securityId: 1, side: "sell", price: 70, qty: 2 })) as any).ok).to.equal(true);
    expect(((await ra.request("place", { securityId: 1, side: "buy", price: 70, qty: 2 })) as any).ok).to.equal(true);
    expect((await api(h, "POST", `/api/games/${g.gameId}/end`)).status).to.equal(200);
    const page = await report(g.gameId);
    await page.locator("#rep-dividends").waitFor();
    // 3 periods of {0, 8, 28, 60}: 0.72, 0.48, 0.24 per share
    expect(await page.locator("#rep-dividends").innerText()).to.contain("0.72, 0.48, 0.24");
    expect(await page.locator(".rep-sec[data-sec='1'] path.ref-line").count()).to.equal(1);
    expect(await page.locator(".rep-sec[data-sec='1'] .legend").innerText()).to.contain("fundamental value");
    await page.screenshot({ path: joinPath(SHOTS, "report-dividends.png"), fullPage: true });
  });
});
