/**
 * The order rate limit (GameRules.orderRateLimit) through a real room: place, amend and cancel count,
 * over the limit the command is rejected RATE_LIMITED with retryAfterMs and changes nothing; cancel-all
 * is never limited; the window frees up again; other players and unlimited games are not affected.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

describe("order rate limit", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("3 orders per window: the 4th entry (place, amend or cancel) is RATE_LIMITED, nothing changes, cancel-all still works", async () => {
    // A 5 s window: the three entries fit in it even when a busy machine slows every request down.
    const game = await createGame(h, { rules: { orderRateLimit: { orders: 3, windowMs: 5000 } } });
    expect(game.rules.orderRateLimit).to.deep.equal({ orders: 3, windowMs: 5000 });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    open.push(ra, rb);

    const o1 = await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 5 });
    const o2 = await req(ra, "place", { securityId: 1, side: "buy", price: 91, qty: 5 });
    expect(o1.ok && o2.ok).to.equal(true);
    const id1 = o1.ok ? o1.order!.orderId : 0;
    const id2 = o2.ok ? o2.order!.orderId : 0;
    expect(await req(ra, "amend", { securityId: 1, orderId: id1, qty: 4 })).to.include({ ok: true }); // the 3rd entry
    // Wait for the amend's own patch, not just two orders: the state then shows every accepted entry.
    const mine = () => ra.state.players.get(a.playerId)!;
    await waitFor(
      () => mine().orders.size === 2 && mine().orders.get(`1:${id1}`)?.amount === 4,
      "two orders, the first amended",
    );
    const seq = ra.state.seq;
    const cash = mine().cashLocked;

    const over = await req(ra, "place", { securityId: 1, side: "buy", price: 92, qty: 1, ref: "x" });
    expect(over).to.include({ ok: false, code: "RATE_LIMITED", ref: "x" });
    const retry = (over as { retryAfterMs?: number }).retryAfterMs!;
    expect(retry).to.be.within(1, 5000);
    expect(await req(ra, "amend", { securityId: 1, orderId: id2, qty: 1 })).to.include({
      ok: false,
      code: "RATE_LIMITED",
    });

    // another player has a window of its own; once alice's room shows bob's order (a later event), it has
    // shown anything the refused entries could have caused: nothing but bob's order may have changed
    const ob = await req(rb, "place", { securityId: 1, side: "sell", price: 120, qty: 1 });
    expect(ob).to.include({ ok: true });
    await waitFor(() => ra.state.securities.get("1")?.asks.length, "bob's ask on alice's book");
    expect(ra.state.seq).to.be.greaterThan(seq);
    expect(mine().orders.size).to.equal(2);
    expect(mine().cashLocked).to.equal(cash);
    expect(mine().orders.get(`1:${id2}`)!.amount).to.equal(5);
    // a cancel counts too and is refused; cancel-all always works
    expect(await req(ra, "cancel", { securityId: 1, orderId: id1 })).to.include({ ok: false, code: "RATE_LIMITED" });
    expect(mine().orders.size).to.equal(2);
    expect(await req(ra, "cancel-all", {})).to.include({ ok: true });
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 0, "orders pulled");

    // after the window the player may trade again
    await new Promise((r) => setTimeout(r, retry + 50));
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 93, qty: 1 })).to.include({ ok: true });
    const m = await (await fetch(`${h.base}/metrics`)).text();
    expect(m).to.match(/marketroom_rejects_total\{command="place",code="RATE_LIMITED"\} [1-9]/);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("orderRateLimit null lifts the limit: many orders in a burst all go through", async () => {
    const game = await createGame(h, { rules: { orderRateLimit: null } });
    expect(game.rules.orderRateLimit).to.equal(null);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        req(ra, "place", { securityId: 1, side: "buy", price: 50 + (i % 40), qty: 1 }),
      ),
    );
    expect(replies.every((r) => r.ok)).to.equal(true);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("bots go through the same limit (the hub)", async () => {
    const game = await createGame(h, { rules: { orderRateLimit: { orders: 1, windowMs: 60_000 } } });
    await api(h, "POST", `/api/games/${game.gameId}/bots`, { kind: "noise", count: 1, params: { intervalMs: 20 } });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const until = Date.now() + 30_000; // a deadline for a stuck bot; the loop ends as soon as it has been refused
    let bot: any;
    while (Date.now() < until) {
      bot = (await api(h, "GET", `/api/games/${game.gameId}/bots`)).body.bots[0];
      if (bot.rejected > 0 && (bot.placed > 0 || bot.steps > 5)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(bot.placed).to.be.at.most(1);
    expect(bot.rejected).to.be.greaterThan(0);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });
});
