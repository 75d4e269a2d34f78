/**
 * The game room as one process of several (PRESENCE=redis): the GameRoom of this process with what
 * running beside other processes needs. The room is the anchor of its game's ownership:
 * - onCreate takes the lease of the game's room (membership.ts; refused with 409 while a live process
 *   holds it, or when this process already runs or creates it), drops a stale writer this process may
 *   hold from an earlier stint, then creates the GameRoom, which claims the game with a new ownership
 *   epoch and rebuilds it from Valkey; then the game's timers, bots and drivers are armed here
 *   (GameService.resumeAll), so they run where the room runs; a game missing from the game index (its
 *   create stopped between the record and the index entry: docs/deploy.md) is listed again.
 * - A join (Colyseus' join and joinOrCreate, through any process) first makes sure the game's room
 *   exists (`ClusterNode.ensureRoom`, in onAuth, after the token is checked): Colyseus itself waits only
 *   0.5 s for a room another process is creating and then tries to create it too, which the lease
 *   refuses (409); ensureRoom waits for that room instead, so concurrent first joins land in one room.
 * - The room stays while its game is not over (autoDispose off): REST calls, bots and timers need
 *   their writer even when no browser is connected. An ended game's room leaves with its last client.
 * - `engineRead` answers a read of the game's live state asked in another process (remote-reads.ts).
 * - `routeHttp` serves an HTTP request that another process received for this game (http-route.ts),
 *   through matchMaker.remoteRoomCall.
 * - `fence()` closes the room when another process took its lease (this one was paused): the listing,
 *   which now names the new room, is left alone, the room leaves its IPC channel at once (calls for the
 *   game reach the new owner's room), and the clients get 4010 so they come back through the matchmaker
 *   to the new owner.
 */
import { CloseCode, ServerError, matchMaker, type AuthContext, type Client, type IRoomCache } from "@colyseus/core";
import { RoomJoinOptions } from "@marketroom/shared";
import type { defineGameRoom } from "../rooms/game-room.ts";
import type { RoomContext, SessionAuth } from "../rooms/game-room.ts";
import type { ClusterNode } from "./node.ts";
import { readHere } from "./remote-reads.ts";
import { roomChannel } from "./room-call.ts";
import { serveLocally, type RoutedRequest, type RoutedResponse } from "./http-route.ts";

type GameRoomClass = ReturnType<typeof defineGameRoom>;

/** The GameRoom class of `ctx` extended for a cluster node. */
export function clusterGameRoom(Base: GameRoomClass, ctx: RoomContext, node: ClusterNode) {
  return class ClusterGameRoom extends Base {
    private clusterGame = "";
    private fenced = false;

    static override async onAuth(token: string, options: unknown, context: AuthContext): Promise<SessionAuth> {
      const auth = await Base.onAuth(token, options, context);
      await node.ensureRoom(auth.gameId); // null (no room could be made): Colyseus answers as it would
      return auth;
    }

    override async onCreate(options: unknown): Promise<void> {
      const o = RoomJoinOptions.safeParse(options);
      if (!o.success) return super.onCreate(options); // answers 400 as a single process does
      const gameId = o.data.gameId;
      if (node.rooms.has(gameId)) throw new ServerError(409, `the room of ${gameId} runs or is being created here`);
      node.rooms.set(gameId, null);
      try {
        const holder = await node.membership.claimRoom(gameId, node.processId);
        if (holder !== node.processId) throw new ServerError(409, `the room of ${gameId} runs on ${holder}`);
        await ctx.service.hub.engine.release(gameId); // a writer fenced in an earlier stint here
        await super.onCreate(options);
      } catch (err) {
        node.rooms.delete(gameId);
        await node.membership.dropRoom(gameId, node.processId, false).catch(() => {});
        throw err;
      }
      this.clusterGame = gameId;
      this.autoDispose = false;
      node.rooms.set(gameId, { fence: () => this.fence(), listing: () => this.listing() });
      const unsubscribe = ctx.service.hub.subscribe(gameId, {
        onEvents: () => {},
        onClock: () => void this.disposeWhenOver(),
        onFenced: () => this.fence(),
      });
      this.onDisposeHooks.push(unsubscribe);
      await ctx.service.resumeAll([gameId]);
      await ctx.service.store.ensureIndexed(gameId); // a create that stopped before the index (store.ts)
      // after onCreate (a room cannot disconnect during it): an ended game's room may go at once
      this.clock.setTimeout(() => void this.disposeWhenOver(), 0);
    }

    private readonly onDisposeHooks: (() => void)[] = [];

    /** An ended game with nobody connected needs no room; one with clients leaves with the last one. */
    private async disposeWhenOver(): Promise<void> {
      try {
        const info = await ctx.service.hub.engine.gameInfo(this.clusterGame);
        if (info.ok && info.game.phase === "ended") this.autoDispose = true;
        if (this.autoDispose && this.clients.length === 0 && !this.fenced) await this.disconnect();
      } catch (err) {
        ctx.log.warn({ err: String(err), gameId: this.clusterGame }, "closing the ended game's room failed");
      }
    }

    override onLeave(client: Client, code?: number): void {
      super.onLeave(client as never, code);
      if (this.autoDispose === false) void this.disposeWhenOver();
    }

    /** This room's matchmaking listing (Colyseus keeps it private). */
    listing(): IRoomCache {
      return (this as unknown as { _listing: IRoomCache })._listing;
    }

    /** Another process holds the game now: close without touching its listing or lease. */
    fence(): void {
      if (this.fenced) return;
      this.fenced = true;
      node.rooms.delete(this.clusterGame);
      // disposeRoom removes the listing by this id: the listing is the new owner's now
      (this as unknown as { _listing: { roomId?: string } })._listing.roomId = undefined;
      // calls for the game (routed HTTP, reads) must reach the new owner's room, not this one while it
      // lingers (its clients leaving): off the room's IPC channel at once (no other room of the game here)
      matchMaker.presence.unsubscribe(roomChannel(this.clusterGame)).catch(() => {});
      ctx.service.bots.stop(this.clusterGame).catch(() => {});
      void this.disconnect(CloseCode.MAY_TRY_RECONNECT);
    }

    /** Answers a read of the game's live state asked in another process (remote-reads.ts). */
    engineRead(name: string, args: unknown[]): Promise<unknown> {
      if (!node.localReads) throw new Error("reads are not forwarded on this node");
      return readHere(node.localReads, name, args);
    }

    /** Serves an HTTP request another process received for this game (http-route.ts). */
    routeHttp(req: RoutedRequest): Promise<RoutedResponse> {
      return serveLocally(ctx.config.port, req);
    }

    override onDispose(): void {
      super.onDispose();
      for (const hook of this.onDisposeHooks) hook();
      if (!this.clusterGame || this.fenced) return;
      node.rooms.delete(this.clusterGame);
      node.membership.dropRoom(this.clusterGame, node.processId, this.autoDispose).catch(() => {});
    }
  };
}
