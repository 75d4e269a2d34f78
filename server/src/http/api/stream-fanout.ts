/**
 * Frames out to stream connections (stream.ts): JSON text frames, collected per connection until the
 * next flush and then written in one socket write (one system call) instead of one each. Flushes are at
 * most one per FLUSH_MS: frames made after a quiet spell go out on the event loop's next turn (no added
 * wait, no extra wake-up of the process), frames that follow a flush within FLUSH_MS wait for the rest of
 * that interval. Flushing on every turn cost one write per subscribed connection (50 in bench:api) for
 * every turn that made frames, and a server that keeps up handles most orders in a turn of their own
 * (docs/api-benchmark.md); FLUSH_MS bounds what the wait adds to the stream's lag.
 *
 * The fan-out frames its data messages itself (RFC 6455 5.2: FIN, opcode 1 = text, the payload length,
 * no mask: server frames are not masked, 5.1), which is what ws would write, since the gateway's
 * WebSocketServer negotiates no extension (perMessageDeflate off, stream.ts). A message that goes to many
 * connections (a trade, a headline, a book update of one seq) is framed once by its caller as a
 * SharedText, the whole frame's bytes, and each connection only holds a reference to it until its flush:
 * per receiver no serialization, no framing and no write call of its own (ws.send per message and socket
 * was most of the fan-out's CPU: profiled). ws keeps its own control frames (pings, pongs, the close
 * handshake), written at once, between whole frames; a connection whose ws is no longer open at its flush
 * gets no data frame after its close frame (`close` flushes before closing).
 */
import { WebSocket } from "ws";
import type { Conn } from "./stream-subscriptions.ts";

/** Updates are skipped (a gap the client sees) while a connection has more than this unsent. */
export const SLOW_CONSUMER_BYTES = 1 << 20;

/**
 * Least time between two flushes, ms (the stream's lag target is 50 ms). Each flush costs one socket
 * write per connection with frames, about 20 µs of CPU each on the 2-core test machine (mostly the
 * loopback's delivery to the reader), so under load a flush's writes are shared by the orders of one
 * interval: at 2,000 orders/s and 50 subscribed connections, 5 ms cost 5 writes per order, 10 ms cost
 * 2.5 (docs/api-benchmark.md).
 */
export const FLUSH_MS = 10;

/** A text message made once for many connections: its whole frame (header and UTF-8 JSON). */
export type SharedText = Buffer;

/** `text` framed once for every connection it goes to. */
export function sharedText(text: string): SharedText {
  return textFrame(text);
}

/** A final, unmasked text frame holding `text` (RFC 6455 5.2). */
function textFrame(text: string): Buffer {
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.write(text, head, "utf8");
  return frame;
}

/** Bytes not yet on the wire for `c`: held for its next flush and in its socket's buffers (ws.bufferedAmount). */
export function unsentBytes(c: Conn): number {
  return c.held.bytes + c.ws.bufferedAmount;
}

export class Fanout {
  /** Connections holding frames until the next flush. */
  private readonly holding = new Set<Conn>();
  /** When the last flush ran (performance.now(), ms). */
  private flushedAt = -Infinity;

  /** `{ type: "error", code, message }` to one connection. */
  error(c: Conn, code: string, message: string): void {
    this.send(c, { type: "error", code, message });
  }

  /** One message (JSON) to one connection, at the next flush. */
  send(c: Conn, msg: object): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    this.hold(c, textFrame(JSON.stringify(msg)));
  }

  /** A message framed once for many connections (see the header), at the next flush. */
  sendShared(c: Conn, m: SharedText): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    this.hold(c, m);
  }

  /** Writes what `c` holds, then starts the close handshake (code, reason: RFC 6455 7.4). */
  close(c: Conn, code: number, reason: string): void {
    this.write(c);
    c.ws.close(code, reason);
  }

  private hold(c: Conn, frame: Buffer): void {
    if (c.held.frames.length === 0) {
      if (this.holding.size === 0) {
        const wait = this.flushedAt + FLUSH_MS - performance.now();
        if (wait <= 0) setImmediate(() => this.flush());
        else setTimeout(() => this.flush(), wait);
      }
      this.holding.add(c);
    }
    c.held.frames.push(frame);
    c.held.bytes += frame.length;
  }

  private flush(): void {
    this.flushedAt = performance.now();
    for (const c of this.holding) this.write(c);
    this.holding.clear();
  }

  /** Writes the frames `c` holds in one write (none once its ws is closing: nothing may follow a close frame). */
  private write(c: Conn): void {
    const { frames, bytes } = c.held;
    if (frames.length === 0) return;
    c.held = { frames: [], bytes: 0 };
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
  }
}
