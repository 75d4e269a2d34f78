/**
 * Round lifecycle through real rooms and HTTP: pause closes the market to orders (MARKET_CLOSED) but
 * not to cancels; a countdown start; trading periods with breaks; a scheduled start that survives a
 * server restart (a second app on the same Valkey re-arms it with resumeAll).
 */
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { createLogger } from "../../src/config.ts";
import { GameWriters as Engine } from "../../src/engine/writers.ts";
import { GameHub } from "../../src/game/hub.ts";
import { GameService } from "../../src/game/service.ts";
import { Metrics } from "../../src/metrics.ts";
import { api, connect, createGame, gameId, gameLog, harness, join, waitFor, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const req = (room: R, type: string, body: unknown) => room.request(type, body) as Promise<CommandReply>;
const phaseOf = async (h: Harness, id: string) => (await api(h, "GET", `/api/games/${id}`)).body.phase as string;

describe("round lifecycle", function () {
  this.timeout(30_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("paused: orders and amends are rejected MARKET_CLOSED, cancels go through; resume reopens", async () => {
    const game = await createGame(h, { durationSec: 600 });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const first = await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 5 });
    const second = await req(ra, "place", { securityId: 1, side: "buy", price: 91, qty: 5 });
    expect(first.ok && second.ok).to.equal(true);
    const id1 = first.ok ? first.order!.orderId : 0;
    const id2 = second.ok ? second.order!.orderId : 0;

    const paused = await api(h, "POST", `/api/games/${game.gameId}/pause`);
    expect(paused.body.phase).to.equal("paused");
    // The phase (engine event) and the clock (service) reach the room separately: wait for both.
    await waitFor(
      () => ra.state.phase === "paused" && ra.state.clock.endsAt === 0,
      "paused phase and stopped clock in the room",
    );
    const remaining = ra.state.clock.remainingMs;
    expect(remaining).to.be.within(590_000, 600_000);
    const seq = ra.state.seq;
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 92, qty: 1 })).to.include({
      ok: false,
      code: "MARKET_CLOSED",
    });
    expect(await req(ra, "place", { securityId: 1, side: "sell", type: "market", tif: "IOC", qty: 1 })).to.include({
      ok: false,
      code: "MARKET_CLOSED",
    });
    expect(await req(ra, "amend", { securityId: 1, orderId: id1, qty: 5, price: 93 })).to.include({
      ok: false,
      code: "MARKET_CLOSED",
    });
    expect(ra.state.seq).to.equal(seq);
    expect(await req(ra, "cancel", { securityId: 1, orderId: id1 })).to.include({ ok: true });
    expect(await req(ra, "cancel-all", {})).to.include({ ok: true });
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 0, "both orders cancelled while paused");
    expect(id2).to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(ra.state.clock.remainingMs).to.equal(remaining); // the round clock stands still

    await api(h, "POST", `/api/games/${game.gameId}/resume`);
    await waitFor(() => ra.state.phase === "running", "running again");
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 92, qty: 1 })).to.include({ ok: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("an ended round's writer leaves memory once its room closes; a later read reopens it", async () => {
    const game = await createGame(h, { durationSec: 600 });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 5 })).to.include({ ok: true });
    expect(h.app.hub.engine.games()).to.include(game.gameId);
    await api(h, "POST", `/api/games/${game.gameId}/end`);
    await waitFor(() => ra.state.phase === "ended", "ended in the room");
    await ra.leave();
    await waitFor(() => !h.app.hub.engine.games().includes(game.gameId), "the writer released after the room closed");
    const book = await h.app.hub.engine.book(game.gameId, 1);
    expect(book).to.have.property("bids").that.deep.equals([]); // the end cancelled the bid; read from Valkey
  });

  it("a countdown start keeps the lobby, shows startsAt, then starts by itself", async () => {
    const game = await createGame(h, { durationSec: 60 });
    const room = await connect(h, game.gameId, h.admin);
    open.push(room);
    // The player is in the room before the countdown starts, so a busy machine's slow join cannot eat it.
    const a = await join(h, game.joinCode, "early");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const t0 = Date.now();
    const r = await api(h, "POST", `/api/games/${game.gameId}/start`, { countdownSec: 2 });
    expect(r.status).to.equal(200);
    expect(r.body.phase).to.equal("lobby");
    expect(r.body.clock.startsAt).to.be.within(t0 + 1900, Date.now() + 2100);
    // the whole log (the persister process may already have moved these events to PostgreSQL)
    const logged = (await gameLog(h, game.gameId)).filter((e) => e.type === "admin_action");
    expect(
      logged.map((e) => (e as { action: string }).action),
      "the countdown is in the log",
    ).to.include("start_scheduled");
    await waitFor(() => room.state.clock.startsAt > 0, "startsAt in the room");
    const early = await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 1 });
    // Before startsAt the market is closed (a request answered after it may meet the started round).
    if (Date.now() < r.body.clock.startsAt) expect(early).to.include({ ok: false, code: "MARKET_CLOSED" });
    await waitFor(() => room.state.phase === "running", "started by the countdown");
    expect(Date.now() - t0).to.be.at.least(1950);
    await waitFor(() => room.state.clock.startsAt === 0 && room.state.clock.startedAt > 0, "clock of a started round");
    expect(room.state.clock).to.include({ period: 1, periods: 1, durationMs: 60_000 });
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 1 })).to.include({ ok: true });
    // bad bodies change nothing
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`, { countdownSec: -1 })).body.code).to.equal(
      "INVALID_BODY",
    );
    expect((await api(h, "POST", `/api/games/${game.gameId}/start`, { countdownSec: 5 })).body.code).to.equal(
      "INVALID_PHASE_TRANSITION",
    );
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("a countdown replaced by an immediate start and one ended in the lobby never fire later", async () => {
    const g1 = await createGame(h);
    await api(h, "POST", `/api/games/${g1.gameId}/start`, { countdownSec: 1 });
    await api(h, "POST", `/api/games/${g1.gameId}/start`);
    expect(await phaseOf(h, g1.gameId)).to.equal("running");
    const g2 = await createGame(h);
    await api(h, "POST", `/api/games/${g2.gameId}/start`, { countdownSec: 1 });
    await api(h, "POST", `/api/games/${g2.gameId}/end`);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await phaseOf(h, g1.gameId)).to.equal("running");
    expect(await phaseOf(h, g2.gameId)).to.equal("ended");
    const d = (await api(h, "GET", `/api/games/${g2.gameId}`)).body;
    expect(d.clock.startsAt).to.equal(0);
    await api(h, "POST", `/api/games/${g1.gameId}/end`);
  });

  it("periods: 2 x 3 s with a 2 s break; the break is the paused phase, the round ends after period 2", async function () {
    this.timeout(60_000);
    // Times are checked as lower bounds and against the server's own breakEndsAt: timers never fire early,
    // but on a busy machine they (and the patches that show them) may arrive late.
    const game = await createGame(h, { schedule: { periods: { count: 2, durationSec: 3, breakSec: 2 } } });
    expect(game.durationSec).to.equal(null);
    const a = await join(h, game.joinCode, "alice");
    const ra = await connect(h, game.gameId, a.token);
    open.push(ra);
    const phases: string[] = [ra.state.phase];
    const clocks: { period: number; phase: string; breakEndsAt: number }[] = [];
    ra.onStateChange((st) => {
      if (phases.at(-1) !== st.phase) phases.push(st.phase);
      clocks.push({ period: st.clock.period, phase: st.phase, breakEndsAt: st.clock.breakEndsAt });
    });
    expect(ra.state.clock).to.include({ periods: 2, period: 0, durationMs: 3000 });
    const t0 = Date.now();
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    // The phase (engine event) and the clock (service) reach the room separately: wait for both.
    await waitFor(() => ra.state.phase === "running" && ra.state.clock.period === 1, "period 1");
    const resting = await req(ra, "place", { securityId: 1, side: "buy", price: 90, qty: 1 });
    expect(resting.ok).to.equal(true);

    await waitFor(() => ra.state.phase === "paused", "the break");
    expect(Date.now() - t0).to.be.at.least(2900);
    const breakEndsAt = await waitFor(() => ra.state.clock.breakEndsAt, "breakEndsAt");
    expect(breakEndsAt - t0, "period 1 (3 s), then a 2 s break").to.be.at.least(4900);
    expect(ra.state.clock).to.include({ period: 1, remainingMs: 0 });
    const inBreak = await req(ra, "place", { securityId: 1, side: "buy", price: 91, qty: 1 });
    if (Date.now() < breakEndsAt) expect(inBreak).to.include({ ok: false, code: "MARKET_CLOSED" });

    await waitFor(() => ra.state.phase === "running", "period 2");
    expect(Date.now(), "period 2 starts when the break ends, not before").to.be.at.least(breakEndsAt);
    await waitFor(() => ra.state.clock.period === 2 && ra.state.clock.breakEndsAt === 0, "period 2 clock");
    expect(await req(ra, "place", { securityId: 1, side: "buy", price: 91, qty: 1 })).to.include({ ok: true });

    await waitFor(() => ra.state.phase === "ended", "the end after period 2");
    expect(Date.now()).to.be.at.least(breakEndsAt + 2900); // period 2: 3 s after the break
    expect(phases).to.deep.equal(["lobby", "running", "paused", "running", "ended"]);
    expect(clocks.some((c) => c.phase === "paused" && c.period === 1 && c.breakEndsAt > 0)).to.equal(true);
    const d = (await api(h, "GET", `/api/games/${game.gameId}`)).body;
    expect(d.clock).to.include({ period: 2, periods: 2, remainingMs: 0, breakEndsAt: 0 });
    await waitFor(() => ra.state.players.get(a.playerId)!.orders.size === 0, "orders cancelled at the end");
  });

  it("an admin pause inside a period stops the round clock; pause in a break holds it until resume", async function () {
    this.timeout(60_000);
    // 5 s periods: long enough that the pause lands inside period 1 even when every request is slow
    const game = await createGame(h, { schedule: { periods: { count: 2, durationSec: 5, breakSec: 1 } } });
    const room = await connect(h, game.gameId, h.admin);
    open.push(room);
    const t0 = Date.now();
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    await waitFor(() => room.state.phase === "running", "running");
    await new Promise((r) => setTimeout(r, 300));
    await api(h, "POST", `/api/games/${game.gameId}/pause`);
    const ranAtMost = Date.now() - t0;
    const held = (await api(h, "GET", `/api/games/${game.gameId}`)).body.clock;
    expect(held.remainingMs).to.be.within(5000 - ranAtMost, 4700);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await phaseOf(h, game.gameId)).to.equal("paused"); // no break, no end while held
    expect((await api(h, "GET", `/api/games/${game.gameId}`)).body.clock.remainingMs, "the clock stood still").to.equal(
      held.remainingMs,
    );
    await api(h, "POST", `/api/games/${game.gameId}/resume`);
    await waitFor(() => room.state.clock.breakEndsAt > 0, "the break after period 1");
    // pause during the break: the market stays closed past breakEndsAt
    const hold = await api(h, "POST", `/api/games/${game.gameId}/pause`);
    expect(hold.status).to.equal(200);
    expect(hold.body.clock.breakEndsAt).to.equal(0);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await phaseOf(h, game.gameId)).to.equal("paused");
    await api(h, "POST", `/api/games/${game.gameId}/resume`);
    await waitFor(() => room.state.phase === "running" && room.state.clock.period === 2, "period 2");
    await waitFor(() => room.state.phase === "ended", "ended after period 2");
  });

  it("a scheduled start (schedule.startAt) survives a restart: another server re-arms it", async function () {
    const id = gameId("sched");
    const startAt = Date.now() + 5000; // far enough ahead that the second server arms it before it is due
    const created = await api(h, "POST", "/api/games", {
      gameId: id,
      name: "scheduled",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 1000 },
      durationSec: 30,
      schedule: { startAt },
    });
    expect(created.status).to.equal(201);
    expect(created.body.clock.startsAt).to.equal(startAt);
    // The harness's server forgets the timer (as a crash would) ...
    (h.app.service as any).disarm(id);
    await h.app.hub.engine.release(id); // ... and the game it was writing

    // ... and a second server on the same Valkey picks the schedule up.
    const log = createLogger("silent");
    const other = new GameService({
      hub: new GameHub(new Engine(h.valkey), new Metrics(), log),
      valkey: h.valkey,
      log,
    });
    await other.init();
    try {
      await other.resumeAll([id]);
      expect(await phaseOf(h, id)).to.equal("lobby");
      const until = Date.now() + 30_000;
      let phase = "lobby";
      while (phase === "lobby" && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        phase = await phaseOf(h, id);
      }
      expect(phase).to.equal("running");
      expect(Date.now()).to.be.at.least(startAt);
      const rec = await other.record(id);
      expect(rec.startedAt).to.be.at.least(startAt);
      expect(rec.startAt).to.equal(0);
    } finally {
      await other.shutdown();
      await api(h, "POST", `/api/games/${id}/end`);
    }
  });

  it("bad schedules are refused with INVALID_BODY", async () => {
    const base = { name: "x", securities: [{ securityId: 1, symbol: "ACME" }], endowment: { cash: 1 } };
    for (const schedule of [
      { periods: { count: 0, durationSec: 1 } },
      { periods: { count: 2, durationSec: 0 } },
      { startAt: -5 },
    ]) {
      const r = await api(h, "POST", "/api/games", { ...base, schedule });
      expect(r.status, JSON.stringify(schedule)).to.equal(400);
      expect(r.body.code).to.equal("INVALID_BODY");
    }
    const both = await api(h, "POST", "/api/games", {
      ...base,
      durationSec: 10,
      schedule: { periods: { count: 2, durationSec: 5 } },
    });
    expect(both.body.code).to.equal("INVALID_BODY");
  });
});
