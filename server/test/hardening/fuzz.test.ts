/**
 * Bounded, seeded fuzzing of what users send (issue 11): room command messages and HTTP bodies carrying
 * broken text (NUL and other control characters, bidi overrides, lone surrogates, over-long strings,
 * wrong types) must get a clear, stable code (INVALID_MESSAGE in the room, INVALID_BODY over HTTP) and
 * change nothing: the game's event seq stays where it was (every change logs an event), no game,
 * session or player appears. FUZZ_SEED replays a run (fast-check prints the seed of a failure).
 */
import { expect } from "chai";
import fc from "fast-check";
import type { CommandReply, JoinReply } from "@marketroom/shared";
import { seqKey } from "../../src/engine/keys.ts";
import { api, connect, createGame, gameId, harness, join, type Harness } from "../support/harness.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

/** Characters no user text may hold: C0, DEL, C1, line/paragraph separators, bidi overrides, a lone surrogate. */
const BAD_CHAR = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u0008",
  "\u001b",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u009f",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2066",
  "\ud800",
  "\udfff",
  "\t",
  "\r",
);
/** A short word that is fine on its own. */
const WORD = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);

/** Text that breaks the text() rules of a field whose limit is `max` characters. */
const badText = (max: number) =>
  fc.oneof(
    fc.tuple(WORD, BAD_CHAR, WORD).map(([a, c, b]) => `${a}${c}${b}`),
    fc.integer({ min: max + 1, max: max + 40 }).map((n) => "x".repeat(n)),
    fc.integer({ min: Math.ceil((max + 1) / 2), max: max + 10 }).map((n) => "\u{1F600}".repeat(n) + "y".repeat(max)),
    fc.constant(""),
    fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(WORD, { maxLength: 2 }),
      fc.dictionary(WORD, WORD, { maxKeys: 2 }),
    ),
  );

describe("hardening: fuzzed room messages and HTTP bodies get clear codes and change nothing", function () {
  this.timeout(120_000);
  let h: Harness;
  let g: Awaited<ReturnType<typeof createGame>>;
  let alice: JoinReply;
  const rooms: { leave(): Promise<unknown> }[] = [];
  const seq = async () => Number(await h.valkey.get(seqKey(g.gameId)));

  before(async () => {
    h = await harness();
    g = await createGame(h, { groups: ["a"] });
    alice = await join(h, g.joinCode, "alice");
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
  });
  after(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("room commands with broken text or shapes: INVALID_MESSAGE, nothing logged", async () => {
    const room = await connect(h, g.gameId, alice.token);
    rooms.push(room);
    const place = { securityId: 1, side: "buy", price: 90, qty: 1 };
    const message = fc.oneof(
      fc.record({
        type: fc.constant("place"),
        body: badText(64).map((clientOrderId) => ({ ...place, clientOrderId })),
      }),
      fc.record({ type: fc.constant("place"), body: badText(64).map((ref) => ({ ...place, ref })) }),
      fc.record({
        type: fc.constantFrom("cancel", "amend", "cancel-all"),
        body: badText(64).map((ref) => ({ securityId: 1, orderId: 1, qty: 1, ref })),
      }),
      fc.record({
        type: fc.constantFrom("place", "cancel", "amend", "cancel-all"),
        body: fc.oneof(
          fc.constant(null),
          fc.integer(),
          WORD,
          fc.array(fc.integer(), { maxLength: 3 }),
          fc.record({
            securityId: fc.oneof(fc.constant("1"), fc.constant(-1), fc.double({ noInteger: true })),
            side: WORD,
            qty: fc.oneof(fc.constant(0), fc.double({ noInteger: true }), WORD),
          }),
        ),
      }),
    );
    const before = await seq();
    await fc.assert(
      fc.asyncProperty(message, async ({ type, body }) => {
        const r = (await room.request(type, body)) as CommandReply;
        expect(r.ok, JSON.stringify({ type, body, r })).to.equal(false);
        if (!r.ok) expect(r.code, JSON.stringify({ type, body })).to.equal("INVALID_MESSAGE");
        expect(await seq()).to.equal(before);
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(room.state.players.get(alice.playerId)?.orders?.size ?? 0).to.equal(0);
  });

  it("HTTP bodies with broken text: INVALID_BODY, no player, game, session, headline or signal appears", async () => {
    const players = async () => (await api(h, "GET", `/api/games/${g.gameId}`)).body.players as unknown;
    const playersBefore = JSON.stringify(await players());
    const seqBefore = await seq();
    const body = {
      name: "fuzz",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 1000 },
    };
    const request = fc.oneof(
      badText(32).map((name) => ({ path: "/api/join", body: { code: g.joinCode, name } as unknown, check: "join" })),
      badText(200).map((name) => ({
        path: "/api/games",
        body: { ...body, gameId: gameId("fz"), name } as unknown,
        check: "game",
      })),
      badText(40).map((name) => ({
        path: "/api/games",
        body: { ...body, gameId: gameId("fz"), bots: [{ kind: "noise", name }] } as unknown,
        check: "game",
      })),
      badText(280).map((text) => ({
        path: "/api/games",
        body: { ...body, gameId: gameId("fz"), news: [{ atSec: 1, headline: text }] } as unknown,
        check: "game",
      })),
      badText(200).map((name) => ({
        path: "/api/sessions",
        body: { sessionId: gameId("fs"), name } as unknown,
        check: "session",
      })),
      badText(280).map((headline) => ({
        path: `/api/games/${g.gameId}/news`,
        body: { headline } as unknown,
        check: "seq",
      })),
      badText(280).map((text) => ({
        path: `/api/games/${g.gameId}/signals`,
        body: { group: "a", text } as unknown,
        check: "seq",
      })),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body: b, check }) => {
        const r = await api(h, "POST", path, b, path === "/api/join" ? null : undefined);
        const what = JSON.stringify({ path, b, r: r.body });
        expect(r.status, what).to.equal(400);
        expect(r.body.code, what).to.equal("INVALID_BODY");
        expect(r.body.issues, what).to.be.an("array").that.is.not.empty;
        const id = (b as { gameId?: string; sessionId?: string }).gameId ?? (b as { sessionId?: string }).sessionId;
        if (check === "game") expect((await api(h, "GET", `/api/games/${id}`)).status, what).to.equal(404);
        if (check === "session") expect((await api(h, "GET", `/api/sessions/${id}`)).status, what).to.equal(404);
      }),
      { seed: SEED, numRuns: 120 },
    );
    expect(await seq()).to.equal(seqBefore);
    expect(JSON.stringify(await players())).to.equal(playersBefore);
  });

  it("accepted text comes out NFC and trimmed: e + U+0301 joins as U+00E9", async () => {
    const r = await api(h, "POST", "/api/join", { code: g.joinCode, name: "  Rene\u0301e " }, null);
    expect(r.status).to.equal(201);
    expect(r.body.name).to.equal("Ren\u00e9e");
  });

  it("a path with a bad %-escape is NOT_FOUND (404), not INVALID_BODY", async () => {
    for (const path of [
      "/api/games/%ZZ",
      "/api/games/%ZZ/replay",
      "/api/games/%E0%A4%A/leaderboard",
      `/api/games/${g.gameId}/export/%ZZ`,
    ]) {
      const r = await api(h, "GET", path);
      expect([r.status, r.body.code], path).to.deep.equal([404, "NOT_FOUND"]);
    }
  });
});
