/**
 * Rounds in the browser (Chromium): a player joins a session by its code before any round, waits,
 * sees the countdown, plays round 1, and moves to round 2 with "Join next round" as the same player;
 * the admin view shows the session's code and results and creates the next round.
 */
import { expect } from "chai";
import { join } from "node:path";
import { api, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

const round = (name: string) => ({
  name,
  securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
  endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
  durationSec: 600,
});

describe("browser client: rounds and sessions (Chromium)", function () {
  this.timeout(60_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  it("a session player waits for round 1, sees the countdown, then joins the next round as the same player", async () => {
    const s = (await api(h, "POST", "/api/sessions", { name: "Browser session" })).body;
    const page = await b.open(`/#/?code=${s.joinCode}`);
    await page.fill("#join-form input[name=name]", "zoe");
    await page.press("#join-form input[name=name]", "Enter");
    await page.locator("#waiting", { hasText: "zoe" }).waitFor();

    const r1 = (await api(h, "POST", `/api/sessions/${s.sessionId}/rounds`, round("Round one"))).body;
    await page.locator("#my-cash", { hasText: "1,000.00" }).waitFor({ timeout: 8000 });
    await page.locator("#game-name", { hasText: "Round one" }).waitFor();
    await api(h, "POST", `/api/games/${r1.gameId}/start`, { countdownSec: 2 });
    await page.locator("#clock", { hasText: "starts in" }).waitFor();
    await page.locator("#lobby-note", { hasText: "starts at" }).waitFor();
    await page.locator("#phase", { hasText: "running" }).waitFor({ timeout: 5000 });
    await page.locator("#clock", { hasText: "left" }).waitFor();

    await api(h, "POST", `/api/games/${r1.gameId}/end`);
    await page.locator("#final .final", { hasText: "Final leaderboard" }).waitFor();
    expect(await page.locator("#join-next").count()).to.equal(0);
    const r2 = (await api(h, "POST", `/api/sessions/${s.sessionId}/rounds`, round("Round two"))).body;
    await page.locator("#join-next").waitFor();
    await page.screenshot({ path: join(SHOTS, "player-next-round.png") });
    await page.click("#join-next");
    await page.locator("#game-name", { hasText: "Round two" }).waitFor();
    await page.locator("#my-cash", { hasText: "1,000.00" }).waitFor();
    expect((await page.locator("#me").innerText()).trim()).to.equal("zoe");
    const players = (await api(h, "GET", `/api/games/${r2.gameId}`)).body.playerList;
    const p1 = (await api(h, "GET", `/api/games/${r1.gameId}`)).body.playerList;
    expect(players.map((p: any) => p.playerId)).to.deep.equal(p1.map((p: any) => p.playerId));
    await api(h, "POST", `/api/games/${r2.gameId}/end`);
  });

  it("the admin view shows a session round's code and results and creates the next round", async () => {
    const s = (await api(h, "POST", "/api/sessions", { name: "Admin session" })).body;
    const r1 = (await api(h, "POST", `/api/sessions/${s.sessionId}/rounds`, round("Admin session · round 1"))).body;
    await api(h, "POST", "/api/join", { code: s.joinCode, name: "yann" }, null);
    await api(h, "POST", `/api/games/${r1.gameId}/start`);
    await api(h, "POST", `/api/games/${r1.gameId}/end`);
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator(`#games tr[data-game="${r1.gameId}"]`).click();
    await page.locator("#session-code", { hasText: s.joinCode }).waitFor();
    await page.locator("#session-results", { hasText: "yann" }).waitFor();
    await page.click("#next-round");
    await page.locator("#game-head", { hasText: "round 2" }).waitFor();
    const info = (await api(h, "GET", `/api/sessions/${s.sessionId}`)).body;
    expect(info.rounds.map((r: any) => r.round)).to.deep.equal([1, 2]);
    const r2 = info.rounds[1].gameId;
    expect((await api(h, "GET", `/api/games/${r2}`)).body.playerList.map((p: any) => p.name)).to.deep.equal(["yann"]);
    await page.locator("#session-results th", { hasText: "R2" }).waitFor();
    // start with a countdown from the controls
    await page.fill("#countdown", "30");
    await page.click("#controls [data-action=start]");
    await page.locator("#live-clock", { hasText: "starts in" }).waitFor();
    expect((await api(h, "GET", `/api/games/${r2}`)).body.phase).to.equal("lobby");
    await page.screenshot({ path: join(SHOTS, "admin-session.png"), fullPage: true });
    await api(h, "POST", `/api/games/${r2}/end`);
  });
});
