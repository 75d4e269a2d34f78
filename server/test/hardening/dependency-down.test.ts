/**
 * Errors while a dependency is down (docs/api.md, "Errors"): a real server process (server/src/main.ts)
 * reaches Valkey and PostgreSQL through TCP proxies of this test (support/tcp-proxy.ts), so the test can
 * take one away from that server alone and give it back; the suite's shared services keep running.
 * With Valkey gone, room commands answer UNAVAILABLE and POST /api/join 503 UNAVAILABLE with
 * Retry-After; with PostgreSQL gone, replay and export do; /health answers 503 either way; once the
 * service is back the same requests succeed, and nothing changed in between.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import type { CommandReply } from "@marketroom/shared";
import type { GameDetail } from "../../src/game/views.ts";
import { connectAt, gameId, waitFor } from "../support/harness.ts";
import { ADMIN, freePort, stopChild } from "../support/server-process.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { startPersister, type PersisterProcess } from "../support/persister-process.ts";

/** `url` with its host and port replaced by 127.0.0.1:`port` (credentials and path kept). */
function via(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}

/** What the last started server printed last (stdout and stderr) and whether it exited (for failure messages). */
let serverStderr = (): string => "";

function startServer(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    env: { ...process.env, ...env, PORT: String(port), ADMIN_TOKEN: ADMIN, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => {
    err = (err + d).slice(-4000);
  });
  serverStderr = () => `exit code ${child.exitCode}, signal ${child.signalCode}; output: ${err}`;
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      err = (err + d).slice(-4000); // pino writes to stdout: keep its tail for failure messages too
      if (out.includes("listening on")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

describe("hardening: a dependency is down", function () {
  this.timeout(90_000);
  let child: ChildProcess | undefined;
  let persister: PersisterProcess | undefined;
  let valkey: TcpProxy;
  let postgres: TcpProxy;
  let base: string;
  const rooms: { leave(): Promise<unknown> }[] = [];

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = ADMIN,
  ): Promise<{ status: number; body: any; retryAfter: string | null }> {
    const res = await fetch(base + path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }).catch((e: Error) => {
      throw new Error(`${method} ${path}: ${e.message} (${String(e.cause)}); server: ${serverStderr()}`);
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* CSV */
    }
    return { status: res.status, body: parsed, retryAfter: res.headers.get("retry-after") };
  }

  /** Asserts a 503 UNAVAILABLE answer with a Retry-After header. */
  function expectUnavailable(r: { status: number; body: any; retryAfter: string | null }, what: string): void {
    expect(r.status, what).to.equal(503);
    expect(r.body, what).to.include({ code: "UNAVAILABLE" });
    expect(r.body.message, what).to.be.a("string");
    expect(Number(r.retryAfter), `${what}: Retry-After`).to.be.at.least(1);
  }

  before(async () => {
    const valkeyUrl = process.env.VALKEY_URL ?? "redis://127.0.0.1:6379";
    const databaseUrl = process.env.DATABASE_URL!;
    valkey = await TcpProxy.start(Number(new URL(valkeyUrl).port || 6379));
    postgres = await TcpProxy.start(Number(new URL(databaseUrl).port || 5432));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = await startServer(port, {
      VALKEY_URL: via(valkeyUrl, valkey.port),
      DATABASE_URL: via(databaseUrl, postgres.port),
    });
    // the persister runs beside the server as `npm start` runs it (its own process, straight to the
    // services: the outages under test are the server's)
    persister = await startPersister({ env: { VALKEY_URL: valkeyUrl, DATABASE_URL: databaseUrl } });
  });
  after(async () => {
    await Promise.all(rooms.splice(0).map((r) => r.leave().catch(() => {})));
    if (child) await stopChild(child);
    await persister?.stop();
    await valkey?.close();
    await postgres?.close();
  });

  it("Valkey down: room commands and /api/join answer UNAVAILABLE, /health 503; back up, they succeed", async () => {
    const game: GameDetail = (
      await call("POST", "/api/games", {
        gameId: gameId("valkey-down"),
        name: "valkey down",
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
        endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
      })
    ).body;
    expect((await call("POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    const alice = (await call("POST", "/api/join", { code: game.joinCode, name: "alice" }, null)).body;
    const room = await connectAt(base, game.gameId, alice.token);
    rooms.push(room);
    const first = (await room.request("place", { securityId: 1, side: "buy", price: 95, qty: 1 })) as CommandReply;
    expect(first).to.include({ ok: true });
    expect((await call("GET", "/health", undefined, null)).status).to.equal(200);

    await valkey.cut();
    const down = (await room.request("place", {
      securityId: 1,
      side: "buy",
      price: 96,
      qty: 2,
      ref: "while-down",
    })) as CommandReply;
    expect(down).to.include({ ok: false, code: "UNAVAILABLE", ref: "while-down" });
    expectUnavailable(await call("POST", "/api/join", { code: game.joinCode, name: "bob" }, null), "join");
    const health = await call("GET", "/health", undefined, null);
    expect(health.status).to.equal(503);
    expect(health.body).to.include({ status: "down" });
    expect(health.body.valkey.ok).to.equal(false);

    await valkey.restore();
    const again = await waitForReply(
      () => room.request("place", { securityId: 1, side: "buy", price: 96, qty: 2 }) as Promise<CommandReply>,
    );
    expect(again).to.include({ ok: true });
    // Nothing of the refused command was recorded: one order from before, one from after.
    await waitFor(() => room.state.players.get(alice.playerId)?.orders?.size === 2, "alice's two orders");
    const bob = await call("POST", "/api/join", { code: game.joinCode, name: "bob" }, null);
    expect(bob.status).to.equal(201);
  });

  it("PostgreSQL down: replay and export answer UNAVAILABLE, /health 503; back up, they succeed", async () => {
    const game: GameDetail = (
      await call("POST", "/api/games", {
        gameId: gameId("pg-down"),
        name: "pg down",
        securities: [{ securityId: 1, symbol: "ACME", refPrice: 100 }],
        endowment: { cash: 100_000, holdings: [{ securityId: 1, qty: 100 }] },
      })
    ).body;
    expect((await call("POST", "/api/join", { code: game.joinCode, name: "alice" }, null)).status).to.equal(201);
    expect((await call("POST", `/api/games/${game.gameId}/start`)).status).to.equal(200);
    expect((await call("POST", `/api/games/${game.gameId}/end`)).status).to.equal(200);
    expect((await call("GET", `/api/games/${game.gameId}/export/fills.csv`)).status).to.equal(200);

    await postgres.cut();
    expectUnavailable(await call("GET", `/api/games/${game.gameId}/replay`), "replay summary");
    expectUnavailable(await call("GET", `/api/games/${game.gameId}/replay/events`), "replay events");
    expectUnavailable(await call("GET", `/api/games/${game.gameId}/export/fills.csv`), "export");
    const health = await call("GET", "/health", undefined, null);
    expect(health.status).to.equal(503);
    expect(health.body.postgres.ok).to.equal(false);

    await postgres.restore();
    const replay = await waitForStatus(() => call("GET", `/api/games/${game.gameId}/replay`), 200);
    expect(replay.body.lastSeq).to.be.at.least(1);
    expect((await waitForStatus(() => call("GET", `/api/games/${game.gameId}/export/fills.csv`), 200)).status).to.equal(
      200,
    );
  });
});

/** Repeats a room command until it is not UNAVAILABLE (the client reconnects on its own). */
async function waitForReply(send: () => Promise<CommandReply>, ms = 20_000): Promise<CommandReply> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await send();
    if (r.ok || r.code !== "UNAVAILABLE" || Date.now() > until) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Repeats a request until it answers `status` (or the time is up: the last answer). */
async function waitForStatus<T extends { status: number }>(
  send: () => Promise<T>,
  status: number,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await send();
    if (r.status === status || Date.now() > until) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}
