/**
 * Rebuilds a game from its event log by re-executing the log's commands through the engine (tests only).
 *
 * What it is for: proving that the event log is complete and that the engine is deterministic. Every
 * command a game accepted is in its log (game_created, security_added, player_added, phase_changed,
 * order_accepted, order_amended, and the order_cancelled events a player or the admin asked for); every
 * consequence of a command (fill, order_rested, and order_cancelled with reason stp, max_matches, ioc,
 * fok or market) is not a command and must come out of the engine again, identical. So re-running the
 * commands, in order, into a new game must reproduce the same events with the same seqs (only `ts`
 * differs) and therefore the same books and inventories. Replay and audits use it; the property tests
 * (server/test/engine/properties.test.ts) check it after random command sequences.
 *
 * Shapes: `events` is one game's log, in seq order, complete from seq 1 (game_created) on, as
 * `Engine.events()` or the persisted event table return it (shared/src/engine.ts, EngineEvent).
 * `gameId` names the game to build; it must not exist yet (the Valkey may be empty or shared with
 * other games: every key carries the game's hash tag).
 *
 * How each logged command is re-executed:
 * - game_created, security_added, player_added, phase_changed, admin_action, news, signal: createGame,
 *   addSecurity, addPlayer, setPhase, logAdmin, announce, signal;
 * - auction: uncross with the logged reference price, or set_trading_mode continuous when the call's
 *   fills are followed by that security's trading_mode (docs/markets.md); trading_mode alone:
 *   set_trading_mode; dividend: dividend;
 * - order_accepted: place, with the same player, security, side, type, tif, postOnly, qty and
 *   clientOrderId (the limit price for a limit order; a market order's logged price is its protection
 *   bound, which the engine derives again);
 * - order_cancelled, reason "user": cancel;
 * - order_cancelled, reason "amend", followed by the replacement's order_accepted: amend of the original
 *   order to the replacement's qty and price (cancel + new, priority lost);
 * - order_amended: amend to the new qty (same price, priority kept);
 * - order_cancelled, reason "cancel_all", "round_end" or "admin": cancelAll with that reason. One
 *   cancel-all logs one order_cancelled per order, in consecutive seqs; `Engine.cancel` would log them
 *   with reason "user", so the run is split into cancelAll calls instead: for the player's open orders
 *   (read from the rebuilt game, which at that point equals the original), the scope (all securities
 *   or one) whose cancel-all cancels the longest prefix of the run, at most the game's maxMatches
 *   orders, is called, until the run is used up. Two scopes that cancel the same orders log the same
 *   events, so the choice never changes the outcome.
 *
 * Errors (thrown, the rebuilt game is then left partly built): the log does not start with game_created
 * at seq 1 or has a gap; an event that is a consequence appears where a command was expected; the
 * engine rejects a re-executed command (e.g. GAME_EXISTS when `gameId` exists); or a re-generated event
 * differs from the logged one apart from `ts`, or the log ends inside a command. Each message names the
 * seq of the first event concerned.
 */
import type { EngineEvent, EventOf, OpenOrder, Rejection } from "@marketroom/shared";
import type { CancelAllReason, GameWriters as Engine, Result } from "../../src/engine/writers.ts";
import { runMarketCommand } from "../../src/engine/market-commands.ts";

type Logged = { ok: true; events: EngineEvent[] };

const SYSTEM_CANCEL = new Set<string>(["cancel_all", "round_end", "admin"]);

/** Re-executes the commands of `events` into the new game `gameId`, checking every re-generated event. */
export async function rebuildFromEvents(engine: Engine, gameId: string, events: EngineEvent[]): Promise<void> {
  if (events.length === 0) return;
  events.forEach((ev, i) => {
    if (ev.seq !== i + 1)
      throw new Error(`rebuild: the log is not complete: expected seq ${i + 1}, found seq ${ev.seq}`);
  });
  if (events[0]!.type !== "game_created") throw new Error("rebuild: seq 1 is not game_created");

  let maxMatches = 0;
  let i = 0;

  /** Checks a command's result against the log from position i and moves past its events. */
  const consume = (what: string, r: Result<Logged>): void => {
    const at = events[i]!.seq;
    if (!r.ok) {
      const e = r as Rejection;
      throw new Error(`rebuild: seq ${at}: the engine rejected ${what}: ${e.code}: ${e.message}`);
    }
    if (r.events.length === 0) throw new Error(`rebuild: seq ${at}: ${what} logged nothing`);
    r.events.forEach((got, k) => {
      const want = events[i + k];
      if (want === undefined) {
        throw new Error(
          `rebuild: seq ${got.seq}: the log ends inside ${what}, which re-generated ${JSON.stringify(got)}`,
        );
      }
      if (!sameApartFromTs(want, got)) {
        throw new Error(
          `rebuild: seq ${want.seq} differs after ${what}: logged ${JSON.stringify(want)}, re-generated ${JSON.stringify(got)}`,
        );
      }
    });
    i += r.events.length;
  };

  while (i < events.length) {
    const ev = events[i]!;
    switch (ev.type) {
      case "game_created":
        maxMatches = ev.maxMatches;
        consume(
          "createGame",
          await engine.createGame(gameId, {
            name: ev.name,
            stp: ev.stp,
            maxMatches: ev.maxMatches,
            allowShort: ev.allowShort,
            protectionBps: ev.protectionBps,
            grossLimit: ev.grossLimit ?? 0,
            netLimit: ev.netLimit ?? 0, // absent in logs written before the limits
          }),
        );
        break;
      case "security_added":
        consume(
          "addSecurity",
          await engine.addSecurity(gameId, {
            securityId: ev.securityId,
            symbol: ev.symbol,
            tickSize: ev.tickSize,
            lotSize: ev.lotSize,
            scale: ev.scale,
            bandLow: ev.bandLow,
            bandHigh: ev.bandHigh,
            shortLimit: ev.shortLimit,
            positionLimit: ev.positionLimit,
            maxOrderQty: ev.maxOrderQty,
            takerFee: ev.takerFee ?? 0,
            makerRebate: ev.makerRebate ?? 0,
            limitWeight: ev.limitWeight ?? 1,
          }),
        );
        break;
      case "player_added":
        consume(
          "addPlayer",
          await engine.addPlayer(gameId, {
            playerId: ev.playerId,
            name: ev.name,
            cash: ev.cash,
            holdings: ev.holdings,
          }),
        );
        break;
      case "phase_changed":
        if (ev.to === "lobby") throw new Error(`rebuild: seq ${ev.seq}: no command moves a game back to the lobby`);
        consume("setPhase", await engine.setPhase(gameId, ev.to));
        break;
      case "admin_action":
        consume("logAdmin", await engine.logAdmin(gameId, ev.action, ev.actor, ev.detail));
        break;
      case "news":
        consume("announce", await engine.announce(gameId, { headline: ev.headline, shifts: ev.shifts }, ev.atMs ?? 0));
        break;
      case "signal":
        consume(
          "signal",
          await engine.signal(gameId, {
            group: ev.group,
            playerIds: ev.playerIds,
            text: ev.text,
            ...(ev.securityId !== undefined ? { securityId: ev.securityId } : {}),
            ...(ev.value !== undefined ? { value: ev.value } : {}),
          }),
        );
        break;
      case "order_accepted":
        consume(
          "place",
          await engine.place(gameId, ev.playerId, {
            securityId: ev.securityId,
            side: ev.side,
            type: ev.orderType,
            tif: ev.tif,
            postOnly: ev.postOnly,
            ...(ev.orderType === "limit" ? { price: ev.price } : {}),
            qty: ev.qty,
            ...(ev.clientOrderId !== undefined ? { clientOrderId: ev.clientOrderId } : {}),
          }),
        );
        break;
      case "order_amended":
        consume(
          "amend",
          await engine.amend(gameId, ev.playerId, { securityId: ev.securityId, orderId: ev.orderId, qty: ev.qty }),
        );
        break;
      case "order_cancelled":
        if (ev.reason === "user") {
          consume("cancel", await engine.cancel(gameId, ev.playerId, ev.securityId, ev.orderId));
        } else if (ev.reason === "amend") {
          const next = events[i + 1];
          if (next?.type !== "order_accepted" || next.playerId !== ev.playerId || next.securityId !== ev.securityId) {
            throw new Error(
              `rebuild: seq ${ev.seq}: an amend's cancel is not followed by the replacement's order_accepted`,
            );
          }
          consume(
            "amend",
            await engine.amend(gameId, ev.playerId, {
              securityId: ev.securityId,
              orderId: ev.orderId,
              qty: next.qty,
              price: next.price,
            }),
          );
        } else if (SYSTEM_CANCEL.has(ev.reason)) {
          await replayCancelAll(ev.playerId, ev.reason as CancelAllReason);
        } else {
          throw new Error(
            `rebuild: seq ${ev.seq}: order_cancelled (${ev.reason}) is a consequence, but no command precedes it`,
          );
        }
        break;
      case "auction": {
        // a call: uncross, or a switch to continuous when the call's fills end in trading_mode
        let end = i + 1;
        while (events[end]?.type === "fill") end++;
        const next = events[end];
        const referencePrice = ev.referencePrice > 0 ? ev.referencePrice : undefined;
        consume(
          "call",
          await runMarketCommand(
            engine,
            gameId,
            next?.type === "trading_mode" && next.securityId === ev.securityId
              ? { type: "set_trading_mode", securityId: ev.securityId, mode: next.mode, referencePrice }
              : { type: "uncross", securityId: ev.securityId, referencePrice },
          ),
        );
        break;
      }
      case "trading_mode":
        consume(
          "setTradingMode",
          await runMarketCommand(engine, gameId, {
            type: "set_trading_mode",
            securityId: ev.securityId,
            mode: ev.mode,
          }),
        );
        break;
      case "dividend":
        consume(
          "dividend",
          await runMarketCommand(engine, gameId, {
            type: "dividend",
            securityId: ev.securityId,
            period: ev.period,
            amount: ev.amount,
          }),
        );
        break;
      default:
        throw new Error(`rebuild: seq ${ev.seq}: ${ev.type} is a consequence, but no command precedes it`);
    }
  }

  /** Replays the run of order_cancelled events (same player and reason) at position i as cancelAll calls. */
  async function replayCancelAll(playerId: string, reason: CancelAllReason): Promise<void> {
    let end = i;
    while (end < events.length) {
      const e = events[end]!;
      if (e.type !== "order_cancelled" || e.reason !== reason || e.playerId !== playerId) break;
      end++;
    }
    while (i < end) {
      const run = events.slice(i, end) as EventOf<"order_cancelled">[];
      const open = await engine.orders(gameId, playerId);
      if (!open.ok)
        throw new Error(
          `rebuild: seq ${run[0]!.seq}: cannot read the orders of ${playerId}: ${(open as Rejection).code}`,
        );
      const scopes: (number | undefined)[] = [undefined, ...new Set(open.orders.map((o) => o.securityId))];
      let best: number | undefined;
      let bestLen = 0;
      for (const scope of scopes) {
        const cancels = open.orders.filter((o) => scope === undefined || o.securityId === scope).slice(0, maxMatches);
        const len = prefixLength(cancels, run);
        if (len === cancels.length && len > bestLen) {
          best = scope;
          bestLen = len;
        }
      }
      if (bestLen === 0) {
        throw new Error(
          `rebuild: seq ${run[0]!.seq}: no cancel-all of ${playerId} cancels order ${run[0]!.orderId} next`,
        );
      }
      consume(`cancelAll(${best ?? "all"}, ${reason})`, await engine.cancelAll(gameId, playerId, best, reason));
    }
  }
}

/** How many leading orders of `cancels` are the leading events of `run`. */
function prefixLength(cancels: OpenOrder[], run: EventOf<"order_cancelled">[]): number {
  let n = 0;
  while (
    n < cancels.length &&
    n < run.length &&
    cancels[n]!.securityId === run[n]!.securityId &&
    cancels[n]!.orderId === run[n]!.orderId
  )
    n++;
  return n;
}

/**
 * Fields added to events after logs were first written, with the value an older log means by their
 * absence (the defaults of shared/src/engine.ts EngineEvent): no fees, no game limits, weight 1.
 */
const ADDED_FIELDS: Partial<Record<EngineEvent["type"], Record<string, number>>> = {
  game_created: { grossLimit: 0, netLimit: 0 },
  security_added: { takerFee: 0, makerRebate: 0, limitWeight: 1 },
  fill: { takerFee: 0, makerRebate: 0 },
};

/**
 * Deep equality of two events ignoring `ts`, key order, and keys whose value is undefined; a field of
 * ADDED_FIELDS that one event lacks counts as its default (so a log written before fees rebuilds).
 */
export function sameApartFromTs(a: EngineEvent, b: EngineEvent): boolean {
  const strip = ({ ts: _ts, ...rest }: EngineEvent) => ({ ...ADDED_FIELDS[rest.type], ...rest });
  return deepEqual(strip(a), strip(b));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, k) => deepEqual(v, bb[k]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set(
    [...Object.keys(ao), ...Object.keys(bo)].filter((k) => ao[k] !== undefined || bo[k] !== undefined),
  );
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
