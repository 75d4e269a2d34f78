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
 * any server process reach every process's clients. On a md message touching a security, the gateway
 * reads that book once from the engine (coalesced: one read in flight per book, one more if anything
 * changed meanwhile) and sends each subscriber the difference from what it last sent. A player's
 * executions travel only on that player's channel, which only connections with that player's key
 * subscribe to.
 *
 * Cost per message (docs/algo-trading.md, "Benchmark"): a trade or headline is serialized once for all
 * its receivers; subscribers of one book at one depth share their levels, so the difference is computed
 * once per depth; and a connection's socket is corked from its first frame until the event loop's next
 * turn, so the frames of a burst leave in one write (one system call) instead of one each.
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { Redis } from "iovalkey";
import { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import type { BookLevel, EngineEvent } from "@marketroom/shared";
import type { Logger } from "../../config.ts";
import { asApiError, unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import type { ApiAuth } from "./auth.ts";
import { orderIdOf, type History } from "./history.ts";
import { fillFor } from "./orders.ts";
import { CANDLE_INTERVALS } from "./schemas.ts";
import { CandleBuilder, SEED_TRADES } from "./stream-candles.ts";
import {
  execChannel,
  execsOf,
  mdChannel,
  REVOKED_CHANNEL,
  type ExecMessage,
  type MdMessage,
  type TradeMsg,
} from "./stream-publisher.ts";

export const STREAM_PATH = "/api/v1/stream";
/** Updates are skipped (a gap the client sees) while a connection has more than this unsent. */
const SLOW_CONSUMER_BYTES = 1 << 20;
const MAX_DEPTH = 100;
const MAX_OPS_PER_SEC = 50;
const PING_MS = 15_000;
/** Most events of the game an executions `since` replays; further back is a `resync` message. */
export const REPLAY_MAX_EVENTS = 10_000;
/**
 * Close code and reason when the connection's key stops being valid: revoked (by its player or the
 * admin, on any server process) or expired (docs/algo-trading.md, "Stream"). 4000-4999 = the
 * application's own codes (RFC 6455 7.4.2).
 */
export const KEY_REVOKED_CLOSE = { code: 4401, reason: "API key revoked" } as const;
export const KEY_EXPIRED_CLOSE = { code: 4401, reason: "API key expired" } as const;

const Op = z.union([
  z.object({
    op: z.literal("subscribe"),
    channel: z.literal("book"),
    securityId: z.number().int().min(1),
    depth: z.number().int().min(1).max(MAX_DEPTH).default(20),
  }),
  z.object({ op: z.literal("subscribe"), channel: z.literal("executions"), since: z.number().int().min(0).optional() }),
  z.object({
    op: z.literal("subscribe"),
    channel: z.literal("candles"),
    securityId: z.number().int().min(1),
    interval: z.enum(Object.keys(CANDLE_INTERVALS) as [keyof typeof CANDLE_INTERVALS]),
  }),
  z.object({ op: z.literal("subscribe"), channel: z.enum(["trades", "news", "clock"]) }),
  z.object({
    op: z.literal("unsubscribe"),
    channel: z.enum(["book", "candles", "trades", "news", "clock", "executions"]),
    securityId: z.number().int().min(1).optional(),
  }),
  z.object({ op: z.literal("ping") }),
]);

/** `skipped`: an update was not sent (slow reader); the next message of the subscription is a snapshot. */
interface BookSub {
  conn: Conn;
  securityId: number;
  depth: number;
  seq: number;
  gameSeq: number;
  bids: BookLevel[];
  asks: BookLevel[];
  skipped: boolean;
}

interface Conn {
  ws: WebSocket;
  /** The connection's TCP socket (corked while frames of one turn of the event loop collect). */
  socket: Duplex;
  gameId: string;
  playerId: string;
  keyId: string;
  books: Map<number, BookSub>;
  /** `${securityId}|${interval}` -> its candle; `waiting`: live trades that arrive while it starts from the stored ones. */
  candles: Map<string, CandleSub>;
  trades: boolean;
  news: boolean;
  clock: boolean;
  executions: boolean;
  ops: { windowStart: number; count: number };
  alive: boolean;
  expiry?: NodeJS.Timeout;
  /** While executions are being replayed (`since`): live ones wait here, then go out after the replay. */
  execBuffer?: EngineEvent[];
}

interface CandleSub {
  builder: CandleBuilder;
  waiting?: TradeMsg[];
}

/** One game's book readers in this process. */
interface BookFeed {
  subs: Set<BookSub>;
  reading: boolean;
  again: boolean;
}

export class StreamGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly conns = new Set<Conn>();
  /** Valkey channel -> connections that need it. */
  private readonly channels = new Map<string, Set<Conn>>();
  /** `${gameId}/${securityId}` -> book feed. */
  private readonly feeds = new Map<string, BookFeed>();
  private sub: Redis | undefined;
  private pinger: NodeJS.Timeout | undefined;
  /** Connections whose socket is corked until the flush scheduled on the next turn. */
  private readonly corked = new Set<Conn>();

  constructor(
    private readonly service: GameService,
    private readonly auth: ApiAuth,
    private readonly valkey: Redis,
    private readonly log: Logger,
    private readonly history: History,
  ) {}

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
      .subscribe(REVOKED_CHANNEL)
      .catch((err) => this.log.warn({ err: String(err) }, "stream revocation subscribe failed"));
    this.pinger = setInterval(() => this.ping(), PING_MS);
    this.pinger.unref();
  }

  /** Closes every stream connection and the Valkey subscriber. */
  close(): void {
    clearInterval(this.pinger);
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
    };
    this.conns.add(c);
    if (expiresAt !== null) {
      // setTimeout holds at most 2^31-1 ms; a later expiry is re-armed by the check on each ping instead.
      const ms = expiresAt - Date.now();
      if (ms < 2 ** 31) {
        c.expiry = setTimeout(() => ws.close(KEY_EXPIRED_CLOSE.code, KEY_EXPIRED_CLOSE.reason), Math.max(0, ms));
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
    this.send(c, { type: "welcome", gameId, playerId, keyId });
  }

  /**
   * Closes every connection of this process that uses `keyId` (code 4401, "API key revoked"). Called
   * for the revocations published on REVOKED_CHANNEL, so a key revoked on any process loses its streams.
   */
  closeKey(keyId: string): void {
    for (const c of this.conns) {
      if (c.keyId !== keyId) continue;
      c.ws.close(KEY_REVOKED_CLOSE.code, KEY_REVOKED_CLOSE.reason);
      this.drop(c); // no message reaches it while the close handshake runs
    }
  }

  private drop(c: Conn): void {
    clearTimeout(c.expiry);
    if (!this.conns.delete(c)) return;
    for (const s of c.books.values()) this.feedOf(c.gameId, s.securityId).subs.delete(s);
    for (const [channel, set] of this.channels) if (set.delete(c) && set.size === 0) this.unlisten(channel);
  }

  private async onMessage(c: Conn, text: string | null): Promise<void> {
    const now = Date.now();
    if (now - c.ops.windowStart >= 1000) c.ops = { windowStart: now, count: 0 };
    if (++c.ops.count > MAX_OPS_PER_SEC) {
      c.ws.close(1008, "too many messages");
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text ?? "");
    } catch {
      this.error(c, "INVALID_MESSAGE", "send JSON text frames");
      return;
    }
    const op = Op.safeParse(raw);
    if (!op.success) {
      this.error(c, "INVALID_MESSAGE", 'unknown or malformed op (docs/algo-trading.md, "Stream")');
      return;
    }
    const o = op.data;
    try {
      if (o.op === "ping") this.send(c, { type: "pong" });
      else if (o.op === "subscribe") await this.subscribe(c, o);
      else this.unsubscribe(c, o.channel, o.securityId);
    } catch (err) {
      const e = asApiError(err);
      this.error(c, e.code, e.message);
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
        const securityId = o.securityId!;
        await this.listen(md, c);
        const book = unwrap(await this.service.hub.engine.book(c.gameId, securityId, o.depth!));
        const old = c.books.get(securityId);
        const s: BookSub = {
          conn: c,
          securityId,
          depth: o.depth!,
          seq: (old?.seq ?? 0) + 1,
          gameSeq: book.seq,
          bids: book.bids,
          asks: book.asks,
          skipped: false,
        };
        if (old) this.feedOf(c.gameId, securityId).subs.delete(old);
        c.books.set(securityId, s);
        this.feedOf(c.gameId, securityId).subs.add(s);
        this.send(c, { type: "subscribed", channel: "book", securityId, depth: s.depth });
        this.send(c, {
          type: "book",
          action: "snapshot",
          securityId,
          seq: s.seq,
          gameSeq: book.seq,
          bids: book.bids,
          asks: book.asks,
        });
        this.refresh(c.gameId, securityId);
        return;
      }
      case "candles":
        await this.subscribeCandles(c, o.securityId!, o.interval as keyof typeof CANDLE_INTERVALS);
        return;
      case "executions":
        if (o.since !== undefined) {
          await this.replayExecutions(c, o.since);
          return;
        }
        c.executions = true;
        await this.listen(execChannel(c.gameId, c.playerId), c);
        break;
      case "clock":
        c.clock = true;
        await this.listen(md, c);
        this.send(c, { type: "subscribed", channel: "clock" });
        await this.sendClock(c);
        return;
      default:
        c[o.channel as "trades" | "news"] = true;
        await this.listen(md, c);
    }
    this.send(c, { type: "subscribed", channel: o.channel });
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
    this.send(c, { type: "subscribed", channel: "candles", securityId, interval });
    try {
      sub.builder.seed(await this.history.trades(c.gameId, securityId, 0, SEED_TRADES));
    } catch (err) {
      this.error(c, asApiError(err).code, "stored trades unavailable: this candle starts from the live trades");
    }
    const first = sub.builder.message();
    if (first) this.send(c, first);
    const waiting = sub.waiting ?? [];
    sub.waiting = undefined;
    for (const t of waiting) this.sendCandle(c, sub.builder, t);
  }

  private sendCandle(c: Conn, builder: CandleBuilder, t: TradeMsg): void {
    const m = builder.apply(t);
    if (m) this.send(c, m);
  }

  /**
   * Executions from game seq `since` on: listen (live ones wait in execBuffer), read the stored log up
   * to now (History.events: waits for the persister), send the player's executions after `since`, then
   * the waiting live ones not already sent, then live as usual. Each event goes out once, in seq order.
   * When the log cannot be read, or holds more than REPLAY_MAX_EVENTS after `since`, the client gets
   * `{ type: "resync", channel: "executions", since, reason: "log_unavailable" | "too_far_back", message }`
   * (read GET /fills?since= instead) and the live feed from now.
   */
  private async replayExecutions(c: Conn, since: number): Promise<void> {
    c.execBuffer = [];
    c.executions = true;
    await this.listen(execChannel(c.gameId, c.playerId), c);
    this.send(c, { type: "subscribed", channel: "executions", since });
    let last = since;
    const resync = (reason: "too_far_back" | "log_unavailable", message: string) => {
      this.send(c, {
        type: "resync",
        channel: "executions",
        since,
        reason,
        message: `${message}; read GET /api/v1/fills?since=${since} for what this feed did not replay`,
      });
      last = Infinity; // the buffered live events cannot be placed against an unknown past: they all go out
    };
    try {
      const events = await this.history.events(c.gameId, since, REPLAY_MAX_EVENTS + 1);
      if (events.length > REPLAY_MAX_EVENTS)
        resync("too_far_back", `more than ${REPLAY_MAX_EVENTS} events since seq ${since}`);
      else {
        for (const e of execsOf(events).get(c.playerId) ?? [])
          for (const x of executionsOf(e, c.playerId)) this.send(c, x);
        last = Math.max(since, events.at(-1)?.seq ?? since);
      }
    } catch (err) {
      resync("log_unavailable", asApiError(err).message);
    }
    const waiting = c.execBuffer;
    c.execBuffer = undefined;
    for (const e of waiting)
      if (last === Infinity || e.seq > last) for (const x of executionsOf(e, c.playerId)) this.send(c, x);
  }

  private unsubscribe(c: Conn, channel: string, securityId?: number): void {
    if (channel === "candles") {
      for (const [id, sub] of c.candles)
        if (securityId === undefined || sub.builder.securityId === securityId) c.candles.delete(id);
    } else if (channel === "book") {
      for (const s of [...c.books.values()]) {
        if (securityId !== undefined && s.securityId !== securityId) continue;
        c.books.delete(s.securityId);
        this.feedOf(c.gameId, s.securityId).subs.delete(s);
      }
    } else if (channel === "executions") {
      c.executions = false;
      const ch = execChannel(c.gameId, c.playerId);
      const set = this.channels.get(ch);
      if (set?.delete(c) && set.size === 0) this.unlisten(ch);
    } else c[channel as "trades" | "news" | "clock"] = false;
    this.send(c, { type: "unsubscribed", channel, ...(securityId !== undefined ? { securityId } : {}) });
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
      await this.subscriber().subscribe(channel);
    }
    set.add(c);
  }

  private unlisten(channel: string): void {
    this.channels.delete(channel);
    this.sub?.unsubscribe(channel).catch(() => {});
  }

  private onChannel(channel: string, text: string): void {
    if (channel === REVOKED_CHANNEL) {
      this.closeKey(text);
      return;
    }
    const conns = this.channels.get(channel);
    if (!conns?.size) return;
    try {
      if (channel.includes("}:exec:")) this.onExec(conns, JSON.parse(text) as ExecMessage);
      else this.onMd(conns, JSON.parse(text) as MdMessage);
    } catch (err) {
      this.log.error({ err }, "stream message failed");
    }
  }

  private onMd(conns: Set<Conn>, m: MdMessage): void {
    for (const securityId of m.books) this.refresh(m.gameId, securityId);
    // Serialized once for every receiver (a Buffer is sent as is, a string would be encoded per socket).
    const trades = m.trades.map((t) => Buffer.from(JSON.stringify({ type: "trade", ...t })));
    const news = m.news.map((n) => Buffer.from(JSON.stringify({ type: "news", ...n })));
    for (const c of conns) {
      if (c.trades) for (const t of trades) this.sendText(c, t);
      for (const sub of c.candles.values())
        for (const t of m.trades)
          if (t.securityId !== sub.builder.securityId) continue;
          else if (sub.waiting) sub.waiting.push(t);
          else this.sendCandle(c, sub.builder, t);
      if (c.news) for (const n of news) this.sendText(c, n);
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
      for (const e of m.events) for (const x of executionsOf(e, c.playerId)) this.send(c, x);
    }
  }

  // ---- books ----

  private feedOf(gameId: string, securityId: number): BookFeed {
    const id = `${gameId}/${securityId}`;
    let f = this.feeds.get(id);
    if (!f) {
      f = { subs: new Set(), reading: false, again: false };
      this.feeds.set(id, f);
    }
    return f;
  }

  /** Reads the book once (or once more after the read in flight) and sends each subscriber its changes. */
  private refresh(gameId: string, securityId: number): void {
    const f = this.feeds.get(`${gameId}/${securityId}`);
    if (!f || f.subs.size === 0) return;
    if (f.reading) {
      f.again = true;
      return;
    }
    f.reading = true;
    const depth = Math.max(...[...f.subs].map((s) => s.depth));
    this.service.hub.engine
      .book(gameId, securityId, depth)
      .then((r) => {
        if (!r.ok) return;
        const shared = new SharedUpdates(r.seq, r.bids, r.asks);
        for (const s of f.subs) this.update(s, shared);
      })
      .catch((err) => this.log.warn({ err: String(err), gameId, securityId }, "stream book read failed"))
      .finally(() => {
        f.reading = false;
        if (f.again) {
          f.again = false;
          this.refresh(gameId, securityId);
        }
      });
  }

  private update(s: BookSub, shared: SharedUpdates): void {
    const { gameSeq } = shared;
    if (gameSeq <= s.gameSeq) return; // not newer than what this subscriber has (e.g. its snapshot)
    const u = shared.from(s.bids, s.asks, s.depth);
    s.gameSeq = gameSeq;
    if (!u.changed) return;
    const { bids, asks } = u;
    s.bids = bids;
    s.asks = asks;
    s.seq++;
    // A slow reader misses updates (a gap in seq); once it keeps up again it gets a snapshot, so the
    // gap is filled without its asking. A client may also resubscribe itself on seeing the gap.
    if (s.conn.ws.bufferedAmount > SLOW_CONSUMER_BYTES) {
      s.skipped = true;
      return;
    }
    if (s.skipped) {
      s.skipped = false;
      this.send(s.conn, {
        type: "book",
        action: "snapshot",
        securityId: s.securityId,
        seq: s.seq,
        gameSeq,
        bids,
        asks,
      });
      return;
    }
    // = JSON.stringify({ type, action, securityId, seq, gameSeq, bids, asks }) with the shared part serialized once
    this.sendText(s.conn, `{"type":"book","action":"update","securityId":${s.securityId},"seq":${s.seq},${u.tail}`);
  }

  // ---- helpers ----

  private async sendClock(c: Conn): Promise<void> {
    const [clock, info] = await Promise.all([this.service.clock(c.gameId), this.service.hub.engine.gameInfo(c.gameId)]);
    this.send(c, { type: "clock", phase: info.ok ? info.game.phase : "ended", clock });
  }

  private error(c: Conn, code: string, message: string): void {
    this.send(c, { type: "error", code, message });
  }

  private send(c: Conn, msg: object): void {
    this.sendText(c, JSON.stringify(msg));
  }

  /** Sends one text frame (JSON); corks the socket until the next turn so a burst leaves in one write. */
  private sendText(c: Conn, text: string | Buffer): void {
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

/**
 * One book read, shared by its subscribers: the levels cut to each depth once (so subscribers of one
 * depth hold the same arrays afterwards), and the update from each distinct previous state once, as
 * `tail`: the JSON after `"seq":n,` of an update message (gameSeq, bids, asks).
 */
class SharedUpdates {
  private readonly cuts = new Map<number, { bids: BookLevel[]; asks: BookLevel[] }>();
  private readonly made = new Map<BookLevel[], Map<BookLevel[], BookUpdate>>();

  constructor(
    readonly gameSeq: number,
    private readonly allBids: BookLevel[],
    private readonly allAsks: BookLevel[],
  ) {}

  /** The update from a subscriber's levels (`prevBids`, `prevAsks`) at `depth`. */
  from(prevBids: BookLevel[], prevAsks: BookLevel[], depth: number): BookUpdate {
    let byAsks = this.made.get(prevBids);
    if (!byAsks) this.made.set(prevBids, (byAsks = new Map()));
    let u = byAsks.get(prevAsks);
    if (!u) {
      let cut = this.cuts.get(depth);
      if (!cut)
        this.cuts.set(depth, (cut = { bids: this.allBids.slice(0, depth), asks: this.allAsks.slice(0, depth) }));
      const db = diff(prevBids, cut.bids);
      const da = diff(prevAsks, cut.asks);
      const changed = db.length > 0 || da.length > 0;
      const tail = changed ? JSON.stringify({ gameSeq: this.gameSeq, bids: db, asks: da }).slice(1) : "";
      byAsks.set(prevAsks, (u = { ...cut, changed, tail }));
    }
    return u;
  }
}

interface BookUpdate {
  bids: BookLevel[];
  asks: BookLevel[];
  changed: boolean;
  tail: string;
}

/** Levels of `next` that differ from `prev` (qty 0: a price level that is gone). */
export function diff(prev: BookLevel[], next: BookLevel[]): BookLevel[] {
  const before = new Map(prev.map((l) => [l.price, l]));
  const out: BookLevel[] = [];
  for (const l of next) {
    const b = before.get(l.price);
    if (!b || b.qty !== l.qty || b.orders !== l.orders) out.push(l);
    before.delete(l.price);
  }
  for (const gone of before.values()) out.push({ price: gone.price, qty: 0, orders: 0 });
  return out;
}

/** A player's own event as execution messages: one, none, or two for a fill against the player's own order. */
export function executionsOf(e: EngineEvent, playerId: string): object[] {
  if (e.type === "fill" && e.makerPlayerId === playerId && e.takerPlayerId === playerId) {
    const maker = { ...e, takerPlayerId: "" };
    return [executionOf(e, playerId), executionOf(maker, playerId)].filter((x): x is object => x !== null);
  }
  const x = executionOf(e, playerId);
  return x ? [x] : [];
}

/** A player's own event as an execution message, or null for events that are none. */
function executionOf(e: EngineEvent, playerId: string): object | null {
  switch (e.type) {
    case "order_accepted":
      return {
        type: "execution",
        kind: "accepted",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        orderType: e.orderType,
        tif: e.tif,
        price: e.price,
        qty: e.qty,
        ...(e.clientOrderId ? { clientOrderId: e.clientOrderId } : {}),
      };
    case "order_rested":
      return {
        type: "execution",
        kind: "rested",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        qty: e.qty,
      };
    case "fill":
      return {
        type: "execution",
        kind: "fill",
        id: orderIdOf(e.securityId, e.takerPlayerId === playerId ? e.takerOrderId : e.makerOrderId),
        ...fillFor(e, playerId),
      };
    case "order_cancelled":
      return {
        type: "execution",
        kind: "cancelled",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        qty: e.qty,
        reason: e.reason,
      };
    case "order_amended":
      return {
        type: "execution",
        kind: "amended",
        seq: e.seq,
        ts: e.ts,
        id: orderIdOf(e.securityId, e.orderId),
        orderId: e.orderId,
        securityId: e.securityId,
        side: e.side,
        price: e.price,
        oldQty: e.oldQty,
        qty: e.qty,
      };
    default:
      return null;
  }
}
