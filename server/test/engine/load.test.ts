/**
 * loadGame (server/src/engine/load.ts) against the shared test Valkey: it returns exactly what the
 * commits wrote, resting orders in price-time priority, across readOrders pages.
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import { claimGame, commitBatch, type KeyOp } from "../../src/engine/commit.ts";
import { loadGame } from "../../src/engine/load.ts";
import { CommitFlow, rng, type FlowCommand } from "../support/commit-flow.ts";
import { expectLoadedEqualsFlow } from "../support/commit-check.ts";
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
    const sec = loaded.securities.find((s) => s.bids.length > 20)!;
    expect(sec.bids.some((o, i) => i > 0 && sec.bids[i - 1]!.price === o.price)).to.equal(true);
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
    expect(loaded.securities[0]!.asks).to.have.length(5_300);
    expectLoadedEqualsFlow(loaded, flow);
  });

  it("returns an empty state for a game that does not exist", async () => {
    const loaded = await loadGame(client, newGameId("nothing"));
    expect(loaded).to.deep.include({ game: {}, seq: 0, owner: null, securities: [] });
    expect(loaded.players.size).to.equal(0);
  });
});
