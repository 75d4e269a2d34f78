/**
 * Publishes every command this process commits to Valkey pub/sub, for the stream gateways of every
 * server process (stream.ts), fed by GameHub.subscribeAll (so after the command is in the log):
 *
 *   game:{g}:md              public market data of one command: MdMessage
 *   game:{g}:exec:<player>   one player's own events of one command: ExecMessage
 *
 * Both carry the game's event seqs, so a receiver can order them; a process publishes its commands in
 * commit order on one connection, and Valkey delivers one publisher's messages in order. Publishing is
 * fire-and-forget: a Valkey error is logged and never fails or delays the command.
 *
 * Only channels some gateway listens to are published (stream-interest.ts): with no stream client
 * anywhere a command costs the publisher one map lookup per channel, not its messages' building,
 * JSON and Valkey writes (issue 13).
 */
import type { Redis } from "iovalkey";
import type { EngineEvent } from "@marketroom/shared";
import type { Logger } from "../../config.ts";
import type { GameHub } from "../../game/hub.ts";
import { StreamInterest } from "./stream-interest.ts";

/** Channel of a game's public market data. */
export const mdChannel = (gameId: string) => `game:{${gameId}}:md`;
/** Channel of one player's executions in a game. */
export const execChannel = (gameId: string, playerId: string) => `game:{${gameId}}:exec:${playerId}`;

/**
 * Channel of API key revocations (message = the key id), for every process's stream gateway: a revoked
 * key's open streams close at once wherever they are connected.
 */
export const REVOKED_CHANNEL = "api:keys:revoked";

/** A trade as the stream shows it (no player ids). Ticks, lots, ms. */
export interface TradeMsg {
  seq: number;
  ts: number;
  securityId: number;
  price: number;
  qty: number;
  aggressor: "buy" | "sell";
}
/** A headline. */
export interface NewsMsg {
  seq: number;
  ts: number;
  headline: string;
  shifts: { securityId: number; bps: number }[];
}

/** Public part of one command: the securities whose book changed, its trades, news and phase change. */
export interface MdMessage {
  gameId: string;
  firstSeq: number;
  lastSeq: number;
  books: number[];
  trades: TradeMsg[];
  news: NewsMsg[];
  phase: string | null;
}

/** A player's own events of one command (order_accepted, order_rested, fill, order_cancelled, order_amended). */
export interface ExecMessage {
  gameId: string;
  playerId: string;
  events: EngineEvent[];
}

const BOOK_EVENTS = new Set(["order_rested", "order_cancelled", "order_amended", "fill"]);

/** The public market data of a batch of events. */
export function mdOf(gameId: string, events: EngineEvent[]): MdMessage {
  const books = new Set<number>();
  const m: MdMessage = {
    gameId,
    firstSeq: events[0]!.seq,
    lastSeq: events.at(-1)!.seq,
    books: [],
    trades: [],
    news: [],
    phase: null,
  };
  for (const e of events) {
    if (BOOK_EVENTS.has(e.type) && "securityId" in e && e.securityId !== undefined) books.add(e.securityId);
    if (e.type === "fill")
      m.trades.push({
        seq: e.seq,
        ts: e.ts,
        securityId: e.securityId,
        price: e.price,
        qty: e.qty,
        aggressor: e.aggressor,
      });
    else if (e.type === "news") m.news.push({ seq: e.seq, ts: e.ts, headline: e.headline, shifts: e.shifts });
    else if (e.type === "phase_changed") m.phase = e.to;
  }
  m.books = [...books];
  return m;
}

/** Each player's own events of a batch. */
export function execsOf(events: EngineEvent[]): Map<string, EngineEvent[]> {
  const out = new Map<string, EngineEvent[]>();
  for (const e of events) {
    if (e.type === "fill") {
      addExec(out, e.takerPlayerId, e);
      addExec(out, e.makerPlayerId, e);
    } else if (
      e.type === "order_accepted" ||
      e.type === "order_rested" ||
      e.type === "order_cancelled" ||
      e.type === "order_amended"
    )
      addExec(out, e.playerId, e);
  }
  return out;
}

/**
 * Appends `e` to `p`'s list in `out` (once: a fill against one's own order names the player twice).
 * A module function, not a closure per call: under tsx (keepNames) every closure made costs an
 * Object.defineProperty, which profiles showed on the request path.
 */
function addExec(out: Map<string, EngineEvent[]>, p: string, e: EngineEvent): void {
  let l = out.get(p);
  if (!l) {
    l = [];
    out.set(p, l);
  }
  if (l.at(-1) !== e) l.push(e);
}

/**
 * A stream gateway of this very process that takes the messages of the channels it listens to as they
 * are, without Valkey (stream.ts `local`): used when the process runs alone (no PRESENCE=redis), where
 * every command of its games is committed here, so no other process has anything to add to them.
 */
export interface LocalReceiver {
  /** True when some connection of the gateway listens to `channel` now. */
  listens(channel: string): boolean;
  /** The message of `channel` (MdMessage or ExecMessage), as a Valkey subscriber would have parsed it. */
  receive(channel: string, message: MdMessage | ExecMessage): void;
}

/**
 * Starts publishing; returns the stop function. The messages of every command committed in one turn of
 * the event loop (a group commit acknowledges many at once) go to Valkey in one pipeline, one write, in
 * commit order, at the end of that turn (setImmediate). Channels nobody announced are skipped
 * (`interest`, started here and stopped with the publisher; stream-interest.ts).
 *
 * `local`: this process's own gateway when it runs alone. The channels it listens to get their messages
 * handed over at the same point (end of the turn, commit order) as objects: no JSON, no Valkey publish,
 * no Valkey delivery back to this process and no parsing of it there (docs/api-benchmark.md,
 * stop 18). Such a gateway announces none of them (stream.ts), so they go to Valkey only when some other
 * gateway announced them (or while the interest is unsure, as before).
 */
export function startStreamPublisher(
  hub: GameHub,
  valkey: Redis,
  log: Logger,
  interest = new StreamInterest(valkey, log),
  local?: LocalReceiver,
): () => void {
  interest.start();
  const failed = (err: unknown) => log.warn({ err: String(err) }, "stream publish failed");
  let batch: ReturnType<Redis["pipeline"]> | null = null;
  let handOver: [string, MdMessage | ExecMessage][] = [];
  let due = false;
  const flush = () => {
    due = false;
    const b = batch;
    batch = null;
    if (b?.length) b.exec().catch(failed);
    const h = handOver;
    handOver = [];
    for (const [channel, message] of h) local!.receive(channel, message);
  };
  const later = () => {
    if (!due) {
      due = true;
      setImmediate(flush);
    }
  };
  const publish = (channel: string, message: MdMessage | ExecMessage) => {
    if (!batch) batch = valkey.pipeline();
    batch.publish(channel, JSON.stringify(message));
    later();
  };
  const hand = (channel: string, message: MdMessage | ExecMessage) => {
    handOver.push([channel, message]);
    later();
  };
  const stop = hub.subscribeAll((gameId, events) => {
    if (events.length === 0) return;
    const now = Date.now();
    const all = interest.unsure(now);
    const remote = all || interest.anyHeard;
    if (!remote && !local) return;
    const mdName = mdChannel(gameId);
    const mdRemote = remote && (all || interest.wanted(mdName, now));
    const mdLocal = local?.listens(mdName) === true;
    if (mdRemote || mdLocal) {
      const md = mdOf(gameId, events);
      if (md.books.length || md.trades.length || md.news.length || md.phase) {
        if (mdRemote) publish(mdName, md);
        if (mdLocal) hand(mdName, md);
      }
    }
    for (const [playerId, own] of execsOf(events)) {
      const name = execChannel(gameId, playerId);
      const toRemote = remote && (all || interest.wanted(name, now));
      const toLocal = local?.listens(name) === true;
      if (!toRemote && !toLocal) continue;
      const msg: ExecMessage = { gameId, playerId, events: own };
      if (toRemote) publish(name, msg);
      if (toLocal) hand(name, msg);
    }
  });
  return () => {
    stop();
    flush();
    interest.stop();
  };
}
