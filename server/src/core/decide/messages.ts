/**
 * Messages the log records for the room and the players: log_admin (any phase),
 * announce (event news) and signal; news and signals are refused
 * once the game has ended (MARKET_CLOSED).
 */
import type { SetupResult } from "@marketroom/shared";
import type { AnnounceCommand, LogAdminCommand, SignalCommand } from "../commands.ts";
import { reject } from "../reject.ts";
import type { CoreState } from "../state.ts";
import {
  MAX_PRICE,
  MAX_SAFE,
  MAX_SECURITY_ID,
  isAction,
  isGroup,
  isPlayerId,
  isShortText,
  isTextBytes,
  needInt,
} from "../validation.ts";
import { EventLog, needGame } from "./context.ts";
import type { Decision } from "./decision.ts";

function logged(log: EventLog): Decision<SetupResult> {
  return { ok: true, events: log.events, result: { ok: true, events: log.events, ...log.range() } };
}

/** An admin action (event admin_action). INVALID_ARGUMENT for a bad action, actor or detail (> 500 bytes). */
export function decideLogAdmin(state: CoreState, c: LogAdminCommand, ts: number): Decision<SetupResult> {
  needGame(state);
  const detail = c.detail ?? "";
  if (!isAction(c.action)) reject("INVALID_ARGUMENT", "action must be 1 to 32 letters, digits or _");
  if (!isPlayerId(c.actor)) reject("INVALID_ARGUMENT", "actor must be a player id or admin");
  if (!isTextBytes(detail, 0, 500)) reject("INVALID_ARGUMENT", "detail is at most 500 bytes");
  const log = new EventLog(state.seq, ts);
  log.events.push({ type: "admin_action", seq: log.next(), ts, action: c.action, actor: c.actor, detail });
  return logged(log);
}

/** A headline for everyone, with reference price shifts (bps -9000..10000, each security once, at most 50). */
export function decideAnnounce(state: CoreState, c: AnnounceCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  if (game.phase === "ended") reject("MARKET_CLOSED", "the game has ended");
  if (!isShortText(c.headline)) reject("INVALID_ARGUMENT", "headline must have 1 to 280 characters");
  const atMs = needInt(c.atMs, 0, MAX_SAFE, "INVALID_ARGUMENT", "atMs");
  const list = c.shifts ?? [];
  if (list.length > 50) reject("INVALID_ARGUMENT", "at most 50 shifts");
  const shifts: { securityId: number; bps: number }[] = [];
  const seen = new Set<number>();
  for (const s of list) {
    const securityId = needInt(s.securityId, 1, MAX_SECURITY_ID, "UNKNOWN_SECURITY", "securityId");
    if (!state.securities.has(securityId)) reject("UNKNOWN_SECURITY", `no such security: ${securityId}`);
    if (seen.has(securityId)) reject("INVALID_ARGUMENT", `security ${securityId} is shifted twice`);
    seen.add(securityId);
    const bps = needInt(s.bps, -9000, 10_000, "INVALID_ARGUMENT", "bps");
    shifts.push({ securityId, bps });
  }
  const log = new EventLog(state.seq, ts);
  log.events.push({ type: "news", seq: log.next(), ts, headline: c.headline, shifts, atMs });
  return logged(log);
}

/** Private information for listed players (1..10000 distinct existing ids), optionally about a security and a value in ticks. */
export function decideSignal(state: CoreState, c: SignalCommand, ts: number): Decision<SetupResult> {
  const game = needGame(state);
  if (game.phase === "ended") reject("MARKET_CLOSED", "the game has ended");
  if (!isGroup(c.group)) reject("INVALID_ARGUMENT", "group must be 1 to 32 letters, digits, _ or -");
  if (!isShortText(c.text)) reject("INVALID_ARGUMENT", "text must have 1 to 280 characters");
  const ev: {
    type: "signal";
    seq: number;
    ts: number;
    group: string;
    text: string;
    securityId?: number;
    value?: number;
    playerIds: string[];
  } = { type: "signal", seq: 0, ts, group: c.group, text: c.text, playerIds: [] };
  if (c.securityId !== undefined) {
    const securityId = needInt(c.securityId, 1, MAX_SECURITY_ID, "UNKNOWN_SECURITY", "securityId");
    if (!state.securities.has(securityId)) reject("UNKNOWN_SECURITY", `no such security: ${securityId}`);
    ev.securityId = securityId;
  }
  if (c.value !== undefined) ev.value = needInt(c.value, 0, MAX_PRICE, "INVALID_ARGUMENT", "value");
  const ids = c.playerIds ?? [];
  if (ids.length < 1 || ids.length > 10_000) reject("INVALID_ARGUMENT", "a signal needs 1 to 10000 recipients");
  const seen = new Set<string>();
  for (const pid of ids) {
    if (!isPlayerId(pid)) reject("INVALID_ARGUMENT", "invalid player id");
    if (seen.has(pid)) reject("INVALID_ARGUMENT", `player ${pid} is listed twice`);
    seen.add(pid);
    if (!state.players.has(pid)) reject("UNKNOWN_PLAYER", `no such player: ${pid}`);
    ev.playerIds.push(pid);
  }
  const log = new EventLog(state.seq, ts);
  ev.seq = log.next();
  log.events.push(ev);
  return logged(log);
}
