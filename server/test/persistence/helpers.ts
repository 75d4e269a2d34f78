/**
 * Helpers for the persistence tests: real PostgreSQL (DATABASE_URL) and Valkey (VALKEY_URL).
 *
 *   connectDb(): Db                         Kysely on DATABASE_URL, migrated once per process
 *   newRegistry(): string                   a private registry key, so tests never see each other's games
 *   TradingGame.create(engine, registry)    a registered game (2 securities, 4 players, running) whose
 *                                           every logged event is kept in `events` (the truth to compare with)
 *   game.trade(n, seed)                     n deterministic commands: limit/IOC/market orders, cancels, amends
 *   verifyExactlyOnce(db, game)             PostgreSQL holds each event once and the derived rows match
 *   gamesSharedBy(engine, registry, names)  games created until each consumer name reads some (game-shares.ts)
 *   streamState(client, gameId)             length and pending count of the game's stream
 */
import { expect } from "chai";
import { Redis } from "iovalkey";
import type { EngineEvent, EventOf, Rejection } from "@marketroom/shared";
import { GameWriters as Engine, type Result } from "../../src/engine/writers.ts";
import { eventsKey } from "../../src/engine/keys.ts";
import { createDb, createPool, type Db } from "../../src/persistence/db.ts";
import { registerGame } from "../../src/persistence/games-registry.ts";
import { migrate } from "../../src/persistence/migrate.ts";
import { mulberry32 } from "../../src/market/bots.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";
import { ownerOf } from "../../src/persistence/game-shares.ts";

export { Engine };

/** A client on VALKEY_URL, connected. */
export async function connect(): Promise<Redis> {
  const client = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await client.connect();
  return client;
}

let counter = 0;
/** A game id no other test or run uses ([A-Za-z0-9_-], at most 64 characters). */
export function newGameId(prefix = "p"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`.slice(
    0,
    64,
  );
}

/** Unwraps an engine result, failing the test on a rejection. */
export function ok<T>(r: Result<T>): T {
  const rej = r as Rejection;
  if (rej.ok === false) expect.fail(`expected success, got ${rej.code}: ${rej.message}`);
  return r as T;
}

let migrated: Promise<unknown> | undefined;

/** A Kysely on DATABASE_URL with the schema applied (once per process). Destroy it when done. */
export async function connectDb(max = 5): Promise<Db> {
  migrated ??= migrate(process.env.DATABASE_URL);
  await migrated;
  return createDb(createPool(undefined, max));
}

/** A registry key of this test alone. */
export function newRegistry(): string {
  return `test:persist:${newGameId("r")}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Tiny deterministic PRNG (mulberry32, shared with the bots), so a failing run can be replayed by seed. */
export const rng = mulberry32;

export const SECURITIES = [1, 2];
export const PLAYERS = ["alice", "bob", "carol", "dave"];

/** A running game whose events are all recorded as the engine returns them. */
export class TradingGame {
  readonly events: EngineEvent[] = [];
  private commands = 0;

  private constructor(
    readonly engine: Engine,
    readonly gameId: string,
  ) {}

  /** Creates, registers (before any event, as the game service does) and starts a game. */
  static async create(engine: Engine, registry: string, prefix = "p"): Promise<TradingGame> {
    const g = new TradingGame(engine, newGameId(prefix));
    await registerGame(engine.client, g.gameId, registry);
    g.log(await engine.createGame(g.gameId, { name: `persist ${g.gameId}` }));
    for (const s of SECURITIES)
      g.log(await engine.addSecurity(g.gameId, { securityId: s, symbol: `S${s}`, scale: 100 }));
    for (const p of PLAYERS) {
      g.log(
        await engine.addPlayer(g.gameId, {
          playerId: p,
          name: p.toUpperCase(),
          cash: 1_000_000_000_000,
          holdings: SECURITIES.map((s) => ({ securityId: s, qty: 1_000_000 })),
        }),
      );
    }
    g.log(await engine.setPhase(g.gameId, "running"));
    return g;
  }

  get lastSeq(): number {
    return this.events.length ? this.events[this.events.length - 1]!.seq : 0;
  }

  /** Records an accepted command's events (a rejection logs nothing). */
  private log<T>(r: Result<T>): void {
    const res = r as { ok: boolean; events?: EngineEvent[] };
    if (res.ok) this.events.push(...(res.events ?? []));
  }

  /** Runs n random commands (seeded); most cross the spread so that they trade. */
  async trade(n: number, seed = 1): Promise<void> {
    const rand = rng(seed * 7919 + this.commands);
    for (let i = 0; i < n; i++) await this.step(rand);
  }

  /** Trades until `stop()` returns true, pausing `pauseMs` between commands. Returns the commands run. */
  async tradeUntil(stop: () => boolean, seed = 1, pauseMs = 0): Promise<number> {
    const rand = rng(seed);
    let n = 0;
    while (!stop()) {
      await this.step(rand);
      n++;
      if (pauseMs) await sleep(pauseMs);
    }
    return n;
  }

  private async step(rand: () => number): Promise<void> {
    this.commands++;
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const player = pick(PLAYERS);
    const securityId = pick(SECURITIES);
    const r = rand();
    if (r < 0.12) return this.cancelOrAmend(player, securityId, rand, r < 0.06);
    const side = rand() < 0.5 ? "buy" : "sell";
    const price = 100 + Math.floor(rand() * 11) - 5;
    const qty = 1 + Math.floor(rand() * 20);
    if (r < 0.18)
      return this.log(
        await this.engine.place(this.gameId, player, { securityId, side, type: "market", tif: "IOC", qty }),
      );
    const tif = r < 0.28 ? "IOC" : "GTC";
    this.log(
      await this.engine.place(this.gameId, player, {
        securityId,
        side,
        price,
        qty,
        tif,
        clientOrderId: `c${this.commands}`,
      }),
    );
  }

  private async cancelOrAmend(player: string, securityId: number, rand: () => number, cancel: boolean): Promise<void> {
    const open = ok(await this.engine.orders(this.gameId, player, securityId)).orders;
    if (!open.length) return;
    const o = open[Math.floor(rand() * open.length)]!;
    if (cancel) return this.log(await this.engine.cancel(this.gameId, player, securityId, o.orderId));
    const qty = Math.max(1, o.amount - 1 - Math.floor(rand() * 3));
    const price = rand() < 0.5 ? undefined : o.price + (o.side === "buy" ? -1 : 1);
    if (qty === o.amount && price === undefined) return;
    this.log(await this.engine.amend(this.gameId, player, { securityId, orderId: o.orderId, qty, price }));
  }
}

/**
 * Creates trading games in `registry` until each of `consumers` reads at least `each` of them when they
 * share one consumer group (game-shares.ts ownerOf), so a test of sharing never depends on luck. Returns
 * every game created (all registered), and which consumer reads each.
 */
export async function gamesSharedBy(
  engine: Engine,
  registry: string,
  consumers: string[],
  each = 1,
): Promise<{ games: TradingGame[]; owner: Map<string, string> }> {
  const games: TradingGame[] = [];
  const owner = new Map<string, string>();
  const count = (c: string) => games.filter((g) => owner.get(g.gameId) === c).length;
  while (consumers.some((c) => count(c) < each)) {
    const g = await TradingGame.create(engine, registry);
    games.push(g);
    owner.set(g.gameId, ownerOf(g.gameId, consumers));
  }
  return { games, owner };
}

/** Length and pending count of a game's stream under the persister group. */
export async function streamState(
  client: Engine["client"],
  gameId: string,
  group = "persister",
): Promise<{ len: number; pending: number; events: number; pendingEvents: number }> {
  const key = eventsKey(gameId);
  const len = await client.xlen(key);
  const p = (await client.xpending(key, group).catch(() => [0])) as [number];
  // one entry holds one committed batch: count the events too (all, and those of the pending entries)
  const textsOf = (fields: string[]) => entryTexts(entryData(fields) ?? "").length;
  const entries = await client.xrange(key, "-", "+");
  const pendingIds = new Set(
    Number(p[0]) > 0
      ? ((await client.xpending(key, group, "-", "+", Number(p[0]))) as [string, ...unknown[]][]).map((r) => r[0])
      : [],
  );
  let events = 0,
    pendingEvents = 0;
  for (const [id, fields] of entries) {
    events += textsOf(fields);
    if (pendingIds.has(id)) pendingEvents += textsOf(fields);
  }
  return { len, pending: Number(p[0]), events, pendingEvents };
}

/**
 * Waits until PostgreSQL's watermark of the game reaches `seq`. Fails only when the watermark has not moved
 * for `stallMs`: a busy machine may persist slowly, but a persister that stopped making progress is a bug.
 */
export async function waitApplied(db: Db, gameId: string, seq: number, stallMs = 20_000): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const row = await db
      .selectFrom("event_projection")
      .select("applied_seq")
      .where("game_id", "=", gameId)
      .executeTakeFirst();
    const applied = Number(row?.applied_seq ?? 0);
    if (applied >= seq) return;
    if (applied !== last) {
      last = applied;
      movedAt = Date.now();
    }
    if (Date.now() - movedAt > stallMs)
      expect.fail(`game ${gameId}: applied ${applied} of ${seq}, no progress for ${stallMs} ms`);
    await sleep(25);
  }
}

/**
 * Asserts that PostgreSQL holds exactly the game's events (each seq once, identical documents) and
 * that the derived rows agree with them and with the engine's live book.
 */
export async function verifyExactlyOnce(db: Db, game: TradingGame): Promise<void> {
  const { gameId, events } = game;
  const rows = await db
    .selectFrom("events")
    .select(["seq", "type", "ts", "data"])
    .where("game_id", "=", gameId)
    .orderBy("seq")
    .execute();
  expect(rows.length, "events rows").to.equal(events.length);
  expect(rows.map((r) => r.seq)).to.deep.equal(events.map((_, i) => i + 1));
  rows.forEach((r, i) => expect(r.data, `event ${r.seq}`).to.deep.equal(events[i]));
  const proj = await db
    .selectFrom("event_projection")
    .selectAll()
    .where("game_id", "=", gameId)
    .executeTakeFirstOrThrow();
  expect(proj.applied_seq).to.equal(events.length);
  await verifySetup(db, game);
  await verifyFills(db, game);
  await verifyOrders(db, game);
}

async function verifySetup(db: Db, game: TradingGame): Promise<void> {
  const g = await db.selectFrom("games").selectAll().where("id", "=", game.gameId).executeTakeFirstOrThrow();
  const phases = game.events.filter((e): e is EventOf<"phase_changed"> => e.type === "phase_changed");
  expect(g.phase).to.equal(phases.at(-1)?.to ?? "lobby");
  expect(g.created_seq).to.equal(1);
  const secs = await db
    .selectFrom("securities")
    .selectAll()
    .where("game_id", "=", game.gameId)
    .orderBy("security_id")
    .execute();
  expect(secs.map((s) => [s.security_id, s.scale])).to.deep.equal(SECURITIES.map((s) => [s, 100]));
  const players = await db
    .selectFrom("players")
    .select(["player_id", "starting_cash"])
    .where("game_id", "=", game.gameId)
    .execute();
  expect(players.map((p) => p.player_id).sort()).to.deep.equal([...PLAYERS].sort());
  const start = await db
    .selectFrom("inventories")
    .select(({ fn }) => fn.countAll<number>().as("n"))
    .where("game_id", "=", game.gameId)
    .where("kind", "=", "start")
    .executeTakeFirstOrThrow();
  expect(start.n).to.equal(PLAYERS.length * (1 + SECURITIES.length));
}

async function verifyFills(db: Db, game: TradingGame): Promise<void> {
  const fillEvents = game.events.filter((e): e is EventOf<"fill"> => e.type === "fill");
  const fills = await db.selectFrom("fills").selectAll().where("game_id", "=", game.gameId).orderBy("seq").execute();
  expect(fills.length, "fills rows").to.equal(fillEvents.length);
  const sum = (xs: { qty: number }[]) => xs.reduce((a, f) => a + f.qty, 0);
  expect(sum(fills)).to.equal(sum(fillEvents));
  fills.forEach((f, i) => {
    const e = fillEvents[i]!;
    expect([f.seq, f.price, f.qty, f.maker_order_id, f.taker_order_id, f.notional]).to.deep.equal([
      e.seq,
      e.price,
      e.qty,
      e.makerOrderId,
      e.takerOrderId,
      e.price * e.qty * 100,
    ]);
  });
}

/** Per order: filled = its fills; filled + resting + cancelled = qty; resting = the engine's open amount. */
async function verifyOrders(db: Db, game: TradingGame): Promise<void> {
  const accepted = game.events.filter((e) => e.type === "order_accepted");
  const orders = await db.selectFrom("orders").selectAll().where("game_id", "=", game.gameId).execute();
  expect(orders.length, "orders rows").to.equal(accepted.length);
  const filled = new Map<string, number>();
  for (const e of game.events) {
    if (e.type !== "fill") continue;
    for (const id of [e.makerOrderId, e.takerOrderId])
      filled.set(`${e.securityId}:${id}`, (filled.get(`${e.securityId}:${id}`) ?? 0) + e.qty);
  }
  const open = new Map<string, number>();
  for (const p of PLAYERS) {
    for (const o of ok(await game.engine.orders(game.gameId, p)).orders)
      open.set(`${o.securityId}:${o.orderId}`, o.amount);
  }
  for (const o of orders) {
    const k = `${o.security_id}:${o.order_id}`;
    expect(o.filled_qty, `filled ${k}`).to.equal(filled.get(k) ?? 0);
    expect(o.filled_qty + o.resting_qty + o.cancelled_qty, `qty ${k}`).to.equal(o.qty);
    expect(o.resting_qty, `resting ${k}`).to.equal(open.get(k) ?? 0);
    if (o.resting_qty === 0 && o.filled_qty === o.qty) expect(o.status).to.equal("filled");
  }
}
