/**
 * Frames out to stream connections (stream.ts): JSON text frames, each connection's socket corked from
 * its first frame until the next flush, so the frames of a burst leave in one write (one system call)
 * instead of one each. Flushes are at most one per FLUSH_MS: frames written after a quiet spell go out
 * on the event loop's next turn (no added wait, no extra wake-up of the process), frames that follow a
 * flush within FLUSH_MS wait for the rest of that interval. Flushing on every turn cost one write per
 * subscribed connection (50 in bench:api) for every turn that made frames, and a server that keeps up
 * handles most orders in a turn of their own (docs/algo-trading.md "Benchmark"); FLUSH_MS bounds what
 * the wait adds to the stream's lag.
 *
 * A message that goes to many connections (a trade, a headline, a book update of one seq) is made once
 * by its caller as a SharedText: its JSON already encoded as UTF-8. ws frames a Buffer without encoding
 * or copying it again (server frames are not masked, RFC 6455 5.1), so each connection pays only its
 * frame header; the framing stays ws' own (extensions, its send queue, pings and closes on the same
 * socket).
 */
import { WebSocket } from "ws";
import type { Conn } from "./stream-subscriptions.ts";

/** Updates are skipped (a gap the client sees) while a connection has more than this unsent. */
export const SLOW_CONSUMER_BYTES = 1 << 20;

/** Least time between two flushes, ms (the stream's lag target is 50 ms). */
export const FLUSH_MS = 5;

/** A text message made once for many connections: its JSON, UTF-8 encoded. */
export type SharedText = Buffer;

/** `text` encoded once for every connection it goes to. */
export function sharedText(text: string): SharedText {
  return Buffer.from(text, "utf8");
}

export class Fanout {
  /** Connections whose socket is corked until the next flush. */
  private readonly corked = new Set<Conn>();
  /** When the last flush ran (performance.now(), ms). */
  private flushedAt = -Infinity;

  /** `{ type: "error", code, message }` to one connection. */
  error(c: Conn, code: string, message: string): void {
    this.send(c, { type: "error", code, message });
  }

  send(c: Conn, msg: object): void {
    this.sendText(c, JSON.stringify(msg));
  }

  /** Sends one text frame (JSON) through ws; corks the socket until the next flush so a burst leaves in one write. */
  sendText(c: Conn, text: string | Buffer): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    this.cork(c);
    c.ws.send(text, { binary: false });
  }

  /** Sends a message made once for many connections (see the header); corked like sendText. */
  sendShared(c: Conn, m: SharedText): void {
    this.sendText(c, m);
  }

  private cork(c: Conn): void {
    if (this.corked.has(c)) return;
    if (this.corked.size === 0) {
      const wait = this.flushedAt + FLUSH_MS - performance.now();
      if (wait <= 0) setImmediate(() => this.uncorkAll());
      else setTimeout(() => this.uncorkAll(), wait);
    }
    this.corked.add(c);
    c.socket.cork();
  }

  private uncorkAll(): void {
    this.flushedAt = performance.now();
    for (const c of this.corked) c.socket.uncork();
    this.corked.clear();
  }
}
