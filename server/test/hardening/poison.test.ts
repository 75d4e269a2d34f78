/**
 * The poison event end to end (issue 11, item 1; docs/persistence.md, "Parked games"): an event with a
 * NUL in a string is written straight into one game's stream (XADD, as if a bug had logged it); another
 * game is played through the room. The other game's events and fills all reach PostgreSQL, the poisoned
 * game is parked with its reason, and GET /health (503, persister.parked) and GET /metrics
 * (marketroom_persister_parked_games) report it until the row is cleared.
 */
import { expect } from "chai";
import type { CommandReply } from "@marketroom/shared";
import { eventsKey, seqKey } from "../../src/engine/keys.ts";
import { unregisterGame } from "../../src/persistence/games-registry.ts";
import { api, connect, createGame, harness, join, type Harness } from "../support/harness.ts";

/** Polls the async `fn` every 25 ms until it returns a value; fails after `ms`. */
async function poll<T>(fn: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) expect.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const parkedGauge = (metrics: string) => Number(/^marketroom_persister_parked_games (\d+)$/m.exec(metrics)?.[1] ?? NaN);

describe("hardening: a poison event parks its game; the others persist; /health and /metrics say so", function () {
  this.timeout(60_000);
  let h: Harness;
  let poisoned = "";
  const rooms: { leave(): Promise<unknown> }[] = [];

  before(async () => {
    h = await harness();
  });
  after(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
    if (poisoned) await giveUp(poisoned);
  });

  /** What an operator does to drop a parked game: stop watching it, delete its stream, clear the row. */
  async function giveUp(gameId: string): Promise<void> {
    await unregisterGame(h.valkey, gameId);
    await h.valkey.del(eventsKey(gameId));
    await h.db.deleteFrom("parked_games").where("game_id", "=", gameId).execute();
  }

  it("writes the other game's every event and fill, parks the poisoned one with its reason, reports it", async () => {
    const p = await createGame(h);
    poisoned = p.gameId;
    await join(h, p.joinCode, "victim");
    expect((await api(h, "POST", `/api/games/${poisoned}/start`)).status).to.equal(200);
    const seq = await h.valkey.incr(seqKey(poisoned));
    const poison = JSON.stringify({
      seq,
      ts: Date.now(),
      type: "admin_action",
      action: "note",
      actor: "admin",
      detail: "nul\u0000here",
    });
    await h.valkey.xadd(eventsKey(poisoned), `${seq}-0`, "data", poison);

    const g = await createGame(h);
    const a = await join(h, g.joinCode, "alice");
    const b = await join(h, g.joinCode, "bob");
    expect((await api(h, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    const ra = await connect(h, g.gameId, a.token);
    const rb = await connect(h, g.gameId, b.token);
    rooms.push(ra, rb);
    let fills = 0;
    let last = 0;
    for (let i = 0; i < 10; i++) {
      const bid = (await ra.request("place", { securityId: 1, side: "buy", price: 100, qty: 1 + i })) as CommandReply;
      const hit = (await rb.request("place", { securityId: 1, side: "sell", price: 100, qty: 1 + i })) as CommandReply;
      expect(bid.ok && hit.ok, JSON.stringify([bid, hit])).to.equal(true);
      if (hit.ok) {
        fills += hit.fills?.length ?? 0;
        last = hit.seq;
      }
    }
    expect(fills).to.equal(10);
    await h.persister.drain(g.gameId, last, 20_000);
    const rows = await h.db.selectFrom("events").select("seq").where("game_id", "=", g.gameId).orderBy("seq").execute();
    expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: rows.length }, (_, i) => i + 1));
    expect(rows.length).to.be.at.least(last);
    const fillRows = await h.db.selectFrom("fills").select("seq").where("game_id", "=", g.gameId).execute();
    expect(fillRows).to.have.length(fills);

    const row = await poll(
      () => h.db.selectFrom("parked_games").selectAll().where("game_id", "=", poisoned).executeTakeFirst(),
      "parked row",
    );
    expect(row).to.include({ seq, entry_id: `${seq}-0` });
    expect(row.reason).to.match(/unicode|\\u0000|escape/i);
    expect(row.event.toString("utf8")).to.equal(poison);
    expect(await h.valkey.xlen(eventsKey(poisoned))).to.be.at.least(1); // kept, not lost

    const health = await api(h, "GET", "/health", undefined, null);
    expect(health.status).to.equal(503);
    expect(health.body.status).to.equal("degraded");
    expect(health.body.persister.parked.map((x: { gameId: string }) => x.gameId)).to.include(poisoned);
    const metrics = await fetch(`${h.base}/metrics`).then((r) => r.text());
    expect(parkedGauge(metrics)).to.be.at.least(1);

    // Cleared (the operator gave up on the game): no longer reported.
    await giveUp(poisoned);
    const after = await api(h, "GET", "/health", undefined, null);
    expect(after.body.persister.parked.map((x: { gameId: string }) => x.gameId)).to.not.include(poisoned);
    expect(parkedGauge(await fetch(`${h.base}/metrics`).then((r) => r.text()))).to.be.below(parkedGauge(metrics));
  });
});
