/**
 * The entries of a game's event stream `game:{g}:events` (written by lua/commands/commit-n.lua, one
 * entry per committed batch; docs/commit.md "Stream entries"):
 *
 *   id     '<seq of the entry's last event>-0'
 *   field  data = the events' JSON texts in seq order, joined by '\n' (JSON text has no raw newline)
 *
 * An entry holding one event is the same format with one text, so entries written one event at a time
 * (before the batch format, or by tests) read the same way. Reading "from seq s" starts at the entry id
 * `<s>-0`: the first entry whose last event is at or after s, which holds s.
 */
import { parseEvent, type EngineEvent } from "@marketroom/shared";
import type { Redis } from "iovalkey";
import { eventsKey } from "./keys.ts";

/** The JSON texts of one entry's `data` field, in order ([] for an empty field). */
export function entryTexts(data: string): string[] {
  return data === "" ? [] : data.split("\n");
}

/** The `data` field of an entry's flat [field, value, ...] list, or null when it has none. */
export function entryData(fields: readonly string[] | null | undefined): string | null {
  if (!fields) return null;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "data") return fields[i + 1]!;
  return null;
}

/**
 * Events with fromSeq <= seq <= toSeq (toSeq absent: to the end) of the game's stream, in order, at most
 * `count`, parsed and upgraded by the shared schema (parseEvent). Throws ZodError (or SyntaxError) for a
 * text that is not an event, and whatever the client throws when Valkey cannot be reached.
 */
export async function readStreamEvents(
  client: Redis,
  gameId: string,
  fromSeq = 1,
  toSeq?: number,
  count = 10_000,
): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  let start = `${fromSeq}-0`;
  for (;;) {
    // an entry holds at least one event, so `want` entries hold at least the events still wanted
    // (only the first entry can hold events before fromSeq)
    const want = count - out.length;
    const rows = await client.xrange(eventsKey(gameId), start, "+", "COUNT", want);
    for (const [, fields] of rows) {
      for (const text of entryTexts(entryData(fields) ?? "")) {
        const e = parseEvent(text);
        if (e.seq < fromSeq) continue;
        if (toSeq !== undefined && e.seq > toSeq) return out;
        out.push(e);
        if (out.length >= count) return out;
      }
    }
    if (rows.length < want) return out;
    start = `(${rows[rows.length - 1]![0]}`;
  }
}
