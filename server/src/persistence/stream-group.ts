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

/** A stream after a batch's acks: its consumer groups (name, last-delivered-id) and `group`'s XPENDING summary. */
export interface Inspected {
  key: string;
  groups: { name: string; lastDelivered: string }[];
  own: PendingSummary;
}

/** XPENDING's summary: [count, smallest pending id, largest pending id, per-consumer counts]. */
type PendingSummary = [number, string | null, string | null, unknown];

/**
 * XACK `entries` (one XACK per stream) and read what trimming `keys` needs, in one round trip: after the
 * acks, XINFO GROUPS of each key and XPENDING of `group` on it. trimStreams then trims them.
 */
export async function ackAndInspect(
  conn: Redis,
  group: string,
  entries: Entry[],
  keys: string[],
): Promise<Inspected[]> {
  const byKey = new Map<string, string[]>();
  for (const e of entries) (byKey.get(e.key) ?? byKey.set(e.key, []).get(e.key)!).push(e.id);
  const pipe = conn.pipeline();
  for (const [key, ids] of byKey) pipe.xack(key, group, ...ids);
  for (const k of keys) pipe.xinfo("GROUPS", k).xpending(k, group);
  const replies = throwFirst(await pipe.exec()).slice(byKey.size);
  return keys.map((key, i) => ({
    key,
    groups: parseGroups(replies[2 * i] as unknown[][]),
    own: replies[2 * i + 1] as PendingSummary,
  }));
}

/**
 * Trims each inspected stream below the oldest entry some consumer group still needs: its oldest pending
 * entry, else the first it has not been delivered. The other groups' pending lists (rarely any: a second
 * group is a migration or a test) are read in one more round trip. last-delivered-id was read before the
 * pending lists, so an entry delivered in between shows up as pending and is kept.
 */
export async function trimStreams(conn: Redis, group: string, streams: Inspected[]): Promise<void> {
  const others = streams.flatMap((s) => s.groups.filter((g) => g.name !== group).map((g) => ({ key: s.key, g })));
  const pend = new Map<string, PendingSummary>();
  if (others.length) {
    const pipe = conn.pipeline();
    for (const { key, g } of others) pipe.xpending(key, g.name);
    const replies = throwFirst(await pipe.exec()) as PendingSummary[];
    others.forEach(({ key, g }, i) => pend.set(`${key}\n${g.name}`, replies[i]!));
  }
  const trimPipe = conn.pipeline();
  for (const s of streams) {
    let floor: string | undefined;
    for (const g of s.groups) {
      const [count, minPending] = g.name === group ? s.own : (pend.get(`${s.key}\n${g.name}`) ?? [0, null]);
      let need = nextId(g.lastDelivered);
      if (count > 0 && minPending && compareIds(minPending, need) < 0) need = minPending;
      if (floor === undefined || compareIds(need, floor) < 0) floor = need;
    }
    if (floor !== undefined) trimPipe.xtrim(s.key, "MINID", floor);
  }
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
