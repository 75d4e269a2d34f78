/**
 * The reference path driver (server/src/rounds/reference-driver.ts) on a real server: in a running margin
 * round the core's reference follows the scenario's path by itself (no admin action), so the mark rule
 * "reference" moves; a cash round of the same scenario gets no reference commands; a news shift that
 * comes before the driver's first poll is not lost.
 */
import { expect } from "chai";
import type { EventOf } from "@marketroom/shared";
import { getScenario } from "../../src/market/scenarios.ts";
import { api, connect, createGame, gameLog, harness, join, waitFor, type Harness } from "../support/harness.ts";

describe("reference path driver", function () {
  this.timeout(90_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("feeds the scenario's path into the core's reference of a margin round, and the mark follows it", async () => {
    const common = { scenario: "crisis-2008", securities: [], endowment: { cash: 1_000_000 } };
    const margin = await createGame(h, { ...common, rules: { mode: "margin", markRule: "reference" } });
    const cash = await createGame(h, common);
    await api(h, "POST", `/api/games/${margin.gameId}/start`);
    await api(h, "POST", `/api/games/${cash.gameId}/start`);
    const p = await join(h, margin.joinCode, "watcher");
    const room = await connect(h, margin.gameId, p.token);
    try {
      const refs = async (g: string) =>
        (await gameLog(h, g)).filter((e): e is EventOf<"reference_price"> => e.type === "reference_price");
      const first = room.state.securities.get("1")!.mark;
      const ofAcme = (events: EventOf<"reference_price">[]) => events.filter((e) => e.securityId === 1);
      let sent: EventOf<"reference_price">[] = [];
      for (const until = Date.now() + 60_000; new Set(ofAcme(sent).map((e) => e.price)).size < 3;) {
        if (Date.now() > until) throw new Error("timed out waiting for three references of the S&P 500");
        await new Promise((r) => setTimeout(r, 100));
        sent = await refs(margin.gameId);
      }
      const path = getScenario("crisis-2008")!.securities.find((s) => s.securityId === 1)!.path;
      for (const e of ofAcme(sent)) expect(path).to.include(e.price);
      // the core's reference is the last one logged (the path may move between the two reads: read again)
      const writer = await h.app.hub.engine.writer(margin.gameId);
      for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
        const logged = ofAcme(await refs(margin.gameId)).at(-1)!.price;
        if (writer.state!.securities.get(1)!.reference === logged) break;
        if (Date.now() > until) expect(writer.state!.securities.get(1)!.reference).to.equal(logged);
      }
      await waitFor(() => room.state.securities.get("1")!.mark !== first, "the room's mark moved with the path");
      expect(await refs(cash.gameId)).to.deep.equal([]);
    } finally {
      await room.leave().catch(() => {});
      await api(h, "POST", `/api/games/${margin.gameId}/end`);
      await api(h, "POST", `/api/games/${cash.gameId}/end`);
    }
  });

  it("a news shift announced right after the start, before the driver's first poll, moves the core's reference", async () => {
    const game = await createGame(h, {
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 10_000 }],
      endowment: { cash: 1_000_000 },
      rules: { mode: "margin", markRule: "reference" },
    });
    const g = game.gameId;
    // both calls return before the first poll (REFERENCE_POLL_MS) on an idle machine; on a busy one the
    // news may come later, which the rule handles alike
    await api(h, "POST", `/api/games/${g}/start`);
    const news = await api(h, "POST", `/api/games/${g}/news`, {
      headline: "gap down",
      shifts: [{ securityId: 1, bps: -2000 }],
    });
    expect(news.status, JSON.stringify(news.body)).to.equal(201);
    try {
      const writer = await h.app.hub.engine.writer(g);
      await waitFor(
        () => writer.state?.securities.get(1)?.reference === 8_000,
        "the core's reference at the shifted path (80.00)",
        30_000,
      );
    } finally {
      await api(h, "POST", `/api/games/${g}/end`);
    }
  });
});
