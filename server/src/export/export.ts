/**
 * Round exports (docs/export.md): per game, from PostgreSQL (the record) plus the settings the game
 * service keeps beside the engine (Valkey), the files
 *
 *   config.json      the game's settings (a CreateGameBody, full rules), bot specs, players, schedule, scoring rule
 *   orders.csv       one row per order (orders table), accepted_seq order
 *   fills.csv        one row per fill (fills table), seq order, with the taker fee and maker rebate
 *   inventories.csv  one row per player and security (0 = cash): start and final quantities
 *   leaderboard.csv  one row per player: rank, cash, holdings value, equity, pnl, realized and unrealized
 *                    P&L, fees, trades, and the mark of each security
 *   reference.csv    the reference path over the round (elapsed ms, step, date, per security)
 *
 * A margin round's config.json also has a `margin` section (export/margin-section.ts): the fund,
 * every player's margin account and positions at the end, the margin calls, liquidation orders, fund
 * transfers and reference changes.
 *
 * Integer columns carry their unit in the name (`*_ticks`, `*_minor`); the display column next to each
 * has the bare name (`price`, `cash`). Everything needed to recompute every player's equity, pnl, FIFO
 * P&L and fees is in the files: inventories.csv (start and final quantities), fills.csv (trades, fees),
 * leaderboard.csv (marks) and config.json (scales, opening references = game.securities[].refPrice).
 *
 * The round must have ended with its results written (leaderboard in PostgreSQL). The export folds the
 * stored event log up to the results' seq through the core (core/fold.ts), scores it as the round end does
 * (scoring.ts finalStandings: closing references, mark rule, FIFO P&L, ranking) and refuses to write when
 * that differs from the PostgreSQL leaderboard.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { GameRules, formatScaled, ticksToPrice } from "@marketroom/shared";
import type { Db } from "../persistence/db.ts";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import type { GameSettings } from "../game/settings.ts";
import { getScenario } from "../market/scenarios.ts";
import { referencesAt, type ReferenceSettings } from "../scoring/references.ts";
import { finalStandings, markRuleOf, type Mark, type MarkRule } from "../scoring/scoring.ts";
import { rankRuleOf } from "../scoring/ranking.ts";
import { foldStoredLog } from "../replay/log.ts";
import { marginSection } from "./margin-section.ts";

export const EXPORT_FILES = [
  "config.json",
  "orders.csv",
  "fills.csv",
  "inventories.csv",
  "leaderboard.csv",
  "reference.csv",
] as const;
export type ExportFile = (typeof EXPORT_FILES)[number];
export const EXPORT_FORMAT = "marketroom-round-export/1";

export interface ExportOptions {
  /** The game service (settings, schedule, players and bot specs kept in Valkey). */
  service: Pick<GameService, "record" | "store" | "drivers">;
  /** Digits of the cash minor unit (2 = cents) for the display columns. */
  cashDigits?: number;
  /** Clock for `exportedAt` (tests). */
  now?: () => number;
}

export interface ExportSummary {
  gameId: string;
  dir?: string;
  files: Record<ExportFile, string>;
  rows: { orders: number; fills: number; inventories: number; leaderboard: number; reference: number };
  marks: Mark[];
}

const csv = (header: string[], rows: unknown[][]) =>
  stringify([header, ...rows], { record_delimiter: "\n", cast: { boolean: (v: boolean) => (v ? "true" : "false") } });
const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : "");

/** What a mark means, for config.json's scoring section (docs/export.md, docs/margin.md "One mark"). */
function markText(rule: MarkRule, coreRule: string): string {
  if (rule === "reference") return "the reference price at round.elapsedMs (the closing reference), traded or not";
  if (rule === "last_trade")
    return "last trade price of the security in the round (the fill with the highest seq); if it never traded, the reference price at round.elapsedMs";
  return (
    `the closing mark of the margin round (rule ${coreRule}, docs/margin.md): the core's mark as the round ended, before the round end's ` +
    "cancellations; reference = the last reference_price event (else the security's starting reference, else the last trade), " +
    "last_trade = the last trade (else the reference), mid = floor((best bid + best ask) / 2) while both sides had orders (else as last_trade); " +
    "a CFD at its reference. The same mark drove margin and liquidation"
  );
}

/** Builds every export file of an ended game in memory. Errors: UNKNOWN_GAME, INVALID_PHASE_TRANSITION (results not written). */
export async function buildExport(db: Db, gameId: string, opts: ExportOptions): Promise<ExportSummary> {
  const digits = opts.cashDigits ?? 2;
  const money = (minor: number) => formatScaled(BigInt(minor), digits);
  const rec = await opts.service.record(gameId);
  // The log's news shift the reference path (scoring/references.ts referencesAt).
  const settings: GameSettings & ReferenceSettings = await opts.service.drivers.withNews(gameId, rec.settings);
  const game = await db.selectFrom("games").selectAll().where("id", "=", gameId).executeTakeFirst();
  const board = await db.selectFrom("leaderboard").selectAll().where("game_id", "=", gameId).orderBy("rank").execute();
  if (!game || !rec.endedAt || !board.length)
    throw new ApiError("INVALID_PHASE_TRANSITION", `the round of ${gameId} has not ended with its results written`);

  // The results are written at the round end; the persister may still be storing the log's last events.
  await storedUpTo(db, gameId, board[0]!.as_of_seq);
  const [securities, players, invRows, orders, fills, lastEvent] = await Promise.all([
    db.selectFrom("securities").selectAll().where("game_id", "=", gameId).orderBy("security_id").execute(),
    db.selectFrom("players").selectAll().where("game_id", "=", gameId).orderBy("player_id").execute(),
    db.selectFrom("inventories").selectAll().where("game_id", "=", gameId).execute(),
    db
      .selectFrom("orders")
      .selectAll()
      .where("game_id", "=", gameId)
      .orderBy("accepted_seq")
      .orderBy("security_id")
      .orderBy("order_id")
      .execute(),
    db.selectFrom("fills").selectAll().where("game_id", "=", gameId).orderBy("seq").execute(),
    db.selectFrom("events").select(db.fn.max("seq").as("seq")).where("game_id", "=", gameId).executeTakeFirst(),
  ]);
  const stored = await opts.service.store.players(gameId);
  const sec = new Map(securities.map((s) => [s.security_id, s]));
  const symbol = (id: number) => (id === 0 ? "CASH" : (sec.get(id)?.symbol ?? ""));
  const price = (id: number, ticks: number) => ticksToPrice(ticks, sec.get(id)?.tick_size ?? "1");
  const pname = new Map(players.map((p) => [p.player_id, p.name]));
  const isBot = (id: string) => stored.get(id)?.bot ?? false;
  const asOfSeq = board[0]!.as_of_seq;

  // ---- standings: the stored log folded through the core up to the results' seq, scored as the round end scores ----
  const rule = markRuleOf(settings);
  const rankRule = rankRuleOf(settings.rules);
  const fold = await foldStoredLog(db, gameId, asOfSeq);
  const { board: standings, prices } = finalStandings(fold, settings, rec.elapsedMs, isBot);
  const marks = prices.marks;
  const margin = await marginSection(db, gameId, fold, asOfSeq);

  // ---- inventories ----
  type Inv = { start: Map<number, number>; final: Map<number, { qty: number; locked: number }> };
  const inv = new Map<string, Inv>(players.map((p) => [p.player_id, { start: new Map(), final: new Map() }]));
  for (const r of invRows) {
    const p = inv.get(r.player_id);
    if (!p) continue;
    if (r.kind === "start") p.start.set(r.security_id, r.qty);
    else p.final.set(r.security_id, { qty: r.qty, locked: r.locked });
  }
  const ids = [0, ...securities.map((s) => s.security_id)];
  const invCsvRows: unknown[][] = [];
  for (const p of players) {
    const v = inv.get(p.player_id)!;
    for (const id of ids) {
      const start = id === 0 ? (v.start.get(0) ?? p.starting_cash) : (v.start.get(id) ?? 0);
      const fin = v.final.get(id) ?? { qty: 0, locked: 0 };
      const unit = id === 0 ? "cash_minor" : "lots";
      const disp = (n: number) => (id === 0 ? money(n) : String(n));
      invCsvRows.push([
        p.player_id,
        p.name,
        isBot(p.player_id),
        id,
        symbol(id),
        unit,
        start,
        disp(start),
        fin.qty,
        disp(fin.qty),
        fin.qty - start,
        fin.locked,
        asOfSeq,
      ]);
    }
  }

  // ---- standings checked against PostgreSQL ----
  const pg = new Map(board.map((b) => [b.player_id, b]));
  const bad = standings.filter((s) => {
    const b = pg.get(s.playerId);
    return (
      !b ||
      b.rank !== s.rank ||
      b.equity !== s.equity ||
      b.cash !== s.cash ||
      b.holdings_value !== s.holdingsValue ||
      b.pnl !== s.pnl ||
      b.realized_pnl !== s.realizedPnl ||
      b.unrealized_pnl !== s.unrealizedPnl ||
      b.fees !== s.fees ||
      b.trades !== s.trades
    );
  });
  if (bad.length || board.length !== standings.length) {
    const s = bad[0];
    throw new Error(
      `export of ${gameId}: the PostgreSQL leaderboard disagrees with the final inventories at the marks` +
        (s
          ? ` (player ${s.playerId}: computed rank ${s.rank} equity ${s.equity}, stored ${JSON.stringify(pg.get(s.playerId) ?? null)})`
          : ""),
    );
  }
  const markList = [...marks.values()];
  const markHeader = markList.flatMap((m) => [
    `mark_ticks_${m.securityId}`,
    `mark_${m.securityId}`,
    `mark_source_${m.securityId}`,
  ]);
  const markCells = markList.flatMap((m) => [m.markTicks, price(m.securityId, m.markTicks), m.source]);
  const leaderboardCsv = csv(
    [
      "rank",
      "player_id",
      "name",
      "bot",
      "cash_minor",
      "cash",
      "holdings_value_minor",
      "holdings_value",
      "equity_minor",
      "equity",
      "pnl_minor",
      "pnl",
      "realized_pnl_minor",
      "realized_pnl",
      "unrealized_pnl_minor",
      "unrealized_pnl",
      "fees_minor",
      "fees",
      "trades",
      "as_of_seq",
      ...markHeader,
      "ranked",
      "start_value_minor",
      "return_bps",
      "points",
    ],
    standings.map((s) => [
      s.rank,
      s.playerId,
      s.name,
      s.bot,
      s.cash,
      money(s.cash),
      s.holdingsValue,
      money(s.holdingsValue),
      s.equity,
      money(s.equity),
      s.pnl,
      money(s.pnl),
      s.realizedPnl,
      money(s.realizedPnl),
      s.unrealizedPnl,
      money(s.unrealizedPnl),
      s.fees,
      money(s.fees),
      s.trades,
      asOfSeq,
      ...markCells,
      s.ranked,
      s.startValue,
      s.returnBps,
      s.points ?? "",
    ]),
  );

  // ---- orders and fills ----
  const ordersCsv = csv(
    [
      "security_id",
      "symbol",
      "order_id",
      "player_id",
      "player_name",
      "client_order_id",
      "side",
      "order_type",
      "tif",
      "post_only",
      "price_ticks",
      "price",
      "qty",
      "filled_qty",
      "resting_qty",
      "cancelled_qty",
      "notional_minor",
      "notional",
      "status",
      "cancel_reason",
      "accepted_seq",
      "accepted_ts",
      "accepted_at",
      "updated_seq",
      "updated_ts",
    ],
    orders.map((o) => [
      o.security_id,
      symbol(o.security_id),
      o.order_id,
      o.player_id,
      pname.get(o.player_id) ?? "",
      o.client_order_id ?? "",
      o.side,
      o.order_type,
      o.tif,
      o.post_only,
      o.price,
      price(o.security_id, o.price),
      o.qty,
      o.filled_qty,
      o.resting_qty,
      o.cancelled_qty,
      o.notional,
      money(o.notional),
      o.status,
      o.cancel_reason ?? "",
      o.accepted_seq,
      o.accepted_ts,
      iso(o.accepted_ts),
      o.updated_seq,
      o.updated_ts,
    ]),
  );
  const fillsCsv = csv(
    [
      "seq",
      "ts",
      "time",
      "security_id",
      "symbol",
      "price_ticks",
      "price",
      "qty",
      "notional_minor",
      "notional",
      "aggressor",
      "maker_order_id",
      "maker_player_id",
      "taker_order_id",
      "taker_player_id",
      "maker_remaining",
      "taker_remaining",
      "taker_fee_minor",
      "taker_fee",
      "maker_rebate_minor",
      "maker_rebate",
    ],
    fills.map((f) => [
      f.seq,
      f.ts,
      iso(f.ts),
      f.security_id,
      symbol(f.security_id),
      f.price,
      price(f.security_id, f.price),
      f.qty,
      f.notional,
      money(f.notional),
      f.aggressor,
      f.maker_order_id,
      f.maker_player_id,
      f.taker_order_id,
      f.taker_player_id,
      f.maker_remaining,
      f.taker_remaining,
      f.taker_fee,
      money(f.taker_fee),
      f.maker_rebate,
      money(f.maker_rebate),
    ]),
  );

  // ---- reference path ----
  const sc = settings.scenario ? getScenario(settings.scenario) : undefined;
  const times = new Set<number>([0, rec.elapsedMs]);
  if (sc) {
    for (let t = 0; t <= rec.elapsedMs; t += sc.stepMs) times.add(t);
    for (const n of sc.news) if (n.atMs <= rec.elapsedMs) times.add(n.atMs);
  }
  for (const n of settings.news ?? []) if (n.atMs <= rec.elapsedMs) times.add(n.atMs);
  const refRows: unknown[][] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const at = referencesAt(settings, t);
    for (const s of securities) {
      const r = at.get(s.security_id) ?? 0;
      refRows.push([
        t,
        sc ? sc.stepAt(t) : 0,
        sc ? sc.dateAt(t) : "",
        t === rec.elapsedMs,
        s.security_id,
        s.symbol,
        r,
        price(s.security_id, r),
      ]);
    }
  }
  const referenceCsv = csv(
    ["elapsed_ms", "step", "date", "is_end", "security_id", "symbol", "reference_ticks", "reference"],
    refRows,
  );

  // ---- config ----
  const bots = [...stored]
    .filter(([, p]) => p.bot)
    .map(([id, p]) => ({ playerId: id, name: p.name, kind: p.botKind ?? "bot", spec: p.botSpec ?? null }));
  const config = {
    format: EXPORT_FORMAT,
    gameId,
    exportedAt: new Date((opts.now ?? Date.now)()).toISOString(),
    units: {
      price: "ticks (display = ticks x tickSize)",
      qty: "lots",
      cash: `minor units (${digits} decimal digits)`,
      time: "ms since the epoch",
    },
    game: {
      name: settings.name,
      rules: GameRules.parse(settings.rules ?? {}),
      securities: settings.securities,
      endowment: settings.endowment,
      ...(settings.scenario ? { scenario: settings.scenario } : {}),
      ...(settings.durationSec ? { durationSec: settings.durationSec } : {}),
      allowObservers: settings.allowObservers,
      bots: [],
    },
    bots,
    players: players.map((p) => ({
      playerId: p.player_id,
      name: p.name,
      bot: isBot(p.player_id),
      startCash: p.starting_cash,
      startHoldings: [...inv.get(p.player_id)!.start]
        .filter(([id]) => id !== 0)
        .map(([securityId, qty]) => ({ securityId, qty })),
    })),
    round: {
      phase: game.phase,
      createdAt: rec.createdAt,
      startedAt: rec.startedAt || null,
      endedAt: rec.endedAt || null,
      elapsedMs: rec.elapsedMs,
      durationMs: rec.durationMs || null,
      lastSeq: Number(lastEvent?.seq ?? 0),
      resultsAsOfSeq: asOfSeq,
      scenarioDateAtEnd: sc ? sc.dateAt(rec.elapsedMs) : null,
    },
    scoring: {
      markPrice: rule === "core" ? (fold.state.game?.markRule ?? "last_trade") : rule,
      equity: "cash_minor + sum over securities of final_qty x mark_ticks x scale (minor units)",
      mark: markText(rule, fold.state.game?.markRule ?? "last_trade"),
      openingReference: "game.securities[].refPrice (ticks): the price starting holdings are valued and bought at",
      pnl: "equity - (start cash + start holdings x opening reference x scale) = realized_pnl + unrealized_pnl - fees",
      realizedPnl:
        "FIFO lots per player and security (starting holdings = lots bought at the opening reference, then fills.csv in seq order): sum over closed quantities of (close - open) x qty x scale, sign reversed for short lots, plus dividends received (net of dividends a short paid)",
      unrealizedPnl: "sum over open FIFO lots of (mark_ticks - lot price) x qty x scale, sign reversed for short lots",
      fees: "taker_fee_minor of the fills the player took as taker - maker_rebate_minor of the fills it made",
      trades: "fills the player took part in (as maker or taker)",
      rank:
        `${rankRule.rankBy === "return" ? "return_bps" : "pnl"} descending, then pnl descending, then player_id ascending (code-unit order); ` +
        (rankRule.bots === "ranked"
          ? "bots ranked with the humans"
          : "humans ranked 1..n, bots listed after them (rank = place on the board, ranked = false)"),
      returnBps:
        "floor(pnl_minor x 10000 / start_value_minor), basis points rounded toward minus infinity; 0 when the starting value is 0 or less",
      points: rankRule.coursePoints
        ? `course points (students only; empty for bots) = clamp(${rankRule.coursePoints.base} + floor(pnl_minor / ${rankRule.coursePoints.per}), ${rankRule.coursePoints.min}, ${rankRule.coursePoints.max})`
        : "none (the round sets no coursePoints)",
    },
    ...(margin ? { margin } : {}),
    files: Object.fromEntries(EXPORT_FILES.map((f) => [f, f])),
  };

  return {
    gameId,
    files: {
      "config.json": JSON.stringify(config, null, 2) + "\n",
      "orders.csv": ordersCsv,
      "fills.csv": fillsCsv,
      "inventories.csv": csv(
        [
          "player_id",
          "name",
          "bot",
          "security_id",
          "symbol",
          "unit",
          "start_qty",
          "start",
          "final_qty",
          "final",
          "change_qty",
          "final_locked",
          "as_of_seq",
        ],
        invCsvRows,
      ),
      "leaderboard.csv": leaderboardCsv,
      "reference.csv": referenceCsv,
    },
    rows: {
      orders: orders.length,
      fills: fills.length,
      inventories: invCsvRows.length,
      leaderboard: standings.length,
      reference: refRows.length,
    },
    marks: markList,
  };
}

/** Writes the export files of an ended game into `dir` (created if needed); returns what was written. */
export async function exportRound(db: Db, gameId: string, dir: string, opts: ExportOptions): Promise<ExportSummary> {
  const out = await buildExport(db, gameId, opts);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(out.files)) await writeFile(join(dir, name), text);
  return { ...out, dir };
}

/** How long an export waits for the persister to store the log up to the results' seq. */
const STORED_WAIT_MS = 10_000;

/**
 * Resolves once PostgreSQL holds the game's log up to `seq` (the persister is asynchronous); polls every
 * 100 ms for at most STORED_WAIT_MS, then UNAVAILABLE (503, retry) rather than exporting a short log.
 */
async function storedUpTo(db: Db, gameId: string, seq: number): Promise<void> {
  const until = Date.now() + STORED_WAIT_MS;
  for (;;) {
    const row = await db
      .selectFrom("events")
      .select(db.fn.max("seq").as("seq"))
      .where("game_id", "=", gameId)
      .executeTakeFirst();
    if (Number(row?.seq ?? 0) >= seq) return;
    if (Date.now() > until)
      throw new ApiError("UNAVAILABLE", `the log of ${gameId} is still being stored (up to seq ${seq}); retry shortly`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
