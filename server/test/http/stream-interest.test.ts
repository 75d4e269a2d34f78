/**
 * The stream publisher publishes only the channels a gateway announced (stream-interest.ts): with no
 * announcement a committed command puts nothing on the game's channels; an announced channel gets every
 * command from then on, the others still nothing; once announcements stop for the TTL it goes quiet
 * again. Real Valkey, real game writers and hub; what reaches Valkey is read with PSUBSCRIBE (which
 * announces nothing).
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import type { PlaceOrder } from "@marketroom/shared";
import { createLogger } from "../../src/config.ts";
import { GameHub } from "../../src/game/hub.ts";
import { Metrics } from "../../src/metrics.ts";
import { InterestAnnouncer, INTEREST_QUERY_CHANNEL, StreamInterest } from "../../src/http/api/stream-interest.ts";
import {
  execChannel,
  mdChannel,
  startStreamPublisher,
  type ExecMessage,
  type MdMessage,
} from "../../src/http/api/stream-publisher.ts";
import { closeEngine, connect, connectEngine, setupGame, type Engine } from "../engine/helpers.ts";
import { waitFor } from "../support/harness.ts";

const TTL_MS = 3000; // long enough that a busy machine does not let an announcement expire mid-step

describe("stream publisher: only announced channels", function () {
  this.timeout(60_000);
  let engine: Engine;
  let valkey: Redis;
  let monitor: Redis;
  let stop: () => void;
  let interest: StreamInterest;
  let gameId: string;
  let hub: GameHub;
  /** A gateway's announcer, driven by hand (not started: no repeats). */
  let gateway: InterestAnnouncer;
  const log = createLogger("silent");
  /** Every message on the game's channels, in arrival order. */
  const got: { channel: string; text: string }[] = [];

  before(async () => {
    engine = await connectEngine();
    valkey = await connect();
    monitor = await connect();
    hub = new GameHub(engine, new Metrics(), log);
    ({ gameId } = await setupGame(engine, {
      players: [
        { playerId: "buyer", cash: 1_000_000 },
        { playerId: "seller", cash: 1_000_000, holdings: [{ securityId: 1, qty: 1000 }] },
      ],
    }));
    monitor.on("pmessage", (_p: string, channel: string, text: string) => got.push({ channel, text }));
    await monitor.psubscribe(`game:{${gameId}}:*`);
    gateway = new InterestAnnouncer(valkey, () => [], log);
    interest = new StreamInterest(valkey, log, TTL_MS);
    stop = startStreamPublisher(hub, valkey, log, interest);
  });

  after(async () => {
    stop?.();
    await monitor?.quit();
    await valkey?.quit();
    await closeEngine(engine);
  });

  const order = (side: "buy" | "sell", price: number): PlaceOrder => ({ securityId: 1, side, price, qty: 1 });
  /** One order through the hub; fails the test on a rejection. Returns the command's last seq. */
  async function place(playerId: string, side: "buy" | "sell", price: number): Promise<number> {
    const r = await hub.place(gameId, playerId, order(side, price));
    if (!r.ok) expect.fail(`${playerId}'s order was refused: ${r.code}`);
    return r.lastSeq;
  }
  /** A trade: the seller rests an ask, the buyer lifts it; returns the last seq. */
  async function trade(price: number): Promise<number> {
    await place("seller", "sell", price);
    return place("buyer", "buy", price);
  }
  /** The md messages received, and the exec messages by player. */
  const mds = () => got.filter((m) => m.channel === mdChannel(gameId)).map((m) => JSON.parse(m.text) as MdMessage);
  const execs = (playerId: string) =>
    got.filter((m) => m.channel === execChannel(gameId, playerId)).map((m) => JSON.parse(m.text) as ExecMessage);

  it("publishes nothing nobody announced, an announced channel from then on, and nothing again once announcements stop", async () => {
    await waitFor(() => !interest.unsure(Date.now()), "the interest subscription to be live for its TTL");
    const unheard = await trade(100);

    // the book's channel announced: its messages arrive from the next command on, the players' stay quiet
    await gateway.added([mdChannel(gameId)]);
    await waitFor(() => interest.wanted(mdChannel(gameId), Date.now()), "the md announcement to arrive");
    const heard = await trade(101);
    await waitFor(() => mds().some((m) => m.lastSeq === heard), "the announced command's md message");
    expect(
      mds().every((m) => m.firstSeq > unheard),
      "no md message of the command before the announcement",
    ).to.equal(true);
    expect(mds().flatMap((m) => m.trades.map((t) => t.price))).to.deep.equal([101]);
    expect(execs("buyer")).to.deep.equal([]);
    expect(execs("seller")).to.deep.equal([]);

    // one player's executions announced: only that player's channel gets them
    await gateway.added([mdChannel(gameId), execChannel(gameId, "buyer")]);
    await waitFor(() => interest.wanted(execChannel(gameId, "buyer"), Date.now()), "the exec announcement");
    const own = await trade(102);
    await waitFor(() => mds().some((m) => m.lastSeq === own), "the md message of the third trade");
    const buyerFills = execs("buyer").flatMap((m) => m.events.filter((e) => e.type === "fill"));
    expect(buyerFills.map((e) => (e as { price: number }).price)).to.deep.equal([102]);
    expect(execs("seller")).to.deep.equal([]);

    // no more announcements: once the TTL has passed, the channels go quiet again
    await waitFor(
      () =>
        !interest.wanted(mdChannel(gameId), Date.now()) && !interest.wanted(execChannel(gameId, "buyer"), Date.now()),
      "the announcements to expire",
    );
    const before = got.length;
    const quiet = await trade(103);
    await gateway.added([mdChannel(gameId)]);
    await waitFor(() => interest.wanted(mdChannel(gameId), Date.now()), "the md announcement to arrive again");
    const last = await trade(104);
    await waitFor(() => mds().some((m) => m.lastSeq === last), "the md message of the last trade");
    const after = got.slice(before).map((m) => JSON.parse(m.text) as MdMessage | ExecMessage);
    expect(after.every((m) => !("firstSeq" in m) || m.firstSeq > quiet)).to.equal(true);
    expect(got.slice(before).every((m) => m.channel === mdChannel(gameId))).to.equal(true);
  });

  it("a publisher that starts skips as soon as every gateway answered its query with its whole list", async () => {
    const listened = [mdChannel(gameId)];
    const answering = new InterestAnnouncer(valkey, () => listened, log);
    const gatewaySub = await connect(); // the gateway's subscriber: it answers each query
    gatewaySub.on("message", (channel: string) => {
      if (channel === INTEREST_QUERY_CHANNEL) answering.answer();
    });
    await gatewaySub.subscribe(INTEREST_QUERY_CHANNEL);
    const late = new StreamInterest(valkey, log, 10 * 60_000); // without the answer it would stay unsure for 10 minutes
    try {
      late.start();
      await waitFor(() => !late.unsure(Date.now()), "the gateway's answer");
      expect(late.wanted(mdChannel(gameId), Date.now())).to.equal(true);
      expect(late.wanted(execChannel(gameId, "buyer"), Date.now())).to.equal(false);
    } finally {
      late.stop();
      await gatewaySub.quit();
    }
  });
});
