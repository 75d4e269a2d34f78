/**
 * What a server process remembers about API callers between requests, and how it learns that a memory
 * went stale: verified keys (key-store.ts) and kicked players. Without these every API request would cost
 * a PostgreSQL lookup (the key) and a Valkey read (is the key's player kicked?).
 *
 * Invalidation is pushed over Valkey pub/sub to every process:
 *   REVOKED_CHANNEL  (`api:keys:revoked`, message = key id)            a key was revoked
 *   KICKED_CHANNEL   (`api:players:kicked`, message = `<gameId>|<playerId>`)  a player was kicked
 * The process that revokes or kicks applies it to its own memory before it answers (so it holds at once
 * there), then publishes; the others apply it when the message arrives (a millisecond or so).
 *
 * Pub/sub delivers at most once, so memories are trusted only while the subscription is live: long
 * (LIVE_TTL_MS) while it is, and the short fallbacks (KEY_CACHE_MS for keys; no memory at all of a player
 * not being kicked) while it is not. When the subscriber's connection closes, everything remembered is
 * dropped, since messages may have been lost; it is relearned from the stores.
 *
 * A kick is permanent (store.ts keeps the first kick's time), so "kicked" is remembered for good.
 */
import type { Redis } from "iovalkey";
import type { Logger } from "../../config.ts";
import type { GameStore } from "../../game/store.ts";

/** Channel of kicks (message `<gameId>|<playerId>`), see the header. */
export const KICKED_CHANNEL = "api:players:kicked";

/** How long a verified key or a "not kicked" answer is remembered while invalidation is live, ms. */
export const LIVE_TTL_MS = 60_000;

/** Bound on remembered entries of each kind (a process with more callers relearns some). */
const MAX_ENTRIES = 100_000;

/**
 * The pub/sub subscription of a process's API caches. `live` is true while it is subscribed;
 * `onReset` callbacks run when it stops being live (drop what is remembered).
 */
export class Invalidation {
  private sub: Redis | undefined;
  private isLive = false;
  private readonly resets: (() => void)[] = [];
  private readonly handlers = new Map<string, (message: string) => void>();

  constructor(
    private readonly valkey: Redis,
    private readonly log: Logger,
  ) {}

  /** True while messages of the channels arrive (memories may be kept long). */
  get live(): boolean {
    return this.isLive;
  }

  /** Calls `fn` with each message of `channel` (set before start). */
  on(channel: string, fn: (message: string) => void): void {
    this.handlers.set(channel, fn);
  }

  /** Calls `fn` whenever the subscription stops being live. */
  onReset(fn: () => void): void {
    this.resets.push(fn);
  }

  /** Subscribes on a connection of its own (a duplicate of `valkey`); resubscribes after a reconnect. */
  start(): void {
    if (this.sub) return;
    const sub = (this.sub = this.valkey.duplicate());
    sub.on("message", (channel: string, message: string) => this.handlers.get(channel)?.(message));
    sub.on("error", (err) => this.log.warn({ err: String(err) }, "api cache invalidation subscriber"));
    sub.on("close", () => this.reset());
    // iovalkey resubscribes on reconnect by itself; "ready" follows the resubscription.
    sub.on("ready", () => void this.subscribe());
    void this.subscribe();
  }

  /** Closes the subscription (memories go back to the short fallbacks). */
  stop(): void {
    const sub = this.sub;
    this.sub = undefined;
    this.reset();
    sub?.disconnect();
  }

  private async subscribe(): Promise<void> {
    const sub = this.sub;
    if (!sub) return;
    try {
      await sub.subscribe(...this.handlers.keys());
      if (this.sub === sub && sub.status === "ready") this.isLive = true;
    } catch (err) {
      this.log.warn({ err: String(err) }, "api cache invalidation subscribe failed");
    }
  }

  private reset(): void {
    this.isLive = false;
    for (const fn of this.resets) fn();
  }
}

/**
 * Kicked players, remembered: `kicked(gameId, playerId)` reads Valkey (store.isKicked) only for a player
 * not seen kicked nor checked within LIVE_TTL_MS while invalidation is live; concurrent checks share one
 * read. `markKicked` applies a kick (from this process or KICKED_CHANNEL).
 */
export class KickedPlayers {
  private readonly kickedSet = new Set<string>();
  /** `gameId|playerId` -> until when "not kicked" may be answered without a read (ms). */
  private readonly clear = new Map<string, number>();
  private readonly reads = new Map<string, Promise<boolean>>();
  private generation = 0;

  constructor(
    private readonly store: GameStore,
    private readonly invalidation: Invalidation,
  ) {
    invalidation.on(KICKED_CHANNEL, (m) => this.markKicked(m));
    invalidation.onReset(() => this.forgetClear());
  }

  /** True when the admin kicked this player from this game. Errors: Valkey's (connection). */
  async kicked(gameId: string, playerId: string): Promise<boolean> {
    const id = `${gameId}|${playerId}`;
    if (this.kickedSet.has(id)) return true;
    const until = this.clear.get(id);
    if (until !== undefined && until > Date.now()) return false;
    let read = this.reads.get(id);
    if (!read) {
      const generation = this.generation;
      read = this.store.isKicked(gameId, playerId).then((yes) => {
        if (yes) this.markKicked(id);
        else if (generation === this.generation && this.invalidation.live) {
          if (this.clear.size >= MAX_ENTRIES) this.clear.clear();
          this.clear.set(id, Date.now() + LIVE_TTL_MS);
        }
        return yes;
      });
      read.finally(() => this.reads.delete(id)).catch(() => {});
      this.reads.set(id, read);
    }
    return read;
  }

  /** Remembers a kick, `id` = `<gameId>|<playerId>` (what KICKED_CHANNEL carries). */
  markKicked(id: string): void {
    this.generation++; // a read that started before the kick must not remember "not kicked"
    this.clear.delete(id);
    if (this.kickedSet.size >= MAX_ENTRIES) this.kickedSet.clear();
    this.kickedSet.add(id);
  }

  private forgetClear(): void {
    this.generation++;
    this.clear.clear();
  }
}

/** Publishes a kick to every process (KICKED_CHANNEL); resolves once Valkey has it. */
export async function publishKick(valkey: Redis, gameId: string, playerId: string): Promise<void> {
  await valkey.publish(KICKED_CHANNEL, `${gameId}|${playerId}`);
}
