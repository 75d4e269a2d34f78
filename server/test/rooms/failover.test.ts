/**
 * Failure paths of the single writer (issue 10, Proof), with real server processes on the test's Valkey
 * and PostgreSQL:
 * - a server killed (SIGKILL) while commands are between decide and commit: every acknowledged order is
 *   in the game's log exactly once, nothing appears that was never sent, and after a restart a retry of
 *   every sent order with its clientOrderId is safe (answered as a duplicate, or placed once);
 * - a second server claiming the game: the first is fenced (its commands answer FENCED, its room closes),
 *   and what it acknowledged before is kept by the new owner.
 */
import { expect } from "chai";
import { Redis } from "iovalkey";
import type { CommandReply, EngineEvent } from "@marketroom/shared";
import { connectAt, gameId, waitFor } from "../support/harness.ts";
import { call, startServer, stopServer, type ServerProcess } from "../support/server-process.ts";
import * as K from "../../src/engine/keys.ts";
import { createDb, createPool, type Db } from "../../src/persistence/db.ts";
import { entryData, entryTexts } from "../../src/engine/stream-entries.ts";

type Reply = CommandReply & { ok: boolean; code?: string; duplicate?: boolean };

async function newGame(base: string, prefix: string): Promise<{ gameId: string; joinCode: string }> {
  const g = await call(base, "POST", "/api/games", {
    gameId: gameId(prefix),
    name: prefix,
    securities: [{ securityId: 1, symbol: "ACME", refPrice: 1000 }],
    endowment: { cash: 1_000_000_000, holdings: [{ securityId: 1, qty: 100_000 }] },
    rules: { orderRateLimit: null },
  });
  expect(g.status, JSON.stringify(g.body)).to.equal(201);
  expect((await call(base, "POST", `/api/games/${g.body.gameId}/start`)).status).to.equal(200);
  return g.body;
}

async function joinAs(base: string, code: string, name: string): Promise<{ playerId: string; token: string }> {
  const r = await call(base, "POST", "/api/join", { code, name }, null);
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  return r.body;
}

/**
 * Every order_accepted event of the game's log, by clientOrderId (counted): the events the persister has
 * stored in PostgreSQL and trimmed from the stream, plus those still in the stream (by seq, once each).
 */
async function acceptedByCid(valkey: Redis, db: Db, g: string): Promise<Map<string, number>> {
  const bySeq = new Map<number, EngineEvent>();
  // The stream first: a persister process (running beside) that moves events meanwhile has them in PostgreSQL.
  const stream = await valkey.xrange(K.eventsKey(g), "-", "+");
  const rows = await db.selectFrom("events").select(["seq", "data"]).where("game_id", "=", g).execute();
  for (const r of rows) bySeq.set(Number(r.seq), r.data as unknown as EngineEvent);
  for (const [, fields] of stream) {
    for (const text of entryTexts(entryData(fields) ?? "")) {
      const e = JSON.parse(text) as EngineEvent;
      bySeq.set(e.seq, e);
    }
  }
  const out = new Map<string, number>();
  for (const e of bySeq.values()) {
    if (e.type === "order_accepted" && e.clientOrderId) out.set(e.clientOrderId, (out.get(e.clientOrderId) ?? 0) + 1);
  }
  return out;
}

/** An order of `who` numbered i: resting bids and asks around 1000, every 5th one crossing. */
function order(who: "a" | "b", i: number) {
  const side = who === "a" ? "buy" : "sell";
  const cross = i % 5 === 0;
  const price = who === "a" ? (cross ? 1010 : 990 - (i % 7)) : cross ? 990 : 1010 + (i % 7);
  return { securityId: 1, side, price, qty: 1 + (i % 3), clientOrderId: `${who}-${i}` };
}

describe("single writer: failure paths through real server processes", function () {
  this.timeout(240_000);
  const procs: ServerProcess[] = [];
  let valkey: Redis;
  let db: Db;
  before(() => {
    valkey = new Redis(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
    db = createDb(createPool(process.env.DATABASE_URL, 2));
  });
  after(async () => {
    await Promise.all(procs.map((p) => stopServer(p)));
    valkey.disconnect();
    await db.destroy();
  });

  it("a server killed between decide and commit: nothing acknowledged is lost, nothing unsent appears, retries are safe", async () => {
    // the test's clients send faster than the default per-connection message cap allows
    const s1 = await startServer({ env: { LOG_LEVEL: "warn", MAX_MESSAGES_PER_SEC: "100000" } });
    procs.push(s1);
    const g = await newGame(s1.base, "kill");
    const a = await joinAs(s1.base, g.joinCode, "alice");
    const b = await joinAs(s1.base, g.joinCode, "bob");
    const ra = await connectAt(s1.base, g.gameId, a.token);
    const rb = await connectAt(s1.base, g.gameId, b.token);

    const sent = new Set<string>();
    const acked = new Set<string>();
    const rooms = { a: ra, b: rb };
    // Both players keep up to 8 orders in flight each until the server dies under them (or their connection fails).
    let dead = false;
    const failures: string[] = [];
    const flow = (who: "a" | "b") =>
      (async () => {
        const inflight = new Set<Promise<unknown>>();
        for (let i = 1; !dead && failures.length === 0; i++) {
          const o = order(who, i);
          sent.add(o.clientOrderId);
          const p: Promise<unknown> = (rooms[who].request("place", o) as Promise<Reply>)
            .then(
              (r) => {
                if (r.ok) acked.add(o.clientOrderId);
                else if (!dead) failures.push(`${o.clientOrderId}: ${JSON.stringify(r)}`);
              },
              (err: unknown) => {
                if (!dead) failures.push(`${o.clientOrderId}: ${String(err)}`);
              },
            )
            .finally(() => inflight.delete(p));
          inflight.add(p);
          if (inflight.size >= 8) await Promise.race(inflight);
          await new Promise((r) => setImmediate(r)); // let timers and sockets run between sends
        }
      })();
    const flows = [flow("a"), flow("b")];
    await waitFor(() => acked.size >= 150 || failures.length > 0, "150 acknowledged orders", 60_000);
    expect(failures, "no order failed before the kill").to.deep.equal([]);
    s1.child.kill("SIGKILL");
    await s1.exited;
    dead = true;
    // the clients' pending requests fail with the connection; the flows end
    await Promise.race([Promise.all(flows), new Promise((r) => setTimeout(r, 5_000))]);

    const logged = await acceptedByCid(valkey, db, g.gameId);
    for (const cid of acked) expect(logged.get(cid), `acknowledged ${cid} is in the log once`).to.equal(1);
    for (const [cid, n] of logged) {
      expect(sent.has(cid), `${cid} in the log was sent`).to.equal(true);
      expect(n, `${cid} once`).to.equal(1);
    }

    // A new server takes the game over; every sent order is retried with its clientOrderId.
    const s2 = await startServer({ env: { LOG_LEVEL: "warn" } });
    procs.push(s2);
    const ra2 = await connectAt(s2.base, g.gameId, a.token);
    const rb2 = await connectAt(s2.base, g.gameId, b.token);
    const again = { a: ra2, b: rb2 };
    for (const cid of sent) {
      const [who, i] = cid.split("-") as ["a" | "b", string];
      const r = (await again[who].request("place", order(who, Number(i)))) as Reply;
      expect(r.ok, `${cid}: ${JSON.stringify(r)}`).to.equal(true);
      // what was committed before the kill answers as a duplicate; the rest is placed now
      expect(Boolean(r.duplicate), `${cid} duplicate`).to.equal(logged.has(cid));
    }
    const final = await acceptedByCid(valkey, db, g.gameId);
    expect([...final.keys()].sort()).to.deep.equal([...sent].sort());
    for (const [cid, n] of final) expect(n, `${cid} once after the retries`).to.equal(1);
    await Promise.all([ra2.leave(), rb2.leave()]);
    await stopServer(s2);
  });

  it("a second server claiming the game fences the first: FENCED answers, its room closes, acknowledged orders stay", async () => {
    const s1 = await startServer({ env: { LOG_LEVEL: "warn" } });
    const s2 = await startServer({ env: { LOG_LEVEL: "warn" } });
    procs.push(s1, s2);
    const g = await newGame(s1.base, "fence");
    const a = await joinAs(s1.base, g.joinCode, "alice");
    const ra = await connectAt(s1.base, g.gameId, a.token);
    const first = (await ra.request("place", {
      securityId: 1,
      side: "buy",
      price: 995,
      qty: 3,
      clientOrderId: "before",
    })) as Reply;
    expect(first.ok).to.equal(true);
    let left = false;
    ra.onLeave(() => {
      left = true;
    });

    // The second server acts on the game (an admin pause): it claims the game with a newer epoch.
    expect((await call(s2.base, "POST", `/api/games/${g.gameId}/pause`)).status).to.equal(200);
    expect((await call(s2.base, "POST", `/api/games/${g.gameId}/resume`)).status).to.equal(200);

    const late = (await ra
      .request("place", { securityId: 1, side: "buy", price: 994, qty: 1, clientOrderId: "late" })
      .catch(() => null)) as Reply | null;
    if (late) expect(late).to.include({ ok: false, code: "FENCED" });
    await waitFor(() => left, "the fenced room closes");

    // The new owner has the acknowledged order and nothing of the fenced one's refusal.
    const rb = await connectAt(s2.base, g.gameId, a.token);
    await waitFor(() => rb.state.securities.get("1")?.bids.length === 1, "the acknowledged bid on the new owner");
    expect(rb.state.securities.get("1")!.bids[0]).to.include({ price: 995, amount: 3 });
    const logged = await acceptedByCid(valkey, db, g.gameId);
    expect([...logged.keys()]).to.deep.equal(["before"]);
    const retry = (await rb.request("place", {
      securityId: 1,
      side: "buy",
      price: 994,
      qty: 1,
      clientOrderId: "late",
    })) as Reply;
    expect(retry).to.include({ ok: true });
    expect(retry.duplicate ?? false).to.equal(false);
    await rb.leave();
  });
});
