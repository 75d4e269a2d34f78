/**
 * Automatic private signals of state-contingent claims through the real server (docs/markets.md
 * "Private signals"): with the default rule ("the state is NOT X") each player, also one who joins after
 * the start, gets exactly one signal, consistent with the true state and equal to the documented
 * SHA-256 draw recomputed here; it is in the player's own state, never in the bytes another player's
 * connection receives, and in the log with that player as its only recipient. A noisy rule with a
 * signal each period sends each player one signal per period, each equal to the documented draw.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import type { Room } from "@colyseus/sdk";
import type { EventOf, JoinReply, SignalState, ClientGameState } from "@marketroom/shared";
import { api, connect, createGame, gameLog, harness, join, waitFor, until, type Harness } from "../support/harness.ts";

type R = Room<any, ClientGameState>;
const SYMBOLS = ["RAIN", "SUN", "SNOW", "FOG"];

/** Every binary frame the room's WebSocket receives from now on. */
function tap(room: R): Buffer[] {
  const frames: Buffer[] = [];
  const ws = (room as unknown as { connection: { transport: { ws: any } } }).connection.transport.ws;
  ws.addEventListener("message", (ev: { data: unknown }) => {
    const d = ev.data;
    frames.push(Buffer.from(d instanceof ArrayBuffer ? new Uint8Array(d) : (d as Uint8Array)));
  });
  return frames;
}

const u32 = (s: string, at: number) => createHash("sha256").update(s).digest().readUInt32BE(at);

/** The documented state draw: x = SHA-256("<seed>:contingent")[0..4] mod sum(w); first i with w_1..w_i > x. */
function truthOf(seed: string, weights: number[]): number {
  let x = u32(`${seed}:contingent`, 0) % weights.reduce((a, w) => a + w, 0);
  for (let i = 0; ; i++) {
    if (x < weights[i]!) return i;
    x -= weights[i]!;
  }
}

/** The documented signal draw (index of the state named). */
function signalOf(seed: string, pid: string, period: number, truth: number, kind: string, acc = 0): number {
  const key = `${seed}:signal:${pid}:${period}`;
  const others = [0, 1, 2, 3].filter((i) => i !== truth);
  if (kind === "not") return others[u32(key, 0) % others.length]!;
  return u32(key, 0) % 10_000 < acc ? truth : others[u32(key, 4) % others.length]!;
}

const securities = SYMBOLS.map((symbol, i) => ({ securityId: i + 1, symbol, refPrice: 50 }));
const endowment = { cash: 10_000, holdings: securities.map((s) => ({ securityId: s.securityId, qty: 5 })) };

describe("state-contingent claims: automatic private signals", function () {
  this.timeout(90_000);
  let h: Harness;
  const open: R[] = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  it("each player gets one true 'not X' clue at the start (a late joiner on joining), private on the wire", async () => {
    const seed = "clues-1";
    const weights = [1, 2, 3, 4];
    const game = await createGame(h, {
      securities,
      endowment,
      rules: { marketType: "contingent", contingent: { payout: 100, weights, seed } } as never,
    });
    const g = game.gameId;
    const truth = truthOf(seed, weights);
    const ps: JoinReply[] = [];
    for (const name of ["Ann", "Bob", "Cat"]) ps.push(await join(h, game.joinCode, name));
    const rooms = await Promise.all(ps.map((p) => connect(h, g, p.token)));
    open.push(...rooms);
    const frames = rooms.map(tap);
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    const dan = await join(h, game.joinCode, "Dan"); // joins the running round
    const dr = await connect(h, g, dan.token);
    open.push(dr);
    ps.push(dan);
    rooms.push(dr);

    const texts = new Map<string, string>();
    for (const [i, p] of ps.entries()) {
      const mine = await waitFor((): SignalState[] | null => {
        const s = rooms[i]!.state.players.get(p.playerId)?.signals;
        return s && s.length > 0 ? [...s] : null;
      }, `${p.name}'s signal`);
      expect(mine.length).to.equal(1);
      const named = signalOf(seed, p.playerId, 1, truth, "not");
      expect(named).to.not.equal(truth); // a "not X" clue is always true
      expect(mine[0]).to.include({
        group: "auto-signal",
        securityId: named + 1,
        text: `Private clue for ${p.name}: the state is NOT ${SYMBOLS[named]}.`,
      });
      texts.set(p.playerId, mine[0]!.text);
    }
    // the log: one signal per player, that player its only recipient, no other signal
    const log = await gameLog(h, g);
    const signals = log.filter((e): e is EventOf<"signal"> => e.type === "signal");
    expect(signals.map((e) => e.playerIds).sort()).to.deep.equal(ps.map((p) => [p.playerId]).sort());
    for (const e of signals) expect(e.text).to.equal(texts.get(e.playerIds[0]!));
    // no other player's signal ever reached a connection (raw bytes; the texts differ by name)
    for (const [i, p] of ps.slice(0, 3).entries()) {
      const all = Buffer.concat(frames[i]!);
      expect(all.includes(texts.get(p.playerId)!), `${p.name} got their own`).to.equal(true);
      for (const q of ps)
        if (q !== p) expect(all.includes(texts.get(q.playerId)!), `${q.name}'s in ${p.name}'s`).to.equal(false);
    }
    // the replay of a player: their own signal only
    const rep = await until(async () => {
      const r = await api(h, "GET", `/api/games/${g}/replay/events?from=1&limit=1000`, undefined, ps[0]!.token);
      return r.status === 200 && r.body.events.some((e: any) => e.type === "signal") && r.body;
    }, "the persisted signals");
    const seen = (rep.events as any[]).filter((e) => e.type === "signal");
    expect(seen.map((e) => e.text)).to.deep.equal([texts.get(ps[0]!.playerId)]);
    await api(h, "POST", `/api/games/${g}/end`);
  });

  it("a noisy signal with a stated accuracy, one per period, each the documented draw", async () => {
    const seed = "noisy-1";
    const acc = 6000;
    const game = await createGame(h, {
      securities,
      endowment,
      rules: {
        marketType: "contingent",
        contingent: { payout: 100, seed, signals: { kind: "noisy", accuracyBps: acc, everyPeriod: true } },
      } as never,
      schedule: { periods: { count: 2, durationSec: 2, breakSec: 1 } },
    });
    const g = game.gameId;
    const truth = truthOf(seed, [1, 1, 1, 1]);
    const ps = [await join(h, game.joinCode, "Eve"), await join(h, game.joinCode, "Fay")];
    expect((await api(h, "POST", `/api/games/${g}/start`)).status).to.equal(200);
    await until(async () => (await api(h, "GET", `/api/games/${g}`)).body.phase === "ended", "the end");
    const log = await gameLog(h, g);
    const signals = log.filter((e): e is EventOf<"signal"> => e.type === "signal");
    expect(signals).to.have.length(4);
    for (const p of ps) {
      const mine = signals.filter((e) => e.playerIds[0] === p.playerId);
      expect(mine.map((e) => e.playerIds)).to.deep.equal([[p.playerId], [p.playerId]]);
      const want = [1, 2].map((k) => signalOf(seed, p.playerId, k, truth, "noisy", acc));
      expect(mine.map((e) => e.securityId)).to.deep.equal(want.map((i) => i + 1));
      expect(mine.map((e) => e.text)).to.deep.equal(
        want.map(
          (i) =>
            `Private signal for ${p.name}: the state is ${SYMBOLS[i]} (a signal like this is right 60% of the time).`,
        ),
      );
    }
  });
});
