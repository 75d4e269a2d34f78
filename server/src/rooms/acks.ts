/**
 * Coalesced replies to commands sent with `room.send()` (docs/api.md "Room messages"): the replies a
 * client's commands get in one turn of the event loop (the commands of one group commit resolve
 * together) go out as one message after that turn: "reply" with the reply itself when there is one,
 * "replies" `{ replies: [...] }` in completion order when there are several. No reply waits for the
 * patch tick: the turn ends right after the commit that answered it.
 */
import { REPLIES_MESSAGE, REPLY_MESSAGE, type BatchAck, type CommandReply } from "@marketroom/shared";

/** What AckQueue needs of a Colyseus client. */
export interface AckTarget {
  send(type: string, message: unknown): void;
}

type AnyReply = CommandReply | BatchAck;

export class AckQueue {
  private readonly waiting = new Map<AckTarget, AnyReply[]>();
  private scheduled = false;

  /** `sent`: called after each client's message went out (the room hurries its tick slicer: cork.ts). */
  constructor(private readonly sent?: (client: AckTarget) => void) {}

  /** Queues `reply` for `client`; it is sent at the end of this turn of the event loop. */
  push(client: AckTarget, reply: AnyReply): void {
    const list = this.waiting.get(client);
    if (list) list.push(reply);
    else this.waiting.set(client, [reply]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends everything queued (one message per client). */
  flush(): void {
    this.scheduled = false;
    for (const [client, list] of this.waiting) {
      if (list.length === 1) client.send(REPLY_MESSAGE, list[0]);
      else client.send(REPLIES_MESSAGE, { replies: list });
      this.sent?.(client);
    }
    this.waiting.clear();
  }
}
