/**
 * A lightweight game client for the end-to-end benchmark: it speaks the Colyseus 0.18 room protocol
 * (seat reservation over HTTP, then the WebSocket frames of @colyseus/shared-types' Protocol) but never
 * decodes state patches, so a load generator can run hundreds of them without spending most of its CPU
 * on patch decoding (issue 13: the SDK clients used 1.2-1.7x the server's CPU).
 *
 * Frames used (node_modules/@colyseus/shared-types/src/Protocol.ts):
 *   server -> client JOIN_ROOM     answered with a one-byte JOIN_ROOM (the SDK's join acknowledgement)
 *   client -> server ROOM_REQUEST  [21, requestId varint, type string, msgpack body]
 *   server -> client ROOM_RESPONSE [22, requestId varint, status byte, msgpack body]
 * Every other frame (ROOM_STATE, ROOM_STATE_PATCH, ROOM_DATA...) is counted and dropped.
 */
import { Protocol, ResponseStatus } from "@colyseus/shared-types";
import { decode, encode, type Iterator } from "@colyseus/schema";
import { Packr, unpack } from "msgpackr";
import { WebSocket } from "ws";

/** The reply to one request: ok is the transport status (the body carries the game's own ok/code). */
export interface Reply {
  ok: boolean;
  body: unknown;
}

const packr = new Packr({ useRecords: false });

/** One connected player. `request` resolves with the reply; `onReply` sees every reply with its request's tag. */
export class LightClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private readonly header = new Uint8Array(256);
  /** Frames that were not replies (state, patches, messages): received and not decoded. */
  otherFrames = 0;
  otherBytes = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.onFrame(data));
    ws.on("close", () => {
      for (const resolve of this.pending.values()) resolve({ ok: false, body: { code: "CLOSED" } });
      this.pending.clear();
    });
  }

  /**
   * Reserves a seat (POST /matchmake/joinOrCreate/game with the player's bearer token) and connects;
   * resolves once the room's JOIN_ROOM arrived and was acknowledged. Throws on an HTTP or socket error.
   */
  static async connect(base: string, token: string, gameId: string): Promise<LightClient> {
    const res = await fetch(`${base}/matchmake/joinOrCreate/game`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ gameId }),
    });
    if (!res.ok) throw new Error(`seat reservation failed: ${res.status} ${await res.text()}`);
    const seat = (await res.json()) as { sessionId: string; roomId: string; processId: string };
    const url = `${base.replace(/^http/, "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}&_authToken=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url);
    ws.binaryType = "nodebuffer";
    return new Promise((resolve, reject) => {
      const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
      ws.once("error", fail);
      ws.once("close", (code) => fail(new Error(`closed with ${code} before the join completed`)));
      ws.once("message", (data: Buffer) => {
        if (data[0] !== Protocol.JOIN_ROOM) return fail(new Error(`first frame ${data[0]} is not JOIN_ROOM`));
        ws.removeAllListeners("error");
        ws.removeAllListeners("close");
        ws.send(Uint8Array.of(Protocol.JOIN_ROOM));
        resolve(new LightClient(ws));
      });
    });
  }

  /** Sends a request (a room command such as "place") and resolves with its reply. */
  request(type: string, body: unknown): Promise<Reply> {
    const id = this.nextId++;
    const it: Iterator = { offset: 1 };
    this.header[0] = Protocol.ROOM_REQUEST;
    encode.number(this.header as unknown as Buffer, id, it);
    encode.string(this.header as unknown as Buffer, type, it);
    const payload = packr.pack(body);
    const frame = Buffer.allocUnsafe(it.offset + payload.length);
    frame.set(this.header.subarray(0, it.offset), 0);
    frame.set(payload, it.offset);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(frame);
    });
  }

  private onFrame(data: Buffer): void {
    if (data[0] !== Protocol.ROOM_RESPONSE) {
      this.otherFrames++;
      this.otherBytes += data.length;
      return;
    }
    const it: Iterator = { offset: 1 };
    const id = decode.number(data, it);
    const status = data[it.offset++];
    const body = data.length > it.offset ? unpack(data.subarray(it.offset)) : undefined;
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve({ ok: status === ResponseStatus.OK, body });
  }

  /** Requests still waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    this.ws.close();
  }
}
