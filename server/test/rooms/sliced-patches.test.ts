/**
 * Patch ticks uncorked in slices (rooms/cork.ts UncorkSlicer) over real SDK clients: while the event
 * loop's turns are long (a busy loop in this process, as a loaded server's turns are), a tick's sockets
 * stay held across several turns and the next tick is encoded before the last of them are written.
 * Every client must still decode every patch: all end with the same state as a client that joins
 * afterwards (full state), and each player's request replies arrive.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { ClientGameState, CommandReply } from "@marketroom/shared";
import { GameRoom } from "../../src/rooms/game-room.ts";
import { api, connect, createGame, gameId, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const CLIENTS = 12;

/** The public book and trades as plain data. */
const publicOf = (r: R) => {
  const sec = r.state.securities.get("1")!;
  return {
    seq: r.state.seq,
    bids: sec.bids.map((l) => ({ ...l.toJSON() })),
    asks: sec.asks.map((l) => ({ ...l.toJSON() })),
    trades: sec.trades.map((t) => t.seq),
  };
};

describe("GameRoom sliced patch ticks", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  const sliceMs = GameRoom.sliceMs;
  before(async () => {
    h = await harness();
    GameRoom.sliceMs = 0; // four sockets a turn: a tick's writes span several turns
  });
  after(async () => {
    GameRoom.sliceMs = sliceMs;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("every client decodes every patch while the loop's turns are long, and gets its replies", async () => {
    const game = await createGame(h, { gameId: gameId("slice") });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const players = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => join(h, game.joinCode, `p${i}`)));
    const rooms: R[] = [];
    for (const p of players) rooms.push(await connect(h, game.gameId, p.token));
    open.push(...rooms);

    // long turns: each immediate spins 25 ms, so a tick's slices (one per turn) outlast the 50 ms patch interval
    let busy = true;
    const spin = () => {
      if (!busy) return;
      const t = Date.now();
      while (Date.now() - t < 25);
      setImmediate(spin);
    };
    setImmediate(spin);
    // orders keep coming (a timer, not awaited one by one) so that most ticks have a patch
    const replies: Promise<CommandReply>[] = [];
    try {
      await new Promise<void>((resolve) => {
        let i = 0;
        const t = setInterval(() => {
          const r = rooms[i % CLIENTS]!;
          const side = i % 3 === 2 ? "sell" : "buy";
          const price = side === "buy" ? 80 + (i % 20) : 70 + (i % 20); // every third order crosses
          replies.push(r.request("place", { securityId: 1, side, price, qty: 1 + (i % 4) }) as Promise<CommandReply>);
          if (++i === 80) {
            clearInterval(t);
            resolve();
          }
        }, 10);
      });
      const got = await Promise.all(replies);
      got.forEach((reply, i) => expect(reply, `order ${i}`).to.include({ ok: true }));
    } finally {
      busy = false;
    }

    const late = await connect(h, game.gameId, h.admin);
    open.push(late);
    const want = publicOf(late);
    expect(want.trades.length, "the orders traded").to.be.greaterThan(0);
    for (const [i, r] of rooms.entries())
      await waitFor(() => r.state.seq === want.seq, `client ${i} reaches seq ${want.seq}`, 20_000);
    for (const [i, r] of rooms.entries()) expect(publicOf(r), `client ${i}`).to.deep.equal(want);
  });
});
