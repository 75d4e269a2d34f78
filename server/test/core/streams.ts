/**
 * Seeded random command streams for the core's tests (fast-check arbitraries): a game with 3-4
 * players and 1-3 securities (fees and rebates, short, position, gross and net limits, both STP
 * modes, a small maxMatches often, allowShort either way), then commands of every type, valid and
 * not: orders of every type and time in force with bad sides, prices and quantities, repeated and
 * over-long clientOrderIds, cancels (own, another's, unknown, malformed id), cancel-alls with every
 * reason and a bad one, amends (down, up, new price, no change, bad qty/price), phase changes
 * (closed market), admin actions, news and signals with bad arguments, late players and securities.
 *
 * A stream is data (`Step`s): targets such as "an open order of player p" are picked when the step
 * runs (`resolve`), from the core's state, so the same stream means the same commands everywhere.
 */
import fc from "fast-check";
import type { Command } from "../../src/core/commands.ts";
import type { CoreState } from "../../src/core/index.ts";

export const MID = 100;
const BAND_LOW = 95;
const BAND_HIGH = 105;
const SEC_IDS = [3, 8, 11];
export const PLAYERS = ["p0", "p1", "p2", "p3"];
const UNKNOWN_PLAYER = "nobody";

export interface Step {
  kind: string;
  n: number[];
  t: string[];
}
export interface Stream {
  setup: Command[];
  steps: Step[];
  secIds: number[];
}

const sec = fc.record({
  scale: fc.constantFrom(1, 3, 100),
  shortLimit: fc.integer({ min: 0, max: 8 }),
  positionLimit: fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 25 }) },
  ),
  maxOrderQty: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(5) }),
  takerFee: fc.integer({ min: 0, max: 30 }),
  rebatePct: fc.integer({ min: 0, max: 100 }),
  limitWeight: fc.oneof(
    { weight: 3, arbitrary: fc.constant(1) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
  ),
  /** A wide band lets a huge order reach the notional check. */
  bandHigh: fc.constantFrom(BAND_HIGH, BAND_HIGH, 1_000_000_000),
});

const limit = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 3, max: 60 }) },
);

const setupArb = fc.record({
  stp: fc.constantFrom("cancel_incoming", "cancel_resting"),
  maxMatches: fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.constant(1000) },
  ),
  allowShort: fc.boolean(),
  protectionBps: fc.constantFrom(100, 300, 1000),
  grossLimit: limit,
  netLimit: limit,
  secs: fc.array(sec, { minLength: 1, maxLength: 3 }),
  players: fc.array(
    fc.record({
      cash: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
        { weight: 1, arbitrary: fc.integer({ min: 300, max: 2_000 }) },
        { weight: 4, arbitrary: fc.integer({ min: 2_000, max: 200_000 }) },
      ),
      holdings: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 3, maxLength: 3 }),
    }),
    { minLength: 3, maxLength: 4 },
  ),
});

/** A step: kind plus numbers and texts whose meaning depends on the kind (see resolve). */
const step = (kind: string, n: fc.Arbitrary<number>[], t: fc.Arbitrary<string>[] = []) =>
  fc
    .record({ kind: fc.constant(kind), n: fc.tuple(...n), t: fc.tuple(...t) })
    .map((s) => ({ kind: s.kind, n: s.n as number[], t: s.t as string[] }));

/** Uniform in 0..max (fc.nat favours the bounds, which here are the invalid choices). */
const nat = (max: number) => fc.constantFrom(...Array.from({ length: max + 1 }, (_, i) => i));

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // place: player, security, side, order kind, price offset, qty, cid choice, bad-value choice
  { weight: 30, arbitrary: step("place", [nat(20), nat(20), nat(20), nat(19), nat(7), nat(6), nat(40), nat(120)]) },
  // sweep: a big order at the edge of the band that crosses many resting orders (maxMatches truncation)
  { weight: 3, arbitrary: step("sweep", [nat(19), nat(19), nat(1), nat(1), nat(10)]) },
  { weight: 6, arbitrary: step("cancel", [nat(20), nat(9), nat(30)]) },
  { weight: 4, arbitrary: step("cancel_all", [nat(20), nat(20), nat(9)]) },
  { weight: 7, arbitrary: step("amend", [nat(20), nat(9), nat(30), nat(7), nat(8), nat(3)]) },
  { weight: 2, arbitrary: step("phase", [nat(19)]) },
  { weight: 1, arbitrary: step("log_admin", [nat(5)]) },
  { weight: 1, arbitrary: step("announce", [nat(5), nat(3), nat(3), nat(20)]) },
  { weight: 1, arbitrary: step("signal", [nat(5), nat(4), nat(4), nat(3)]) },
  { weight: 1, arbitrary: step("late", [nat(5), nat(40)]) },
);

export const streamArb = (maxSteps: number): fc.Arbitrary<Stream> =>
  fc
    .record({
      setup: setupArb,
      steps: fc.array(stepArb, { minLength: 10, maxLength: maxSteps, size: "max" }),
    })
    .map(({ setup, steps }) => {
      const secIds = SEC_IDS.slice(0, setup.secs.length);
      const cmds: Command[] = [
        { type: "set_phase", phase: "running" },
        { type: "place", playerId: "p0", securityId: 3, side: "buy", price: 100, qty: 1 },
        {
          type: "create_game",
          gameId: "g",
          name: "diff",
          stp: setup.stp,
          maxMatches: setup.maxMatches,
          allowShort: setup.allowShort,
          protectionBps: setup.protectionBps,
          grossLimit: setup.grossLimit,
          netLimit: setup.netLimit,
        },
        {
          type: "create_game",
          gameId: "g",
          name: "again",
          stp: "cancel_incoming",
          maxMatches: 5,
          allowShort: false,
          protectionBps: 100,
        },
        ...setup.secs.map((s, i): Command => ({
          type: "add_security",
          securityId: secIds[i]!,
          symbol: `S${secIds[i]}`,
          tickSize: "0.01",
          lotSize: 1,
          scale: s.scale,
          bandLow: BAND_LOW,
          bandHigh: s.bandHigh,
          shortLimit: s.shortLimit,
          positionLimit: s.positionLimit,
          maxOrderQty: s.maxOrderQty,
          takerFee: s.takerFee,
          makerRebate: Math.floor((s.takerFee * s.rebatePct) / 100),
          limitWeight: s.limitWeight,
        })),
        ...setup.players.map((p, i): Command => ({
          type: "add_player",
          playerId: PLAYERS[i]!,
          name: `player ${i}`,
          cash: p.cash,
          holdings: secIds.map((securityId, k) => ({ securityId, qty: p.holdings[k]! })),
        })),
        { type: "set_phase", phase: "running" },
      ];
      return { setup: cmds, steps, secIds };
    });

/** Index 0..19: mostly valid combinations; 9 (market GTC), 10 (post-only IOC) and 11 (unknown type) are invalid. */
const KINDS = [
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: true },
  { orderType: "limit", tif: "IOC", postOnly: false },
  { orderType: "limit", tif: "FOK", postOnly: false },
  { orderType: "market", tif: "IOC", postOnly: false },
  { orderType: "market", tif: "FOK", postOnly: false },
  { orderType: "market", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "IOC", postOnly: true },
  { orderType: "stop", tif: "DAY", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: true },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "IOC", postOnly: false },
  { orderType: "market", tif: "IOC", postOnly: false },
  { orderType: "limit", tif: "GTC", postOnly: false },
  { orderType: "limit", tif: "FOK", postOnly: false },
];

/** 0..20: an unknown player for 20, p3 (absent from games with 3 players) for 19, else one of p0-p2. */
const playerAt = (i: number) => (i === 20 ? UNKNOWN_PLAYER : i === 19 ? PLAYERS[3]! : PLAYERS[i % 3]!);
const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);

/** Resting orders of a player. */
const count = (p: { orders: Map<number, { size: number }> }) => [...p.orders.values()].reduce((n, m) => n + m.size, 0);

/** Every resting order in the core's state: [securityId, orderId, playerId, price, amount]. */
function openOrders(s: CoreState): [number, number, string, number, number][] {
  const out: [number, number, string, number, number][] = [];
  for (const sid of s.securityIds) {
    for (const o of s.securities.get(sid)!.book.orders.values()) out.push([sid, o.id, o.playerId, o.price, o.amount]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** The concrete command of a step, given the state before it (the core's, equal to Lua's by the test). */
export function resolve(st: Step, s: CoreState, secIds: number[]): Command {
  const n = st.n;
  /** 0..20: an unknown id for 20 (and 9 where fewer are drawn), else one of the game's securities. */
  const secAt = (i: number) => (i === 20 || (i === 9 && st.kind !== "place") ? 99 : secIds[i % secIds.length]!);
  switch (st.kind) {
    case "place": {
      const [p, si, sideN, kindN, off, qty0, cidN, bad] = n as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const offset = off - 4;
      const qty = qty0 + 1;
      const side = sideN === 20 ? "hold" : sideN % 2 === 0 ? "buy" : "sell";
      let price: number | undefined = MID + (side === "buy" ? offset : -offset);
      let q: number = qty;
      if (bad === 0) price = undefined;
      else if (bad === 1) price = 0;
      else if (bad === 2) price = 1.5;
      else if (bad === 3) price = 2_000_000_000;
      else if (bad === 4)
        price = 90; // outside the band
      else if (bad === 5) q = 0;
      else if (bad === 6) q = 2.5;
      else if (bad === 7) q = 400_000; // funds, holdings, limits, maybe NOTIONAL
      let securityId = secAt(si);
      let kind = KINDS[kindN]!;
      if (bad >= 8 && bad <= 10) {
        // above 2^53 where a wide band lets it through to the notional check
        const wide = secIds.find(
          (id) => s.securities.get(id)?.info.bandHigh === 1_000_000_000 && s.securities.get(id)?.info.maxOrderQty === 0,
        );
        securityId = wide ?? securityId;
        kind = KINDS[0]!;
        price = 1_000_000_000;
        q = 1_000_000_000;
      }
      const cid = cidN < 22 ? undefined : cidN === 30 ? "x".repeat(65) : ["a", "b", "c", "é"][cidN % 4];
      return {
        type: "place",
        playerId: playerAt(p),
        securityId,
        side,
        orderType: kind.orderType,
        tif: kind.tif,
        postOnly: kind.postOnly,
        price,
        qty: q,
        clientOrderId: cid,
      };
    }
    case "sweep": {
      const [p, si, sideN, ioc, qty] = n as [number, number, number, number, number];
      const side = sideN === 0 ? "buy" : "sell";
      return {
        type: "place",
        playerId: playerAt(p),
        securityId: secAt(si),
        side,
        orderType: "limit",
        tif: ioc ? "IOC" : "GTC",
        price: side === "buy" ? BAND_HIGH : BAND_LOW,
        qty: 8 + qty,
      };
    }
    case "cancel": {
      const [p, target, k] = n as [number, number, number];
      const open = openOrders(s);
      const mine = open.filter((o) => o[2] === playerAt(p));
      const o = target < 6 ? pick(mine, k) : target < 8 ? pick(open, k) : undefined;
      if (o) return { type: "cancel", playerId: playerAt(p), securityId: o[0], orderId: o[1] };
      return {
        type: "cancel",
        playerId: playerAt(p),
        securityId: secAt(k % 21),
        orderId: target === 9 ? 0 : 10_000 + k,
      };
    }
    case "cancel_all": {
      const [p, si, r] = n as [number, number, number];
      const reason = [
        undefined,
        "round_end",
        "admin",
        "cancel_all",
        "round_end",
        "admin",
        "bogus",
        "",
        undefined,
        "admin",
      ][r];
      // half the time the player with the most resting orders (so that maxMatches truncates a cancel-all)
      const busiest = [...s.players.values()].sort((a, b) => count(b) - count(a))[0]?.playerId;
      const playerId = p < 10 && busiest !== undefined ? busiest : playerAt(p);
      return { type: "cancel_all", playerId, securityId: si === 4 || si < 8 ? undefined : secAt(si), reason };
    }
    case "amend": {
      const [p, target, k, mode, off, d] = n as [number, number, number, number, number, number];
      const offset = off - 4;
      const delta = d + 1;
      const open = openOrders(s);
      const mine = open.filter((o) => o[2] === playerAt(p));
      const o = target < 8 ? pick(mine, k) : pick(open, k);
      if (!o) return { type: "amend", playerId: playerAt(p), securityId: secAt(0), orderId: 777, qty: 1 };
      const [sid, orderId, , price, amount] = o;
      const base = { type: "amend" as const, playerId: playerAt(p), securityId: sid, orderId };
      switch (mode) {
        case 0:
        case 1:
          return { ...base, qty: Math.max(1, amount - delta) };
        case 2:
          return { ...base, qty: amount + delta };
        case 3:
        case 4:
          return { ...base, qty: amount, price: price + offset };
        case 5:
          return { ...base, qty: amount };
        case 6:
          return { ...base, qty: 0 };
        default:
          return { ...base, qty: amount, price: 0 };
      }
    }
    case "phase":
      return {
        type: "set_phase",
        phase: n[0] === 19 ? "ended" : n[0] === 18 ? "lobby" : n[0] === 17 ? "bogus" : n[0]! < 4 ? "paused" : "running",
      };
    case "log_admin":
      return {
        type: "log_admin",
        action: ["bots_added", "bad action", "x"][n[0]! % 3]!,
        actor: n[0] === 4 ? "bad actor" : "admin",
        detail: n[0] === 5 ? "d".repeat(501) : "détail",
      };
    case "announce": {
      const [h, count, first, b] = n as [number, number, number, number];
      const bps = b === 0 ? -9001 : b === 20 ? 10_001 : (b - 10) * 900;
      const shifts = Array.from({ length: count }, (_, i) => ({
        securityId: secAt((first * 3 + (h === 5 ? 0 : i)) % 10),
        bps: i === 0 ? bps : 100,
      }));
      return {
        type: "announce",
        headline: h === 0 ? "" : h === 1 ? "ü".repeat(281) : `News ${h}`,
        atMs: h === 2 ? -1 : 1000 * h,
        shifts,
      };
    }
    case "signal": {
      const [g, count, first, extra] = n as [number, number, number, number];
      const ids = Array.from({ length: count }, (_, i) => playerAt((first + (extra === 3 ? 0 : i)) % 5));
      return {
        type: "signal",
        group: g === 0 ? "bad group" : `g${g}`,
        text: g === 1 ? "" : "a tip",
        securityId: extra === 0 ? undefined : secAt(extra * 3),
        value: g === 2 ? 2_000_000_000 : extra === 1 ? undefined : 101,
        playerIds: ids,
      };
    }
    case "late": {
      const [what, k] = n as [number, number];
      if (what < 3) {
        return {
          type: "add_player",
          playerId: what === 0 ? "p0" : `late${k}`,
          name: "late",
          cash: what === 2 ? 1e16 : 5000 + k,
          holdings: [{ securityId: secAt(k % 10), qty: k % 5 }],
        };
      }
      return {
        type: "add_security",
        securityId: what === 3 ? secIds[0]! : 20 + k,
        symbol: `L${k}`,
        tickSize: "0.05",
        lotSize: 10,
        scale: 2,
        bandLow: 90,
        bandHigh: 110,
        shortLimit: 1,
        positionLimit: 0,
        maxOrderQty: 0,
        takerFee: 2,
        makerRebate: what === 5 ? 3 : 1,
        limitWeight: 2,
      };
    }
    default:
      throw new Error(`unknown step ${st.kind}`);
  }
}
