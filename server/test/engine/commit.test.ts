/**
 * The commit and claim scripts (lua/commands/commit-n.lua, claim-1.lua) through server/src/engine/commit.ts,
 * against the shared test Valkey: ops applied exactly and atomically, events and seq continuous, fencing,
 * seq checks, key tags and key types refused before anything is written.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Redis } from "iovalkey";
import { callCommand } from "../../src/engine/commands.ts";
import { CommitError, claimGame, commitBatch, type KeyOp } from "../../src/engine/commit.ts";
import * as K from "../../src/engine/keys.ts";
import { connect, newGameId, snapshot } from "./helpers.ts";

/** The error a promise rejects with (fails the test when it resolves). */
async function refusal(p: Promise<unknown>): Promise<CommitError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(CommitError);
    return err as CommitError;
  }
  expect.fail("expected the commit to be refused");
}

const ev = (seq: number, type = "note") => JSON.stringify({ type, seq, ts: 1 });

describe("commit script", () => {
  let client: Redis;
  before(async () => {
    client = await connect();
  });
  after(async () => {
    await client.quit();
  });

  it("applies every op kind exactly, appends the events as <seq>-0 entries and sets the seq", async () => {
    const g = newGameId("commit");
    const epoch = await claimGame(client, g, "node-a");
    const h = `${K.gameKey(g)}:h`,
      z = `${K.gameKey(g)}:z`,
      s = `${K.gameKey(g)}:s`,
      str = `${K.gameKey(g)}:str`,
      gone = `${K.gameKey(g)}:gone`;
    await client.set(gone, "x");
    const last = await commitBatch(
      client,
      g,
      epoch,
      0,
      [ev(1), ev(2)],
      [
        ["HSET", h, "a", 1, "b", "two", "c", 3],
        ["HDEL", h, "c"],
        ["ZADD", z, -10, "m1", 5, "m2", 7, "m3"],
        ["ZREM", z, "m3"],
        ["SADD", s, "x", "y"],
        ["SREM", s, "y"],
        ["SET", str, "v1"],
        ["SET", str, 42],
        ["DEL", gone],
        ["HSET", K.gameKey(g), "phase", "running"],
      ],
    );
    expect(last).to.equal(2);
    expect(await client.hgetall(h)).to.deep.equal({ a: "1", b: "two" });
    expect(await client.zrange(z, 0, -1, "WITHSCORES")).to.deep.equal(["m1", "-10", "m2", "5"]);
    expect(await client.smembers(s)).to.deep.equal(["x"]);
    expect(await client.get(str)).to.equal("42");
    expect(await client.exists(gone)).to.equal(0);
    expect(await client.hget(K.gameKey(g), "phase")).to.equal("running");
    expect(await client.get(K.seqKey(g))).to.equal("2");
    const entries = await client.xrange(K.eventsKey(g), "-", "+");
    expect(entries, "one entry for the batch, id = its last seq").to.deep.equal([
      ["2-0", ["data", `${ev(1)}\n${ev(2)}`]],
    ]);

    expect(await commitBatch(client, g, epoch, 2, [ev(3)], [["DEL", h]])).to.equal(3);
    expect(await client.exists(h)).to.equal(0);
    expect((await client.xrange(K.eventsKey(g), "-", "+")).map(([id]) => id)).to.deep.equal(["2-0", "3-0"]);
  });

  it("ends in the same state as the same ops run one by one (coalescing per key keeps their effect)", async () => {
    const names = ["h1", "h2", "z1", "s1", "t1"];
    const field = fc.constantFrom("a", "b", "c");
    const opArb = fc.oneof(
      fc.tuple(fc.constantFrom("h1", "h2"), fc.constantFrom("HSET"), field, fc.integer({ min: -5, max: 5 })),
      fc.tuple(fc.constantFrom("h1", "h2"), fc.constantFrom("HDEL"), field),
      fc.tuple(fc.constant("z1"), fc.constantFrom("ZADD"), fc.integer({ min: -3, max: 3 }), field),
      fc.tuple(fc.constant("z1"), fc.constantFrom("ZREM"), field),
      fc.tuple(fc.constant("s1"), fc.constantFrom("SADD", "SREM"), field),
      fc.tuple(fc.constant("t1"), fc.constantFrom("SET"), fc.integer({ min: 0, max: 9 })),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom("DEL")),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (commands) => {
          const a = newGameId("coalesce-a");
          const b = newGameId("coalesce-b");
          const epoch = await claimGame(client, a, "n");
          const toOps = (g: string, cmd: (string | number)[][]): KeyOp[] =>
            cmd.map(([key, op, ...rest]) => [op, `${K.gameKey(g)}:${key}`, ...rest] as unknown as KeyOp);
          const all = commands.flatMap((c) => toOps(a, c));
          await commitBatch(client, a, epoch, 0, [ev(1)], all);
          for (const [op, key, ...rest] of commands.flatMap((c) => toOps(b, c)))
            await client.call(op, key, ...rest.map(String));
          const strip = async (g: string) => {
            const snap = await snapshot(client, g);
            return Object.fromEntries(
              Object.entries(snap)
                .filter(([k]) => names.some((n) => k.endsWith(`:${n}`)))
                .map(([k, v]) => [k.replace(`{${g}}`, "{g}"), v]),
            );
          };
          expect(await strip(a)).to.deep.equal(await strip(b));
        },
      ),
      { numRuns: 40, seed: 1234 },
    );
  });

  it("refuses a stale epoch with FENCED after a second claim, and writes nothing", async () => {
    const g = newGameId("fence");
    const first = await claimGame(client, g, "room-1");
    await commitBatch(client, g, first, 0, [ev(1)], [["HSET", K.gameKey(g), "phase", "running"]]);
    const second = await claimGame(client, g, "room-2");
    expect(second).to.equal(first + 1);
    expect(await client.hget(K.ownerKey(g), "node")).to.equal("room-2");
    const before = await snapshot(client, g);
    const err = await refusal(commitBatch(client, g, first, 1, [ev(2)], [["HSET", K.gameKey(g), "phase", "ended"]]));
    expect(err.code).to.equal("FENCED");
    expect(await snapshot(client, g)).to.deep.equal(before);
    expect(await commitBatch(client, g, second, 1, [ev(2)], [["HSET", K.gameKey(g), "phase", "ended"]])).to.equal(2);
  });

  it("refuses a commit on a game nobody claimed with FENCED", async () => {
    const g = newGameId("unclaimed");
    expect((await refusal(commitBatch(client, g, 1, 0, [ev(1)], []))).code).to.equal("FENCED");
    expect(await client.exists(K.eventsKey(g), K.seqKey(g))).to.equal(0);
  });

  it("refuses a seq that is not the last committed one with SEQ_MISMATCH, and writes nothing", async () => {
    const g = newGameId("seq");
    const epoch = await claimGame(client, g, "n");
    await commitBatch(client, g, epoch, 0, [ev(1), ev(2)], []);
    const before = await snapshot(client, g);
    for (const stale of [0, 1, 3]) {
      const err = await refusal(
        commitBatch(client, g, epoch, stale, [ev(stale + 1)], [["SET", `${K.gameKey(g)}:x`, 1]]),
      );
      expect(err.code).to.equal("SEQ_MISMATCH");
    }
    expect(await snapshot(client, g)).to.deep.equal(before);
  });

  it("refuses a key without the game's tag, or one of the fixed keys, with BAD_KEY before writing", async () => {
    const g = newGameId("tag");
    const other = newGameId("other");
    const epoch = await claimGame(client, g, "n");
    const before = await snapshot(client, g);
    for (const key of [
      `${K.gameKey(other)}:x`,
      `game:{${g}x}:y`,
      `x:${K.gameKey(g)}`,
      `game:${g}:x`,
      K.ownerKey(g),
      K.seqKey(g),
      K.eventsKey(g),
    ]) {
      // through the TS encoder, which refuses it at once...
      expect((await refusal(commitBatch(client, g, epoch, 0, [ev(1)], [["SET", key, 1]]))).code).to.equal("BAD_KEY");
      // ...and straight to the script, which refuses it too (a caller that skips the encoder)
      const raw = callCommand(client, "commit", [
        5,
        K.ownerKey(g),
        K.seqKey(g),
        K.eventsKey(g),
        `${K.gameKey(g)}:ok`,
        key,
        epoch,
        0,
        1,
        ev(1),
        2,
        "SET",
        4,
        1,
        "v",
        "SET",
        5,
        1,
        "v",
      ]);
      const err = await raw.then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/^BAD_KEY /);
    }
    expect(await snapshot(client, g)).to.deep.equal(before);
    expect(await client.exists(`${K.gameKey(other)}:x`)).to.equal(0);
  });

  it("refuses a key whose type clashes with its ops (BAD_TYPE) before writing any op or event", async () => {
    const g = newGameId("type");
    const epoch = await claimGame(client, g, "n");
    const z = `${K.gameKey(g)}:z`;
    await commitBatch(client, g, epoch, 0, [ev(1)], [["ZADD", z, 1, "m"]]);
    const before = await snapshot(client, g);
    const err = await refusal(
      commitBatch(
        client,
        g,
        epoch,
        1,
        [ev(2)],
        [
          ["HSET", `${K.gameKey(g)}:h`, "a", 1],
          ["HSET", z, "f", 1],
        ],
      ),
    );
    expect(err.code).to.equal("BAD_TYPE");
    expect(await snapshot(client, g)).to.deep.equal(before);
    // after a DEL the old type no longer matters
    expect(
      await commitBatch(
        client,
        g,
        epoch,
        1,
        [ev(2)],
        [
          ["DEL", z],
          ["HSET", z, "f", 1],
        ],
      ),
    ).to.equal(2);
    expect(await client.hgetall(z)).to.deep.equal({ f: "1" });
  });

  it("refuses malformed ops with BAD_OP and writes nothing", async () => {
    const g = newGameId("badop");
    const epoch = await claimGame(client, g, "n");
    const k = `${K.gameKey(g)}:k`;
    const bad = [
      ["INCRBY", k, 1],
      ["HSET", k, "a"],
      ["ZADD", k, "1.5", "m"],
      ["ZADD", k, "nan", "m"],
      ["SET", k],
      ["DEL", k, "x"],
      ["HDEL", k],
    ] as unknown as KeyOp[];
    for (const op of bad) {
      expect((await refusal(commitBatch(client, g, epoch, 0, [ev(1)], [op]))).code, JSON.stringify(op)).to.equal(
        "BAD_OP",
      );
    }
    expect(
      (
        await refusal(
          commitBatch(
            client,
            g,
            epoch,
            0,
            [ev(1)],
            [
              ["HSET", k, "a", 1],
              ["ZADD", k, 1, "m"],
            ],
          ),
        )
      ).code,
    ).to.equal("BAD_OP");
    for (const argv of [
      ["HSET", 4, 1, "a"],
      ["ZADD", 4, 2, "1e3", "m"],
      ["NOPE", 4, 0],
      ["SET", 9, 1, "v"],
      ["SET", 1, 1, "v"],
    ]) {
      const err = await callCommand(client, "commit", [
        4,
        K.ownerKey(g),
        K.seqKey(g),
        K.eventsKey(g),
        k,
        epoch,
        0,
        1,
        ev(1),
        1,
        ...argv,
      ]).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message, JSON.stringify(argv)).to.match(/^BAD_OP /);
    }
    expect(await client.exists(k, K.eventsKey(g), K.seqKey(g))).to.equal(0);
  });

  it("refuses every malformed raw call (generic and order ops, counts, indexes, events) with its code and writes nothing", async () => {
    const g = newGameId("rawbad");
    const epoch = await claimGame(client, g, "n");
    const k = `${K.gameKey(g)}:k`;
    const book = `${K.gameKey(g)}:security:1:orderbook`;
    const order = (fields: (string | number)[]) => fields.join("\t");
    const good = order(["000000000012", "buy", 100, 2, 2, "p1", 5, 0, ""]);
    // [n, events, typed, ...ops] after numkeys, KEYS (owner, seq, events, k, book), epoch and last seq
    const cases: [string, (string | number)[]][] = [
      ["BAD_ARG", ["1.5", ev(1), 2]],
      ["BAD_ARG", [-1, ev(1), 2]],
      ["BAD_ARG", [2, ev(1), 2]],
      ["BAD_ARG", [1, `${ev(1)}\n${ev(2)}`, 2]],
      ["BAD_ARG", [0, ev(1), 2]],
      ["BAD_ARG", [1, ev(1), "x"]],
      ["BAD_ARG", [1, ev(1), -1]],
      ["BAD_ARG", [1, ev(1), "0.5"]],
      ["BAD_OP", [1, ev(1), 2, "HSET", "4.5", 2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 0, 2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 3, 2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 6, 2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", "x", 2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, "2.5", "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, "inf", "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, "nan", "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, -2, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, 4, "a", 1]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, 1025, ...Array.from({ length: 1025 }, () => "a")]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4]],
      ["BAD_OP", [1, ev(1), 2, "ZADD", 4, 2, "12345678901234567", "m"]],
      ["BAD_OP", [1, ev(1), 2, "ZADD", 4, 2, "0x10", "m"]],
      ["BAD_OP", [1, ev(1), 2, "ZADD", 4, 4, 1, "m", "-", "n"]],
      ["BAD_OP", [1, ev(1), 2, "SET", 4, 2, "a", "b"]],
      ["BAD_OP", [1, ev(1), 2, "DEL", 4, 1, "x"]],
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, 2, "a", 1, "DEL", 4, 0, "ZADD", 4, 2, 1, "m", "SADD", 4, 1, "m"]],
      ["BAD_OP", [1, ev(1), 2, "ORD", 4, 1, good]],
      ["BAD_OP", [1, ev(1), 2, "ORD", 5, 0]],
      ["BAD_OP", [1, ev(1), 2, "ODEL", 5, 0]],
      ["BAD_OP", [1, ev(1), 2, "ODEL", 5, 2, "12", "12a"]],
      ["BAD_OP", [1, ev(1), 2, "ODEL", 4, 1, "12"]],
      ...[
        ["x12", "buy", 100, 2, 2, "p1", 5, 0, ""],
        ["12", "hold", 100, 2, 2, "p1", 5, 0, ""],
        ["12", "buy", "1.5", 2, 2, "p1", 5, 0, ""],
        ["12", "buy", 100, -2, 2, "p1", 5, 0, ""],
        ["12", "buy", 100, 2, "", "p1", 5, 0, ""],
        ["12", "buy", 100, 2, 2, "p 1", 5, 0, ""],
        ["12", "buy", 100, 2, 2, "p1", "t", 0, ""],
        ["12", "buy", 100, 2, 2, "p1", 5, 2, ""],
        ["12", "buy", 100, 2, 2, "p1", 5, 0],
        ["12", "buy", 100, 2, 2, "p1", 5],
      ].flatMap((fields): [string, (string | number)[]][] => [
        ["BAD_OP", [1, ev(1), 2, "ORD", 5, 2, good, order(fields)]],
        ["BAD_OP", [1, ev(1), 2, "OUPD", 5, 1, order(fields)]],
      ]),
      ["BAD_OP", [1, ev(1), 2, "HSET", 4, 2, "a", 1, "ORD", 5, 1, good, "NOPE", 4, 0]],
    ];
    const call = (rest: (string | number)[]) =>
      callCommand(client, "commit", [5, K.ownerKey(g), K.seqKey(g), K.eventsKey(g), k, book, epoch, 0, ...rest]).then(
        () => null,
        (e: Error) => e,
      );
    for (const [code, rest] of cases) {
      const err = await call(rest);
      expect(err?.message, JSON.stringify(rest).slice(0, 300)).to.match(new RegExp(`^${code} `));
    }
    // an existing key of another type: refused when it is type-checked (typed covers it), before any write
    await client.set(k, "s");
    await client.set(`${book}:resting`, "s");
    for (const rest of [
      [1, ev(1), 1, "HSET", 4, 2, "a", 1],
      [1, ev(1), 2, "ORD", 5, 1, good],
      [1, ev(1), 2, "ODEL", 5, 1, "12"],
    ]) {
      const err = await call(rest);
      expect(err?.message, JSON.stringify(rest)).to.match(/^BAD_TYPE /);
    }
    expect(await client.exists(K.eventsKey(g), K.seqKey(g), `${book}:000000000012`, `${book}:12`)).to.equal(0);
    expect(await client.get(k)).to.equal("s");
    expect(await client.get(`${book}:resting`)).to.equal("s");
  });

  it("writes raw order ops to the order hashes and the book's index exactly (cid and post_only only when set)", async () => {
    const g = newGameId("rawords");
    const epoch = await claimGame(client, g, "n");
    const book = `${K.gameKey(g)}:security:2:orderbook`;
    const a = ["000000000001", "buy", 99, 5, 5, "p1", 7, 0, ""].join("\t");
    const b = ["000000000002", "sell", -3, 4, 4, "p_2-x", -8, 1, "c 1\tz"].join("\t");
    const c = ["000000000003", "sell", 101, 1, 1, "p3", 9, 0, "cid3"].join("\t");
    const run = (seq: number, ops: (string | number)[]) =>
      callCommand(client, "commit", [
        4,
        K.ownerKey(g),
        K.seqKey(g),
        K.eventsKey(g),
        book,
        epoch,
        seq,
        1,
        ev(seq + 1),
        1,
        ...ops,
      ]);
    expect(await run(0, ["ORD", 4, 3, a, b, c])).to.equal(1);
    expect(await client.hgetall(`${book}:000000000001`)).to.deep.equal({
      side: "buy",
      price: "99",
      qty: "5",
      amount: "5",
      player_id: "p1",
      ts: "7",
    });
    expect(await client.hgetall(`${book}:000000000002`)).to.deep.equal({
      side: "sell",
      price: "-3",
      qty: "4",
      amount: "4",
      player_id: "p_2-x",
      cid: "c 1\tz",
      ts: "-8",
      post_only: "1",
    });
    expect(await client.hgetall(`${book}:000000000003`)).to.deep.equal({
      side: "sell",
      price: "101",
      qty: "1",
      amount: "1",
      player_id: "p3",
      cid: "cid3",
      ts: "9",
      post_only: "0",
    });
    expect(await client.hgetall(`${book}:resting`)).to.deep.equal({
      "000000000001": a,
      "000000000002": b,
      "000000000003": c,
    });
    const a2 = ["000000000001", "buy", 99, 5, 3, "p1", 7, 0, ""].join("\t");
    expect(await run(1, ["ODEL", 4, 2, "000000000002", "000000000003", "OUPD", 4, 1, a2])).to.equal(2);
    expect(await client.hgetall(`${book}:000000000001`)).to.include({ amount: "3", qty: "5" });
    expect(await client.exists(`${book}:000000000002`, `${book}:000000000003`)).to.equal(0);
    expect(await client.hgetall(`${book}:resting`)).to.deep.equal({ "000000000001": a2 });
  });

  it("sends the script's source again when the server lost it (SCRIPT FLUSH), two calls in flight landing in order", async () => {
    const g = newGameId("noscript");
    const epoch = await claimGame(client, g, "n");
    expect(await commitBatch(client, g, epoch, 0, [ev(1)], [])).to.equal(1);
    await client.script("FLUSH");
    const landed = await Promise.all([
      commitBatch(client, g, epoch, 1, [ev(2)], []),
      commitBatch(client, g, epoch, 2, [ev(3)], []),
    ]);
    expect(landed).to.deep.equal([2, 3]);
    expect(await client.get(K.seqKey(g))).to.equal("3");
    expect((await client.xrange(K.eventsKey(g), "-", "+")).map(([id]) => id)).to.deep.equal(["1-0", "2-0", "3-0"]);
  });

  it("claim increments the epoch and records node and since", async () => {
    const g = newGameId("claim");
    const t0 = Date.now();
    expect(await claimGame(client, g, "a")).to.equal(1);
    expect(await claimGame(client, g, "b")).to.equal(2);
    const owner = await client.hgetall(K.ownerKey(g));
    expect(owner.epoch).to.equal("2");
    expect(owner.node).to.equal("b");
    expect(Number(owner.since)).to.be.within(t0 - 60_000, Date.now() + 60_000);
    expect((await refusal(claimGame(client, g, ""))).code).to.equal("BAD_ARG");
  });
});
