/**
 * Setup commands: create_game, add_security, add_player and set_phase, each with its checks in the
 * order its function lists (the order of docs/engine.md, kept from the Lua engine the core replaced).
 */
import type { SetupResult } from "@marketroom/shared";
import type { AddPlayerCommand, AddSecurityCommand, CreateGameCommand, SetPhaseCommand } from "../commands.ts";
import { reject } from "../reject.ts";
import type { CoreState, PhaseName } from "../state.ts";
import {
  MAX_CASH,
  MAX_FEE,
  MAX_PRICE,
  MAX_QTY,
  MAX_SAFE,
  MAX_SECURITY_ID,
  isPlayerId,
  isSymbol,
  isTextBytes,
  isTickSize,
  needInt,
  optInt,
} from "../validation.ts";
import { EventLog, needGame } from "./context.ts";
import type { Decision } from "./decision.ts";

function setup(log: EventLog): Decision<SetupResult> {
  return { ok: true, events: log.events, result: { ok: true, events: log.events, ...log.range() } };
}

/** A game in the lobby. GAME_EXISTS; INVALID_ARGUMENT for any bad setting. */
export function decideCreateGame(state: CoreState, c: CreateGameCommand, ts: number): Decision<SetupResult> {
  if (!isPlayerId(c.gameId)) reject("INVALID_ARGUMENT", "gameId must be 1 to 64 letters, digits, _ or -");
  if (state.game !== null) reject("GAME_EXISTS", "the game already exists");
  if (!isTextBytes(c.name, 1, 200)) reject("INVALID_ARGUMENT", "name must have 1 to 200 bytes (UTF-8)");
  if (c.stp !== "cancel_incoming" && c.stp !== "cancel_resting")
    reject("INVALID_ARGUMENT", "stp must be cancel_incoming or cancel_resting");
  const maxMatches = needInt(c.maxMatches, 1, 100_000, "INVALID_ARGUMENT", "maxMatches");
  if (typeof c.allowShort !== "boolean") reject("INVALID_ARGUMENT", "allowShort must be a boolean");
  const protectionBps = needInt(c.protectionBps, 1, 10_000, "INVALID_ARGUMENT", "protectionBps");
  const grossLimit = optInt(c.grossLimit, 0, 0, MAX_QTY, "INVALID_ARGUMENT", "grossLimit");
  const netLimit = optInt(c.netLimit, 0, 0, MAX_QTY, "INVALID_ARGUMENT", "netLimit");
  const mode = c.mode ?? "cash";
  if (mode !== "cash" && mode !== "margin") reject("INVALID_ARGUMENT", "mode must be cash or margin");
  const markRule = c.markRule ?? "last_trade";
  if (markRule !== "last_trade" && markRule !== "reference" && markRule !== "mid")
    reject("INVALID_ARGUMENT", "markRule must be last_trade, reference or mid");
  const insuranceFund = optInt(c.insuranceFund, 0, 0, MAX_CASH, "INVALID_ARGUMENT", "insuranceFund");
  const log = new EventLog(state.seq, ts);
  log.events.push({
    type: "game_created",
    seq: log.next(),
    ts,
    name: c.name,
    stp: c.stp,
    maxMatches,
    allowShort: c.allowShort,
    protectionBps,
    grossLimit,
    netLimit,
    mode,
    markRule,
    insuranceFund,
  });
  return setup(log);
}

/** A security (any phase but ended). MARKET_CLOSED, SECURITY_EXISTS, INVALID_ARGUMENT (also a rebate above the fee). */
export function decideAddSecurity(state: CoreState, c: AddSecurityCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  if (game.phase === "ended") reject("MARKET_CLOSED", "the game has ended");
  const securityId = needInt(c.securityId, 1, MAX_SECURITY_ID, "INVALID_ARGUMENT", "securityId");
  if (state.securities.has(securityId)) reject("SECURITY_EXISTS", `security ${securityId} exists`);
  if (!isSymbol(c.symbol)) reject("INVALID_ARGUMENT", "symbol must be 1 to 16 letters, digits or . - _ ^");
  if (!isTickSize(c.tickSize)) reject("INVALID_ARGUMENT", "tickSize must be a positive decimal such as 0.01");
  const A = "INVALID_ARGUMENT";
  const lotSize = needInt(c.lotSize, 1, 1_000_000_000, A, "lotSize");
  const scale = needInt(c.scale, 1, 1_000_000_000, A, "scale");
  const bandLow = needInt(c.bandLow, 1, MAX_PRICE, A, "bandLow");
  const bandHigh = needInt(c.bandHigh, bandLow, MAX_PRICE, A, "bandHigh");
  const shortLimit = needInt(c.shortLimit, 0, MAX_QTY, A, "shortLimit");
  const positionLimit = needInt(c.positionLimit, 0, MAX_QTY, A, "positionLimit");
  const maxOrderQty = needInt(c.maxOrderQty, 0, MAX_QTY, A, "maxOrderQty");
  const takerFee = optInt(c.takerFee, 0, 0, MAX_FEE, A, "takerFee");
  const makerRebate = optInt(c.makerRebate, 0, 0, MAX_FEE, A, "makerRebate");
  if (makerRebate > takerFee) reject(A, "makerRebate must not exceed takerFee");
  const limitWeight = optInt(c.limitWeight, 1, 0, 1000, A, "limitWeight");
  // 100 bps = 100x leverage at most (issue 15: 1x to 100x)
  const initialMarginBps = optInt(c.initialMarginBps, 10_000, 100, 10_000, A, "initialMarginBps");
  const maintenanceMarginBps = optInt(
    c.maintenanceMarginBps,
    Math.max(1, Math.floor(initialMarginBps / 2)),
    1,
    initialMarginBps,
    A,
    "maintenanceMarginBps",
  );
  const referencePrice = optInt(c.referencePrice, 0, 0, MAX_PRICE, A, "referencePrice");
  const kind = c.kind ?? "book";
  if (kind !== "book" && kind !== "cfd") reject(A, "kind must be book or cfd");
  // a CFD (no book; the house quotes, cfd-order.ts) needs margin mode; security_added carries kind and
  // halfSpread (optional in the event schema) for CFDs only, so book securities log as before
  if (kind === "cfd" && game.mode !== "margin") reject(A, "a CFD security needs margin mode");
  const halfSpread = optInt(c.halfSpread, 0, 0, 1_000_000, A, "halfSpread");
  const log = new EventLog(state.seq, ts);
  log.events.push({
    type: "security_added",
    seq: log.next(),
    ts,
    securityId,
    symbol: c.symbol,
    tickSize: c.tickSize,
    lotSize,
    scale,
    bandLow,
    bandHigh,
    shortLimit,
    positionLimit,
    maxOrderQty,
    takerFee,
    makerRebate,
    limitWeight,
    initialMarginBps,
    maintenanceMarginBps,
    referencePrice,
    ...(kind === "cfd" ? { kind, halfSpread } : {}),
  });
  return setup(log);
}

/**
 * A player with an endowment (any phase but ended). MARKET_CLOSED, INVALID_ARGUMENT, PLAYER_EXISTS,
 * UNKNOWN_SECURITY. The game's total cash stays at most 2^53 - 1 (cash only moves between players,
 * so no balance can leave the safe range).
 */
export function decideAddPlayer(state: CoreState, c: AddPlayerCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  if (game.phase === "ended") reject("MARKET_CLOSED", "the game has ended");
  if (!isPlayerId(c.playerId)) reject("INVALID_ARGUMENT", "playerId must be 1 to 64 letters, digits, _ or -");
  if (!isTextBytes(c.name, 1, 64)) reject("INVALID_ARGUMENT", "name must have 1 to 64 bytes (UTF-8)");
  if (state.players.has(c.playerId)) reject("PLAYER_EXISTS", `player ${c.playerId} exists`);
  const cash = needInt(c.cash, 0, MAX_CASH, "INVALID_ARGUMENT", "cash");
  if (state.cashTotal + cash > MAX_SAFE)
    reject("INVALID_ARGUMENT", "the total cash of all players would exceed 2^53 - 1 minor units");
  const holdings: { securityId: number; qty: number }[] = [];
  for (const h of c.holdings ?? []) {
    const securityId = needInt(h.securityId, 1, MAX_SECURITY_ID, "INVALID_ARGUMENT", "securityId");
    if (!state.securities.has(securityId)) reject("UNKNOWN_SECURITY", `no such security: ${securityId}`);
    const qty = needInt(h.qty, 0, MAX_QTY, "INVALID_ARGUMENT", "holdings");
    holdings.push({ securityId, qty });
  }
  const log = new EventLog(state.seq, ts);
  log.events.push({ type: "player_added", seq: log.next(), ts, playerId: c.playerId, name: c.name, cash, holdings });
  return setup(log);
}

const NEXT: Record<PhaseName, readonly string[]> = {
  lobby: ["running", "ended"],
  running: ["paused", "ended"],
  paused: ["running", "ended"],
  ended: [],
};

/** lobby -> running <-> paused -> ended (ended from any phase). INVALID_PHASE_TRANSITION. */
export function decideSetPhase(state: CoreState, c: SetPhaseCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  const from = game.phase;
  if (!NEXT[from].includes(c.phase)) reject("INVALID_PHASE_TRANSITION", `cannot go from ${from} to ${String(c.phase)}`);
  const to = c.phase as PhaseName;
  const log = new EventLog(state.seq, ts);
  log.events.push({ type: "phase_changed", seq: log.next(), ts, from, to });
  return { ok: true, events: log.events, result: { ok: true, phase: to, events: log.events, ...log.range() } };
}
