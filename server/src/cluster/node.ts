/**
 * ClusterNode: this server process as one of several sharing Colyseus' RedisPresence and RedisDriver on
 * Valkey (PRESENCE=redis; docs/deploy.md). It
 * - beats (membership.ts) so the others know it is alive and how many rooms it runs,
 * - places the room of a game once, on the live process with the fewest rooms, recorded in Valkey so that
 *   every process and every retry sends it there until it exists (Colyseus' selectProcessIdToCreateRoom;
 *   membership.ts `place`),
 * - knows which process runs the room of a game, creating the room where none runs (`ensureRoom`),
 * - watches the games that must have a room: when the holder of one is dead (no heartbeat for
 *   HEARTBEAT_TTL_MS), the game is placed again among the live processes and the one it is placed on
 *   creates the room, which claims the game with a new ownership epoch and rebuilds it from Valkey
 *   (failover; a dead process's games spread over the others),
 * - closes its own rooms whose lease another process took while this one was paused (fencing on wake;
 *   the writer is fenced anyway by the epoch check of every commit).
 *
 * The room of a game is the anchor of its ownership: its process runs the game's writer, timers, bots
 * and drivers (cluster-room.ts); HTTP requests about a game reach that process (http-route.ts).
 */
import { matchMaker, type IRoomCache } from "@colyseus/core";
import type { Redis } from "iovalkey";
import { CommitError } from "../engine/commit.ts";
import type { GameWriters } from "../engine/writers.ts";
import type { Logger } from "../config.ts";
import { HEARTBEAT_EVERY_MS, Membership } from "./membership.ts";
import { forwardReads } from "./remote-reads.ts";

/** A room this node runs, as the node sees it (cluster-room.ts). */
export interface LocalRoom {
  /** Closes the room because another process holds its lease now (no listing removed, no lease dropped). */
  fence(): void;
  /** The room's own listing (roomId, processId, publicAddress...), written again when another replaced it. */
  listing(): IRoomCache;
}

/**
 * How long ensureRoom waits for a room another process is creating (ms): a creation on a busy machine
 * (claim, rebuild from Valkey, timers and bots armed) has taken several seconds.
 */
const ENSURE_WAIT_MS = 20_000;

export class ClusterNode {
  readonly membership: Membership;
  /** Rooms of this process by game id (null while one is being created). */
  readonly rooms = new Map<string, LocalRoom | null>();
  private timer?: NodeJS.Timeout;
  private watching = false;
  private readonly creating = new Map<string, Promise<IRoomCache | null>>();

  /**
   * @param exists whether a game exists (GameStore), so stray ids create no room
   * @param over whether a game has ended (nobody takes an ended game over; a request may still open it)
   */
  constructor(
    valkey: Redis,
    private readonly log: Logger,
    private readonly exists: (gameId: string) => Promise<boolean>,
    private readonly over: (gameId: string) => Promise<boolean>,
  ) {
    this.membership = new Membership(valkey);
  }

  /** Colyseus' id of this process (set once the server listens). */
  get processId(): string {
    return matchMaker.processId;
  }

  /** Starts the heartbeat and the watch loop (after the server listens). */
  async start(): Promise<void> {
    await this.membership.beat(this.processId, this.rooms.size);
    this.timer = setInterval(() => void this.round(), HEARTBEAT_EVERY_MS);
    this.timer.unref();
  }

  /** Stops beating and leaves (clean shutdown: the others take the games over at once). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.membership.leave(this.processId).catch(() => {});
  }

  /**
   * Colyseus' room placement (selectProcessIdToCreateRoom): for a game's room, the process it is placed
   * on (membership.ts `place`: the same answer for every retry and every process until the room
   * exists); this process for anything else or when none is alive.
   */
  readonly selectProcess = async (_roomName?: string, options?: { gameId?: unknown }): Promise<string> => {
    const gameId = options?.gameId;
    if (typeof gameId !== "string") return this.processId;
    return (await this.membership.place(gameId)) ?? this.processId;
  };

  /**
   * The listing of the game's room, creating the room (on the least loaded live process) when none
   * runs. Null when the room cannot be created (no such game: the caller answers as it would locally).
   */
  ensureRoom(gameId: string): Promise<IRoomCache | null> {
    let p = this.creating.get(gameId);
    if (!p) {
      p = this.findOrCreate(gameId).finally(() => this.creating.delete(gameId));
      this.creating.set(gameId, p);
    }
    return p;
  }

  private async findOrCreate(gameId: string): Promise<IRoomCache | null> {
    if (!(await this.exists(gameId))) return null;
    const deadline = Date.now() + ENSURE_WAIT_MS;
    for (;;) {
      const listing = await this.liveListing(gameId);
      if (listing) return listing;
      try {
        return await matchMaker.createRoom("game", { gameId });
      } catch (err) {
        // Another process holds the lease and is creating the room (409), or the chosen process
        // died meanwhile: look again until the deadline.
        if (Date.now() > deadline) {
          this.log.warn({ gameId, err: String(err) }, "cluster: no room for the game");
          return null;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Runs the game's room in this process (taking its lease): for a game this process has just set up
   * and goes on driving itself (the demo of `npm start`). Throws when another live process runs it.
   */
  async hostHere(gameId: string): Promise<void> {
    if (this.rooms.get(gameId)) return;
    if ((await this.membership.claimRoom(gameId, this.processId)) !== this.processId)
      throw new Error(`the room of ${gameId} runs on another process`);
    await matchMaker.handleCreateRoom("game", { gameId });
  }

  /**
   * Runs `call` (a request to the process `processId` running the game's room) and rejects early when
   * that process dies or loses the game meanwhile, instead of waiting for the call's own timeout.
   */
  async whileHolding<T>(gameId: string, processId: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        void Promise.all([this.membership.holder(gameId), this.membership.alive()]).then(([holder, alive]) => {
          if (holder !== processId || !alive.includes(processId))
            reject(new Error(`the process of game ${gameId} went away`));
        }, reject);
      }, HEARTBEAT_EVERY_MS);
    });
    call.catch(() => {}); // answered by the race; a late failure after `lost` is nobody's
    try {
      return await Promise.race([call, lost]);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Keeps this process from claiming a game another live process runs: opening a writer (GameWriters
   * claims on first use) is refused with UNAVAILABLE unless this process runs or creates the game's
   * room, or no live process holds its lease (a new game, or one nobody plays). Whatever reaches the
   * engine without passing the HTTP routing (a stream subscription, a stray timer of a game taken over)
   * thus answers UNAVAILABLE instead of fencing the game's owner; reads of its live state (the book, a
   * player's orders and inventory) are forwarded to the owner instead (remote-reads.ts).
   */
  guard(engine: GameWriters): void {
    const open = engine.writer.bind(engine);
    engine.writer = async (gameId: string) => {
      if (await this.remoteHolder(gameId))
        throw new CommitError("UNAVAILABLE", `game ${gameId} runs on another server process`);
      return open(gameId);
    };
    this.localReads = forwardReads(
      engine,
      (g) => this.remoteHolder(g),
      (g, p, call) => this.whileHolding(g, p, call),
    );
  }

  /** The engine's own read methods, for reads forwarded here by other processes (remote-reads.ts). */
  localReads?: ReturnType<typeof forwardReads>;

  /** The live process other than this one that runs or holds the game's room, else null. */
  async remoteHolder(gameId: string): Promise<string | null> {
    if (this.rooms.has(gameId)) return null;
    const holder = await this.membership.holder(gameId);
    if (!holder || holder === this.processId) return null;
    return (await this.membership.alive()).includes(holder) ? holder : null;
  }

  /** The game's listing when its process is alive and holds the lease, else null. */
  private async liveListing(gameId: string): Promise<IRoomCache | null> {
    const [listing, holder, alive] = await Promise.all([
      matchMaker.getRoomById(gameId),
      this.membership.holder(gameId),
      this.membership.alive(),
    ]);
    if (!listing || listing.processId !== holder || !alive.includes(holder)) return null;
    return listing;
  }

  /**
   * Writes the listing of each room of this process again where the matchmaker's listing of that id
   * names another process: a paused process that wakes may write its stale listing of a game taken
   * over (a client leaving its room updates the listing) before it sees that it lost the game, and
   * joins and routing would then go to it.
   */
  private async relist(): Promise<void> {
    const mine = [...this.rooms].filter((e): e is [string, LocalRoom] => e[1] !== null);
    if (!mine.length) return;
    const listed = await matchMaker.driver.findByIds(mine.map(([g]) => g));
    for (const [gameId, room] of mine) {
      if (listed.get(gameId)?.processId === this.processId) continue;
      if ((await this.membership.holder(gameId)) !== this.processId) continue; // the watch fences it
      this.log.warn(
        { gameId, listed: listed.get(gameId)?.processId },
        "cluster: the room's listing was replaced; relisting",
      );
      await matchMaker.driver.persist(room.listing());
    }
  }

  /** One beat: heartbeat, then fencing of lost leases and failover of orphaned games. */
  private async round(): Promise<void> {
    try {
      await this.membership.beat(this.processId, this.rooms.size);
    } catch (err) {
      this.log.warn({ err: String(err) }, "cluster heartbeat failed");
      return;
    }
    if (this.watching) return;
    this.watching = true;
    try {
      await this.watch();
    } catch (err) {
      this.log.warn({ err: String(err) }, "cluster watch failed");
    } finally {
      this.watching = false;
    }
  }

  private async watch(): Promise<void> {
    await this.relist();
    const [watched, alive] = await Promise.all([this.membership.watched(), this.membership.alive()]);
    for (const [gameId, holder] of watched) {
      const local = this.rooms.get(gameId);
      if (local && holder !== this.processId) {
        this.log.warn({ gameId, holder }, "cluster: another process took this game's room; closing ours");
        this.rooms.delete(gameId);
        local.fence();
        continue;
      }
      if (holder && alive.includes(holder)) continue;
      if (!(await this.exists(gameId)) || (await this.over(gameId))) {
        await this.membership.unwatch(gameId);
        continue;
      }
      // Orphaned (holder dead or gone): placed again among the live processes; the one it is placed on
      // takes the lease (refused to the others) and recreates the room.
      if ((await this.membership.place(gameId)) !== this.processId) continue;
      if ((await this.membership.claimRoom(gameId, this.processId)) !== this.processId) continue;
      this.log.warn({ gameId, holder }, "cluster: the game's process is gone; taking the game over");
      await matchMaker
        .handleCreateRoom("game", { gameId })
        .catch((err: unknown) => this.log.error({ err, gameId }, "cluster: taking the game over failed"));
    }
  }
}
