/**
 * A game's event log up to a seq, for rebuilding a room's model (GameService.snapshot): every event from
 * seq 1, parsed and upgraded once here (shared parseEvent), in seq order.
 *
 * Events live in two places: PostgreSQL `events` holds what a persister has written, and the Valkey stream
 * `game:{g}:events` holds what is not yet persisted (the persister trims only after its commit). So the
 * union is complete: PostgreSQL first, then the stream for every seq PostgreSQL does not have, then
 * PostgreSQL again for what a persister moved meanwhile.
 *
 * Errors: throws when some seq in 1..uptoSeq is in neither place (a broken log).
 */
import { parseEvent, type EngineEvent } from "@marketroom/shared";
import type { GameWriters as Engine } from "../engine/writers.ts";
import type { Db } from "../persistence/db.ts";

const PAGE = 10_000;

/** Events afterSeq+1..uptoSeq of `gameId` (see module doc; afterSeq 0 = the whole log). */
export async function readGameLog(
  engine: Pick<Engine, "events">,
  db: Db | undefined,
  gameId: string,
  uptoSeq: number,
  afterSeq = 0,
): Promise<EngineEvent[]> {
  const bySeq = new Map<number, EngineEvent>();
  if (db) {
    for (let after = afterSeq; after < uptoSeq;) {
      const rows = await db
        .selectFrom("events")
        .select(["seq", "data"])
        .where("game_id", "=", gameId)
        .where("seq", ">", after)
        .where("seq", "<=", uptoSeq)
        .orderBy("seq")
        .limit(PAGE)
        .execute();
      for (const r of rows) bySeq.set(Number(r.seq), parseEvent(r.data));
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }
  let from = afterSeq + 1;
  while (bySeq.has(from)) from++;
  while (from <= uptoSeq) {
    const page = await engine.events(gameId, from, uptoSeq, PAGE);
    for (const e of page) if (!bySeq.has(e.seq)) bySeq.set(e.seq, parseEvent(e));
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.seq + 1;
  }
  // A persister may have moved events from the stream to PostgreSQL between the two reads (it writes
  // PostgreSQL before it trims the stream), so whatever is still missing is read from PostgreSQL again.
  const missing: number[] = [];
  for (let s = afterSeq + 1; s <= uptoSeq; s++) if (!bySeq.has(s)) missing.push(s);
  if (db && missing.length > 0) {
    const rows = await db
      .selectFrom("events")
      .select(["seq", "data"])
      .where("game_id", "=", gameId)
      .where("seq", ">=", missing[0]!)
      .where("seq", "<=", missing[missing.length - 1]!)
      .execute();
    for (const r of rows) if (!bySeq.has(Number(r.seq))) bySeq.set(Number(r.seq), parseEvent(r.data));
  }
  const out: EngineEvent[] = [];
  for (let s = afterSeq + 1; s <= uptoSeq; s++) {
    const e = bySeq.get(s);
    if (!e) throw new Error(`the log of game ${gameId} has no event ${s} (neither in PostgreSQL nor in the stream)`);
    out.push(e);
  }
  return out;
}
