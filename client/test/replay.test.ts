/**
 * The replay view in Debian's Chromium against the shared test server: a round with two players and
 * a trade is played and ended through the real server, then replayed from the player's ended screen.
 * Screenshot: client/test/screenshots/replay.png (gitignored).
 */
import { expect } from "chai";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("replay view (Chromium)", function () {
  this.timeout(60_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const joinAs = b.joinAs;

  const order = b.order;

  /** Moves the timeline's scrubber to `seq` (as a user's drag ends: input, then change). */
  async function scrub(page: Page, seq: number): Promise<void> {
    await page.$eval(
      "#r-range",
      (el, v) => {
        const r = el as HTMLInputElement;
        r.value = String(v);
        r.dispatchEvent(new Event("input", { bubbles: true }));
        r.dispatchEvent(new Event("change", { bubbles: true }));
      },
      seq,
    );
    await page.locator("#r-seq", { hasText: `seq ${seq} /` }).waitFor();
  }

  it("replays a played round: the resting order before the trade, the trade at the last seq", async () => {
    const game = await createGame(h, { name: "Replay class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await joinAs(game.joinCode, "alice");
    const bob = await joinAs(game.joinCode, "bob");
    await order(alice, "sell", "1.01", 10);
    await alice.locator("#order-msg.ok").waitFor();
    await order(bob, "buy", "1.01", 4);
    await bob.locator("#order-msg.ok", { hasText: "filled: bought 4 lots" }).waitFor();
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await bob.locator("#final .final", { hasText: "Final leaderboard" }).waitFor();

    // wait until the persister has stored the whole round (the replay reads PostgreSQL only)
    let s: any = null;
    for (const until = Date.now() + 10_000; !s; await new Promise((r) => setTimeout(r, 100))) {
      const r = await api(h, "GET", `/api/games/${game.gameId}/replay`);
      if (r.status === 200 && r.body.phase === "ended") s = r.body;
      else if (Date.now() > until) throw new Error(`round not persisted: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const { body: page } = await api(h, "GET", `/api/games/${game.gameId}/replay/events?from=1&limit=1000`);
    const rested = page.events.find((e: any) => e.type === "order_rested" && e.side === "sell");
    const fill = page.events.find((e: any) => e.type === "fill");
    expect(rested, "alice's resting sell").to.be.ok;
    expect(fill.seq).to.be.greaterThan(rested.seq);

    // the player's ended screen links to the replay (same tab, same player token)
    await bob.click("#review");
    await bob.locator("#r-seq", { hasText: `seq ${s.lastSeq} / ${s.lastSeq}` }).waitFor();
    await bob.locator("#r-name", { hasText: "Replay class" }).waitFor();

    // before the trade: alice's 10 lots rest at 1.01, the tape is empty
    await scrub(bob, rested.seq);
    await bob.locator("#r-ladder tr.sell[data-price='1.01']", { hasText: "10" }).waitFor();
    await bob.locator("#r-tape", { hasText: "no trades yet" }).waitFor();
    expect(await bob.locator("#r-tape tbody tr.buy").count()).to.equal(0);
    await bob.screenshot({ path: join(SHOTS, "replay-before-trade.png"), fullPage: true });

    // the last seq: the trade is in the tape (bob bought 4 at 1.01), the round-end cancel emptied the book
    await bob.click("#r-end");
    await bob.locator("#r-seq", { hasText: `seq ${s.lastSeq} /` }).waitFor();
    await bob.locator("#r-tape tbody tr.buy", { hasText: "1.01" }).waitFor();
    expect(await bob.locator("#r-tape tbody tr.buy").innerText()).to.match(/1\.01\s+4/);
    await bob.locator("#r-ladder", { hasText: "no asks" }).waitFor();
    await bob.locator("#r-board", { hasText: "bob" }).waitFor();
    await bob.locator("#r-stats", { hasText: "1.01" }).waitFor();
    await bob.waitForTimeout(300); // let the charts draw
    await bob.screenshot({ path: join(SHOTS, "replay.png"), fullPage: true });

    // the admin's games list links to the same replay; the admin sees everyone and follows alice
    const admin = await b.open("/#/admin");
    await admin.fill("#admin-login input[name=token]", h.admin);
    await admin.press("#admin-login input[name=token]", "Enter");
    await admin.click(`#games tr[data-game='${game.gameId}'] a.replay-link`);
    await admin.locator("#r-seq", { hasText: `seq ${s.lastSeq} / ${s.lastSeq}` }).waitFor();
    await admin.locator("#r-board", { hasText: "alice" }).waitFor();
    expect(await admin.locator("#r-board").innerText()).to.match(/bob/);
    const aliceId = s.players.find((p: any) => p.name === "alice").playerId;
    await admin.selectOption("#r-follow", aliceId);
    await admin.locator("#r-player", { hasText: "No open orders" }).waitFor();
    await scrub(admin, rested.seq);
    await admin.locator("#r-ladder tr.sell.own[data-price='1.01'] .mark", { hasText: "●" }).waitFor();
    await admin.locator("#r-player tr.sell", { hasText: "1.01" }).waitFor();
    await admin.waitForTimeout(300);
    await admin.screenshot({ path: join(SHOTS, "replay-admin.png"), fullPage: true });
  });
});
