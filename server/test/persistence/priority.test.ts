/**
 * The persister process yields the CPU (persistence/yield-cpu.ts): every thread of a persister started
 * with the defaults runs at a nice value 5 above the process that started it, and PERSISTER_NICE=0
 * leaves it where it was. Read from /proc/<pid>/task/<tid>/stat (field 19, nice), so Linux only.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { expect } from "chai";
import { startPersister, type PersisterProcess } from "../support/persister-process.ts";

/** The nice value of every thread of `pid`. */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]); // field 19 of stat(5)
  });
}

describe("persistence: the persister process's CPU priority", function () {
  let p: PersisterProcess | undefined;

  before(function () {
    // /proc/<pid>/task is Linux's; elsewhere the persister changes its process id alone (yield-cpu.ts)
    if (!existsSync("/proc/self/task")) this.skip();
  });

  afterEach(async () => {
    await p?.stop();
    p = undefined;
  });

  it("runs every thread 5 nice levels below its parent by default", async () => {
    p = await startPersister();
    const nices = threadNices(p.child.pid!);
    expect(nices.length).to.be.greaterThan(1); // V8's and libuv's threads, not only the main one
    expect(new Set(nices)).to.deep.equal(new Set([Math.min(19, getPriority() + 5)]));
  });

  it("leaves its priority alone with PERSISTER_NICE=0", async () => {
    p = await startPersister({ env: { PERSISTER_NICE: "0" } });
    expect(new Set(threadNices(p.child.pid!))).to.deep.equal(new Set([getPriority()]));
  });
});
