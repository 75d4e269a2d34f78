/**
 * Every rejection code of the core (shared/src/errors.ts): a command that produces it, and the proof
 * that it changed nothing (the canonical state before and after decide is deep-equal, no events).
 * A case whose command is accepted, or rejected with another code, fails: the checks' precedence is
 * part of the contract (docs/engine.md "Place: the rules, in the order they are checked").
 */
import { expect } from "chai";
import { ERROR_CODES, type ErrorCode } from "@marketroom/shared";
import { decide, emptyState, type CoreState } from "../../src/core/index.ts";
import type { Command, CreateGameCommand } from "../../src/core/commands.ts";
import { apply, canonical } from "./support.ts";

const S = 1; // narrow band 90..110, max order 100 lots, fee 2 / rebate 1
const W = 2; // wide band, scale 1000, position limit 50, short limit 5

/**
 * A running game: players a, b (cash 100,000, 50 lots of S), c (cash 10,000,000, 10,000 lots of S),
 * poor (cash 9, 5 lots of S), thin (cash 1,000). Resting on S (unless `orders` is false): c bids 10 @ 99
 * (order 1), c asks 10 @ 101 (order 2), b bids 5 @ 98 (order 3, clientOrderId "b1"), thin bids 5 @ 98
 * (order 4).
 */
function busy(
  game: Partial<CreateGameCommand> = {},
  phase: "running" | "paused" | "ended" = "running",
  orders = true,
): CoreState {
  const s = emptyState();
  let ts = 1_000;
  const run = (c: Command) => {
    const d = apply(s, c, ts++);
    if (!d.ok) throw new Error(`setup failed: ${d.code} ${d.message}`);
  };
  run({
    type: "create_game",
    gameId: "g",
    name: "rejections",
    stp: "cancel_incoming",
    maxMatches: 1000,
    allowShort: false,
    protectionBps: 500,
    ...game,
  });
  run({
    type: "add_security",
    securityId: S,
    symbol: "AAA",
    tickSize: "0.01",
    lotSize: 1,
    scale: 1,
    bandLow: 90,
    bandHigh: 110,
    shortLimit: 0,
    positionLimit: 0,
    maxOrderQty: 100,
    takerFee: 2,
    makerRebate: 1,
  });
  run({
    type: "add_security",
    securityId: W,
    symbol: "WWW",
    tickSize: "1",
    lotSize: 1,
    scale: 1000,
    bandLow: 1,
    bandHigh: 1_000_000_000,
    shortLimit: 5,
    positionLimit: 50,
    maxOrderQty: 0,
  });
  for (const [playerId, cash, qty] of [
    ["a", 100_000, 50],
    ["b", 100_000, 50],
    ["c", 10_000_000, 10_000],
    ["poor", 9, 5],
    ["thin", 1_000, 0],
  ] as const) {
    run({ type: "add_player", playerId, name: playerId, cash, holdings: [{ securityId: S, qty }] });
  }
  run({ type: "set_phase", phase: "running" });
  if (orders) {
    run({ type: "place", playerId: "c", securityId: S, side: "buy", price: 99, qty: 10 });
    run({ type: "place", playerId: "c", securityId: S, side: "sell", price: 101, qty: 10 });
    run({ type: "place", playerId: "b", securityId: S, side: "buy", price: 98, qty: 5, clientOrderId: "b1" });
    run({ type: "place", playerId: "thin", securityId: S, side: "buy", price: 98, qty: 5 });
  }
  if (phase !== "running") run({ type: "set_phase", phase });
  return s;
}

const buy = (playerId: string, price: number, qty: number, more: Partial<Command> = {}): Command =>
  ({ type: "place", playerId, securityId: S, side: "buy", price, qty, ...more }) as Command;

interface Case {
  code: ErrorCode;
  title: string;
  state: () => CoreState;
  command: Command;
}

const CASES: Case[] = [
  { code: "UNKNOWN_GAME", title: "an order before the game exists", state: emptyState, command: buy("a", 100, 1) },
  {
    code: "GAME_EXISTS",
    title: "creating the game twice",
    state: () => busy(),
    command: {
      type: "create_game",
      gameId: "g",
      name: "x",
      stp: "cancel_incoming",
      maxMatches: 1,
      allowShort: false,
      protectionBps: 1,
    },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "an unknown STP mode",
    state: emptyState,
    command: {
      type: "create_game",
      gameId: "g",
      name: "x",
      stp: "none",
      maxMatches: 1,
      allowShort: false,
      protectionBps: 1,
    },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "a maker rebate above the taker fee",
    state: () => busy(),
    command: {
      type: "add_security",
      securityId: 5,
      symbol: "R",
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 10,
      shortLimit: 0,
      positionLimit: 0,
      maxOrderQty: 0,
      takerFee: 1,
      makerRebate: 2,
    },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "an unknown cancel-all reason",
    state: () => busy(),
    command: { type: "cancel_all", playerId: "c", reason: "bored" },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "a news shift beyond -90%",
    state: () => busy(),
    command: { type: "announce", headline: "crash", atMs: 0, shifts: [{ securityId: S, bps: -9001 }] },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "a signal naming a player twice",
    state: () => busy(),
    command: { type: "signal", group: "g", text: "tip", playerIds: ["a", "a"] },
  },
  {
    code: "INVALID_ARGUMENT",
    title: "an admin detail above 500 bytes",
    state: () => busy(),
    command: { type: "log_admin", action: "note", actor: "admin", detail: "é".repeat(251) },
  },
  {
    code: "SECURITY_EXISTS",
    title: "adding security 1 again",
    state: () => busy(),
    command: {
      type: "add_security",
      securityId: S,
      symbol: "B",
      tickSize: "0.01",
      lotSize: 1,
      scale: 1,
      bandLow: 1,
      bandHigh: 10,
      shortLimit: 0,
      positionLimit: 0,
      maxOrderQty: 0,
    },
  },
  {
    code: "PLAYER_EXISTS",
    title: "adding player a again",
    state: () => busy(),
    command: { type: "add_player", playerId: "a", name: "a", cash: 1, holdings: [] },
  },
  {
    code: "UNKNOWN_SECURITY",
    title: "an order in security 9",
    state: () => busy(),
    command: { ...buy("a", 100, 1), securityId: 9 } as Command,
  },
  {
    code: "UNKNOWN_SECURITY",
    title: "an endowment in security 9",
    state: () => busy(),
    command: { type: "add_player", playerId: "d", name: "d", cash: 1, holdings: [{ securityId: 9, qty: 1 }] },
  },
  { code: "UNKNOWN_PLAYER", title: "an order by a stranger", state: () => busy(), command: buy("zz", 100, 1) },
  {
    code: "UNKNOWN_PLAYER",
    title: "a signal to a stranger",
    state: () => busy(),
    command: { type: "signal", group: "g", text: "tip", playerIds: ["a", "zz"] },
  },
  {
    code: "INVALID_PHASE_TRANSITION",
    title: "back to the lobby",
    state: () => busy(),
    command: { type: "set_phase", phase: "lobby" },
  },
  {
    code: "INVALID_SIDE",
    title: "side 'hold'",
    state: () => busy(),
    command: { ...buy("a", 100, 1), side: "hold" } as Command,
  },
  {
    code: "INVALID_ORDER_TYPE",
    title: "type 'stop'",
    state: () => busy(),
    command: buy("a", 100, 1, { orderType: "stop" }),
  },
  {
    code: "INVALID_TIME_IN_FORCE",
    title: "a GTC market order",
    state: () => busy(),
    command: buy("a", 100, 1, { orderType: "market", tif: "GTC" }),
  },
  {
    code: "INVALID_TIME_IN_FORCE",
    title: "a post-only IOC",
    state: () => busy(),
    command: buy("a", 100, 1, { tif: "IOC", postOnly: true }),
  },
  { code: "INVALID_PRICE", title: "a fractional price", state: () => busy(), command: buy("a", 99.5, 1) },
  {
    code: "INVALID_PRICE",
    title: "a limit order without price",
    state: () => busy(),
    command: buy("a", undefined as unknown as number, 1),
  },
  { code: "INVALID_QUANTITY", title: "qty 0", state: () => busy(), command: buy("a", 100, 0) },
  {
    code: "INVALID_QUANTITY",
    title: "an amend that changes nothing",
    state: () => busy(),
    command: { type: "amend", playerId: "b", securityId: S, orderId: 3, qty: 5 },
  },
  {
    code: "INVALID_CLIENT_ORDER_ID",
    title: "a 65-byte clientOrderId",
    state: () => busy(),
    command: buy("a", 100, 1, { clientOrderId: "x".repeat(65) }),
  },
  { code: "PRICE_OUT_OF_BAND", title: "a bid above the band", state: () => busy(), command: buy("a", 111, 1) },
  {
    code: "ORDER_TOO_LARGE",
    title: "101 lots where 100 is the maximum (before the band check)",
    state: () => busy(),
    command: buy("a", 200, 101),
  },
  {
    code: "NOTIONAL_TOO_LARGE",
    title: "price x qty x scale above 2^53",
    state: () => busy(),
    command: { ...buy("c", 1_000_000_000, 10_000_000), securityId: W } as Command,
  },
  {
    code: "POST_ONLY_WOULD_TAKE",
    title: "a post-only bid at the ask",
    state: () => busy(),
    command: buy("a", 101, 1, { postOnly: true }),
  },
  {
    code: "FOK_UNFILLABLE",
    title: "FOK for more than the asks up to its limit",
    state: () => busy(),
    command: buy("a", 101, 11, { tif: "FOK" }),
  },
  {
    code: "FOK_UNFILLABLE",
    title: "FOK against the player's own ask (cancel_incoming)",
    state: () => busy(),
    command: buy("c", 101, 1, { tif: "FOK" }),
  },
  {
    code: "NO_LIQUIDITY",
    title: "a market order on an empty book",
    state: () => busy(),
    command: { ...buy("a", 1, 1, { orderType: "market", tif: "IOC" }), securityId: W } as Command,
  },
  {
    code: "INVALID_LEVERAGE",
    title: "leverage on a book security (CFDs only: server/test/margin/cfd.test.ts)",
    state: () => busy(),
    command: { ...buy("a", 100, 1), leverage: 2 } as Command,
  },
  { code: "MARKET_CLOSED", title: "an order while paused", state: () => busy({}, "paused"), command: buy("a", 100, 1) },
  {
    code: "MARKET_CLOSED",
    title: "news after the end",
    state: () => busy({}, "ended"),
    command: { type: "announce", headline: "late", atMs: 0, shifts: [] },
  },
  {
    code: "INSUFFICIENT_FUNDS",
    title: "a bid beyond cash (fee included)",
    state: () => busy(),
    command: buy("poor", 90, 1),
  },
  {
    code: "INSUFFICIENT_FUNDS",
    title: "a sell whose taker fee (10) exceeds the cash (9)",
    state: () => busy(),
    command: { ...buy("poor", 100, 5), side: "sell" } as Command,
  },
  {
    code: "INSUFFICIENT_FUNDS",
    title: "an amend up beyond cash (old lock credited)",
    state: () => busy(),
    command: { type: "amend", playerId: "thin", securityId: S, orderId: 4, qty: 11 },
  },
  {
    code: "INSUFFICIENT_HOLDINGS",
    title: "selling 51 of 50 lots without short selling",
    state: () => busy(),
    command: { ...buy("a", 100, 51), side: "sell" } as Command,
  },
  {
    code: "POSITION_LIMIT",
    title: "a bid above the position limit of 50",
    state: () => busy(),
    command: { ...buy("a", 1, 51), securityId: W } as Command,
  },
  {
    code: "GROSS_POSITION_LIMIT",
    title: "a bid past the game's gross limit",
    state: () => busy({ grossLimit: 60 }, "running", false),
    command: buy("a", 95, 11),
  },
  {
    code: "NET_POSITION_LIMIT",
    title: "a bid past the game's net limit",
    state: () => busy({ netLimit: 55 }, "running", false),
    command: buy("a", 95, 6),
  },
  {
    code: "UNKNOWN_ORDER",
    title: "cancelling order 999",
    state: () => busy(),
    command: { type: "cancel", playerId: "a", securityId: S, orderId: 999 },
  },
  {
    code: "UNKNOWN_ORDER",
    title: "amending a malformed order id",
    state: () => busy(),
    command: { type: "amend", playerId: "a", securityId: S, orderId: 0, qty: 1 },
  },
  {
    code: "NOT_OWNER",
    title: "cancelling another player's order",
    state: () => busy(),
    command: { type: "cancel", playerId: "a", securityId: S, orderId: 1 },
  },
];

describe("core rejections (stable code, nothing changes)", () => {
  for (const c of CASES) {
    it(`${c.code}: ${c.title}`, () => {
      const s = c.state();
      const before = canonical(s);
      const d = decide(s, c.command, { ts: 9_999 });
      expect(d, JSON.stringify(d.ok ? d.result : d)).to.include({ ok: false, code: c.code });
      expect((d as { message: string }).message)
        .to.be.a("string")
        .and.not.equal("");
      expect(canonical(s)).to.deep.equal(before);
    });
  }

  it("a retry with a used clientOrderId returns the first result and changes nothing", () => {
    const s = busy();
    const before = canonical(s);
    const d = decide(s, buy("b", 97, 1, { clientOrderId: "b1" }), { ts: 9_999 });
    expect(d.ok).to.equal(true);
    const r = (d as { result: { duplicate: boolean; events: unknown[]; order: { orderId: number; price: number } } })
      .result;
    expect([r.duplicate, r.events, r.order.orderId, r.order.price]).to.deep.equal([true, [], 3, 98]);
    expect(canonical(s)).to.deep.equal(before);
  });

  it("every error code of shared/src/errors.ts has a case above", () => {
    expect(ERROR_CODES.filter((code) => !CASES.some((c) => c.code === code))).to.deep.equal([]);
  });
});
