/**
 * The join rate limit per address, the player cap per round, the default order rate limit, and
 * iovalkey connection errors as log lines (issue 11, items 3 and 6), against real server processes.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { Client } from "@colyseus/sdk";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import {
  attachPrivateState,
  DEFAULT_MAX_PLAYERS,
  DEFAULT_ORDER_RATE_LIMIT,
  GameRules,
  type CommandReply,
} from "@marketroom/shared";
import { waitFor } from "../support/harness.ts";
import { call, freePort, startServer, stopServer, type ServerProcess } from "../support/server-process.ts";

const SECURITIES = [{ securityId: 1, symbol: "ACME", refPrice: 100 }];

async function newGame(
  srv: ServerProcess,
  rules: Record<string, unknown> = {},
): Promise<{ gameId: string; joinCode: string }> {
  const g = await call(srv.base, "POST", "/api/games", {
    name: "limits",
    securities: SECURITIES,
    endowment: { cash: 1_000_000, holdings: [] },
    rules,
  });
  expect(g.status, JSON.stringify(g.body)).to.equal(201);
  return g.body;
}

describe("hardening: join rate limit and player cap", function () {
  this.timeout(90_000);
  let srv: ServerProcess;
  before(async () => {
    srv = await startServer({ env: { JOIN_RATE_LIMIT: "8", JOIN_RATE_WINDOW_SEC: "600" } });
  });
  after(async () => {
    if (srv) await stopServer(srv);
  });

  it("the defaults: 50 orders a second per player, 500 players per round", () => {
    const rules = GameRules.parse({});
    expect(rules.orderRateLimit)
      .to.deep.equal({ orders: 50, windowMs: 1000 })
      .and.to.deep.equal(DEFAULT_ORDER_RATE_LIMIT);
    expect(rules.maxPlayers).to.equal(500).and.to.equal(DEFAULT_MAX_PLAYERS);
  });

  it("a round of 3 seats 3 of 5 simultaneous joins; the others get 409 GAME_FULL and change nothing", async () => {
    const g = await newGame(srv, { maxPlayers: 3 });
    const before = await call(srv.base, "GET", `/api/games/${g.gameId}`);
    expect(before.body.rules.maxPlayers).to.equal(3);
    const replies = await Promise.all(
      ["a", "b", "c", "d", "e"].map((name) => call(srv.base, "POST", "/api/join", { code: g.joinCode, name }, null)),
    );
    const ok = replies.filter((r) => r.status === 201);
    const full = replies.filter((r) => r.status !== 201);
    expect(ok).to.have.length(3);
    for (const r of full)
      expect(r).to.deep.include({
        status: 409,
        body: { code: "GAME_FULL", message: "this game has its 3 players already" },
      });
    const detail = await call(srv.base, "GET", `/api/games/${g.gameId}`);
    expect(detail.body.playerList.map((p: { name: string }) => p.name).sort()).to.deep.equal(
      ok.map((r) => r.body.name).sort(),
    );
  });

  it("by default a player's order entries over 50 in a second are RATE_LIMITED and change nothing", async () => {
    const g = await newGame(srv);
    expect((await call(srv.base, "POST", `/api/games/${g.gameId}/start`)).status).to.equal(200);
    const j = await call(srv.base, "POST", "/api/join", { code: g.joinCode, name: "trader" }, null);
    expect(j.status).to.equal(201);
    const sdk = new Client(srv.base);
    sdk.auth.token = j.body.token;
    const room = await sdk.joinOrCreate("game", { gameId: g.gameId });
    attachPrivateState(room); // own orders arrive as "private" messages
    try {
      const burst = Array.from({ length: 60 }, (_, i) =>
        room.request("place", { securityId: 1, side: "buy", price: 50 + (i % 40), qty: 1 }),
      );
      const replies = (await Promise.all(burst)) as CommandReply[];
      const limited = replies.filter((r) => !r.ok && r.code === "RATE_LIMITED");
      const accepted = replies.filter((r) => r.ok);
      // at most 50 per window; on a slow machine a new window may open during the burst
      expect(limited.length, JSON.stringify(replies.filter((r) => !r.ok).slice(0, 2))).to.be.greaterThan(0);
      expect(accepted.length + limited.length).to.equal(60);
      for (const r of limited) expect((r as { retryAfterMs?: number }).retryAfterMs).to.be.within(1, 1000);
      const game = await call(srv.base, "GET", `/api/games/${g.gameId}`);
      expect(game.body.rules.orderRateLimit).to.deep.equal({ orders: 50, windowMs: 1000 });
      const book = (room.state as { players: Map<string, { orders: Map<string, unknown> }> }).players;
      await waitFor(
        () => book.get(j.body.playerId)?.orders.size === accepted.length,
        "the accepted orders, and only they, rest",
      );
    } finally {
      await room.leave();
    }
  });

  it("joins from one address over JOIN_RATE_LIMIT within the window get 429 RATE_LIMITED with Retry-After and change nothing", async () => {
    const g = await newGame(srv);
    const replies: { status: number; headers: Headers; body: any }[] = [];
    // the server allows 8 joins per 600 s from 127.0.0.1; the tests above used some of them
    for (let i = 0; i < 10 && !replies.some((r) => r.status === 429); i++) {
      replies.push(await call(srv.base, "POST", "/api/join", { code: g.joinCode, name: `j${i}` }, null));
    }
    const refused = replies.at(-1)!;
    expect(refused.status).to.equal(429);
    expect(refused.body).to.include({ code: "RATE_LIMITED" });
    expect(refused.body.retryAfterMs).to.be.within(1, 600_000);
    expect(Number(refused.headers.get("retry-after"))).to.be.within(1, 600);
    // a malformed join counts too and is refused the same way
    expect((await call(srv.base, "POST", "/api/join", { nope: 1 }, null)).status).to.equal(429);
    const seated = replies.filter((r) => r.status === 201).map((r) => r.body.name);
    const detail = await call(srv.base, "GET", `/api/games/${g.gameId}`);
    expect(detail.body.playerList.map((p: { name: string }) => p.name).sort()).to.deep.equal(seated.sort());
    // other routes are not limited
    expect((await call(srv.base, "GET", "/health")).status).to.equal(200);
  });
});

/** valkey-server or redis-server on PATH (npm test finds or installs one before the tests). */
function valkeyBinary(): string {
  for (const name of ["valkey-server", "redis-server"]) {
    for (const dir of (process.env.PATH ?? "").split(":"))
      if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  throw new Error("neither valkey-server nor redis-server is on PATH");
}

describe("hardening: Valkey going away is logged as JSON lines", function () {
  this.timeout(90_000);

  it('no "[ioredis] Unhandled error event": each connection error is a pino line and the server keeps running', async () => {
    const port = await freePort();
    const valkey = spawn(
      valkeyBinary(),
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    const gone = new Promise((resolve) => valkey.once("exit", resolve));
    let srv: ServerProcess | undefined;
    try {
      srv = await waitForServer(port);
      valkey.kill("SIGKILL");
      await gone;
      const s = srv;
      await waitFor(
        () => (s.stderr().match(/valkey connection error/g) ?? []).length >= 2,
        "connection errors logged",
        30_000,
      );
      expect(s.child.exitCode).to.equal(null);
      expect((await call(s.base, "GET", "/api/scenarios")).status).to.equal(200);
      expect(s.stderr()).to.not.include("[ioredis]");
      for (const line of s
        .stderr()
        .split("\n")
        .filter((l) => l.trim())) {
        expect(() => JSON.parse(line), line.slice(0, 300)).to.not.throw();
      }
    } finally {
      valkey.kill("SIGKILL");
      if (srv) await stopServer(srv);
    }
  });
});

/** Starts a server against the Valkey on `valkeyPort` once that accepts connections. */
async function waitForServer(valkeyPort: number): Promise<ServerProcess> {
  const open = () =>
    new Promise<boolean>((resolve) => {
      const sock = connect(valkeyPort, "127.0.0.1", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
  const until = Date.now() + 20_000;
  while (!(await open())) {
    if (Date.now() > until) throw new Error("the private Valkey did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return startServer({ env: { VALKEY_URL: `redis://127.0.0.1:${valkeyPort}` } });
}
