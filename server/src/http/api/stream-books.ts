/**
 * Book subscriptions of the stream (stream.ts): a snapshot (full levels to `depth`) then updates holding
 * only the changed levels (qty 0 = the level is gone), numbered by `seq` per subscription. On a md message
 * touching a security, the book is read once from the engine (coalesced: one read in flight per book,
 * one more if anything changed meanwhile) and each subscriber gets the difference from what it last got;
 * subscribers of one book at one depth share their levels, so the difference is computed and serialized
 * once per depth (and framed once per subscription seq). A slow reader (over SLOW_CONSUMER_BYTES unsent) misses updates, a gap in `seq`, and
 * gets a fresh snapshot (resync) once it keeps up.
 */
import type { BookLevel } from "@marketroom/shared";
import type { Logger } from "../../config.ts";
import { unwrap } from "../../game/errors.ts";
import type { GameService } from "../../game/service.ts";
import { SLOW_CONSUMER_BYTES, sharedText, unsentBytes, type Fanout, type SharedText } from "./stream-fanout.ts";
import type { BookSub, Conn } from "./stream-subscriptions.ts";

/** One game's book readers in this process. */
interface BookFeed {
  subs: Set<BookSub>;
  reading: boolean;
  again: boolean;
}

export class BookFeeds {
  /** `${gameId}/${securityId}` -> book feed. */
  private readonly feeds = new Map<string, BookFeed>();

  constructor(
    private readonly service: GameService,
    private readonly out: Fanout,
    private readonly log: Logger,
  ) {}

  /**
   * Subscribes `c` to one book (replacing its earlier subscription of that book): "subscribed", the
   * snapshot, then a read for changes since. The caller listens to the game's md channel first, so no
   * change can fall between snapshot and updates. Errors: UNKNOWN_SECURITY (ApiError).
   */
  async subscribe(c: Conn, securityId: number, depth: number): Promise<void> {
    const book = unwrap(await this.service.hub.engine.book(c.gameId, securityId, depth));
    const old = c.books.get(securityId);
    const s: BookSub = {
      conn: c,
      securityId,
      depth,
      seq: (old?.seq ?? 0) + 1,
      gameSeq: book.seq,
      bids: book.bids,
      asks: book.asks,
      skipped: false,
    };
    if (old) this.feedOf(c.gameId, securityId).subs.delete(old);
    c.books.set(securityId, s);
    this.feedOf(c.gameId, securityId).subs.add(s);
    this.out.send(c, { type: "subscribed", channel: "book", securityId, depth: s.depth });
    this.out.send(c, {
      type: "book",
      action: "snapshot",
      securityId,
      seq: s.seq,
      gameSeq: book.seq,
      bids: book.bids,
      asks: book.asks,
    });
    this.refresh(c.gameId, securityId);
  }

  /** Drops one book subscription of a connection (it gets no more updates). */
  remove(s: BookSub): void {
    this.feedOf(s.conn.gameId, s.securityId).subs.delete(s);
  }

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
  refresh(gameId: string, securityId: number): void {
    const f = this.feeds.get(`${gameId}/${securityId}`);
    if (!f || f.subs.size === 0) return;
    if (f.reading) {
      f.again = true;
      return;
    }
    f.reading = true;
    let depth = 0;
    for (const s of f.subs) depth = Math.max(depth, s.depth); // no arrays made per md message
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
    if (unsentBytes(s.conn) > SLOW_CONSUMER_BYTES) {
      s.skipped = true;
      return;
    }
    if (s.skipped) {
      s.skipped = false;
      this.out.send(s.conn, {
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
    // = JSON.stringify({ type, action, securityId, seq, gameSeq, bids, asks }), made and encoded once per seq
    // (subscribers that subscribed together count alike) with the shared part serialized once
    let frame = u.frames.get(s.seq);
    if (!frame) {
      frame = sharedText(`{"type":"book","action":"update","securityId":${s.securityId},"seq":${s.seq},${u.tail}`);
      u.frames.set(s.seq, frame);
    }
    this.out.sendShared(s.conn, frame);
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
      byAsks.set(prevAsks, (u = { ...cut, changed, tail, frames: new Map() }));
    }
    return u;
  }
}

interface BookUpdate {
  bids: BookLevel[];
  asks: BookLevel[];
  changed: boolean;
  tail: string;
  /** The update's text by subscription seq (the seq is the only part that differs between its receivers). */
  frames: Map<number, SharedText>;
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
