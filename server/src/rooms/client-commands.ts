/**
 * A room client's commands, from the message to the reply (GameRoom wires the messages here): the role
 * check (READ_ONLY for admin and observer sessions), the round's trading channel rule
 * (CHANNEL_NOT_ALLOWED), the message's schema (INVALID_MESSAGE), then the game's writer through the
 * hub (room-commands.ts trade / placeBatch). Replies: the `room.request()` response, or after
 * `room.send()` a "reply" / "replies" message (acks.ts). Never throws: a failure of the path becomes
 * UNAVAILABLE (Valkey down) or INTERNAL_ERROR (logged). Room-level rejections are counted here; the
 * engine's are counted by the hub.
 *
 * Cost (issue 13): the channel rule is read without a wait when it is remembered (almost always), so
 * a command's path has no more awaits than its trip to the writer needs.
 */
import {
  PLACE_BATCH,
  ROOM_COMMANDS,
  RoomMessageSchemas,
  type AnyErrorCode,
  type BatchAck,
  type CommandReply,
  type RoomCommand,
} from "@marketroom/shared";
import type { Logger } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import type { GameService } from "../game/service.ts";
import { asApiError } from "../game/errors.ts";
import { entersOrders } from "../game/stop-commands.ts";
import { channelRefusal, knownChannelRefusal, type ChannelNotAllowed } from "../rounds/trading-channels.ts";
import { AckQueue } from "./acks.ts";
import { socketOf, TurnCork, type UncorkSlicer } from "./cork.ts";
import { error, invalid, placeBatch, refOf, trade } from "./room-commands.ts";

/** What the command path needs of the process. */
export interface CommandDeps {
  service: GameService;
  metrics: Metrics;
  log: Logger;
}

/** What the command path needs of a Colyseus client (its identity from onAuth; `send` for acks). */
export interface CommandClient {
  auth?: { role: "player" | "admin" | "observer"; playerId?: string };
  send(type: string, message: unknown): void;
}

export class ClientCommands {
  /** Replies to room.send() commands, coalesced per turn of the event loop. */
  private readonly acks: AckQueue;
  private readonly turn: TurnCork; // request replies of one turn: one write per client (cork.ts)

  /** `slicer`: the room's patch tick slicer; a client's reply makes it write that client's socket at once (cork.ts). */
  constructor(
    private readonly deps: CommandDeps,
    private readonly gameId: string,
    slicer?: UncorkSlicer,
  ) {
    this.acks = new AckQueue(slicer && ((c) => slicer.hurry(socketOf(c))));
    this.turn = new TurnCork(slicer);
  }

  /** Runs a command and replies; never throws. `requestId` is undefined for send() (reply by message). */
  async command(
    client: CommandClient,
    type: RoomCommand,
    body: unknown,
    requestId: number | undefined,
  ): Promise<CommandReply> {
    const ref = refOf(body);
    let reply: CommandReply;
    try {
      reply = await this.execute(client, type, body, ref);
    } catch (err) {
      const e = asApiError(err); // UNAVAILABLE when Valkey is down, else INTERNAL_ERROR
      if (e.code === "UNAVAILABLE")
        this.deps.log.warn({ err: String(err), gameId: this.gameId, type }, "command failed: dependency unavailable");
      else this.deps.log.error({ err, gameId: this.gameId, type }, "command failed");
      reply = error(type, ref, e.code, e.code === "UNAVAILABLE" ? e.message : "the command failed on the server");
    }
    if ("ref" in reply && reply.ref === undefined) delete reply.ref; // the stop commands' replies (game/stop-commands.ts)
    return this.answer(client, type, reply, requestId);
  }

  /** A "place-batch" (room-commands.ts placeBatch); replies like command(). */
  async batch(client: CommandClient, body: unknown, requestId: number | undefined): Promise<BatchAck | CommandReply> {
    const auth = client.auth!;
    const ref = refOf(body);
    let reply: BatchAck | CommandReply;
    try {
      const refused = auth.role === "player" ? await this.channelRule() : null;
      if (auth.role !== "player") reply = error(PLACE_BATCH, ref, "READ_ONLY", `${auth.role} sessions cannot trade`);
      else if (refused) reply = error(PLACE_BATCH, ref, refused.code, refused.message);
      else
        reply = await placeBatch(this.deps.service.hub, this.gameId, auth.playerId!, body, (err) =>
          this.deps.log.warn({ err: String(err), gameId: this.gameId }, "batch order failed"),
        );
    } catch (err) {
      const e = asApiError(err);
      reply = error(
        PLACE_BATCH,
        ref,
        e.code,
        e.code === "UNAVAILABLE" ? e.message : "the command failed on the server",
      );
    }
    return this.answer(client, PLACE_BATCH, reply, requestId);
  }

  /** UNKNOWN_MESSAGE for a message type without a handler (GameRoom.answerUnknownTypes). */
  unknownType(client: CommandClient, type: string, body: unknown, requestId: number | undefined): CommandReply {
    const shown = type.length <= 64 ? type : `${type.slice(0, 64)}…`;
    const reply = error(
      shown,
      refOf(body),
      "UNKNOWN_MESSAGE",
      `no message type ${JSON.stringify(shown)} (${ROOM_COMMANDS.join(", ")})`,
    );
    this.countRoomReject("unknown", "UNKNOWN_MESSAGE");
    if (requestId === undefined) this.acks.push(client, reply);
    return reply;
  }

  /**
   * A command of `playerId` from server code that is not a connected client (GameRoom.submit): the same
   * schemas, path and replies as a client's message. Errors as replies: INVALID_MESSAGE, and every code
   * of the engine (UNKNOWN_PLAYER for a stranger).
   */
  async submit(playerId: string, type: RoomCommand, body: unknown): Promise<CommandReply> {
    const ref = refOf(body);
    const parsed = RoomMessageSchemas[type]?.safeParse(body);
    if (!parsed?.success) return invalid(type, ref, parsed);
    try {
      return await trade(this.deps.service.hub, this.gameId, playerId, type, parsed.data, ref);
    } catch (err) {
      const e = asApiError(err);
      return error(type, ref, e.code, e.message);
    }
  }

  /** Counts a room-level rejection and sends the reply of a send() (a request's goes back through Colyseus). */
  private answer<R extends CommandReply | BatchAck>(
    client: CommandClient,
    type: string,
    reply: R,
    requestId: number | undefined,
  ): R {
    if (!reply.ok) this.countRoomReject(type, reply.code);
    if (requestId === undefined) this.acks.push(client, reply);
    else this.turn.hold(client); // Colyseus sends the reply in this turn
    return reply;
  }

  /** The reply, directly when it needs no wait before the trip to the writer. */
  private execute(
    client: CommandClient,
    type: RoomCommand,
    body: unknown,
    ref: string | undefined,
  ): CommandReply | Promise<CommandReply> {
    const auth = client.auth!;
    if (auth.role !== "player") return error(type, ref, "READ_ONLY", `${auth.role} sessions cannot trade`);
    if (type !== "place" && type !== "amend" && !entersOrders(type)) return this.enter(auth.playerId!, type, body, ref);
    const refused = this.channelRule();
    return refused instanceof Promise
      ? refused.then((r) => this.enter(auth.playerId!, type, body, ref, r))
      : this.enter(auth.playerId!, type, body, ref, refused);
  }

  private enter(
    playerId: string,
    type: RoomCommand,
    body: unknown,
    ref: string | undefined,
    refused: ChannelNotAllowed | null = null,
  ): CommandReply | Promise<CommandReply> {
    if (refused) return error(type, ref, refused.code, refused.message);
    const parsed = RoomMessageSchemas[type].safeParse(body);
    if (!parsed.success) return invalid(type, ref, parsed);
    return trade(this.deps.service.hub, this.gameId, playerId, type, parsed.data, ref);
  }

  /** The browser channel's refusal (null = allowed); no wait when the round's rule is remembered. */
  private channelRule(): ChannelNotAllowed | null | Promise<ChannelNotAllowed | null> {
    const known = knownChannelRefusal(this.gameId, "browser");
    return known !== undefined ? known : channelRefusal(this.deps.service.store, this.gameId, "browser");
  }

  /** Engine rejections are counted by the hub; room-level ones here. */
  private countRoomReject(type: string, code: AnyErrorCode): void {
    if (
      code === "INVALID_MESSAGE" ||
      code === "READ_ONLY" ||
      code === "INTERNAL_ERROR" ||
      code === "UNAVAILABLE" ||
      code === "UNKNOWN_MESSAGE"
    ) {
      this.deps.metrics.rejects.inc({ command: type, code });
    }
  }
}
