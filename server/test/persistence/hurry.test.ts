/**
 * Hurry messages over a real Valkey (persistence/hurry.ts): a reader's request wakes a lingering
 * persister at once and holds until the seq is persisted; a reader still waiting re-sends only when
 * its seq is new or the last message is HURRY_RESEND_MS old.
 */
import { expect } from "chai";
import type { Redis } from "iovalkey";
import { HURRY_CHANNEL, HurryListener, HurrySender } from "../../src/persistence/hurry.ts";
import { connect, newGameId } from "./helpers.ts";

describe("persistence: hurry", () => {
  let client: Redis;
  const persisted = new Map<string, number>();
  let listener: HurryListener;

  before(async () => {
    client = await connect();
  });
  beforeEach(async () => {
    persisted.clear();
    listener = new HurryListener((g) => persisted.get(g) ?? 0);
    await listener.start(client, () => {});
  });
  afterEach(() => listener.stop());
  after(async () => {
    await client?.quit();
  });

  it("a request wakes a long sleep at once and holds until the seq is persisted", async () => {
    const game = newGameId("hurry");
    // a sleep far beyond mocha's timeout: the test passes only if the message ends it
    const slept = listener.sleep(10 * 60_000);
    new HurrySender(client).request(game, 7);
    await slept;
    expect(listener.active, "seq 7 not yet persisted").to.equal(true);
    persisted.set(game, 6);
    expect(listener.active, "seq 6 is not enough").to.equal(true);
    persisted.set(game, 7);
    expect(listener.active, "seq 7 persisted").to.equal(false);
    // with no request holding, a sleep is a sleep again: it outlasts a short one
    const winner = await Promise.race([listener.sleep(60_000).then(() => "sleep"), sleepMs(50).then(() => "timer")]);
    expect(winner).to.equal("timer");
  });

  it("a waiting reader re-sends only a higher seq, or after HURRY_RESEND_MS", async () => {
    const game = newGameId("hurry");
    const seen: string[] = [];
    const sub = client.duplicate();
    sub.on("message", (_c: string, text: string) => seen.push(text));
    await sub.subscribe(HURRY_CHANNEL);
    try {
      const sender = new HurrySender(client);
      sender.request(game, 5);
      sender.request(game, 5); // the same seq at once: nothing new to say
      sender.request(game, 4); // a lower one is covered by 5
      sender.request(game, 6);
      await until(() => seen.filter((t) => t.startsWith(game)).length >= 2);
      const mark = `${game} end`;
      await client.publish(HURRY_CHANNEL, mark); // published after every request above: arrives after them
      await until(() => seen.includes(mark));
      expect(seen.filter((t) => t.startsWith(`${game} `) && t !== mark)).to.deep.equal([`${game} 5`, `${game} 6`]);
    } finally {
      sub.disconnect();
    }
  });

  it("a malformed message changes nothing", async () => {
    await client.publish(HURRY_CHANNEL, "no-seq-here");
    await client.publish(HURRY_CHANNEL, "g notanumber");
    const game = newGameId("hurry");
    const slept = listener.sleep(10 * 60_000);
    new HurrySender(client).request(game, 1); // published after the bad ones: they have been handled
    await slept;
    persisted.set(game, 1);
    expect(listener.active, "only the well-formed request held, and it is met").to.equal(false);
  });
});

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 5 ms until it holds (mocha's timeout bounds the wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleepMs(5);
}
