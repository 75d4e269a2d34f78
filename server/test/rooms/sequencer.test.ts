/**
 * Sequencer: batches come back in seq order whatever order they arrive in; seqs already applied are
 * dropped; a batch after a gap waits for the gap.
 */
import { expect } from "chai";
import type { EngineEvent } from "@marketroom/shared";
import { Sequencer } from "../../src/rooms/sequencer.ts";

const ev = (...seqs: number[]) => seqs.map((seq) => ({ seq, type: "admin_action" }) as unknown as EngineEvent);
const seqs = (events: readonly EngineEvent[]) => events.map((e) => e.seq);

describe("Sequencer", () => {
  it("returns batches that follow at once, holds one after a gap until the gap is filled, drops seqs already applied", () => {
    const s = new Sequencer(10);
    expect(seqs(s.push(ev(11, 12)))).to.deep.equal([11, 12]);
    expect(seqs(s.push(ev(15, 16)))).to.deep.equal([]);
    expect(s.firstWaiting()).to.equal(15);
    expect(seqs(s.push(ev(12, 13)))).to.deep.equal([13]);
    expect(seqs(s.push(ev(14)))).to.deep.equal([14, 15, 16]);
    expect(s.firstWaiting()).to.equal(null);
    expect(seqs(s.push(ev(16, 17)))).to.deep.equal([17]);
    expect(seqs(s.push([]))).to.deep.equal([]);
    expect(s.last).to.equal(17);
  });

  it("puts random arrivals of a shuffled log back in order, each seq exactly once", () => {
    let x = 3;
    const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const batches: EngineEvent[][] = [];
    for (let seq = 1; seq <= 300;) {
      const n = 1 + Math.floor(rnd() * 4);
      batches.push(ev(...Array.from({ length: n }, (_, i) => seq + i)));
      seq += n;
    }
    const arrivals = [...batches, ...batches.slice(0, 20)].sort(() => rnd() - 0.5);
    const s = new Sequencer(0);
    const out: number[] = [];
    for (const b of arrivals) out.push(...seqs(s.push(b)));
    expect(out).to.deep.equal(seqs(batches.flat()));
  });
});
