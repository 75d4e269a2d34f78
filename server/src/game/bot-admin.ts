/**
 * The admin's bots of a game: adding them from an API spec (kind defaults from market/bot-kinds.ts),
 * switching them off and on, listing them, and starting them when the round runs. Each bot is a player
 * with its own endowment (stored with its spec, store.ts); its runner lives in this process (bots.ts
 * BotManager) and its clock is the round's running time (round-clock.ts elapsedOf).
 *
 * Errors (ApiError): UNKNOWN_GAME, INVALID_BODY (unknown kind), UNKNOWN_BOT, and the engine's codes.
 * Units: ms, lots, minor units.
 */
import { randomBytes } from "node:crypto";
import { BotSpec as BotSpecSchema } from "@marketroom/shared";
import type { z } from "zod";
import { BOT_KINDS, BOT_KIND_TABLE, isBotKind } from "../market/bot-kinds.ts";
import type { Scenario } from "../market/scenarios.ts";
import type { BotInfo, BotManager, MarketBotSpec } from "./bots.ts";
import { ApiError, unwrap } from "./errors.ts";
import type { GameHub } from "./hub.ts";
import type { GameModel } from "./model.ts";
import { elapsedOf, type Schedule } from "./round-clock.ts";
import { roundScenario, type GameSettings } from "./settings.ts";
import type { GameRecord, GameStore, StoredPlayer } from "./store.ts";

type BotSpecOut = z.output<typeof BotSpecSchema>;

export interface BotAdminDeps {
  hub: GameHub;
  store: GameStore;
  bots: BotManager;
  /** The game's record. Errors: UNKNOWN_GAME. */
  record(gameId: string): Promise<GameRecord>;
  /** The live model of the game's open room, if any (told which players are bots). */
  model(gameId: string): GameModel | undefined;
}

export class BotAdmin {
  private readonly scenarios = new Map<string, Scenario>();
  /** Schedules of games with bots, for the bots' clocks. */
  private readonly schedules = new Map<string, Schedule>();

  constructor(private readonly deps: BotAdminDeps) {}

  /** Adds bots from an API spec (players with their own endowments); they start at once when the game is running. */
  async addBots(gameId: string, raw: z.input<typeof BotSpecSchema>): Promise<BotInfo[]> {
    const spec = BotSpecSchema.parse(raw);
    if (!isBotKind(spec.kind))
      throw new ApiError("INVALID_BODY", `unknown bot kind ${spec.kind} (${BOT_KINDS.join(", ")})`);
    const rec = await this.deps.record(gameId);
    return this.addMarketBots(gameId, marketSpecs({ ...spec, kind: spec.kind }, rec.settings));
  }

  /** Adds bots given as market-module specs (player ids, endowments, kinds), e.g. demoBots(). */
  async addMarketBots(gameId: string, specs: MarketBotSpec[]): Promise<BotInfo[]> {
    const { hub, store } = this.deps;
    const rec = await this.deps.record(gameId);
    for (const s of specs) {
      await store.putPlayer(gameId, s.playerId, {
        name: s.name,
        bot: true,
        startCash: s.cash,
        startHoldings: s.holdings,
        botKind: s.kind,
        botSpec: s,
      });
      unwrap(await hub.addPlayer(gameId, { playerId: s.playerId, name: s.name, cash: s.cash, holdings: s.holdings }));
      this.deps.model(gameId)?.setBot(s.playerId, true);
      unwrap(await hub.logAdmin(gameId, "bot_added", `${s.kind} ${s.playerId}`));
    }
    const info = unwrap(await hub.engine.gameInfo(gameId));
    if (info.game.phase === "running") this.start(gameId, (await store.get(gameId)) ?? rec, specs);
    const stored = await store.players(gameId);
    return this.list(gameId, stored).filter((b) => specs.some((s) => s.playerId === b.playerId));
  }

  /**
   * Switches a bot off: stops it and cancels its orders (the player stays in the game, idle, and keeps
   * its cash and holdings). enable switches it on again. Errors: UNKNOWN_BOT.
   */
  async remove(gameId: string, playerId: string): Promise<void> {
    const { hub, store } = this.deps;
    const p = await store.player(gameId, playerId);
    if (!p?.bot) throw new ApiError("UNKNOWN_BOT", `no bot ${playerId} in ${gameId}`);
    if (!(await this.deps.bots.remove(gameId, playerId))) {
      for (;;) {
        const r = unwrap(await hub.cancelAll(gameId, playerId, undefined, "admin"));
        if (!r.truncated) break;
      }
    }
    await store.putPlayer(gameId, playerId, { ...p, botOff: true });
    unwrap(await hub.logAdmin(gameId, "bot_removed", playerId));
  }

  /**
   * Switches a bot that was switched off back on: it trades again at once when the round is running,
   * else from the next start or resume. Errors: UNKNOWN_BOT (no such bot, or one with no spec to run).
   */
  async enable(gameId: string, playerId: string): Promise<void> {
    const { hub, store } = this.deps;
    const p = await store.player(gameId, playerId);
    if (!p?.bot || !p.botSpec) throw new ApiError("UNKNOWN_BOT", `no bot ${playerId} in ${gameId}`);
    if (!p.botOff) return;
    await store.putPlayer(gameId, playerId, { ...p, botOff: false });
    unwrap(await hub.logAdmin(gameId, "bot_enabled", playerId));
    const info = unwrap(await hub.engine.gameInfo(gameId));
    if (info.game.phase === "running") this.start(gameId, await this.deps.record(gameId), [p.botSpec]);
  }

  /** Starts the game's bots that are switched on (the round runs: start, resume, restart). */
  async startAll(gameId: string, rec: GameRecord): Promise<void> {
    const stored = await this.deps.store.players(gameId);
    const specs = [...stored.values()].filter((p) => p.bot && p.botSpec && !p.botOff).map((p) => p.botSpec!);
    if (specs.length) this.start(gameId, rec, specs);
  }

  /** Keeps the schedule the bots' clocks read up to date with what the service stored. */
  scheduleChanged(gameId: string, s: Partial<Schedule>): void {
    const cached = this.schedules.get(gameId);
    if (cached) this.schedules.set(gameId, { ...cached, ...s });
  }

  /** The game's bots as the admin API lists them (stats of the ones running in this process). */
  list(gameId: string, stored: Map<string, StoredPlayer>): BotInfo[] {
    return [...stored]
      .filter(([, p]) => p.bot)
      .map(([id, p]) => ({
        name: p.name,
        kind: p.botKind ?? "bot",
        enabled: !p.botOff,
        ...(this.deps.bots.info(gameId, id) ?? {
          playerId: id,
          running: false,
          steps: 0,
          placed: 0,
          cancelled: 0,
          rejected: 0,
        }),
      }));
  }

  private start(gameId: string, rec: GameRecord<GameSettings>, specs: MarketBotSpec[]): void {
    let scenario = this.scenarios.get(gameId);
    if (!scenario) {
      scenario = roundScenario(rec.settings);
      this.scenarios.set(gameId, scenario);
    }
    this.schedules.set(gameId, rec);
    this.deps.bots.start(gameId, scenario, specs, () => elapsedOf(this.schedules.get(gameId) ?? rec, Date.now()));
  }
}

/**
 * Market-module bot specs for an API bot spec: ids "bot-<kind>-<hex>", interval params.intervalMs or the
 * kind's default, endowment params.cash / params.holdings or sized from reference prices by the kind's
 * defaults (market/bot-kinds.ts: lots held of each security, cash for cashLots more).
 */
function marketSpecs(spec: BotSpecOut & { kind: MarketBotSpec["kind"] }, s: GameSettings): MarketBotSpec[] {
  const { intervalMs, cash, holdings, ...params } = spec.params as {
    intervalMs?: number;
    cash?: number;
    holdings?: { securityId: number; qty: number }[];
  } & Record<string, unknown>;
  const defaults = BOT_KIND_TABLE[spec.kind];
  const secs = s.securities.filter((x) => !spec.securityIds || spec.securityIds.includes(x.securityId));
  const cashFor = (lots: number) => secs.reduce((n, x) => n + (x.refPrice || x.bandLow) * lots * x.scale, 0);
  return Array.from({ length: spec.count }, (_, i) => ({
    playerId: `bot-${spec.kind.replace(/_/g, "")}-${randomBytes(4).toString("hex")}`,
    name: `${spec.name ?? defaults.name} ${i + 1}`,
    kind: spec.kind,
    intervalMs: Number.isInteger(intervalMs) && intervalMs! > 0 ? intervalMs! : defaults.intervalMs,
    params: { ...params, ...(spec.securityIds ? { securityIds: spec.securityIds } : {}) } as MarketBotSpec["params"],
    cash: typeof cash === "number" ? cash : cashFor(defaults.cashLots),
    holdings:
      holdings ?? (defaults.lots > 0 ? secs.map((x) => ({ securityId: x.securityId, qty: defaults.lots })) : []),
  }));
}
