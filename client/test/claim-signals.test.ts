/**
 * Automatic private signals of a state-contingent claims round in the student's page (Chromium): at the
 * start each student's "Private signals" panel shows their own clue ("the state is NOT X", naming a claim
 * whose state did not occur) and not the other student's. Screenshot: player-claim-signal.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { api, createGame, type Harness } from "../../server/test/support/harness.ts";
import { SHOTS, useChromium } from "./support/chromium.ts";

describe("browser client: automatic claim signals (Chromium)", function () {
  this.timeout(60_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  it("each student sees their own private clue about the state, and only their own", async () => {
    const symbols = ["RAIN", "SUN", "SNOW"];
    const game = await createGame(h, {
      name: "Weather claims",
      securities: symbols.map((symbol, i) => ({ securityId: i + 1, symbol, refPrice: 50 })),
      endowment: { cash: 10_000, holdings: [1, 2, 3].map((securityId) => ({ securityId, qty: 5 })) },
      rules: { marketType: "contingent", contingent: { payout: 100, seed: "weather" } } as never,
    });
    const ann = await b.joinAs(game.joinCode, "ann");
    const ben = await b.joinAs(game.joinCode, "ben");
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const state = (await api(h, "GET", `/api/games/${game.gameId}/contingent`)).body.state as number;
    for (const [p, name, other] of [
      [ann, "ann", "ben"],
      [ben, "ben", "ann"],
    ] as const) {
      const li = p.locator("#signals li", { hasText: `Private clue for ${name}: the state is NOT` });
      await li.waitFor();
      const text = await li.innerText();
      const named = symbols.findIndex((s) => text.includes(`NOT ${s}.`));
      expect(named, text).to.be.at.least(0);
      expect(named + 1, "a clue never names the state that occurs").to.not.equal(state);
      expect(await p.locator("#signals").innerText()).to.not.contain(`for ${other}`);
    }
    await ann.screenshot({ path: joinPath(SHOTS, "player-claim-signal.png"), fullPage: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });
});
