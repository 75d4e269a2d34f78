/**
 * Market drivers of a round (docs/market.md, "News, signals and bot takeover"):
 *
 * - News: headlines every player sees, each optionally shifting reference prices from that moment on
 *   (scoring/references.ts shiftReference). Scheduled at `atSec` of round running time (pauses stop that
 *   clock) from CreateGameBody.news, announced now by the admin, and the scenario's own headlines
 *   (published without shifts: the scenario's path already contains them). The news event records
 *   `atMs`, the running time at which it was announced, so that marks, exports, bots and the room all
 *   compute the same reference path from the log.
 * - Private signals: text (optionally a security and a value in ticks) for the players of one group.
 *   Groups come from CreateGameBody.groups; players are assigned round-robin in join order (logged as
 *   admin_action group_set "<playerId> <group>"); the admin may reassign. The signal event lists its
 *   recipients; the room shows it to them only.
 * - Bot takeover (GameRules.botTakeover): a bot of a given kind trades on a human player's account, set
 *   by the admin or automatically when the player left the room for good, handed back by the admin or
 *   (automatic ones) when the player comes back. Logged as admin_action seat_taken_over
 *   "<playerId> <kind>" / seat_returned "<playerId>".
 *
 * Scheduling: one poller per running game (every POLL_MS) compares the round's running time with the
 * plan; an item is claimed in Valkey (HSETNX) before it is sent, so it goes out at most once even with
 * several processes or after a restart (a crash between the claim and the send loses that item).
 *
 * Valkey keys (hash tag of the game): game:{g}:meta:drivers (plan JSON, fired:<kind>:<i> claims,
 * joins counter), game:{g}:meta:groups (player id -> group), game:{g}:meta:takeovers (player id ->
 * JSON { kind, auto, since }). News and signals themselves live in the engine's log and its lists.
 *
 * Errors are ApiErrors: UNKNOWN_GAME, UNKNOWN_PLAYER, MARKET_CLOSED (ended), FORBIDDEN (takeover not
 * allowed by the rules, or a bot's seat), INVALID_BODY (unknown group, empty group, unknown bot kind),
 * and the engine's codes (UNKNOWN_SECURITY, INVALID_ARGUMENT...).
 */
import type { Redis } from "iovalkey";
import type { EventOf, NewsItem, ScheduledNews, ScheduledSignal, SignalBody } from "@marketroom/shared";
import type { Logger } from "../config.ts";
import { newsShiftsOf, type NewsShifts, type ReferenceSettings } from "../scoring/references.ts";
import { getScenario } from "../market/scenarios.ts";
import { AUTO_TAKEOVER_KIND, BOT_KINDS, BOT_KIND_TABLE, isBotKind } from "../market/bot-kinds.ts";
import type { BotManager, MarketBotSpec } from "./bots.ts";
import { ApiError, unwrap } from "./errors.ts";
import { CallMarkets, type CallSettings } from "./calls.ts";
import { GamePoller } from "./game-poller.ts";
import type { GameHub } from "./hub.ts";
import type { DriverSnapshot } from "./model.ts";
import { elapsedOf, type Schedule } from "./round-clock.ts";
import { roundScenario, type ScenarioSettings } from "./settings.ts";
import type { GameRecord, GameStore } from "./store.ts";

/** How often a running game's plan is checked, ms. */
const POLL_MS = 200;

/** What a round schedules (CreateGameBody.news / groups / signals). */
export interface DriverPlan {
  news: ScheduledNews[];
  groups: string[];
  signals: ScheduledSignal[];
}

/** A seat taken over by a bot. `auto`: because the player left (handed back when they return). */
export interface Takeover {
  kind: string;
  auto: boolean;
  since: number;
}

/** What the drivers need from a game's settings (GameSettings of the service). */
export interface DriverSettings extends ReferenceSettings, ScenarioSettings {
  rules: { botTakeover?: boolean } & CallSettings["rules"];
  securities: ScenarioSettings["securities"];
}

/**
 * A driver of one market type, built by the composition root (app.ts) and run beside the others: e.g.
 * rounds/dividend-driver.ts. Injected rather than imported so game/ does not depend on rounds/ (which
 * reads game/): the arrows between the two folders point one way.
 */
export interface RoundDriver {
  /** The round runs (start, resume, restart). */
  running(gameId: string, rec: GameRecord<DriverSettings>): void;
  /** A player joined (e.g. a late joiner's automatic signal). */
  joined?(gameId: string, playerId: string): Promise<void>;
  /** The round ends: send what is due before the final snapshot. */
  ended(gameId: string): void;
  /** Process shutdown: stop every timer. */
  shutdown(): void;
}

/** What a round driver is built from. */
export interface RoundDriverDeps {
  hub: GameHub;
  store: GameStore;
  valkey: Redis;
  log: Logger;
}

export interface DriverDeps extends RoundDriverDeps {
  bots: BotManager;
  /** Market-type drivers (app.ts passes the dividend driver); none by default. */
  roundDrivers?: readonly ((deps: RoundDriverDeps) => RoundDriver)[];
}

const driversKey = (g: string) => `game:{${g}}:meta:drivers`;
const groupsKey = (g: string) => `game:{${g}}:meta:groups`;
const takeoversKey = (g: string) => `game:{${g}}:meta:takeovers`;

export class MarketDrivers {
  private readonly poller = new GamePoller(
    POLL_MS,
    (gameId) => this.poll(gameId),
    (err, gameId) => this.deps.log.warn({ err, gameId }, "market drivers poll failed"),
  );
  private readonly plans = new Map<string, DriverPlan>();
  /** Schedules of running games (the takeover bots' clocks read them). */
  private readonly schedules = new Map<string, Schedule>();
  /** Call markets' calls (calls.ts). */
  private readonly calls: CallMarkets;
  /** Market-type drivers (e.g. dividends of asset markets, rounds/dividend-driver.ts). */
  private readonly roundDrivers: RoundDriver[];

  constructor(private readonly deps: DriverDeps) {
    this.calls = new CallMarkets({ ...deps, withNews: (g, s) => this.withNews(g, s) });
    this.roundDrivers = (deps.roundDrivers ?? []).map((build) => build(deps));
  }

  // ---- hooks of the game service ----

  /** create: stores the round's plan (news, groups, signals). */
  async setup(
    gameId: string,
    body: { news?: ScheduledNews[]; groups?: string[]; signals?: ScheduledSignal[]; rules?: CallSettings["rules"] },
  ): Promise<void> {
    const plan: DriverPlan = { news: body.news ?? [], groups: body.groups ?? [], signals: body.signals ?? [] };
    await this.deps.valkey.hset(driversKey(gameId), "plan", JSON.stringify(plan));
    this.plans.set(gameId, plan);
    await this.calls.setup(
      gameId,
      body.rules,
      unwrap(await this.deps.hub.engine.gameInfo(gameId)).securities.map((s) => s.securityId),
    );
  }

  /** join: puts a new player in the next group, round-robin in join order (logged as group_set). */
  async joined(gameId: string, playerId: string): Promise<void> {
    for (const d of this.roundDrivers) await d.joined?.(gameId, playerId);
    const plan = await this.plan(gameId);
    if (!plan.groups.length) return;
    const n = await this.deps.valkey.hincrby(driversKey(gameId), "joins", 1);
    await this.assign(gameId, playerId, plan.groups[(n - 1) % plan.groups.length]!, "system");
  }

  /** afterRunning (start, resume, restart): polls the plan and (re)starts the takeover bots. */
  async running(gameId: string, rec: GameRecord<DriverSettings>): Promise<void> {
    this.schedules.set(gameId, rec);
    this.poller.start(gameId);
    this.calls.running(gameId, rec);
    for (const d of this.roundDrivers) d.running(gameId, rec);
    const seats = await this.takeovers(gameId);
    for (const [pid, t] of seats) this.startSeatBot(gameId, rec.settings, pid, t.kind);
  }

  /** end: stops polling (the service stops every bot of the game). */
  ended(gameId: string): void {
    this.poller.stop(gameId);
    this.schedules.delete(gameId);
    this.calls.ended(gameId);
    for (const d of this.roundDrivers) d.ended(gameId);
  }

  /** Process shutdown: stops every poller. */
  shutdown(): void {
    for (const g of this.poller.games()) this.poller.stop(g);
    this.calls.shutdown();
    for (const d of this.roundDrivers) d.shutdown();
  }

  // ---- news ----

  /** Announces a headline now, at the round's current running time. Errors: see the module. */
  async announce(gameId: string, news: NewsItem): Promise<EventOf<"news">> {
    const rec = await this.record(gameId);
    const r = unwrap(await this.deps.hub.announce(gameId, news, elapsedOf(rec, Date.now())));
    return r.events[0] as EventOf<"news">;
  }

  /** The game's news shifts (from the engine's news list), in seq order. */
  async news(gameId: string): Promise<NewsShifts[]> {
    return newsShiftsOf(await this.deps.hub.engine.newsList(gameId));
  }

  /** `settings` with the game's news, for referencesAt. */
  async withNews<S extends ReferenceSettings>(gameId: string, settings: S): Promise<S> {
    return { ...settings, news: await this.news(gameId) };
  }

  // ---- signals and groups ----

  /** Sends a private signal to every player of `body.group` now. Errors: see the module. */
  async signal(gameId: string, body: SignalBody): Promise<EventOf<"signal">> {
    await this.record(gameId);
    const plan = await this.plan(gameId);
    if (!plan.groups.includes(body.group))
      throw new ApiError(
        "INVALID_BODY",
        `${body.group} is not a group of this game (${plan.groups.join(", ") || "none"})`,
      );
    const members = [...(await this.groups(gameId))]
      .filter(([, g]) => g === body.group)
      .map(([pid]) => pid)
      .sort();
    if (!members.length) throw new ApiError("INVALID_BODY", `group ${body.group} has no players`);
    const r = unwrap(await this.deps.hub.signal(gameId, { ...body, playerIds: members }));
    return r.events[0] as EventOf<"signal">;
  }

  /** Moves a player to another group (logged as group_set). Errors: UNKNOWN_GAME, UNKNOWN_PLAYER, INVALID_BODY. */
  async setGroup(gameId: string, playerId: string, group: string): Promise<{ playerId: string; group: string }> {
    await this.record(gameId);
    const plan = await this.plan(gameId);
    if (!plan.groups.includes(group))
      throw new ApiError("INVALID_BODY", `${group} is not a group of this game (${plan.groups.join(", ") || "none"})`);
    const p = await this.deps.store.player(gameId, playerId);
    if (!p) throw new ApiError("UNKNOWN_PLAYER", `no player ${playerId} in ${gameId}`);
    await this.assign(gameId, playerId, group, "admin");
    return { playerId, group };
  }

  /** Player id -> group. */
  async groups(gameId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.deps.valkey.hgetall(groupsKey(gameId))));
  }

  // ---- bot takeover ----

  /**
   * A bot of `kind` plays the player's seat (its orders are the player's). Again with another kind
   * switches the bot. Errors: UNKNOWN_GAME, FORBIDDEN (rules.botTakeover is false, or the seat is a
   * bot's), UNKNOWN_PLAYER, INVALID_BODY (kind), MARKET_CLOSED (ended).
   */
  async takeOver(
    gameId: string,
    playerId: string,
    kind: string,
    auto = false,
  ): Promise<{ playerId: string; kind: string; auto: boolean }> {
    const rec = await this.record(gameId);
    if (!rec.settings.rules.botTakeover)
      throw new ApiError("FORBIDDEN", "this round does not allow bot takeover (rules.botTakeover)");
    if (!isBotKind(kind)) throw new ApiError("INVALID_BODY", `unknown bot kind ${kind} (${BOT_KINDS.join(", ")})`);
    const p = await this.deps.store.player(gameId, playerId);
    if (!p) throw new ApiError("UNKNOWN_PLAYER", `no player ${playerId} in ${gameId}`);
    if (p.bot) throw new ApiError("FORBIDDEN", `${playerId} is a bot`);
    const phase = await this.phase(gameId);
    if (phase === "ended") throw new ApiError("MARKET_CLOSED", "the game has ended");
    const current = (await this.takeovers(gameId)).get(playerId);
    if (current?.kind === kind) return { playerId, kind, auto: current.auto };
    if (current) await this.deps.bots.remove(gameId, playerId);
    const t: Takeover = { kind, auto, since: Date.now() };
    await this.deps.valkey.hset(takeoversKey(gameId), playerId, JSON.stringify(t));
    unwrap(await this.deps.hub.logAction(gameId, "seat_taken_over", auto ? "system" : "admin", `${playerId} ${kind}`));
    if (phase === "running") {
      this.schedules.set(gameId, rec);
      this.startSeatBot(gameId, rec.settings, playerId, kind);
    }
    return { playerId, kind, auto };
  }

  /**
   * Hands the seat back: stops the bot and cancels the seat's open orders. `onlyAuto`: only when the
   * takeover was automatic (a returning player). Returns false when no bot had the seat.
   * Errors: UNKNOWN_GAME, FORBIDDEN (rules.botTakeover is false).
   */
  async handBack(gameId: string, playerId: string, onlyAuto = false): Promise<boolean> {
    const rec = await this.record(gameId);
    if (!rec.settings.rules.botTakeover)
      throw new ApiError("FORBIDDEN", "this round does not allow bot takeover (rules.botTakeover)");
    const t = (await this.takeovers(gameId)).get(playerId);
    if (!t || (onlyAuto && !t.auto)) return false;
    if (!(await this.deps.bots.remove(gameId, playerId)) && (await this.phase(gameId)) !== "ended") {
      for (;;) {
        const r = unwrap(await this.deps.hub.cancelAll(gameId, playerId, undefined, "admin"));
        if (!r.truncated) break;
      }
    }
    // Only the caller that removes the record logs the return (a concurrent call does not log twice).
    if (await this.deps.valkey.hdel(takeoversKey(gameId), playerId)) {
      unwrap(await this.deps.hub.logAction(gameId, "seat_returned", onlyAuto ? "system" : "admin", playerId));
    }
    return true;
  }

  /** The room saw the player leave for good: a bot takes the seat when the rules allow it. */
  async playerLeft(gameId: string, playerId: string): Promise<void> {
    const rec = await this.deps.store.get(gameId);
    if (!rec?.settings.rules.botTakeover) return;
    const phase = await this.phase(gameId);
    if (phase !== "running" && phase !== "paused") return;
    if ((await this.takeovers(gameId)).has(playerId)) return;
    await this.takeOver(gameId, playerId, AUTO_TAKEOVER_KIND, true);
  }

  /** The player is back in the room: an automatic takeover ends. */
  async playerBack(gameId: string, playerId: string): Promise<void> {
    const rec = await this.deps.store.get(gameId);
    if (!rec?.settings.rules.botTakeover) return;
    await this.handBack(gameId, playerId, true);
  }

  /** Seats taken over, player id -> takeover. */
  async takeovers(gameId: string): Promise<Map<string, Takeover>> {
    const h = await this.deps.valkey.hgetall(takeoversKey(gameId));
    return new Map(Object.entries(h).map(([pid, json]) => [pid, JSON.parse(json) as Takeover]));
  }

  // ---- reads ----

  /** News, signals (seq <= `seq`), groups and takeovers, for a room's snapshot. */
  async snapshotPart(gameId: string, seq: number): Promise<DriverSnapshot> {
    const { engine } = this.deps.hub;
    const [news, signals, groups, takeovers] = await Promise.all([
      engine.newsList(gameId),
      engine.signalList(gameId),
      this.groups(gameId),
      this.takeovers(gameId),
    ]);
    return {
      news: news.filter((e) => e.seq <= seq),
      signals: signals.filter((e) => e.seq <= seq),
      groups,
      takeovers: new Map([...takeovers].map(([pid, t]) => [pid, t.kind])),
    };
  }

  /** The admin's view: plan, what was sent, groups, takeovers. Errors: UNKNOWN_GAME. */
  async info(gameId: string): Promise<{
    plan: DriverPlan;
    fired: string[];
    groups: Record<string, string>;
    takeovers: Record<string, Takeover>;
  }> {
    await this.record(gameId);
    const h = await this.deps.valkey.hgetall(driversKey(gameId));
    return {
      plan: await this.plan(gameId),
      fired: Object.keys(h)
        .filter((k) => k.startsWith("fired:"))
        .map((k) => k.slice(6))
        .sort(),
      groups: Object.fromEntries(await this.groups(gameId)),
      takeovers: Object.fromEntries(await this.takeovers(gameId)),
    };
  }

  // ---- internals ----

  private async record(gameId: string): Promise<GameRecord<DriverSettings>> {
    const rec = await this.deps.store.get(gameId);
    if (!rec) throw new ApiError("UNKNOWN_GAME", `no game ${gameId}`);
    return rec;
  }

  private async phase(gameId: string): Promise<string> {
    return unwrap(await this.deps.hub.engine.gameInfo(gameId)).game.phase;
  }

  private async plan(gameId: string): Promise<DriverPlan> {
    let plan = this.plans.get(gameId);
    if (!plan) {
      const json = await this.deps.valkey.hget(driversKey(gameId), "plan");
      plan = json ? (JSON.parse(json) as DriverPlan) : { news: [], groups: [], signals: [] };
      this.plans.set(gameId, plan);
    }
    return plan;
  }

  private async assign(gameId: string, playerId: string, group: string, actor: string): Promise<void> {
    await this.deps.valkey.hset(groupsKey(gameId), playerId, group);
    unwrap(await this.deps.hub.logAction(gameId, "group_set", actor, `${playerId} ${group}`));
  }

  private startSeatBot(gameId: string, settings: DriverSettings, playerId: string, kind: string): void {
    const spec: MarketBotSpec = {
      playerId,
      name: playerId,
      kind: kind as MarketBotSpec["kind"],
      intervalMs: BOT_KIND_TABLE[kind as MarketBotSpec["kind"]].intervalMs,
      params: {},
      cash: 0,
      holdings: [],
    };
    const fallback = this.schedules.get(gameId)!;
    this.deps.bots.start(gameId, roundScenario(settings), [spec], () =>
      elapsedOf(this.schedules.get(gameId) ?? fallback, Date.now()),
    );
  }

  /** Sends every planned item whose time has come and that no one claimed yet; stops when all went out. */
  private async poll(gameId: string): Promise<void> {
    const rec = await this.deps.store.get(gameId);
    if (!rec || rec.endedAt) return this.poller.stop(gameId);
    if (!rec.resumedAt) return; // paused: the running time stands still
    const now = elapsedOf(rec, Date.now());
    const plan = await this.plan(gameId);
    const items = dueItems(plan, rec.settings.scenario);
    const fired = new Set(Object.keys(await this.deps.valkey.hgetall(driversKey(gameId))));
    let left = 0;
    for (const it of items) {
      if (fired.has(`fired:${it.key}`)) continue;
      if (it.atMs > now) {
        left++;
        continue;
      }
      if (!(await this.deps.valkey.hsetnx(driversKey(gameId), `fired:${it.key}`, String(now)))) continue;
      await this.send(gameId, it, elapsedOf(rec, Date.now()));
    }
    if (left === 0) this.poller.stop(gameId);
  }

  private async send(gameId: string, it: DueItem, atMs: number): Promise<void> {
    try {
      if (it.news) unwrap(await this.deps.hub.announce(gameId, it.news, atMs));
      else if (it.signal) await this.signal(gameId, it.signal);
    } catch (err) {
      // A scheduled item that cannot go out (e.g. an empty group) is skipped, not retried.
      this.deps.log.warn({ err, gameId, item: it.key }, "scheduled market driver item skipped");
    }
  }
}

interface DueItem {
  key: string;
  atMs: number;
  news?: NewsItem;
  signal?: SignalBody;
}

/** Everything the plan schedules, with the scenario's headlines (no shifts: its path has them). */
function dueItems(plan: DriverPlan, scenario: string | null): DueItem[] {
  const items: DueItem[] = [];
  plan.news.forEach((n, i) =>
    items.push({ key: `news:${i}`, atMs: n.atSec * 1000, news: { headline: n.headline, shifts: n.shifts ?? [] } }),
  );
  plan.signals.forEach((s, i) => {
    const { atSec, ...body } = s;
    items.push({ key: `signal:${i}`, atMs: atSec * 1000, signal: body });
  });
  const sc = scenario ? getScenario(scenario) : undefined;
  sc?.news.forEach((n, i) =>
    items.push({ key: `scenario:${i}`, atMs: n.atMs, news: { headline: n.headline.slice(0, 280), shifts: [] } }),
  );
  return items.sort((a, b) => a.atMs - b.atMs);
}
