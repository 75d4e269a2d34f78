/**
 * Reading a game's persisted event log (PostgreSQL `events`, the record for replay and exports): events
 * are parsed and upgraded here, once, as they are read (shared parseEvent), and folded through the core
 * (core/fold.ts). Units as in the events: ticks, lots, minor units, ms.
 */
import { parseEvent, type EngineEvent } from "@marketroom/shared";
import { GameFold } from "../core/fold.ts";
import type { Db } from "../persistence/db.ts";

const PAGE = 10_000;

/** Up to `limit` stored events of `gameId` with seq > after, in seq order, parsed. Throws ZodError on a malformed one. */
export async function storedEvents(db: Db, gameId: string, after: number, limit = PAGE): Promise<EngineEvent[]> {
  const rows = await db
    .selectFrom("events")
    .select(["seq", "data"])
    .where("game_id", "=", gameId)
    .where("seq", ">", after)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((r) => parseEvent(r.data));
}

/** The fold of the stored events 1..uptoSeq of `gameId`. Throws FoldError when they are not contiguous. */
export async function foldStoredLog(db: Db, gameId: string, uptoSeq: number): Promise<GameFold> {
  const fold = new GameFold();
  while (fold.seq < uptoSeq) {
    const page = await storedEvents(db, gameId, fold.seq, Math.min(PAGE, uptoSeq - fold.seq));
    for (const e of page) fold.apply(e);
    if (page.length === 0) throw new Error(`game ${gameId}: the stored log ends at seq ${fold.seq}, before ${uptoSeq}`);
  }
  return fold;
}
