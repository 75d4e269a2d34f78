/**
 * PrivateFeed against a live GameModel: after random orders, partial fills, amends, cancels and
 * cancel-alls, the private patches flushed tick after tick (each built against the last state sent,
 * reusing what did not change) fold on the client side to exactly the private state built afresh from
 * the model. Real server (hub, engine, Valkey) through the test harness.
 */
import { expect } from "chai";
import { applyPrivatePatch, type EngineEvent, type PrivateView } from "@marketroom/shared";
import { GameModel } from "../../src/game/model.ts";
import { PrivateFeed } from "../../src/rooms/private-feed.ts";
import { fullPatch, privateOf } from "../../src/rooms/private-view.ts";
import { Sequencer } from "../../src/rooms/sequencer.ts";
import { api, createGame, harness, join, type Harness } from "../support/harness.ts";

/** Deterministic PRNG. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

describe("PrivateFeed over a live model", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  // two securities: a player's orders interleave by security in the feed's walk (private-view.ts ordersOf)
  for (const securities of [1, 2])
    it(`patches flushed after each few commands fold to the private state built afresh, for every player (${securities} securities)`, async () => {
      const sids = securities === 1 ? [1] : [1, 2];
      const g = await createGame(h, {
        securities: sids.map((securityId) => ({ securityId, symbol: `S${securityId}`, refPrice: 100 })),
        endowment: { cash: 10_000_000, holdings: sids.map((securityId) => ({ securityId, qty: 500 })) },
        rules: { orderRateLimit: null },
      });
      await api(h, "POST", `/api/games/${g.gameId}/start`);
      const players = (await Promise.all(["p1", "p2", "p3"].map((n) => join(h, g.joinCode, n)))).map((p) => p.playerId);
      const { service } = h.app;
      const hub = service.hub;
      const snap = await service.snapshot(g.gameId);
      const model = GameModel.fromSnapshot(g.gameId, snap);
      const seq = new Sequencer(snap.seq);
      const unsub = hub.subscribe(g.gameId, {
        onEvents: (events: EngineEvent[]) => {
          for (const e of seq.push(events)) model.apply(e);
        },
      });
      const feed = new PrivateFeed();
      const views = new Map<string, PrivateView>();
      const r = rng(7);
      let changedOrders = 0;
      try {
        for (let i = 0; i < 160; i++) {
          const p = players[Math.floor(r() * players.length)]!;
          const open = [...model.openOrders(p).values()];
          const mine = open[Math.floor(r() * open.length)];
          const x = r();
          if (x < 0.6) {
            const side = r() < 0.5 ? "buy" : "sell";
            const price = 100 + Math.floor(r() * 7) - 3;
            const securityId = sids[Math.floor(r() * sids.length)]!;
            await hub.place(g.gameId, p, { securityId, side, price, qty: 1 + Math.floor(r() * 9) });
          } else if (x < 0.75 && mine) await hub.cancel(g.gameId, p, mine.securityId, mine.orderId);
          else if (x < 0.92 && mine) {
            const price = r() < 0.5 ? undefined : mine.price + (r() < 0.5 ? -1 : 1);
            await hub.amend(g.gameId, p, {
              securityId: mine.securityId,
              orderId: mine.orderId,
              qty: Math.max(1, mine.amount - 1),
              ...(price ? { price } : {}),
            });
          } else await hub.cancelAll(g.gameId, p, r() < 0.5 ? undefined : sids[sids.length - 1]);
          if (i % 3 !== 2) continue;
          // a patch tick: every player marked (the diff leaves out what did not change)
          feed.mark(players);
          for (const patch of feed.flush(model)) {
            if (patch.orders?.put) changedOrders += Object.keys(patch.orders.put).length;
            views.set(patch.playerId, applyPrivatePatch(views.get(patch.playerId), patch));
          }
          for (const pid of players) {
            const fresh = applyPrivatePatch(undefined, fullPatch(pid, privateOf(model, pid, undefined)!));
            expect(views.get(pid), `${pid}'s private state after command ${i}`).to.deep.equal(fresh);
          }
        }
      } finally {
        unsub();
      }
      expect(model.broken).to.equal(null);
      expect(changedOrders, "orders changed along the way").to.be.greaterThan(20);
    });
});
