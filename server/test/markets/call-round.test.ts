/**
 * A call market round through the real server (HTTP API, Colyseus rooms over WebSockets, the game's
 * writer on Valkey, the persister on PostgreSQL): rules.marketType "call" with a call every 8 s of
 * running time. Orders placed between two calls rest in a crossed book without trading; at the call
 * they trade at one price (computed here from the rule); cash and lots of every player follow; the
 * security stays in call mode after its writer is released and reloaded from Valkey.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, EngineEvent, EventOf, JoinReply, ClientGameState } from "@marketroom/shared";
import { rebuildFromEvents } from "../support/rebuild.ts";
import { api, connect, createGame, harness, join, waitFor, gameLog, until, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
interface Seat {
  join: JoinReply;
  room: R;
}
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;

describe("call market round through the server", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  const events = (g: string): Promise<EngineEvent[]> => gameLog(h, g);
  const auctions = async (g: string) => (await events(g)).filter((e): e is EventOf<"auction"> => e.type === "auction");

  it("orders collect between calls and trade at one price at the call", async () => {
    const game = await createGame(h, { rules: { marketType: "call", call: { everySec: 8 } } as never });
    const g = game.gameId;
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    const seats: Seat[] = [];
    for (const name of ["Ann", "Bob", "Cat"]) {
      const j = await join(h, game.joinCode, name);
      const room = await connect(h, g, j.token);
      open.push(room);
      seats.push({ join: j, room });
    }
    const [a, b, c] = seats as [Seat, Seat, Seat];
    // start right after a call, so the orders below have a whole call period to arrive in
    await until(async () => (await auctions(g)).length >= 1, "the first call");
    const callsBefore = (await auctions(g)).length;

    // a market order cannot wait for a call
    const market = await req(a.room, "place", { securityId: 1, side: "buy", type: "market", tif: "IOC", qty: 1 });
    expect(market).to.include({ ok: false, code: "INVALID_ORDER_TYPE" });
    for (const [s, o] of [
      [a, { side: "buy", price: 103, qty: 5 }],
      [b, { side: "buy", price: 101, qty: 3 }],
      [c, { side: "sell", price: 99, qty: 6 }],
      [c, { side: "sell", price: 102, qty: 2 }],
    ] as const) {
      expect(await req(s.room, "place", { securityId: 1, ...o })).to.include({ ok: true });
    }
    expect((await auctions(g)).length, "a call ran while the orders were placed (machine too slow)").to.equal(
      callsBefore,
    );
    // crossed, and nothing traded
    const sec = () => a.room.state.securities.get("1")!;
    await waitFor(() => sec().bids.length === 2 && sec().asks.length === 2, "the collected book");
    expect(sec().bids[0]!.price).to.be.greaterThan(sec().asks[0]!.price);
    expect(sec().lastPrice).to.equal(0);

    // the next call: demand 8 at 99..101, 5 at 102..103; supply 6 at 99..101, 8 at 102..: 6 lots trade
    // at 99..101 with imbalance 2; the reference 100 is in that range
    const call = await until(async () => (await auctions(g)).find((e) => e.qty > 0), "the call");
    expect(call).to.include({ price: 100, qty: 6, buyQty: 8, sellQty: 6, referencePrice: 100 });
    const fills = (await events(g)).filter((e): e is EventOf<"fill"> => e.type === "fill");
    expect(fills.map((f) => [f.makerPlayerId, f.takerPlayerId, f.price, f.qty])).to.deep.equal([
      [a.join.playerId, c.join.playerId, 100, 5],
      [b.join.playerId, c.join.playerId, 100, 1],
    ]);
    const me = (s: Seat) => s.room.state.players.get(s.join.playerId)!;
    await waitFor(() => me(c).cash === 100_000 + 600 || null, "the call in Cat's room");
    await waitFor(() => sec().lastPrice === 100, "last price 100");
    expect([me(a).cash, me(a).positions.get("1")!.qty, me(a).cashLocked]).to.deep.equal([100_000 - 500, 105, 0]);
    await waitFor(() => me(b).cash === 100_000 - 100 || null, "the call in Bob's room");
    expect([me(b).positions.get("1")!.qty, me(b).cashLocked]).to.deep.equal([101, 2 * 101]);
    expect([me(c).positions.get("1")!.qty, me(c).positions.get("1")!.locked]).to.deep.equal([94, 2]);
    expect(me(b).orders.size).to.equal(1);

    // the writer is released and reloaded from Valkey: the security is still in call mode, so a bid
    // crossing Cat's offer at 102 rests instead of trading
    await h.app.hub.engine.release(g);
    const crossing = await req(a.room, "place", { securityId: 1, side: "buy", price: 102, qty: 1 });
    expect(crossing).to.include({ ok: true });
    expect((crossing as { order?: { filledQty: number; restingQty: number } }).order).to.include({
      filledQty: 0,
      restingQty: 1,
    });
    const info = (await h.app.hub.engine.writer(g)).state!.securities.get(1)!;
    expect(info.mode).to.equal("call");
    expect(info.book.bids.best()!.price).to.equal(102);

    // the log is complete: re-running its commands (calls included) into a new game gives the same events and inventories
    const rebuilt = `${g}-rb`;
    await rebuildFromEvents(h.app.hub.engine, rebuilt, await events(g));
    for (const s of seats) {
      expect(await h.app.hub.engine.inventory(rebuilt, s.join.playerId)).to.deep.equal(
        await h.app.hub.engine.inventory(g, s.join.playerId),
      );
    }
  });
});
