/**
 * Sessions: several rounds (games) played one after the other by the same players. A session has a
 * join code (from the games' code space); a player joins it once, by the session's code or by the code
 * of one of its rounds, and keeps one player id (and name) in every round of the session, with a fresh
 * endowment each round. Rounds are created by the admin in order (round 1, 2, ...); creating a round
 * adds every session player to it and tells the rooms of the previous round where the next one is.
 * The session's "current" round is its latest. Results: each round's leaderboard and the overall
 * standing = the sum of each session player's round pnl (docs/api.md, "Sessions").
 *
 * Tokens: a session token is a player token whose game is "session:<id>" (it opens no room); a
 * round's player token of a session player works for the session's player routes too.
 *
 * Errors (ApiError): UNKNOWN_SESSION, SESSION_EXISTS, FORBIDDEN (a token of another session or
 * player), plus the game service's (UNKNOWN_JOIN_CODE, INVALID_BODY, ...).
 */
import { randomBytes } from "node:crypto";
import type {
  CreateGameBody,
  CurrentRound,
  JoinReply,
  LeaderboardRow,
  SessionInfo,
  SessionResults,
} from "@marketroom/shared";
import type { z } from "zod";
import { ApiError, unwrap } from "./errors.ts";
import { DEFAULT_RANK_RULE, rankStandings } from "../scoring/ranking.ts";
import type { Principal } from "./access.ts";
import type { GameHub } from "./hub.ts";
import type { GameRecord, GameStore } from "./store.ts";
import type { GameDetail } from "./views.ts";

/** The game id a session token names (never a valid game id: ":" is not allowed in those). */
const sessionTokenGame = (sessionId: string) => `session:${sessionId}`;

/** What sessions need of the game service (GameService): its store and hub, and rounds by id. */
export interface RoundsPort {
  readonly store: GameStore;
  readonly hub: GameHub;
  create(body: z.output<typeof CreateGameBody>): Promise<GameDetail>;
  get(gameId: string): Promise<GameDetail>;
  record(gameId: string): Promise<GameRecord>;
  join(code: string, name: string): Promise<JoinReply>;
  addPlayerToRound(gameId: string, playerId: string, name: string): Promise<void>;
  tokenFor(gameId: string, playerId: string): Promise<string>;
  roundLeaderboard(gameId: string): Promise<LeaderboardRow[]>;
}

export class SessionService {
  constructor(private readonly games: RoundsPort) {}

  private get store() {
    return this.games.store;
  }

  /** Creates a session (no rounds yet). Errors: SESSION_EXISTS. */
  async create(body: { sessionId?: string; name: string }): Promise<SessionInfo> {
    const sessionId = body.sessionId ?? `s-${randomBytes(5).toString("hex")}`;
    const rec = await this.store.createSession(sessionId, body.name);
    if (!rec) throw new ApiError("SESSION_EXISTS", `a session ${sessionId} exists`);
    return this.get(sessionId);
  }

  /** Sessions, newest first; an index entry without a complete record (docs/deploy.md) is left out. */
  async list(offset = 0, limit = 100): Promise<SessionInfo[]> {
    const out: SessionInfo[] = [];
    for (const id of await this.store.sessions(offset, limit))
      if (await this.store.session(id)) out.push(await this.get(id));
    return out;
  }

  /** A session with its rounds and players. Errors: UNKNOWN_SESSION. */
  async get(sessionId: string): Promise<SessionInfo> {
    const rec = await this.store.session(sessionId);
    if (!rec) throw new ApiError("UNKNOWN_SESSION", `no session ${sessionId}`);
    const rounds = await Promise.all(
      (await this.store.sessionRounds(sessionId)).map(async (gameId, i) => {
        const g = await this.store.get(gameId);
        const info = await this.games.hub.engine.gameInfo(gameId);
        return { round: i + 1, gameId, name: g?.settings.name ?? "", phase: info.ok ? info.game.phase : "unknown" };
      }),
    );
    const players = [...(await this.store.sessionPlayers(sessionId))]
      .map(([playerId, p]) => ({ playerId, name: p.name, joinedAt: p.joinedAt }))
      .sort((a, b) => a.joinedAt - b.joinedAt || cmp(a.playerId, b.playerId));
    return { ...rec, rounds, players };
  }

  /**
   * Creates the next round of a session (a game from `body`), adds every session player to it (same id
   * and name, the round's endowment) and points the previous round at it. Errors: UNKNOWN_SESSION,
   * and create()'s.
   */
  async createRound(sessionId: string, body: z.output<typeof CreateGameBody>): Promise<GameDetail> {
    await this.get(sessionId);
    const previous = (await this.store.sessionRounds(sessionId)).at(-1);
    const game = await this.games.create(body);
    const round = await this.store.addSessionRound(sessionId, game.gameId);
    await this.store.setSessionLink(game.gameId, { sessionId, round });
    for (const [playerId, p] of await this.store.sessionPlayers(sessionId)) {
      await this.games.addPlayerToRound(game.gameId, playerId, p.name);
    }
    if (previous) {
      await this.store.setSessionLink(previous, { nextGameId: game.gameId });
      this.games.hub.publishRound(previous, { sessionId, gameId: previous, round: round - 1, nextGameId: game.gameId });
    }
    return this.games.get(game.gameId);
  }

  /**
   * POST /api/join: a session's code joins the session (and its current round unless that has ended);
   * a round's code joins the round as before, and when the round belongs to a session, the session too.
   * Errors: UNKNOWN_JOIN_CODE, MARKET_CLOSED (an ended round's code).
   */
  async join(code: string, name: string): Promise<JoinReply> {
    const sessionId = await this.store.sessionOfCode(code);
    if (sessionId) return this.joinSession(sessionId, name);
    const r = await this.games.join(code, name);
    const rec = await this.games.record(r.gameId);
    if (!rec.sessionId) return r;
    await this.store.putSessionPlayer(rec.sessionId, r.playerId, { name: r.name, joinedAt: Date.now() });
    return {
      ...r,
      sessionId: rec.sessionId,
      sessionToken: await this.games.tokenFor(sessionTokenGame(rec.sessionId), r.playerId),
    };
  }

  private async joinSession(sessionId: string, name: string): Promise<JoinReply> {
    const playerId = `p-${randomBytes(6).toString("hex")}`;
    await this.store.putSessionPlayer(sessionId, playerId, { name, joinedAt: Date.now() });
    const sessionToken = await this.games.tokenFor(sessionTokenGame(sessionId), playerId);
    const cur = await this.currentFor(sessionId, playerId);
    return {
      gameId: cur.gameId ?? "",
      playerId,
      name,
      token: cur.token ?? "",
      phase: cur.phase ?? "none",
      sessionId,
      sessionToken,
    };
  }

  /**
   * GET /api/sessions/:id/current for a player (its session token or a token of one of the session's
   * rounds): the latest round and a token for it; the player is added to that round when it is not in
   * it yet and it has not ended. Errors: UNKNOWN_SESSION, FORBIDDEN.
   */
  async current(sessionId: string, who: Principal | null): Promise<CurrentRound> {
    await this.get(sessionId);
    const playerId = await this.playerOf(sessionId, who);
    return this.currentFor(sessionId, playerId);
  }

  private async currentFor(sessionId: string, playerId: string): Promise<CurrentRound> {
    const rounds = await this.store.sessionRounds(sessionId);
    const gameId = rounds.at(-1);
    if (!gameId) return { sessionId, playerId, round: 0, gameId: null, token: null, phase: null };
    const info = unwrap(await this.games.hub.engine.gameInfo(gameId));
    const inRound = !!(await this.store.player(gameId, playerId));
    if (!inRound && info.game.phase === "ended")
      return { sessionId, playerId, round: rounds.length, gameId: null, token: null, phase: null };
    if (inRound && (await this.store.isKicked(gameId, playerId)))
      throw new ApiError("FORBIDDEN", `the organiser removed this player from round ${gameId}`);
    if (!inRound) {
      const p = (await this.store.sessionPlayers(sessionId)).get(playerId);
      await this.games.addPlayerToRound(gameId, playerId, p?.name ?? playerId);
    }
    return {
      sessionId,
      playerId,
      round: rounds.length,
      gameId,
      token: await this.games.tokenFor(gameId, playerId),
      phase: info.game.phase,
    };
  }

  /** The session player a token names. Errors: UNAUTHORIZED, FORBIDDEN. */
  private async playerOf(sessionId: string, who: Principal | null): Promise<string> {
    if (!who) throw new ApiError("UNAUTHORIZED", "a player token is required");
    if (who.role !== "player") throw new ApiError("FORBIDDEN", "this needs a player token of the session");
    const ofSession =
      who.gameId === sessionTokenGame(sessionId) || (await this.store.get(who.gameId))?.sessionId === sessionId;
    const member = (await this.store.sessionPlayers(sessionId)).has(who.playerId);
    if (!ofSession || !member) throw new ApiError("FORBIDDEN", "this token is not of a player of this session");
    return who.playerId;
  }

  /** Each round's leaderboard and the overall standing of the session's players. Errors: UNKNOWN_SESSION. */
  async results(sessionId: string): Promise<SessionResults> {
    const s = await this.get(sessionId);
    const rounds: SessionResults["rounds"] = [];
    for (const r of s.rounds) rounds.push({ ...r, leaderboard: await this.games.roundLeaderboard(r.gameId) });
    const overall = s.players.map((p) => {
      const roundPnl = rounds.map((r) => r.leaderboard.find((l) => l.playerId === p.playerId)?.pnl ?? null);
      const played = roundPnl.filter((x): x is number => x !== null);
      return {
        rank: 0,
        playerId: p.playerId,
        name: p.name,
        pnl: played.reduce((a, b) => a + b, 0),
        rounds: played.length,
        roundPnl,
      };
    });
    rankStandings(overall, DEFAULT_RANK_RULE); // summed P&L; session players are humans

    return { sessionId, name: s.name, rounds, overall };
  }
}

/** Code-unit order (the leaderboards' tie rule). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
