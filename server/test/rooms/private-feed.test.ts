/**
 * The room's private-state messages, batches and coalesced replies (docs/api.md "Room messages"),
 * over real WebSockets with SDK clients whose raw frames are recorded.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { BatchAck, ClientGameState, CommandReply } from "@marketroom/shared";
import { api, connect, createGame, gameId, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply | BatchAck>;
const sec = (room: R) => room.state.securities.get("1")!;

/** Records every frame the room's WebSocket receives from now on. */
function tap(room: R): Buffer[] {
  const frames: Buffer[] = [];
  const ws = (room as any).connection.transport.ws;
  ws.addEventListener("message", (ev: { data: ArrayBuffer | Buffer }) =>
    frames.push(Buffer.from(ev.data as ArrayBuffer)),
  );
  return frames;
}
const seen = (frames: Buffer[], s: string) => frames.some((f) => f.includes(s));

async function running(h: Harness) {
  const game = await createGame(h, { gameId: gameId("pf") });
  await api(h, "POST", `/api/games/${game.gameId}/start`);
  return game;
}

describe("GameRoom private state, batches and coalesced replies", function () {
  this.timeout(60_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("another player's private data never reaches a client's socket; the admin gets everyone's", async () => {
    const game = await running(h);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    const adm = await connect(h, game.gameId, h.admin);
    open.push(ra, rb, obs, adm);
    const [fa, fb, fo, fadm] = [tap(ra), tap(rb), tap(obs), tap(adm)];
    const mineA = "alice-secret-order-7781";
    const mineB = "bob-own-order-4410";
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 91, qty: 3, clientOrderId: mineA })).to.include({
      ok: true,
    });
    expect(
      await req(rb, "place", { securityId: 1, side: "sell", price: 130, qty: 2, clientOrderId: mineB }),
    ).to.include({ ok: true });
    // a trade: both players' cash, positions and fills change
    expect(await req(rb, "place", { securityId: 1, side: "sell", price: 91, qty: 1 })).to.include({ ok: true });
    await waitFor(() => rb.state.players.get(b.playerId)?.fills.length === 1, "bob's fill");
    await waitFor(() => ra.state.players.get(a.playerId)?.fills.length === 1, "alice's fill");
    await waitFor(() => adm.state.players.get(b.playerId)?.orders.size === 1, "the admin sees bob's order");
    await waitFor(() => sec(obs).bids[0]?.amount === 2, "the observer sees the book");

    expect(seen(fb, mineB), "bob's own order reaches bob").to.equal(true);
    expect(seen(fb, mineA), "alice's order on bob's socket").to.equal(false);
    expect(seen(fa, mineB), "bob's order on alice's socket").to.equal(false);
    expect(seen(fo, mineA) || seen(fo, mineB), "an order on the observer's socket").to.equal(false);
    expect(seen(fadm, mineA) && seen(fadm, mineB), "both orders on the admin's socket").to.equal(true);
    const alice = rb.state.players.get(a.playerId)!;
    expect(alice.name).to.equal("alice");
    expect(alice.cash).to.equal(undefined);
    expect(
      adm.state.players
        .get(a.playerId)!
        .orders.get(`1:${[...ra.state.players.get(a.playerId)!.orders.values()][0]!.orderId}`),
    ).to.include({ clientOrderId: mineA, amount: 2 });
  });

  it("a late joiner (a second tab) gets the private state with the first state", async () => {
    const game = await running(h);
    const a = await join(h, game.joinCode, "alice");
    const b = await join(h, game.joinCode, "bob");
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    open.push(ra, rb);
    await req(ra, "place", { securityId: 1, side: "sell", price: 104, qty: 5, clientOrderId: "a-1" });
    await req(rb, "place", { securityId: 1, side: "buy", price: 104, qty: 2 });
    await req(ra, "place", { securityId: 1, side: "buy", price: 97, qty: 4 });
    // a second tab of alice, opened after the trades: everything in the first state and snapshot
    const ra2 = await connect(h, game.gameId, a.token);
    open.push(ra2);
    const me = ra2.state.players.get(a.playerId)!;
    expect(me.cash).to.equal(100_000 + 2 * 104);
    expect(me.positions.get("1")).to.include({ qty: 98, locked: 3 });
    expect([...me.orders.values()].map((o) => [o.side, o.price, o.amount]).sort()).to.deep.equal([
      ["buy", 97, 4],
      ["sell", 104, 3],
    ]);
    expect(me.fills.map((f) => [f.price, f.qty, f.role])).to.deep.equal([[104, 2, "maker"]]);
    expect(sec(ra2).bids[0]).to.include({ price: 97, amount: 4 });
    expect(sec(ra2).trades.length).to.equal(1);
    expect(ra2.state.players.get(b.playerId)!.cash).to.equal(undefined);
  });

  it("a batch places each valid order and answers each order in the batch's order", async () => {
    const game = await running(h);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const reply = await req(ra, "place-batch", {
      ref: "batch-1",
      orders: [
        { securityId: 1, side: "buy", price: 90, qty: 1, ref: "o1" },
        { securityId: 1, side: "up", price: 90, qty: 1, ref: "o2" },
        { securityId: 1, side: "buy", price: 89, qty: 2, ref: "o3" },
        { securityId: 1, side: "buy", price: 1, qty: 10_000_000, ref: "o4" },
        { securityId: 9, side: "sell", price: 120, qty: 1, ref: "o5" },
      ],
    });
    expect(reply).to.include({ ok: true, type: "place-batch", ref: "batch-1" });
    const results = (reply as BatchAck).results;
    expect(results.map((r) => [r.ref, r.ok, r.ok ? r.type : r.code])).to.deep.equal([
      ["o1", true, "place"],
      ["o2", false, "INVALID_MESSAGE"],
      ["o3", true, "place"],
      ["o4", false, "INSUFFICIENT_FUNDS"],
      ["o5", false, "UNKNOWN_SECURITY"],
    ]);
    await waitFor(() => sec(ra).bids.length === 2, "the two bids");
    expect(sec(ra).bids.map((l) => [l.price, l.amount])).to.deep.equal([
      [90, 1],
      [89, 2],
    ]);
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 2, "two own orders");

    const seq = ra.state.seq;
    expect(await req(ra, "place-batch", { orders: [] })).to.include({ ok: false, code: "INVALID_MESSAGE" });
    const many = Array.from({ length: 51 }, () => ({ securityId: 1, side: "buy", price: 50, qty: 1 }));
    expect(await req(ra, "place-batch", { orders: many })).to.include({ ok: false, code: "INVALID_MESSAGE" });
    expect(await req(ra, "place-batch", "garbage")).to.include({ ok: false, code: "INVALID_MESSAGE" });
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(obs);
    expect(await req(obs, "place-batch", { orders: [many[0]] })).to.include({ ok: false, code: "READ_ONLY" });
    await new Promise((r) => setTimeout(r, 100));
    expect(ra.state.seq).to.equal(seq);
    expect(sec(ra).bids.length).to.equal(2);
  });

  it("replies to several commands sent at once come coalesced, each exactly once", async () => {
    const game = await running(h);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const got: (CommandReply | BatchAck)[] = [];
    let messages = 0;
    let coalesced = 0;
    ra.onMessage("reply", (m: CommandReply) => {
      messages++;
      got.push(m);
    });
    ra.onMessage("replies", (m: { replies: CommandReply[] }) => {
      messages++;
      coalesced = Math.max(coalesced, m.replies.length);
      got.push(...m.replies);
    });
    const n = 20;
    for (let i = 0; i < n; i++) ra.send("place", { securityId: 1, side: "buy", price: 60 + i, qty: 1, ref: `c${i}` });
    ra.send("place", { securityId: 1, side: "sideways", qty: 1, ref: "bad" });
    ra.send("place-batch", { ref: "b", orders: [{ securityId: 1, side: "buy", price: 50, qty: 1 }] });
    await waitFor(() => got.length === n + 2, "every reply");
    const refs = got.map((r) => r.ref).sort();
    expect(refs).to.deep.equal([...Array.from({ length: n }, (_, i) => `c${i}`), "b", "bad"].sort());
    expect(got.find((r) => r.ref === "bad")).to.include({ ok: false, code: "INVALID_MESSAGE" });
    expect((got.find((r) => r.ref === "b") as BatchAck).results[0]).to.include({ ok: true });
    expect(messages).to.be.lessThan(n + 2);
    expect(coalesced).to.be.greaterThan(1);
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === n + 1, "all orders rest");
  });
});
