/**
 * The room's stop commands (docs/margin.md "Protocol"): "place-stop", "cancel-stop" and "set-exits",
 * already validated with their schemas (shared/src/messages.ts), run through the game hub like the
 * order commands. Replies are CommandAck with `stopIds` (and `cancelledStopIds` for set-exits) or a
 * CommandError with the engine's code, RATE_LIMITED, a gate's code, or INSUFFICIENT_HOLDINGS (set-exits
 * when the player is flat in that security: no position to exit).
 *
 * set-exits is several commands in a row (cancel the closing-side stops, then place the new exit), not
 * one atomic command: a failure part-way leaves the stops cancelled so far cancelled, and says so.
 */
import {
  RoomMessageSchemas,
  type AnyErrorCode,
  type CommandError,
  type CommandReply,
  type PlaceStop,
} from "@marketroom/shared";
import type { CoreState } from "../core/state.ts";
import type { GameHub } from "./hub.ts";

/** The stop commands of ROOM_COMMANDS. */
export const STOP_COMMANDS = ["place-stop", "cancel-stop", "set-exits"] as const;
export type StopCommand = (typeof STOP_COMMANDS)[number];

/** True for the stop commands that enter orders (the channel rule and the entry gate apply). */
export function entersOrders(type: string): boolean {
  return type === "place-stop" || type === "set-exits";
}

/** Runs one validated stop command of player `pid` in game `g`. */
export async function runStopCommand(
  hub: GameHub,
  g: string,
  pid: string,
  type: StopCommand,
  body: unknown,
  ref: string | undefined,
): Promise<CommandReply> {
  switch (type) {
    case "place-stop": {
      const { ref: _r, ...stop } = RoomMessageSchemas["place-stop"].parse(body);
      const r = await hub.placeStop(g, pid, stop);
      return r.ok ? { ok: true, type, ref, seq: r.lastSeq, stopIds: r.stopIds } : refused(type, ref, r);
    }
    case "cancel-stop": {
      const m = RoomMessageSchemas["cancel-stop"].parse(body);
      const r = await hub.cancelStop(g, pid, m.securityId, m.stopId);
      return r.ok ? { ok: true, type, ref, seq: r.lastSeq, stopIds: r.stopIds } : refused(type, ref, r);
    }
    case "set-exits":
      return setExits(hub, g, pid, RoomMessageSchemas["set-exits"].parse(body), ref);
  }
}

export type ExitsBody = ReturnType<(typeof RoomMessageSchemas)["set-exits"]["parse"]>;

/** Cancels the player's stops on the closing side of their position, then places the new exit (see the header). */
export async function setExits(
  hub: GameHub,
  g: string,
  pid: string,
  m: ExitsBody,
  ref?: string,
): Promise<CommandReply> {
  const type = "set-exits";
  // the writer's state: the position and stops as the next command will see them
  const state: CoreState | null = (await hub.engine.writer(g)).state;
  const qty = state?.players.get(pid)?.positions.get(m.securityId)?.qty ?? 0;
  if (qty === 0) return error(type, ref, "INSUFFICIENT_HOLDINGS", `no open position in security ${m.securityId}`);
  const side = qty > 0 ? "sell" : "buy";
  const cancelledStopIds: number[] = [];
  let seq = 0;
  const waiting = [...(state?.securities.get(m.securityId)?.stops.values() ?? [])];
  for (const s of waiting) {
    if (s.playerId !== pid || s.side !== side) continue;
    const r = await hub.cancelStop(g, pid, m.securityId, s.id);
    if (r.ok) {
      cancelledStopIds.push(s.id);
      seq = r.lastSeq;
    } else if (r.code !== "UNKNOWN_ORDER") {
      return error(
        type,
        ref,
        r.code,
        `${r.message} (stops cancelled before: ${cancelledStopIds.join(", ") || "none"})`,
      );
    }
  }
  const legs = [
    m.stopLoss !== undefined ? { stopPrice: m.stopLoss, kind: "stop" as const } : null,
    m.takeProfit !== undefined ? { stopPrice: m.takeProfit, kind: "take_profit" as const } : null,
  ].filter((l) => l !== null);
  if (!legs.length) return { ok: true, type, ref, seq, stopIds: [], cancelledStopIds };
  const leg = (l: (typeof legs)[number]) => ({ type: "market" as const, trigger: m.trigger, ...l });
  const stop: PlaceStop = {
    securityId: m.securityId,
    side,
    qty: Math.abs(qty),
    ...leg(legs[0]!),
    ...(legs[1] ? { oco: leg(legs[1]) } : {}),
  };
  const r = await hub.placeStop(g, pid, stop);
  if (!r.ok) return refused(type, ref, r);
  return { ok: true, type, ref, seq: r.lastSeq, stopIds: r.stopIds, cancelledStopIds };
}

function error(type: string, ref: string | undefined, code: AnyErrorCode, message: string): CommandReply {
  return { ok: false, type, ...(ref !== undefined ? { ref } : {}), code, message };
}

function refused(
  type: string,
  ref: string | undefined,
  r: { code: AnyErrorCode; message: string; retryAfterMs?: number },
): CommandReply {
  const e = error(type, ref, r.code, r.message) as CommandError;
  return r.retryAfterMs !== undefined ? { ...e, retryAfterMs: r.retryAfterMs } : e;
}
