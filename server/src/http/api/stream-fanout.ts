/**
 * Frames out to stream connections (stream.ts): JSON text frames, each connection's socket corked from
 * its first frame until the event loop's next turn, so the frames of a burst leave in one write (one
 * system call) instead of one each. A message sent to many connections is serialized once by its caller
 * (`sendText` takes the JSON text or a Buffer of it: a Buffer is sent as is, a string is encoded per socket).
 */
import { WebSocket } from "ws";
import type { Conn } from "./stream-subscriptions.ts";

/** Updates are skipped (a gap the client sees) while a connection has more than this unsent. */
export const SLOW_CONSUMER_BYTES = 1 << 20;

export class Fanout {
  /** Connections whose socket is corked until the flush scheduled on the next turn. */
  private readonly corked = new Set<Conn>();

  /** `{ type: "error", code, message }` to one connection. */
  error(c: Conn, code: string, message: string): void {
    this.send(c, { type: "error", code, message });
  }

  send(c: Conn, msg: object): void {
    this.sendText(c, JSON.stringify(msg));
  }

  /** Sends one text frame (JSON); corks the socket until the next turn so a burst leaves in one write. */
  sendText(c: Conn, text: string | Buffer): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (!this.corked.has(c)) {
      if (this.corked.size === 0) setImmediate(() => this.uncorkAll());
      this.corked.add(c);
      c.socket.cork();
    }
    c.ws.send(text, { binary: false });
  }

  private uncorkAll(): void {
    for (const c of this.corked) c.socket.uncork();
    this.corked.clear();
  }
}
