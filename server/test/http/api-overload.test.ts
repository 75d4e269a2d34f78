/**
 * Overload on the REST API for programs (issue 14: bench:api's programs saw ECONNRESET), against a real
 * server process over real TCP:
 *   - past API_MAX_INFLIGHT requests in the works, a request is answered at once with 503 UNAVAILABLE
 *     and Retry-After on both doors (the fast lane and Express), the connection stays open, and the
 *     server answers normally again once the requests in the works are done;
 *   - connections opened while the server cannot accept them (stopped: SIGSTOP) wait in the kernel's
 *     listen queue past Node's default backlog of 511, and each gets an HTTP answer once the server runs
 *     again: none is reset;
 *   - an idle keep-alive connection stays open past Node's own 5 s (HTTP_KEEP_ALIVE_SEC, default 65), so
 *     a program's spare connections are still there when it gets busy; the server closes it after
 *     HTTP_KEEP_ALIVE_SEC.
 */
import { expect } from "chai";
import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { until, waitFor } from "../support/harness.ts";
import { startServer, stopServer, type ServerProcess } from "../support/server-process.ts";

interface Reply {
  status: number;
  headers: string;
  body: string;
}

/** A plain HTTP/1.1 connection that records each reply (by Content-Length) and how it ended. */
class Conn {
  readonly replies: Reply[] = [];
  connected = false;
  /** The socket's error code (ECONNRESET...) or "closed" once it ended; "" while open. */
  ended = "";
  private buf = "";
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1", () => (this.connected = true));
    this.socket.setEncoding("latin1");
    this.socket.on("data", (d: string) => this.onData(d));
    this.socket.on("error", (err: Error & { code?: string }) => (this.ended = err.code ?? err.message));
    this.socket.on("close", () => (this.ended ||= "closed"));
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves with reply number `n` (0-based); rejects if the connection ends before it. */
  reply(n: number, what: string): Promise<Reply> {
    return waitFor(
      () => {
        if (this.replies[n]) return this.replies[n];
        if (this.ended) throw new Error(`connection ended (${this.ended}) before ${what}`);
        return undefined;
      },
      what,
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ended: ${this.ended || "no"}`);
    });
  }

  private onData(d: string): void {
    this.buf += d;
    for (;;) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headers = this.buf.slice(0, end);
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
      if (this.buf.length < end + 4 + length) return;
      this.replies.push({
        status: Number(headers.slice(9, 12)),
        headers,
        body: this.buf.slice(end + 4, end + 4 + length),
      });
      this.buf = this.buf.slice(end + 4 + length);
    }
  }
}

const KEY = "mrk_not-a-real-key-but-it-is-only-checked-after-admission";
const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\n\r\n`;
const ORDER = JSON.stringify({ securityId: 1, side: "buy", price: 99, qty: 1 });
/** An order request whose body is sent apart (`full` false: all but its last byte), so it stays in the works. */
const post = (contentType: string, full: boolean) =>
  `POST /api/v1/orders HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\ncontent-type: ${contentType}\r\n` +
  `content-length: ${ORDER.length}\r\n\r\n${full ? ORDER : ORDER.slice(0, -1)}`;

function expectShed(r: Reply): void {
  expect(r.status, r.body).to.equal(503);
  expect(JSON.parse(r.body).code).to.equal("UNAVAILABLE");
  const retry = /\r\nretry-after:\s*(\d+)/i.exec(r.headers)?.[1];
  expect(Number(retry), r.headers).to.be.at.least(1);
}

describe("REST API under overload (real server process)", function () {
  this.timeout(120_000);
  let server: ServerProcess | undefined;
  const conns: Conn[] = [];

  afterEach(async () => {
    if (server) server.child.kill("SIGCONT");
    for (const c of conns.splice(0)) c.socket.destroy();
    if (server) await stopServer(server);
    server = undefined;
  });

  it("past API_MAX_INFLIGHT requests in the works answers 503 UNAVAILABLE with Retry-After on an open connection, then recovers", async () => {
    const max = 3;
    server = await startServer({ env: { API_MAX_INFLIGHT: String(max), LOG_LEVEL: "warn" } });
    // `max` order requests whose bodies have not all arrived: each is in the works until its body ends.
    const held = Array.from({ length: max }, () => new Conn(server!.port));
    conns.push(...held);
    for (const c of held) c.write(post("application/json", false));
    // The fast lane: a probe is shed once the held requests are admitted (the server reads them on its own time).
    const probe = new Conn(server.port);
    conns.push(probe);
    let n = 0;
    const shed = await until(async () => {
      probe.write(get("/api/v1/game"));
      const r = await probe.reply(n++, "the probe's reply");
      return r.status === 503 ? r : null;
    }, "a shed reply");
    expectShed(shed);
    // Express (a charset the fast lane leaves to it): shed too, body unread, on a connection that stays open.
    const express = new Conn(server.port);
    conns.push(express);
    express.write(post("application/json; charset=iso-8859-1", true));
    expectShed(await express.reply(0, "Express's reply"));
    express.write(get("/api/v1/game"));
    expectShed(await express.reply(1, "Express's second reply"));
    // The held requests end: each is answered (the key is unknown: 401), and the server takes requests again.
    for (const c of held) c.write(ORDER.slice(-1));
    for (const c of held) expect((await c.reply(0, "a held request's reply")).status).to.equal(401);
    for (const c of [probe, express]) {
      const r = await until(async () => {
        c.write(get("/api/v1/game"));
        const reply = await c.reply(c.replies.length, "a reply after the overload");
        return reply.status === 503 ? null : reply;
      }, "an answer that is not shed");
      expect(r.status, r.body).to.equal(401);
      expect(JSON.parse(r.body).code).to.equal("UNAUTHORIZED");
    }
    expect([...held, probe, express].map((c) => c.ended)).to.deep.equal(["", "", "", "", ""]);
  });

  it("connections opened while the server cannot accept them are queued past 511 and all answered, none reset", async () => {
    // The kernel caps the listen queue at net.core.somaxconn; 600 > Node's default backlog of 511.
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    const count = Math.min(600, somaxconn - 10);
    server = await startServer({ env: { LOG_LEVEL: "warn" } });
    server.child.kill("SIGSTOP");
    const storm = Array.from({ length: count }, () => new Conn(server!.port));
    conns.push(...storm);
    // With a backlog of 511 the kernel drops the handshakes past it while the server is stopped.
    await waitFor(() => storm.every((c) => c.connected), `${count} handshakes completed by the kernel`, 30_000);
    for (const c of storm) c.write(get("/api/v1/game"));
    server.child.kill("SIGCONT");
    const replies = await Promise.all(storm.map((c) => c.reply(0, "a reply after the storm")));
    // Each is answered over HTTP: the unknown key's 401, or 503 UNAVAILABLE where the server shed it.
    for (const r of replies) {
      if (r.status === 503) expectShed(r);
      else expect(r.status, r.body).to.equal(401);
    }
    expect(storm.filter((c) => c.ended).map((c) => c.ended)).to.deep.equal([]);
  });

  it("keeps an idle keep-alive connection open past Node's 5 s default and closes it after HTTP_KEEP_ALIVE_SEC", async () => {
    server = await startServer({ env: { LOG_LEVEL: "warn" } });
    const kept = new Conn(server.port);
    conns.push(kept);
    kept.write(get("/api/v1/game"));
    expect((await kept.reply(0, "the first reply")).status).to.equal(401);
    // Longer than Node's default keepAliveTimeout (5 s): this is the time under test, not a wait for work.
    await new Promise((r) => setTimeout(r, 6500));
    expect(kept.ended, "the server closed the idle connection").to.equal("");
    kept.write(get("/api/v1/game"));
    expect((await kept.reply(1, "the reply after 6.5 s idle")).status).to.equal(401);
    await stopServer(server);
    server = await startServer({ env: { LOG_LEVEL: "warn", HTTP_KEEP_ALIVE_SEC: "1" } });
    const short = new Conn(server.port);
    conns.push(short);
    short.write(get("/api/v1/game"));
    expect((await short.reply(0, "the first reply")).status).to.equal(401);
    await waitFor(() => short.ended === "closed" || undefined, "the server to close the idle connection", 30_000);
  });
});
