/**
 * A real server process (server/src/main.ts) is stopped and started again: the game's room comes back
 * with the same book, orders, trades and inventories, and the resting orders still trade.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import type { CommandReply } from "@marketroom/shared";
import type { GameDetail } from "../../src/game/views.ts";
import { connectAt, gameId, waitFor } from "../support/harness.ts";
import { ADMIN, freePort, stopChild } from "../support/server-process.ts";

/** Starts main.ts on `port`; resolves once it listens. */
function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    env: { ...process.env, PORT: String(port), ADMIN_TOKEN: ADMIN, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("listening on")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${err.slice(-2000)}`)));
  });
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN,
): Promise<any> {
  const res = await fetch(base + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

describe("server restart", function () {
  // two cold starts of main.ts under tsx and a graceful stop: slow on a busy machine
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  after(async () => {
    if (child) await stopChild(child);
  });

  it("a restarted server resumes the same book, orders and inventories", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await startServer(port);
    const game: GameDetail = await call(base, "POST", "/api/games", {
      gameId: gameId("restart"),
      name: "restart",
      securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
      endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
    });
    await call(base, "POST", `/api/games/${game.gameId}/start`);
    const a = await call(base, "POST", "/api/join", { code: game.joinCode, name: "alice" }, null);
    const b = await call(base, "POST", "/api/join", { code: game.joinCode, name: "bob" }, null);
    const ra = await connectAt(base, game.gameId, a.token);
    const rb = await connectAt(base, game.gameId, b.token);
    expect(await ra.request("place", { securityId: 1, side: "sell", price: 101, qty: 10 })).to.include({ ok: true });
    expect(await rb.request("place", { securityId: 1, side: "buy", price: 101, qty: 4 })).to.include({ ok: true });
    expect(await rb.request("place", { securityId: 1, side: "buy", price: 99, qty: 5 })).to.include({ ok: true });
    const sec = (r: typeof ra) => r.state.securities.get("1")!;
    await waitFor(() => sec(ra).bids.length === 1 && sec(ra).trades.length === 1, "book before restart");
    const cashBefore = ra.state.players.get(a.playerId)!.cash;
    await Promise.all([ra.leave(), rb.leave()]);
    await stopChild(child);

    child = await startServer(port);
    const ra2 = await connectAt(base, game.gameId, a.token);
    const s = sec(ra2);
    expect(ra2.state.phase).to.equal("running");
    expect(s.asks[0]).to.include({ price: 101, amount: 6, orders: 1 });
    expect(s.bids[0]).to.include({ price: 99, amount: 5, orders: 1 });
    expect(s.trades.length).to.equal(1);
    expect(s).to.include({ lastPrice: 101, volume: 4 });
    const alice = ra2.state.players.get(a.playerId)!;
    expect(alice.cash).to.equal(cashBefore);
    expect(alice.orders.size).to.equal(1);
    expect(alice.positions.get("1")).to.include({ qty: 96, locked: 6 });
    expect(alice.fills.length).to.equal(1);

    const rb2 = await connectAt(base, game.gameId, b.token);
    const reply = (await rb2.request("place", { securityId: 1, side: "buy", price: 101, qty: 6 })) as CommandReply;
    expect(reply).to.include({ ok: true });
    await waitFor(
      () => sec(ra2).asks.length === 0 && sec(ra2).trades.length === 2,
      "the resting ask traded after restart",
    );
    await Promise.all([ra2.leave(), rb2.leave()]);
  });
});
