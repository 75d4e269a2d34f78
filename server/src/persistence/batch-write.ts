/**
 * One persister batch in one PostgreSQL transaction: the events that are new go into `events` by COPY,
 * and each game's derived rows move forward through the projection (projection.ts), exactly once.
 *
 *   1. lock the watermark (`event_projection`) of every game of the batch, in game id order
 *   2. find which of the batch's events are already stored: every seq <= applied_seq is (it was derived,
 *      so it was stored), and above it one index range scan per game finds rows stored behind a gap
 *   3. COPY the rest into `events` (the entry's JSON text as logged, not re-encoded)
 *   4. project each game from its locked watermark, in game id order
 *
 * The lock makes steps 2-3 safe against another persister writing the same game: it waits for the lock
 * and then sees this transaction's rows. A redelivered event (a kill after COMMIT, before XACK) is found
 * in step 2 and counted as a duplicate. Units: seq is the game's event number, ts in ms.
 *
 * Errors: whatever pg throws; the transaction is rolled back and nothing of the batch is stored.
 */
import { sql, type Transaction } from "kysely";
import type { EngineEvent } from "@marketroom/shared";
import type { Database, Db } from "./db.ts";
import { copyLine, copyText, withCopyTransaction } from "./copy.ts";
import { lockWatermarks, projectGame, type Projected, type ScaleCache, type Watermark } from "./projection.ts";

/** An event to store: its game, its JSON text as logged (`raw`), and the parsed, upgraded event. */
export interface BatchEvent {
  gameId: string;
  raw: string;
  event: EngineEvent;
}

/** What one batch transaction did: event rows inserted, and each game's projection. */
export interface BatchWritten {
  inserted: number;
  projected: Projected[];
}

/** Columns of `events` written by COPY (sql/001_init.sql; persisted_at takes its default). */
const EVENT_COLUMNS = ["game_id", "seq", "type", "ts", "data"] as const;

/**
 * Stores `events` (any games, any order, duplicates allowed) and projects them, in one transaction.
 * `beforeCommit` runs last inside it (the persister's test hook: throwing there rolls everything back).
 */
export async function writeBatch(
  db: Db,
  events: BatchEvent[],
  scales: ScaleCache,
  beforeCommit: () => void = () => {},
): Promise<BatchWritten> {
  const byGame = new Map<string, BatchEvent[]>();
  for (const e of events) (byGame.get(e.gameId) ?? byGame.set(e.gameId, []).get(e.gameId)!).push(e);
  const games = [...byGame.keys()].sort();
  return withCopyTransaction(db, async (trx, client) => {
    const marks = await lockWatermarks(trx, games);
    const fresh = await newEvents(trx, byGame, marks);
    const inserted = await copyText(
      client,
      "events",
      EVENT_COLUMNS,
      fresh.map((e) => copyLine([e.gameId, e.event.seq, e.event.type, e.event.ts, e.raw])).join(""),
    );
    const projected: Projected[] = [];
    for (const g of games) {
      const batch = byGame.get(g)!.map((e) => e.event);
      projected.push(await projectGame(trx, g, batch, scales, marks.get(g)!, client));
    }
    beforeCommit();
    return { inserted, projected };
  });
}

/**
 * The events of the batch not yet in `events`, one per (game, seq) (the first of duplicates): those above
 * the game's watermark whose seq no stored row has. One query for the whole batch.
 */
async function newEvents(
  trx: Transaction<Database>,
  byGame: Map<string, BatchEvent[]>,
  marks: Map<string, Watermark>,
): Promise<BatchEvent[]> {
  const candidates = new Map<string, Map<number, BatchEvent>>();
  const ranges: { game: string; after: number; upTo: number }[] = [];
  for (const [game, list] of byGame) {
    const after = marks.get(game)?.appliedSeq ?? 0;
    const bySeq = new Map<number, BatchEvent>();
    let upTo = after;
    for (const e of list) {
      const seq = e.event.seq;
      if (seq <= after || bySeq.has(seq)) continue;
      bySeq.set(seq, e);
      if (seq > upTo) upTo = seq;
    }
    if (!bySeq.size) continue;
    candidates.set(game, bySeq);
    ranges.push({ game, after, upTo });
  }
  if (!ranges.length) return [];
  const stored = await sql<{ game_id: string; seq: number }>`
    SELECT e.game_id, e.seq
    FROM unnest(${ranges.map((r) => r.game)}::text[], ${ranges.map((r) => r.after)}::bigint[], ${ranges.map((r) => r.upTo)}::bigint[]) AS r(game_id, after_seq, up_to)
    JOIN events e ON e.game_id = r.game_id AND e.seq > r.after_seq AND e.seq <= r.up_to`.execute(trx);
  for (const row of stored.rows) candidates.get(row.game_id)?.delete(row.seq);
  return [...candidates.values()].flatMap((m) => [...m.values()]);
}
