/**
 * Market drivers over the real stack: news, private signals per group and bot takeover, through the
 * HTTP API, real Colyseus rooms (SDK clients over WebSockets), the game's writer (core, group commit to Valkey) and PostgreSQL
 * (persister). Also the engine's announce/signal rules and the rebuild/replay of their events.
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import { parseEvent, type EngineEvent, type ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameId, harness, join, waitFor, gameLog, type Harness } from "../support/harness.ts";
import { GameWriters as Engine, expectOk } from "../../src/engine/writers.ts";
import { rebuildFromEvents } from "../support/rebuild.ts";
import { GameFold } from "../../src/core/fold.ts";
import { referencesAt, shiftReference } from "../../src/scoring/references.ts";

type R = Room<any, ClientGameState>;
const sec = (room: R) => room.state.securities.get("1")!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("drivers: news, signals, bot takeover", function () {
  this.timeout(30_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  const events = (g: string): Promise<EngineEvent[]> => gameLog(h, g);

  describe("engine", () => {
    let engine: Engine;
    let g: string;
    beforeEach(async () => {
      engine = h.app.hub.engine;
      g = gameId("eng");
      expectOk(await engine.createGame(g, { name: "drivers" }));
      expectOk(await engine.addSecurity(g, { securityId: 1, symbol: "ACME" }));
      expectOk(await engine.addPlayer(g, { playerId: "p1", name: "one", cash: 1000 }));
      expectOk(await engine.addPlayer(g, { playerId: "p2", name: "two", cash: 1000 }));
    });

    it("announce logs a news event and keeps it in the news list; bad news is rejected and changes nothing", async () => {
      const ok = expectOk(
        await engine.announce(g, { headline: "ACME beats estimates", shifts: [{ securityId: 1, bps: 500 }] }, 1234),
      );
      expect(ok.events[0]).to.deep.include({
        type: "news",
        headline: "ACME beats estimates",
        shifts: [{ securityId: 1, bps: 500 }],
        atMs: 1234,
      });
      const before = (await events(g)).length;
      const bad = async (p: Promise<unknown>, code: string) => expect(await p).to.include({ ok: false, code });
      // raw values straight to the game's writer, past the NewsItem schema: the core re-checks them
      const raw = async (argv: (string | number)[]) => {
        const shifts = [];
        for (let i = 2; i < argv.length; i += 2) shifts.push({ securityId: argv[i], bps: argv[i + 1] });
        const d = await (
          await engine.writer(g)
        ).execute({ type: "announce", headline: argv[0], atMs: argv[1], shifts } as any, Date.now());
        return d.ok ? d.result : d;
      };
      await bad(raw(["", 0]), "INVALID_ARGUMENT");
      await bad(raw(["x".repeat(281), 0]), "INVALID_ARGUMENT");
      await bad(raw(["h", 0, 1, 10_001]), "INVALID_ARGUMENT");
      await bad(raw(["h", 0, 1, -9001]), "INVALID_ARGUMENT");
      await bad(raw(["h", 0, 1, "1.5"]), "INVALID_ARGUMENT");
      await bad(raw(["h", 0, 1, 10, 1, 20]), "INVALID_ARGUMENT");
      await bad(raw(["h", -1]), "INVALID_ARGUMENT");
      await bad(engine.announce(g, { headline: "h", shifts: [{ securityId: 9, bps: 10 }] }), "UNKNOWN_SECURITY");
      expect((await events(g)).length).to.equal(before);
      expect(await engine.newsList(g)).to.have.length(1);
      // 280 characters of multi-byte text are fine (characters, not bytes, are counted)
      expectOk(await engine.announce(g, { headline: "é".repeat(280) }));
      expectOk(await engine.setPhase(g, "ended"));
      await bad(engine.announce(g, { headline: "late" }), "MARKET_CLOSED");
    });

    it("signal lists its recipients; unknown players and securities are rejected", async () => {
      const ok = expectOk(
        await engine.signal(g, { group: "a", playerIds: ["p1"], text: "ACME is worth 120", securityId: 1, value: 120 }),
      );
      expect(ok.events[0]).to.deep.include({
        type: "signal",
        group: "a",
        playerIds: ["p1"],
        text: "ACME is worth 120",
        securityId: 1,
        value: 120,
      });
      expect(await engine.signal(g, { group: "a", playerIds: ["p1", "nobody"], text: "x" })).to.include({
        ok: false,
        code: "UNKNOWN_PLAYER",
      });
      expect(await engine.signal(g, { group: "a", playerIds: ["p1"], text: "x", securityId: 7 })).to.include({
        ok: false,
        code: "UNKNOWN_SECURITY",
      });
      expect(await engine.signal(g, { group: "a", playerIds: ["p1", "p1"], text: "x" })).to.include({
        ok: false,
        code: "INVALID_ARGUMENT",
      });
      expect(await engine.signalList(g)).to.have.length(1);
    });

    it("a log with news and signals rebuilds identically and replays", async () => {
      expectOk(await engine.announce(g, { headline: "up", shifts: [{ securityId: 1, bps: 250 }] }, 10));
      expectOk(await engine.signal(g, { group: "b", playerIds: ["p2"], text: "psst" }));
      const log = await events(g);
      const copy = gameId("rebuilt");
      await rebuildFromEvents(engine, copy, log);
      expect(await engine.newsList(copy)).to.have.length(1);
      expect((await engine.signalList(copy))[0]).to.deep.include({ playerIds: ["p2"], text: "psst" });
      const { state } = GameFold.of(log.map(parseEvent));
      expect(state.news).to.have.length(1);
      expect(state.news[0]).to.deep.include({ headline: "up", atMs: 10 });
      expect(state.signals[0]).to.deep.include({ group: "b", playerIds: ["p2"] });
    });
  });

  it("shiftReference rounds half up in integer math, cumulatively", () => {
    expect(shiftReference(100, 500)).to.equal(105);
    expect(shiftReference(105, -1000)).to.equal(95); // 94.5 -> 95
    expect(shiftReference(3, -9000)).to.equal(1); // never below 1 tick
    expect(shiftReference(0, 500)).to.equal(0); // no reference stays none
    const s = {
      scenario: null,
      securities: [{ securityId: 1, refPrice: 100 }],
      news: [
        { seq: 5, atMs: 1000, shifts: [{ securityId: 1, bps: 500 }] },
        { seq: 9, atMs: 2000, shifts: [{ securityId: 1, bps: -1000 }] },
      ],
    };
    expect(referencesAt(s, 999).get(1)).to.equal(100);
    expect(referencesAt(s, 1000).get(1)).to.equal(105);
    expect(referencesAt(s, 5000).get(1)).to.equal(95);
  });

  it("news reaches every player and observer in order and shifts the reference; referencesAt agrees", async () => {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(ra, obs);
    const r1 = await api(h, "POST", `/api/games/${game.gameId}/news`, {
      headline: "ACME wins a contract",
      shifts: [{ securityId: 1, bps: 1000 }],
    });
    expect(r1.status).to.equal(201);
    expect(r1.body.news).to.include({ type: "news", headline: "ACME wins a contract" });
    const r2 = await api(h, "POST", `/api/games/${game.gameId}/news`, { headline: "Markets calm" });
    expect(r2.status).to.equal(201);
    for (const r of [ra, obs]) {
      await waitFor(() => r.state.news.length === 2, "both headlines");
      expect(r.state.news.map((n) => n.headline)).to.deep.equal(["ACME wins a contract", "Markets calm"]);
      expect(r.state.news[0]!.shifts[0]).to.include({ securityId: 1, bps: 1000 });
      await waitFor(() => sec(r).refPrice === 110, "shifted reference 100 -> 110");
    }
    // A late joiner sees the headlines at once.
    const c = await join(h, game.joinCode, "carol");
    const rc = await connect(h, game.gameId, c.token);
    open.push(rc);
    expect(rc.state.news.length).to.equal(2);
    // The room's reference equals referencesAt over the log's news, also after the room's 1 s refresh.
    await sleep(1200);
    const rec = (await h.app.service.store.get(game.gameId))!;
    const refs = referencesAt(
      await h.app.service.drivers.withNews(game.gameId, rec.settings),
      await h.app.service.elapsed(game.gameId),
    );
    expect(refs.get(1)).to.equal(110);
    expect(sec(ra).refPrice).to.equal(110);
    // Marks at the end use it too: the untraded ACME is marked at 110.
    const end = await api(h, "POST", `/api/games/${game.gameId}/end`);
    const row = end.body.leaderboard.find((l: { playerId: string }) => l.playerId === a.playerId);
    expect(row.equity).to.equal(100_000 + 100 * 110);
  });

  it("bots follow the shifted reference: a market maker requotes around it", async () => {
    const game = await createGame(h, {
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 1000 }],
      endowment: { cash: 1_000_000 },
    });
    await api(h, "POST", `/api/games/${game.gameId}/bots`, { kind: "market_maker" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(obs);
    const mid = () => (sec(obs).bids[0]!.price + sec(obs).asks[0]!.price) / 2;
    await waitFor(
      () => sec(obs).bids.length && sec(obs).asks.length && Math.abs(mid() - 1000) <= 3,
      "quotes around 1000",
    );
    await api(h, "POST", `/api/games/${game.gameId}/news`, {
      headline: "ACME doubles",
      shifts: [{ securityId: 1, bps: 10_000 }],
    });
    await waitFor(
      () => sec(obs).bids.length && sec(obs).asks.length && Math.abs(mid() - 2000) <= 6,
      "quotes around the shifted 2000",
    );
    expect(sec(obs).refPrice).to.equal(2000);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("scheduled news goes out at its running time (atSec) and is logged once", async () => {
    const game = await createGame(h, {
      news: [{ atSec: 1, headline: "One second in", shifts: [{ securityId: 1, bps: -500 }] }],
    });
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(obs);
    await sleep(1300);
    expect(obs.state.news.length).to.equal(0); // lobby: the round's clock has not started
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    await waitFor(() => obs.state.news.length === 1, "the scheduled headline");
    expect(obs.state.news[0]!.atMs).to.be.at.least(1000);
    await waitFor(() => sec(obs).refPrice === 95, "reference 100 -> 95");
    await sleep(500);
    expect((await events(game.gameId)).filter((e) => e.type === "news")).to.have.length(1);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("a private signal reaches only its group; the other player cannot see it", async () => {
    const game = await createGame(h, { groups: ["insiders", "outsiders"] });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice"); // insiders (first to join)
    const b = await join(h, game.joinCode, "bob"); // outsiders
    const ra = await connect(h, game.gameId, a.token);
    const rb = await connect(h, game.gameId, b.token);
    const adm = await connect(h, game.gameId, h.admin);
    open.push(ra, rb, adm);
    await waitFor(() => ra.state.players.get(a.playerId)?.group === "insiders", "alice's group");
    await waitFor(() => rb.state.players.get(b.playerId)?.group === "outsiders", "bob's group");
    const r = await api(h, "POST", `/api/games/${game.gameId}/signals`, {
      group: "insiders",
      text: "ACME will settle at 130",
      securityId: 1,
      value: 130,
    });
    expect(r.status).to.equal(201);
    expect(r.body.signal.playerIds).to.deep.equal([a.playerId]);
    const mine = () => ra.state.players.get(a.playerId)!.signals;
    await waitFor(() => mine().length === 1, "alice's signal");
    expect(mine()[0]).to.include({ text: "ACME will settle at 130", securityId: 1, value: 130, group: "insiders" });
    await waitFor(() => adm.state.players.get(a.playerId)?.signals?.length === 1, "the admin sees it");
    await sleep(300);
    expect(rb.state.players.get(b.playerId)!.signals.length).to.equal(0);
    expect(rb.state.players.get(a.playerId)!.signals).to.equal(undefined); // private to alice
    expect(rb.state.players.get(a.playerId)!.group).to.equal(undefined);
    // Reassigning bob lets him receive the next one.
    expect(
      (await api(h, "PUT", `/api/games/${game.gameId}/players/${b.playerId}/group`, { group: "insiders" })).status,
    ).to.equal(200);
    await api(h, "POST", `/api/games/${game.gameId}/signals`, { group: "insiders", text: "second" });
    await waitFor(() => rb.state.players.get(b.playerId)!.signals.length === 1, "bob's signal after the move");
    await waitFor(() => mine().length === 2, "alice's second signal");
    // A signal to a group with no players, or to no group of the game, is refused.
    expect(
      (await api(h, "POST", `/api/games/${game.gameId}/signals`, { group: "outsiders", text: "x" })).body.code,
    ).to.equal("INVALID_BODY");
    expect(
      (await api(h, "POST", `/api/games/${game.gameId}/signals`, { group: "nobody", text: "x" })).body.code,
    ).to.equal("INVALID_BODY");
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("rejects bad news, signal, group and takeover requests with stable codes and changes nothing", async () => {
    const game = await createGame(h, { groups: ["g1"] });
    const p = await join(h, game.joinCode, "pat");
    const n = (await events(game.gameId)).length;
    const post = (path: string, body: unknown, token?: string | null) =>
      api(h, "POST", `/api/games/${game.gameId}${path}`, body, token);
    const expectCode = async (p: Promise<{ status: number; body: any }>, status: number, code: string) => {
      const r = await p;
      expect([r.status, r.body?.code]).to.deep.equal([status, code]);
    };
    await expectCode(post("/news", { headline: "" }), 400, "INVALID_BODY");
    await expectCode(post("/news", { headline: "x".repeat(281) }), 400, "INVALID_BODY");
    await expectCode(post("/news", { headline: "h", shifts: [{ securityId: 1, bps: 10_001 }] }), 400, "INVALID_BODY");
    await expectCode(post("/news", { headline: "h", shifts: [{ securityId: 1, bps: 2.5 }] }), 400, "INVALID_BODY");
    await expectCode(post("/news", { headline: "h", shifts: [{ securityId: 2, bps: 10 }] }), 404, "UNKNOWN_SECURITY");
    await expectCode(post("/news", { headline: "h" }, p.token), 403, "FORBIDDEN");
    await expectCode(post("/news", { headline: "h" }, null), 401, "UNAUTHORIZED");
    await expectCode(api(h, "POST", "/api/games/no-such-game/news", { headline: "h" }), 404, "UNKNOWN_GAME");
    await expectCode(post("/signals", { group: "g1" }), 400, "INVALID_BODY");
    await expectCode(post("/signals", { group: "g1", text: "t", value: -1 }), 400, "INVALID_BODY");
    await expectCode(post("/signals", { group: "g1", text: "t", securityId: 3 }), 404, "UNKNOWN_SECURITY");
    await expectCode(
      api(h, "PUT", `/api/games/${game.gameId}/players/${p.playerId}/group`, { group: "g9" }),
      400,
      "INVALID_BODY",
    );
    await expectCode(
      api(h, "PUT", `/api/games/${game.gameId}/players/nobody/group`, { group: "g1" }),
      404,
      "UNKNOWN_PLAYER",
    );
    // botTakeover is off in this round
    await expectCode(post(`/players/${p.playerId}/takeover`, { kind: "noise" }), 403, "FORBIDDEN");
    await expectCode(api(h, "DELETE", `/api/games/${game.gameId}/players/${p.playerId}/takeover`), 403, "FORBIDDEN");
    expect((await events(game.gameId)).length).to.equal(n);
    // CreateGameBody: a signal for a group the game does not have, a shift of an unknown security
    const bad = await api(h, "POST", "/api/games", {
      name: "x",
      securities: [{ securityId: 1, symbol: "A" }],
      endowment: { cash: 1 },
      groups: ["a"],
      signals: [{ atSec: 1, group: "b", text: "t" }],
    });
    expect(bad.body.code).to.equal("INVALID_BODY");
    const bad2 = await api(h, "POST", "/api/games", {
      name: "x",
      securities: [{ securityId: 1, symbol: "A" }],
      endowment: { cash: 1 },
      news: [{ atSec: 1, headline: "h", shifts: [{ securityId: 5, bps: 1 }] }],
    });
    expect(bad2.body.code).to.equal("INVALID_BODY");
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await expectCode(post("/news", { headline: "after the end" }), 409, "MARKET_CLOSED");
  });

  it("a bot takes over a seat: orders appear on the player's account, stop when handed back; automatic on leave, back on rejoin", async () => {
    const game = await createGame(h, { rules: { botTakeover: true } });
    const mm = await api(h, "POST", `/api/games/${game.gameId}/bots`, { kind: "market_maker" });
    expect(mm.status).to.equal(201);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const obs = await connect(h, game.gameId, undefined, { observer: true });
    open.push(obs);
    const placedBy = async (pid: string) =>
      (await events(game.gameId)).filter((e: EngineEvent) => e.type === "order_accepted" && e.playerId === pid).length;
    expect(await placedBy(a.playerId)).to.equal(0);

    const t = await api(h, "POST", `/api/games/${game.gameId}/players/${a.playerId}/takeover`, { kind: "noise" });
    expect(t.status).to.equal(200);
    expect(t.body).to.include({ playerId: a.playerId, kind: "noise", auto: false });
    await waitFor(() => obs.state.players.get(a.playerId)?.takeover === "noise", "the seat shows the bot");
    const deadline = Date.now() + 30_000; // ends as soon as the bot has placed twice
    while ((await placedBy(a.playerId)) < 2 && Date.now() < deadline) await sleep(100);
    expect(await placedBy(a.playerId)).to.be.at.least(2);

    expect((await api(h, "DELETE", `/api/games/${game.gameId}/players/${a.playerId}/takeover`)).status).to.equal(204);
    await waitFor(() => obs.state.players.get(a.playerId)?.takeover === "", "the seat is the player's again");
    const after = await placedBy(a.playerId);
    expect(((await h.app.hub.engine.orders(game.gameId, a.playerId)) as { orders: unknown[] }).orders).to.have.length(
      0,
    );
    await sleep(1200);
    expect(await placedBy(a.playerId)).to.equal(after);
    const actions = (await events(game.gameId))
      .filter((e) => e.type === "admin_action")
      .map((e) => (e as { action: string; detail: string }).action);
    expect(actions).to.include.members(["seat_taken_over", "seat_returned"]);
    expect((await api(h, "DELETE", `/api/games/${game.gameId}/players/${a.playerId}/takeover`)).body.code).to.equal(
      "UNKNOWN_PLAYER",
    );

    // Automatic: alice leaves the room for good, a bot takes her seat; she comes back, it is hers again.
    const ra = await connect(h, game.gameId, a.token);
    await ra.leave();
    await waitFor(() => obs.state.players.get(a.playerId)?.takeover === "market_maker", "automatic takeover");
    const ra2 = await connect(h, game.gameId, a.token);
    open.push(ra2);
    await waitFor(() => obs.state.players.get(a.playerId)?.takeover === "", "handed back on rejoin");
    const log = (await events(game.gameId)).filter(
      (e) => e.type === "admin_action" && e.actor === "system" && e.action.startsWith("seat_"),
    );
    expect(log.map((e) => (e as { action: string }).action)).to.deep.equal(["seat_taken_over", "seat_returned"]);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });
});
