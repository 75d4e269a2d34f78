/**
 * One persister batch in one PostgreSQL transaction: the events that are new go into `events` by COPY,
 * and each game's derived rows move forward through the projection (projection.ts), exactly once.
 *
 *   1. one round trip (`open`): BEGIN, lock the watermark (`event_projection`) of every game of the batch,
 *      in game id order; find which of the batch's events are already stored (every seq <= applied_seq
 *      is, since it was derived; above it one index range scan per game finds rows stored behind a gap);
 *      read the orders the batch's events change
 *   2. project each game from its locked watermark, in game id order (in memory; game, security and
 *      player rows, rare, are written at once)
 *   3. one round trip (copyQuery): COPY the rest of the events into `events` (the entry's JSON text as
 *      logged, not re-encoded), COPY the new orders, COPY the fills (all games' rows in one COPY each),
 *      the changed orders' update, the watermarks, COMMIT
 *
 * So a batch is 2 round trips (plus one per kind of rare row such as a new player; and when another
 * consumer stored events behind a gap, the events are copied first and those stored ones read back),
 * where it was about 12 (docs/persistence.md "Round trips per batch").
 *
 * The lock makes steps 2-3 safe against another persister writing the same game: it waits for the lock
 * and then sees this transaction's rows. A redelivered event (a kill after COMMIT, before XACK) is found
 * in step 1 and counted as a duplicate. Units: seq is the game's event number, ts in ms.
 *
 * Errors: whatever pg throws; the transaction is rolled back and nothing of the batch is stored.
 */
import type pg from "pg";
import type { EngineEvent } from "@marketroom/shared";
import type { Db, OrderRow } from "./db.ts";
import { copyEscape, copyQuery, copyStatement, sqlArray, sqlInt, sqlText, withConnection } from "./copy.ts";
import { FILL_COLUMN_NAMES, ORDER_COLUMN_NAMES } from "./columns.ts";
import {
  orderKey,
  projectGame,
  readsStoredTail,
  touchedOrders,
  type PendingRows,
  type Prefetched,
  type Projected,
  type ScaleCache,
  type Watermark,
} from "./projection.ts";

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

/** What the opening round trip read, per game: the locked watermark, seqs already stored above it, orders read ahead. */
interface Opened {
  marks: Map<string, Watermark>;
  stored: Map<string, Set<number>>;
  orders: Map<string, Prefetched>;
}

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
  return withConnection(db, async (q, client) => {
    const opened = await open(client, byGame);
    const eventLines = eventCopyLines(newEvents(byGame, opened));
    // A projection that reads stored events back must see this batch's among them: COPY them first.
    const readsBack = games.some((g) =>
      readsStoredTail(batchOf(byGame, g), opened.marks.get(g)!, opened.stored.get(g)!),
    );
    const inserted = readsBack ? await copyEvents(client, eventLines) : 0;
    const projected: Projected[] = [];
    const pending: [string, PendingRows][] = [];
    for (const g of games) {
      const start = opened.marks.get(g)!;
      const done = await projectGame(
        q,
        g,
        batchOf(byGame, g),
        scales,
        start,
        opened.stored.get(g)!,
        opened.orders.get(g)!,
      );
      projected.push(done.projected);
      pending.push([g, done.pending]);
    }
    const copies: [string, string][] = [
      [copyStatement("events", EVENT_COLUMNS), readsBack ? "" : eventLines],
      [copyStatement("orders", ORDER_COLUMN_NAMES), pending.map(([, p]) => p.orderLines).join("")],
      [copyStatement("fills", FILL_COLUMN_NAMES), pending.map(([, p]) => p.fillLines).join("")],
    ].filter(([, text]) => text !== "") as [string, string][];
    beforeCommit();
    const counts = await copyQuery(
      client,
      [...copies.map(([statement]) => statement), ...closing(pending)],
      copies.map(([, text]) => text),
    );
    return { inserted: readsBack ? inserted : eventLines ? counts[0]! : 0, projected };
  });
}

/**
 * The events' rows of `events` in COPY text (EVENT_COLUMNS), built directly: the game id escaped once per
 * game, seq and ts integers, the type a schema enum (no character COPY escapes), the JSON text as logged.
 */
function eventCopyLines(events: BatchEvent[]): string {
  let text = "";
  let game = "";
  let escaped = "";
  for (const e of events) {
    if (e.gameId !== game) {
      game = e.gameId;
      escaped = copyEscape(game);
    }
    text += `${escaped}\t${sqlInt(e.event.seq)}\t${copyEscape(e.event.type)}\t${sqlInt(e.event.ts)}\t${copyEscape(e.raw)}\n`;
  }
  return text;
}

const batchOf = (byGame: Map<string, BatchEvent[]>, g: string) => byGame.get(g)!.map((e) => e.event);

/** COPY `lines` into `events` alone (one round trip inside the open transaction). Returns rows copied. */
async function copyEvents(client: pg.PoolClient, lines: string): Promise<number> {
  if (!lines) return 0;
  return (await copyQuery(client, [copyStatement("events", EVENT_COLUMNS)], [lines]))[0] ?? 0;
}

/**
 * Planner settings for the rest of the batch transaction (SET LOCAL: they end with it). Every statement
 * of a batch reads or writes rows by key: a few to a few thousand keys against tables that only grow.
 * The plan that stays right whatever the table's size and statistics is a nested loop of primary-key
 * probes (about 4 buffer hits a key); left to itself, on a young table with no statistics yet (no
 * autovacuum ANALYZE) the planner joined the orders lookup's keys by a hash join over a sequential scan
 * of `orders`, or probed `orders_player` on (game_id, security_id) and filtered order_id: 3.4 ms a key
 * with one security, most of PostgreSQL's CPU in `npm run bench:e2e` (docs/persistence.md "Stop 19").
 */
const KEYED_PLANS = [
  "SET LOCAL enable_seqscan = off",
  "SET LOCAL enable_hashjoin = off",
  "SET LOCAL enable_mergejoin = off",
];

/**
 * The transaction's first round trip, one multi-statement simple query (literals, no parameters; each
 * statement takes its own snapshot, so each sees what the one before it waited for):
 *   BEGIN; the planner settings (KEYED_PLANS);
 *   create the games' watermark rows where missing and lock them, in game id order (so two transactions
 *     never lock in opposite orders), returning each watermark: INSERT ... ON CONFLICT DO UPDATE locks the
 *     row like FOR UPDATE and returns its latest committed values;
 *   the seqs already in `events` above each watermark, up to the batch's last seq + 1 (or the watermark + 1):
 *     every seq <= applied_seq is stored (it was derived), and above it another consumer may have stored
 *     rows behind a gap. One index range scan per game;
 *   the orders the batch's events change but do not accept (loaded here instead of in the projection;
 *     orders are written only under the watermark lock, so the rows are current).
 */
async function open(client: pg.PoolClient, byGame: Map<string, BatchEvent[]>): Promise<Opened> {
  const games = [...byGame.keys()];
  const upTo = games.map((g) => byGame.get(g)!.reduce((m, e) => Math.max(m, e.event.seq), 0));
  const keys: [string, number, number][] = [];
  for (const g of games) {
    // Orders the batch accepts are not looked up: their rows exist only if the acceptance was already
    // applied (a redelivery), and then the projection reads them itself (it reads any key not looked up here).
    const batch = byGame.get(g)!.map((e) => e.event);
    const accepted = new Set(
      batch.flatMap((e) => (e.type === "order_accepted" ? [orderKey(e.securityId, e.orderId)] : [])),
    );
    for (const [s, o] of touchedOrders(batch)) if (!accepted.has(orderKey(s, o))) keys.push([g, s, o]);
  }
  const gameArray = sqlArray(games, "text");
  const statements = [
    "BEGIN",
    ...KEYED_PLANS,
    `INSERT INTO event_projection (game_id) SELECT g FROM unnest(${gameArray}) AS g ORDER BY g
     ON CONFLICT (game_id) DO UPDATE SET updated_at = event_projection.updated_at
     RETURNING game_id, applied_seq, applied_ts`,
    `SELECT e.game_id, e.seq
     FROM unnest(${gameArray}, ${sqlArray(upTo, "bigint")}) AS r(game_id, up_to)
     JOIN event_projection p ON p.game_id = r.game_id
     JOIN events e ON e.game_id = r.game_id AND e.seq > p.applied_seq AND e.seq <= greatest(r.up_to, p.applied_seq) + 1`,
    `SELECT o.* FROM unnest(${sqlArray(
      keys.map(([g]) => g),
      "text",
    )}, ${sqlArray(
      keys.map(([, s]) => s),
      "int",
    )}, ${sqlArray(
      keys.map(([, , o]) => o),
      "bigint",
    )})
       AS k(game_id, security_id, order_id)
     JOIN orders o ON o.game_id = k.game_id AND o.security_id = k.security_id AND o.order_id = k.order_id`,
  ];
  const results = (await client.query(statements.join(";\n"))) as unknown as pg.QueryResult[];
  const [locked, stored, orders] = results.slice(1 + KEYED_PLANS.length) as [
    pg.QueryResult<{ game_id: string; applied_seq: number; applied_ts: number }>,
    pg.QueryResult<{ game_id: string; seq: number }>,
    pg.QueryResult<OrderRow>,
  ];
  const opened: Opened = { marks: new Map(), stored: new Map(), orders: new Map() };
  for (const g of games) {
    opened.stored.set(g, new Set());
    opened.orders.set(g, { keys: new Set(), rows: new Map() });
  }
  for (const r of locked.rows) opened.marks.set(r.game_id, { appliedSeq: r.applied_seq, appliedTs: r.applied_ts });
  for (const r of stored.rows) opened.stored.get(r.game_id)!.add(r.seq);
  for (const [g, s, o] of keys) opened.orders.get(g)!.keys.add(orderKey(s, o));
  for (const r of orders.rows) opened.orders.get(r.game_id)!.rows.set(orderKey(r.security_id, r.order_id), r);
  return opened;
}

/**
 * The end of the transaction's last round trip (after the COPYs of events, new orders and fills): the
 * changed orders' updates, every projected game's new watermark (one UPDATE), COMMIT. A failing statement
 * skips the rest (COMMIT included) and fails the query.
 */
function closing(pending: [string, PendingRows][]): string[] {
  const updates = pending.flatMap(([, p]) => p.orderUpdates);
  const marks = pending.flatMap(([g, p]) =>
    p.watermark
      ? [`(${sqlText(g)}, ${sqlInt(p.watermark.appliedSeq)}::bigint, ${sqlInt(p.watermark.appliedTs)}::bigint)`]
      : [],
  );
  const update = marks.length
    ? [
        `UPDATE event_projection p SET applied_seq = v.seq, applied_ts = v.ts, updated_at = now()
         FROM (VALUES ${marks.join(", ")}) AS v(game_id, seq, ts) WHERE p.game_id = v.game_id`,
      ]
    : [];
  return [...updates, ...update, "COMMIT"];
}

/**
 * The events of the batch not yet in `events`, one per (game, seq) (the first of duplicates): those above
 * the game's watermark whose seq no stored row has.
 */
function newEvents(byGame: Map<string, BatchEvent[]>, opened: Opened): BatchEvent[] {
  const fresh: BatchEvent[] = [];
  for (const [game, list] of byGame) {
    const after = opened.marks.get(game)?.appliedSeq ?? 0;
    const stored = opened.stored.get(game)!;
    const seen = new Set<number>();
    for (const e of list) {
      const seq = e.event.seq;
      if (seq <= after || seen.has(seq) || stored.has(seq)) continue;
      seen.add(seq);
      fresh.push(e);
    }
  }
  return fresh;
}
