/**
 * Which stream channels anybody listens to, so the publisher (stream-publisher.ts) skips the commands
 * nobody would receive (issue 13: building and publishing every command's messages cost about a fifth of
 * the server's CPU per room order with no stream client connected anywhere).
 *
 * Every stream gateway (stream.ts) announces on INTEREST_CHANNEL the Valkey channels it subscribes to
 * (message = channel names joined by "\n"): each one at once, after its SUBSCRIBE and before the client
 * is told "subscribed", then all of them again every INTEREST_REPEAT_MS. Every process's publisher
 * listens and publishes a channel while its last announcement is younger than INTEREST_TTL_MS.
 *
 * Safe side: while the publisher's own subscription is not live (starting, Valkey reconnecting), and
 * for INTEREST_TTL_MS after it became live (announcements it may have missed come round again within
 * that time), it publishes every channel. A gateway that stops listening is simply not announced again:
 * its channels are published for up to INTEREST_TTL_MS more, which costs CPU and loses nothing.
 *
 * Why nothing announced is lost: the gateway awaits its PUBLISH (Valkey has written the announcement to
 * every publisher's socket by then) before it confirms the subscription, and a command that could
 * concern the new subscriber is committed after that, through a Valkey round trip of its own; the
 * announcement was read first. Units: ms.
 */
import type { Redis } from "iovalkey";
import type { Logger } from "../../config.ts";

/** Channel of the gateways' announcements (message: channel names joined by "\n"). */
export const INTEREST_CHANNEL = "stream:interest";
/** How often a gateway announces every channel it listens to again, ms. */
export const INTEREST_REPEAT_MS = 2000;
/** How long an announcement keeps a channel published, ms (several repeats: a stalled event loop loses none). */
export const INTEREST_TTL_MS = 15_000;

/** Announces `channels` to every publisher; resolves once Valkey has delivered it. */
export async function announceInterest(valkey: Redis, channels: Iterable<string>): Promise<void> {
  const text = [...channels].join("\n");
  if (text) await valkey.publish(INTEREST_CHANNEL, text);
}

/**
 * A gateway's side: announces `channels()` every `repeatMs` until stop(). Failures are logged; the next
 * round tries again.
 */
export function repeatInterest(
  valkey: Redis,
  channels: () => Iterable<string>,
  log: Logger,
  repeatMs = INTEREST_REPEAT_MS,
): () => void {
  const timer = setInterval(() => {
    announceInterest(valkey, channels()).catch((err: unknown) =>
      log.warn({ err: String(err) }, "stream interest announcement failed"),
    );
  }, repeatMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** A publisher's side: the channels announced within the TTL (see the module doc for the safe side). */
export class StreamInterest {
  private sub?: Redis;
  /** Channel -> when it was last announced (Date.now()). */
  private readonly heard = new Map<string, number>();
  /** When the subscription last became live; 0 while it is not. */
  private liveSince = 0;

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

  /** True when no channel can be skipped: the subscription is not live, or not for long enough. */
  unsure(now: number): boolean {
    return this.liveSince === 0 || now - this.liveSince < this.ttlMs;
  }

  /** True when some channel was announced (maybe expired since). */
  get anyHeard(): boolean {
    return this.heard.size > 0;
  }

  private onAnnouncement(text: string): void {
    const now = Date.now();
    for (const channel of text.split("\n")) this.heard.set(channel, now);
  }

  private async subscribe(sub: Redis): Promise<void> {
    try {
      await sub.subscribe(INTEREST_CHANNEL);
      if (this.sub === sub && sub.status === "ready" && this.liveSince === 0) this.liveSince = Date.now();
    } catch (err) {
      this.log.warn({ err: String(err) }, "stream interest subscribe failed");
    }
  }
}
