/**
 * The replay's margin accounts card in Chromium (client/src/replay/margin-accounts.ts, server
 * src/replay/margin.ts): bob goes 5x long 50 ACME at 100.00 against alice's short, a reference shock to
 * 80.00 liquidates him. The admin's replay shows, at the seq before the shock, each account's equity,
 * used and free margin and positions with entry and liquidation price (bob: $1,000.00, $500.00, $500.00,
 * long 50 @ 100.00 → 84.21) and the insurance fund's $10,000.00; at the last seq bob is flat and the fund
 * holds his 30 lots with $7,580.00. Bob's own replay shows his account only; a shared link no account.
 * Screenshot: replay-accounts.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, connect, join, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";
import type { Page } from "playwright-core";

const uid = () => `ra-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe("replay: margin accounts at seq (Chromium)", function () {
  this.timeout(120_000);
  const b = useChromium();
  let h: Harness;
  const rooms: { leave(): Promise<unknown> }[] = [];
  before(() => {
    h = b.h;
  });
  after(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** Moves the replay's scrubber to `seq`. */
  const scrub = (page: Page, seq: number) =>
    page.$eval(
      "#r-range",
      (el, v) => {
        const r = el as HTMLInputElement;
        r.value = String(v);
        r.dispatchEvent(new Event("input", { bubbles: true }));
        r.dispatchEvent(new Event("change", { bubbles: true }));
      },
      seq,
    );

  it("shows equity, used and free margin, entry and liquidation prices and the fund at the chosen seq", async () => {
    const created = await api(h, "POST", "/api/games", {
      gameId: uid(),
      name: "Accounts class",
      rules: { mode: "margin", markRule: "reference", insuranceFund: 1_000_000 },
      securities: [{ securityId: 1, symbol: "ACME", tickSize: "0.01", refPrice: 10_000, initialMarginBps: 1000 }],
      endowment: { cash: 100_000 },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const game = created.body as { gameId: string; joinCode: string };
    const g = game.gameId;
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    const joined = new Map<string, { token: string; playerId: string }>();
    const place = async (name: string, side: "buy" | "sell", price: number, qty: number) => {
      if (!joined.has(name)) joined.set(name, await join(h, game.joinCode, name));
      const room = await connect(h, g, joined.get(name)!.token);
      rooms.push(room);
      const r: any = await room.request("place", { securityId: 1, side, type: "limit", tif: "GTC", price, qty });
      expect(r.ok, JSON.stringify(r)).to.equal(true);
    };
    await place("alice", "sell", 10_000, 50);
    await place("bob", "buy", 10_000, 50);
    await place("carol", "buy", 7_900, 20);
    expect((await api(h, "PUT", `/api/games/${g}/securities/1/reference`, { price: 8000 })).status).to.equal(200);
    await api(h, "POST", `/api/games/${g}/end`);
    let s: any = null;
    for (const until = Date.now() + 15_000; !s; await new Promise((r) => setTimeout(r, 100))) {
      const r = await api(h, "GET", `/api/games/${g}/replay`);
      if (r.status === 200 && r.body.phase === "ended") s = r.body;
      else if (Date.now() > until) throw new Error(`round not persisted: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const { body: page } = await api(h, "GET", `/api/games/${g}/replay/events?from=1&limit=1000`);
    const shock = page.events.find((e: any) => e.type === "reference_price").seq as number;
    const bob = joined.get("bob")!.playerId;

    const admin = await b.open("/#/admin");
    await admin.fill("#admin-login input[name=token]", h.admin);
    await admin.press("#admin-login input[name=token]", "Enter");
    await admin.click(`#games tr[data-game='${g}'] a.replay-link`);
    await admin.locator("#r-seq", { hasText: `seq ${s.lastSeq} / ${s.lastSeq}` }).waitFor();

    // before the shock: every account, bob 5x long with his liquidation price
    await scrub(admin, shock - 1);
    const card = admin.locator(`#r-accounts-card:not([hidden])[data-seq='${shock - 1}']`);
    await card.waitFor();
    expect(await card.locator("#r-fund-cash").innerText()).to.equal("$10,000.00");
    const bobRow = card.locator(`tr[data-player='${bob}']`);
    expect(await bobRow.locator("td.equity").innerText()).to.equal("$1,000.00");
    expect(await bobRow.locator("td.used").innerText()).to.equal("$500.00");
    expect(await bobRow.locator("td.free").innerText()).to.equal("$500.00");
    expect(await bobRow.locator(".position").innerText()).to.match(/^long 50 ACME @ 100\.00 → 84\.21/);
    const aliceRow = card.locator(`tr[data-player='${joined.get("alice")!.playerId}']`);
    expect(await aliceRow.locator(".position").innerText()).to.match(/^short 50 ACME @ 100\.00 → 114\.29/);
    expect(await card.locator("tbody tr").count()).to.equal(3);
    await admin.screenshot({ path: joinPath(SHOTS, "replay-accounts.png"), fullPage: true });

    // at the end: bob liquidated (flat, cash covered), the fund holds his 30 lots
    await scrub(admin, s.lastSeq);
    const end = admin.locator(`#r-accounts-card:not([hidden])[data-seq='${s.lastSeq}']`);
    await end.waitFor();
    expect(await end.locator(`tr[data-player='${bob}'] td:last-child`).innerText()).to.equal("flat");
    expect(await end.locator(".fund").innerText()).to.equal("Insurance fund $7,580.00 · holds long 30 ACME");

    // bob's own replay: his account only
    const mine = await b.open("/");
    await mine.evaluate(
      ([gameId, token, playerId]) =>
        sessionStorage.setItem("marketroom.player", JSON.stringify({ gameId, token, playerId })),
      [g, joined.get("bob")!.token, bob],
    );
    await mine.goto(`${h.base}/#replay/${g}?seq=${shock - 1}`);
    const own = mine.locator(`#r-accounts-card:not([hidden])[data-seq='${shock - 1}']`);
    await own.waitFor();
    expect(await own.locator("tbody tr").count()).to.equal(1);
    expect(await own.locator(`tr[data-player='${bob}'] td.equity`).innerText()).to.equal("$1,000.00");

    // a shared link: the fund, no account
    const link = await api(h, "POST", `/api/games/${g}/replay-links`, {});
    expect(link.status, JSON.stringify(link.body)).to.equal(201);
    const viewer = await b.open(`/#replay/${g}?view=${link.body.token}&seq=${shock - 1}`);
    const shared = viewer.locator(`#r-accounts-card:not([hidden])[data-seq='${shock - 1}']`);
    await shared.waitFor();
    expect(await shared.locator("#r-fund-cash").innerText()).to.equal("$10,000.00");
    expect(await shared.locator("tbody tr").count()).to.equal(0);
  });
});
