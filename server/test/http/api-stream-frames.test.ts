/**
 * The stream's shared frames (http/api/stream-fanout.ts textFrame): the bytes ws itself would send for the
 * same text message from a server, and read back by ws' own frame parser as that text, for payloads with
 * each of RFC 6455's three length encodings (7-bit, 16-bit, 64-bit) and their boundaries, and multi-byte
 * UTF-8. The stream tests (api-stream.test.ts) cover the frames end to end over real connections.
 */
import { expect } from "chai";
import * as ws from "ws";
import { textFrame } from "../../src/http/api/stream-fanout.ts";

/** ws' Sender and Receiver (exported by ws at runtime, not declared by @types/ws). */
const { Sender, Receiver } = ws as unknown as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
  Receiver: new (options: { isServer: boolean }) => NodeJS.WritableStream & {
    on(event: "message", fn: (data: Buffer, isBinary: boolean) => void): void;
    on(event: "error", fn: (err: Error) => void): void;
  };
};

/** What ws' server side sends for a text message (no mask, no compression). */
function wsFrame(text: string): Buffer {
  const data = Buffer.from(text, "utf8");
  return Buffer.concat(Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
}

/** The messages ws' client-side parser reads from `bytes`. */
function parse(bytes: Buffer): Promise<{ text: string; isBinary: boolean }[]> {
  return new Promise((resolve, reject) => {
    const got: { text: string; isBinary: boolean }[] = [];
    const r = new Receiver({ isServer: false });
    r.on("message", (data, isBinary) => got.push({ text: data.toString("utf8"), isBinary }));
    r.on("error", reject);
    r.write(bytes, () => resolve(got));
  });
}

describe("stream shared frames", () => {
  const lengths = [0, 1, 125, 126, 127, 65535, 65536, 70000];

  for (const n of lengths) {
    it(`a ${n}-byte text message is the frame ws sends, and reads back as the text`, async () => {
      const text = "x".repeat(n);
      const m = textFrame(text);
      expect(m.frame.equals(wsFrame(text))).to.equal(true);
      expect(m.text.toString("utf8")).to.equal(text);
      expect(await parse(m.frame)).to.deep.equal([{ text, isBinary: false }]);
    });
  }

  it("counts the length in UTF-8 bytes, not characters (a Buffer is framed as it is)", async () => {
    const text = JSON.stringify({ type: "news", headline: "Zürich – ½ € ✓ 📈".repeat(9) });
    const m = textFrame(Buffer.from(text, "utf8"));
    expect(Buffer.byteLength(text)).to.be.greaterThan(text.length);
    expect(m.frame.equals(wsFrame(text))).to.equal(true);
    expect(await parse(Buffer.concat([m.frame, textFrame("{}").frame]))).to.deep.equal([
      { text, isBinary: false },
      { text: "{}", isBinary: false },
    ]);
  });
});
