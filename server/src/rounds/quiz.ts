/**
 * The comprehension quiz of a round (shared/src/quiz.ts; docs/rounds.md "Instructions and quiz"):
 * what a player reads and answers, checking answers, recording a pass, and the order gate.
 *
 * Passes are recorded in Valkey, in the set `game:{<gameId>}:quiz_passed` (member = player id; the hash tag
 * keeps it in the game's slot), and in the game's event log as an action `quiz_passed` whose actor is the
 * player. A pass is for good: later changes cannot un-pass a player (the rules are fixed at creation anyway).
 *
 * The right answers stay on the server: `publicQuiz` strips them, and only the admin's routes return them.
 *
 * Gate (`QuizGate.check`, wired by the room's order path): a player's place / amend is refused with
 * QUIZ_REQUIRED while the round's quiz is required and the player has not passed it; bots and the admin are
 * never gated; cancels are never gated (a player can always pull orders). Cost: the round's rules are read
 * once per game and process; a pass and a bot are remembered once seen, so a player who passed costs no
 * Valkey read per order.
 */
import type { Redis } from "iovalkey";
import type { QuizResult, RoundInstructions, RoundQuiz } from "@marketroom/shared";
import type { GameStore } from "../game/store.ts";
import type { GameSettings } from "../game/settings.ts";
import { DEFAULT_MARKET_TYPE, marketTypeDefaults } from "./market-types.ts";
import { shareRead } from "./shared-read.ts";

/** Valkey set of the players of a game who passed its quiz. */
export const quizPassedKey = (gameId: string) => `game:{${gameId}}:quiz_passed`;

/** A QUIZ_REQUIRED rejection: nothing reached the engine. Same shape as the engine's Rejection. */
export interface QuizRequired {
  ok: false;
  code: "QUIZ_REQUIRED";
  message: string;
}

/** The round's settings as the quiz needs them. */
type QuizRules = Pick<GameSettings["rules"], "instructions" | "quiz"> & { marketType?: string };

/** The round's instructions text: its own, else its market type's default. */
export function roundInstructionsText(rules: QuizRules): string {
  return rules.instructions ?? marketTypeDefaults(rules.marketType).instructions;
}

/** The round's quiz with answers: its own, none (null), else its market type's default (not required). */
export function roundQuiz(rules: QuizRules): RoundQuiz | null {
  if (rules.quiz === null) return null;
  return rules.quiz ?? marketTypeDefaults(rules.marketType).quiz;
}

/** The quiz as a player sees it: questions and choices, no answers. */
export function publicQuiz(quiz: RoundQuiz | null): RoundInstructions["quiz"] {
  return quiz
    ? {
        required: quiz.required,
        questions: quiz.questions.map((q) => ({ question: q.question, choices: [...q.choices] })),
      }
    : null;
}

/** Indexes of the questions whose answer is wrong or missing (answers in question order). */
export function wrongAnswers(quiz: RoundQuiz, answers: readonly number[]): number[] {
  return quiz.questions.flatMap((q, i) => (answers[i] === q.answer ? [] : [i]));
}

/** What the gate needs: the store (rules, bots) and Valkey (passes). */
export interface QuizDeps {
  valkey: Redis;
  store: GameStore;
}

/** Reads and records passes; the order gate. One per process (it caches what cannot change). */
export class QuizGate {
  /** gameId -> whether its quiz is required (rules are fixed at creation). */
  private readonly required = new Map<string, boolean>();
  /** Reads of the round's quiz rule under way (isRequired). */
  private readonly lookups = new Map<string, Promise<boolean>>();
  /** `${gameId}\n${playerId}` of players known to pass the gate (passed, or a bot). */
  private readonly cleared = new Set<string>();

  constructor(private readonly deps: QuizDeps) {}

  /** Whether `playerId` has passed the quiz of `gameId` (one Valkey read). */
  async hasPassed(gameId: string, playerId: string): Promise<boolean> {
    return (await this.deps.valkey.sismember(quizPassedKey(gameId), playerId)) === 1;
  }

  /** Records a pass; true when it is new (so the caller logs it once). */
  async recordPass(gameId: string, playerId: string): Promise<boolean> {
    const added = (await this.deps.valkey.sadd(quizPassedKey(gameId), playerId)) === 1;
    this.cleared.add(`${gameId}\n${playerId}`);
    return added;
  }

  /**
   * null when `playerId` may send orders in `gameId` as far as the quiz goes, else a QUIZ_REQUIRED
   * rejection. An unknown game or player passes (the engine refuses them with its own code).
   */
  async check(gameId: string, playerId: string): Promise<QuizRequired | null> {
    if (this.knownCheck(gameId, playerId) === null) return null;
    const key = `${gameId}\n${playerId}`;
    if (this.cleared.has(key)) return null;
    if (!(await this.isRequired(gameId))) return null;
    const player = await this.deps.store.player(gameId, playerId);
    if (!player || player.bot || (await this.hasPassed(gameId, playerId))) {
      this.cleared.add(key);
      return null;
    }
    return {
      ok: false,
      code: "QUIZ_REQUIRED",
      message: "pass the round's comprehension quiz before trading (Help > Instructions)",
    };
  }

  /**
   * check's answer when it needs no read: null for a round whose quiz is known not to be required or a
   * player known to pass; else undefined (ask check). Keeps the order path free of waits (issue 13).
   */
  knownCheck(gameId: string, playerId: string): null | undefined {
    const required = this.required.get(gameId);
    if (required === false || (required && this.cleared.has(`${gameId}\n${playerId}`))) return null;
    return undefined;
  }

  private isRequired(gameId: string): Promise<boolean> {
    const known = this.required.get(gameId);
    if (known !== undefined) return Promise.resolve(known);
    return shareRead(this.lookups, gameId, async () => {
      const rec = await this.deps.store.get(gameId);
      if (!rec) return false;
      const required = roundQuiz(rec.settings.rules)?.required ?? false;
      this.required.set(gameId, required);
      return required;
    });
  }
}

/** The market type of a round (one today). */
export function marketTypeOf(rules: QuizRules): string {
  return rules.marketType ?? DEFAULT_MARKET_TYPE;
}

/** The result of checking `answers` against `quiz`. */
export function checkAnswers(quiz: RoundQuiz, answers: readonly number[]): QuizResult {
  const wrong = wrongAnswers(quiz, answers);
  return { passed: wrong.length === 0, wrong };
}
