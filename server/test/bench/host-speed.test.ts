/**
 * The host-speed probe that labels bench:engine's and bench:api's runs (server/bench/host-speed.ts):
 * one reading per CPU, each a percentage, and the slowest of them as the run's label.
 */
import { availableParallelism } from "node:os";
import { expect } from "chai";
import { hostSpeed } from "../../bench/host-speed.ts";

describe("host speed probe (benchmark label)", () => {
  it("reads every CPU and reports the slowest", async () => {
    const s = await hostSpeed(200);
    expect(s.perCpuPct).to.have.length(availableParallelism());
    for (const p of s.perCpuPct) expect(p).to.be.within(1, 100);
    expect(s.minPct).to.equal(Math.min(...s.perCpuPct));
  });
});
