/**
 * GameRoom: one room per game, room id = game id. Clients join with `joinOrCreate("game", { gameId })`
 * and a Bearer token (`sdk.auth.token`): a player token from POST /api/join, the admin token (read-only,
 * sees every player's private state), or none with `{ observer: true }` (read-only, public state only)
 * when the game allows observers.
 *
 * On create the room reads a consistent snapshot of the game (its log up to one seq folded through the core's evolve,
 * GameService.snapshot), so a restarted server resumes the same book, orders and inventories. From then on it applies
 * the events of every command of its game (GameHub) strictly in seq order: batches that arrive early wait, gaps are
 * filled from the event stream, and an event that does not fit triggers a rebuild from a fresh snapshot. The state is
 * thus a replay of the log (GameModel -> StateMirror).
 *
 * Messages: "place", "cancel", "cancel-all", "amend", the stop commands (shared/src/messages.ts) and
 * "place-batch" (shared/src/room-protocol.ts), handled by rooms/client-commands.ts. Each is validated with zod; the reply (`room.request()`
 * response, or after `room.send()` a "reply" message, or "replies" for several at once: rooms/acks.ts)
 * is a CommandAck or a CommandError with a code (a BatchAck for a batch). A bad message changes nothing and never closes the connection; any
 * other message type (also "*" and names such as "constructor") gets UNKNOWN_MESSAGE the same way.
 * A frame that cannot be decoded at all closes the connection (Colyseus, code 4002), and so does
 * sending more than Limits.maxMessagesPerSec messages in a second; such a session gets no
 * reconnection grace (docs/api.md, "Limits").
 *
 * Phase and clock: the phase follows the engine's phase_changed events; the clock (periods, scheduled start,
 * breaks) comes from the game service whenever the scheduler or the admin changes it. In a session, the
 * state's sessionId, round and nextGameId say where the round stands; nextGameId is set when the admin
 * creates the next round ("" = none yet).
 *
 * Private state: the shared state is public only (each patch encoded once for all clients); a player's
 * private state goes to its sessions and admins as "private" messages, one per patch tick with what
 * changed (rooms/private-feed.ts); "private-sync" (and a reconnection) gets a full snapshot.
 *
 * Reconnection: a dropped session may come back within RECONNECT_GRACE_SEC (same session id and identity); orders stay.
 */
import { CloseCode, Room, ServerError, type AuthContext, type Client, type Delayed } from "@colyseus/core";
import {
  GameState,
  PLACE_BATCH,
  PRIVATE_SYNC,
  ROOM_COMMANDS,
  RoomJoinOptions,
  type CommandReply,
  type EngineEvent,
  type RoomCommand,
} from "@marketroom/shared";
import type { Config, Logger } from "../config.ts";
import type { Limits } from "../limits.ts";
import type { Metrics } from "../metrics.ts";
import type { GameService } from "../game/service.ts";
import type { ClockInfo, RoundLink } from "../game/hub.ts";
import { GameModel } from "../game/model.ts";
import { StateMirror } from "./mirror.ts";
import { rankRuleOf } from "../scoring/ranking.ts";
import { liveMarkRuleOf } from "../scoring/scoring.ts";
import { Sequencer } from "./sequencer.ts";
import { corkAll, socketOf, UncorkSlicer } from "./cork.ts";
import { ownPatchBytes } from "./patch-bytes.ts";
import { ClientCommands } from "./client-commands.ts";
import { sendPrivatePatches, sendPrivateSnapshot } from "./private-send.ts";

/** What a GameRoom needs from the process. */
export interface RoomContext {
  service: GameService;
  config: Config;
  metrics: Metrics;
  log: Logger;
  limits: Limits;
}

/** A session's identity, from onAuth. */
export interface SessionAuth {
  role: "player" | "admin" | "observer";
  gameId: string;
  playerId?: string;
}

type SessionData = { counted: boolean };
type GameClient = Client<{ auth: SessionAuth; userData: SessionData }>;

/** WebSocket close code of a kicked player's connection (not one the SDK retries by itself). */
export const KICKED_CLOSE_CODE = 4403;

const GAP_WAIT_MS = 100;
const VALUATION_MS = 1000;
const REFERENCE_MS = 1000;
/** The time one turn of the event loop spends uncorking a patch tick's sockets (UncorkSlicer). */
const SLICE_MS = 1;

/**
 * Checks a join: options `{ gameId, observer? }`, the game exists, the token is the admin's or a player
 * token of this game, or absent for an observer. Throws ServerError 400 / 401 / 403 / 404.
 */
export async function authorizeJoin(
  ctx: RoomContext,
  token: string | undefined,
  options: unknown,
): Promise<SessionAuth> {
  const o = RoomJoinOptions.safeParse(options);
  if (!o.success) throw new ServerError(400, "join options must be { gameId, observer? }");
  const { gameId } = o.data;
  const rec = await ctx.service.store.get(gameId);
  if (!rec) throw new ServerError(404, `no game ${gameId}`);
  const who = await ctx.service.authenticate(token);
  if (who?.role === "admin") return { role: "admin", gameId };
  if (who?.role === "player") {
    if (who.gameId !== gameId) throw new ServerError(403, "this token is for another game");
    return { role: "player", gameId, playerId: who.playerId };
  }
  if (token) throw new ServerError(401, "invalid token");
  if (o.data.observer && rec.settings.allowObservers) return { role: "observer", gameId };
  throw new ServerError(401, "a player or admin token is required");
}

/** The room class bound to a process context (static onAuth has no instance to read it from). */
export function defineGameRoom(ctx: RoomContext) {
  return class BoundGameRoom extends GameRoom {
    protected override readonly ctx = ctx;
    static override onAuth(token: string, options: unknown, _context: AuthContext): Promise<SessionAuth> {
      return authorizeJoin(ctx, token, options);
    }
  };
}

/** The GameRules fields the room publishes (older stored games may lack the newer ones). */
type RoundRules = {
  allowShort?: boolean;
  grossLimit?: number;
  netLimit?: number;
  markPrice?: string;
  orderRateLimit?: { orders: number; windowMs: number } | null;
} & Parameters<typeof rankRuleOf>[0] &
  object;

export abstract class GameRoom extends Room<{ state: GameState; client: GameClient }> {
  protected abstract readonly ctx: RoomContext;
  override state = new GameState();
  private gameId = "";
  private model!: GameModel;
  private mirror!: StateMirror;
  private seq = new Sequencer(0);
  /** Event batches received while a snapshot is being read. */
  private pending: EngineEvent[][] | null = [];
  private unsubscribe?: () => void;
  private gapTimer?: Delayed;
  private rebuilding?: Promise<void>;
  /** Open connections per player id (one player may have several tabs open). */
  private readonly connections = new Map<string, number>();
  /** Events applied to the model since the state was last synced (synced once per patch tick). */
  private stale = false;
  /** Players the admin kicked while this room was open: never (re)admitted (http/kick.ts). */
  private readonly kicked = new Set<string>();
  private commands!: ClientCommands;
  private moved = true; // the state changed since the clock's `now` was last set (tick)
  /** Uncorks each patch tick's sockets a slice at a time (rooms/cork.ts). */
  private readonly slicer = new UncorkSlicer(GameRoom.sliceMs);
  /** The time one turn spends uncorking a patch tick's sockets (tests set 0: a few sockets a turn). */
  static sliceMs = SLICE_MS;

  override async onCreate(options: unknown): Promise<void> {
    const o = RoomJoinOptions.safeParse(options);
    if (!o.success) throw new ServerError(400, "room options must be { gameId }");
    this.gameId = o.data.gameId;
    this.roomId = this.gameId;
    this.patchRate = this.ctx.config.patchRateMs;
    this.unsubscribe = this.ctx.service.hub.subscribe(this.gameId, {
      onEvents: (events) => this.onEvents(events),
      onClock: (clock) => this.setClock(clock),
      onRound: (link) => this.setLink(link),
      // another process owns the game now: its clients reconnect and reach the new owner's room
      onFenced: () => {
        this.ctx.log.warn({ gameId: this.gameId }, "game claimed by another writer; the room closes");
        void this.disconnect(CloseCode.WITH_ERROR);
      },
    });
    try {
      await this.hydrate();
    } catch (err) {
      this.unsubscribe();
      const code = (err as { code?: string }).code;
      throw code === "UNKNOWN_GAME" ? new ServerError(404, `no game ${this.gameId}`) : err;
    }
    this.maxMessagesPerSecond = this.ctx.limits.maxMessagesPerSec;
    this.commands = new ClientCommands(this.ctx, this.gameId, this.slicer);
    for (const type of ROOM_COMMANDS)
      this.onMessage(type, (client, body, mctx) => this.commands.command(client as GameClient, type, body, mctx?.id));
    this.onMessage(PLACE_BATCH, (client, body, mctx) => this.commands.batch(client as GameClient, body, mctx?.id));
    this.onMessage(PRIVATE_SYNC, (client) => this.syncPrivate(client as GameClient));
    this.answerUnknownTypes();
    this.clock.setInterval(() => this.tick(), VALUATION_MS);
    // The reference path moves with the round's clock (one scenario step per second by default).
    this.clock.setInterval(() => void this.refreshReferences(), REFERENCE_MS);
    this.ctx.metrics.rooms.inc();
    this.ctx.log.info({ gameId: this.gameId, seq: this.model.seq }, "room created");
  }

  override onJoin(client: GameClient): void {
    this.syncStale(); // a player added since the last tick must be in the state to be shown to its owner
    const auth = client.auth!;
    if (auth.gameId !== this.gameId) throw new ServerError(403, "this token is for another game");
    if (auth.playerId && this.kicked.has(auth.playerId))
      throw new ServerError(401, "the organiser removed this player from the game");
    if (auth.role === "player" && !this.state.players.get(auth.playerId!))
      throw new ServerError(404, `no player ${auth.playerId} in ${this.gameId}`);
    client.userData = { counted: false };
    this.connected(client, true);
    if (auth.role === "player") this.drivers("playerBack", auth.playerId!);
  }

  override async onDrop(client: GameClient, code?: number): Promise<void> {
    this.connected(client, false);
    // WITH_ERROR: the server closed it (message flood, undecodable frame); no grace for that session.
    if (code === CloseCode.SERVER_SHUTDOWN || code === CloseCode.WITH_ERROR || this.ctx.config.reconnectGraceSec === 0)
      return;
    if (client.auth?.playerId && this.kicked.has(client.auth.playerId)) return;
    try {
      await this.allowReconnection(client, this.ctx.config.reconnectGraceSec);
    } catch {
      // grace period over: onLeave follows
    }
  }

  override onReconnect(client: GameClient): void {
    // Refusing here ends the session (Colyseus runs onLeave): a kicked player cannot resume.
    if (client.auth?.playerId && this.kicked.has(client.auth.playerId)) {
      client.leave(KICKED_CLOSE_CODE);
      return;
    }
    this.connected(client, true);
    this.syncPrivate(client); // what changed while it was away
  }

  /**
   * Closes every connection of a player the admin kicked (code KICKED_CLOSE_CODE, no reconnection) and
   * refuses them for the room's lifetime; their tokens are already refused (GameService.kick). Called
   * through matchMaker.remoteRoomCall by http/kick.ts. Returns the number of connections closed.
   */
  kickPlayer(playerId: string): number {
    this.kicked.add(playerId);
    let closed = 0;
    for (const c of this.clients as unknown as GameClient[]) {
      if (c.auth?.playerId !== playerId) continue;
      c.leave(KICKED_CLOSE_CODE, "the organiser removed this player from the game");
      closed++;
    }
    return closed;
  }

  override onLeave(client: GameClient, code?: number): void {
    this.connected(client, false);
    const pid = client.auth?.playerId;
    // Gone for good (grace over, or left): a bot may take the seat (game/drivers.ts).
    if (pid && !this.connections.get(pid) && code !== CloseCode.SERVER_SHUTDOWN && !this.kicked.has(pid))
      this.drivers("playerLeft", pid);
  }

  /** Bot takeover hooks; failures are logged, never thrown into Colyseus. */
  private drivers(hook: "playerLeft" | "playerBack", playerId: string): void {
    this.ctx.service.drivers[hook](this.gameId, playerId).catch((err) =>
      this.ctx.log.warn({ err, gameId: this.gameId, playerId, hook }, "bot takeover hook failed"),
    );
  }

  override onDispose(): void {
    this.slicer.drain();
    this.unsubscribe?.();
    if (this.model) void this.ctx.service.reads.checkpoints.maybeSave(this.model, true);
    this.ctx.service.attachModel(this.gameId, null);
    // An ended round's writer would keep its books in memory for nobody (reads reopen it; replay and exports read the log).
    if (this.state.phase === "ended") {
      this.ctx.service.hub.engine
        .release(this.gameId)
        .catch((err: unknown) =>
          this.ctx.log.warn({ err, gameId: this.gameId }, "releasing the ended game's writer failed"),
        );
    }
    this.ctx.metrics.rooms.dec();
  }

  override onUncaughtException(err: Error, method: string): void {
    this.ctx.log.error({ err, method, gameId: this.gameId }, "room error");
  }

  // ---- state ----

  /** Reads a snapshot, rebuilds the model, then applies what arrived meanwhile. */
  private async hydrate(): Promise<void> {
    this.pending = [];
    try {
      const snap = await this.ctx.service.snapshot(this.gameId, true);
      const model = GameModel.fromSnapshot(this.gameId, snap);
      if (this.mirror) this.mirror.rebind(model);
      else this.mirror = new StateMirror(this.state, model);
      this.model = model;
      this.seq.reset(snap.seq);
      this.ctx.service.attachModel(this.gameId, model);
      this.setClock(await this.ctx.service.clock(this.gameId));
      this.setLink(await this.ctx.service.roundLink(this.gameId));
      const settings = (await this.ctx.service.record(this.gameId)).settings;
      this.setRules(settings.rules);
      if (settings.coreMarks) this.model.setMarkRule(liveMarkRuleOf(settings)); // margin: the core's mark, live and ended
    } finally {
      const waiting = this.pending ?? [];
      this.pending = null;
      if (this.model) {
        this.flush();
        for (const batch of waiting) this.onEvents(batch);
      }
    }
  }

  /** Applies a batch in seq order (see Sequencer); rebuilds when the model finds an inconsistency. */
  private onEvents(events: EngineEvent[]): void {
    if (this.pending) {
      this.pending.push(events);
      return;
    }
    const ready = this.seq.push(events);
    for (const e of ready) this.model.apply(e);
    if (this.model.broken) {
      this.ctx.log.warn({ gameId: this.gameId, why: this.model.broken }, "room state out of step; rebuilding");
      this.rebuild();
      return;
    }
    if (ready.length) this.stale = this.moved = true;
    if (this.seq.firstWaiting() !== null) this.scheduleGapFill();
  }

  private flush(): void {
    this.stale = false;
    this.mirror.sync();
  }

  /**
   * One write per client per tick: its private message and its patch leave together (rooms/cork.ts); idle: no corking.
   * The sockets are uncorked in slices of about SLICE_MS across turns (UncorkSlicer), so commands and replies
   * interleave with the ~200 writes instead of waiting behind them.
   */
  override broadcastPatch(): boolean {
    const corked = this.stale || this.mirror?.feed.pending ? corkAll(this.clients) : [];
    ownPatchBytes(this); // held sockets keep their patch's bytes (patch-bytes.ts)
    try {
      return super.broadcastPatch();
    } finally {
      this.slicer.add(corked);
    }
  }

  /** The model's changes reach the state once per patch tick, not per committed batch (issue 13: clients see ticks only). */
  override onBeforePatch(): void {
    this.syncStale();
    this.sendPrivate();
  }

  /** The private patches of this tick: each player's to its sessions, all of them to admins. */
  private sendPrivate(): void {
    if (this.model && !this.pending)
      sendPrivatePatches(this.clients as GameClient[], this.mirror.feed.flush(this.model));
  }

  /** A full snapshot of the private state the client may see (none for an observer), after this tick's patches. */
  private syncPrivate(client: GameClient): void {
    this.syncStale();
    this.sendPrivate();
    sendPrivateSnapshot(client, this.mirror.feed);
    this.slicer.hurry(socketOf(client));
  }

  private syncStale(): void {
    if (this.stale && this.model && !this.pending) this.flush();
  }

  private scheduleGapFill(): void {
    if (this.gapTimer) return;
    this.gapTimer = this.clock.setTimeout(() => {
      this.gapTimer = undefined;
      this.fillGap().catch((err) => {
        this.ctx.log.error({ err, gameId: this.gameId }, "gap fill failed");
        this.rebuild();
      });
    }, GAP_WAIT_MS);
  }

  /** Reads the missing events from the stream; rebuilds when they were trimmed. */
  private async fillGap(): Promise<void> {
    const first = this.seq.firstWaiting();
    if (first === null || this.pending) return;
    const from = this.seq.last + 1;
    const events = await this.ctx.service.hub.engine.events(this.gameId, from, first - 1);
    if (events.length === first - from) this.onEvents(events);
    else this.rebuild();
  }

  private rebuild(): void {
    this.rebuilding ??= this.hydrate()
      .catch((err) => this.ctx.log.error({ err, gameId: this.gameId }, "room rebuild failed"))
      .finally(() => {
        this.rebuilding = undefined;
      });
  }

  private setLink(link: RoundLink | null): void {
    if (link) this.state.assign({ sessionId: link.sessionId, round: link.round, nextGameId: link.nextGameId });
  }

  /** The round's rules in the public state (fixed at creation; the order entry shows them). */
  private setRules(r: RoundRules): void {
    this.state.rules.assign({
      allowShort: !!r.allowShort,
      grossLimit: r.grossLimit ?? 0,
      netLimit: r.netLimit ?? 0,
      markPrice: r.markPrice ?? "last_trade",
      rateOrders: r.orderRateLimit?.orders ?? 0,
      rateWindowMs: r.orderRateLimit?.windowMs ?? 0,
      rankBy: r.rankBy ?? "pnl",
      bots: r.bots ?? "apart",
      pointsBase: r.coursePoints?.base ?? 0,
      pointsPer: r.coursePoints?.per ?? 0,
      pointsMin: r.coursePoints?.min ?? 0,
      pointsMax: r.coursePoints?.max ?? 0,
    });
    this.model.setRankRule(rankRuleOf(r));
  }

  private setClock(c: ClockInfo): void {
    this.state.clock.assign({ ...c, now: Date.now() });
  }

  /** Moves each security's reference price to the scenario's value at the current running time. */
  private async refreshReferences(): Promise<void> {
    try {
      const refs = await this.ctx.service.references(this.gameId);
      for (const [sid, ref] of refs) this.model.setRefPrice(sid, ref);
      if (this.model.dirty.securities.size) this.moved = true;
      this.flush();
    } catch (err) {
      this.ctx.log.warn({ err, gameId: this.gameId }, "reference refresh failed");
    }
  }

  /** Every second: valuation when it changed (issue 13); the clock's now and remaining time only when the state moved (idle: no patch). */
  private tick(): void {
    if (this.mirror.valuationPending) this.mirror.syncValuation();
    void this.ctx.service.reads.checkpoints.maybeSave(this.model);
    const clock = this.state.clock;
    const now = Date.now();
    if (this.moved && now - clock.now >= 1000) {
      this.moved = false;
      clock.now = now;
      if (clock.endsAt) clock.remainingMs = Math.max(0, clock.endsAt - now);
    }
  }

  /** Counts a player's connections and the clients gauge; flips PlayerState.connected. */
  private connected(client: GameClient, up: boolean): void {
    const data = client.userData;
    if (!data || data.counted === up) return;
    data.counted = up;
    this.ctx.metrics.clients.inc(up ? 1 : -1);
    const pid = client.auth?.playerId;
    if (!pid) return;
    const n = (this.connections.get(pid) ?? 0) + (up ? 1 : -1);
    this.connections.set(pid, Math.max(0, n));
    const ps = this.state.players.get(pid);
    if (ps) ps.connected = n > 0;
  }

  // ---- commands (client-commands.ts) ----

  /**
   * Makes every message type without a handler answer UNKNOWN_MESSAGE, for room.send() (a "reply"
   * message) and room.request() alike. Colyseus answers an unhandled request with its own
   * "no_handler" error and passes "*" requests to a wildcard handler with the body as the type, so
   * its handler table (a null-prototype object of handler lists, read by type for both paths) gets a
   * fallback list for types it does not hold. Call after the last onMessage().
   */
  private answerUnknownTypes(): void {
    const registry = (this as unknown as { onMessageEvents: { events: Record<string, unknown[]> } }).onMessageEvents;
    const known = registry.events;
    registry.events = new Proxy(known, {
      get: (table, type) => {
        if (typeof type !== "string" || Object.hasOwn(table, type)) return Reflect.get(table, type);
        return [
          (client: GameClient, body: unknown, mctx?: { id?: number }) =>
            this.commands.unknownType(client, type, body, mctx?.id),
        ];
      },
    });
  }

  /**
   * The room's typed command entry point for server code that is not a connected client (the REST order
   * API; other processes through `matchMaker.remoteRoomCall(gameId, "submit", [playerId, type, body])`):
   * the same schemas, the same path to the game's writer and the same replies as a client's message.
   * Errors as replies: INVALID_MESSAGE, and every code of the engine (UNKNOWN_PLAYER for a stranger).
   */
  submit(playerId: string, type: RoomCommand, body: unknown): Promise<CommandReply> {
    return this.commands.submit(playerId, type, body);
  }
}
