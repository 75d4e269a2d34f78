/**
 * GameService: games as the admin and the players see them, and the one place that composes the game's
 * application parts (app.ts builds it; tests build it the same way):
 *
 *   settings.ts     the validated settings of a new game          round-clock.ts  clock and schedule math (pure)
 *   scheduler.ts    the timers of scheduled starts, breaks, ends  access.ts       admin and player tokens
 *   joins.ts        joins by code, a session's players, kicks     bot-admin.ts    the admin's bots
 *   drivers.ts      news, signals, groups, takeovers, calls...    sessions.ts     several rounds, one identity
 *   store.ts        what is kept beside the engine in Valkey  game-reads.ts   snapshot, clock, references for rooms
 *
 * What stays here is the round's lifecycle: lobby (optionally counting down to a scheduled start) ->
 * running <-> paused -> ended. A round runs `periods` trading periods (durationSec alone = one) of
 * running time; between two periods the market pauses for the break (the paused phase with breakEndsAt
 * set) and resumes; the round ends after the last period. Admin pauses stop the round clock. The
 * scheduler's timers are re-armed from the stored schedule after a restart (resumeAll). At the end the
 * market closes, every open order is cancelled (reason round_end), and once the persister has stored the
 * log, final inventories and the leaderboard are written to PostgreSQL. Also here: listing and reading
 * games, and leaderboards.
 *
 * Every method throws ApiError (code + message + HTTP status) on a refusal; engine rejections keep
 * their code. Units: ticks, lots, minor units, ms.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "iovalkey";
import type {
  BotSpec as BotSpecSchema,
  CreateGameBody,
  GameInfo,
  GameSummary,
  JoinReply,
  LeaderboardRow,
} from "@marketroom/shared";
import type { z } from "zod";
import type { Logger } from "../config.ts";
import type { Db } from "../persistence/db.ts";
import { registerGame } from "../persistence/games-registry.ts";
import { markRuleOf, scoreAtEnd, scoreLive } from "../scoring/scoring.ts";
import { Access, type AccessOptions, type Principal } from "./access.ts";
import { BotAdmin } from "./bot-admin.ts";
import { BotManager, type BotInfo, type MarketBotSpec } from "./bots.ts";
import { MarketDrivers, type DriverDeps } from "./drivers.ts";
import { ApiError, unwrap } from "./errors.ts";
import type { ClockInfo, GameHub, RoundLink } from "./hub.ts";
import { Joins } from "./joins.ts";
import { GameReads } from "./game-reads.ts";
import { GameModel, type GameSnapshot } from "./model.ts";
import { clockOf, elapsedOf, periodLength, type Schedule } from "./round-clock.ts";
import { RoundScheduler } from "./scheduler.ts";
import { Seats } from "./seats.ts";
import { SessionService } from "./sessions.ts";
import { engineSecurity, initialSchedule, settingsOf } from "./settings.ts";
import { GameStore, type GameRecord, type StoredPlayer } from "./store.ts";
import type { GameDetail, RoundEnd } from "./views.ts";

/** Final inventories and leaderboard writer (persistence's writeRoundResults bound to a database). */
export type ResultsWriter = (
  gameId: string,
  inventories: RoundInventoryLike[],
  leaderboard: LeaderboardRow[],
  asOfSeq: number,
) => Promise<void>;
export interface RoundInventoryLike {
  playerId: string;
  cash: number;
  cashLocked: number;
  positions: { securityId: number; qty: number; locked: number }[];
}

/** The persister as the service needs it. */
export interface PersisterPort {
  drain(gameId: string, seq: number, timeoutMs?: number): Promise<void>;
  lagMs(): Promise<number>;
}

export interface ServiceDeps extends AccessOptions {
  hub: GameHub;
  valkey: Redis;
  db?: Db;
  log: Logger;
  results?: ResultsWriter;
  persister?: PersisterPort;
  /** Seed of the bots' random sources. */
  botSeed?: number;
  /** Market-type drivers run beside news and calls (game/drivers.ts RoundDriver; app.ts passes those of rounds/). */
  roundDrivers?: DriverDeps["roundDrivers"];
}

const DRAIN_TIMEOUT_MS = 30_000;

export class GameService {
  readonly store: GameStore;
  readonly bots: BotManager;
  readonly sessions: SessionService;
  /** News, private signals, groups and bot takeover (game/drivers.ts). */
  readonly drivers: MarketDrivers;
  private readonly access: Access;
  private readonly joins: Joins;
  private readonly botAdmin: BotAdmin;
  private readonly scheduler: RoundScheduler;
  readonly reads: GameReads;
  private readonly ending = new Map<string, Promise<RoundEnd>>();
  /** The last round end of each game ended by this process (a repeated end returns it). */
  private readonly ended = new Map<string, RoundEnd>();
  /** Live models of open rooms (exact and cheap for leaderboards). */
  private readonly models = new Map<string, GameModel>();

  constructor(private readonly deps: ServiceDeps) {
    const { hub, valkey, log } = deps;
    const record = (gameId: string) => this.record(gameId);
    this.store = new GameStore(valkey);
    this.bots = new BotManager(hub, log, deps.botSeed ?? 1);
    this.access = new Access(this.store, log, deps);
    const { roundDrivers } = deps;
    this.drivers = new MarketDrivers({ hub, valkey, store: this.store, bots: this.bots, log, roundDrivers });
    this.joins = new Joins({
      hub,
      store: this.store,
      seats: new Seats(valkey),
      access: this.access,
      drivers: this.drivers,
      log,
      record,
    });
    this.botAdmin = new BotAdmin({ hub, store: this.store, bots: this.bots, record, model: (g) => this.models.get(g) });
    this.scheduler = new RoundScheduler(
      {
        boundary: (g, b) => this.onBoundary(g, b),
        breakEnded: (g, at) => this.onBreakEnded(g, at),
        startDue: (g, at) => this.onStartDue(g, at),
      },
      log,
    );
    this.reads = new GameReads({ hub, store: this.store, drivers: this.drivers, db: deps.db });
    this.sessions = new SessionService(this);
    hub.setRateLimitSource(async (gameId) => (await this.store.get(gameId))?.settings.rules.orderRateLimit ?? null);
  }

  /** Loads the secrets (access.ts init). Call once before use. */
  init(): Promise<void> {
    return this.access.init();
  }

  /** The admin token in plain text, when this process knows it (access.ts). */
  get admin(): string {
    return this.access.admin;
  }

  /** Where the admin token came from (access.ts). */
  get adminTokenSource(): { created: boolean; path: string | null } {
    return this.access.adminTokenSource;
  }

  get hub(): GameHub {
    return this.deps.hub;
  }

  /** Whose token this is, or null (access.ts). */
  authenticate(token: string | undefined): Promise<Principal | null> {
    return this.access.authenticate(token);
  }

  /** Kicks a player (joins.ts). */
  kick(gameId: string, playerId: string): Promise<{ kickedAt: number; cancelled: number; already: boolean }> {
    return this.joins.kick(gameId, playerId);
  }

  // ---- games ----

  /** Creates a game in the lobby (body already parsed by CreateGameBody). Errors: GAME_EXISTS, UNKNOWN_SCENARIO, INVALID_BODY (settings.ts). */
  async create(body: z.output<typeof CreateGameBody>): Promise<GameDetail> {
    const gameId = body.gameId ?? `g-${randomBytes(5).toString("hex")}`;
    const settings = settingsOf(body);
    const { hub } = this.deps;
    unwrap(await hub.createGame(gameId, { name: body.name, ...settings.rules }));
    hub.setRateLimit(gameId, body.rules.orderRateLimit);
    for (const s of settings.securities) unwrap(await hub.addSecurity(gameId, engineSecurity(s)));
    await registerGame(this.deps.valkey, gameId);
    await this.store.create(gameId, settings, initialSchedule(body));
    await this.drivers.setup(gameId, body);
    for (const b of body.bots) await this.addBots(gameId, b);
    if (body.schedule?.startAt) this.scheduler.armStart(gameId, body.schedule.startAt);
    this.deps.log.info({ gameId, name: body.name }, "game created");
    return this.get(gameId);
  }

  /** Games, newest first. */
  async list(offset = 0, limit = 100): Promise<GameSummary[]> {
    const ids = await this.store.list(offset, limit);
    const out: GameSummary[] = [];
    for (const id of ids) {
      const rec = await this.store.get(id);
      const info = await this.deps.hub.engine.gameInfo(id);
      if (rec && info.ok) out.push(await this.summary(rec, info));
    }
    return out;
  }

  /** One game in detail. Errors: UNKNOWN_GAME. */
  async get(gameId: string): Promise<GameDetail> {
    const rec = await this.record(gameId);
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    const stored = await this.store.players(gameId);
    const players = info.players.map((p) => ({
      playerId: p.playerId,
      name: p.name,
      bot: stored.get(p.playerId)?.bot ?? false,
    }));
    return {
      ...(await this.summary(rec, info, stored)),
      rules: rec.settings.rules,
      securities: rec.settings.securities,
      endowment: rec.settings.endowment,
      playerList: players,
      botList: this.botAdmin.list(gameId, stored),
      clock: clockOf(rec, Date.now()),
      schedule: rec.settings.schedule ?? null,
      sessionId: rec.sessionId,
      round: rec.round,
      nextGameId: rec.nextGameId,
    };
  }

  /** The settings and schedule of a game. Errors: UNKNOWN_GAME. */
  async record(gameId: string): Promise<GameRecord> {
    const rec = await this.store.get(gameId);
    if (!rec) throw new ApiError("UNKNOWN_GAME", `no game ${gameId}`);
    return rec;
  }

  // ---- lifecycle ----

  /**
   * lobby -> running now (countdownSec 0), or in countdownSec seconds: the phase stays lobby, the clock
   * shows startsAt and the round starts itself then (a later start call replaces the countdown).
   * Errors: UNKNOWN_GAME, INVALID_PHASE_TRANSITION (not in the lobby).
   */
  async start(gameId: string, countdownSec = 0): Promise<GameDetail> {
    await this.record(gameId);
    if (countdownSec > 0) {
      const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
      if (info.game.phase !== "lobby")
        throw new ApiError("INVALID_PHASE_TRANSITION", `the game is ${info.game.phase}, not lobby`);
      const startAt = Date.now() + countdownSec * 1000;
      await this.setSchedule(gameId, { startAt });
      this.scheduler.armStart(gameId, startAt);
      // A countdown is an admin action like the others: the log says when the round was set to start.
      unwrap(
        await this.deps.hub.logAdmin(gameId, "start_scheduled", `${countdownSec}s ${new Date(startAt).toISOString()}`),
      );
      await this.publishClock(gameId);
    } else {
      await this.startNow(gameId);
    }
    return this.get(gameId);
  }

  /** lobby -> running; arms the next period boundary and starts the bots. */
  private async startNow(gameId: string): Promise<void> {
    const rec = await this.record(gameId);
    unwrap(await this.phaseFrom(gameId, "lobby", "running"));
    const now = Date.now();
    await this.setSchedule(gameId, { startedAt: now, resumedAt: now, elapsedMs: 0, startAt: 0 });
    await this.afterRunning(gameId, rec);
  }

  /**
   * running -> paused: the round clock stops and bots pause. In a scheduled break (already paused) it
   * holds the market: the break's automatic resume is cancelled until the admin resumes.
   */
  async pause(gameId: string): Promise<GameDetail> {
    const rec = await this.record(gameId);
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase === "paused" && rec.breakEndsAt) {
      this.disarm(gameId);
      await this.setSchedule(gameId, { breakEndsAt: 0 });
    } else {
      unwrap(await this.phaseFrom(gameId, "running", "paused"));
      this.disarm(gameId);
      await this.bots.stop(gameId);
      await this.setSchedule(gameId, { elapsedMs: elapsedOf(rec, Date.now()), resumedAt: 0 });
    }
    await this.publishClock(gameId);
    return this.get(gameId);
  }

  /** paused -> running; the clock goes on from where it stopped (in a break: the next period starts now). */
  async resume(gameId: string): Promise<GameDetail> {
    await this.resumeRunning(gameId);
    return this.get(gameId);
  }

  private async resumeRunning(gameId: string): Promise<void> {
    const rec = await this.record(gameId);
    unwrap(await this.phaseFrom(gameId, "paused", "running"));
    await this.setSchedule(gameId, { resumedAt: Date.now(), breakEndsAt: 0 });
    await this.afterRunning(gameId, rec);
  }

  /**
   * Ends the round (from any phase; again on an ended game it re-runs the clean-up): market closed,
   * bots stopped, every open order cancelled with reason round_end, then — once the persister has the
   * log up to the last seq — final inventories and the leaderboard written to PostgreSQL.
   */
  end(gameId: string): Promise<RoundEnd> {
    let p = this.ending.get(gameId);
    if (!p) {
      p = this.doEnd(gameId).finally(() => this.ending.delete(gameId));
      this.ending.set(gameId, p);
    }
    return p;
  }

  private async doEnd(gameId: string): Promise<RoundEnd> {
    const rec = await this.record(gameId);
    const done = this.ended.get(gameId);
    if (done && rec.endedAt && (rec.resultsAt || !this.deps.results)) return done;
    const { hub } = this.deps;
    const r = await hub.setPhase(gameId, "ended");
    if (!r.ok && r.code !== "INVALID_PHASE_TRANSITION") throw ApiError.from(r);
    this.disarm(gameId);
    await this.bots.stop(gameId);
    this.bots.forget(gameId);
    this.drivers.ended(gameId);
    const cancelled = await this.cancelEverything(gameId);
    const now = Date.now();
    const elapsedEnd = rec.endedAt ? rec.elapsedMs : elapsedOf(rec, now);
    if (!rec.endedAt) await this.setSchedule(gameId, { endedAt: now, elapsedMs: elapsedEnd, resumedAt: 0 });
    await this.publishClock(gameId);
    const snap = await this.snapshot(gameId);
    const model = GameModel.fromSnapshot(gameId, snap);
    // Marks by the round's rule at the closing references, news shifts included (scoring/scoring.ts, docs/export.md); the room shows the same.
    scoreAtEnd(model, await this.drivers.withNews(gameId, rec.settings), elapsedEnd);
    this.models.get(gameId)?.setMarkRule(markRuleOf(rec.settings));
    const leaderboard = model.leaderboard();
    const resultsWritten = await this.writeResults(gameId, model, snap.seq, leaderboard);
    this.deps.log.info({ gameId, seq: snap.seq, cancelled, resultsWritten }, "round ended");
    const result = {
      gameId,
      seq: snap.seq,
      cancelled: cancelled + (done?.cancelled ?? 0),
      leaderboard,
      resultsWritten,
    };
    this.ended.set(gameId, result);
    return result;
  }

  /** cancelAll(round_end) for every player, repeated while truncated; returns the orders cancelled. */
  private async cancelEverything(gameId: string): Promise<number> {
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    let n = 0;
    for (const p of info.players) {
      for (;;) {
        const r = unwrap(await this.deps.hub.cancelAll(gameId, p.playerId, undefined, "round_end"));
        n += r.cancelledOrderIds.length;
        if (!r.truncated) break;
      }
    }
    return n;
  }

  private async writeResults(gameId: string, model: GameModel, seq: number, board: LeaderboardRow[]): Promise<boolean> {
    const { results, persister, log } = this.deps;
    if (!results) return false;
    try {
      await persister?.drain(gameId, seq, DRAIN_TIMEOUT_MS);
      const inventories = [...model.players.values()].map((p) => ({
        playerId: p.playerId,
        cash: p.cash,
        cashLocked: p.cashLocked,
        positions: [...p.positions].map(([securityId, pos]) => ({ securityId, qty: pos.qty, locked: pos.locked })),
      }));
      await results(gameId, inventories, board, seq);
      await this.setSchedule(gameId, { resultsAt: Date.now() });
      return true;
    } catch (err) {
      log.error({ err, gameId }, "writing round results failed");
      return false;
    }
  }

  /**
   * Re-arms the scheduler after a restart (all games, or the ids given): scheduled starts of games in the
   * lobby, break ends of games in a break, period boundaries, ends and bots of running games. A time
   * that passed while the server was down takes effect at once.
   */
  async resumeAll(ids?: string[]): Promise<void> {
    for (const id of ids ?? (await this.store.list(0, 10_000))) {
      const info = await this.deps.hub.engine.gameInfo(id);
      const rec = info.ok ? await this.store.get(id) : null;
      if (!info.ok || !rec) continue;
      const phase = info.game.phase;
      try {
        if (phase === "running") await this.afterRunning(id, rec);
        else if (phase === "lobby" && rec.startAt) this.scheduler.armStart(id, rec.startAt);
        else if (phase === "paused" && rec.breakEndsAt) this.scheduler.armBreak(id, rec.breakEndsAt);
      } catch (err) {
        this.deps.log.error({ err, gameId: id }, "resume failed");
      }
    }
  }

  /** Clears timers and stops bots (orders stay): process shutdown. */
  async shutdown(): Promise<void> {
    this.scheduler.shutdown();
    this.drivers.shutdown();
    await this.bots.shutdown();
    await Promise.allSettled([...this.ending.values()]);
    // what the games' writers decided is committed before the process lets go of them
    await this.deps.hub.engine.close();
  }

  // ---- players ----

  /** Joins a game by code (joins.ts). */
  join(code: string, name: string): Promise<JoinReply> {
    return this.joins.join(code, name);
  }

  /** Adds a session's player to a round (joins.ts). */
  addPlayerToRound(gameId: string, playerId: string, name: string): Promise<void> {
    return this.joins.addPlayerToRound(gameId, playerId, name);
  }

  /** The leaderboard of a round: as written at its end when this process ended it, else as now. */
  async roundLeaderboard(gameId: string): Promise<LeaderboardRow[]> {
    return this.ended.get(gameId)?.leaderboard ?? this.leaderboard(gameId);
  }

  /** A fresh player token (tokens.ts) for an existing player (sessions, tests, tools). */
  tokenFor(gameId: string, playerId: string): Promise<string> {
    return this.access.tokenFor(gameId, playerId);
  }

  /**
   * Leaderboard by equity with FIFO P&L. Running: cash + holdings at the last trade (else the current
   * reference). Ended: scored as the round end scores it (mark rule, closing references). Errors: UNKNOWN_GAME.
   */
  async leaderboard(gameId: string): Promise<LeaderboardRow[]> {
    const rec = await this.record(gameId);
    const live = this.models.get(gameId);
    if (live && !rec.endedAt) return live.leaderboard();
    const model = GameModel.fromSnapshot(gameId, await this.snapshot(gameId));
    // the same settings as the round end (news shifts included), so a restart scores an ended round alike
    if (rec.endedAt) scoreAtEnd(model, await this.drivers.withNews(gameId, rec.settings), rec.elapsedMs);
    else scoreLive(model, rec.settings);
    return model.leaderboard();
  }

  /** Registers the live model of an open room (or removes it with null). */
  attachModel(gameId: string, model: GameModel | null): void {
    if (model) this.models.set(gameId, model);
    else this.models.delete(gameId);
  }

  // ---- bots (bot-admin.ts) ----

  /** Adds bots from an API spec; they start at once when the game is running. */
  addBots(gameId: string, raw: z.input<typeof BotSpecSchema>): Promise<BotInfo[]> {
    return this.botAdmin.addBots(gameId, raw);
  }

  /** Adds bots given as market-module specs (player ids, endowments, kinds), e.g. demoBots(). */
  addMarketBots(gameId: string, specs: MarketBotSpec[]): Promise<BotInfo[]> {
    return this.botAdmin.addMarketBots(gameId, specs);
  }

  /** Switches a bot off. Errors: UNKNOWN_BOT. */
  removeBot(gameId: string, playerId: string): Promise<void> {
    return this.botAdmin.remove(gameId, playerId);
  }

  /** Switches a bot on again. Errors: UNKNOWN_BOT. */
  enableBot(gameId: string, playerId: string): Promise<void> {
    return this.botAdmin.enable(gameId, playerId);
  }

  // ---- reads (game-reads.ts) ----

  /** A consistent snapshot at the last committed seq (game-reads.ts; `own`: the game's room). Errors: UNKNOWN_GAME. */
  snapshot(gameId: string, own = false): Promise<GameSnapshot> {
    return this.reads.snapshot(gameId, own);
  }

  /** The round clock of a game (for rooms). */
  clock(gameId: string): Promise<ClockInfo> {
    return this.reads.clock(gameId);
  }

  /** The game's place in its session, or null when it is no session's round (for rooms). */
  roundLink(gameId: string): Promise<RoundLink | null> {
    return this.reads.roundLink(gameId);
  }

  /** Each security's reference price (ticks) at the round's running time now; empty for an unknown game. */
  references(gameId: string): Promise<Map<number, number>> {
    return this.reads.references(gameId);
  }

  /** Running time of the round so far, ms (0 before start). */
  elapsed(gameId: string): Promise<number> {
    return this.reads.elapsed(gameId);
  }

  // ---- internals ----

  private async phaseFrom(gameId: string, from: string, to: "running" | "paused" | "ended") {
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase !== from) {
      return {
        ok: false as const,
        code: "INVALID_PHASE_TRANSITION" as const,
        message: `the game is ${info.game.phase}, not ${from}`,
      };
    }
    return this.deps.hub.setPhase(gameId, to);
  }

  /** After start/resume/restart: arm the next period boundary or the end, start bots, tell rooms. */
  private async afterRunning(gameId: string, before: GameRecord): Promise<void> {
    const rec = (await this.store.get(gameId)) ?? before;
    this.scheduler.armRunning(gameId, rec);
    await this.botAdmin.startAll(gameId, rec);
    await this.drivers.running(gameId, rec);
    await this.publishClock(gameId);
  }

  /** Writes schedule fields and keeps the in-memory copy the bots' clocks read. */
  private async setSchedule(gameId: string, s: Partial<Schedule>): Promise<void> {
    await this.store.setSchedule(gameId, s);
    this.botAdmin.scheduleChanged(gameId, s);
  }

  /** A period's running time is up: the round ends after the last period, else the break begins. */
  private async onBoundary(gameId: string, boundary: number): Promise<void> {
    const rec = await this.record(gameId);
    if (boundary >= rec.durationMs) {
      await this.end(gameId);
      return;
    }
    const r = await this.phaseFrom(gameId, "running", "paused");
    if (!r.ok) return; // paused or ended meanwhile: nothing to do
    await this.bots.stop(gameId);
    // The period is exactly periodMs of running time, however late the timer fired.
    const breakEndsAt = Date.now() + rec.breakMs;
    await this.setSchedule(gameId, { elapsedMs: boundary, resumedAt: 0, breakEndsAt });
    this.deps.log.info({ gameId, period: Math.round(boundary / periodLength(rec)), breakEndsAt }, "break");
    this.scheduler.armBreak(gameId, breakEndsAt);
    await this.publishClock(gameId);
  }

  /** A break is over: the next period starts, unless the admin held or resumed the market meanwhile. */
  private async onBreakEnded(gameId: string, breakEndsAt: number): Promise<void> {
    const rec = await this.record(gameId);
    if (rec.breakEndsAt !== breakEndsAt) return; // held or resumed by the admin meanwhile
    await this.resumeRunning(gameId);
  }

  /** A scheduled start is due: the round starts, when it is still in the lobby. */
  private async onStartDue(gameId: string, startAt: number): Promise<void> {
    const rec = await this.record(gameId);
    if (rec.startAt !== startAt || rec.startedAt) return; // replaced or started meanwhile
    try {
      await this.startNow(gameId);
    } catch (err) {
      if ((err as ApiError).code !== "INVALID_PHASE_TRANSITION") throw err;
    }
  }

  /** Cancels the game's scheduler timer (the restart tests call it to forget one, as a crash would). */
  private disarm(gameId: string): void {
    this.scheduler.disarm(gameId);
  }

  private async publishClock(gameId: string): Promise<void> {
    this.deps.hub.publishClock(gameId, await this.clock(gameId));
  }

  private async summary(rec: GameRecord, info: GameInfo, stored?: Map<string, StoredPlayer>): Promise<GameSummary> {
    const players = stored ?? (await this.store.players(rec.gameId));
    const bots = [...players.values()].filter((p) => p.bot).length;
    const c = clockOf(rec, Date.now());
    return {
      gameId: rec.gameId,
      name: rec.settings.name,
      phase: info.game.phase,
      joinCode: rec.joinCode,
      createdAt: rec.createdAt,
      startedAt: rec.startedAt,
      endsAt: c.endsAt,
      remainingMs: c.remainingMs,
      durationSec: rec.settings.durationSec,
      players: info.players.length - bots,
      bots,
      scenario: rec.settings.scenario,
      seq: info.seq,
    };
  }
}
