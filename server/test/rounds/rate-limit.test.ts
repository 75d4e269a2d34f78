/**
 * The order rate limit (GameRules.orderRateLimit) through a real room: place and amend count, over the
 * limit the command is rejected RATE_LIMITED with retryAfterMs and changes nothing; cancels are never
 * limited; the window frees up again; other players and unlimited games are not affected.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, GameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, GameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

describe("order rate limit", function () {
  this.timeout(20_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => { h = await harness(); });
  afterEach(async () => { await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {}))); });

  it("3 orders per second: the 4th entry is RATE_LIMITED, nothing changes, cancels still work", async () => {
    const game = await createGame(h, { rules: { orderRateLimit: { orders: 3, windowMs: 1000 } } });
    expect(game.rules.orderRateLimit).to.deep.equal({ orders: 3, windowMs: 1000 });
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
    await waitFor(() => ra.state.seq > 0 && ra.state.players.get(a.playerId)!.orders.size === 2, "two orders");
    const seq = ra.state.seq;
    const cash = ra.state.players.get(a.playerId)!.cashLocked;

    const over = await req(ra, "place", { securityId: 1, side: "buy", price: 92, qty: 1, ref: "x" });
    expect(over).to.include({ ok: false, code: "RATE_LIMITED", ref: "x" });
    const retry = (over as { retryAfterMs?: number }).retryAfterMs!;
    expect(retry).to.be.within(1, 1000);
    expect(await req(ra, "amend", { securityId: 1, orderId: id2, qty: 1 })).to.include({ ok: false, code: "RATE_LIMITED" });
    await new Promise((r) => setTimeout(r, 100));
    expect(ra.state.seq).to.equal(seq);
    expect(ra.state.players.get(a.playerId)!.orders.size).to.equal(2);
    expect(ra.state.players.get(a.playerId)!.cashLocked).to.equal(cash);
    expect(ra.state.players.get(a.playerId)!.orders.get(`1:${id2}`)!.amount).to.equal(5);

    // another player has a window of its own
    expect(await req(rb, "place", { securityId: 1, side: "sell", price: 120, qty: 1 })).to.include({ ok: true });
    // cancels are never limited
    expect(await req(ra, "cancel", { securityId: 1, orderId: id1 })).to.include({ ok: true });
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
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => req(ra, "place", { securityId: 1, side: "buy", price: 50 + (i % 40), qty: 1 })));
    expect(replies.every((r) => r.ok)).to.equal(true);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("bots go through the same limit (the hub)", async () => {
    const game = await createGame(h, { rules: { orderRateLimit: { orders: 1, windowMs: 60_000 } } });
    await api(h, "POST", `/api/games/${game.gameId}/bots`, { kind: "noise", count: 1, params: { intervalMs: 20 } });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const until = Date.now() + 5000;
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
