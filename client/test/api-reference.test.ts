/**
 * The rendered API reference (GET /api/v1/docs, Swagger UI from the server's node_modules) in Chromium:
 * it renders the routes of /api/v1/openapi.json, loads nothing from another origin, and the player's
 * "API keys" panel links to it.
 */
import { expect } from "chai";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { useChromium } from "./support/chromium.ts";

describe("API reference page /api/v1/docs (Chromium)", function () {
  this.timeout(90_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  it("renders every route of the OpenAPI document, served by this server only", async () => {
    const doc = (await (await fetch(`${h.base}/api/v1/openapi.json`)).json()) as { paths: Record<string, object> };
    const requested: string[] = [];
    const page = await b.ctx.newPage();
    page.on("request", (r) => requested.push(r.url()));
    try {
      await page.goto(`${h.base}/api/v1/docs`);
      const placeOrder = page.locator(".opblock-post .opblock-summary-path", { hasText: /^\/api\/v1\/orders$/ });
      await placeOrder.first().waitFor();
      const shown = new Set(
        (await page.locator(".opblock-summary-path").allInnerTexts()).map((t) => t.replace(/\u200b/g, "").trim()),
      );
      for (const path of Object.keys(doc.paths)) expect(shown, `route ${path} rendered`).to.include(path);
      expect(await page.locator(".info .title").innerText()).to.include("marketroom API for programs");
      const foreign = requested.filter((u) => !u.startsWith(h.base) && !u.startsWith("data:"));
      expect(foreign, "requests to other origins").to.deep.equal([]);
    } finally {
      await page.close();
    }
  });

  it("is linked from the player's API keys panel", async () => {
    const game = await createGame(h, { name: "API reference link" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const page = await b.joinAs(game.joinCode, "quant");
    await page.click("#api-keys summary");
    const link = page.locator("#api-keys a", { hasText: "API reference" });
    expect(await link.getAttribute("href")).to.equal("/api/v1/docs");
    const res = await fetch(new URL((await link.getAttribute("href"))!, h.base));
    expect(res.status).to.equal(200);
    expect(await res.text()).to.include("swagger-ui-bundle.js");
  });
});
