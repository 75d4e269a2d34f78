/**
 * The instructions screen and comprehension quiz of a round (issue 16, "first-time students";
 * docs/rounds.md "Instructions and quiz"). Both are round rules (GameRules.instructions, GameRules.quiz);
 * when a round does not set them, the defaults of its market type apply (server/src/rounds/market-types.ts,
 * kept on the server so that the right answers never reach a browser that is not the admin's).
 *
 * - instructions: teacher-editable text, at most 8,000 characters, line feeds allowed, checked by text().
 *   Shown as a small markdown subset (paragraphs, `# ` headings, `- ` lists, `**bold**`, `*italic*`) that
 *   the client renders from escaped text, so no HTML ever passes through (client/src/markdown.ts).
 * - quiz: 1-10 multiple-choice questions, each with 2-6 choices and the index of the right one
 *   (`answer`, 0-based); `required` = a player must pass (every answer right) before their orders are
 *   accepted (QUIZ_REQUIRED otherwise). `quiz: null` = no quiz in this round.
 */
import { z } from "zod";
import { text } from "./text.ts";

/** Instructions text: at most 8,000 characters, several lines. */
export const InstructionsText = text({ max: 8000, multiline: true, trim: true });

/** One multiple-choice question; `answer` is the 0-based index of the right choice. */
export const QuizQuestion = z
  .object({
    question: text({ max: 500, multiline: true, trim: true }),
    choices: z
      .array(text({ max: 200, trim: true }))
      .min(2)
      .max(6),
    answer: z.number().int().min(0).max(5),
  })
  .strict()
  .refine((q) => q.answer < q.choices.length, {
    message: "answer must be the index of one of the choices (0 = the first)",
    path: ["answer"],
  });
export type QuizQuestion = z.output<typeof QuizQuestion>;

/** A round's quiz: its questions and whether passing it is required to trade. */
export const RoundQuiz = z
  .object({
    required: z.boolean().default(false),
    questions: z.array(QuizQuestion).min(1).max(10),
  })
  .strict();
export type RoundQuiz = z.output<typeof RoundQuiz>;

/** A question as players see it: no answer. */
export interface PublicQuizQuestion {
  question: string;
  choices: string[];
}

/** GET /api/games/:id/instructions: what a player reads before trading (never the answers). */
export interface RoundInstructions {
  gameId: string;
  /** The round's market type: continuous, call, dividends, induced or contingent (messages.ts MarketType). */
  marketType: string;
  instructions: string;
  /** True when the teacher wrote the instructions (the screen then opens by itself once), false for the default. */
  custom: boolean;
  quiz: { required: boolean; questions: PublicQuizQuestion[] } | null;
  /** Whether this player has passed the quiz (false for the admin). */
  passed: boolean;
}

/** POST /api/games/:id/quiz body: one choice index per question, in order. */
export const QuizAnswersBody = z.object({ answers: z.array(z.number().int().min(0).max(5)).min(1).max(10) }).strict();
export type QuizAnswersBody = z.input<typeof QuizAnswersBody>;

/** POST /api/games/:id/quiz reply: `wrong` = indexes of the questions answered wrongly (none when passed). */
export interface QuizResult {
  passed: boolean;
  wrong: number[];
}
