/**
 * examples/market_maker.py (standard library only) runs against the real server: its quotes reach the
 * game's book (seen by a room player), a room player's IOC trades with one, the bot sees the fill on its
 * stream, and its orders are in its order history; it cancels everything when it stops. Pending (with
 * the reason) only on a machine without python3.
 */
import { spawn, spawnSync } from "node:child_process";
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

describe("examples/market_maker.py", function () {
  this.timeout(90_000);
  let h: Harness;
  before(async function () {
    if (spawnSync("python3", ["--version"]).status !== 0) {
      this.test!.parent!.title += " (pending: python3 is not installed on this machine)";
      this.skip();
    }
    h = await harness();
  });

  it("quotes through REST, trades with a room player, sees its fill on the stream and cleans up", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const mm = await join(h, game.joinCode, "py-mm");
    const taker = await join(h, game.joinCode, "taker");
    const made = await api(h, "POST", "/api/v1/keys", { name: "python example" }, mm.token);
    expect(made.status).to.equal(201);
    const key = made.body.key as string;
    const room: Room<any, ClientGameState> = await connect(h, game.gameId, taker.token);
    let out = "";
    let err = "";
    const bot = spawn("python3", ["examples/market_maker.py", "--key", key, "--base", h.base, "--seconds", "5"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout.on("data", (d) => (out += d));
    bot.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => bot.once("exit", (code) => r(code)));
    try {
      const sec = () => room.state.securities.get("1")!;
      await waitFor(() => sec().asks.length > 0 && sec().bids.length > 0, "the bot's two quotes in the room", 30_000);
      // The bot re-quotes every second: take until one IOC meets a quote.
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
      expect(await exited, err).to.equal(0);
      const summary = JSON.parse(out.trim().split("\n").at(-1)!);
      expect(summary.quotes).to.be.at.least(2);
      expect(summary.fills).to.be.at.least(1);
      expect(summary.gaps).to.equal(0);
      expect(summary.errors, err).to.equal(0);
      expect(out).to.match(/fill sell 1 @ \d+ \(maker\)/);

      const auth = { headers: { authorization: `Bearer ${key}` } };
      // Its orders reached the game: in its history, post-only quotes with its clientOrderIds, one filled.
      const history = (await (await fetch(`${h.base}/api/v1/orders?status=history&limit=100`, auth)).json()) as {
        orders: { clientOrderId?: string; status: string }[];
      };
      expect(history.orders.length).to.be.at.least(2);
      for (const o of history.orders) expect(o.clientOrderId).to.match(/^py-mm-\d+-\d+-(buy|sell)$/);
      expect(history.orders.some((o) => o.status === "filled")).to.equal(true);
      // Everything it quoted is cancelled at the end.
      const open = (await (await fetch(`${h.base}/api/v1/orders`, auth)).json()) as { orders: unknown[] };
      expect(open.orders).to.deep.equal([]);
    } finally {
      bot.kill();
      await room.leave().catch(() => {});
    }
  });
});
