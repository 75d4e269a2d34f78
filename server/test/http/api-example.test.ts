/**
 * examples/market-maker.ts runs against the real server: it quotes both sides with its API key, gets
 * filled when a room player takes a quote, and cancels its orders when it stops.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";
import { spawnNode } from "../support/server-process.ts";

describe("examples/market-maker.ts", function () {
  this.timeout(90_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("quotes, trades with a room player and cleans up", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const mm = await join(h, game.joinCode, "mm");
    const taker = await join(h, game.joinCode, "taker");
    const made = await api(h, "POST", "/api/v1/keys", { name: "example" }, mm.token);
    expect(made.status).to.equal(201);
    const room: Room<any, ClientGameState> = await connect(h, game.gameId, taker.token);
    try {
      const bot = spawnNode(
        "examples/market-maker.ts",
        ["--key", made.body.key, "--base", h.base, "--seconds", "4", "--spread", "2"],
        {},
      );
      // The bot's ask (ref 100 + 2) shows up in the room; the taker lifts it.
      const sec = () => room.state.securities.get("1")!;
      await waitFor(() => sec().asks.length > 0 && sec().bids.length > 0, "the bot's two quotes", 30_000);
      // The bot re-quotes every second: take again until one IOC meets a quote.
      for (let filled = false; !filled;) {
        const ask = await waitFor(() => sec().asks[0]?.price, "an ask", 30_000);
        const take = (await room.request("place", {
          securityId: 1,
          side: "buy",
          price: ask + 5,
          qty: 1,
          tif: "IOC",
        })) as CommandReply;
        expect(take.ok, JSON.stringify(take)).to.equal(true);
        filled = take.ok && (take.fills?.length ?? 0) > 0;
        if (!filled) await new Promise((r) => setTimeout(r, 100)); // poll interval, not a timing assumption
      }
      const code = await bot.exited;
      expect(code, bot.stderr()).to.equal(0);
      const summary = JSON.parse(bot.stdout().trim().split("\n").at(-1)!);
      expect(summary.quotes).to.be.at.least(2);
      expect(summary.fills).to.be.at.least(1);
      expect(summary.gaps).to.equal(0);
      expect(bot.stdout()).to.match(/fill sell 1 @ \d+ \(maker\)/);
      // Everything it quoted is cancelled at the end.
      const mine = await fetch(`${h.base}/api/v1/orders`, { headers: { authorization: `Bearer ${made.body.key}` } });
      expect(((await mine.json()) as { orders: unknown[] }).orders).to.deep.equal([]);
    } finally {
      await room.leave().catch(() => {});
    }
  });
});
