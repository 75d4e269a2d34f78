/**
 * The player's page rejoins its game by itself when the server process running the game dies (issue 17;
 * client/src/conn.ts, docs/deploy.md "Failover"): three server processes (PRESENCE=redis), the page
 * served by one that does not run the game, its room on the one that does; kill -9 of that process; the
 * page is back in the game's room (now in another process) and trades, long before the SDK's own
 * reconnection would have given up (15 attempts, up to 5 s apart: about a minute). Real Chromium.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { call, type ServerProcess } from "../../server/test/support/server-process.ts";
import {
  clusterGame,
  connectVia,
  joinAt,
  startCluster,
  until,
  type ClusterUnderTest,
} from "../../server/test/support/cluster.ts";
// @ts-expect-error plain ESM helper without types
import { CHROMIUM, ensureChromium, ensureClientBuild } from "../../scripts/lib/browser.mjs";

describe("browser: the player's page rejoins after its game's process dies", function () {
  this.timeout(240_000);
  let c: ClusterUnderTest;
  let ctx: BrowserContext;
  let profile = "";
  before(async () => {
    await ensureChromium();
    await ensureClientBuild();
    c = await startCluster(3);
    profile = mkdtempSync(join(tmpdir(), "marketroom-chromium-"));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM as string,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
    });
  });
  after(async () => {
    await ctx?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
    await c?.stop();
  });

  it("kill -9 of the room's process: the page is back in the game and trades within seconds", async () => {
    const s0 = c.servers[0]!;
    const game = await clusterGame(s0.base);
    expect((await call(s0.base, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const bob = await joinAt(s0.base, game.joinCode, "bob");
    const bobRoom = await connectVia(s0.base, game.gameId, bob.token); // the game's room runs somewhere now
    const owner = await c.owner(game.gameId);
    const pageAt = c.servers.find((s) => s !== owner) as ServerProcess;

    const page = await ctx.newPage();
    await page.goto(`${pageAt.base}/#/?code=${game.joinCode}`);
    await page.fill("#join-form input[name=name]", "ada");
    await page.press("#join-form input[name=name]", "Enter");
    await page.waitForSelector("#my-cash");
    const inRoom = () =>
      page.evaluate((g) => {
        const room = (window as any).marketroom?.conn?.room;
        return !!room && room.roomId === g && room.connection?.isOpen === true && room.state?.gameId === g;
      }, game.gameId);
    await until(inRoom, "ada's page in the game's room");
    const sessionBefore = await page.evaluate(() => (window as any).marketroom.conn.room.sessionId as string);
    void bobRoom.leave(false).catch(() => {});
    // Past the SDK's minUptime (5 s): a drop now is retried by the SDK itself, not handed to onLeave.
    await until(
      () =>
        page.evaluate(() => {
          const room = (window as any).marketroom.conn.room;
          return Date.now() - room.joinedAtTime > room.reconnection.minUptime + 500;
        }),
      "the page's room past the SDK's minimum uptime",
    );

    const killedAt = Date.now();
    owner.child.kill("SIGKILL");
    await c.owner(game.gameId, owner);
    await until(
      async () =>
        (await inRoom()) &&
        (await page.evaluate((s) => (window as any).marketroom.conn.room.sessionId !== s, sessionBefore)),
      "ada's page back in the game's room, in a new session",
      60_000,
    );
    const backMs = Date.now() - killedAt;
    console.log(`      page back in the game ${backMs} ms after kill -9 of its room's process`);
    expect(backMs).to.be.below(20_000);
    const placed = await page.evaluate(() =>
      (window as any).marketroom.conn.room.request("place", { securityId: 1, side: "buy", price: 90, qty: 1 }),
    );
    expect(placed.ok, JSON.stringify(placed)).to.equal(true);
    await page.close();
  });
});
