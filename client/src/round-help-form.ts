/**
 * The create form's "Instructions and quiz" fields (docs/rounds.md "Instructions and quiz"): the text
 * students read before trading and the comprehension quiz, sent as CreateGameBody.rules.instructions and
 * rules.quiz (shared/src/quiz.ts; the server validates them again and answers INVALID_BODY with the field).
 *
 * - Instructions: empty = the market type's default text (students reach it from Help); text = the teacher's,
 *   shown to each student before trading. "Load the defaults" fills both boxes from GET /api/market-types.
 * - Quiz: "default" (the market type's 3 questions), "custom" (questions as JSON, checked here with errors
 *   that name the question and field) or "none"; "must pass to trade" makes it required.
 */
import { esc } from "./format.ts";

type Call = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;

interface Question {
  question: string;
  choices: string[];
  answer: number;
}

const EXAMPLE = `[
  { "question": "What is a bid?", "choices": ["A buy order waiting in the book", "A sell order waiting"], "answer": 0 }
]`;

/** The fieldset's markup (inserted into the create form). */
export const ROUND_HELP_FIELDS_HTML = `
<fieldset class="round-help" id="round-help"><legend>Instructions and quiz <span class="muted small">(shown to students before trading)</span></legend>
  <label>Instructions <span class="muted small">(empty = the default text; # heading, - list, **bold**)</span>
    <textarea name="instructions" rows="5" maxlength="8000" placeholder="Empty: the default instructions of this market type"></textarea></label>
  <div class="row3">
    <label>Quiz <select name="quizMode"><option value="default">default (3 questions)</option><option value="custom">my questions (JSON)</option><option value="none">no quiz</option></select></label>
    <label class="check"><input type="checkbox" name="quizRequired"> Students must pass it to trade</label>
    <button type="button" id="round-help-defaults" class="ghost small">Load the defaults to edit</button>
  </div>
  <label id="quiz-json-box" hidden>Questions (JSON: question, choices, answer = index of the right choice, 0 = first)
    <textarea name="quizJson" rows="8" spellcheck="false" placeholder='${esc(EXAMPLE)}'></textarea></label>
</fieldset>`;

/** Wires the quiz mode switch and the "Load the defaults" button. */
export function wireRoundHelpForm(root: HTMLElement, call: Call): void {
  const form = root.querySelector<HTMLFormElement>("#create-form")!;
  const field = <T extends Element>(n: string) => form.elements.namedItem(n) as unknown as T;
  const mode = field<HTMLSelectElement>("quizMode");
  const sync = () => {
    root.querySelector<HTMLElement>("#quiz-json-box")!.hidden = mode.value !== "custom";
  };
  mode.addEventListener("change", sync);
  root.querySelector("#round-help-defaults")!.addEventListener("click", async () => {
    const d = await defaults(call);
    field<HTMLTextAreaElement>("instructions").value = d.instructions;
    field<HTMLTextAreaElement>("quizJson").value = JSON.stringify(d.quiz.questions, null, 2);
    mode.value = "custom";
    sync();
  });
  sync();
}

/** The defaults of the market type chosen in the form (market-type-form.ts), else the first type. */
async function defaults(call: Call): Promise<{ instructions: string; quiz: { questions: Question[] } }> {
  const { marketTypes } = await call<{
    marketTypes: { id: string; instructions: string; quiz: { questions: Question[] } }[];
  }>("GET", "/api/market-types");
  const chosen = document.querySelector<HTMLSelectElement>("#create-form select[name=marketType]")?.value;
  return marketTypes.find((m) => m.id === chosen) ?? marketTypes[0]!;
}

/**
 * rules.instructions and rules.quiz of the form (fields left at their defaults send nothing). Throws an
 * Error with a plain message when the JSON questions are malformed.
 */
export async function roundHelpRules(f: FormData, call: Call): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const text = String(f.get("instructions") ?? "").trim();
  if (text) out.instructions = text;
  const mode = String(f.get("quizMode") ?? "default");
  const required = f.get("quizRequired") === "on";
  if (mode === "none") out.quiz = null;
  else if (mode === "custom") out.quiz = { required, questions: parseQuestions(String(f.get("quizJson") ?? "")) };
  else if (required) out.quiz = { required, questions: (await defaults(call)).quiz.questions };
  return out;
}

/** Questions from the JSON box: an array (or { questions }) of { question, choices, answer }. */
export function parseQuestions(json: string): Question[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    throw new Error(`Quiz questions are not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const list = Array.isArray(v) ? v : (v as { questions?: unknown })?.questions;
  if (!Array.isArray(list) || list.length < 1 || list.length > 10)
    throw new Error("Quiz: give 1 to 10 questions, as a JSON list");
  return list.map((q: any, i) => {
    const at = `Quiz question ${i + 1}`;
    if (typeof q?.question !== "string" || !q.question.trim()) throw new Error(`${at}: "question" must be a text`);
    if (
      !Array.isArray(q.choices) ||
      q.choices.length < 2 ||
      q.choices.length > 6 ||
      !q.choices.every((c: unknown) => typeof c === "string" && c.trim())
    ) {
      throw new Error(`${at}: "choices" must be 2 to 6 texts`);
    }
    if (!Number.isInteger(q.answer) || q.answer < 0 || q.answer >= q.choices.length) {
      throw new Error(
        `${at}: "answer" must be the index of the right choice, 0 to ${q.choices.length - 1} (0 = the first)`,
      );
    }
    return { question: q.question, choices: q.choices, answer: q.answer };
  });
}
