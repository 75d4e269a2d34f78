/**
 * The persister's hurry (persistence/hurry.ts) on a Valkey Cluster: a request published through one
 * cluster client reaches a listener subscribed through another, whichever nodes they are connected to
 * (PUBLISH is broadcast to every node of a cluster).
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import { connectValkey } from "../../src/cluster/valkey.ts";
import { HurryListener, HurrySender } from "../../src/persistence/hurry.ts";
import { startValkeyCluster, type ValkeyClusterUnderTest } from "../support/valkey-cluster.ts";

describe("cluster: the persister's hurry on a Valkey Cluster", function () {
  this.timeout(120_000);
  let vc: ValkeyClusterUnderTest;
  const clients: Redis[] = [];

  before(async () => {
    vc = await startValkeyCluster();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await vc?.stop();
  });

  it("a request sent through one cluster client wakes a listener on another and holds until met", async () => {
    const [a, b] = [connectValkey(vc.env), connectValkey(vc.env)];
    clients.push(a, b);
    const persisted = new Map<string, number>();
    const listener = new HurryListener((g) => persisted.get(g) ?? 0);
    await listener.start(a, () => {});
    try {
      // far beyond mocha's timeout: only the message can end it
      const slept = listener.sleep(10 * 60_000);
      new HurrySender(b).request("g-cluster", 3);
      await slept;
      expect(listener.active, "seq 3 not yet persisted").to.equal(true);
      persisted.set("g-cluster", 3);
      expect(listener.active, "met").to.equal(false);
    } finally {
      listener.stop();
    }
  });
});
