/**
 * The stream's fan-out writes its data frames itself (stream-fanout.ts): a real ws client must read
 * them as the messages sent, in order, for each of RFC 6455's three payload length forms (7-bit,
 * 16-bit, 64-bit), shared frames and a connection's own messages alike; nothing is written to a
 * connection after its close frame, and frames held before `close` reach the client first.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { WebSocket, WebSocketServer } from "ws";
import { Fanout, sharedText } from "../../src/http/api/stream-fanout.ts";
import type { Conn } from "../../src/http/api/stream-subscriptions.ts";
import { waitFor } from "../support/harness.ts";

interface Pair {
  conn: Conn;
  got: string[];
  closed: Promise<{ code: number; reason: string }>;
  client: WebSocket;
}

describe("stream fan-out frames", () => {
  let http: Server;
  let wss: WebSocketServer;
  const accepted: Conn[] = [];
  const clients: WebSocket[] = [];

  before(async () => {
    http = createServer();
    wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    http.on("upgrade", (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) =>
        accepted.push({ ws, socket, held: { frames: [], bytes: 0 } } as unknown as Conn),
      ),
    );
    await new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok));
  });

  after(async () => {
    for (const c of clients) c.terminate();
    wss.close();
    await new Promise((ok) => http.close(ok));
  });

  async function pair(): Promise<Pair> {
    const before = accepted.length;
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    clients.push(client);
    const got: string[] = [];
    client.on("message", (d, isBinary) => got.push(isBinary ? "(binary)" : d.toString()));
    const closed = new Promise<{ code: number; reason: string }>((ok) =>
      client.on("close", (code, reason) => ok({ code, reason: reason.toString() })),
    );
    await waitFor(() => accepted.length > before, "the server side of the connection");
    return { conn: accepted[before]!, got, closed, client };
  }

  it("a ws client reads shared and own messages of every length form, in order", async () => {
    const out = new Fanout();
    const a = await pair();
    const b = await pair();
    const texts = [
      JSON.stringify({ type: "trade", price: 100 }), // < 126 bytes
      JSON.stringify({ type: "news", headline: "é".repeat(200) }), // 126..65535 bytes, multi-byte UTF-8
      JSON.stringify({ type: "book", bids: "x".repeat(70_000) }), // > 65535 bytes
      JSON.stringify({ type: "book", bids: "y".repeat(125 - 25) }), // exactly 125 bytes
      JSON.stringify({ type: "book", bids: "z".repeat(126 - 25) }), // exactly 126 bytes
    ];
    expect(Buffer.byteLength(texts[3]!)).to.equal(125);
    expect(Buffer.byteLength(texts[4]!)).to.equal(126);
    for (const t of texts) {
      const shared = sharedText(t);
      out.sendShared(a.conn, shared);
      out.sendShared(b.conn, shared);
      out.send(a.conn, { own: t.length });
    }
    const wantA = texts.flatMap((t) => [t, JSON.stringify({ own: t.length })]);
    await waitFor(() => a.got.length >= wantA.length && b.got.length >= texts.length, "every message");
    expect(a.got).to.deep.equal(wantA);
    expect(b.got).to.deep.equal(texts);
  });

  it("close: held frames go out before the close frame, and nothing after it", async () => {
    const out = new Fanout();
    const a = await pair();
    out.send(a.conn, { n: 1 });
    out.send(a.conn, { n: 2 });
    out.close(a.conn, 4401, "API key revoked");
    out.send(a.conn, { n: 3 }); // after the close frame: dropped
    const closed = await a.closed;
    expect(closed).to.deep.equal({ code: 4401, reason: "API key revoked" });
    expect(a.got).to.deep.equal([JSON.stringify({ n: 1 }), JSON.stringify({ n: 2 })]);
  });
});
