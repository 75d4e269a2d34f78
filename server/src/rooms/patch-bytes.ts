/**
 * A patch tick's bytes of its own (issue 13, rooms/cork.ts). Colyseus encodes a tick's patch into the
 * encoder's shared buffer and hands every client a view of it; ws writes that view to the socket without
 * copying. While a socket is held by the tick slicer (UncorkSlicer), or its kernel buffer is full, the
 * view waits in the socket's queue, and the next tick's encode would overwrite those bytes: the client
 * would get a corrupt patch ("refId not found" in the SDK). So each patch is copied once, right after
 * it is encoded (a few KB per tick, once for all clients).
 */

/** The part of a Colyseus SchemaSerializer this needs (`Room._serializer`). */
interface PatchEncoder {
  encode: (...args: never[]) => Uint8Array;
  [OWN]?: true;
}
interface Serializer {
  encoder?: PatchEncoder;
}

const OWN = Symbol("patch bytes copied");

/**
 * Makes `room`'s patch encoder return a copy of each patch instead of a view of its shared buffer
 * (idempotent; a new encoder, after the room's state is replaced, is wrapped on the next call).
 */
export function ownPatchBytes(room: object): void {
  const enc = (room as { _serializer?: Serializer })._serializer?.encoder;
  if (!enc || enc[OWN] || typeof enc.encode !== "function") return;
  const encode = enc.encode.bind(enc);
  enc.encode = (...args: never[]) => new Uint8Array(encode(...args));
  enc[OWN] = true;
}
