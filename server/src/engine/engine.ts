/**
 * The matching engine's TypeScript face: one typed async function per Lua command.
 *
 * Every call runs one script atomically in Valkey, so a command is all-or-nothing and the commands of
 * one game are totally ordered. Results are decoded JSON; a rule violation is not thrown but returned
 * as `{ ok: false, code, message }` (a Rejection, codes in shared/src/errors.ts), because the room
 * answers it to the player; nothing has changed in that case. Connection and script bugs do throw.
 *
 * Units: price in ticks, qty in lots, cash in minor units. Shapes: shared/src/engine.ts.
 */
import type { Redis } from "iovalkey";
import {
  GameConfig, GameId, SecurityConfig, PlayerSetup, PlaceOrder, NewsItem, SignalItem,
  type AmendOrder, type AmendResult, type BookDepth, type CancelAllResult, type CancelResult,
  type EngineEvent, type FillEvent, type GameInfo, type Inventory, type OpenOrder, type PlaceResult,
  type EventOf, type Rejection, type SetupResult,
} from "@marketroom/shared";
import { defineCommands } from "./scripts.ts";
import * as K from "./keys.ts";

export type Result<T> = T | Rejection;

type Call = (...args: (string | number)[]) => Promise<string>;

/** Reasons a system cancel-all may give (a player's own cancel-all is "cancel_all"). */
export type CancelAllReason = "cancel_all" | "round_end" | "admin";

export class Engine {
  constructor(readonly client: Redis) {
    defineCommands(client);
  }

  private call(name: string, keys: string[], argv: (string | number)[]): Promise<string> {
    return ((this.client as unknown as Record<string, Call>)[`mr_${name}`]!)(...keys, ...argv);
  }

  private async run<T>(name: string, keys: string[], argv: (string | number)[]): Promise<Result<T>> {
    return JSON.parse(await this.call(name, keys, argv)) as Result<T>;
  }

  /**
   * Creates a game in the lobby. Errors: GAME_EXISTS; INVALID_ARGUMENT, also for an id that is not
   * 1-64 letters, digits, _ or - (the id is the keys' hash tag). A malformed config throws a ZodError.
   */
  async createGame(gameId: string, config: GameConfig): Promise<Result<SetupResult>> {
    if (!GameId.safeParse(gameId).success) {
      return { ok: false, code: "INVALID_ARGUMENT", message: "gameId must be 1 to 64 letters, digits, _ or -" };
    }
    const c = GameConfig.parse(config);
    return this.run("create_game", [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId)],
      [c.name, c.stp, c.maxMatches, c.allowShort ? 1 : 0, c.protectionBps, c.grossLimit, c.netLimit]);
  }

  /**
   * Adds a security. Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), SECURITY_EXISTS, INVALID_ARGUMENT
   * (also makerRebate > takerFee: fees must never create cash).
   */
  addSecurity(gameId: string, security: SecurityConfig): Promise<Result<SetupResult>> {
    const s = SecurityConfig.parse(security);
    return this.run("add_security",
      [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), K.securityKey(gameId, s.securityId), K.securitiesKey(gameId)],
      [s.securityId, s.symbol, s.tickSize, s.lotSize, s.scale, s.bandLow, s.bandHigh, s.shortLimit, s.positionLimit, s.maxOrderQty,
        s.takerFee, s.makerRebate, s.limitWeight]);
  }

  /** Adds a player with an endowment. Errors: UNKNOWN_GAME, MARKET_CLOSED, PLAYER_EXISTS, UNKNOWN_SECURITY, INVALID_ARGUMENT. */
  addPlayer(gameId: string, player: PlayerSetup): Promise<Result<SetupResult>> {
    const p = PlayerSetup.parse(player);
    const holdings = p.holdings.flatMap((h) => [h.securityId, h.qty]);
    return this.run("add_player",
      [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), K.playersKey(gameId), K.inventoryKey(gameId, p.playerId)],
      [p.playerId, p.name, p.cash, ...holdings]);
  }

  /** Moves the game's phase (lobby -> running <-> paused -> ended). Errors: UNKNOWN_GAME, INVALID_PHASE_TRANSITION. */
  setPhase(gameId: string, phase: "running" | "paused" | "ended"): Promise<Result<SetupResult>> {
    return this.run("set_phase", [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId)], [phase]);
  }

  /**
   * Places an order for a player. The result's `order` says what became of it (filled, resting,
   * expired...), `fills` lists its fills, `events` everything it logged in sequence order.
   * Errors: every code of shared/src/errors.ts that concerns an order (see docs/engine.md).
   */
  async place(gameId: string, playerId: string, order: PlaceOrder): Promise<Result<PlaceResult>> {
    const o = order;
    const keys = [
      K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), ...K.securityKeys(gameId, o.securityId),
      K.orderCountKey(gameId, o.securityId), K.inventoryKey(gameId, playerId),
      K.playerOrdersKey(gameId, playerId, o.securityId), K.clientOrdersKey(gameId, playerId),
    ];
    const argv = [playerId, o.securityId, o.side, o.type ?? "limit", o.tif ?? "GTC", o.postOnly ? 1 : 0,
      o.price ?? "", o.qty, o.clientOrderId ?? ""];
    return withFills(await this.run<PlaceResult>("place", keys, argv));
  }

  /** Cancels one of the player's resting orders. Errors: UNKNOWN_SECURITY, UNKNOWN_ORDER, NOT_OWNER. */
  cancel(gameId: string, playerId: string, securityId: number, orderId: number): Promise<Result<CancelResult>> {
    const keys = [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), ...K.securityKeys(gameId, securityId),
      K.inventoryKey(gameId, playerId), K.playerOrdersKey(gameId, playerId, securityId)];
    return this.run("cancel", keys, [playerId, securityId, orderId]);
  }

  /**
   * Cancels the player's resting orders (one security, or all). At most the game's maxMatches per
   * call: `truncated` says more remain. Errors: UNKNOWN_PLAYER, UNKNOWN_SECURITY.
   */
  cancelAll(gameId: string, playerId: string, securityId?: number, reason: CancelAllReason = "cancel_all"): Promise<Result<CancelAllResult>> {
    const keys = [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), K.securitiesKey(gameId), K.inventoryKey(gameId, playerId)];
    return this.run("cancel_all", keys, [playerId, securityId ?? "", reason]);
  }

  /**
   * Amends a resting order: a smaller qty at the same price keeps priority; a new price or a larger
   * qty replaces it (cancel + new GTC limit order). Errors: as cancel and place.
   */
  async amend(gameId: string, playerId: string, a: AmendOrder): Promise<Result<AmendResult>> {
    const keys = [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), ...K.securityKeys(gameId, a.securityId),
      K.orderCountKey(gameId, a.securityId), K.inventoryKey(gameId, playerId), K.playerOrdersKey(gameId, playerId, a.securityId)];
    return withFills(await this.run<AmendResult>("amend", keys, [playerId, a.securityId, a.orderId, a.qty, a.price ?? ""]));
  }

  /**
   * Records an admin action in the game's log (event admin_action). action: 1-32 letters, digits, _;
   * actor: 'admin' or a player id; detail: free text, at most 500 bytes. Errors: UNKNOWN_GAME, INVALID_ARGUMENT.
   */
  logAdmin(gameId: string, action: string, actor: string, detail = ""): Promise<Result<SetupResult>> {
    return this.run("log_admin", [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId)], [action, actor, detail]);
  }

  /** Aggregated depth, best first, `depth` levels per side. Errors: UNKNOWN_GAME, UNKNOWN_SECURITY. */
  book(gameId: string, securityId: number, depth = 20): Promise<Result<BookDepth>> {
    return this.run("book", [K.gameKey(gameId), ...K.securityKeys(gameId, securityId)], [securityId, depth]);
  }

  /** A player's resting orders (one security or all). Errors: UNKNOWN_PLAYER, UNKNOWN_SECURITY. */
  async orders(gameId: string, playerId: string, securityId?: number): Promise<Result<{ ok: true; orders: OpenOrder[] }>> {
    return this.run("orders", [K.gameKey(gameId), K.securitiesKey(gameId)], [playerId, securityId ?? ""]);
  }

  /** A player's cash and positions. Errors: UNKNOWN_GAME, UNKNOWN_PLAYER. */
  inventory(gameId: string, playerId: string): Promise<Result<Inventory>> {
    return this.run("inventory", [K.gameKey(gameId), K.inventoryKey(gameId, playerId)], [playerId]);
  }

  /** Config, phase, securities and players of a game. Errors: UNKNOWN_GAME. */
  gameInfo(gameId: string): Promise<Result<GameInfo>> {
    return this.run("game_info", [K.gameKey(gameId), K.seqKey(gameId), K.securitiesKey(gameId), K.playersKey(gameId)], []);
  }

  /** Events of the game's stream with fromSeq <= seq <= toSeq, in order (stream ids are '<seq>-0'). */
  async events(gameId: string, fromSeq = 1, toSeq?: number, count = 10_000): Promise<EngineEvent[]> {
    const rows = await this.client.xrange(K.eventsKey(gameId), `${fromSeq}-0`, toSeq ? `${toSeq}-0` : "+", "COUNT", count);
    return rows.map(([, fields]) => JSON.parse(fields[1]!) as EngineEvent);
  }

  /**
   * Announces a headline (event `news`, also kept in the game's news list). `atMs` = round running time
   * (ms) from which the shifts apply to the reference path. A malformed item throws a ZodError.
   * Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), UNKNOWN_SECURITY, INVALID_ARGUMENT (headline length,
   * bps outside -9000..10000, a security shifted twice).
   */
  announce(gameId: string, news: NewsItem, atMs = 0): Promise<Result<SetupResult>> {
    const n = NewsItem.parse(news);
    return this.run("announce", [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), K.securitiesKey(gameId), newsKey(gameId)],
      [n.headline, atMs, ...n.shifts.flatMap((s) => [s.securityId, s.bps])]);
  }

  /**
   * Sends a private signal to the listed players (event `signal`, also kept in the game's signal list).
   * A malformed item throws a ZodError. Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), UNKNOWN_SECURITY,
   * UNKNOWN_PLAYER, INVALID_ARGUMENT (a player listed twice).
   */
  signal(gameId: string, signal: SignalItem): Promise<Result<SetupResult>> {
    const s = SignalItem.parse(signal);
    return this.run("signal",
      [K.gameKey(gameId), K.seqKey(gameId), K.eventsKey(gameId), K.securitiesKey(gameId), K.playersKey(gameId), signalsKey(gameId)],
      [s.group, s.text, s.securityId ?? "", s.value ?? "", ...s.playerIds]);
  }

  /** The game's news events in seq order (from the news list; [] for an unknown game). */
  async newsList(gameId: string): Promise<EventOf<"news">[]> {
    return (await this.client.lrange(newsKey(gameId), 0, -1)).map((d) => JSON.parse(d) as EventOf<"news">);
  }

  /** The game's signal events in seq order (from the signal list). */
  async signalList(gameId: string): Promise<EventOf<"signal">[]> {
    return (await this.client.lrange(signalsKey(gameId), 0, -1)).map((d) => JSON.parse(d) as EventOf<"signal">);
  }
}

/** The game's headlines, one news event JSON per entry (written by lua/announce.lua). */
export const newsKey = (g: string) => `game:{${g}}:news`;
/** The game's private signals, one signal event JSON per entry (written by lua/signal.lua). */
export const signalsKey = (g: string) => `game:{${g}}:signals`;

/** Validates a place request's shape (zod); the engine re-checks every rule. */
export const parsePlace = (input: unknown) => PlaceOrder.parse(input);

/** Adds `fills` (the fill events) to a result; a duplicate's stored result already carries them. */
function withFills<T extends { ok: true; events: EngineEvent[]; fills: FillEvent[]; duplicate?: true }>(r: Result<T>): Result<T> {
  if (r.ok !== true) return r;
  const ok = r as T;
  if (!ok.duplicate) ok.fills = ok.events.filter((e): e is FillEvent => e.type === "fill");
  return ok;
}

/** Throws unless ok; for setup code and tests where a rejection is a bug. */
export function expectOk<T>(r: Result<T>): T {
  if (!(r as { ok: boolean }).ok) {
    const e = r as Rejection;
    throw new Error(`${e.code}: ${e.message}`);
  }
  return r as T;
}
