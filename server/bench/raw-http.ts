/**
 * A minimal HTTP/1.1 keep-alive client (and, at the end, a minimal WebSocket reader: RawStream) for the
 * load generators of the benches (api.bench.ts): requests written as one string on a plain TCP socket,
 * replies read by their Content-Length. It costs the load
 * generator a fraction of node:http's CPU per request (and node:http a fraction of fetch's), so on a
 * small machine the programs' process takes less of the CPU the server under test needs.
 *
 * Scope: one request at a time per connection (no pipelining), up to `maxSockets` connections, reused
 * while the server keeps them open; replies must carry Content-Length (or be 204/304), as the /api/v1
 * routes' do. A reply without one, a connection closed or reset before the reply ends, or no reply within
 * `timeoutMs` rejects the request (Error with `code`: NO_LENGTH, ECONNRESET..., TIMEOUT; its message says
 * how many replies the connection had carried, how long it had been idle and whether any byte of this
 * reply came: a reset on a new connection that never got a byte is the server's listen queue, one on a
 * connection idle for seconds its keep-alive timeout).
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

export interface RawReply {
  status: number;
  text: string;
  /** When the request was written to its connection (performance.now(), ms). */
  writtenAt: number;
  /** True when it was the first request on its connection (a connection opened for it). */
  fresh: boolean;
}

interface Pending {
  writtenAt: number;
  fresh: boolean;
  resolve: (r: RawReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Idle connections older than this are not reused, ms: a little under the game server's keep-alive
 * timeout (HTTP_KEEP_ALIVE_SEC, 65 s, which api.bench.ts' bare baseline server uses too; Node's own
 * default is 5 s).
 */
const MAX_IDLE_MS = 60_000;

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

/** One keep-alive connection: at most one request in flight. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  closed = false;
  /** When its last reply ended, or it was opened (ms, Date.now()). */
  idleSince = Date.now();
  /** Opened ahead of any request (preconnect): its first request did not open it. */
  preopened = false;
  /** Replies it has carried. */
  private served = 0;
  /** Idle time before the request in flight was written, ms (-1: a new connection). */
  private idleAtSend = -1;
  /** Settles when the TCP connection is established (rejects if it fails first). */
  readonly ready: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    this.ready = new Promise((ok, fail) => {
      socket.once("connect", () => ok());
      socket.once("error", fail);
    });
    this.ready.catch(() => {}); // a failure also fails the request on it
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (err: Error & { code?: string }) => this.fail(failure(err.code ?? "ERROR", err.message)));
    socket.on("close", () => this.fail(failure("ECONNRESET", "connection closed before the reply")));
  }

  send(request: string, timeoutMs: number): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(failure("TIMEOUT", `no reply within ${timeoutMs} ms`));
        this.socket.destroy();
      }, timeoutMs);
      this.pending = {
        writtenAt: performance.now(),
        fresh: this.served === 0 && !this.preopened,
        resolve,
        reject,
        timer,
      };
      this.idleAtSend = this.served ? Date.now() - this.idleSince : -1;
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0 || !this.pending) return;
    const head = this.buf.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : status === 204 || status === 304 ? 0 : -1;
    if (length < 0) {
      this.fail(failure("NO_LENGTH", "a reply without Content-Length"));
      this.socket.destroy();
      return;
    }
    if (this.buf.length < end + 4 + length) return;
    const text = this.buf.toString("utf8", end + 4, end + 4 + length);
    this.buf = this.buf.subarray(end + 4 + length);
    const p = this.pending;
    this.pending = undefined;
    this.served++;
    clearTimeout(p.timer);
    if (/\r\nconnection:\s*close/i.test(head)) this.socket.end();
    else {
      this.idleSince = Date.now();
      this.onIdle(this);
    }
    p.resolve({ status, text, writtenAt: p.writtenAt, fresh: p.fresh });
  }

  private fail(err: Error): void {
    this.closed = true;
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    clearTimeout(p.timer);
    const where = this.served ? `after ${this.served} replies, idle ${this.idleAtSend} ms before` : "a new connection";
    err.message += ` (${where}; ${this.buf.length ? "part of the reply came" : "no byte of the reply came"})`;
    p.reject(err);
  }
}

/** Keep-alive connections to one server (`host`:`port`), up to `maxSockets` at once. */
export class RawHttpClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: ((c: Connection) => void)[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one request (`headers` plus Host, Content-Length for a body); the reply's status and body text. */
  async request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    const c = await this.connection();
    return c.send(`${head}\r\n${body ?? ""}`, this.timeoutMs);
  }

  /**
   * Opens connections until `n` are open (at most maxSockets), resolving once each is connected, so that
   * a program's first requests go on open connections, as a program that connects before it trades does.
   */
  async preconnect(n: number): Promise<void> {
    const opened: Promise<unknown>[] = [];
    while (this.all.size < Math.min(n, this.maxSockets)) {
      const c = this.open();
      c.preopened = true;
      this.idle.push(c);
      opened.push(c.ready);
    }
    await Promise.all(opened);
  }

  /** Closes every connection. */
  destroy(): void {
    for (const c of this.all) c.destroy();
  }

  private connection(): Promise<Connection> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.closed) continue;
      // A connection idle for nearly the server's keep-alive timeout may be closing as the request goes
      // out (an ECONNRESET that says nothing about the server): not reused.
      if (Date.now() - c.idleSince > MAX_IDLE_MS) c.destroy();
      else return Promise.resolve(c);
    }
    if (this.all.size < this.maxSockets) return Promise.resolve(this.open());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private open(): Connection {
    const socket = connect(this.port, this.host);
    const c = new Connection(socket, (done) => this.release(done));
    this.all.add(c);
    socket.on("close", () => {
      this.all.delete(c);
      const next = this.waiting.shift(); // a request waiting for a connection gets a new one
      if (next) void this.connection().then(next);
    });
    return c;
  }

  private release(c: Connection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }
}

/**
 * A minimal WebSocket client (RFC 6455) for the programs' streams in api.bench.ts: the upgrade on a plain
 * TCP socket, then the server's frames read by their headers, and only the text frames that contain
 * `needle` handed on (as a slice of the received bytes, not copied or decoded). ws' client parsed,
 * copied and emitted each of the ~50 x (book update + trade + execution) frames an order makes, about a
 * quarter of the programs' process's CPU at 1,000 orders/s (profiled); a frame that is not looked at now
 * costs a few integer reads, and one `indexOf` per received chunk finds the frames to look at.
 *
 * Scope: the server's frames are unmasked and unfragmented (stream-fanout.ts frames each message whole),
 * without extensions (the gateway disables permessage-deflate). Pings are answered with pongs (the gateway
 * closes a connection that misses one: stream.ts). Frames sent are masked text frames.
 */
export class RawStream {
  /** Settles once the server has accepted the upgrade (101); rejects if it answers otherwise or fails. */
  readonly opened: Promise<void>;
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private readonly needle: Buffer;

  constructor(
    host: string,
    port: number,
    path: string,
    headers: Record<string, string>,
    needle: string,
    private readonly onFrame: (data: Buffer, start: number, end: number) => void,
  ) {
    this.needle = Buffer.from(needle);
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    let head = `GET ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n`;
    head += `sec-websocket-key: ${randomBytes(16).toString("base64")}\r\nsec-websocket-version: 13\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    this.socket.write(`${head}\r\n`);
    this.opened = new Promise((ok, fail) => {
      this.socket.once("error", fail);
      this.socket.once("close", () => fail(failure("ECONNRESET", "stream closed before the upgrade")));
      this.socket.on("data", (d: Buffer) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        if (this.upgraded) return this.frames();
        const end = this.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = this.buf.toString("latin1", 9, 12);
        if (status !== "101") {
          fail(failure("UPGRADE", `stream upgrade answered ${status}`));
          this.socket.destroy();
          return;
        }
        this.upgraded = true;
        this.buf = this.buf.subarray(end + 4);
        ok();
        this.frames();
      });
    });
    this.opened.catch(() => {});
    this.socket.on("error", () => {}); // after the upgrade: the bench's results say what was missed
  }

  /** Sends `text` as one masked text frame (short messages: under 64 KiB). */
  send(text: string): void {
    this.socket.write(this.frame(0x1, Buffer.from(text)));
  }

  /** Sends a close frame and ends the connection. */
  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end(this.frame(0x8, Buffer.alloc(0)));
  }

  private frame(opcode: number, payload: Buffer): Buffer {
    const ext = payload.length < 126 ? 0 : 2;
    const out = Buffer.allocUnsafe(2 + ext + 4 + payload.length);
    out[0] = 0x80 | opcode;
    if (ext) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(payload.length, 2);
    } else out[1] = 0x80 | payload.length;
    const mask = randomBytes(4);
    mask.copy(out, 2 + ext);
    for (let i = 0; i < payload.length; i++) out[2 + ext + 4 + i] = payload[i]! ^ mask[i & 3]!;
    return out;
  }

  /** Reads the whole frames in `buf`; keeps a partial one for the next chunk. */
  private frames(): void {
    const b = this.buf;
    let pos = 0;
    let hit = b.indexOf(this.needle, 0);
    while (b.length - pos >= 2) {
      const opcode = b[pos]! & 0x0f;
      let len = b[pos + 1]! & 0x7f;
      let start = pos + 2;
      if (len === 126) {
        if (b.length - pos < 4) break;
        len = b.readUInt16BE(pos + 2);
        start = pos + 4;
      } else if (len === 127) {
        if (b.length - pos < 10) break;
        len = b.readUInt32BE(pos + 2) * 2 ** 32 + b.readUInt32BE(pos + 6);
        start = pos + 10;
      }
      const end = start + len;
      if (end > b.length) break;
      if (opcode === 0x1 && hit >= start && hit < end) this.onFrame(b, start, end);
      else if (opcode === 0x9) this.socket.write(this.frame(0xa, b.subarray(start, end)));
      else if (opcode === 0x8) this.socket.end();
      if (hit >= 0 && hit < end) hit = b.indexOf(this.needle, end);
      pos = end;
    }
    this.buf = pos === b.length ? Buffer.alloc(0) : b.subarray(pos);
  }
}
