/**
 * GameService: games as the admin and the players see them. Creating a game sets it up in the engine
 * (game, securities, bot players), registers it with the persister and stores its settings, join code
 * and schedule (store.ts). Players join by code and get a JWT (tokens.ts); the admin may kick one (kick). The round's lifecycle is
 * lobby (optionally counting down to a scheduled start) -> running <-> paused -> ended. A round runs
 * `periods` trading periods (durationSec alone = one) of running time; between two periods the
 * scheduler pauses the market for the break (the paused phase with breakEndsAt set) and resumes it;
 * the round ends after the last period. Admin pauses stop the round clock. The scheduler's timers live
 * in this process and are re-armed from the stored schedule after a restart (resumeAll). At the end the
 * market closes, every open order is cancelled (reason round_end), and once the persister has stored
 * the log, final inventories and the leaderboard are written to PostgreSQL. Sessions (several rounds,
 * one identity per player) are in sessions.ts.
 *
 * Every method throws ApiError (code + message + HTTP status) on a refusal; engine rejections keep
 * their code. Units: ticks, lots, minor units, ms.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "iovalkey";
import {
  BotSpec as BotSpecSchema, CreateGameBody, DEFAULT_MAX_PLAYERS, type GameInfo, type GameSecurity, type GameSummary, type JoinReply,
  type LeaderboardRow, type SecurityInfo,
} from "@marketroom/shared";
import type { z } from "zod";
import type { Logger } from "../config.ts";
import type { Db } from "../persistence/db.ts";
import { registerGame } from "../persistence/games-registry.ts";
import { createScenario, getScenario, type Scenario } from "../market/scenarios.ts";
import { BOT_KINDS, BotManager, type BotInfo, type MarketBotSpec } from "./bots.ts";
import { ApiError, unwrap } from "./errors.ts";
import { MarketDrivers } from "./drivers.ts";
import { readGameLog } from "./log.ts";
import { referencesAt } from "../export/marks.ts";
import { markRuleOf, scoreAtEnd } from "../export/scoring.ts";
import { rankRuleOf } from "../export/ranking.ts";
import type { ClockInfo, GameHub, RoundLink } from "./hub.ts";
import { GameModel, type GameSnapshot } from "./model.ts";
import { GameStore, type GameRecord, type Schedule, type StoredPlayer } from "./store.ts";
import { PlayerTokens } from "./tokens.ts";
import { loadAdminToken, loadSecret, type AdminToken, type LoadedAdminToken } from "./secrets.ts";
import { SessionService } from "./sessions.ts";
import { Seats } from "./seats.ts";

type Rules = z.output<typeof CreateGameBody>["rules"];
type SecurityRulesOut = NonNullable<z.output<typeof CreateGameBody>["securityRules"]>;
type BotSpecOut = z.output<typeof BotSpecSchema>;

/** What the service stores about a game beside the engine. */
export interface GameSettings {
  name: string;
  rules: Rules;
  securities: (SecurityInfo & { refPrice: number })[];
  endowment: { cash: number; holdings: { securityId: number; qty: number }[] };
  scenario: string | null;
  durationSec: number | null;
  allowObservers: boolean;
  /** The body's schedule (scheduled start, periods); null for a plain round. */
  schedule?: z.output<typeof CreateGameBody>["schedule"] | null;
}

/** Final inventories and leaderboard writer (persistence's writeRoundResults bound to a database). */
export type ResultsWriter = (gameId: string, inventories: RoundInventoryLike[], leaderboard: LeaderboardRow[], asOfSeq: number) => Promise<void>;
export interface RoundInventoryLike { playerId: string; cash: number; cashLocked: number; positions: { securityId: number; qty: number; locked: number }[] }

/** The persister as the service needs it. */
export interface PersisterPort {
  drain(gameId: string, seq: number, timeoutMs?: number): Promise<void>;
  lagMs(): Promise<number>;
}

export interface ServiceDeps {
  hub: GameHub;
  valkey: Redis;
  db?: Db;
  log: Logger;
  results?: ResultsWriter;
  persister?: PersisterPort;
  /** Admin token (ADMIN_TOKEN); read from adminTokenFile (generated once) when omitted. */
  adminToken?: string;
  /** File of the admin token when adminToken is omitted (default .data/admin-token). */
  adminTokenFile?: string;
  /** Signing secret of player tokens (TOKEN_SECRET); read from tokenSecretFile (generated once) when omitted. */
  tokenSecret?: string;
  /** File of the signing secret when tokenSecret is omitted (default .data/token-secret). */
  tokenSecretFile?: string;
  /** Lifetime of player tokens, seconds (default 7 days). */
  playerTokenTtlSec?: number;
  /** Seed of the bots' random sources. */
  botSeed?: number;
}

/** Who a token belongs to. */
export type Principal = { role: "admin" } | { role: "player"; gameId: string; playerId: string };

/** A game in detail. */
export interface GameDetail extends GameSummary {
  rules: Rules;
  securities: (SecurityInfo & { refPrice: number })[];
  endowment: GameSettings["endowment"];
  playerList: { playerId: string; name: string; bot: boolean }[];
  botList: BotInfo[];
  /** The round clock (periods, scheduled start, break). */
  clock: ClockInfo;
  schedule: GameSettings["schedule"];
  /** Session of this round ("" = none), its round number and the next round's game ("" = none yet). */
  sessionId: string;
  round: number;
  nextGameId: string;
}

/** The result of ending a round. */
export interface RoundEnd { gameId: string; seq: number; cancelled: number; leaderboard: LeaderboardRow[]; resultsWritten: boolean }

const DRAIN_TIMEOUT_MS = 30_000;

export class GameService {
  readonly store: GameStore;
  readonly bots: BotManager;
  readonly sessions: SessionService;
  private readonly seats: Seats;
  /** News, private signals, groups and bot takeover (game/drivers.ts). */
  readonly drivers: MarketDrivers;
  private tokens!: PlayerTokens;
  private adminToken!: AdminToken;
  private adminSecret!: LoadedAdminToken;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ending = new Map<string, Promise<RoundEnd>>();
  /** The last round end of each game ended by this process (a repeated end returns it). */
  private readonly ended = new Map<string, RoundEnd>();
  /** Live models of open rooms (exact and cheap for leaderboards). */
  private readonly models = new Map<string, GameModel>();
  private readonly scenarios = new Map<string, Scenario>();
  /** Schedules of games with bots, for the bots' clocks. */
  private readonly schedules = new Map<string, Schedule>();

  constructor(private readonly deps: ServiceDeps) {
    this.store = new GameStore(deps.valkey);
    this.seats = new Seats(deps.valkey);
    this.bots = new BotManager(deps.hub, deps.log, deps.botSeed ?? 1);
    this.sessions = new SessionService(this);
    deps.hub.setRateLimitSource(async (gameId) => (await this.store.get<GameSettings>(gameId))?.settings.rules.orderRateLimit ?? null);
    this.drivers = new MarketDrivers({ hub: deps.hub, valkey: deps.valkey, store: this.store, bots: this.bots, log: deps.log });
  }

  /**
   * Loads (or creates, mode 0600) the signing secret and the admin token from the environment or their files
   * (secrets.ts); removes the plain-text copies older versions kept in Valkey, moving an old admin token to
   * its file. Call once before use. Throws when a secret is too short or its file is readable by others.
   */
  async init(): Promise<void> {
    const { deps } = this;
    const legacyAdmin = await this.store.takeLegacySecrets();
    const secret = loadSecret("TOKEN_SECRET", deps.tokenSecret, deps.tokenSecretFile ?? ".data/token-secret");
    this.tokens = new PlayerTokens(secret.value, deps.playerTokenTtlSec);
    this.adminSecret = loadAdminToken(deps.adminToken, deps.adminTokenFile ?? ".data/admin-token", legacyAdmin ?? undefined);
    this.adminToken = this.adminSecret.token;
    if (secret.created) deps.log.info({ path: secret.path }, "generated the token signing secret");
    if (this.adminSecret.created) deps.log.info({ path: this.adminSecret.path }, "generated the admin token");
  }

  /**
   * The admin token in plain text, known only when it came from ADMIN_TOKEN or was generated by this start
   * (the file keeps only its SHA-256). Throws otherwise. For tests and the start-up banner.
   */
  get admin(): string {
    if (this.adminSecret.plain === null) {
      throw new Error(`the admin token is not known to this process: ${this.adminSecret.path} keeps only its SHA-256 (set ADMIN_TOKEN, or delete the file to make a new one)`);
    }
    return this.adminSecret.plain;
  }

  /** Where the admin token came from: created = generated by this start; path = its file (null: ADMIN_TOKEN). */
  get adminTokenSource(): { created: boolean; path: string | null } {
    return { created: this.adminSecret.created, path: this.adminSecret.path };
  }

  get hub(): GameHub {
    return this.deps.hub;
  }

  /**
   * Whose token this is, or null: the admin token, or a valid, unexpired player token (tokens.ts) of a
   * player the admin has not kicked (one Valkey read).
   */
  async authenticate(token: string | undefined): Promise<Principal | null> {
    if (!token) return null;
    if (this.adminToken.matches(token)) return { role: "admin" };
    const c = await this.tokens.verify(token);
    if (!c || await this.store.isKicked(c.gameId, c.playerId)) return null;
    return { role: "player", gameId: c.gameId, playerId: c.playerId };
  }

  /**
   * Kicks a player: their tokens are refused from now on (room joins, reconnections, HTTP), their resting
   * orders are cancelled (reason admin) and the kick is logged as an admin action (player_kicked). Closing
   * their live connections is the room's part (http/kick.ts). Repeating it changes nothing more.
   * Errors: UNKNOWN_GAME, UNKNOWN_PLAYER (also for a bot: remove bots with DELETE .../bots/:botId).
   */
  async kick(gameId: string, playerId: string): Promise<{ kickedAt: number; cancelled: number; already: boolean }> {
    await this.record(gameId);
    const p = await this.store.player(gameId, playerId);
    if (!p || p.bot) throw new ApiError("UNKNOWN_PLAYER", `no human player ${playerId} in ${gameId}`);
    const already = await this.store.isKicked(gameId, playerId);
    const kickedAt = await this.store.kick(gameId, playerId, Date.now());
    if (!already) unwrap(await this.deps.hub.logAdmin(gameId, "player_kicked", playerId));
    let cancelled = 0;
    for (;;) {
      const r = await this.deps.hub.cancelAll(gameId, playerId, undefined, "admin");
      if (!r.ok) break; // an ended round has nothing left to cancel
      cancelled += r.cancelledOrderIds.length;
      if (!r.truncated) break;
    }
    this.deps.log.info({ gameId, playerId, cancelled, already }, "player kicked");
    return { kickedAt, cancelled, already };
  }

  // ---- games ----

  /** Creates a game in the lobby (body already parsed by CreateGameBody). Errors: GAME_EXISTS, UNKNOWN_SCENARIO, INVALID_BODY (also checkSecurities). */
  async create(body: z.output<typeof CreateGameBody>): Promise<GameDetail> {
    const gameId = body.gameId ?? `g-${randomBytes(5).toString("hex")}`;
    const scenario = body.scenario ? this.scenarioByName(body.scenario) : undefined;
    const securities = resolveSecurities(body.securities, scenario, body.securityRules);
    checkEndowment(body.endowment, securities);
    checkSecurities(securities);
    const settings: GameSettings = {
      name: body.name, rules: body.rules, securities, endowment: body.endowment,
      scenario: body.scenario ?? null, durationSec: body.durationSec ?? null, allowObservers: body.allowObservers,
      schedule: body.schedule ?? null,
    };
    const { hub } = this.deps;
    unwrap(await hub.createGame(gameId, { name: body.name, ...body.rules }));
    hub.setRateLimit(gameId, body.rules.orderRateLimit);
    for (const s of securities) unwrap(await hub.addSecurity(gameId, stripRef(s)));
    await registerGame(this.deps.valkey, gameId);
    await this.store.create(gameId, settings, initialSchedule(body));
    await this.drivers.setup(gameId, body);
    for (const b of body.bots) await this.addBots(gameId, b);
    if (body.schedule?.startAt) this.armStart(gameId, body.schedule.startAt);
    this.deps.log.info({ gameId, name: body.name }, "game created");
    return this.get(gameId);
  }

  /** Games, newest first. */
  async list(offset = 0, limit = 100): Promise<GameSummary[]> {
    const ids = await this.store.list(offset, limit);
    const out: GameSummary[] = [];
    for (const id of ids) {
      const rec = await this.store.get<GameSettings>(id);
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
    const players = info.players.map((p) => ({ playerId: p.playerId, name: p.name, bot: stored.get(p.playerId)?.bot ?? false }));
    return {
      ...(await this.summary(rec, info, stored)), rules: rec.settings.rules, securities: rec.settings.securities,
      endowment: rec.settings.endowment, playerList: players, botList: this.botList(gameId, stored),
      clock: clockOf(rec, Date.now()), schedule: rec.settings.schedule ?? null,
      sessionId: rec.sessionId, round: rec.round, nextGameId: rec.nextGameId,
    };
  }

  /** The settings and schedule of a game. Errors: UNKNOWN_GAME. */
  async record(gameId: string): Promise<GameRecord<GameSettings>> {
    const rec = await this.store.get<GameSettings>(gameId);
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
      if (info.game.phase !== "lobby") throw new ApiError("INVALID_PHASE_TRANSITION", `the game is ${info.game.phase}, not lobby`);
      const startAt = Date.now() + countdownSec * 1000;
      await this.setSchedule(gameId, { startAt });
      this.armStart(gameId, startAt);
      // A countdown is an admin action like the others: the log says when the round was set to start.
      unwrap(await this.deps.hub.logAdmin(gameId, "start_scheduled", `${countdownSec}s ${new Date(startAt).toISOString()}`));
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
    // Marks by the round's rule at the closing references, news shifts included (export/scoring.ts, docs/export.md); the room shows the same.
    scoreAtEnd(model, await this.drivers.withNews(gameId, rec.settings), elapsedEnd);
    this.models.get(gameId)?.setMarkRule(markRuleOf(rec.settings.rules));
    const leaderboard = model.leaderboard();
    const resultsWritten = await this.writeResults(gameId, model, snap.seq, leaderboard);
    this.deps.log.info({ gameId, seq: snap.seq, cancelled, resultsWritten }, "round ended");
    const result = { gameId, seq: snap.seq, cancelled: cancelled + (done?.cancelled ?? 0), leaderboard, resultsWritten };
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
        playerId: p.playerId, cash: p.cash, cashLocked: p.cashLocked,
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
    for (const id of ids ?? await this.store.list(0, 10_000)) {
      const info = await this.deps.hub.engine.gameInfo(id);
      const rec = info.ok ? await this.store.get<GameSettings>(id) : null;
      if (!info.ok || !rec) continue;
      const phase = info.game.phase;
      try {
        if (phase === "running") await this.afterRunning(id, rec);
        else if (phase === "lobby" && rec.startAt) this.armStart(id, rec.startAt);
        else if (phase === "paused" && rec.breakEndsAt) this.armBreak(id, rec.breakEndsAt);
      } catch (err) {
        this.deps.log.error({ err, gameId: id }, "resume failed");
      }
    }
  }

  /** Clears timers and stops bots (orders stay): process shutdown. */
  async shutdown(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.drivers.shutdown();
    await this.bots.shutdown();
    await Promise.allSettled([...this.ending.values()]);
    // what the games' writers decided is committed before the process lets go of them
    await this.deps.hub.engine.close();
  }

  // ---- players ----

  /** Joins a game by code. Errors: UNKNOWN_JOIN_CODE, GAME_FULL (rules.maxPlayers seated), MARKET_CLOSED (ended). */
  async join(code: string, name: string): Promise<JoinReply> {
    const gameId = await this.store.gameOfCode(code);
    if (!gameId) throw new ApiError("UNKNOWN_JOIN_CODE", "no game has this join code");
    const rec = await this.record(gameId);
    const playerId = `p-${randomBytes(6).toString("hex")}`;
    const cap = rec.settings.rules.maxPlayers ?? DEFAULT_MAX_PLAYERS;
    if (!await this.seats.claim(gameId, playerId, cap)) throw new ApiError("GAME_FULL", `this game has its ${cap} players already`);
    const { cash, holdings } = rec.settings.endowment;
    await this.store.putPlayer(gameId, playerId, { name, bot: false, startCash: cash, startHoldings: holdings });
    const added = await this.deps.hub.addPlayer(gameId, { playerId, name, cash, holdings });
    if (!added.ok) await this.seats.release(gameId, playerId);
    unwrap(added);
    await this.drivers.joined(gameId, playerId);
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    return { gameId, playerId, name, token: await this.tokens.sign(gameId, playerId), phase: info.game.phase };
  }

  /**
   * Adds a player with a given id and name (a session's player) to a round, with the round's endowment;
   * a player already in the round is left as it is. Errors: UNKNOWN_GAME, MARKET_CLOSED (ended round).
   */
  async addPlayerToRound(gameId: string, playerId: string, name: string): Promise<void> {
    const rec = await this.record(gameId);
    if (await this.store.player(gameId, playerId)) return;
    const { cash, holdings } = rec.settings.endowment;
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase === "ended") throw new ApiError("MARKET_CLOSED", `round ${gameId} has ended`);
    await this.store.putPlayer(gameId, playerId, { name, bot: false, startCash: cash, startHoldings: holdings });
    const r = await this.deps.hub.addPlayer(gameId, { playerId, name, cash, holdings });
    if (!r.ok && r.code !== "PLAYER_EXISTS") throw ApiError.from(r);
    if (r.ok) await this.drivers.joined(gameId, playerId); // signal group, as for a player who joins by code
  }

  /** The leaderboard of a round: as written at its end when this process ended it, else as now. */
  async roundLeaderboard(gameId: string): Promise<LeaderboardRow[]> {
    return this.ended.get(gameId)?.leaderboard ?? this.leaderboard(gameId);
  }

  /** A fresh player token (tokens.ts) for an existing player (sessions, tests, tools). */
  tokenFor(gameId: string, playerId: string): Promise<string> {
    return this.tokens.sign(gameId, playerId);
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
    else model.setRankRule(rankRuleOf(rec.settings.rules));
    return model.leaderboard();
  }

  /** Registers the live model of an open room (or removes it with null). */
  attachModel(gameId: string, model: GameModel | null): void {
    if (model) this.models.set(gameId, model); else this.models.delete(gameId);
  }

  // ---- bots ----

  /** Adds bots from an API spec (players with their own endowments); they start at once when the game is running. */
  async addBots(gameId: string, raw: z.input<typeof BotSpecSchema>): Promise<BotInfo[]> {
    const spec = BotSpecSchema.parse(raw);
    if (!BOT_KINDS.includes(spec.kind as never)) throw new ApiError("INVALID_BODY", `unknown bot kind ${spec.kind} (${BOT_KINDS.join(", ")})`);
    const rec = await this.record(gameId);
    return this.addMarketBots(gameId, marketSpecs(spec, rec.settings));
  }

  /** Adds bots given as market-module specs (player ids, endowments, kinds), e.g. demoBots(). */
  async addMarketBots(gameId: string, specs: MarketBotSpec[]): Promise<BotInfo[]> {
    const rec = await this.record(gameId);
    for (const s of specs) {
      await this.store.putPlayer(gameId, s.playerId, { name: s.name, bot: true, startCash: s.cash, startHoldings: s.holdings, botKind: s.kind, botSpec: s });
      unwrap(await this.deps.hub.addPlayer(gameId, { playerId: s.playerId, name: s.name, cash: s.cash, holdings: s.holdings }));
      this.models.get(gameId)?.setBot(s.playerId, true);
      unwrap(await this.deps.hub.logAdmin(gameId, "bot_added", `${s.kind} ${s.playerId}`));
    }
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase === "running") this.startBots(gameId, (await this.store.get<GameSettings>(gameId)) ?? rec, specs);
    const stored = await this.store.players(gameId);
    return this.botList(gameId, stored).filter((b) => specs.some((s) => s.playerId === b.playerId));
  }

  /**
   * Switches a bot off: stops it and cancels its orders (the player stays in the game, idle, and keeps
   * its cash and holdings). enableBot switches it on again. Errors: UNKNOWN_BOT.
   */
  async removeBot(gameId: string, playerId: string): Promise<void> {
    const p = await this.store.player(gameId, playerId);
    if (!p?.bot) throw new ApiError("UNKNOWN_BOT", `no bot ${playerId} in ${gameId}`);
    if (!(await this.bots.remove(gameId, playerId))) {
      for (;;) {
        const r = unwrap(await this.deps.hub.cancelAll(gameId, playerId, undefined, "admin"));
        if (!r.truncated) break;
      }
    }
    await this.store.putPlayer(gameId, playerId, { ...p, botOff: true });
    unwrap(await this.deps.hub.logAdmin(gameId, "bot_removed", playerId));
  }

  /**
   * Switches a bot that was switched off back on: it trades again at once when the round is running,
   * else from the next start or resume. Errors: UNKNOWN_BOT (no such bot, or one with no spec to run).
   */
  async enableBot(gameId: string, playerId: string): Promise<void> {
    const p = await this.store.player(gameId, playerId);
    if (!p?.bot || !p.botSpec) throw new ApiError("UNKNOWN_BOT", `no bot ${playerId} in ${gameId}`);
    if (!p.botOff) return;
    await this.store.putPlayer(gameId, playerId, { ...p, botOff: false });
    unwrap(await this.deps.hub.logAdmin(gameId, "bot_enabled", playerId));
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase === "running") this.startBots(gameId, await this.record(gameId), [p.botSpec as MarketBotSpec]);
  }

  // ---- snapshots and clocks ----

  /**
   * A consistent snapshot of the game: its seq read while no command of this process is in flight, the
   * log up to that seq (PostgreSQL, then the stream; game/log.ts), current and opening references, bots
   * and drivers. The room's model folds the log through the core's evolve (game/model.ts). Errors: UNKNOWN_GAME.
   */
  async snapshot(gameId: string): Promise<GameSnapshot> {
    const rec = await this.store.get<GameSettings>(gameId);
    const seq = await this.deps.hub.quiet(gameId, () => this.readEngine(gameId));
    const events = await readGameLog(this.deps.hub.engine, this.deps.db, gameId, seq);
    const stored = await this.store.players(gameId);
    const bots = new Set([...stored].filter(([, p]) => p.bot).map(([id]) => id));
    const openRefs = new Map((rec?.settings.securities ?? []).map((s) => [s.securityId, s.refPrice]));
    const refPrices = rec ? referencesAt(await this.drivers.withNews(gameId, rec.settings), elapsedOf(rec, Date.now())) : openRefs;
    const drivers = await this.drivers.snapshotPart(gameId, seq);
    return { seq, events, openRefs, refPrices, bots, drivers };
  }

  /** The game's last committed seq. Errors: UNKNOWN_GAME. */
  private async readEngine(gameId: string): Promise<number> {
    return unwrap(await this.deps.hub.engine.gameInfo(gameId)).seq;
  }

  /** The round clock of a game (for rooms). */
  async clock(gameId: string): Promise<ClockInfo> {
    const rec = await this.store.get<GameSettings>(gameId);
    return rec ? clockOf(rec, Date.now()) : { ...NO_CLOCK };
  }

  /** The game's place in its session, or null when it is no session's round (for rooms). */
  async roundLink(gameId: string): Promise<RoundLink | null> {
    const rec = await this.store.get<GameSettings>(gameId);
    return rec?.sessionId ? { sessionId: rec.sessionId, gameId, round: rec.round, nextGameId: rec.nextGameId } : null;
  }

  /**
   * Each security's reference price (ticks) at the round's running time now: the scenario's path, or
   * the fixed refPrice of a game without one. Empty for an unknown game.
   */
  async references(gameId: string): Promise<Map<number, number>> {
    const rec = await this.store.get<GameSettings>(gameId);
    return rec ? referencesAt(await this.drivers.withNews(gameId, rec.settings), elapsedOf(rec, Date.now())) : new Map();
  }

  /** Running time of the round so far, ms (0 before start). */
  async elapsed(gameId: string): Promise<number> {
    const rec = await this.store.get<GameSettings>(gameId);
    return rec ? elapsedOf(rec, Date.now()) : 0;
  }

  // ---- internals ----

  private async phaseFrom(gameId: string, from: string, to: "running" | "paused" | "ended") {
    const info = unwrap(await this.deps.hub.engine.gameInfo(gameId));
    if (info.game.phase !== from) {
      return { ok: false as const, code: "INVALID_PHASE_TRANSITION" as const, message: `the game is ${info.game.phase}, not ${from}` };
    }
    return this.deps.hub.setPhase(gameId, to);
  }

  /** After start/resume/restart: arm the next period boundary or the end, start bots, tell rooms. */
  private async afterRunning(gameId: string, before: GameRecord<GameSettings>): Promise<void> {
    const rec = (await this.store.get<GameSettings>(gameId)) ?? before;
    this.arm(gameId, rec);
    const stored = await this.store.players(gameId);
    const specs = [...stored.values()].filter((p) => p.bot && p.botSpec && !p.botOff).map((p) => p.botSpec as MarketBotSpec);
    if (specs.length) this.startBots(gameId, rec, specs);
    await this.drivers.running(gameId, rec);
    await this.publishClock(gameId);
  }

  private startBots(gameId: string, rec: GameRecord<GameSettings>, specs: MarketBotSpec[]): void {
    const scenario = this.scenarioOf(gameId, rec.settings);
    this.schedules.set(gameId, rec);
    this.bots.start(gameId, scenario, specs, () => elapsedOf(this.schedules.get(gameId) ?? rec, Date.now()));
  }

  /** Writes schedule fields and keeps the in-memory copy the bots' clocks read. */
  private async setSchedule(gameId: string, s: Partial<Schedule>): Promise<void> {
    await this.store.setSchedule(gameId, s);
    const cached = this.schedules.get(gameId);
    if (cached) this.schedules.set(gameId, { ...cached, ...s });
  }

  /** Arms the next scheduled event of a running round: a break at the next period boundary, or the end. */
  private arm(gameId: string, rec: GameRecord<GameSettings>): void {
    this.disarm(gameId);
    if (!rec.durationMs) return;
    const elapsed = elapsedOf(rec, Date.now());
    const boundary = nextBoundary(rec, elapsed);
    this.timer(gameId, boundary - elapsed, "period boundary", () => this.onBoundary(gameId, boundary));
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
    this.armBreak(gameId, breakEndsAt);
    await this.publishClock(gameId);
  }

  /** Arms the end of a break: the next period starts then. */
  private armBreak(gameId: string, breakEndsAt: number): void {
    this.timer(gameId, breakEndsAt - Date.now(), "break end", async () => {
      const rec = await this.record(gameId);
      if (rec.breakEndsAt !== breakEndsAt) return; // held or resumed by the admin meanwhile
      await this.resumeRunning(gameId);
    });
  }

  /** Arms a scheduled start: the round starts then, when it is still in the lobby. */
  private armStart(gameId: string, startAt: number): void {
    this.timer(gameId, startAt - Date.now(), "scheduled start", async () => {
      const rec = await this.record(gameId);
      if (rec.startAt !== startAt || rec.startedAt) return; // replaced or started meanwhile
      try {
        await this.startNow(gameId);
      } catch (err) {
        if ((err as ApiError).code !== "INVALID_PHASE_TRANSITION") throw err;
      }
    });
  }

  /** The game's one scheduler timer: replaces the previous one; errors are logged. */
  private timer(gameId: string, delayMs: number, what: string, fn: () => Promise<void>): void {
    this.disarm(gameId);
    const t = setTimeout(() => {
      if (this.timers.get(gameId) === t) this.timers.delete(gameId);
      fn().catch((err) => this.deps.log.error({ err, gameId }, `${what} failed`));
    }, Math.max(0, delayMs));
    t.unref();
    this.timers.set(gameId, t);
  }

  private disarm(gameId: string): void {
    const t = this.timers.get(gameId);
    if (t) clearTimeout(t);
    this.timers.delete(gameId);
  }

  private async publishClock(gameId: string): Promise<void> {
    this.deps.hub.publishClock(gameId, await this.clock(gameId));
  }

  private scenarioByName(name: string): Scenario {
    const sc = getScenario(name);
    if (!sc) throw new ApiError("UNKNOWN_SCENARIO", `no scenario ${name}`);
    return sc;
  }

  /** The game's scenario, or a flat one at each security's reference price (for bots). */
  private scenarioOf(gameId: string, s: GameSettings): Scenario {
    let sc = this.scenarios.get(gameId);
    if (!sc) {
      sc = s.scenario ? this.scenarioByName(s.scenario) : createScenario({
        name: "flat", description: "constant reference prices", stepMs: 1000,
        securities: s.securities.map((x) => ({
          securityId: x.securityId, symbol: x.symbol, name: x.symbol, tickSize: x.tickSize, lotSize: x.lotSize, scale: x.scale,
          path: [x.refPrice || Math.max(1, Math.round((x.bandLow + Math.min(x.bandHigh, x.bandLow * 10)) / 2))],
          bandLow: x.bandLow, bandHigh: x.bandHigh,
        })),
      });
      this.scenarios.set(gameId, sc);
    }
    return sc;
  }

  private botList(gameId: string, stored: Map<string, StoredPlayer>): BotInfo[] {
    return [...stored].filter(([, p]) => p.bot).map(([id, p]) => ({
      name: p.name, kind: p.botKind ?? "bot", enabled: !p.botOff,
      ...(this.bots.info(gameId, id) ?? { playerId: id, running: false, steps: 0, placed: 0, cancelled: 0, rejected: 0 }),
    }));
  }

  private async summary(rec: GameRecord<GameSettings>, info: GameInfo, stored?: Map<string, StoredPlayer>): Promise<GameSummary> {
    const players = stored ?? await this.store.players(rec.gameId);
    const bots = [...players.values()].filter((p) => p.bot).length;
    const c = clockOf(rec, Date.now());
    return {
      gameId: rec.gameId, name: rec.settings.name, phase: info.game.phase, joinCode: rec.joinCode, createdAt: rec.createdAt,
      startedAt: rec.startedAt, endsAt: c.endsAt, remainingMs: c.remainingMs, durationSec: rec.settings.durationSec,
      players: info.players.length - bots, bots, scenario: rec.settings.scenario, seq: info.seq,
    };
  }
}

const NO_CLOCK: ClockInfo = { startedAt: 0, endsAt: 0, remainingMs: 0, durationMs: 0, period: 0, periods: 0, startsAt: 0, breakEndsAt: 0 };

/** The schedule fields of a new game: total running time, periods, break, scheduled start. */
function initialSchedule(body: z.output<typeof CreateGameBody>): Partial<Schedule> {
  const p = body.schedule?.periods;
  const periodMs = (p?.durationSec ?? body.durationSec ?? 0) * 1000;
  const periodCount = p ? p.count : periodMs ? 1 : 0;
  return { durationMs: periodMs * periodCount, periodMs, periodCount, breakMs: (p?.breakSec ?? 0) * 1000, startAt: body.schedule?.startAt ?? 0 };
}

/** Running time of one period (the whole round for a one-period round; 0 = no scheduled end). */
export function periodLength(s: Schedule): number {
  return s.periodMs || s.durationMs;
}

/**
 * Running time at which the next scheduled event happens: the next period boundary when the round has
 * breaks, else (and after the last period) the end.
 */
export function nextBoundary(s: Schedule, elapsed: number): number {
  const len = periodLength(s);
  if (!len || s.periodCount <= 1 || !s.breakMs) return s.durationMs;
  return Math.min(s.durationMs, (Math.floor(elapsed / len) + 1) * len);
}

/** The period under way (1-based), or just played during a break; 0 before the start. */
export function periodOf(s: Schedule, now: number): number {
  if (!s.startedAt) return 0;
  const len = periodLength(s);
  const count = Math.max(1, s.periodCount);
  if (!len) return 1;
  const e = elapsedOf(s, now);
  const p = s.breakEndsAt && !s.endedAt ? Math.round(e / len) : Math.floor(e / len) + 1;
  return Math.min(count, Math.max(1, p));
}

/** Running time at `now`: accumulated + the current stretch. */
export function elapsedOf(s: Schedule, now: number): number {
  const stretch = s.resumedAt && !s.endedAt ? Math.max(0, now - s.resumedAt) : 0;
  return s.elapsedMs + stretch;
}

/**
 * Clock for rooms, per period (see ClockInfo): remainingMs = running time left in the current period
 * (frozen while paused), endsAt only while running with a duration; startsAt while the lobby counts
 * down; breakEndsAt during a scheduled break.
 */
export function clockOf(s: Schedule, now: number): ClockInfo {
  const len = periodLength(s);
  const period = periodOf(s, now);
  const remainingMs = len ? Math.max(0, Math.max(1, period) * len - elapsedOf(s, now)) : 0;
  const running = s.resumedAt > 0 && !s.endedAt;
  return {
    startedAt: s.startedAt, endsAt: running && len ? now + remainingMs : 0, remainingMs, durationMs: len,
    period, periods: s.periodCount || (s.durationMs ? 1 : 0),
    startsAt: !s.startedAt && !s.endedAt ? s.startAt : 0, breakEndsAt: s.endedAt ? 0 : s.breakEndsAt,
  };
}

/**
 * The game's securities: the body's, else the scenario's; refPrice defaults to the scenario's start price;
 * `rules` (CreateGameBody.securityRules) replace those fields of every security. Errors: INVALID_BODY
 * (no securities; a makerRebate above its takerFee), thrown before anything is created.
 */
function resolveSecurities(body: z.output<typeof CreateGameBody>["securities"], scenario?: Scenario, rules: SecurityRulesOut = {}): GameSettings["securities"] {
  const start = new Map((scenario?.securities ?? []).map((s) => [s.securityId, s.startPrice]));
  const list: GameSecurity[] = body.length ? body : (scenario?.securities ?? []).map((s) => ({
    securityId: s.securityId, symbol: s.symbol, tickSize: s.tickSize, lotSize: s.lotSize, scale: s.scale,
    bandLow: s.bandLow, bandHigh: s.bandHigh, refPrice: s.startPrice,
  }));
  if (!list.length) throw new ApiError("INVALID_BODY", "a game needs securities or a scenario");
  const out = list.map((s) => ({
    securityId: s.securityId, symbol: s.symbol, tickSize: s.tickSize ?? "0.01", lotSize: s.lotSize ?? 1, scale: s.scale ?? 1,
    bandLow: s.bandLow ?? 1, bandHigh: s.bandHigh ?? 1_000_000_000, shortLimit: s.shortLimit ?? 0, positionLimit: s.positionLimit ?? 0,
    maxOrderQty: s.maxOrderQty ?? 0, takerFee: s.takerFee ?? 0, makerRebate: s.makerRebate ?? 0, limitWeight: s.limitWeight ?? 1,
    refPrice: s.refPrice || start.get(s.securityId) || 0,
  })).map((s) => ({ ...s, ...definedOnly(rules) }));
  return out;
}

/** The fields of `o` that are not undefined (so an absent rule keeps the security's own value). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkEndowment(e: GameSettings["endowment"], securities: GameSettings["securities"]): void {
  const ids = new Set(securities.map((s) => s.securityId));
  const bad = e.holdings.find((h) => !ids.has(h.securityId));
  if (bad) throw new ApiError("INVALID_BODY", `endowment holds security ${bad.securityId}, which the game does not have`);
}

/**
 * The securities' rules that span fields or securities, which the engine's add_security checks too
 * (core decide/setup.ts): checked here, before create_game, because a refusal after create_game would
 * leave a game without securities in Valkey (the id then taken: GAME_EXISTS on a retry). The code is
 * INVALID_BODY like every other refusal of the request body (the engine says INVALID_ARGUMENT to its
 * own callers); it covers securityRules merged into the securities. Duplicate ids are already
 * INVALID_BODY (CreateGameBody).
 */
function checkSecurities(securities: GameSettings["securities"]): void {
  for (const s of securities) {
    if (s.makerRebate > s.takerFee) {
      throw new ApiError("INVALID_BODY", `${s.symbol}: makerRebate ${s.makerRebate} exceeds takerFee ${s.takerFee} (minor units per lot)`);
    }
    if (s.bandLow > s.bandHigh) throw new ApiError("INVALID_BODY", `${s.symbol}: bandLow ${s.bandLow} exceeds bandHigh ${s.bandHigh} (ticks)`);
  }
}

function stripRef(s: GameSettings["securities"][number]): SecurityInfo {
  const { refPrice: _ref, ...rest } = s;
  return rest;
}

const DEFAULT_INTERVAL: Record<string, number> = { market_maker: 250, noise: 400, momentum: 1000 };
const DEFAULT_NAME: Record<string, string> = { market_maker: "Market maker", noise: "Noise trader", momentum: "Momentum trader" };

/**
 * Market-module bot specs for an API bot spec: ids "bot-<kind>-<hex>", interval params.intervalMs or the
 * kind's default, endowment params.cash / params.holdings or sized from reference prices (a market maker
 * holds 500 lots of each security and cash for 1,500 more; other kinds 50 lots (momentum 0) and cash for 200).
 */
function marketSpecs(spec: BotSpecOut, s: GameSettings): MarketBotSpec[] {
  const { intervalMs, cash, holdings, ...params } = spec.params as { intervalMs?: number; cash?: number; holdings?: { securityId: number; qty: number }[] } & Record<string, unknown>;
  const secs = s.securities.filter((x) => !spec.securityIds || spec.securityIds.includes(x.securityId));
  const cashFor = (lots: number) => secs.reduce((n, x) => n + (x.refPrice || x.bandLow) * lots * x.scale, 0);
  const lots = spec.kind === "market_maker" ? 500 : spec.kind === "momentum" ? 0 : 50;
  return Array.from({ length: spec.count }, (_, i) => ({
    playerId: `bot-${spec.kind.replace(/_/g, "")}-${randomBytes(4).toString("hex")}`,
    name: `${spec.name ?? DEFAULT_NAME[spec.kind] ?? spec.kind} ${i + 1}`,
    kind: spec.kind as MarketBotSpec["kind"],
    intervalMs: Number.isInteger(intervalMs) && intervalMs! > 0 ? intervalMs! : DEFAULT_INTERVAL[spec.kind] ?? 500,
    params: { ...params, ...(spec.securityIds ? { securityIds: spec.securityIds } : {}) } as MarketBotSpec["params"],
    cash: typeof cash === "number" ? cash : cashFor(spec.kind === "market_maker" ? 1500 : 200),
    holdings: holdings ?? (lots > 0 ? secs.map((x) => ({ securityId: x.securityId, qty: lots })) : []),
  }));
}
