/**
 * Room placement across server processes (server/src/cluster/membership.ts leastLoaded) on a private
 * Valkey: the live process holding the fewest game-room leases wins, leases count as soon as they are
 * taken (not at the next heartbeat), a process's pending placements count, a dead process is never chosen.
 */
import { expect } from "chai";
import { Redis } from "iovalkey";
import { HEARTBEAT_TTL_MS, Membership } from "../../src/cluster/membership.ts";
import { startValkeyChild, type ValkeyChild } from "../support/valkey-child.ts";

describe("cluster membership: room placement", function () {
  this.timeout(60_000);
  let server: ValkeyChild;
  let valkey: Redis;
  before(async () => {
    server = await startValkeyChild({ appendonly: false });
    valkey = new Redis(server.url);
  });
  after(async () => {
    valkey?.disconnect();
    await server?.stop();
  });

  it("places on the live process with the fewest leases, counting pending placements; never on a dead one", async () => {
    const m = new Membership(valkey);
    // every process last beat with 0 rooms: only the leases tell them apart
    for (const p of ["p1", "p2", "p3"]) await m.beat(p, 0);
    expect(await m.leastLoaded()).to.equal("p1"); // a tie goes to the smallest id
    const leases: [string, string][] = [
      ["g1", "p1"],
      ["g2", "p1"],
      ["g3", "p2"],
    ];
    for (const [g, p] of leases) expect(await m.claimRoom(g, p)).to.equal(p);
    expect(await m.leastLoaded()).to.equal("p3");
    expect(await m.leastLoaded(new Map([["p3", 2]]))).to.equal("p2");
    // p4 has no lease but its heartbeat is older than the TTL: it is dead
    const now = Number((await valkey.time())[0]) * 1000;
    await valkey.hset("{cluster}:procs", "p4", String(now - HEARTBEAT_TTL_MS - 1000));
    expect(await m.leastLoaded(new Map([["p3", 5]]))).to.equal("p2");
    for (const p of ["p1", "p2", "p3", "p4"]) await m.leave(p);
    expect(await m.leastLoaded()).to.equal(null);
  });
});
