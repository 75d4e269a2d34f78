/**
 * Which stream channels anybody listens to, so the publisher (stream-publisher.ts) skips the commands
 * nobody would receive (issue 13: building and publishing every command's messages cost about a fifth of
 * the server's CPU per room order with no stream client connected anywhere).
 *
 * Gateways (stream.ts, one InterestAnnouncer each) announce on INTEREST_CHANNEL the Valkey channels they
 * subscribe to. Message: `<gateway id>\n<kind>\n<channel>\n<channel>...`, kind "add" (channels just
 * subscribed: sent after the SUBSCRIBE and before the client is told "subscribed") or "all" (every
 * channel the gateway holds: every INTEREST_REPEAT_MS, and at once in answer to a query). Publishers
 * (StreamInterest) publish a channel while its last announcement is younger than INTEREST_TTL_MS.
 *
 * Safe side: while a publisher's own subscription is not live (starting, Valkey reconnecting) it
 * publishes every channel. When it becomes live it asks every gateway for its list (a PUBLISH on
 * INTEREST_QUERY_CHANNEL, whose reply counts the gateways that got it) and keeps publishing everything
 * until each of them has sent an "all" list, or INTEREST_TTL_MS has passed. A gateway that stops
 * listening is simply not announced again: its channels are published up to INTEREST_TTL_MS longer,
 * which costs CPU and loses nothing.
 *
 * Why nothing announced is lost: the gateway awaits its PUBLISH (Valkey has written the announcement to
 * every publisher's socket by then) before it confirms the subscription, and a command that could
 * concern the new subscriber is committed after that, through a Valkey round trip of its own; the
 * announcement was read first. Units: ms.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "iovalkey";
import type { Logger } from "../../config.ts";

/** Channel of the gateways' announcements (message format in the module doc). */
export const INTEREST_CHANNEL = "stream:interest";
/** Channel on which a publisher that just became live asks every gateway for its whole list. */
export const INTEREST_QUERY_CHANNEL = "stream:interest:query";
/** How often a gateway announces every channel it listens to again, ms. */
export const INTEREST_REPEAT_MS = 2000;
/** How long an announcement keeps a channel published, ms (several repeats: a stalled event loop loses none). */
export const INTEREST_TTL_MS = 15_000;

/**
 * A gateway's side. `channels()`: the channels it subscribes to now. Subscribe its Valkey subscriber to
 * INTEREST_QUERY_CHANNEL and call `answer()` for each message there.
 */
export class InterestAnnouncer {
  private readonly id = randomBytes(6).toString("hex");
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly valkey: Redis,
    private readonly channels: () => Iterable<string>,
    private readonly log: Logger,
    private readonly repeatMs = INTEREST_REPEAT_MS,
  ) {}

  /** Announces the whole list every repeatMs until stop(). */
  start(): void {
    this.timer ??= setInterval(() => this.answer(), this.repeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Announces channels just subscribed; resolves once Valkey has delivered the announcement. */
  async added(channels: string[]): Promise<void> {
    await this.valkey.publish(INTEREST_CHANNEL, [this.id, "add", ...channels].join("\n"));
  }

  /** Announces the whole list (also when empty: a querying publisher counts the answers). Failures are logged. */
  answer(): void {
    this.valkey
      .publish(INTEREST_CHANNEL, [this.id, "all", ...this.channels()].join("\n"))
      .catch((err: unknown) => this.log.warn({ err: String(err) }, "stream interest announcement failed"));
  }
}

/** A publisher's side: the channels announced within the TTL (see the module doc for the safe side). */
export class StreamInterest {
  private sub?: Redis;
  /** Channel -> when it was last announced (Date.now()). */
  private readonly heard = new Map<string, number>();
  /** When the subscription last became live; 0 while it is not. */
  private liveSince = 0;
  /** How many gateways got this subscription's query (null until Valkey answered the PUBLISH). */
  private expected: number | null = null;
  /** Gateways whose whole list arrived since the subscription became live. */
  private readonly answered = new Set<string>();

  constructor(
    private readonly valkey: Redis,
    private readonly log: Logger,
    private readonly ttlMs = INTEREST_TTL_MS,
  ) {}

  /** Subscribes on a connection of its own (a duplicate of `valkey`); resubscribes after a reconnect. */
  start(): void {
    if (this.sub) return;
    const sub = (this.sub = this.valkey.duplicate());
    sub.on("message", (_channel: string, text: string) => this.onAnnouncement(text));
    sub.on("error", (err) => this.log.warn({ err: String(err) }, "stream interest subscriber"));
    sub.on("close", () => {
      this.liveSince = 0;
    });
    // iovalkey resubscribes on reconnect by itself; "ready" follows the resubscription.
    sub.on("ready", () => void this.subscribe(sub));
    void this.subscribe(sub);
  }

  stop(): void {
    this.sub?.disconnect();
    this.sub = undefined;
    this.liveSince = 0;
  }

  /** True when messages on `channel` may have a receiver (or the answer is not known yet). `now`: Date.now(). */
  wanted(channel: string, now: number): boolean {
    if (this.unsure(now)) return true;
    const at = this.heard.get(channel);
    if (at === undefined) return false;
    if (now - at < this.ttlMs) return true;
    this.heard.delete(channel);
    return false;
  }

  /** True when no channel can be skipped: not live, or some gateway's list may be missing (module doc). */
  unsure(now: number): boolean {
    if (this.liveSince === 0) return true;
    if (this.expected !== null && this.answered.size >= this.expected) return false;
    return now - this.liveSince < this.ttlMs;
  }

  /** True when some channel was announced (maybe expired since). */
  get anyHeard(): boolean {
    return this.heard.size > 0;
  }

  private onAnnouncement(text: string): void {
    const now = Date.now();
    const lines = text.split("\n");
    for (let i = 2; i < lines.length; i++) this.heard.set(lines[i]!, now);
    if (lines[1] === "all" && this.liveSince !== 0) this.answered.add(lines[0]!);
  }

  private async subscribe(sub: Redis): Promise<void> {
    try {
      await sub.subscribe(INTEREST_CHANNEL);
      if (this.sub !== sub || sub.status !== "ready" || this.liveSince !== 0) return;
      this.liveSince = Date.now();
      this.expected = null;
      this.answered.clear();
      this.expected = await this.valkey.publish(INTEREST_QUERY_CHANNEL, "");
    } catch (err) {
      this.log.warn({ err: String(err) }, "stream interest subscribe failed");
    }
  }
}
