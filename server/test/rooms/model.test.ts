/**
 * The room's state is a replay of the log: a GameModel advanced event by event (batches delivered out
 * of order through the Sequencer) equals a GameModel built from a fresh snapshot after random commands
 * (limit, market, IOC, post-only orders, cancels, amends, cancel-alls) by several players, FIFO P&L
 * included (rebuilt from every fill of the game, from the stream or from PostgreSQL), and the room's own
 * snapshot (the writer's state, a checkpoint taken halfway and the log after it) gives the same model.
 */
import { expect } from "chai";
import { OWN_FILLS_KEPT, type EngineEvent } from "@marketroom/shared";
import { GameModel, type GameSnapshot } from "../../src/game/model.ts";
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

/** Everything a player or a book shows, in comparable form. */
function canon(m: GameModel) {
  const books = [...m.securities.keys()].map((sid) => ({
    sid,
    bids: m.topLevels(sid, "buy", 1000),
    asks: m.topLevels(sid, "sell", 1000),
    trades: m.fold.trades.get(sid) ?? [],
    stats: m.fold.stats.get(sid) ?? null,
  }));
  const players = [...m.players.values()]
    .map((p) => ({
      id: p.playerId,
      cash: p.cash,
      locked: p.cashLocked,
      positions: [...p.positions].filter(([, v]) => v.qty || v.locked || v.openBuy).sort((a, b) => a[0] - b[0]),
      orders: [...m.openOrders(p.playerId).values()],
      fills: m.fold.ownFills.get(p.playerId) ?? [],
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return { seq: m.seq, phase: m.phase, books, players };
}

describe("GameModel replay", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  it("a model fed the events in seq order equals a model rebuilt from a snapshot", async () => {
    const g = await createGame(h, {
      securities: [
        { securityId: 1, symbol: "AAA", refPrice: 100 },
        { securityId: 2, symbol: "BBB", refPrice: 50, scale: 3 },
      ],
      endowment: {
        cash: 10_000_000,
        holdings: [
          { securityId: 1, qty: 200 },
          { securityId: 2, qty: 200 },
        ],
      },
      rules: { stp: "cancel_resting", maxMatches: 3, allowShort: false, protectionBps: 500, orderRateLimit: null },
    });
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const players = await Promise.all(["p1", "p2", "p3"].map((n) => join(h, g.joinCode, n)));
    const { service } = h.app;
    const hub = service.hub;

    const snap0: GameSnapshot = await service.snapshot(g.gameId);
    const live = GameModel.fromSnapshot(g.gameId, snap0);
    const seq = new Sequencer(snap0.seq);
    const held: EngineEvent[][] = [];
    const types = new Map<string, number>();
    const r = rng(42);
    const deliver = (batch: EngineEvent[]) => {
      for (const e of seq.push(batch)) live.apply(e);
    };
    const unsub = hub.subscribe(g.gameId, {
      onEvents: (events) => {
        for (const e of events) {
          const key = e.type === "order_cancelled" ? `cancel:${e.reason}` : e.type;
          types.set(key, (types.get(key) ?? 0) + 1);
        }
        held.push(events);
        if (r() < 0.6) while (held.length) deliver(held.splice(Math.floor(r() * held.length), 1)[0]!);
      },
    });

    for (let i = 0; i < 400; i++) {
      // halfway, the room's checkpoint (game/checkpoints.ts) as its tick would write it
      if (i === 200)
        await service.reads.checkpoints.maybeSave(
          GameModel.fromSnapshot(g.gameId, await service.snapshot(g.gameId)),
          true,
        );
      const p = players[Math.floor(r() * players.length)]!.playerId;
      const sid = r() < 0.6 ? 1 : 2;
      const side = r() < 0.5 ? "buy" : "sell";
      const x = r();
      const open = [...live.openOrders(p).values()];
      const mine = open[Math.floor(r() * open.length)];
      if (x < 0.6) {
        const kind = r();
        const ref = sid === 1 ? 100 : 50;
        const price = ref + Math.floor(r() * 11) - 5;
        const order =
          kind < 0.1
            ? { type: "market" as const, tif: "IOC" as const }
            : kind < 0.2
              ? { tif: "IOC" as const, price }
              : kind < 0.25
                ? { postOnly: true, price }
                : { price };
        await hub.place(g.gameId, p, { securityId: sid, side, qty: 1 + Math.floor(r() * 8), ...order });
      } else if (x < 0.75 && mine) {
        await hub.cancel(g.gameId, p, mine.securityId, mine.orderId);
      } else if (x < 0.92 && mine) {
        const newPrice = r() < 0.5 ? undefined : mine.price + (r() < 0.5 ? -1 : 1);
        await hub.amend(g.gameId, p, {
          securityId: mine.securityId,
          orderId: mine.orderId,
          qty: Math.max(1, mine.amount - 1 + (newPrice ? 2 : 0)),
          ...(newPrice ? { price: newPrice } : {}),
        });
      } else {
        await hub.cancelAll(g.gameId, p, r() < 0.5 ? sid : undefined);
      }
    }
    while (held.length) deliver(held.shift()!);
    unsub();

    const rebuilt = GameModel.fromSnapshot(g.gameId, await service.snapshot(g.gameId));
    expect(live.broken).to.equal(null);
    for (const t of [
      "fill",
      "order_rested",
      "order_amended",
      "cancel:user",
      "cancel:amend",
      "cancel:cancel_all",
      "cancel:ioc",
    ]) {
      expect(types.get(t) ?? 0, `${t} events`).to.be.greaterThan(0);
    }
    expect(live.seq).to.be.greaterThan(snap0.seq + 400);
    expect(canon(live)).to.deep.equal(canon(rebuilt));
    expect(live.leaderboard()).to.deep.equal(rebuilt.leaderboard());
    // The ledgers were rebuilt from every fill, not only the last OWN_FILLS_KEPT of each player.
    const board = live.leaderboard();
    expect(Math.max(...board.map((b) => b.trades))).to.be.greaterThan(OWN_FILLS_KEPT);
    for (const b of board) expect(b.pnl, b.name).to.equal(b.realizedPnl + b.unrealizedPnl - b.fees);
    // The room's own snapshot: the writer's state, the checkpoint and the log after it, the same model.
    const own = await service.snapshot(g.gameId, true);
    expect(own.base?.checkpoint.fold.seq, "a snapshot from the checkpoint").to.be.within(snap0.seq + 1, live.seq - 1);
    expect(own.events[0]?.seq).to.equal(own.base!.checkpoint.fold.seq + 1);
    expect(canon(GameModel.fromSnapshot(g.gameId, own))).to.deep.equal(canon(live));
    expect(GameModel.fromSnapshot(g.gameId, own).leaderboard()).to.deep.equal(board);
    // ... also when the history comes from PostgreSQL (persister drained) rather than the stream.
    await h.persister.drain(g.gameId, live.seq, 10_000);
    expect(GameModel.fromSnapshot(g.gameId, await service.snapshot(g.gameId)).leaderboard()).to.deep.equal(board);
    expect(GameModel.fromSnapshot(g.gameId, await service.snapshot(g.gameId, true)).leaderboard()).to.deep.equal(board);
  });
});
