/**
 * The room's stop commands (docs/margin.md "Protocol"): "place-stop", "cancel-stop" and "set-exits",
 * already validated with their schemas (shared/src/messages.ts), run through the game hub like the
 * order commands. Replies are CommandAck with `stopIds` (and `cancelledStopIds` for set-exits) or a
 * CommandError with the engine's code, RATE_LIMITED, a gate's code, or INSUFFICIENT_HOLDINGS (set-exits
 * when the player is flat in that security: no position to exit).
 *
 * set-exits is one core command (set_exits): the closing-side stops are replaced all at once or, when it
 * is refused, not at all.
 */
import { RoomMessageSchemas, type AnyErrorCode, type CommandError, type CommandReply } from "@marketroom/shared";
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

/** Replaces the exits of the player's position in one security: ONE core command (core/stops/exits.ts). */
export async function setExits(
  hub: GameHub,
  g: string,
  pid: string,
  m: ExitsBody,
  ref?: string,
): Promise<CommandReply> {
  const type = "set-exits";
  const { ref: _r, ...exits } = m;
  const r = await hub.setExits(g, pid, exits);
  if (!r.ok) return refused(type, ref, r);
  return { ok: true, type, ref, seq: r.lastSeq, stopIds: r.stopIds, cancelledStopIds: r.cancelledStopIds };
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
