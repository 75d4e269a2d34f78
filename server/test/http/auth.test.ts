/**
 * Secrets and player tokens (issue 11 item 7; docs/api.md "Authentication"): no secret in Valkey or its
 * AOF files, private file modes, Valkey refuses a client without the password, player tokens are JWTs
 * that expire and are refused when tampered with, and an admin can kick a player (disconnected, old tokens
 * refused on the room and on HTTP, resting orders cancelled, the kick logged).
 */
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Redis } from "iovalkey";
import { SignJWT, decodeJwt } from "jose";
import { sql } from "kysely";
import { Client, type Room } from "@colyseus/sdk";
import type { CommandReply, ClientGameState } from "@marketroom/shared";
import { loadConfig } from "../../src/config.ts";
import { DEFAULT_TOKEN_TTL_SEC, PlayerTokens, TOKEN_AUDIENCE, TOKEN_ISSUER } from "../../src/game/tokens.ts";
import { api, connect, createGame, harness, join as joinGame, type Harness } from "../support/harness.ts";

/** The signing secret as the harness's server loaded it (config defaults: .data/token-secret). */
function signingSecret(): string {
  return readFileSync(resolve(loadConfig({}).tokenSecretFile), "utf8").trim();
}

/** Every key name and value in the Valkey, as strings (all types the project uses). */
async function everything(valkey: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await valkey.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const k of keys) {
      out.push(k);
      const type = await valkey.type(k);
      if (type === "string") out.push((await valkey.get(k)) ?? "");
      else if (type === "hash") out.push(...Object.entries(await valkey.hgetall(k)).flat());
      else if (type === "list") out.push(...(await valkey.lrange(k, 0, -1)));
      else if (type === "set") out.push(...(await valkey.smembers(k)));
      else if (type === "zset") out.push(...(await valkey.zrange(k, 0, -1)));
      else if (type === "stream") out.push(...(await valkey.xrange(k, "-", "+")).flatMap(([id, f]) => [id, ...f]));
    }
  } while (cursor !== "0");
  return out;
}

/** Files under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("authentication: secrets, player tokens and kicks", function () {
  this.timeout(30_000);
  let h: Harness;
  const open: Room<any, ClientGameState>[] = [];
  before(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => {})));
  });

  /** A started game with one joined player; its token. */
  async function playerInGame() {
    const game = await createGame(h);
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const p = await joinGame(h, game.joinCode, "mallory");
    await storedInPostgres(game.gameId);
    return { game, p };
  }

  /** Waits until the persister has stored the game's first events (the replay log answers UNKNOWN_GAME before). */
  async function storedInPostgres(gameId: string): Promise<void> {
    const until = Date.now() + 30_000;
    while ((await api(h, "GET", `/api/games/${gameId}/replay/events?from=1&limit=1`)).status !== 200) {
      if (Date.now() > until) throw new Error(`game ${gameId} never reached PostgreSQL`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The HTTP status of a player route (the replay log) and whether a room join succeeds, with `token`. */
  async function access(gameId: string, token: string): Promise<{ http: number; room: boolean }> {
    const http = (await api(h, "GET", `/api/games/${gameId}/replay/events?from=1&limit=1`, undefined, token)).status;
    const room = await connect(h, gameId, token).then(
      (r) => {
        open.push(r);
        return true;
      },
      () => false,
    );
    return { http, room };
  }

  it("Valkey holds neither the admin token nor the signing secret, in keys, values or AOF files", async () => {
    const { game } = await playerInGame();
    await api(h, "GET", `/api/games/${game.gameId}`); // the admin token in use
    const secret = signingSecret();
    const all = await everything(h.valkey);
    expect(all.length, "the scan saw the game's keys").to.be.greaterThan(5);
    expect(all.filter((s) => s.includes(h.admin) || s.includes(secret))).to.deep.equal([]);
    expect(await h.valkey.exists("marketroom:token-secret", "marketroom:admin-token")).to.equal(0);
    const [, dir] = (await h.valkey.config("GET", "dir")) as [string, string];
    const aof = filesUnder(dir).filter((f) => /appendonly/.test(f));
    expect(aof.length, `AOF files in ${dir}`).to.be.greaterThan(0);
    for (const f of aof) {
      const text = readFileSync(f, "latin1");
      expect(text.includes(h.admin) || text.includes(secret), f).to.equal(false);
    }
  });

  it("secret files are 0600; .data/ and the Valkey data are closed to others", async () => {
    const cfg = loadConfig({});
    expect(mode(resolve(cfg.tokenSecretFile)).toString(8)).to.equal("600");
    expect(mode(resolve(h.app.ctx.config.adminTokenFile)).toString(8)).to.equal("600");
    // 0700, or 0711 as root so the postgres OS user can reach its cluster (scripts/lib/services.mjs)
    expect(mode(resolve(".data")) & 0o066, ".data is not readable or writable by others").to.equal(0);
    const [, dir] = (await h.valkey.config("GET", "dir")) as [string, string];
    expect(mode(dir).toString(8)).to.equal("700");
    for (const f of filesUnder(dir)) expect(mode(f) & 0o077, `${f} is ${mode(f).toString(8)}`).to.equal(0);
  });

  it("Valkey refuses a client without the password", async () => {
    const url = new URL(process.env.VALKEY_URL ?? "redis://127.0.0.1:6379");
    expect(url.password, "VALKEY_URL carries credentials").to.not.equal("");
    url.username = "";
    url.password = "";
    const anon = new Redis(url.toString(), { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true });
    anon.on("error", () => {}); // the refusal is asserted below
    try {
      await anon.connect().catch(() => {});
      const err = await anon.get("marketroom:game-index").then(
        () => null,
        (e: Error) => e,
      );
      expect(String(err)).to.match(/NOAUTH|WRONGPASS|NOPERM/);
    } finally {
      anon.disconnect();
    }
  });

  it("a player token is a JWT (HS256) for one player of one game, with the configured lifetime", async () => {
    const { game, p } = await playerInGame();
    const c = decodeJwt(p.token);
    expect(c).to.include({ iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, sub: p.playerId, gid: game.gameId });
    expect(c.exp! - c.iat!).to.equal(DEFAULT_TOKEN_TTL_SEC);
    expect(c.jti).to.match(/^[0-9a-f]{32}$/);
    expect(loadConfig({ PLAYER_TOKEN_TTL_SEC: "60" }).playerTokenTtlSec).to.equal(60);
    const short = decodeJwt(await new PlayerTokens(signingSecret(), 60).sign(game.gameId, p.playerId));
    expect(short.exp! - short.iat!).to.equal(60);
    expect(await access(game.gameId, p.token)).to.deep.equal({ http: 200, room: true });
  });

  it("an expired token is refused on HTTP and on the room", async () => {
    const { game, p } = await playerInGame();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ gid: game.gameId })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(p.playerId)
      .setJti("0".repeat(32))
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(signingSecret()));
    expect(await access(game.gameId, expired)).to.deep.equal({ http: 401, room: false });
  });

  it("a tampered, foreign-key or unsigned token is refused", async () => {
    const { game, p } = await playerInGame();
    const [head, body, sig] = p.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
    const other = Buffer.from(JSON.stringify({ ...claims, sub: "p-someoneelse" })).toString("base64url");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${body}.`;
    const foreign = await new PlayerTokens("another-secret-of-at-least-32-characters!").sign(game.gameId, p.playerId);
    const flipped = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    for (const t of [`${head}.${other}.${sig}`, unsigned, foreign, flipped]) {
      expect(await access(game.gameId, t), t).to.deep.equal({ http: 401, room: false });
    }
  });

  it("a kicked player is disconnected, their orders cancelled, and their tokens refused on the room and HTTP", async () => {
    const { game, p } = await playerInGame();
    const other = await joinGame(h, game.joinCode, "olive");
    const room = await connect(h, game.gameId, p.token);
    open.push(await connect(h, game.gameId, other.token)); // keeps the room open: a reconnection would find it
    const left = new Promise<number>((done) => room.onLeave((code: number) => done(code)));
    const placed = (await room.request("place", { securityId: 1, side: "buy", price: 90, qty: 3 })) as CommandReply;
    expect(placed.ok).to.equal(true);

    expect(
      (await api(h, "POST", `/api/games/${game.gameId}/players/${p.playerId}/kick`, undefined, other.token)).status,
    ).to.equal(403);
    expect((await api(h, "POST", `/api/games/${game.gameId}/players/p-nobody/kick`)).body).to.include({
      code: "UNKNOWN_PLAYER",
    });
    const k = await api(h, "POST", `/api/games/${game.gameId}/players/${p.playerId}/kick`);
    expect(k.status).to.equal(200);
    expect(k.body).to.include({ gameId: game.gameId, playerId: p.playerId, cancelled: 1, disconnected: 1 });
    expect(await left).to.equal(4403);

    // the old token, the reconnection token and the session route all fail; other players are untouched
    expect(await access(game.gameId, p.token)).to.deep.equal({ http: 401, room: false });
    const resumed = await new Client(h.base).reconnect(room.reconnectionToken).then(
      () => true,
      () => false,
    );
    expect(resumed, "reconnection refused").to.equal(false);
    expect(await access(game.gameId, other.token)).to.deep.equal({ http: 200, room: true });
    const again = await api(h, "POST", `/api/games/${game.gameId}/players/${p.playerId}/kick`);
    expect(again.body).to.include({ kickedAt: k.body.kickedAt, cancelled: 0, disconnected: 0 });

    // the kick is in the game's log, once
    const count = async () =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*) AS n FROM events WHERE game_id = ${game.gameId}
      AND type = 'admin_action' AND data->>'action' = 'player_kicked' AND data->>'detail' = ${p.playerId}`.execute(h.db)
        ).rows[0]!.n,
      );
    const until = Date.now() + 20_000; // the persister's pace, on a busy machine
    let n: number;
    while ((n = await count()) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(n).to.equal(1);
  });
});
