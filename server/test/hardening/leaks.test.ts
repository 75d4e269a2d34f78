/**
 * Nothing internal leaks (issue 11, item 6), against a real server process whose stderr is captured:
 * unknown message types (also "*" and names of Object's members) get UNKNOWN_MESSAGE through the SDK
 * and a raw `ws` client, by send() and by request(), and the connection stays usable; garbage frames
 * (undecodable payloads, unknown protocol codes, empty and oversized frames, broken WebSocket framing)
 * close at most the sender's connection; the server keeps serving; and every line on its stderr is a
 * JSON object (pino), with no stack trace outside a JSON string.
 */
import { expect } from "chai";
import { connect as tcpConnect } from "node:net";
import { WebSocket } from "ws";
import { Client, type Room } from "@colyseus/sdk";
import type { CommandReply } from "@marketroom/shared";
import { waitFor } from "../support/harness.ts";
import { call, startServer, stopServer, type ServerProcess } from "../support/server-process.ts";

const ROOM_DATA = 13;
const ROOM_REQUEST = 21;
const JOIN_ROOM = 10;

/** A short string as Colyseus' schema encoder writes it (fixstr: 0xa0 | length, then UTF-8). */
function str(s: string): number[] {
  const b = Buffer.from(s, "utf8");
  if (b.length > 31) throw new Error("keep test types short");
  return [0xa0 | b.length, ...b];
}

/** A raw `ws` client seated in the game's room (matchmaking over HTTP, then the room's socket). */
async function rawClient(
  base: string,
  gameId: string,
  token: string,
): Promise<{ ws: WebSocket; frames: Buffer[]; closed: Promise<number> }> {
  const seat = await call(base, "POST", "/matchmake/joinOrCreate/game", { gameId }, token);
  expect(seat.status, JSON.stringify(seat.body)).to.equal(200);
  const { processId, roomId, sessionId } = seat.body as { processId: string; roomId: string; sessionId: string };
  const ws = new WebSocket(`${base.replace("http", "ws")}/${processId}/${roomId}?sessionId=${sessionId}`);
  const frames: Buffer[] = [];
  ws.on("message", (d: Buffer) => frames.push(Buffer.from(d)));
  ws.on("error", () => {
    /* a close follows; the test reads the close code */
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  await waitFor(() => frames.some((f) => f[0] === JOIN_ROOM), "join handshake");
  ws.send(Buffer.from([JOIN_ROOM]));
  return { ws, frames, closed };
}

/** Frames that contain `text` (as raw bytes: replies are msgpack, strings stay readable). */
const withText = (frames: Buffer[], text: string) => frames.filter((f) => f.includes(text));

describe("hardening: nothing internal leaks", function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  let gameId: string;
  let joinCode: string;
  const rooms: Room[] = [];

  before(async () => {
    srv = await startServer();
    const g = await call(srv.base, "POST", "/api/games", {
      name: "leaks",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 10 }] },
    });
    expect(g.status).to.equal(201);
    ({ gameId, joinCode } = g.body);
    expect((await call(srv.base, "POST", `/api/games/${gameId}/start`)).status).to.equal(200);
  });
  after(async () => {
    for (const r of rooms) await r.leave().catch(() => {});
    if (srv) await stopServer(srv);
  });

  async function player(name: string): Promise<{ token: string; room: Room }> {
    const j = await call(srv.base, "POST", "/api/join", { code: joinCode, name }, null);
    expect(j.status).to.equal(201);
    const sdk = new Client(srv.base);
    sdk.auth.token = j.body.token;
    const room = await sdk.joinOrCreate("game", { gameId });
    rooms.push(room);
    return { token: j.body.token, room };
  }

  it('SDK: request() and send() of unknown types, "*" and Object member names answer UNKNOWN_MESSAGE; the session goes on', async () => {
    const { room } = await player("sdk");
    for (const type of [
      "*",
      "nope",
      "constructor",
      "__proto__",
      "toString",
      "hasOwnProperty",
      "reply",
      "x".repeat(200),
    ]) {
      for (const body of [undefined, null, {}, "text", 42, { ref: "r-1" }]) {
        const reply = (await room.request(type as never, body as never)) as CommandReply;
        expect(reply, `${type} ${JSON.stringify(body)}`).to.include({ ok: false, code: "UNKNOWN_MESSAGE" });
        expect((reply as { message?: string }).message).to.not.match(/TypeError|Error:|\n\s+at /);
        if ((body as { ref?: string } | null)?.ref) expect(reply.ref).to.equal("r-1");
      }
    }
    const got: CommandReply[] = [];
    room.onMessage("reply", (r: CommandReply) => got.push(r));
    room.onMessage("replies", (m: { replies: CommandReply[] }) => got.push(...m.replies));
    room.send("nope" as never, { ref: "s-1" } as never);
    room.send("*" as never, {} as never);
    await waitFor(() => got.length >= 2, "replies to send()");
    expect(got.map((r) => [r.ok, !r.ok && r.code])).to.deep.equal([
      [false, "UNKNOWN_MESSAGE"],
      [false, "UNKNOWN_MESSAGE"],
    ]);
    expect(got[0]!.ref).to.equal("s-1");
    const placed = (await room.request("place", { securityId: 1, side: "buy", price: 90, qty: 1 })) as CommandReply;
    expect(placed).to.include({ ok: true });
  });

  it("raw ws: unknown types by ROOM_DATA and ROOM_REQUEST get UNKNOWN_MESSAGE; undecodable payloads close only that connection", async () => {
    const { token, room: bystander } = await player("raw");
    const raw = await rawClient(srv.base, gameId, token);
    raw.ws.send(Buffer.from([ROOM_DATA, ...str("nope"), 0x80]));
    raw.ws.send(Buffer.from([ROOM_REQUEST, 7, ...str("*"), 0x80]));
    raw.ws.send(Buffer.from([ROOM_REQUEST, 8, ...str("constructor")]));
    await waitFor(() => withText(raw.frames, "UNKNOWN_MESSAGE").length >= 3, "three UNKNOWN_MESSAGE replies");
    for (const f of raw.frames) expect(f.toString("latin1")).to.not.match(/TypeError|no_handler|\n\s+at /);
    // unknown protocol codes and an empty frame are ignored; the connection stays open
    raw.ws.send(Buffer.from("hello"));
    raw.ws.send(Buffer.alloc(0));
    raw.ws.send(Buffer.from([0xff, 0x00, 0x01]));
    raw.ws.send(Buffer.from([ROOM_REQUEST, 9, ...str("nope")]));
    await waitFor(() => withText(raw.frames, "UNKNOWN_MESSAGE").length >= 4, "the connection still answers");
    // a payload that is not msgpack: Colyseus closes the connection (4002), nothing else
    raw.ws.send(Buffer.from([ROOM_DATA, ...str("place"), 0xc1, 0xc1]));
    expect(await raw.closed).to.equal(4002);
    const after = (await bystander.request("place", { securityId: 1, side: "buy", price: 91, qty: 1 })) as CommandReply;
    expect(after).to.include({ ok: true });
  });

  it("broken WebSocket framing, oversized frames and bogus sessions close that socket; the server goes on", async () => {
    const { token } = await player("framing");
    // an oversized frame (the transport's maxPayload is 4 KB)
    const big = await rawClient(srv.base, gameId, token);
    big.ws.send(Buffer.alloc(64 * 1024, 1));
    expect(await big.closed).to.equal(1009);
    // a reserved opcode on a raw socket after a real upgrade
    const seat = await call(srv.base, "POST", "/matchmake/joinOrCreate/game", { gameId }, token);
    const { processId, roomId, sessionId } = seat.body;
    await new Promise<void>((resolve) => {
      const sock = tcpConnect(srv.port, "127.0.0.1", () => {
        sock.write(
          `GET /${processId}/${roomId}?sessionId=${sessionId} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        );
        setImmediate(() => sock.write(Buffer.from([0x83, 0x80, 1, 2, 3, 4]))); // opcode 3 is reserved
      });
      sock.resume(); // read, so that the server's close is seen
      sock.on("error", () => resolve());
      sock.on("close", () => resolve());
    });
    // a socket for a session that was never reserved, and one without any session
    for (const path of ["/nope/nope?sessionId=bogus", "/"]) {
      const ws = new WebSocket(`${srv.base.replace("http", "ws")}${path}`);
      ws.on("error", () => {});
      ws.on("open", () => ws.send(Buffer.from([0xde, 0xad])));
      await new Promise((resolve) => ws.once("close", resolve));
    }
    expect((await call(srv.base, "GET", "/health")).status).to.equal(200);
  });

  it("every line the server wrote to stderr is a JSON object; stack traces only inside JSON strings", async () => {
    // The garbage above was logged: wait for Colyseus' line about the undecodable payload.
    await waitFor(() => /MessagePack|Data read/.test(srv.stderr()), "the undecodable payload logged");
    const lines = srv
      .stderr()
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(lines.length).to.be.greaterThan(0);
    for (const line of lines) {
      let parsed: unknown;
      expect(
        () => {
          parsed = JSON.parse(line);
        },
        line.slice(0, 300),
      ).to.not.throw();
      expect(parsed, line.slice(0, 300)).to.be.an("object").with.property("level");
    }
    expect(srv.stderr()).to.not.include("[ioredis]");
  });
});
