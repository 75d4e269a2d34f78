/**
 * Samples (server/bench/run-figures.ts): the benches' latency store keeps every sample in order,
 * within its capacity and past it, and runFigures reads percentiles from it.
 */
import { expect } from "chai";
import { runFigures, Samples } from "../../bench/run-figures.ts";

describe("Samples (bench latency store)", () => {
  it("keeps every sample in order, past its capacity too", () => {
    const s = new Samples(16);
    for (let i = 0; i < 100; i++) s.push(i / 2);
    expect(s.length).to.equal(100);
    expect([...s.values()]).to.deep.equal(Array.from({ length: 100 }, (_, i) => i / 2));
  });

  it("sizes a paced run with room for late acks, and runFigures takes its percentiles", () => {
    const lat = Samples.forRun(1000, 2);
    for (let i = 1; i <= 1000; i++) lat.push(i);
    const f = runFigures({
      lat,
      acked: 1000,
      seconds: 1,
      valkeyNs: 0,
      node: { user: 0, system: 0 },
      commands: 1000,
      batches: 10,
    });
    expect(f).to.include({ ordersPerSec: 1000, avgBatch: 100 });
    expect(f.p99Ms).to.be.within(989, 991);
    expect(f.p50Ms).to.be.within(499, 501);
  });
});
