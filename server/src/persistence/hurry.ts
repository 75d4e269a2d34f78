/**
 * Hurry: lets a reader that waits for PostgreSQL to catch up (PersisterStatus.drain: the REST history
 * routes' read-your-writes, the end-of-round results) cut short the persisters' linger, so the linger can
 * be long by default (persister-options.ts) without making those reads slow.
 *
 *   server    HurrySender.request(g, s)  PUBLISH `marketroom:persister:hurry` "<g> <s>": the reader waits
 *                                        for seq s of game g. Sent when s is new, else again at most every
 *                                        HURRY_RESEND_MS per game; never throws, never waits.
 *   persister HurryListener              SUBSCRIBEs on a connection of its own. `active` holds while some
 *                                        requested seq of a game it owns is not yet persisted (and was asked
 *                                        for less than HURRY_HOLD_MS ago: a reader may have given up, or the
 *                                        game be parked), and a message wakes every `sleep` at once.
 *
 * Why pub/sub and not a flag key: the persister would have to poll the key while it lingers (a round trip
 * every few ms on a 2-core machine where every syscall counts; docs/api-benchmark.md "Stop 27"). A
 * message is at-most-once: a persister that misses one (reconnecting) hears the resend, or at worst
 * finishes its linger, which costs lingerMs, never correctness. On a Valkey Cluster PUBLISH reaches every
 * node's subscribers.
 */
import type { Redis } from "iovalkey";

/** The channel the hurry messages go on. Payload: "<gameId> <seq>". */
export const HURRY_CHANNEL = "marketroom:persister:hurry";
/** A request not yet met stops lingering for at most this long after it was (re)sent, ms. */
export const HURRY_HOLD_MS = 1000;
/** A reader still waiting re-sends its request after this many ms (a quarter of the hold: no gap). */
export const HURRY_RESEND_MS = 250;

/** The server's side: asks every persister to store a game up to a seq without lingering. */
export class HurrySender {
  /** Per game: the highest seq requested and when it was last sent. */
  private readonly sent = new Map<string, { seq: number; at: number }>();

  constructor(
    private readonly client: Redis,
    private readonly channel = HURRY_CHANNEL,
  ) {}

  /** Publishes "<gameId> <seq>" unless the same or a higher seq went out less than HURRY_RESEND_MS ago. */
  request(gameId: string, seq: number): void {
    const now = Date.now();
    const last = this.sent.get(gameId);
    if (last && last.seq >= seq && now - last.at < HURRY_RESEND_MS) return;
    if (this.sent.size > 1000) this.sent.clear(); // one entry per game waited on; never grows without bound
    this.sent.set(gameId, { seq: Math.max(seq, last?.seq ?? 0), at: now });
    this.client.publish(this.channel, `${gameId} ${seq}`).catch(() => {}); // best effort: the linger ends anyway
  }
}

/** The persister's side: whether a reader is waiting, and a sleep that a request cuts short. */
export class HurryListener {
  /** Per game: the highest seq requested and until when the request holds (ms since the epoch). */
  private readonly wanted = new Map<string, { seq: number; until: number }>();
  private readonly wakers = new Set<() => void>();
  private sub?: Redis;

  /** `persisted(g)`: the highest seq of game g this persister knows to be in PostgreSQL. */
  constructor(
    private readonly persisted: (gameId: string) => number,
    private readonly channel = HURRY_CHANNEL,
  ) {}

  /** Subscribes on a duplicate of `client`. Errors: rejects when the SUBSCRIBE fails (caller logs it). */
  async start(client: Redis, log: (line: string) => void): Promise<void> {
    const sub = (this.sub = client.duplicate());
    sub.on("error", (err: Error) => log(`persister hurry connection error: ${err.message}`));
    sub.on("message", (_channel: string, text: string) => {
      const [gameId, seq] = text.split(" ");
      if (gameId && Number.isSafeInteger(Number(seq))) this.hurry(gameId, Number(seq));
    });
    await sub.subscribe(this.channel);
  }

  /** Closes the subscription (idempotent). */
  stop(): void {
    this.sub?.disconnect();
    this.sub = undefined;
  }

  /** Records that a reader waits for `seq` of `gameId` and wakes every sleeper. */
  hurry(gameId: string, seq: number): void {
    const prev = this.wanted.get(gameId)?.seq ?? 0;
    this.wanted.set(gameId, { seq: Math.max(prev, seq), until: Date.now() + HURRY_HOLD_MS });
    for (const wake of [...this.wakers]) wake();
  }

  /** True while some requested seq is not yet persisted and its request holds; drops the rest. */
  get active(): boolean {
    if (!this.wanted.size) return false;
    const now = Date.now();
    for (const [gameId, w] of this.wanted) {
      if (now >= w.until || this.persisted(gameId) >= w.seq) this.wanted.delete(gameId);
    }
    return this.wanted.size > 0;
  }

  /** Resolves after `ms`, or at once when a request holds or arrives meanwhile. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.active) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
