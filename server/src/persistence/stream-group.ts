/**
 * The persister's side of a game's event stream (`game:{<id>}:events`) and its consumer group: reading
 * entries (XREADGROUP, XAUTOCLAIM replies), acknowledging them, and trimming what every group has
 * acknowledged. Entry ids are '<seq>-0' (engine/stream-entries.ts); ids compare numerically.
 *
 * Errors: whatever the Valkey client throws (connection lost, NOGROUP); a pipeline throws its first error.
 */
import type { Redis } from "iovalkey";
import { entryData } from "../engine/stream-entries.ts";

/** One stream entry as read: `data` is null when the entry was deleted while pending. */
export interface Entry {
  key: string;
  gameId: string;
  id: string;
  data: string | null;
}

/** An XREADGROUP reply: [key, [id, fields | null][]][], or null when nothing came. */
export type StreamReply = [string, [string, string[] | null][]][] | null;

/** The game id of a stream key: the text inside its hash tag `{...}`. */
export const gameOfKey = (key: string) => key.slice(key.indexOf("{") + 1, key.lastIndexOf("}"));

/** Stream replies -> entries (game id from the key's hash tag). */
export function toEntries(reply: StreamReply): Entry[] {
  const out: Entry[] = [];
  for (const [key, rows] of reply ?? []) {
    const gameId = gameOfKey(key);
    for (const [id, fields] of rows) out.push({ key, gameId, id, data: entryData(fields) });
  }
  return out;
}

/** XACK `entries`, one XACK per stream, in one pipeline. */
export async function ackEntries(conn: Redis, group: string, entries: Entry[]): Promise<void> {
  const byKey = new Map<string, string[]>();
  for (const e of entries) (byKey.get(e.key) ?? byKey.set(e.key, []).get(e.key)!).push(e.id);
  const pipe = conn.pipeline();
  for (const [key, ids] of byKey) pipe.xack(key, group, ...ids);
  throwFirst(await pipe.exec());
}

/**
 * Trims each stream below the oldest entry some consumer group still needs: its oldest pending
 * entry, else the first it has not been delivered. last-delivered-id is read before the pending
 * list, so an entry delivered in between shows up as pending and is kept.
 */
export async function trimAcknowledged(conn: Redis, keys: string[]): Promise<void> {
  const infoPipe = conn.pipeline();
  for (const k of keys) infoPipe.xinfo("GROUPS", k);
  const infos = throwFirst(await infoPipe.exec()).map((r) => parseGroups(r as unknown[][]));
  const pendPipe = conn.pipeline();
  keys.forEach((k, i) => {
    for (const g of infos[i]!) pendPipe.xpending(k, g.name);
  });
  const pend = throwFirst(await pendPipe.exec()) as [number, string | null, string | null, unknown][];
  const trimPipe = conn.pipeline();
  let j = 0;
  keys.forEach((k, i) => {
    let floor: string | undefined;
    for (const g of infos[i]!) {
      const [count, minPending] = pend[j++]!;
      let need = nextId(g.lastDelivered);
      if (count > 0 && minPending && compareIds(minPending, need) < 0) need = minPending;
      if (floor === undefined || compareIds(need, floor) < 0) floor = need;
    }
    if (floor !== undefined) trimPipe.xtrim(k, "MINID", floor);
  });
  throwFirst(await trimPipe.exec());
}

/** XINFO GROUPS (RESP2 flat arrays) -> name and last-delivered-id of each group. */
function parseGroups(reply: unknown[][]): { name: string; lastDelivered: string }[] {
  return reply.map((flat) => {
    const m = new Map<string, unknown>();
    for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
    return { name: String(m.get("name")), lastDelivered: String(m.get("last-delivered-id")) };
  });
}

/** Stream ids 'ms-seq' compared numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}

/** The smallest id after `id`. */
function nextId(id: string): string {
  const [ms, seq] = id.split("-").map(Number) as [number, number];
  return `${ms}-${seq + 1}`;
}

/** Pipeline replies -> results; throws the first error. */
export function throwFirst(replies: [Error | null, unknown][] | null): unknown[] {
  return (replies ?? []).map(([err, res]) => {
    if (err) throw err;
    return res;
  });
}
