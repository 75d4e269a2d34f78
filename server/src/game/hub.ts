/**
 * GameHub: the one path by which this process changes a game. It calls the engine, records metrics,
 * and publishes the events each command logged to the game's subscribers (its room), synchronously,
 * before the caller sees the result. Players (through the room), bots and the admin API all go through
 * it, so a room that subscribes sees every event this process causes, in the order results arrive; the
 * room still re-orders by seq and fills gaps from the log (events caused elsewhere).
 *
 * `quiet(gameId, fn)` runs fn while no command of that game is in flight and holds new ones back: a
 * room uses it to read a consistent snapshot (engine reads are separate scripts).
 *
 * Results are the game writers' (engine/writers.ts): `{ ok: true, ..., events }`, a Rejection
 * `{ ok: false, code, message }`, or UNAVAILABLE (the commit failed or Valkey is down; the writer reloads)
 * or FENCED (another process claimed the game; the game's subscribers get onFenced). Events are published
 * after their batch is committed, so a subscriber never sees an event that could still be lost.
 *
 * Order rate limit (GameRules.orderRateLimit, on by default: DEFAULT_ORDER_RATE_LIMIT, 50 order entries
 * per player per second; a round's rules may set another or null = none; docs/rounds.md): place, amend
 * and cancel of a player (from every connection, the REST API and bots alike) are counted per game with a rate-limiter-flexible RateLimiterMemory (points =
 * orders, duration = windowMs; a fixed window that opens at the player's first counted command). Over the limit the command never reaches the engine:
 * `{ ok: false, code: "RATE_LIMITED", message, retryAfterMs }`. Cancel-all is never counted nor limited,
 * so a player can always pull every order at once (the connection's message cap bounds its rate). Every
 * attempt counts, also those the engine then rejects. The limit of a game comes from the source set with
 * `setRateLimitSource` (the game service reads the round's rules), looked up once per game.
 */
import { performance } from "node:perf_hooks";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type {
  AnyErrorCode,
  AmendOrder,
  AmendResult,
  CancelAllResult,
  CancelResult,
  EngineEvent,
  GameConfig,
  NewsItem,
  PlaceOrder,
  PlaceResult,
  PlaceStop,
  PlayerSetup,
  StopResult,
  Rejection,
  SecurityConfig,
  SetupResult,
  SignalItem,
} from "@marketroom/shared";
import type { CancelAllReason, GameWriters as Engine, Result } from "../engine/writers.ts";
import { runMarketCommand, type MarketCommand } from "../engine/market-commands.ts";
import type { ResultOf, SetExitsCommand } from "../core/index.ts";
import type { ExitsResult } from "../core/stops/exits.ts";
import type { Logger } from "../config.ts";
import type { Metrics } from "../metrics.ts";

/**
 * Round clock as the service keeps it; times in ms since the epoch, 0 = unset. durationMs = length of one
 * period (the whole round when it has one period); remainingMs = running time left in the current period
 * (frozen while paused); endsAt = when the current period ends (only while running); period = the
 * period under way or last played (1-based, 0 before the start), periods = how many the round has (0 = no
 * scheduled end); startsAt = scheduled start while the lobby counts down; breakEndsAt = end of the
 * scheduled break under way.
 */
export interface ClockInfo {
  startedAt: number;
  endsAt: number;
  remainingMs: number;
  durationMs: number;
  period: number;
  periods: number;
  startsAt: number;
  breakEndsAt: number;
}

/** A round's order rate limit: at most `orders` place/amend commands per player per `windowMs`. */
export interface OrderRateLimit {
  orders: number;
  windowMs: number;
}

/** A RATE_LIMITED rejection: nothing reached the engine; try again after `retryAfterMs`. */
export interface RateLimited {
  ok: false;
  code: "RATE_LIMITED";
  message: string;
  retryAfterMs: number;
}

/** An order entry refused before the engine by the entry gate (e.g. QUIZ_REQUIRED); nothing changed. */
export interface GateRefusal {
  ok: false;
  code: AnyErrorCode;
  message: string;
}

/**
 * See GameHub.setEntryGate: null lets the order through. `side` = a new order's side (none for an amend,
 * which keeps it). A gate that knows its answer without a read returns it directly (no wait on the
 * order path), else a promise of it.
 */
export type EntryGate = (
  gameId: string,
  playerId: string,
  side?: "buy" | "sell",
) => GateRefusal | null | Promise<GateRefusal | null>;

/** Where the round of a game and its successor are (sessions); sent to the room's clients. */
export interface RoundLink {
  sessionId: string;
  gameId: string;
  round: number;
  nextGameId: string;
}

/** What a game's subscriber (its room) receives. */
export interface GameListener {
  /** The events of one command, in seq order (batches may arrive out of order). */
  onEvents(events: EngineEvent[]): void;
  /** The round clock changed (start, pause, resume, end). */
  onClock?(clock: ClockInfo): void;
  /** The game's session got a next round. */
  onRound?(link: RoundLink): void;
  /** Another writer (another process) has claimed the game: this process may no longer write it. */
  onFenced?(): void;
}

/** What this process did in one game: accepted orders, fill events, rejected commands. */
export interface GameCounters {
  orders: number;
  fills: number;
  rejects: number;
}

interface Lane {
  counters: GameCounters;
  inflight: number;
  gate: Promise<void> | null;
  idle: (() => void)[];
  listeners: Set<GameListener>;
}

type Logged = { ok: true; events: EngineEvent[] };

/** A RateLimiterMemory for a limit (duration in seconds, fractions allowed). */
function limiterOf(l: OrderRateLimit): RateLimiterMemory {
  return new RateLimiterMemory({ points: l.orders, duration: l.windowMs / 1000 });
}

export class GameHub {
  private readonly lanes = new Map<string, Lane>();
  /** Per game: its limiter (null = unlimited), or the pending lookup. */
  private readonly limiters = new Map<string, RateLimiterMemory | null | Promise<RateLimiterMemory | null>>();
  private rateLimitSource: (gameId: string) => Promise<OrderRateLimit | null> = async () => null;
  private entryGate: EntryGate = () => null;
  private readonly everyGame = new Set<(gameId: string, events: EngineEvent[]) => void>();

  constructor(
    readonly engine: Engine,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Subscribes to a game's events; returns the unsubscribe function. */
  subscribe(gameId: string, listener: GameListener): () => void {
    const lane = this.lane(gameId);
    lane.listeners.add(listener);
    return () => {
      lane.listeners.delete(listener);
    };
  }

  /**
   * Subscribes to the events of every game this process commits (the stream's Valkey publisher,
   * http/api/stream-publisher.ts), called like the game subscribers; returns the unsubscribe function.
   */
  subscribeAll(listener: (gameId: string, events: EngineEvent[]) => void): () => void {
    this.everyGame.add(listener);
    return () => {
      this.everyGame.delete(listener);
    };
  }

  /** Number of subscribers of a game (its open rooms). */
  listeners(gameId: string): number {
    return this.lanes.get(gameId)?.listeners.size ?? 0;
  }

  /** Counters of what this process did in the game. */
  counters(gameId: string): GameCounters {
    return { ...this.lane(gameId).counters };
  }

  /** Sends a clock change to the game's subscribers. */
  publishClock(gameId: string, clock: ClockInfo): void {
    for (const l of this.lane(gameId).listeners) this.guard(() => l.onClock?.(clock));
  }

  /** Sends "the next round is there" to the game's subscribers. */
  publishRound(gameId: string, link: RoundLink): void {
    for (const l of this.lane(gameId).listeners) this.guard(() => l.onRound?.(link));
  }

  /** Where rate limits come from (the game service); limits already looked up are kept. */
  setRateLimitSource(source: (gameId: string) => Promise<OrderRateLimit | null>): void {
    this.rateLimitSource = source;
    this.limiters.clear();
  }

  /**
   * A check every order entry (place, amend; never a cancel) of a player passes before its rate limit and
   * the engine, e.g. the round's comprehension quiz (rounds/quiz.ts QuizGate): a Rejection-shaped answer
   * refuses the order and nothing changes.
   */
  setEntryGate(gate: EntryGate): void {
    this.entryGate = gate;
  }

  /** Sets (or, with null, lifts) a game's order rate limit now, e.g. when the game is created. */
  setRateLimit(gameId: string, limit: OrderRateLimit | null): void {
    this.limiters.set(gameId, limit ? limiterOf(limit) : null);
  }

  /** Places an order (see Engine.place); RATE_LIMITED over the round's order rate limit. */
  place(gameId: string, playerId: string, order: PlaceOrder): Promise<Result<PlaceResult> | RateLimited | GateRefusal> {
    return this.orderEntry(gameId, playerId, order.side, "place", () => this.engine.place(gameId, playerId, order));
  }

  /** Cancels one resting order (see Engine.cancel); RATE_LIMITED over the round's order rate limit. */
  async cancel(
    gameId: string,
    playerId: string,
    securityId: number,
    orderId: number,
  ): Promise<Result<CancelResult> | RateLimited> {
    const limited = await this.overLimit(gameId, playerId, "cancel");
    return limited ?? this.run(gameId, "cancel", () => this.engine.cancel(gameId, playerId, securityId, orderId));
  }

  /** Cancels a player's resting orders, at most maxMatches per call (see Engine.cancelAll). */
  cancelAll(
    gameId: string,
    playerId: string,
    securityId?: number,
    reason: CancelAllReason = "cancel_all",
  ): Promise<Result<CancelAllResult>> {
    return this.run(gameId, "cancel_all", () => this.engine.cancelAll(gameId, playerId, securityId, reason));
  }

  /** Amends a resting order (see Engine.amend); RATE_LIMITED over the round's order rate limit. */
  amend(gameId: string, playerId: string, a: AmendOrder): Promise<Result<AmendResult> | RateLimited | GateRefusal> {
    return this.orderEntry(gameId, playerId, undefined, "amend", () => this.engine.amend(gameId, playerId, a));
  }

  /** Places a stop or an OCO pair (see Engine.placeStop); an order entry: the entry gate and rate limit apply. */
  placeStop(
    gameId: string,
    playerId: string,
    stop: PlaceStop,
  ): Promise<Result<StopResult> | RateLimited | GateRefusal> {
    return this.orderEntry(gameId, playerId, stop.side, "place_stop", () =>
      this.engine.placeStop(gameId, playerId, stop),
    );
  }

  /** Replaces a position's exits (see Engine.setExits); with a new exit an order entry (gate and rate limit). */
  setExits(
    gameId: string,
    playerId: string,
    e: Omit<SetExitsCommand, "type" | "playerId">,
  ): Promise<Result<ExitsResult> | RateLimited | GateRefusal> {
    const call = () => this.engine.setExits(gameId, playerId, e);
    if (e.stopLoss !== undefined || e.takeProfit !== undefined)
      return this.orderEntry(gameId, playerId, undefined, "set_exits", call);
    return this.run(gameId, "set_exits", call);
  }

  /**
   * An order entry: the entry gate, then the rate limit, then the engine. A gate's answer known without a
   * read and a game's limiter once looked up cost no wait (issue 13: the order path's awaits).
   */
  private orderEntry<T extends Logged>(
    gameId: string,
    playerId: string,
    side: "buy" | "sell" | undefined,
    command: string,
    call: () => Promise<Result<T>>,
  ): Promise<Result<T> | RateLimited | GateRefusal> {
    let gated: ReturnType<EntryGate>;
    try {
      gated = this.entryGate(gameId, playerId, side);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err))); // a rejection, as before
    }
    if (!gated) return this.limitThenRun(gameId, playerId, command, call);
    if (gated instanceof Promise)
      return gated.then((g): Promise<Result<T> | RateLimited | GateRefusal> | GateRefusal =>
        g ? g : this.limitThenRun(gameId, playerId, command, call),
      );
    return Promise.resolve(gated);
  }

  private limitThenRun<T extends Logged>(
    gameId: string,
    playerId: string,
    command: string,
    call: () => Promise<Result<T>>,
  ): Promise<Result<T> | RateLimited> {
    // a game known to have no limit goes on without a wait (issue 13: the order path's waits)
    if (this.limiters.get(gameId) === null) return this.run(gameId, command, call);
    return this.overLimit(gameId, playerId, command).then<Result<T> | RateLimited>(
      (limited) => limited ?? this.run(gameId, command, call),
    );
  }

  /** Cancels a waiting stop (see Engine.cancelStop). */
  cancelStop(gameId: string, playerId: string, securityId: number, stopId: number): Promise<Result<StopResult>> {
    return this.run(gameId, "cancel_stop", () => this.engine.cancelStop(gameId, playerId, securityId, stopId));
  }

  /** Sets a security's reference price, ticks (see Engine.setReference; margin calls may follow). */
  setReference(gameId: string, securityId: number, price: number): Promise<Result<SetupResult>> {
    return this.run(gameId, "set_reference", () => this.engine.setReference(gameId, securityId, price));
  }

  /** Counts one order entry of the player; a RateLimited rejection when it is over the game's limit. */
  private async overLimit(gameId: string, playerId: string, command: string): Promise<RateLimited | null> {
    let lim = this.limiters.get(gameId);
    if (lim === undefined) {
      const lookup: Promise<RateLimiterMemory | null> = this.rateLimitSource(gameId)
        .then((l) => (l ? limiterOf(l) : null))
        .catch(() => null)
        .then((found) => {
          // keep the answer itself (no wait next time) unless setRateLimit/setRateLimitSource came first
          if (this.limiters.get(gameId) === lookup) this.limiters.set(gameId, found);
          return found;
        });
      lim = lookup;
      this.limiters.set(gameId, lim);
    }
    const limiter = lim instanceof Promise ? await lim : lim;
    if (!limiter) return null;
    try {
      await limiter.consume(playerId);
      return null;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const lane = this.lane(gameId);
      lane.counters.rejects++;
      this.metrics.rejects.inc({ command, code: "RATE_LIMITED" });
      if (command === "place") this.metrics.orders.inc({ result: "rejected" });
      const retryAfterMs = Math.max(1, Math.ceil(res.msBeforeNext));
      return {
        ok: false,
        code: "RATE_LIMITED",
        retryAfterMs,
        message: `at most ${limiter.points} orders, amends and cancels per ${Math.round(limiter.duration * 1000)} ms; retry in ${retryAfterMs} ms (cancel-all always works)`,
      };
    }
  }

  createGame(gameId: string, config: GameConfig): Promise<Result<SetupResult>> {
    return this.run(gameId, "create_game", () => this.engine.createGame(gameId, config));
  }

  addSecurity(gameId: string, security: SecurityConfig): Promise<Result<SetupResult>> {
    return this.run(gameId, "add_security", () => this.engine.addSecurity(gameId, security));
  }

  addPlayer(gameId: string, player: PlayerSetup): Promise<Result<SetupResult>> {
    return this.run(gameId, "add_player", () => this.engine.addPlayer(gameId, player));
  }

  setPhase(gameId: string, phase: "running" | "paused" | "ended"): Promise<Result<SetupResult>> {
    return this.run(gameId, "set_phase", () => this.engine.setPhase(gameId, phase));
  }

  /** Records an admin action in the game's log (see Engine.logAdmin). */
  logAdmin(gameId: string, action: string, detail: string): Promise<Result<SetupResult>> {
    return this.run(gameId, "log_admin", () => this.engine.logAdmin(gameId, action, "admin", detail));
  }

  /**
   * Runs `fn` while no command of the game is in flight; commands issued meanwhile wait until it
   * returns. One quiet section per game at a time. Keep `fn` short (a few reads).
   */
  async quiet<T>(gameId: string, fn: () => Promise<T>): Promise<T> {
    const lane = this.lane(gameId);
    while (lane.gate) await lane.gate;
    let release!: () => void;
    lane.gate = new Promise<void>((r) => {
      release = r;
    });
    try {
      while (lane.inflight > 0) await new Promise<void>((r) => lane.idle.push(r));
      return await fn();
    } finally {
      lane.gate = null;
      release();
    }
  }

  private lane(gameId: string): Lane {
    let lane = this.lanes.get(gameId);
    if (!lane) {
      lane = { counters: { orders: 0, fills: 0, rejects: 0 }, inflight: 0, gate: null, idle: [], listeners: new Set() };
      this.lanes.set(gameId, lane);
    }
    return lane;
  }

  /** One command: waits for a quiet section to end, calls, measures, publishes the events. */
  private async run<T extends Logged>(
    gameId: string,
    command: string,
    call: () => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const lane = this.lane(gameId);
    while (lane.gate) await lane.gate;
    lane.inflight++;
    const started = performance.now();
    try {
      const r = await call();
      this.metrics.commandSeconds.observe({ command }, (performance.now() - started) / 1000);
      this.count(lane.counters, command, r);
      if (r.ok && r.events.length > 0) this.publish(gameId, lane, r.events);
      else if (!r.ok && r.code === "FENCED") for (const l of lane.listeners) this.guard(() => l.onFenced?.());
      return r;
    } finally {
      if (--lane.inflight === 0) for (const wake of lane.idle.splice(0)) wake();
    }
  }

  private count(c: GameCounters, command: string, r: Result<Logged>): void {
    if (!r.ok) {
      c.rejects++;
      const code = (r as Rejection).code;
      this.metrics.rejects.inc({ command, code });
      if (command === "place") this.metrics.orders.inc({ result: "rejected" });
      return;
    }
    let fills = 0;
    for (const e of r.events) {
      if (e.type === "fill") fills++;
      else if (e.type === "order_accepted") c.orders++;
    }
    if (command === "place") this.metrics.orders.inc({ result: "accepted" });
    c.fills += fills;
    if (fills) this.metrics.fills.inc(fills);
  }

  private publish(gameId: string, lane: Lane, events: EngineEvent[]): void {
    // try/catch in place of guard(): no closure per listener per command (issue 13)
    for (const l of lane.listeners) {
      try {
        l.onEvents(events);
      } catch (err) {
        this.log.error({ err }, "game listener failed");
      }
    }
    for (const l of this.everyGame) {
      try {
        l(gameId, events);
      } catch (err) {
        this.log.error({ err }, "game listener failed");
      }
    }
  }

  /** A subscriber's bug must not fail the command that already happened. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, "game listener failed");
    }
  }

  /** Announces a headline at round running time `atMs` (see Engine.announce). */
  announce(gameId: string, news: NewsItem, atMs: number): Promise<Result<SetupResult>> {
    return this.run(gameId, "announce", () => this.engine.announce(gameId, news, atMs));
  }

  /** Sends a private signal to its listed players (see Engine.signal). */
  signal(gameId: string, signal: SignalItem): Promise<Result<SetupResult>> {
    return this.run(gameId, "signal", () => this.engine.signal(gameId, signal));
  }

  /** A market-type command: a call or a trading-mode switch (engine/market-commands.ts, docs/markets.md). */
  market<C extends MarketCommand>(gameId: string, command: C): Promise<Result<ResultOf[C["type"]]>> {
    return this.run(gameId, command.type, () => runMarketCommand(this.engine, gameId, command));
  }

  /** Records an action in the game's log with its actor ('admin', 'system' or a player id); see Engine.logAdmin. */
  logAction(gameId: string, action: string, actor: string, detail: string): Promise<Result<SetupResult>> {
    return this.run(gameId, "log_admin", () => this.engine.logAdmin(gameId, action, actor, detail));
  }
}
