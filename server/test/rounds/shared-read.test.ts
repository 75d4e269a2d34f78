/**
 * shareRead (rounds/shared-read.ts): callers that arrive while a read is under way share it; once it
 * settles, resolved or rejected, the next call reads again.
 */
import { expect } from "chai";
import { shareRead } from "../../src/rounds/shared-read.ts";

/** A read whose outcome the test decides, counting how often it was started. */
function controlledRead() {
  const reads: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      reads.push({ resolve, reject });
    });
  return { read, reads };
}

describe("shareRead: one read per key while it is under way", () => {
  it("callers during a read share it; a call after it settled reads again", async () => {
    const pending = new Map<string, Promise<number>>();
    const { read, reads } = controlledRead();
    const a = shareRead(pending, "g1", read);
    const b = shareRead(pending, "g1", read);
    const other = shareRead(pending, "g2", read);
    expect(reads.length, "one read per key").to.equal(2);
    reads[0]!.resolve(7);
    reads[1]!.resolve(9);
    expect(await Promise.all([a, b, other])).to.deep.equal([7, 7, 9]);
    expect(pending.size, "settled reads are forgotten").to.equal(0);
    const c = shareRead(pending, "g1", read);
    expect(reads.length).to.equal(3);
    reads[2]!.resolve(8);
    expect(await c).to.equal(8);
  });

  it("a failed read fails every caller that shared it and is forgotten", async () => {
    const pending = new Map<string, Promise<number>>();
    const { read, reads } = controlledRead();
    const outcomes = [shareRead(pending, "g", read), shareRead(pending, "g", read)].map((p) =>
      p.then(
        () => "ok",
        (e: Error) => e.message,
      ),
    );
    expect(reads.length).to.equal(1);
    reads[0]!.reject(new Error("store down"));
    expect(await Promise.all(outcomes)).to.deep.equal(["store down", "store down"]);
    expect(pending.size).to.equal(0);
    void shareRead(pending, "g", read);
    expect(reads.length, "the next call reads again").to.equal(2);
  });
});
