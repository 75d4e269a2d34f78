/**
 * GameWriters: this process's writers, one GameWriter per game it plays (the single writer of that game,
 * game-writer.ts), behind one typed method per command and read. This is what GameHub calls: player
 * messages, admin actions, bots and drivers all reach a game's writer here, so every command of a game
 * is decided by the core in arrival order and acknowledged only once its batch is committed to Valkey.
 *
 *   const games = new GameWriters(valkey, { node: "host:pid" });
 *   await games.place(gameId, playerId, { securityId, side, type, tif, price, qty, clientOrderId });
 *   await games.book(gameId, securityId, 20);        // from memory, as of the last decided command
 *
 * Writers open lazily: the first command or read of a game claims it (a new ownership epoch, fencing any
 * earlier writer in any process), loads it from Valkey and hydrates its core state. `gameInfo` of a game
 * this process does not play reads Valkey without claiming (listing games must not take them over).
 * `release(gameId)` commits what was decided and forgets the game (memory back; the next use claims it
 * again).
 *
 * Results: the core's result shapes (shared/src/engine.ts: PlaceResult, CancelResult, ... with `events`),
 * or a Rejection `{ ok: false, code, message }` that changed nothing, or `{ ok: false, code: "UNAVAILABLE" }`
 * when the game's commit failed or Valkey cannot be reached (the writer reloads; a retry with the same
 * clientOrderId is safe) or `{ ok: false, code: "FENCED" }` when another writer claimed the game since.
 * Malformed configs (GameConfig, SecurityConfig, PlayerSetup, NewsItem, SignalItem) throw a ZodError as
 * before: they are the server's own input, validated at the HTTP boundary.
 *
 * Units: price in ticks, qty in lots, cash in minor units, ts in ms.
 */
import {
  GameConfig,
  GameId,
  NewsItem,
  PlaceStop,
  PlayerSetup,
  SecurityConfig,
  SignalItem,
  type AmendOrder,
  type AmendResult,
  type BookDepth,
  type CancelAllResult,
  type CancelResult,
  type EngineEvent,
  type EventOf,
  type GameInfo,
  type Inventory,
  type OpenOrder,
  type PlaceOrder,
  type PlaceResult,
  type Rejection,
  type SetupResult,
  type StopResult,
} from "@marketroom/shared";
import type { Redis } from "iovalkey";
import { hostname } from "node:os";
import { readStreamEvents } from "./stream-entries.ts";
import {
  decide,
  emptyState,
  type Command,
  type CoreState,
  type ResultOf,
  type SetExitsCommand,
} from "../core/index.ts";
import type { PlaceCommand } from "../core/commands.ts";
import { copyState } from "../core/copy.ts";
import type { ExitsResult } from "../core/stops/exits.ts";
import { isDependencyDown } from "../dependency.ts";
import { CommitError } from "./commit.ts";
import { GameWriter, infoOf, type GameWriterOptions } from "./game-writer.ts";
import { hydrate } from "./hydrate.ts";
import * as K from "./keys.ts";
import type { LoadedGame } from "./load.ts";

/** The game's writer could not commit: Valkey is down or restarting (retry later), or another writer owns the game. */
export interface Unavailable {
  ok: false;
  code: "UNAVAILABLE" | "FENCED";
  message: string;
}

/** A command's or read's answer: its result, a Rejection (nothing changed), or Unavailable. */
export type Result<T> = T | Rejection | Unavailable;

/** Reasons a system cancel-all may give (a player's own cancel-all is "cancel_all"). */
export type CancelAllReason = "cancel_all" | "round_end" | "admin";

export interface GameWritersOptions {
  /** Who claims (stored in game:{g}:owner); default "<hostname>:<pid>". */
  node?: string;
  /** Options of every writer (batching, commit timeout, reload pause). */
  writer?: GameWriterOptions;
  /** The clock stamped on events (ms since the epoch); Date.now by default. */
  now?: () => number;
}

export class GameWriters {
  private readonly writers = new Map<string, Promise<GameWriter>>();
  /** The writers of `writers` whose open has resolved (run() uses them without a wait). */
  private readonly opened = new Map<string, GameWriter>();
  private readonly now: () => number;
  private readonly node: string;

  constructor(
    readonly client: Redis,
    private readonly opts: GameWritersOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.node = opts.node ?? `${hostname()}:${process.pid}`;
  }

  /** Games this process holds a writer for. */
  games(): string[] {
    return [...this.writers.keys()];
  }

  /**
   * A deep copy of the game's core state when this process's writer is open and has nothing decided past
   * its last commit (call it inside GameHub.quiet), else null. Never claims the game.
   */
  async committedState(gameId: string): Promise<CoreState | null> {
    const w = await this.writers.get(gameId)?.catch(() => null);
    const state = w?.status === "open" ? w.state : null;
    return state && state.seq === w!.committedSeq ? copyState(state) : null;
  }

  /**
   * Creates a game in the lobby. Errors: GAME_EXISTS; INVALID_ARGUMENT, also for an id that is not
   * 1-64 letters, digits, _ or - (the id is the keys' hash tag). A malformed config throws a ZodError.
   */
  async createGame(gameId: string, config: GameConfig): Promise<Result<SetupResult>> {
    if (!GameId.safeParse(gameId).success) {
      return { ok: false, code: "INVALID_ARGUMENT", message: "gameId must be 1 to 64 letters, digits, _ or -" };
    }
    const command = { type: "create_game" as const, gameId, ...GameConfig.parse(config) };
    // a refused config must leave nothing behind, not even an ownership claim
    const pre = decide(emptyState(), command, { ts: this.now() });
    if (!pre.ok) return pre;
    return this.run(gameId, command, true);
  }

  /** Adds a security. Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), SECURITY_EXISTS, INVALID_ARGUMENT. */
  addSecurity(gameId: string, security: SecurityConfig): Promise<Result<SetupResult>> {
    return this.run(gameId, { type: "add_security", ...SecurityConfig.parse(security) });
  }

  /** Adds a player with an endowment. Errors: UNKNOWN_GAME, MARKET_CLOSED, PLAYER_EXISTS, UNKNOWN_SECURITY, INVALID_ARGUMENT. */
  addPlayer(gameId: string, player: PlayerSetup): Promise<Result<SetupResult>> {
    return this.run(gameId, { type: "add_player", ...PlayerSetup.parse(player) });
  }

  /** Moves the game's phase (lobby -> running <-> paused -> ended). Errors: UNKNOWN_GAME, INVALID_PHASE_TRANSITION. */
  setPhase(gameId: string, phase: "running" | "paused" | "ended"): Promise<Result<SetupResult>> {
    return this.run(gameId, { type: "set_phase", phase });
  }

  /** Places an order (docs/engine.md lists every rule and code); `fills` = its fill events. */
  place(gameId: string, playerId: string, o: PlaceOrder): Promise<Result<PlaceResult>> {
    // the optional fields are added, not spread from temporaries (issue 13: allocation per order)
    const command: PlaceCommand = {
      type: "place",
      playerId,
      securityId: o.securityId,
      side: o.side,
      orderType: o.type,
      tif: o.tif,
      postOnly: o.postOnly,
      price: o.price,
      qty: o.qty,
      clientOrderId: o.clientOrderId,
    };
    if (o.bracket) command.bracket = o.bracket;
    if (o.leverage !== undefined) command.leverage = o.leverage;
    return this.run(gameId, command);
  }

  /** Places a stop order or a one-cancels-other pair (docs/core.md "Stop orders"). A malformed order throws a ZodError. */
  placeStop(gameId: string, playerId: string, stop: PlaceStop): Promise<Result<StopResult>> {
    const s = PlaceStop.parse(stop);
    const leg = (l: typeof s.oco & object) => ({
      orderType: l.type,
      tif: l.tif,
      price: l.price,
      stopPrice: l.stopPrice,
      kind: l.kind,
      trigger: l.trigger,
    });
    return this.run(gameId, {
      type: "place_stop",
      playerId,
      securityId: s.securityId,
      side: s.side,
      qty: s.qty,
      ...leg(s),
      oco: s.oco ? leg(s.oco) : undefined,
    });
  }

  /** Cancels a waiting stop. Errors: UNKNOWN_SECURITY, UNKNOWN_ORDER, NOT_OWNER. */
  cancelStop(gameId: string, playerId: string, securityId: number, stopId: number): Promise<Result<StopResult>> {
    return this.run(gameId, { type: "cancel_stop", playerId, securityId, stopId });
  }

  /** Replaces the exits (SL / TP) of the player's position in one security atomically (core/stops/exits.ts). */
  setExits(
    gameId: string,
    playerId: string,
    e: Omit<SetExitsCommand, "type" | "playerId">,
  ): Promise<Result<ExitsResult>> {
    return this.run(gameId, { type: "set_exits", playerId, ...e });
  }

  /** Sets a security's reference price (ticks); stops on the mark and margin calls follow in the same command. */
  setReference(gameId: string, securityId: number, price: number): Promise<Result<SetupResult>> {
    return this.run(gameId, { type: "set_reference", securityId, price });
  }

  /** Cancels one of the player's resting orders. Errors: UNKNOWN_SECURITY, UNKNOWN_ORDER, NOT_OWNER. */
  cancel(gameId: string, playerId: string, securityId: number, orderId: number): Promise<Result<CancelResult>> {
    return this.run(gameId, { type: "cancel", playerId, securityId, orderId });
  }

  /** Cancels the player's resting orders (one security or all), at most maxMatches per call (`truncated`). */
  cancelAll(
    gameId: string,
    playerId: string,
    securityId?: number,
    reason: CancelAllReason = "cancel_all",
  ): Promise<Result<CancelAllResult>> {
    return this.run(gameId, { type: "cancel_all", playerId, securityId, reason });
  }

  /** Amends a resting order: a smaller qty at the same price keeps priority; otherwise cancel + new GTC limit. */
  amend(gameId: string, playerId: string, a: AmendOrder): Promise<Result<AmendResult>> {
    return this.run(gameId, {
      type: "amend",
      playerId,
      securityId: a.securityId,
      orderId: a.orderId,
      qty: a.qty,
      price: a.price,
    });
  }

  /** Records an action in the game's log (event admin_action); actor 'admin', 'system' or a player id. */
  logAdmin(gameId: string, action: string, actor: string, detail = ""): Promise<Result<SetupResult>> {
    return this.run(gameId, { type: "log_admin", action, actor, detail });
  }

  /** Announces a headline at round running time `atMs` (event `news`). A malformed item throws a ZodError. */
  announce(gameId: string, news: NewsItem, atMs = 0): Promise<Result<SetupResult>> {
    const n = NewsItem.parse(news);
    return this.run(gameId, { type: "announce", headline: n.headline, atMs, shifts: n.shifts });
  }

  /** Sends a private signal to the listed players (event `signal`). A malformed item throws a ZodError. */
  signal(gameId: string, signal: SignalItem): Promise<Result<SetupResult>> {
    const s = SignalItem.parse(signal);
    return this.run(gameId, {
      type: "signal",
      group: s.group,
      text: s.text,
      securityId: s.securityId,
      value: s.value,
      playerIds: s.playerIds,
    });
  }

  /** Aggregated depth, best first. Errors: UNKNOWN_GAME, UNKNOWN_SECURITY, INVALID_ARGUMENT. */
  book(gameId: string, securityId: number, depth = 20): Promise<Result<BookDepth>> {
    return this.read(gameId, (w) => w.book(securityId, depth));
  }

  /** A player's resting orders (one security or all). Errors: UNKNOWN_GAME, UNKNOWN_PLAYER, UNKNOWN_SECURITY. */
  orders(gameId: string, playerId: string, securityId?: number): Promise<Result<{ ok: true; orders: OpenOrder[] }>> {
    return this.read(gameId, (w) => w.orders(playerId, securityId));
  }

  /** A player's cash and positions. Errors: UNKNOWN_GAME, UNKNOWN_PLAYER. */
  inventory(gameId: string, playerId: string): Promise<Result<Inventory>> {
    return this.read(gameId, (w) => w.inventory(playerId));
  }

  /**
   * Config, phase, securities and players. From the writer when this process plays the game, else (also
   * when another writer fenced this one) read from Valkey without claiming it (as of its last committed
   * batch). Errors: UNKNOWN_GAME.
   */
  async gameInfo(gameId: string): Promise<Result<GameInfo>> {
    if (this.writers.has(gameId)) {
      const r = await this.read(gameId, (w) => w.info());
      if (r.ok || r.code !== "FENCED") return r;
    }
    try {
      return infoOf(hydrate(await readHeader(this.client, gameId)));
    } catch (err) {
      return unavailable(err);
    }
  }

  /**
   * Events of the game's stream with fromSeq <= seq <= toSeq, in order (committed events only), parsed and
   * upgraded by the shared schema (parseEvent). Throws ZodError for an entry that is not an event.
   */
  events(gameId: string, fromSeq = 1, toSeq?: number, count = 10_000): Promise<EngineEvent[]> {
    return readStreamEvents(this.client, gameId, fromSeq, toSeq, count);
  }

  /** The game's news events in seq order ([] for an unknown game or while Valkey is down). */
  async newsList(gameId: string): Promise<EventOf<"news">[]> {
    const w = await this.writerOrNull(gameId);
    return w?.state ? [...w.state.news] : [];
  }

  /** The game's signal events in seq order ([] for an unknown game or while Valkey is down). */
  async signalList(gameId: string): Promise<EventOf<"signal">[]> {
    const w = await this.writerOrNull(gameId);
    return w?.state ? [...w.state.signals] : [];
  }

  /** The writer of a game, opening it (claim, load) when this process has none. Rejects like GameWriter.open. */
  writer(gameId: string): Promise<GameWriter> {
    let w = this.writers.get(gameId);
    if (!w) {
      const opening = GameWriter.open(this.client, gameId, this.node, this.opts.writer);
      w = opening;
      this.writers.set(gameId, opening);
      opening.then(
        (writer) => {
          if (this.writers.get(gameId) === opening) this.opened.set(gameId, writer);
        },
        // a failed open is forgotten, so the next call tries again
        () => {
          if (this.writers.get(gameId) === opening) this.writers.delete(gameId);
        },
      );
    }
    return w;
  }

  /** Commits what the game's writer decided and forgets it. */
  async release(gameId: string): Promise<void> {
    const w = this.writers.get(gameId);
    this.writers.delete(gameId);
    this.opened.delete(gameId);
    await (await w?.catch(() => null))?.close();
  }

  /** Commits and closes every writer. */
  async close(): Promise<void> {
    await Promise.all(this.games().map((g) => this.release(g)));
  }

  private async writerOrNull(gameId: string): Promise<GameWriter | null> {
    if (!(await this.exists(gameId))) return null;
    return this.writer(gameId).catch(() => null);
  }

  /** True when the game exists in Valkey or this process plays it. */
  private async exists(gameId: string): Promise<boolean> {
    return this.writers.has(gameId) || (await this.client.exists(K.gameKey(gameId))) === 1;
  }

  /**
   * Decides a command in the game's writer. A game that does not exist gets UNKNOWN_GAME without a
   * claim (so stray ids leave no keys behind), except for create_game (`creates`).
   */
  private run<C extends Command>(gameId: string, command: C, creates = false): Promise<Result<ResultOf[C["type"]]>> {
    // A writer already open decides at once: no waits for the existence check and the writer's
    // promise, which every command of a running game went through (issue 13: the order path's waits).
    const open = this.opened.get(gameId);
    if (open !== undefined) {
      return open.execute(command, this.now()).then(
        (d) => (d.ok ? d.result : d),
        (err: unknown) => unavailable(err),
      );
    }
    return this.runOpening(gameId, command, creates);
  }

  /** run() of a game whose writer is not open yet (first use, or opening). */
  private async runOpening<C extends Command>(
    gameId: string,
    command: C,
    creates: boolean,
  ): Promise<Result<ResultOf[C["type"]]>> {
    try {
      if (!creates && !(await this.exists(gameId))) return { ok: false, code: "UNKNOWN_GAME", message: "no such game" };
      const writer = await this.writer(gameId);
      const d = await writer.execute(command, this.now());
      return d.ok ? d.result : d;
    } catch (err) {
      return unavailable(err);
    }
  }

  private async read<T>(gameId: string, f: (w: GameWriter) => T | Rejection): Promise<Result<T>> {
    try {
      if (!(await this.exists(gameId))) return { ok: false, code: "UNKNOWN_GAME", message: "no such game" };
      return f(await this.writer(gameId));
    } catch (err) {
      return unavailable(err);
    }
  }
}

/** A CommitError or a Valkey failure as an Unavailable answer; anything else (a bug) is thrown on. */
function unavailable(err: unknown): Unavailable {
  if (err instanceof CommitError) {
    return { ok: false, code: err.code === "FENCED" ? "FENCED" : "UNAVAILABLE", message: err.message };
  }
  if (isDependencyDown(err))
    return { ok: false, code: "UNAVAILABLE", message: `Valkey is unavailable: ${String(err)}` };
  throw err;
}

/** The game's header (config, seq, securities, players and inventories; no orders) as loadGame shapes it. */
async function readHeader(client: Redis, gameId: string): Promise<LoadedGame> {
  const [game, seq, secIds, players] = (await client
    .pipeline()
    .hgetall(K.gameKey(gameId))
    .get(K.seqKey(gameId))
    .smembers(K.securitiesKey(gameId))
    .hgetall(K.playersKey(gameId))
    .exec())!.map(([e, v]) => {
    if (e) throw e;
    return v;
  }) as [Record<string, string>, string | null, string[], Record<string, string>];
  const sids = secIds.map(Number).sort((a, b) => a - b);
  const pids = Object.keys(players);
  const p = client.pipeline();
  for (const s of sids) p.hgetall(K.securityKey(gameId, s));
  for (const id of pids) p.hgetall(K.inventoryKey(gameId, id));
  const rows = (await p.exec())!.map(([e, v]) => {
    if (e) throw e;
    return v as Record<string, string>;
  });
  return {
    gameId,
    game,
    seq: Number(seq ?? 0),
    owner: null,
    players: new Map(Object.entries(players)),
    limitWeights: new Map(),
    securities: sids.map((securityId, i) => ({
      securityId,
      config: rows[i]!,
      orderCount: 0,
      levels: new Map(),
      orders: [],
    })),
    inventories: new Map(pids.map((id, i) => [id, rows[sids.length + i]!])),
    clientOrders: new Map(),
    news: [],
    signals: [],
  };
}

/** Throws unless ok; for setup code and tests where a rejection is a bug. */
export function expectOk<T>(r: Result<T>): T {
  const e = r as Rejection | Unavailable;
  if (e.ok === false) throw new Error(`${e.code}: ${e.message}`);
  return r as T;
}
