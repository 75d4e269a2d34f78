/**
 * Debian's Chromium for the client's tests (playwright-core, never a browser download), against the
 * shared test server (server/test/support/harness.ts), which serves client/dist on its own port.
 *
 *   const b = useChromium();   inside a describe: registers its before/after hooks
 *   b.h, b.ctx                 the harness and the browser context (set in the before hook)
 *   b.open(path, viewport?)    a new page at h.base + path, closed after each test
 *   b.joinAs(code, name, vp?)  a player's page: joined by code and name, the account panel shown
 *   b.order(page, side, price, qty)  fills the order form with its keyboard controls, submits with Enter
 *   SHOTS                      client/test/screenshots/ (gitignored), created by the before hook
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { harness, type Harness } from "../../../server/test/support/harness.ts";
// @ts-expect-error plain ESM helper without types
import { CHROMIUM, ensureChromium, ensureClientBuild } from "../../../scripts/lib/browser.mjs";

export const SHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));

/** Flags for a headless run on a machine whose only network is loopback (see the env notes). */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ChromiumSuite {
  h: Harness;
  ctx: BrowserContext;
  open(path: string, viewport?: { width: number; height: number }): Promise<Page>;
  joinAs(code: string, name: string, viewport?: { width: number; height: number }): Promise<Page>;
  order(page: Page, side: "buy" | "sell", price: string, qty: number): Promise<void>;
}

/** Installs Chromium and builds the client if needed, launches one context per suite, closes pages after each test. */
export function useChromium(): ChromiumSuite {
  const pages: Page[] = [];
  let profile = "";
  const suite = {
    async open(path: string, viewport?: { width: number; height: number }): Promise<Page> {
      const page = await suite.ctx.newPage();
      pages.push(page);
      if (viewport) await page.setViewportSize(viewport);
      page.on("pageerror", (err) => {
        process.stderr.write(`[page error] ${err.stack ?? err.message}\n`);
      });
      await page.goto(`${suite.h.base}${path}`);
      return page;
    },
    async joinAs(code: string, name: string, viewport?: { width: number; height: number }): Promise<Page> {
      const page = await suite.open(`/#/?code=${code}`, viewport);
      await page.fill("#join-form input[name=name]", name);
      await page.press("#join-form input[name=name]", "Enter");
      await page.waitForSelector("#my-cash");
      return page;
    },
    async order(page: Page, side: "buy" | "sell", price: string, qty: number): Promise<void> {
      await page.click("body", { position: { x: 5, y: 5 } }).catch(() => {});
      await page.keyboard.press(side === "buy" ? "b" : "s");
      await page.fill("#order-form input[name=price]", price);
      await page.fill("#order-form input[name=qty]", String(qty));
      await page.press("#order-form input[name=qty]", "Enter");
    },
  } as ChromiumSuite;

  before(async function () {
    this.timeout(120_000);
    await ensureChromium();
    await ensureClientBuild();
    mkdirSync(SHOTS, { recursive: true });
    suite.h = await harness();
    profile = mkdtempSync(join(tmpdir(), "marketroom-chromium-"));
    suite.ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1366, height: 900 },
    });
  });

  after(async () => {
    await suite.ctx?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close().catch(() => {})));
  });

  return suite;
}
