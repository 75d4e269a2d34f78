/**
 * loadGame (server/src/engine/load.ts) against the shared test Valkey: it returns exactly what the
 * commits wrote, resting orders in price-time priority, across readOrders pages.
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import { claimGame, commitBatch, type KeyOp } from "../../src/engine/commit.ts";
import { loadGame, unpackOrder } from "../../src/engine/load.ts";
import { CommitFlow, rng, type FlowCommand } from "../support/commit-flow.ts";
import { expectLoadedEqualsFlow, sideOf } from "../support/commit-check.ts";
import { connect, newGameId } from "./helpers.ts";

/** Commits commands in batches of `size` straight through commitBatch. */
async function commitAll(
  client: Redis,
  g: string,
  epoch: number,
  flow: CommitFlow,
  make: () => FlowCommand,
  count: number,
  size = 128,
) {
  for (let done = 0; done < count;) {
    const before = flow.seq;
    const events: string[] = [];
    const ops: KeyOp[] = [];
    for (let i = 0; i < size && done < count; i++, done++) {
      const cmd = make();
      events.push(...cmd.events);
      ops.push(...cmd.ops);
    }
    await commitBatch(client, g, epoch, before, events, ops);
  }
}

describe("loadGame", () => {
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it("returns exactly what was committed: books in price-time order, levels, inventories, client order ids, seq", async () => {
    const g = newGameId("load");
    const epoch = await claimGame(client, g, "loader");
    const flow = new CommitFlow(g, [1, 2, 3], ["alice", "bob", "carol", "dave"]);
    const setup = flow.setup();
    await commitBatch(client, g, epoch, 0, setup.events, setup.ops);
    const rand = rng(99);
    await commitAll(client, g, epoch, flow, () => flow.next(rand, 500), 1500);
    const loaded = await loadGame(client, g);
    expectLoadedEqualsFlow(loaded, flow);
    expect(loaded.owner).to.include({ epoch, node: "loader" });
    expect(loaded.game).to.include({ phase: "running", name: "flow" });
    expect([...loaded.players.keys()].sort()).to.deep.equal(["alice", "bob", "carol", "dave"]);
    expect(loaded.securities[0]!.config).to.include({ symbol: "S1", tick_size: "0.01" });
    expect(loaded.limitWeights.get(2)).to.equal("1");
    // the book really has depth at shared prices, so time priority was exercised
    const sec = loaded.securities.find((s) => sideOf(s, "buy").length > 20)!;
    const bids = sideOf(sec, "buy");
    expect(bids.some((o, i) => i > 0 && bids[i - 1]!.price === o.price)).to.equal(true);
    // both sides together, in id order (the order hydrate inserts them in)
    for (const s of loaded.securities) {
      expect(s.orders.map((o) => o.id)).to.deep.equal(s.orders.map((o) => o.id).sort((a, b) => a - b));
      expect(new Set(s.orders.map((o) => o.securityId))).to.deep.equal(new Set(s.orders.length ? [s.securityId] : []));
    }
  });

  it("reads a side longer than one page in order", async () => {
    const g = newGameId("load-pages");
    const epoch = await claimGame(client, g, "loader");
    const flow = new CommitFlow(g, [7], ["p1", "p2"]);
    const setup = flow.setup();
    await commitBatch(client, g, epoch, 0, setup.events, setup.ops);
    let i = 0;
    await commitAll(
      client,
      g,
      epoch,
      flow,
      () => {
        i += 1;
        return flow.rest(i % 2 ? "p1" : "p2", 7, "sell", 100 + (i % 37), 1 + (i % 5));
      },
      5_300,
      256,
    );
    const loaded = await loadGame(client, g);
    expect(sideOf(loaded.securities[0]!, "sell")).to.have.length(5_300);
    expectLoadedEqualsFlow(loaded, flow);
  });

  it("returns an empty state for a game that does not exist", async () => {
    const loaded = await loadGame(client, newGameId("nothing"));
    expect(loaded).to.deep.include({ game: {}, seq: 0, owner: null, securities: [] });
    expect(loaded.players.size).to.equal(0);
  });
});

describe("unpackOrder (the book index's packed orders)", () => {
  const key = "game:{g}:security:1:orderbook";
  it("reads every field, a post-only order and one without a client order id", () => {
    expect(unpackOrder(key, 1, "42\tbuy\t10150\t7\t3\tp-1\t1796093659427\t1\tcid-9")).to.deep.equal({
      id: 42,
      securityId: 1,
      side: "buy",
      price: 10150,
      qty: 7,
      amount: 3,
      playerId: "p-1",
      clientOrderId: "cid-9",
      ts: 1796093659427,
      postOnly: true,
      level: null,
      prev: null,
      next: null,
      ownerPrev: null,
      ownerNext: null,
    });
    expect(unpackOrder(key, 1, "7\tsell\t-5\t1\t1\tbob\t0\t0\t")).to.include({
      side: "sell",
      price: -5,
      clientOrderId: undefined,
      postOnly: false,
    });
  });
  it("keeps tabs inside the client order id (the last field)", () => {
    expect(unpackOrder(key, 1, "1\tbuy\t1\t1\t1\tp\t1\t0\ta\tb").clientOrderId).to.equal("a\tb");
  });
  it("reads a number that is not plain digits as NaN, and throws on too few fields or an unknown side", () => {
    const o = unpackOrder(key, 1, "1\tbuy\t1e3\t\t 2\tp\t1.5\t0\t");
    expect([o.price, o.qty, o.amount, o.ts]).to.deep.equal([NaN, NaN, NaN, NaN]);
    expect(() => unpackOrder(key, 1, "1\tbuy\t1\t1\t1\tp\t1\t0")).to.throw(/malformed order/);
    expect(() => unpackOrder(key, 1, "1\thold\t1\t1\t1\tp\t1\t0\t")).to.throw(/malformed order/);
    expect(() => unpackOrder(key, 1, "1\tbuyy\t1\t1\t1\tp\t1\t0\t")).to.throw(/malformed order/);
  });
});
