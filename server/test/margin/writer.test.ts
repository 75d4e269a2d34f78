/**
 * Stops and margin state through the GameWriter and real Valkey (docs/core.md "Stop orders",
 * docs/margin.md "Keys"): random margin flows (flows.ts: stops, OCO pairs, brackets, reference shocks,
 * liquidations) are executed by a writer without waiting for each commit (so batches hold many
 * commands), and the same commands run on a core state alone. Then: the writer's answers equal the
 * core's; its state equals the core's; a second writer hydrated from Valkey (loadGame + hydrate:
 * stops, costs, the fund, references, last prices) equals it; and the committed log folds to it.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Redis } from "iovalkey";
import { emptyState, evolve, run, type CoreState } from "../../src/core/index.ts";
import { GameWriter } from "../../src/engine/game-writer.ts";
import { canonical } from "../core/support.ts";
import { connect, newGameId } from "../engine/helpers.ts";
import { command, flowArb, setupCommands } from "./flows.ts";
import { readStreamEvents } from "../../src/engine/stream-entries.ts";

const RUNS = Number(process.env.MWRITER_RUNS ?? 12);

async function foldLog(client: Redis, g: string): Promise<CoreState> {
  const s = emptyState();
  for (const e of await readStreamEvents(client, g)) evolve(s, e);
  return s;
}

describe("margin and stops through the GameWriter (hydrate == memory)", function () {
  this.timeout(300_000);
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it(`${RUNS} random margin flows: answers, state, a rehydrated writer and the folded log all agree`, async () => {
    const flows = fc.sample(flowArb, { numRuns: RUNS, seed: 1515 });
    let liquidated = 0;
    let waiting = 0;
    for (const [k, flow] of flows.entries()) {
      const g = newGameId(`margin${k}`);
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
      for (const c of setupCommands(flow, g)) send(c);
      for (const st of flow.steps) send(command(w1.state!, st));
      const got = await Promise.all(sent);
      expect(got).to.deep.equal(expected);
      expect(canonical(w1.state!)).to.deep.equal(canonical(ref));
      liquidated += expected.filter((d) =>
        (d as { events?: { type: string }[] }).events?.some((e) => e.type === "margin_call"),
      ).length;
      waiting += ref.securities.get(1)!.stops.size + ref.fund.positions.size;

      const w2 = await GameWriter.open(client, g, "node-b");
      expect(canonical(w2.state!)).to.deep.equal(canonical(w1.state!));
      expect(canonical(await foldLog(client, g))).to.deep.equal(canonical(ref));
      await w2.close();
      await w1.close();
    }
    expect(liquidated, "flows with liquidations").to.be.above(0);
    expect(waiting, "stops and fund positions to hydrate").to.be.above(0);
  });
});
