/**
 * Shared helpers for the matching engine's tests (real Valkey, no mocks).
 *
 * Stable exports (other test files import them; keep their signatures). The Engine is GameWriters (the core
 * deciding, group commit to Valkey):
 *   connect(): Promise<Redis>                 a client on process.env.VALKEY_URL, ready to use
 *   connectEngine(): Promise<Engine>          an Engine on a fresh client (close with closeEngine)
 *   closeEngine(engine): Promise<void>        quits the engine's client
 *   newGameId(prefix?): string                a unique game id (valid GameId, <= 64 chars)
 *   setupGame(engine, opts): Promise<SetupGame>
 *                                             creates a game, its securities and players, sets the phase
 *   snapshot(clientOrEngine, gameId): Promise<Snapshot>
 *                                             every key of the game (SCAN MATCH game:{id}*) with its type,
 *                                             content and TTL, canonically encoded: two snapshots are equal
 *                                             iff the game's state (events stream included) is unchanged
 *   ok(result): T                             unwraps an engine result, failing the test on a rejection
 *   expectRejected(result, code)              asserts a rejection with that code and a message
 *   rawCall(engine, name, keys, argv)         runs a command with raw values (strings allowed) through the writer
 *   rawPlace(engine, gameId, playerId, args)  a place with raw values
 *   rawAmend(engine, gameId, playerId, args)  mr_amend likewise
 *   inventoryOf(engine, gameId, playerId)     ok(engine.inventory(...)) plus pos(securityId) accessor
 *   eventsOf(engine, gameId)                  all events of the game's stream, in order
 *   streamEntries(client, gameId)             the raw stream entries: id ('<last seq>-0') and the seqs each holds
 */
import { Redis } from "iovalkey";
import { expect } from "chai";
import type {
  EngineEvent,
  ErrorCode,
  GameConfig,
  Inventory,
  PlayerSetup,
  Position,
  Rejection,
  SecurityConfig,
} from "@marketroom/shared";
import { GameWriters, type Result } from "../../src/engine/writers.ts";
import type { Command } from "../../src/core/index.ts";
import * as K from "../../src/engine/keys.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";

/** The engine every test drives: this process's game writers (the core deciding, group commit to Valkey). */
export class Engine extends GameWriters {}

export { K };
export type { Redis };

/** A client on VALKEY_URL (default redis://127.0.0.1:6379), connected and answering PING. */
export async function connect(): Promise<Redis> {
  const url = process.env.VALKEY_URL ?? "redis://127.0.0.1:6379";
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await client.connect();
  expect(await client.ping()).to.equal("PONG");
  return client;
}

/** An Engine on a fresh client. */
export async function connectEngine(): Promise<Engine> {
  return new Engine(await connect());
}

/** Commits and closes the engine's writers, then quits its client. */
export async function closeEngine(engine: Engine | undefined): Promise<void> {
  if (engine) await engine.close().catch(() => undefined);
  if (engine) await engine.client.quit().catch(() => engine.client.disconnect());
}

let counter = 0;
/** A game id no other test (or earlier run) uses: prefix, pid, time, counter, random; [A-Za-z0-9_-]. */
export function newGameId(prefix = "t"): string {
  counter += 1;
  const rnd = Math.random().toString(36).slice(2, 8);
  const id = `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}-${rnd}`;
  return id.slice(-64).replace(/^[^A-Za-z0-9]+/, "");
}

/** Fails the test unless the engine accepted the command; returns the result. */
export function ok<T>(r: Result<T>): T {
  const rej = r as Rejection;
  if (rej.ok === false) expect.fail(`expected success, got ${rej.code}: ${rej.message}`);
  return r as T;
}

/** Asserts a rejection with `code` and a non-empty message. */
export function expectRejected(r: unknown, code: ErrorCode): Rejection {
  const rej = r as Rejection;
  expect(rej, `expected rejection ${code}, got ${JSON.stringify(r)}`).to.include({ ok: false, code });
  expect(rej.message).to.be.a("string").and.not.equal("");
  return rej;
}

// ---- setup ----

export interface SetupOptions {
  /** Game id prefix (a fresh unique id is generated). */
  prefix?: string;
  /** Game config; name defaults to the game id. */
  config?: Partial<GameConfig>;
  /** Securities; default one: { securityId: 1, symbol: "AAA" } with schema defaults. */
  securities?: (Partial<SecurityConfig> & { securityId: number })[];
  /** Players; default none. Name defaults to the player id, holdings to []. */
  players?: (Partial<PlayerSetup> & { playerId: string; cash: number })[];
  /** Phase to end in: "running" (default), "lobby", "paused" or "ended". */
  phase?: "lobby" | "running" | "paused" | "ended";
}

export interface SetupGame {
  gameId: string;
  engine: Engine;
  securityIds: number[];
  playerIds: string[];
}

/** Creates a game with its securities and players and moves it to opts.phase (default running). */
export async function setupGame(engine: Engine, opts: SetupOptions = {}): Promise<SetupGame> {
  const gameId = newGameId(opts.prefix);
  ok(await engine.createGame(gameId, { name: gameId, ...opts.config }));
  const securities = opts.securities ?? [{ securityId: 1 }];
  for (const s of securities) {
    ok(await engine.addSecurity(gameId, { symbol: `S${s.securityId}`, ...s }));
  }
  const players = opts.players ?? [];
  for (const p of players) {
    ok(await engine.addPlayer(gameId, { name: p.playerId, holdings: [], ...p }));
  }
  const phase = opts.phase ?? "running";
  if (phase !== "lobby") ok(await engine.setPhase(gameId, "running"));
  if (phase === "paused" || phase === "ended") ok(await engine.setPhase(gameId, phase));
  return {
    gameId,
    engine,
    securityIds: securities.map((s) => s.securityId),
    playerIds: players.map((p) => p.playerId),
  };
}

// ---- snapshot ----

/** key -> canonical JSON of { type, ttl, content }. */
export type Snapshot = Record<string, string>;

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * Every key of the game (SCAN MATCH 'game:{<id>}*') with its type, TTL and full content: strings by
 * value, hashes and sets sorted, sorted sets in rank order with scores, lists in order, streams with
 * every entry plus length, last-generated-id and entries-added (so an XADD later XDELed still shows).
 * Compare two snapshots with deep equality.
 */
export async function snapshot(target: Redis | Engine, gameId: string): Promise<Snapshot> {
  const client = target instanceof GameWriters ? target.client : target;
  const keys = new Set<string>();
  const pattern = `game:{${gameId.replace(/([*?[\]\\])/g, "\\$1")}}*`;
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", pattern, "COUNT", 100_000);
    for (const k of batch) keys.add(k);
    cursor = next;
  } while (cursor !== "0");
  const sorted = [...keys].sort();
  // two pipelined round trips: types and TTLs, then contents
  const meta = sorted.length
    ? await pipe(
        client,
        sorted.flatMap((k) => [
          ["type", k],
          ["pttl", k],
        ]),
      )
    : [];
  const contentCmds: string[][] = sorted.map((key, i) => {
    switch (meta[2 * i]) {
      case "string":
        return ["get", key];
      case "hash":
        return ["hgetall", key];
      case "set":
        return ["smembers", key];
      case "zset":
        return ["zrange", key, "0", "-1", "WITHSCORES"];
      case "list":
        return ["lrange", key, "0", "-1"];
      case "stream":
        return ["xinfo", "STREAM", key];
      default:
        return ["exists", key];
    }
  });
  const contents = sorted.length ? await pipe(client, contentCmds) : [];
  const out: Snapshot = {};
  for (const [i, key] of sorted.entries()) {
    const type = meta[2 * i] as string;
    const ttl = meta[2 * i + 1];
    let content: unknown = contents[i];
    switch (type) {
      case "hash":
        content = (
          Array.isArray(content) ? pairs(content as string[]) : Object.entries(content as Record<string, string>)
        ).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        break;
      case "set":
        content = [...(content as string[])].sort();
        break;
      case "zset":
        content = pairs(content as string[]);
        break;
      case "stream": {
        const info = content as unknown[];
        const m: Record<string, unknown> = {};
        for (let j = 0; j < info.length; j += 2) {
          const f = String(info[j]);
          if (["length", "last-generated-id", "entries-added", "max-deleted-entry-id"].includes(f)) m[f] = info[j + 1];
        }
        content = { meta: m, entries: await client.xrange(key, "-", "+") };
        break;
      }
      case "string":
      case "list":
        break;
      default:
        content = `<unsupported type ${type}>`;
    }
    out[key] = JSON.stringify({ type, ttl, content });
  }
  return out;
}

/** Runs raw commands in one pipeline; returns their replies (hgetall as a flat array); throws on any error. */
async function pipe(client: Redis, cmds: string[][]): Promise<unknown[]> {
  const p = client.pipeline();
  for (const [name, ...args] of cmds) p.call(name!, ...args);
  const res = (await p.exec()) ?? [];
  return res.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

/** Asserts the game's state is identical to `before` (a snapshot taken earlier). */
export async function expectUnchanged(target: Redis | Engine, gameId: string, before: Snapshot): Promise<void> {
  const after = await snapshot(target, gameId);
  expect(after, "game state changed").to.deep.equal(before);
}

// ---- raw commands ----

/**
 * Runs a command with raw values (strings where numbers belong, fractions...) through the game's writer,
 * as a hostile caller could: the core re-checks every value. `name` and `argv` follow the argument
 * order of the Lua engine these tests were first written for (create_game, add_security, add_player, cancel,
 * place, amend), so the rejection tables stay as they were; the game id is the hash tag of keys[0].
 * Answers like the writers (result, Rejection or Unavailable).
 */
export async function rawCall(engine: Engine, name: string, keys: string[], argv: (string | number)[]): Promise<any> {
  const gameId = /\{(.*)\}/.exec(keys[0] ?? "")?.[1] ?? "";
  const flag = (v: unknown) => (v === 0 || v === "0" ? false : v === 1 || v === "1" ? true : v);
  const opt = (v: unknown) => (v === "" || v === undefined ? undefined : v);
  const a = argv as any[];
  let c: Record<string, unknown>;
  switch (name) {
    case "create_game":
      c = {
        type: name,
        gameId,
        name: a[0],
        stp: a[1],
        maxMatches: a[2],
        allowShort: flag(a[3]),
        protectionBps: a[4],
        grossLimit: opt(a[5]),
        netLimit: opt(a[6]),
      };
      break;
    case "add_security":
      c = {
        type: name,
        securityId: a[0],
        symbol: a[1],
        tickSize: a[2],
        lotSize: a[3],
        scale: a[4],
        bandLow: a[5],
        bandHigh: a[6],
        shortLimit: a[7],
        positionLimit: a[8],
        maxOrderQty: a[9],
        takerFee: opt(a[10]),
        makerRebate: opt(a[11]),
        limitWeight: opt(a[12]),
      };
      break;
    case "add_player": {
      const holdings = [];
      for (let i = 3; i < a.length; i += 2) holdings.push({ securityId: a[i], qty: a[i + 1] });
      c = { type: name, playerId: a[0], name: a[1], cash: a[2], holdings };
      break;
    }
    case "cancel":
      c = { type: name, playerId: a[0], securityId: a[1], orderId: a[2] };
      break;
    case "place":
      c = {
        type: name,
        playerId: a[0],
        securityId: a[1],
        side: a[2],
        orderType: a[3],
        tif: a[4],
        postOnly: flag(a[5]),
        price: opt(a[6]),
        qty: a[7],
        clientOrderId: a[8],
      };
      break;
    case "amend":
      c = { type: name, playerId: a[0], securityId: a[1], orderId: a[2], qty: a[3], price: opt(a[4]) };
      break;
    default:
      throw new Error(`rawCall: no command ${name}`);
  }
  if (name === "create_game") {
    const { decide, emptyState } = await import("../../src/core/index.ts");
    const pre = decide(emptyState(), c as unknown as Command, { ts: Date.now() });
    if (!pre.ok) return pre;
  } else if (!(await engine.client.exists(K.gameKey(gameId)))) {
    return { ok: false, code: "UNKNOWN_GAME", message: "no such game" };
  }
  const d = await (await engine.writer(gameId)).execute(c as unknown as Command, Date.now());
  return d.ok ? d.result : d;
}

export interface RawPlace {
  securityId?: string | number;
  side?: string;
  type?: string;
  tif?: string;
  postOnly?: string | number;
  price?: string | number;
  qty?: string | number;
  clientOrderId?: string;
}

/** A place with raw values (defaults: security 1, buy, limit, GTC, not post-only, price 100, qty 1). */
export function rawPlace(engine: Engine, gameId: string, playerId: string, a: RawPlace = {}): Promise<any> {
  const argv = [
    playerId,
    a.securityId ?? 1,
    a.side ?? "buy",
    a.type ?? "limit",
    a.tif ?? "GTC",
    a.postOnly ?? 0,
    a.price ?? 100,
    a.qty ?? 1,
    a.clientOrderId ?? "",
  ];
  return rawCall(engine, "place", [K.gameKey(gameId)], argv);
}

/** An amend with raw values (price '' keeps the price). */
export function rawAmend(
  engine: Engine,
  gameId: string,
  playerId: string,
  a: { securityId?: number; orderId: string | number; qty: string | number; price?: string | number },
): Promise<any> {
  return rawCall(engine, "amend", [K.gameKey(gameId)], [playerId, a.securityId ?? 1, a.orderId, a.qty, a.price ?? ""]);
}

// ---- reads ----

export type InventoryView = Inventory & { pos(securityId: number): Position; available: number };

/** The player's inventory; pos(sid) gives a position (zeros when absent); available = cash - cashLocked. */
export async function inventoryOf(engine: Engine, gameId: string, playerId: string): Promise<InventoryView> {
  const inv = ok(await engine.inventory(gameId, playerId));
  return Object.assign(inv, {
    available: inv.cash - inv.cashLocked,
    pos: (sid: number) =>
      inv.positions.find((p) => p.securityId === sid) ?? { securityId: sid, qty: 0, locked: 0, openBuy: 0 },
  });
}

/** Every event of the game's stream, in order. */
export function eventsOf(engine: Engine, gameId: string): Promise<EngineEvent[]> {
  return engine.events(gameId, 1);
}

/** The stream's entries in order: each id and the seqs of the events it holds (one entry per committed batch). */
export async function streamEntries(client: Redis, gameId: string): Promise<{ id: string; seqs: number[] }[]> {
  return (await client.xrange(K.eventsKey(gameId), "-", "+")).map(([id, fields]) => ({
    id,
    seqs: entryTexts(entryData(fields) ?? "").map((t) => (JSON.parse(t) as { seq: number }).seq),
  }));
}
