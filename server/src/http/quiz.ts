/**
 * Instructions and comprehension quiz routes (docs/rounds.md "Instructions and quiz"; server/src/rounds/quiz.ts):
 *
 *   GET  /api/games/:id/instructions   player token of the game, or admin -> RoundInstructions (no answers)
 *   POST /api/games/:id/quiz { answers }  player token of the game -> QuizResult { passed, wrong }; a pass is
 *                                      recorded (Valkey set game:{id}:quiz_passed, and the action quiz_passed
 *                                      in the game's log). The admin may try the quiz: checked, not recorded.
 *   GET  /api/market-types             admin -> { marketTypes: [{ id, label, description, instructions, quiz }] }
 *                                      (the defaults, with answers: for the admin form)
 *
 * Errors `{ code, message }`: UNAUTHORIZED 401, FORBIDDEN 403 (another game's token; a player on the admin
 * route), UNKNOWN_GAME 404, NOT_FOUND 404 (the round has no quiz), INVALID_BODY 400 (not one answer per
 * question, or not JSON).
 */
import express, { type Application, type Request } from "express";
import { GameIdParam, QuizAnswersBody, type RoundInstructions } from "@marketroom/shared";
import { ApiError } from "../game/errors.ts";
import type { GameService } from "../game/service.ts";
import { MARKET_TYPES } from "../rounds/market-types.ts";
import {
  checkAnswers,
  marketTypeOf,
  publicQuiz,
  roundInstructionsText,
  roundQuiz,
  type QuizGate,
} from "../rounds/quiz.ts";
import { adminOnly, bearer, parse } from "./request.ts";

export interface QuizRouteDeps {
  service: GameService;
  quiz: QuizGate;
}

/** Mounts the routes above on `app` (before the /api 404 handler). */
export function mountQuizRoutes(app: Application, deps: QuizRouteDeps): void {
  const { service, quiz } = deps;
  const json = express.json({ limit: "16kb" });

  /** The caller of a game route: the admin, or a player of that game (401 / 403 otherwise). */
  const caller = async (req: Request): Promise<{ gameId: string; playerId: string | null }> => {
    const gameId = parse(GameIdParam, req.params, "NOT_FOUND").id;
    const who = await service.authenticate(bearer(req));
    if (!who) throw new ApiError("UNAUTHORIZED", "a player or admin bearer token is required");
    if (who.role === "admin") return { gameId, playerId: null };
    if (who.gameId !== gameId) throw new ApiError("FORBIDDEN", "this token belongs to another game");
    return { gameId, playerId: who.playerId };
  };

  app.get("/api/games/:id/instructions", async (req, res) => {
    const { gameId, playerId } = await caller(req);
    const rules = (await service.record(gameId)).settings.rules;
    const body: RoundInstructions = {
      gameId,
      marketType: marketTypeOf(rules),
      instructions: roundInstructionsText(rules),
      custom: rules.instructions !== undefined,
      quiz: publicQuiz(roundQuiz(rules)),
      passed: playerId ? await quiz.hasPassed(gameId, playerId) : false,
    };
    res.json(body);
  });

  app.post("/api/games/:id/quiz", json, async (req, res) => {
    const { gameId, playerId } = await caller(req);
    const q = roundQuiz((await service.record(gameId)).settings.rules);
    if (!q) throw new ApiError("NOT_FOUND", "this round has no quiz");
    const { answers } = parse(QuizAnswersBody, req.body);
    if (answers.length !== q.questions.length)
      throw new ApiError("INVALID_BODY", `give one answer per question (${q.questions.length})`);
    const result = checkAnswers(q, answers);
    if (result.passed && playerId && (await quiz.recordPass(gameId, playerId))) {
      // The log records the pass for the round's review; a refusal (e.g. a log error) leaves the Valkey record.
      await service.hub.logAction(gameId, "quiz_passed", playerId, "").catch(() => undefined);
    }
    res.json(result);
  });

  app.get("/api/market-types", adminOnly(service), (_req, res) => {
    res.json({ marketTypes: Object.entries(MARKET_TYPES).map(([id, m]) => ({ id, ...m })) });
  });
}
