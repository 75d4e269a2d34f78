/**
 * The HTTP API: authentication, body validation, error shapes and statuses, lifecycle, round end with
 * results in PostgreSQL, health and metrics. Real server, Valkey and PostgreSQL.
 */
import { expect } from "chai";
import { Client } from "@colyseus/sdk";
import type { CommandReply } from "@marketroom/shared";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

describe("HTTP API", function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  describe("join", () => {
    it("joins by code with a display name and returns a player token", async () => {
      const g = await createGame(h);
      const r = await api(h, "POST", "/api/join", { code: g.joinCode.toLowerCase(), name: "  dana " }, null);
      expect(r.status).to.equal(201);
      expect(r.body).to.include({ gameId: g.gameId, name: "dana", phase: "lobby" });
      expect(r.body.playerId).to.match(/^p-/);
      expect(r.body.token.split(".")).to.have.length(3); // a compact JWS (tokens.ts)
    });

    it("rejects unknown codes and bad bodies with { code, message }", async () => {
      const unknown = await api(h, "POST", "/api/join", { code: "ZZZZZZ", name: "x" }, null);
      expect(unknown.status).to.equal(404);
      expect(unknown.body).to.include({ code: "UNKNOWN_JOIN_CODE" });
      expect(unknown.body.message).to.be.a("string");
      for (const body of [
        {},
        { code: "ABCDEF" },
        { code: "ABCDEF", name: "" },
        { code: 12, name: "x" },
        { code: "ABCDEF", name: "x".repeat(40) },
      ]) {
        const r = await api(h, "POST", "/api/join", body, null);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.body.code).to.equal("INVALID_BODY");
        expect(r.body.issues).to.be.an("array").that.is.not.empty;
      }
      const notJson = await api(h, "POST", "/api/join", undefined, null, "{nope");
      expect(notJson.status).to.equal(400);
      expect(notJson.body.code).to.equal("INVALID_BODY");
    });
  });

  describe("admin", () => {
    it("rejects missing, bad and player tokens", async () => {
      const g = await createGame(h);
      const p = await join(h, g.joinCode, "eve");
      expect((await api(h, "GET", "/api/games", undefined, null)).status).to.equal(401);
      const bad = await api(h, "GET", "/api/games", undefined, "not-a-token");
      expect(bad.status).to.equal(401);
      expect(bad.body.code).to.equal("UNAUTHORIZED");
      const forged = await api(h, "POST", `/api/games/${g.gameId}/start`, undefined, p.token.slice(0, -2) + "xx");
      expect(forged.status).to.equal(401);
      const player = await api(h, "POST", `/api/games/${g.gameId}/start`, undefined, p.token);
      expect(player.status).to.equal(403);
      expect(player.body.code).to.equal("FORBIDDEN");
      expect((await api(h, "POST", "/api/games", { name: "x" }, p.token)).status).to.equal(403);
    });

    it("validates create bodies and answers with the right statuses", async () => {
      const bad = await api(h, "POST", "/api/games", {
        name: "",
        securities: [{ securityId: 0, symbol: "??" }],
        endowment: { cash: -1 },
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.code).to.equal("INVALID_BODY");
      expect(bad.body.issues.map((i: { path: string }) => i.path)).to.include.members(["name", "endowment.cash"]);
      const dup = await api(h, "POST", "/api/games", {
        name: "dup",
        securities: [
          { securityId: 1, symbol: "A" },
          { securityId: 1, symbol: "B" },
        ],
        endowment: { cash: 1 },
      });
      expect(dup.status).to.equal(400);
      expect(
        (await api(h, "POST", "/api/games", { name: "s", scenario: "no-such", endowment: { cash: 1 } })).body.code,
      ).to.equal("UNKNOWN_SCENARIO");
      const g = await createGame(h);
      const again = await api(h, "POST", "/api/games", {
        gameId: g.gameId,
        name: "again",
        securities: [{ securityId: 1, symbol: "A" }],
        endowment: { cash: 1 },
      });
      expect(again.status).to.equal(409);
      expect(again.body.code).to.equal("GAME_EXISTS");
      expect((await api(h, "GET", "/api/games/no-such-game")).status).to.equal(404);
      expect((await api(h, "POST", "/api/games/no-such-game/start")).body.code).to.equal("UNKNOWN_GAME");
      const pause = await api(h, "POST", `/api/games/${g.gameId}/pause`);
      expect(pause.status).to.equal(409);
      expect(pause.body.code).to.equal("INVALID_PHASE_TRANSITION");
      expect((await api(h, "GET", "/api/nothing-here")).status).to.equal(404);
    });

    it("lists, inspects, starts, pauses and resumes games", async () => {
      const g = await createGame(h, { durationSec: 600 });
      const list = await api(h, "GET", "/api/games?limit=500");
      expect(list.status).to.equal(200);
      expect(list.body.games.map((x: { gameId: string }) => x.gameId)).to.include(g.gameId);
      const started = await api(h, "POST", `/api/games/${g.gameId}/start`);
      expect(started.body).to.include({ phase: "running", durationSec: 600 });
      expect(started.body.endsAt).to.be.greaterThan(Date.now());
      const paused = await api(h, "POST", `/api/games/${g.gameId}/pause`);
      expect(paused.body).to.include({ phase: "paused", endsAt: 0 });
      expect(paused.body.remainingMs).to.be.within(590_000, 600_000);
      const resumed = await api(h, "POST", `/api/games/${g.gameId}/resume`);
      expect(resumed.body.phase).to.equal("running");
      const detail = await api(h, "GET", `/api/games/${g.gameId}`);
      expect(detail.body.securities[0]).to.include({ securityId: 1, symbol: "ACME", refPrice: 100 });
    });

    it("adds bots and switches them off and on", async () => {
      const g = await createGame(h);
      const bad = await api(h, "POST", `/api/games/${g.gameId}/bots`, { kind: "oracle" });
      expect(bad.status).to.equal(400);
      const added = await api(h, "POST", `/api/games/${g.gameId}/bots`, {
        kind: "market_maker",
        count: 1,
        params: { intervalMs: 50 },
      });
      expect(added.status).to.equal(201);
      const botId = added.body.bots[0].playerId;
      await api(h, "POST", `/api/games/${g.gameId}/start`);
      const obs = await connect(h, g.gameId, undefined, { observer: true });
      await waitFor(
        () => obs.state.securities.get("1")!.bids.length > 0 && obs.state.securities.get("1")!.asks.length > 0,
        "bot quotes",
      );
      const del = await api(h, "DELETE", `/api/games/${g.gameId}/bots/${botId}`);
      expect(del.status).to.equal(204);
      await waitFor(() => obs.state.securities.get("1")!.bids.length === 0, "bot quotes cancelled");
      expect((await api(h, "DELETE", `/api/games/${g.gameId}/bots/p-nobody`)).body.code).to.equal("UNKNOWN_BOT");
      expect((await api(h, "GET", `/api/games/${g.gameId}/bots`)).body.bots[0]).to.include({
        playerId: botId,
        enabled: false,
        running: false,
      });
      // Switched on again, it quotes again.
      expect((await api(h, "POST", `/api/games/${g.gameId}/bots/${botId}/on`)).status).to.equal(204);
      await waitFor(() => obs.state.securities.get("1")!.bids.length > 0, "bot quotes again");
      expect((await api(h, "GET", `/api/games/${g.gameId}/bots`)).body.bots[0]).to.include({
        playerId: botId,
        enabled: true,
        running: true,
      });
      expect((await api(h, "POST", `/api/games/${g.gameId}/bots/p-nobody/on`)).body.code).to.equal("UNKNOWN_BOT");
      await obs.leave();
      // Admin actions are in the game's log like everything else (read back from PostgreSQL).
      let actions: string[] = [];
      for (let i = 0; i < 100 && actions.length < 3; i++) {
        const rows = await h.db
          .selectFrom("events")
          .select("data")
          .where("game_id", "=", g.gameId)
          .where("type", "=", "admin_action")
          .orderBy("seq")
          .execute();
        actions = rows.map((r) => {
          const d = r.data as { action: string; detail: string };
          return `${d.action} ${d.detail}`;
        });
        if (actions.length < 3) await new Promise((r) => setTimeout(r, 50));
      }
      expect(actions).to.deep.equal([
        `bot_added market_maker ${botId}`,
        `bot_removed ${botId}`,
        `bot_enabled ${botId}`,
      ]);
    });
  });

  describe("rooms", () => {
    it("reject bad tokens, tokens of other games and tokenless players", async () => {
      const g1 = await createGame(h);
      const g2 = await createGame(h, { allowObservers: false });
      const p1 = await join(h, g1.joinCode, "fay");
      const attempt = async (gameId: string, token?: string, opts: object = {}) => {
        const sdk = new Client(h.base);
        if (token) sdk.auth.token = token;
        try {
          const r = await sdk.joinOrCreate("game", { gameId, ...opts });
          await r.leave();
          return "joined";
        } catch (err) {
          return String((err as { code?: number }).code);
        }
      };
      expect(await attempt(g1.gameId, "garbage")).to.equal("401");
      expect(await attempt(g2.gameId, p1.token)).to.equal("403");
      expect(await attempt(g1.gameId)).to.equal("401");
      expect(await attempt(g2.gameId, undefined, { observer: true })).to.equal("401");
      expect(await attempt("no-such-game", h.admin)).to.equal("404");
      expect(await attempt(g1.gameId, p1.token)).to.equal("joined");
    });
  });

  describe("round end", () => {
    it("cancels open orders and writes final inventories and the leaderboard to PostgreSQL", async () => {
      const g = await createGame(h);
      await api(h, "POST", `/api/games/${g.gameId}/start`);
      const a = await join(h, g.joinCode, "gus");
      const b = await join(h, g.joinCode, "hal");
      const ra = await connect(h, g.gameId, a.token);
      const rb = await connect(h, g.gameId, b.token);
      await ra.request("place", { securityId: 1, side: "sell", price: 110, qty: 5 });
      await rb.request("place", { securityId: 1, side: "buy", price: 110, qty: 2 });
      for (let i = 0; i < 3; i++) await rb.request("place", { securityId: 1, side: "buy", price: 100 + i, qty: 1 });
      const end = await api(h, "POST", `/api/games/${g.gameId}/end`);
      expect(end.status).to.equal(200);
      expect(end.body).to.include({ cancelled: 4, resultsWritten: true });
      expect(end.body.leaderboard).to.have.length(2);
      await waitFor(
        () =>
          ra.state.phase === "ended" &&
          ra.state.securities.get("1")!.bids.length === 0 &&
          ra.state.securities.get("1")!.asks.length === 0,
        "empty book after the end",
      );
      const late = (await ra.request("place", { securityId: 1, side: "buy", price: 100, qty: 1 })) as CommandReply;
      expect(late).to.include({ ok: false, code: "MARKET_CLOSED" });
      const board = await h.db
        .selectFrom("leaderboard")
        .selectAll()
        .where("game_id", "=", g.gameId)
        .orderBy("rank")
        .execute();
      expect(board.map((r) => r.player_id).sort()).to.deep.equal([a.playerId, b.playerId].sort());
      // both valued at the last price 110: gus 100,220 + 98 x 110; hal 99,780 + 102 x 110
      expect(board.find((r) => r.player_id === a.playerId)).to.include({ cash: 100_220, equity: 100_220 + 98 * 110 });
      const inv = await h.db
        .selectFrom("inventories")
        .selectAll()
        .where("game_id", "=", g.gameId)
        .where("kind", "=", "final")
        .execute();
      const cashOf = (pid: string) => inv.find((r) => r.player_id === pid && r.security_id === 0);
      expect(cashOf(b.playerId)).to.include({ qty: 99_780, locked: 0 });
      expect(inv.find((r) => r.player_id === a.playerId && r.security_id === 1)).to.include({ qty: 98, locked: 0 });
      const lb = await api(h, "GET", `/api/games/${g.gameId}/leaderboard`);
      expect(lb.body.leaderboard[0].equity).to.equal(board[0]!.equity);
      await Promise.all([ra.leave(), rb.leave()]);
    });
  });

  describe("operations", () => {
    it("GET /health reports Valkey, PostgreSQL and the persister lag", async () => {
      const r = await api(h, "GET", "/health", undefined, null);
      expect(r.status).to.equal(200);
      expect(r.body.valkey.ok).to.equal(true);
      expect(r.body.postgres.ok).to.equal(true);
      expect(r.body.persister.lagMs).to.be.a("number");
    });

    it("answers without naming its framework (no X-Powered-By), on the client's page and on the API", async () => {
      for (const path of ["/", "/health", "/api/v1/openapi.json"]) {
        const res = await fetch(`${h.base}${path}`);
        await res.arrayBuffer();
        expect(res.status, path).to.equal(200);
        expect(res.headers.get("x-powered-by"), path).to.equal(null);
      }
    });

    it("GET /metrics serves Prometheus text", async () => {
      const res = await fetch(`${h.base}/metrics`);
      const text = await res.text();
      expect(res.status).to.equal(200);
      for (const name of [
        "marketroom_orders_total",
        "marketroom_fills_total",
        "marketroom_rejects_total",
        "marketroom_command_seconds_bucket",
        "marketroom_persister_lag_ms",
        "marketroom_connected_clients",
      ])
        expect(text).to.include(name);
      expect(text).to.match(/marketroom_rejects_total\{command="place",code="[A-Z_]+"\}/);
    });
  });
});
