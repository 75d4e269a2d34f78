/**
 * The projector per market type (Chromium): a call market shows the countdown to the next call (within
 * the call interval) and the call's price once orders cross and the call runs; a dividend round the
 * period and the fundamental value; contingent claims each claim's chance, and the state only after
 * the end. Screenshot: projector-call.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, connect, createGame, join, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

const secsOf = (t: string) => {
  const [m, s] = t.split(":").map(Number);
  return m! * 60 + s!;
};

describe("projector per market type (Chromium)", function () {
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

  it("call market: the countdown to the next call, then the call's price", async () => {
    const g = await createGame(h, {
      name: "Call class",
      durationSec: 600,
      rules: { marketType: "call", call: { everySec: 6, continuousSec: 0 } } as never,
    });
    const ann = await join(h, g.joinCode, "Ann"),
      ben = await join(h, g.joinCode, "Ben");
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const page = await b.open(`/#/projector/${g.gameId}?code=${g.joinCode}`, { width: 1600, height: 900 });
    await page.locator("#proj-type", { hasText: "Call market" }).waitFor();
    const first = secsOf(await page.locator("#proj-next-call").innerText());
    expect(first).to.be.within(0, 6);
    const ra = await connect(h, g.gameId, ann.token),
      rb = await connect(h, g.gameId, ben.token);
    rooms.push(ra, rb);
    expect(((await rb.request("place", { securityId: 1, side: "sell", price: 99, qty: 2 })) as any).ok).to.equal(true);
    expect(((await ra.request("place", { securityId: 1, side: "buy", price: 103, qty: 2 })) as any).ok).to.equal(true);
    // the call clears the crossed book at one price; the projector shows it
    await page.locator("#proj-call-price").waitFor({ timeout: 30_000 });
    const price = await page.locator("#proj-call-price").innerText();
    expect(["0.99", "1.00", "1.03"]).to.include(price);
    await page.screenshot({ path: joinPath(SHOTS, "projector-call.png") });
    await api(h, "POST", `/api/games/${g.gameId}/end`);
  });

  it("dividends: the period and the fundamental value; contingent claims: chances, the state only after the end", async () => {
    const d = await createGame(h, {
      name: "Div class",
      schedule: { periods: { count: 4, durationSec: 600, breakSec: 0 } },
      rules: { marketType: "dividends", dividends: { values: [0, 8, 28, 60] } } as never,
    });
    await api(h, "POST", `/api/games/${d.gameId}/start`);
    const page = await b.open(`/#/projector/${d.gameId}?code=${d.joinCode}`, { width: 1600, height: 900 });
    await page.locator("#proj-fundamental", { hasText: "0.96" }).waitFor();
    expect(await page.locator("#proj-market").innerText()).to.contain("Period 1 of 4");
    await api(h, "POST", `/api/games/${d.gameId}/end`);

    const c = await createGame(h, {
      name: "Claims class",
      durationSec: 600,
      securities: [
        { securityId: 1, symbol: "YES", refPrice: 50 },
        { securityId: 2, symbol: "NO", refPrice: 50 },
      ],
      rules: { marketType: "contingent", contingent: { payout: 100, weights: [1, 3] } } as never,
    });
    await api(h, "POST", `/api/games/${c.gameId}/start`);
    const p2 = await b.open(`/#/projector/${c.gameId}?code=${c.joinCode}`, { width: 1600, height: 900 });
    await p2.locator("#proj-market", { hasText: "YES 25% · NO 75%" }).waitFor();
    expect(await p2.locator("#proj-state").count()).to.equal(0);
    const state = (await api(h, "GET", `/api/games/${c.gameId}/contingent`)).body.state;
    await api(h, "POST", `/api/games/${c.gameId}/end`);
    await p2.locator("#proj-state", { hasText: state === 1 ? "YES" : "NO" }).waitFor();
  });
});
