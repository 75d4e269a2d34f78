/**
 * UncorkSlicer over real TCP sockets (rooms/cork.ts): a tick's sockets are uncorked across turns,
 * yet every socket's peer receives each frame exactly once and in the order it was written, whether
 * a reply was written to a socket still held (hurried or not), a second tick corked the sockets again
 * before the first tick's slices were done, or a socket was destroyed meanwhile; and no socket is left
 * corked.
 */
import { expect } from "chai";
import { createServer, connect, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { setImmediate as turn } from "node:timers/promises";
import { TurnCork, UncorkSlicer } from "../../src/rooms/cork.ts";

const N = 60;

interface Pair {
  /** The server side, written to (as ws writes a client's frames). */
  out: Socket;
  /** What the peer received so far. */
  got: () => string;
}

async function pairs(n: number): Promise<{ server: Server; list: Pair[] }> {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const peers: { received: string }[] = [];
  for (let i = 0; i < n; i++) {
    const c = connect(port, "127.0.0.1");
    const peer = { received: "" };
    c.setEncoding("utf8");
    c.on("data", (d: string) => (peer.received += d));
    c.on("error", () => {});
    await once(c, "connect");
    peers.push(peer);
  }
  while (accepted.length < n) await turn();
  const list = accepted.map((out, i) => ({ out, got: () => peers[i]!.received }));
  for (const p of list) p.out.on("error", () => {});
  return { server, list };
}

/** A tick as the room does it: cork every socket, write its frames, hand the corks to the slicer. */
function tick(slicer: UncorkSlicer, list: Pair[], frame: (i: number) => string): void {
  const corked = list.map((p) => p.out).filter((s) => !s.destroyed);
  for (const s of corked) s.cork();
  list.forEach((p, i) => {
    if (!p.out.destroyed) p.out.write(frame(i));
  });
  slicer.add(corked);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("UncorkSlicer over real sockets", () => {
  let server: Server;
  let list: Pair[];

  beforeEach(async () => {
    ({ server, list } = await pairs(N));
  });
  afterEach(() => {
    for (const p of list) p.out.destroy();
    server.close();
  });

  it("keeps every socket's frames whole and in order across slices, replies, overlapping ticks and a departure", async () => {
    const slicer = new UncorkSlicer(0); // a zero budget: a few sockets a turn, so the slices surely span turns
    const replies = new TurnCork(slicer);
    const expected = list.map(() => "");
    const write = (i: number, s: string) => {
      list[i]!.out.write(s);
      expected[i] += s;
    };

    tick(slicer, list, (i) => `<t1:${i}>`);
    list.forEach((_, i) => (expected[i] += `<t1:${i}>`));
    expect(slicer.pending, "the first tick's slices span turns").to.be.greaterThan(0);
    expect(slicer.pending).to.be.lessThan(N);

    // replies while the tick's sockets are held: a plain one waits for its slice, a TurnCork one hurries
    write(N - 1, "<reply:a>");
    const asClient = (i: number) => ({ ref: { _socket: list[i]!.out } }); // what TurnCork reads of a Colyseus client
    replies.hold(asClient(N - 2));
    expect(list[N - 2]!.out.writableCorked, "a nested cork is counted").to.equal(2);
    write(N - 2, "<reply:c>");
    replies.release();
    expect(list[N - 2]!.out.writableCorked, "hurried: written at once").to.equal(0);

    // a second tick before the first tick's slices are done: sockets owed two uncorks
    tick(slicer, list, (i) => `<t2:${i}>`);
    list.forEach((_, i) => (expected[i] += `<t2:${i}>`));
    const twice = list.filter((p) => p.out.writableCorked === 2).length;
    expect(twice, "some sockets held by both ticks").to.be.greaterThan(0);

    // a client leaves while its socket is still held
    const gone = list.findIndex((p) => p.out.writableCorked === 2);
    list[gone]!.out.destroy();

    // the reply through a TurnCork on a socket held by both ticks: written at once, after both ticks' frames
    const hurried = list.findIndex((p, i) => i !== gone && p.out.writableCorked === 2);
    replies.hold(asClient(hurried));
    write(hurried, "<reply:b>");
    replies.release();
    expect(list[hurried]!.out.writableCorked, "hurried: nothing owed any more").to.equal(0);

    await until("the slicer to finish", () => slicer.pending === 0);
    for (const [i, p] of list.entries()) {
      if (i === gone) continue;
      await until(`socket ${i}'s bytes`, () => p.got().length >= expected[i]!.length);
      expect(p.got(), `socket ${i}`).to.equal(expected[i]);
      expect(p.out.writableCorked, `socket ${i} left corked`).to.equal(0);
    }
  });

  it("rotates which sockets go first from one tick to the next, and drain() writes everything at once", async () => {
    const slicer = new UncorkSlicer(0);
    const firstWritten = (): number => list.findIndex((p) => p.out.writableCorked === 0);
    tick(slicer, list, () => "a");
    const first = firstWritten();
    await until("the first tick", () => slicer.pending === 0);
    tick(slicer, list, () => "b");
    const second = firstWritten();
    expect(second).to.not.equal(first);
    slicer.drain();
    expect(slicer.pending).to.equal(0);
    expect(list.every((p) => p.out.writableCorked === 0)).to.equal(true);
    for (const p of list) await until("both frames", () => p.got() === "ab");
  });
});
