/**
 * The stream for programs: a plain WebSocket at /api/v1/stream (JSON text frames, no Colyseus SDK),
 * authenticated by an API key (`Authorization: Bearer mrk_...` on the upgrade request, or `?key=` for
 * clients that cannot set headers). It serves the key's game; docs/algo-trading.md has the protocol.
 *
 *   client -> { op: "subscribe" | "unsubscribe", channel: "book", securityId, depth? (1..100, 20) }
 *             { op: "subscribe" | "unsubscribe", channel: "candles", securityId, interval (1s..1h) }
 *             { op: "subscribe" | "unsubscribe", channel: "trades" | "news" | "clock" | "executions" }
 *             { op: "ping" }
 *   server -> { type: "welcome" | "subscribed" | "unsubscribed" | "pong" | "error", ... }
 *             { type: "book", action: "snapshot" | "update", securityId, seq, gameSeq, bids, asks }
 *             { type: "candle" | "trade" | "news" | "clock" | "execution", ... }
 *
 * Book: a snapshot (full levels to `depth`) then updates holding only the changed levels (qty 0 = the
 * level is gone). `seq` counts the messages of that book subscription, 1 = the snapshot, +1 each
 * update: a client that sees a number skipped lost an update and subscribes again (a new snapshot). The
 * server skips updates to a connection whose send buffer is over SLOW_CONSUMER_BYTES, which is such a
 * gap. `gameSeq` is the game's event seq the levels were read at.
 *
 * Fan-out: the gateway subscribes to the Valkey channels of stream-publisher.ts (`game:{g}:md`, and
 * `game:{g}:exec:<player>` for a connection that subscribed to its executions), so commands committed by
 * any server process reach every process's clients. A gateway made `local` (the process runs alone, no PRESENCE=redis)
 * subscribes to none of them: its own publisher hands it the messages as objects (`receive`,
 * stream-publisher.ts LocalReceiver), the same ones at the same point, without the Valkey round trip. On a md message touching a security, the gateway
 * reads that book once from the engine (coalesced: one read in flight per book, one more if anything
 * changed meanwhile) and sends each subscriber the difference from what it last sent. A player's
 * executions travel only on that player's channel, which only connections with that player's key
 * subscribe to.
 *
 * Cost per message (docs/api-benchmark.md): a trade or headline is serialized and framed once
 * for all its receivers; subscribers of one book at one depth share their levels, so the difference is
 * computed once per depth and framed once per seq; and a connection's frames are held from its first
 * until the next flush, at most one per FLUSH_MS (stream-fanout.ts), so the frames of a burst leave in
 * one write (one system call) instead of one each. No extension is negotiated (perMessageDeflate off):
 * the fan-out writes frames as ws would, without ws.send per message and socket.
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { Redis } from "iovalkey";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../../config.ts";
import { asApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { ApiAuth } from "./auth.ts";
import type { History } from "./history.ts";
import { CANDLE_INTERVALS } from "./schemas.ts";
import { BookFeeds } from "./stream-books.ts";
import { CandleBuilder, SEED_TRADES } from "./stream-candles.ts";
import { executionsOf, replayExecutions } from "./stream-executions.ts";
import { Fanout, sharedText } from "./stream-fanout.ts";
import {
  execChannel,
  mdChannel,
  REVOKED_CHANNEL,
  type ExecMessage,
  type LocalReceiver,
  type MdMessage,
  type TradeMsg,
} from "./stream-publisher.ts";
import { Op, type CandleSub, type Conn } from "./stream-subscriptions.ts";
import { InterestAnnouncer, INTEREST_QUERY_CHANNEL } from "./stream-interest.ts";

export const STREAM_PATH = "/api/v1/stream";
const MAX_OPS_PER_SEC = 50;
const PING_MS = 15_000;
/**
 * Close code and reason when the connection's key stops being valid: revoked (by its player or the
 * admin, on any server process) or expired (docs/algo-trading.md, "Stream"). 4000-4999 = the
 * application's own codes (RFC 6455 7.4.2).
 */
export const KEY_REVOKED_CLOSE = { code: 4401, reason: "API key revoked" } as const;
export const KEY_EXPIRED_CLOSE = { code: 4401, reason: "API key expired" } as const;

export class StreamGateway implements LocalReceiver {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly conns = new Set<Conn>();
  /** Valkey channel -> connections that need it. */
  private readonly channels = new Map<string, Set<Conn>>();
  private sub: Redis | undefined;
  private pinger: NodeJS.Timeout | undefined;
  /** Tells the publishers of every process which channels this gateway listens to (stream-interest.ts). */
  private readonly interest: InterestAnnouncer;
  /** Channel -> its SUBSCRIBE and first announcement (stream-interest.ts). */
  private readonly listening = new Map<string, Promise<void>>();
  private readonly out = new Fanout();
  private readonly books: BookFeeds;

  constructor(
    private readonly service: GameService,
    private readonly auth: ApiAuth,
    private readonly valkey: Redis,
    private readonly log: Logger,
    private readonly history: History,
    private readonly local = false,
  ) {
    this.books = new BookFeeds(service, this.out, log);
    // A local gateway subscribes to no game channel in Valkey, so it announces none (stream-interest.ts)
    this.interest = new InterestAnnouncer(valkey, () => (local ? [] : this.channels.keys()), log);
  }

  /** Takes over upgrades to STREAM_PATH on `http`; every other upgrade goes to the listeners already there (Colyseus). */
  attach(http: HttpServer): void {
    const others = http.listeners("upgrade") as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
    http.removeAllListeners("upgrade");
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? "/", "http://x").pathname === STREAM_PATH) void this.upgrade(req, socket, head);
      else for (const l of others) l.call(http, req, socket, head);
    });
    http.on("close", () => this.close());
    void this.subscriber()
      .subscribe(REVOKED_CHANNEL, INTEREST_QUERY_CHANNEL)
      .catch((err) => this.log.warn({ err: String(err) }, "stream revocation subscribe failed"));
    this.pinger = setInterval(() => this.ping(), PING_MS);
    this.pinger.unref();
    this.interest.start();
  }

  /** Closes every stream connection and the Valkey subscriber. */
  close(): void {
    clearInterval(this.pinger);
    this.interest.stop();
    for (const c of this.conns) c.ws.terminate();
    this.sub?.disconnect();
    this.sub = undefined;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    try {
      const key = await this.auth.key(m?.[1] ?? url.searchParams.get("key") ?? undefined);
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        this.open(ws, socket, key.gameId, key.playerId, key.keyId, key.expiresAt),
      );
    } catch (err) {
      const e = asApiError(err);
      const body = JSON.stringify({ code: e.code, message: e.message });
      socket.end(
        `HTTP/1.1 ${e.status} ${e.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
  }

  private open(
    ws: WebSocket,
    socket: Duplex,
    gameId: string,
    playerId: string,
    keyId: string,
    expiresAt: number | null,
  ): void {
    const c: Conn = {
      ws,
      socket,
      gameId,
      playerId,
      keyId,
      books: new Map(),
      candles: new Map(),
      trades: false,
      news: false,
      clock: false,
      executions: false,
      ops: { windowStart: 0, count: 0 },
      alive: true,
      held: { frames: [], bytes: 0 },
    };
    this.conns.add(c);
    if (expiresAt !== null) {
      // setTimeout holds at most 2^31-1 ms; a later expiry is re-armed by the check on each ping instead.
      const ms = expiresAt - Date.now();
      if (ms < 2 ** 31) {
        c.expiry = setTimeout(
          () => this.out.close(c, KEY_EXPIRED_CLOSE.code, KEY_EXPIRED_CLOSE.reason),
          Math.max(0, ms),
        );
        c.expiry.unref();
      }
    }
    ws.on("pong", () => {
      c.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      this.onMessage(c, isBinary ? null : data.toString()).catch((err) => this.log.error({ err }, "stream op failed"));
    });
    ws.on("close", () => this.drop(c));
    ws.on("error", () => ws.terminate());
    this.out.send(c, { type: "welcome", gameId, playerId, keyId });
  }

  /**
   * Closes every connection of this process that uses `keyId` (code 4401, "API key revoked"). Called
   * for the revocations published on REVOKED_CHANNEL, so a key revoked on any process loses its streams.
   */
  closeKey(keyId: string): void {
    for (const c of this.conns) {
      if (c.keyId !== keyId) continue;
      this.out.close(c, KEY_REVOKED_CLOSE.code, KEY_REVOKED_CLOSE.reason);
      this.drop(c); // no message reaches it while the close handshake runs
    }
  }

  private drop(c: Conn): void {
    clearTimeout(c.expiry);
    if (!this.conns.delete(c)) return;
    for (const s of c.books.values()) this.books.remove(s);
    for (const [channel, set] of this.channels) if (set.delete(c) && set.size === 0) this.unlisten(channel);
  }

  private async onMessage(c: Conn, text: string | null): Promise<void> {
    const now = Date.now();
    if (now - c.ops.windowStart >= 1000) c.ops = { windowStart: now, count: 0 };
    if (++c.ops.count > MAX_OPS_PER_SEC) {
      this.out.close(c, 1008, "too many messages");
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text ?? "");
    } catch {
      this.out.error(c, "INVALID_MESSAGE", "send JSON text frames");
      return;
    }
    const op = Op.safeParse(raw);
    if (!op.success) {
      this.out.error(c, "INVALID_MESSAGE", 'unknown or malformed op (docs/algo-trading.md, "Stream")');
      return;
    }
    const o = op.data;
    try {
      if (o.op === "ping") this.out.send(c, { type: "pong" });
      else if (o.op === "subscribe") await this.subscribe(c, o);
      else this.unsubscribe(c, o.channel, o.securityId);
    } catch (err) {
      const e = asApiError(err);
      this.out.error(c, e.code, e.message);
    }
  }

  private async subscribe(
    c: Conn,
    o: { channel: string; securityId?: number; depth?: number; since?: number; interval?: string },
  ): Promise<void> {
    const md = mdChannel(c.gameId);
    switch (o.channel) {
      case "book": {
        // Listen first, read second, then read once more: no change can fall between snapshot and updates.
        await this.listen(md, c);
        await this.books.subscribe(c, o.securityId!, o.depth!);
        return;
      }
      case "candles":
        await this.subscribeCandles(c, o.securityId!, o.interval as keyof typeof CANDLE_INTERVALS);
        return;
      case "executions":
        if (o.since !== undefined) {
          // Live executions wait in execBuffer while the stored ones are replayed.
          c.execBuffer = [];
          c.executions = true;
          await this.listen(execChannel(c.gameId, c.playerId), c);
          await replayExecutions(this.out, this.history, c, o.since);
          return;
        }
        c.executions = true;
        await this.listen(execChannel(c.gameId, c.playerId), c);
        break;
      case "clock":
        c.clock = true;
        await this.listen(md, c);
        this.out.send(c, { type: "subscribed", channel: "clock" });
        await this.sendClock(c);
        return;
      default:
        c[o.channel as "trades" | "news"] = true;
        await this.listen(md, c);
    }
    this.out.send(c, { type: "subscribed", channel: o.channel });
  }

  /**
   * A candle of one security and interval (stream-candles.ts): listen (live trades wait), start from the
   * stored trades, send the current candle, then the waiting trades not counted yet, then live ones.
   */
  private async subscribeCandles(c: Conn, securityId: number, interval: keyof typeof CANDLE_INTERVALS): Promise<void> {
    unwrap(await this.service.hub.engine.book(c.gameId, securityId, 1)); // UNKNOWN_SECURITY
    const sub: CandleSub = {
      builder: new CandleBuilder(securityId, interval, CANDLE_INTERVALS[interval]),
      waiting: [],
    };
    c.candles.set(`${securityId}|${interval}`, sub);
    await this.listen(mdChannel(c.gameId), c);
    this.out.send(c, { type: "subscribed", channel: "candles", securityId, interval });
    try {
      sub.builder.seed(await this.history.trades(c.gameId, securityId, 0, SEED_TRADES));
    } catch (err) {
      this.out.error(c, asApiError(err).code, "stored trades unavailable: this candle starts from the live trades");
    }
    const first = sub.builder.message();
    if (first) this.out.send(c, first);
    const waiting = sub.waiting ?? [];
    sub.waiting = undefined;
    for (const t of waiting) this.sendCandle(c, sub.builder, t);
  }

  private sendCandle(c: Conn, builder: CandleBuilder, t: TradeMsg): void {
    const m = builder.apply(t);
    if (m) this.out.send(c, m);
  }

  private unsubscribe(c: Conn, channel: string, securityId?: number): void {
    if (channel === "candles") {
      for (const [id, sub] of c.candles)
        if (securityId === undefined || sub.builder.securityId === securityId) c.candles.delete(id);
    } else if (channel === "book") {
      for (const s of [...c.books.values()]) {
        if (securityId !== undefined && s.securityId !== securityId) continue;
        c.books.delete(s.securityId);
        this.books.remove(s);
      }
    } else if (channel === "executions") {
      c.executions = false;
      const ch = execChannel(c.gameId, c.playerId);
      const set = this.channels.get(ch);
      if (set?.delete(c) && set.size === 0) this.unlisten(ch);
    } else c[channel as "trades" | "news" | "clock"] = false;
    this.out.send(c, { type: "unsubscribed", channel, ...(securityId !== undefined ? { securityId } : {}) });
  }

  // ---- Valkey ----

  private subscriber(): Redis {
    if (!this.sub) {
      this.sub = this.valkey.duplicate();
      this.sub.on("message", (channel: string, text: string) => this.onChannel(channel, text));
      this.sub.on("error", (err) => this.log.warn({ err: String(err) }, "stream subscriber"));
    }
    return this.sub;
  }

  private async listen(channel: string, c: Conn): Promise<void> {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      if (this.local) {
        set.add(c); // the publisher hands this channel's messages over from now on (receive)
        return;
      }
      // announced before anyone is told "subscribed": publishers skip channels nobody announced (stream-interest.ts)
      const ready = this.subscriber()
        .subscribe(channel)
        .then(() => this.interest.added([channel]));
      this.listening.set(channel, ready);
      await ready;
    } else await this.listening.get(channel); // a concurrent first listen may still be under way
    set.add(c);
  }

  private unlisten(channel: string): void {
    this.channels.delete(channel);
    if (this.local) return;
    this.listening.delete(channel);
    this.sub?.unsubscribe(channel).catch(() => {});
  }

  /** True when a connection of this gateway listens to `channel` (LocalReceiver, for a local gateway's publisher). */
  listens(channel: string): boolean {
    return (this.channels.get(channel)?.size ?? 0) > 0;
  }

  /**
   * A message of `channel` handed over by this process's publisher (LocalReceiver; a local gateway only):
   * what onChannel does with the same message from Valkey, without its JSON.
   */
  receive(channel: string, message: MdMessage | ExecMessage): void {
    const conns = this.channels.get(channel);
    if (!conns?.size) return;
    this.deliver(channel, conns, message);
  }

  private onChannel(channel: string, text: string): void {
    if (channel === REVOKED_CHANNEL) {
      this.closeKey(text);
      return;
    }
    if (channel === INTEREST_QUERY_CHANNEL) return this.interest.answer();
    const conns = this.channels.get(channel);
    if (!conns?.size) return;
    let message: MdMessage | ExecMessage;
    try {
      message = JSON.parse(text) as MdMessage | ExecMessage;
    } catch (err) {
      this.log.error({ err }, "stream message failed");
      return;
    }
    this.deliver(channel, conns, message);
  }

  private deliver(channel: string, conns: Set<Conn>, message: MdMessage | ExecMessage): void {
    try {
      if (channel.includes("}:exec:")) this.onExec(conns, message as ExecMessage);
      else this.onMd(conns, message as MdMessage);
    } catch (err) {
      this.log.error({ err }, "stream message failed");
    }
  }

  private onMd(conns: Set<Conn>, m: MdMessage): void {
    for (const securityId of m.books) this.books.refresh(m.gameId, securityId);
    // Serialized and framed once for every receiver (stream-fanout.ts).
    const trades = m.trades.map((t) => sharedText(JSON.stringify({ type: "trade", ...t })));
    const news = m.news.map((n) => sharedText(JSON.stringify({ type: "news", ...n })));
    for (const c of conns) {
      if (c.trades) for (const t of trades) this.out.sendShared(c, t);
      for (const sub of c.candles.values())
        for (const t of m.trades)
          if (t.securityId !== sub.builder.securityId) continue;
          else if (sub.waiting) sub.waiting.push(t);
          else this.sendCandle(c, sub.builder, t);
      if (c.news) for (const n of news) this.out.sendShared(c, n);
      if (c.clock && m.phase) void this.sendClock(c);
    }
  }

  private onExec(conns: Set<Conn>, m: ExecMessage): void {
    for (const c of conns) {
      if (!c.executions || c.playerId !== m.playerId) continue;
      if (c.execBuffer) {
        c.execBuffer.push(...m.events);
        continue;
      }
      for (const e of m.events) for (const x of executionsOf(e, c.playerId)) this.out.send(c, x);
    }
  }

  // ---- helpers ----

  private async sendClock(c: Conn): Promise<void> {
    const [clock, info] = await Promise.all([this.service.clock(c.gameId), this.service.hub.engine.gameInfo(c.gameId)]);
    this.out.send(c, { type: "clock", phase: info.ok ? info.game.phase : "ended", clock });
  }

  private ping(): void {
    for (const c of this.conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
