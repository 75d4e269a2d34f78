/**
 * The instructions screen and comprehension quiz of the player view (docs/client.md "Instructions and
 * quiz"; server: server/src/http/quiz.ts). Fetched once when the game screen opens:
 *
 * - The dialog opens by itself before trading when the round asks for it: the teacher wrote instructions
 *   for it, or its quiz must be passed to trade (and this player has not passed it). Otherwise the text is
 *   one click away: Help > "How this round works", which opens the dialog at any time.
 * - A required quiz not yet passed keeps the order form disabled (a disabled fieldset around its fields)
 *   and shows a note with a button to the quiz. Answers go to POST /api/games/:id/quiz; the reply says
 *   passed, or which questions were wrong (never which answer is right). Passing enables the form.
 *   The server refuses orders with QUIZ_REQUIRED as well, so the form is a convenience, not the guard.
 */
import type { QuizResult, RoundInstructions } from "../../shared/src/quiz.ts";
import "./instructions.css";
import { api, ApiError, errorText } from "./api.ts";
import { $ } from "./dom.ts";
import { esc } from "./format.ts";
import { markdownHtml } from "./markdown.ts";
import { noticeHtml } from "./notices.ts";

/** Where the dialog and its controls go: the player screen's root, its order form and Help panel. */
export interface InstructionsHost {
  root: HTMLElement;
  gameId: string;
  token: string;
}

/**
 * Fetches the round's instructions and quiz and hooks them into the player screen (see the file header).
 * Resolves to what it fetched (the round's market type is there), or null when the fetch failed.
 */
export async function mountInstructions(host: InstructionsHost): Promise<RoundInstructions | null> {
  let info: RoundInstructions;
  try {
    info = await api<RoundInstructions>(
      "GET",
      `/api/games/${encodeURIComponent(host.gameId)}/instructions`,
      undefined,
      host.token,
    );
  } catch {
    return null; // an older server or a network blip: the screen works without it, Help keeps the glossary
  }
  new InstructionsDialog(host, info).mount();
  return info;
}

class InstructionsDialog {
  private readonly dialog: HTMLElement;
  private readonly fields: HTMLFieldSetElement;

  constructor(
    private readonly host: InstructionsHost,
    private info: RoundInstructions,
  ) {
    this.dialog = document.createElement("div");
    this.dialog.id = "instructions";
    this.dialog.className = "overlay";
    this.dialog.hidden = true;
    this.fields = wrapFields($(host.root, "#order-form") as HTMLFormElement);
  }

  mount(): void {
    const r = this.host.root;
    r.querySelector(".player")?.append(this.dialog);
    const help = r.querySelector("#help h2");
    help?.insertAdjacentHTML(
      "afterend",
      `<p><button type="button" id="instructions-open" class="small">How this round works${this.info.quiz ? " (and quiz)" : ""}</button></p>`,
    );
    r.querySelector("#instructions-open")?.addEventListener("click", () => this.open());
    const entry = $(r, "#order-form");
    entry.insertAdjacentHTML(
      "beforebegin",
      `<div id="quiz-note" class="banner note small" hidden>Answer the short quiz about this round to start trading.
      <button type="button" id="quiz-note-open" class="small primary">Open the quiz</button></div>`,
    );
    $(r, "#quiz-note-open").addEventListener("click", () => this.open());
    this.dialog.addEventListener("click", (ev) => {
      const t = ev.target as HTMLElement;
      if (t.closest("#instructions-close")) this.close();
    });
    this.dialog.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.check(ev.target as HTMLFormElement);
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && !this.dialog.hidden) this.close();
    });
    this.sync();
    if (this.blocked() || this.asksToRead()) this.open();
  }

  /** The round asks for the screen before trading: the quiz is required and not passed. */
  private blocked(): boolean {
    return !!this.info.quiz?.required && !this.info.passed;
  }

  /** Whether to show the text by itself once: a teacher's own instructions, first visit in this tab. */
  private asksToRead(): boolean {
    const key = `marketroom.instructions.${this.host.gameId}`;
    if (!this.info.custom || sessionStorage.getItem(key)) return false;
    sessionStorage.setItem(key, "1");
    return true;
  }

  /** Order form and note as the quiz allows. */
  private sync(): void {
    const blocked = this.blocked();
    this.fields.disabled = blocked;
    $(this.host.root, "#quiz-note").hidden = !blocked;
  }

  private open(): void {
    const q = this.info.quiz;
    this.dialog.innerHTML = `<div class="card instructions-card" role="dialog" aria-modal="true" aria-labelledby="instructions-title">
      <h2 id="instructions-title">How this round works <button type="button" id="instructions-close" class="ghost small">${this.blocked() ? "Later" : "Close"}</button></h2>
      <div class="instructions-text">${markdownHtml(this.info.instructions)}</div>
      ${
        q
          ? `<form id="quiz-form" class="quiz"><h3>Quiz${q.required ? ' <span class="small muted">(pass it to trade)</span>' : ' <span class="small muted">(optional)</span>'}</h3>
        ${this.info.passed ? `<p class="msg ok" id="quiz-passed">You passed the quiz.</p>` : ""}
        ${q.questions
          .map(
            (qq, i) => `<fieldset class="quiz-q" data-q="${i}"><legend>${i + 1}. ${esc(qq.question)}</legend>
          ${qq.choices.map((c, j) => `<label class="check"><input type="radio" name="q${i}" value="${j}" required> ${esc(c)}</label>`).join("")}</fieldset>`,
          )
          .join("")}
        <button type="submit" class="primary" id="quiz-submit">Check my answers</button>
        <div id="quiz-msg" class="msg" role="alert" aria-live="polite"></div></form>`
          : ""
      }
    </div>`;
    this.dialog.hidden = false;
    this.dialog.querySelector<HTMLElement>("#instructions-close")?.focus();
  }

  private close(): void {
    this.dialog.hidden = true;
  }

  private async check(form: HTMLFormElement): Promise<void> {
    const q = this.info.quiz;
    if (!q) return;
    const f = new FormData(form);
    const answers = q.questions.map((_, i) => Number(f.get(`q${i}`)));
    const msg = $(form, "#quiz-msg");
    for (const el of form.querySelectorAll(".quiz-q")) el.classList.remove("wrong");
    try {
      const r = await api<QuizResult>(
        "POST",
        `/api/games/${encodeURIComponent(this.host.gameId)}/quiz`,
        { answers },
        this.host.token,
      );
      if (r.passed) {
        this.info = { ...this.info, passed: true };
        msg.className = "msg ok";
        msg.textContent = q.required ? "All right: you can trade now." : "All right!";
        $(this.dialog, "#instructions-close").textContent = "Start trading";
      } else {
        for (const i of r.wrong) form.querySelector(`.quiz-q[data-q="${i}"]`)?.classList.add("wrong");
        msg.className = "msg reject";
        msg.textContent = `Not quite: question${r.wrong.length > 1 ? "s" : ""} ${r.wrong.map((i) => i + 1).join(", ")} ${r.wrong.length > 1 ? "are" : "is"} wrong. Read the instructions again and try once more.`;
      }
      this.sync();
    } catch (err) {
      msg.className = "msg reject";
      msg.innerHTML = err instanceof ApiError ? noticeHtml(err.code, { message: err.message }) : esc(errorText(err));
    }
  }
}

/** Moves the form's children into a fieldset (invisible) so that one `disabled` switches every field off. */
function wrapFields(form: HTMLFormElement): HTMLFieldSetElement {
  const fs = document.createElement("fieldset");
  fs.className = "order-fields";
  fs.append(...form.childNodes);
  form.append(fs);
  return fs;
}
