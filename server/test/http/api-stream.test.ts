/**
 * The stream for programs (/api/v1/stream, plain WebSocket + JSON): book snapshot then updates with
 * consecutive sequence numbers that rebuild the book, trades, news, clock, executions delivered only to
 * their owner, resync by subscribing again, and refused upgrades. Real server, Valkey pub/sub, PostgreSQL.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

type Level = { price: number; qty: number; orders: number };
type Msg = Record<string, any>;

/** A stream connection that records every message. */
async function stream(h: Harness, key: string): Promise<{ ws: WebSocket; got: Msg[]; send: (m: unknown) => void }> {
  const ws = new WebSocket(`${h.base.replace("http", "ws")}/api/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const got: Msg[] = [];
  ws.on("message", (d) => got.push(JSON.parse(d.toString())));
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  await waitFor(() => got.some((m) => m.type === "welcome"), "welcome");
  return { ws, got, send: (m) => ws.send(JSON.stringify(m)) };
}

async function keyOf(h: Harness, token: string): Promise<string> {
  const r = await fetch(`${h.base}/api/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  expect(r.status).to.equal(201);
  return ((await r.json()) as { key: string }).key;
}

async function rest(h: Harness, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const r = await fetch(`${h.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return r.json();
}

/** Applies a book snapshot and updates (qty 0 removes a level); best first. */
function rebuild(msgs: Msg[]): { bids: Level[]; asks: Level[] } {
  const side = { bids: new Map<number, Level>(), asks: new Map<number, Level>() };
  for (const m of msgs) {
    if (m.action === "snapshot") {
      side.bids.clear();
      side.asks.clear();
    }
    for (const s of ["bids", "asks"] as const)
      for (const l of m[s] as Level[]) {
        if (l.qty === 0) side[s].delete(l.price);
        else side[s].set(l.price, l);
      }
  }
  return {
    bids: [...side.bids.values()].sort((a, b) => b.price - a.price),
    asks: [...side.asks.values()].sort((a, b) => a.price - b.price),
  };
}

describe("stream /api/v1/stream", function () {
  this.timeout(60_000);
  let h: Harness;
  const closers: (() => unknown)[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(
      closers.splice(0).map(async (c) => {
        try {
          await c();
        } catch {
          /* closed */
        }
      }),
    );
  });

  async function setup() {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const alice = await join(h, game.joinCode, "alice");
    const bob = await join(h, game.joinCode, "bob");
    const carol = await join(h, game.joinCode, "carol");
    const room: Room<any, ClientGameState> = await connect(h, game.gameId, alice.token);
    closers.push(() => room.leave());
    return {
      game,
      alice,
      bob,
      carol,
      room,
      bobKey: await keyOf(h, bob.token),
      aliceKey: await keyOf(h, alice.token),
      carolKey: await keyOf(h, carol.token),
    };
  }

  it("book: a snapshot, then updates numbered without gaps that rebuild the book; resync by subscribing again", async () => {
    const { room, bobKey } = await setup();
    await room.request("place", { securityId: 1, side: "sell", price: 105, qty: 3 });
    const s = await stream(h, bobKey);
    closers.push(() => s.ws.close());
    s.send({ op: "subscribe", channel: "book", securityId: 1, depth: 10 });
    await waitFor(() => s.got.some((m) => m.type === "book" && m.action === "snapshot"), "snapshot");
    const books = () => s.got.filter((m) => m.type === "book");
    expect(books()[0]).to.include({ action: "snapshot", seq: 1, securityId: 1 });
    expect(books()[0]!.asks).to.deep.equal([{ price: 105, qty: 3, orders: 1 }]);

    // Changes from the room and from REST, interleaved.
    for (let i = 0; i < 5; i++) {
      const r = (await room.request("place", { securityId: 1, side: "sell", price: 106 + i, qty: 2 })) as CommandReply;
      expect(r.ok).to.equal(true);
      await rest(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price: 90 + i, qty: 1 });
    }
    await rest(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price: 105, qty: 3 }); // takes the 105 level
    const want = await rest(h, "GET", "/book/1?depth=10", bobKey);
    await waitFor(
      () => JSON.stringify(rebuild(books())) === JSON.stringify({ bids: want.bids, asks: want.asks }),
      "the stream's book equals the REST book",
    );
    const seqs = books().map((m) => m.seq);
    expect(seqs).to.deep.equal(seqs.map((_: number, i: number) => i + 1));
    const gameSeqs = books().map((m) => m.gameSeq);
    expect(gameSeqs).to.deep.equal([...gameSeqs].sort((a, b) => a - b));

    // A client that lost an update subscribes again: a fresh snapshot, numbering goes on.
    const last = seqs.at(-1)!;
    s.send({ op: "subscribe", channel: "book", securityId: 1, depth: 10 });
    await waitFor(() => books().length > seqs.length, "resync snapshot");
    const snap = books().at(-1)!;
    expect(snap).to.include({ action: "snapshot", seq: last + 1 });
    expect({ bids: snap.bids, asks: snap.asks }).to.deep.equal({ bids: want.bids, asks: want.asks });
  });

  it("executions reach only their owner; trades, news and clock reach every subscriber", async () => {
    const { game, room, bob, bobKey, aliceKey, carolKey } = await setup();
    const [sb, sa, sc] = await Promise.all([stream(h, bobKey), stream(h, aliceKey), stream(h, carolKey)]);
    closers.push(
      () => sb.ws.close(),
      () => sa.ws.close(),
      () => sc.ws.close(),
    );
    for (const s of [sb, sa, sc]) {
      for (const channel of ["executions", "trades", "news", "clock"]) s.send({ op: "subscribe", channel });
      await waitFor(() => s.got.filter((m) => m.type === "subscribed").length === 4, "subscribed");
    }
    const sell = (await room.request("place", { securityId: 1, side: "sell", price: 100, qty: 5 })) as CommandReply & {
      order?: { orderId: number };
    };
    const buy = await rest(h, "POST", "/orders", bobKey, {
      securityId: 1,
      side: "buy",
      price: 100,
      qty: 2,
      clientOrderId: "x1",
    });
    expect(buy.order.status).to.equal("filled");
    await api(h, "POST", `/api/games/${game.gameId}/news`, { headline: "Rates cut" });

    const ex = (s: { got: Msg[] }) => s.got.filter((m) => m.type === "execution");
    await waitFor(() => ex(sb).some((m) => m.kind === "fill"), "bob's fill");
    await waitFor(() => ex(sa).some((m) => m.kind === "fill"), "alice's fill");
    for (const s of [sa, sb, sc]) {
      await waitFor(
        () => s.got.some((m) => m.type === "trade") && s.got.some((m) => m.type === "news"),
        "trade and news",
      );
      expect(s.got.find((m) => m.type === "trade")).to.include({ securityId: 1, price: 100, qty: 2, aggressor: "buy" });
      expect(s.got.find((m) => m.type === "news")).to.include({ headline: "Rates cut" });
      expect(s.got.find((m) => m.type === "clock")).to.include({ phase: "running" });
    }
    expect(ex(sb).map((m) => m.kind)).to.deep.equal(["accepted", "fill"]);
    expect(ex(sb)[0]).to.include({ id: buy.id, clientOrderId: "x1", side: "buy", qty: 2 });
    expect(ex(sb)[1]).to.include({ role: "taker", side: "buy", qty: 2, price: 100 });
    expect(ex(sa).map((m) => m.kind)).to.deep.equal(["accepted", "rested", "fill"]);
    expect(ex(sa)[0]).to.include({ orderId: sell.order!.orderId });
    expect(ex(sa)[2]).to.include({ role: "maker", side: "sell", qty: 2 });
    expect(JSON.stringify(ex(sa))).not.to.include("x1");
    expect(JSON.stringify(sa.got)).not.to.include(bob.playerId);

    // Carol traded nothing: her executions stay empty (a pause after all of it, then check).
    await api(h, "POST", `/api/games/${game.gameId}/pause`);
    await waitFor(() => sc.got.some((m) => m.type === "clock" && m.phase === "paused"), "paused clock");
    expect(ex(sc)).to.deep.equal([]);
  });

  it("candles: the current candle from the stored trades, then each trade's update, equal to GET /candles", async () => {
    const { room, bobKey } = await setup();
    const trade = async (price: number, qty: number) => {
      const sell = (await room.request("place", { securityId: 1, side: "sell", price, qty })) as CommandReply;
      expect(sell.ok, JSON.stringify(sell)).to.equal(true);
      const buy = await rest(h, "POST", "/orders", bobKey, { securityId: 1, side: "buy", price, qty });
      expect(buy.order.status, JSON.stringify(buy)).to.equal("filled");
      return buy.seq as number;
    };
    await trade(101, 2);
    await trade(97, 1);
    const candlesNow = async () => (await rest(h, "GET", "/candles/1?interval=1h", bobKey)).candles.at(-1);
    const s = await stream(h, bobKey);
    closers.push(() => s.ws.close());
    s.send({ op: "subscribe", channel: "candles", securityId: 1, interval: "1h" });
    const candles = () => s.got.filter((m) => m.type === "candle");
    await waitFor(() => candles().length === 1, "the current candle");
    const { type, securityId, interval, seq, ...first } = candles()[0]!;
    expect({ type, securityId, interval }).to.deep.equal({ type: "candle", securityId: 1, interval: "1h" });
    expect(seq).to.be.a("number");
    expect(first).to.deep.equal(await candlesNow());
    expect(first).to.include({ open: 101, high: 101, low: 97, close: 97, volume: 3, trades: 2 });

    const lastSeq = await trade(104, 3);
    await waitFor(() => candles().length === 2, "the candle after a trade");
    const { type: _t, securityId: _s, interval: _i, seq: seq2, ...second } = candles()[1]!;
    expect(seq2).to.be.at.most(lastSeq).and.above(seq);
    expect(second).to.deep.equal(await candlesNow());
    expect(second).to.include({ t: first.t, open: 101, high: 104, low: 97, close: 104, volume: 6, trades: 3 });

    s.send({ op: "subscribe", channel: "candles", securityId: 9, interval: "1m" });
    s.send({ op: "subscribe", channel: "candles", securityId: 1, interval: "2m" });
    await waitFor(() => s.got.filter((m) => m.type === "error").length === 2, "two errors");
    expect(s.got.filter((m) => m.type === "error").map((m) => m.code)).to.have.members([
      "UNKNOWN_SECURITY",
      "INVALID_MESSAGE",
    ]);
  });

  it("refuses an upgrade without a valid key and answers bad ops with an error", async () => {
    const { bobKey } = await setup();
    for (const headers of [{}, { authorization: "Bearer mrk_nope" }]) {
      const ws = new WebSocket(`${h.base.replace("http", "ws")}/api/v1/stream`, { headers });
      const status = await new Promise<number>((ok) => {
        ws.on("unexpected-response", (_req, res) => ok(res.statusCode ?? 0));
        ws.on("open", () => ok(101));
        ws.on("error", () => ok(-1));
      });
      expect(status).to.equal(401);
    }
    const s = await stream(h, bobKey);
    closers.push(() => s.ws.close());
    s.send({ op: "subscribe", channel: "book", securityId: 9 });
    s.send({ op: "dance" });
    s.ws.send("not json");
    await waitFor(() => s.got.filter((m) => m.type === "error").length === 3, "three errors");
    expect(
      s.got
        .filter((m) => m.type === "error")
        .map((m) => m.code)
        .sort(),
    ).to.deep.equal(["INVALID_MESSAGE", "INVALID_MESSAGE", "UNKNOWN_SECURITY"]);
    // The room's own WebSocket path still works beside the stream (the harness connects rooms above).
  });

  it("a forced gap: a client that dropped its socket resumes executions from its last seq and gets exactly what it missed, once, in order; its book resyncs with a snapshot", async () => {
    const { room, bobKey } = await setup();
    const ex = (got: Msg[]) => got.filter((m) => m.type === "execution");
    const s1 = await stream(h, bobKey);
    s1.send({ op: "subscribe", channel: "executions" });
    await waitFor(() => s1.got.some((m) => m.type === "subscribed"), "subscribed");
    const first = await rest(h, "POST", "/orders", bobKey, {
      securityId: 1,
      side: "buy",
      price: 95,
      qty: 4,
      clientOrderId: "g1",
    });
    await waitFor(() => ex(s1.got).some((m) => m.kind === "rested"), "bob's order rested");
    const lastSeq = Math.max(...ex(s1.got).map((m) => m.seq));
    s1.ws.terminate(); // the gap starts: everything below happens while bob is away

    await room.request("place", { securityId: 1, side: "sell", price: 95, qty: 3 }); // fills 3 of bob's 4
    const second = await rest(h, "POST", "/orders", bobKey, {
      securityId: 1,
      side: "buy",
      price: 90,
      qty: 2,
      clientOrderId: "g2",
    });
    await rest(h, "DELETE", `/orders/${first.id}`, bobKey);

    const s2 = await stream(h, bobKey);
    closers.push(() => s2.ws.close());
    s2.send({ op: "subscribe", channel: "executions", since: lastSeq });
    s2.send({ op: "subscribe", channel: "book", securityId: 1, depth: 10 });
    await waitFor(() => s2.got.some((m) => m.type === "subscribed" && m.channel === "executions"), "resubscribed");
    // one live event after the resume, so replayed and live ones must join without a gap or a repeat
    await rest(h, "DELETE", `/orders/${second.id}`, bobKey);
    await waitFor(() => ex(s2.got).filter((m) => m.kind === "cancelled").length === 2, "both cancels");

    const s3 = await stream(h, bobKey); // the whole history, for comparison
    closers.push(() => s3.ws.close());
    s3.send({ op: "subscribe", channel: "executions", since: 0 });
    await waitFor(() => ex(s3.got).filter((m) => m.kind === "cancelled").length === 2, "full history");
    const key = (m: Msg) => `${m.seq}/${m.kind}`;
    const seen = [...ex(s1.got), ...ex(s2.got)].map(key);
    expect(seen).to.deep.equal(ex(s3.got).map(key));
    expect(new Set(seen).size).to.equal(seen.length);
    expect(ex(s2.got).map((m) => m.kind)).to.deep.equal(["fill", "accepted", "rested", "cancelled", "cancelled"]);
    expect(ex(s2.got)[0]).to.include({ role: "maker", qty: 3, price: 95 });
    expect(s2.got.some((m) => m.type === "resync")).to.equal(false);

    // the book over the gap: a fresh snapshot (seq 1 on the new connection), updated, equals the book REST reads
    const want = await rest(h, "GET", "/book/1?depth=10", bobKey);
    const books = () => s2.got.filter((m) => m.type === "book");
    await waitFor(
      () => JSON.stringify(rebuild(books())) === JSON.stringify({ bids: want.bids, asks: want.asks }),
      "the resynced book equals the REST book",
    );
    expect(books()[0]).to.include({ action: "snapshot", seq: 1 });
    expect(books().map((m) => m.seq)).to.deep.equal(books().map((_, i) => i + 1));
  });

  it('revoking a key closes its open streams at once (4401 "API key revoked"); other keys\' streams stay open', async () => {
    const { game, bob, alice, aliceKey } = await setup();
    const made = async (token: string) => {
      const r = await fetch(`${h.base}/api/v1/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      return (await r.json()) as { key: string; keyId: string };
    };
    const closed = (ws: WebSocket) =>
      new Promise<{ code: number; reason: string }>((ok) =>
        ws.once("close", (code, reason) => ok({ code, reason: reason.toString() })),
      );
    // bob revokes his own key: both of its streams close; alice's stays
    const k1 = await made(bob.token);
    const [s1, s2, sa] = await Promise.all([stream(h, k1.key), stream(h, k1.key), stream(h, aliceKey)]);
    closers.push(() => sa.ws.close());
    const gone = [closed(s1.ws), closed(s2.ws)];
    const del = await fetch(`${h.base}/api/v1/keys/${k1.keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(del.status).to.equal(200);
    for (const c of await Promise.all(gone)) expect(c).to.deep.equal({ code: 4401, reason: "API key revoked" });
    sa.send({ op: "ping" });
    await waitFor(() => sa.got.some((m) => m.type === "pong"), "alice's stream still answers");
    expect(sa.ws.readyState).to.equal(WebSocket.OPEN);

    // the admin revokes alice's second key: its stream closes the same way
    const k2 = await made(alice.token);
    const s3 = await stream(h, k2.key);
    const gone3 = closed(s3.ws);
    expect((await api(h, "DELETE", `/api/v1/admin/games/${game.gameId}/keys/${k2.keyId}`)).status).to.equal(200);
    expect(await gone3).to.deep.equal({ code: 4401, reason: "API key revoked" });
    // and the revoked key cannot open a new one
    const again = new WebSocket(`${h.base.replace("http", "ws")}/api/v1/stream`, {
      headers: { authorization: `Bearer ${k2.key}` },
    });
    const status = await new Promise<number>((ok) => {
      again.on("unexpected-response", (_req, res) => ok(res.statusCode ?? 0));
      again.on("open", () => ok(101));
      again.on("error", () => ok(-1));
    });
    expect(status).to.equal(401);
  });
});
