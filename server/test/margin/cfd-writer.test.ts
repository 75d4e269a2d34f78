/**
 * CFD securities through the GameWriter and real Valkey (docs/margin.md "CFD securities" and "Keys"):
 * random CFD flows (cfd-flows.ts: market and limit orders with leverages, brackets, stops on the mark,
 * cancels, reference shocks that fill waiting orders and liquidate) are executed by a writer without
 * waiting for each commit, and the same commands run on a core state alone. Then: the writer's answers
 * equal the core's; its state equals the core's; a second writer hydrated from Valkey (waiting CFD
 * orders, positions and cash after house fills, the fund, costs, leverages) equals it; and the
 * committed log folds to it. Each flow ends with a reference tick to each waiting order's limit.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Redis } from "iovalkey";
import { emptyState, evolve, run, type CoreState } from "../../src/core/index.ts";
import { GameWriter } from "../../src/engine/game-writer.ts";
import { readStreamEvents } from "../../src/engine/stream-entries.ts";
import { canonical } from "../core/support.ts";
import { connect, newGameId } from "../engine/helpers.ts";
import { command, flowArb, setup } from "./cfd-flows.ts";

const RUNS = Number(process.env.CFDWRITER_RUNS ?? 10);

async function foldLog(client: Redis, g: string): Promise<CoreState> {
  const s = emptyState();
  for (const e of await readStreamEvents(client, g)) evolve(s, e);
  return s;
}

describe("CFD securities through the GameWriter (hydrate == memory)", function () {
  this.timeout(300_000);
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it(`${RUNS} random CFD flows: answers, state, a rehydrated writer and the folded log all agree`, async () => {
    const flows = fc.sample(flowArb, { numRuns: RUNS, seed: 1516 });
    const seen = { houseFills: 0, waiting: 0, leverages: 0 };
    for (const [k, flow] of flows.entries()) {
      const g = newGameId(`cfd${k}`);
      const w1 = await GameWriter.open(client, g, "node-a");
      const ref = emptyState();
      const sent: Promise<unknown>[] = [];
      const expected: unknown[] = [];
      let ts = 1_000;
      const send = (c: Parameters<typeof run>[1] | null) => {
        if (c === null) return;
        ts += 1;
        expected.push(run(ref, c, { ts }));
        sent.push(w1.execute(c, ts));
      };
      for (const c of setup(flow, g)) send(c);
      for (const st of flow.steps) send(command(w1.state!, st));
      await Promise.all(sent); // the ticks below commit in batches of their own
      // last, one tick to each waiting order's limit (fills it, rarely liquidates): no later command rewrites its keys
      for (const sid of [1, 2]) {
        const sec = ref.securities.get(sid)!;
        for (const o of [...sec.book.orders.values()]) {
          if (sec.book.orders.get(o.id) === undefined) continue;
          seen.waiting += 1;
          send({
            type: "set_reference",
            securityId: sid,
            price: Math.max(1, o.price + (o.side === "buy" ? -1 : 1) * sec.halfSpread),
          });
        }
      }
      const got = await Promise.all(sent);
      expect(got).to.deep.equal(expected);
      expect(canonical(w1.state!)).to.deep.equal(canonical(ref));
      for (const d of expected as { events?: { type: string }[] }[]) {
        seen.houseFills += d.events?.filter((e) => e.type === "cfd_fill").length ?? 0;
        seen.leverages += d.events?.filter((e) => e.type === "cfd_leverage").length ?? 0;
      }

      const w2 = await GameWriter.open(client, g, "node-b");
      expect(canonical(w2.state!)).to.deep.equal(canonical(w1.state!));
      expect(canonical(await foldLog(client, g))).to.deep.equal(canonical(ref));
      await w2.close();
      await w1.close();
    }
    expect(seen.houseFills, "house fills").to.be.above(50);
    expect(seen.waiting, "waiting CFD orders filled by the last ticks").to.be.above(0);
    expect(seen.leverages, "leverages to hydrate").to.be.above(0);
  });
});
