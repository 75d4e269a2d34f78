/**
 * The room's validated commands on their way to the game's writer (through the GameHub), and their
 * replies: CommandAck / CommandError (shared/src/messages.ts) and, for "place-batch", a BatchAck
 * (shared/src/room-protocol.ts) with one result per order in the batch's order.
 */
import {
  RoomMessageSchemas,
  zodIssues,
  type AnyErrorCode,
  type BatchAck,
  type CommandAck,
  type CommandError,
  type CommandReply,
  type Rejection,
  type RoomCommand,
  PLACE_BATCH,
  PlaceBatchMessage,
} from "@marketroom/shared";
import type { GameHub, GateRefusal, RateLimited } from "../game/hub.ts";
import type { Unavailable } from "../engine/writers.ts";
import { asApiError } from "../game/errors.ts";
import { runStopCommand } from "../game/stop-commands.ts";

/** A command's `ref` when it is a string of at most 64 characters (echoed in the reply). */
export function refOf(body: unknown): string | undefined {
  const ref = (body as { ref?: unknown } | null)?.ref;
  return typeof ref === "string" && ref.length <= 64 ? ref : undefined;
}

/**
 * `{ ref }`, or nothing when there is no ref: a reply gets no `ref` key at all rather than one deleted
 * later (a `delete` turns the object into a slow hash table, which made msgpack's encoding of every
 * reply several times dearer: issue 13).
 */
function refField(ref: string | undefined): { ref?: string } {
  return ref !== undefined ? { ref } : {};
}

/** A CommandError. */
export function error(type: string, ref: string | undefined, code: AnyErrorCode, message: string): CommandReply {
  return { ok: false, type, ...refField(ref), code, message };
}

/** INVALID_MESSAGE with the schema's issues, for a body that failed `schema`. */
export function invalid(
  type: string,
  ref: string | undefined,
  parsed: { success: false; error: Parameters<typeof zodIssues>[0] } | undefined,
): CommandReply {
  return {
    ...(error(type, ref, "INVALID_MESSAGE", `invalid ${type} message`) as CommandError),
    ...(parsed ? { issues: zodIssues(parsed.error) } : {}),
  };
}

function rejected(
  type: string,
  ref: string | undefined,
  r: Rejection | RateLimited | Unavailable | GateRefusal,
): CommandReply {
  const e = error(type, ref, r.code, r.message);
  return "retryAfterMs" in r ? { ...(e as CommandError), retryAfterMs: r.retryAfterMs } : e;
}

/** A command body already validated with `RoomMessageSchemas[type]` (its parsed output). */
type Parsed<T extends RoomCommand> = ReturnType<(typeof RoomMessageSchemas)[T]["parse"]>;

/**
 * A command of player `pid` in game `g`, through the hub to the game's writer. `body` must be the
 * output of `RoomMessageSchemas[type]` (every caller validates first; parsing twice cost about 5% of
 * the server's CPU per order, issue 13).
 */
export async function trade(
  hub: GameHub,
  g: string,
  pid: string,
  type: RoomCommand,
  body: unknown,
  ref: string | undefined,
): Promise<CommandReply> {
  switch (type) {
    case "place": {
      // The parsed body goes as it is: the writer reads the order's fields by name and never its
      // `ref`. The reply gets its optional keys added in place, not spread from temporaries, in the
      // same key order (the msgpack bytes are the same; issue 13: allocation per order).
      const r = await hub.place(g, pid, body as Parsed<"place">);
      if (!r.ok) return rejected(type, ref, r);
      const ack: CommandAck =
        ref !== undefined ? { ok: true, type, ref, seq: r.lastSeq } : { ok: true, type, seq: r.lastSeq };
      ack.order = r.order;
      ack.fills = r.fills;
      if (r.duplicate) ack.duplicate = true;
      return ack;
    }
    case "cancel": {
      const m = body as Parsed<"cancel">;
      const r = await hub.cancel(g, pid, m.securityId, m.orderId);
      return r.ok
        ? { ok: true, type, ...refField(ref), seq: r.lastSeq, cancelled: r.cancelled }
        : rejected(type, ref, r);
    }
    case "cancel-all": {
      const m = body as Parsed<"cancel-all">;
      const r = await hub.cancelAll(g, pid, m.securityId);
      return r.ok
        ? {
            ok: true,
            type,
            ...refField(ref),
            seq: r.lastSeq,
            cancelledOrderIds: r.cancelledOrderIds,
            truncated: r.truncated,
          }
        : rejected(type, ref, r);
    }
    case "amend": {
      const { ref: _r, ...a } = body as Parsed<"amend">;
      const r = await hub.amend(g, pid, a);
      return r.ok
        ? {
            ok: true,
            type,
            ...refField(ref),
            seq: r.lastSeq,
            amended: r.amended,
            fills: r.fills,
            ...(r.order ? { order: r.order } : {}),
          }
        : rejected(type, ref, r);
    }
    case "place-stop":
    case "cancel-stop":
    case "set-exits":
      return runStopCommand(hub, g, pid, type, body, ref);
  }
}

/**
 * A "place-batch" of player `pid`: the list is checked first (1..MAX_BATCH_ORDERS; else one
 * INVALID_MESSAGE for the whole batch, nothing placed); then each order is validated on its own (an
 * invalid one gets INVALID_MESSAGE in its slot) and the valid ones are submitted in the batch's order
 * without waiting for each other, so they share the writer's group commits. Errors thrown by the path
 * (UNAVAILABLE, INTERNAL_ERROR) become that order's result. Never throws.
 */
export async function placeBatch(
  hub: GameHub,
  g: string,
  pid: string,
  body: unknown,
  onFailure: (err: unknown) => void,
): Promise<BatchAck | CommandReply> {
  const ref = refOf(body);
  const batch = PlaceBatchMessage.safeParse(body);
  if (!batch.success) return invalid(PLACE_BATCH, ref, batch);
  const results = batch.data.orders.map((o): Promise<CommandReply> | CommandReply => {
    const oref = refOf(o);
    const parsed = RoomMessageSchemas.place.safeParse(o);
    if (!parsed.success) return invalid("place", oref, parsed);
    return trade(hub, g, pid, "place", parsed.data, oref).catch((err: unknown) => {
      onFailure(err);
      const e = asApiError(err);
      return error("place", oref, e.code, e.code === "UNAVAILABLE" ? e.message : "the command failed on the server");
    });
  });
  const replies = await Promise.all(results);
  for (const r of replies) if ("ref" in r && r.ref === undefined) delete r.ref; // stop commands' replies
  return { ok: true, type: PLACE_BATCH, ...(ref !== undefined ? { ref } : {}), results: replies };
}
