/**
 * The commit call's RESP encoder (server/src/engine/resp.ts) writes exactly what the plain encoding
 * `$<UTF-8 bytes>\r\n<text>\r\n` per argument gives, for any text (ASCII or not, short or long, lengths
 * on both sides of a digit boundary), any safe integer, and arguments built piece by piece; and a
 * commit whose event text is not ASCII reads back unchanged from Valkey.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Redis } from "iovalkey";
import { claimGame, commitBatch } from "../../src/engine/commit.ts";
import * as K from "../../src/engine/keys.ts";
import { HEAD_ROOM, respWriter } from "../../src/engine/resp.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";
import { connect, newGameId } from "./helpers.ts";

/** The plain encoding of one argument. */
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** One argument of the encoder: a text, an integer, or texts joined by "\n". */
type Arg = { text: string } | { int: number } | { joined: string[] };

const arg: fc.Arbitrary<Arg> = fc.oneof(
  fc.record({ text: fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: "binary", maxLength: 120 })) }),
  fc.record({ int: fc.maxSafeInteger().map((n) => n * (n % 2 === 0 ? 1 : -1)) }),
  fc.record({ joined: fc.array(fc.string({ unit: "binary", maxLength: 40 }), { maxLength: 6 }) }),
);

describe("RESP encoder (resp.ts)", () => {
  it("writes every argument as the plain encoding does, in order, with HEAD_ROOM free bytes first", () => {
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 40 }), (args) => {
        const w = respWriter();
        let expected = "";
        for (const a of args) {
          if ("text" in a) {
            w.bulk(a.text);
            expected += bulk(a.text);
          } else if ("int" in a) {
            w.int(a.int);
            expected += bulk(String(a.int));
          } else {
            w.joined(a.joined, 0x0a);
            expected += bulk(a.joined.join("\n"));
          }
        }
        const body = w.take();
        expect(body.argc).to.equal(args.length);
        expect(body.bytes.length).to.equal(HEAD_ROOM + Buffer.byteLength(expected));
        expect(body.bytes.subarray(HEAD_ROOM).toString()).to.equal(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("gets the header right when a piece-built argument's length crosses a digit boundary", () => {
    for (const len of [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 70_000]) {
      for (const guess of [0, 9, 10, 99, 100, 1000, 100_000]) {
        const w = respWriter();
        w.begin(guess);
        w.append("é".repeat(Math.floor(len / 2)));
        if (len % 2 === 1) w.appendByte(0x41);
        w.end();
        const text = "é".repeat(Math.floor(len / 2)) + (len % 2 === 1 ? "A" : "");
        expect(w.take().bytes.subarray(HEAD_ROOM).toString()).to.equal(bulk(text));
      }
    }
  });

  it("appends numbers as String() writes them", () => {
    for (const n of [
      0,
      -0,
      7,
      -7,
      10,
      1_700_000_000_000,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      1.5,
      -2e21,
    ]) {
      const w = respWriter();
      w.begin(1);
      w.appendNumber(n);
      w.end();
      expect(w.take().bytes.subarray(HEAD_ROOM).toString()).to.equal(bulk(String(n)));
    }
  });

  describe("against Valkey", () => {
    let client: Redis;
    before(async () => {
      client = await connect();
    });
    after(() => client.disconnect());

    it("a commit of non-ASCII event text and values reads back unchanged", async () => {
      const g = newGameId();
      const epoch = await claimGame(client, g, "resp-test");
      const events = [JSON.stringify({ type: "note", seq: 1, text: "Zürich 🚀 東京" })];
      await commitBatch(client, g, epoch, 0, events, [["HSET", K.playersKey(g), "p1", "Åsa 🚀"]]);
      const entries = (await client.xrange(K.eventsKey(g), "-", "+")) as [string, string[]][];
      expect(entries.flatMap(([, fields]) => entryTexts(entryData(fields) ?? ""))).to.deep.equal(events);
      expect(await client.hget(K.playersKey(g), "p1")).to.equal("Åsa 🚀");
    });
  });
});
