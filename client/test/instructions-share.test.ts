/**
 * First-time students and teachers' links (Chromium, issue 16): the instructions screen opens before
 * trading when the teacher wrote instructions or requires the quiz; the teacher's text is rendered as a
 * small markdown subset with no HTML passing through; a required quiz keeps the order form disabled until
 * it is passed (a wrong try names the wrong questions and changes nothing); Help reopens the screen; the
 * admin form edits both (malformed questions refused in the form). The
 * admin's "Share replay" button makes a link that a fresh browser (no admin, no player, new context) opens
 * as a read-only replay of the round's market.
 * Screenshots: quiz-before-trading.png, quiz-passed.png, admin-quiz-form.png, share-replay-admin.png, share-replay-viewer.png.
 */
import { expect } from "chai";
import { join as joinPath } from "node:path";
import { chromium, type Page } from "playwright-core";
import type { CommandReply } from "@marketroom/shared";
import { api, connect, createGame, join, type Harness } from "../../server/test/support/harness.ts";
// @ts-expect-error plain ESM helper without types
import { CHROMIUM } from "../../scripts/lib/browser.mjs";
import { SHOTS, useChromium } from "./support/chromium.ts";

const QUIZ = {
  required: true,
  questions: [
    {
      question: "Which one is a bid?",
      choices: ["A buy order waiting in the book", "A sell order waiting in the book"],
      answer: 0,
    },
    {
      question: "A market order finds nobody on the other side. It…",
      choices: ["waits in the book", "trades at the last price", "is cancelled at once"],
      answer: 2,
    },
  ],
};

describe("browser client: instructions, quiz and shared replay links (Chromium)", function () {
  this.timeout(90_000);
  const b = useChromium();
  let h: Harness;
  before(() => {
    h = b.h;
  });

  const disabled = (page: Page, sel: string) => page.locator(sel).evaluate((el) => el.matches(":disabled"));

  async function pick(page: Page, answers: number[]): Promise<void> {
    for (const [i, a] of answers.entries()) await page.check(`#quiz-form input[name=q${i}][value="${a}"]`);
    await page.click("#quiz-submit");
  }

  it("a required quiz: instructions first, the order form disabled until passed, then trading; Help reopens it", async () => {
    const game = await createGame(h, {
      name: "Quiz class",
      rules: {
        instructions:
          '# Welcome\n\nYou trade **ACME** against each other.\n\n- buy low\n- sell high\n\n<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">',
        quiz: QUIZ,
      },
    });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const ann = await b.joinAs(game.joinCode, "ann");
    const dialog = ann.locator("#instructions");
    await dialog.locator(".instructions-text h3", { hasText: "Welcome" }).waitFor();
    expect(await dialog.locator(".instructions-text b").innerText()).to.equal("ACME");
    expect(await dialog.locator(".instructions-text li").allInnerTexts()).to.deep.equal(["buy low", "sell high"]);
    // the teacher's HTML is text on screen, never markup
    expect(await dialog.locator(".instructions-text script, .instructions-text img").count()).to.equal(0);
    expect(await dialog.locator(".instructions-text").innerText()).to.include("<script>window.pwned = 1</script>");
    expect(await ann.evaluate(() => (window as { pwned?: number }).pwned)).to.equal(undefined);

    // the order form is off until the quiz is passed
    expect(await disabled(ann, "#submit")).to.equal(true);
    expect(await disabled(ann, "#order-form input[name=price]")).to.equal(true);
    await pick(ann, [1, 1]);
    const msg = ann.locator("#quiz-msg.reject");
    await msg.waitFor();
    expect(await msg.innerText()).to.match(/questions 1, 2 are wrong/);
    expect(await ann.locator(".quiz-q.wrong").count()).to.equal(2);
    expect(await disabled(ann, "#submit")).to.equal(true);
    await ann.screenshot({ path: joinPath(SHOTS, "quiz-before-trading.png"), fullPage: true });
    await ann.click("#instructions-close"); // "Later": the note over the form leads back to it
    expect(await ann.locator("#quiz-note").isVisible()).to.equal(true);
    await ann.click("#quiz-note-open");

    await pick(ann, [0, 2]);
    await ann.locator("#quiz-msg.ok", { hasText: "you can trade now" }).waitFor();
    expect(await disabled(ann, "#submit")).to.equal(false);
    expect(await ann.locator("#quiz-note").isVisible()).to.equal(false);
    await ann.click("#instructions-close");
    await b.order(ann, "buy", "0.99", 2);
    await ann.locator("#order-msg.ok").waitFor();
    await ann.locator("#orders tr", { hasText: "0.99" }).first().waitFor();

    // Help reopens the screen, which remembers the pass
    await ann.click("#help-open");
    await ann.click("#instructions-open");
    await ann.locator("#instructions #quiz-passed").waitFor();
    expect(await ann.locator("#instructions").isVisible()).to.equal(true);
    await ann.screenshot({ path: joinPath(SHOTS, "quiz-passed.png"), fullPage: true });
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("a round with the defaults opens no screen by itself; Help shows the market type's instructions and optional quiz", async () => {
    const game = await createGame(h, { name: "Default class" });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const ben = await b.joinAs(game.joinCode, "ben");
    await ben.locator("#help-open").waitFor();
    await ben.locator("#help #instructions-open").waitFor({ state: "attached" });
    expect(await ben.locator("#instructions").isVisible()).to.equal(false);
    expect(await disabled(ben, "#submit")).to.equal(false);
    await ben.click("#help-open");
    await ben.click("#instructions-open");
    await ben.locator("#instructions .instructions-text h3", { hasText: "How this round works" }).waitFor();
    expect(await ben.locator("#quiz-form .quiz-q").count()).to.equal(3);
    expect(await ben.locator("#quiz-form h3").textContent()).to.include("(optional)");
    await api(h, "POST", `/api/games/${game.gameId}/end`);
  });

  it("the admin form edits the instructions and quiz: malformed questions are refused in the form, good ones reach the round", async () => {
    const page = await b.open("/#/admin");
    await page.fill("#admin-login input[name=token]", h.admin);
    await page.press("#admin-login input[name=token]", "Enter");
    await page.locator("#games").waitFor();
    const name = `Quiz form ${Date.now().toString(36)}`;
    await page.fill("#create-form input[name=name]", name);
    for (const k of ["market_maker", "noise", "momentum"]) await page.fill(`#create-form input[name=bots_${k}]`, "0");
    await page.click("#round-help-defaults");
    await page.locator("#quiz-json-box:not([hidden])").waitFor();
    const text = await page.inputValue("#create-form textarea[name=instructions]");
    expect(text).to.match(/^# How this round works/);
    const questions = JSON.parse(await page.inputValue("#create-form textarea[name=quizJson]"));
    expect(questions).to.have.length(3);
    await page.check("#create-form input[name=quizRequired]");

    await page.fill("#create-form textarea[name=quizJson]", JSON.stringify([{ ...questions[0], answer: 7 }]));
    await page.click("#create");
    await page
      .locator("#admin-msg.reject", {
        hasText: 'Quiz question 1: "answer" must be the index of the right choice, 0 to 2',
      })
      .waitFor();
    await page.fill("#create-form textarea[name=quizJson]", "[{");
    await page.click("#create");
    await page.locator("#admin-msg.reject", { hasText: "Quiz questions are not valid JSON" }).waitFor();

    questions[2].question = "How is P&L measured in this class?";
    await page.fill("#create-form textarea[name=quizJson]", JSON.stringify(questions, null, 2));
    await page.locator("#round-help").screenshot({ path: joinPath(SHOTS, "admin-quiz-form.png") });
    await page.click("#create");
    await page.locator("#game-head", { hasText: name }).waitFor();
    const code = (await page.locator("#join-code").innerText()).trim();
    const gameId = (await api(h, "GET", "/api/games?limit=50")).body.games.find((g: any) => g.joinCode === code).gameId;
    const rules = (await api(h, "GET", `/api/games/${gameId}`)).body.rules;
    expect(rules.instructions).to.equal(text);
    expect(rules.quiz).to.deep.equal({ required: true, questions });

    // a student of that round meets the screen before trading
    const cleo = await b.joinAs(code, "cleo");
    await cleo.locator("#instructions #quiz-form .quiz-q", { hasText: "in this class" }).waitFor();
    expect(await disabled(cleo, "#submit")).to.equal(true);
  });

  it("Share replay: the admin's link opens the round's replay in a fresh browser with no sign-in, market only", async () => {
    const game = await createGame(h, { name: `Shared round ${Date.now().toString(36)}` });
    await api(h, "POST", `/api/games/${game.gameId}/start`);
    const rooms = [];
    for (const [name, body] of [
      ["seller", { side: "sell", price: 101, qty: 5 }],
      ["buyer", { side: "buy", price: 101, qty: 3 }],
    ] as const) {
      const j = await join(h, game.joinCode, name);
      const room = await connect(h, game.gameId, j.token);
      rooms.push(room);
      const r = (await room.request("place", { securityId: 1, type: "limit", tif: "GTC", ...body })) as CommandReply;
      expect(r.ok, JSON.stringify(r)).to.equal(true);
    }
    await Promise.all(rooms.map((r) => r.leave()));
    const end = await api(h, "POST", `/api/games/${game.gameId}/end`);
    await h.persister.drain(game.gameId, end.body.seq);

    const admin = await b.open("/#/admin");
    await admin.fill("#admin-login input[name=token]", h.admin);
    await admin.press("#admin-login input[name=token]", "Enter");
    await admin.locator(`#games tr[data-game="${game.gameId}"]`).click();
    const make = admin.locator("#share-replay .share-make");
    await admin.locator("#share-replay .share-make:not([disabled])").waitFor();
    await admin.selectOption("#share-replay .share-ttl", String(7 * 86_400));
    await make.click();
    await admin.locator("#share-replay .share-msg.ok").waitFor();
    const url = await admin.inputValue("#share-replay .share-url");
    expect(url).to.match(new RegExp(`^${h.base}/#/replay/${game.gameId}\\?view=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(await admin.locator("#share-replay .share-msg").innerText()).to.match(/Valid until/);
    await admin.screenshot({ path: joinPath(SHOTS, "share-replay-admin.png"), fullPage: true });

    // a different browser (its own context, nothing signed in) opens the link
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(url);
      await page.locator("#r-viewer-note").waitFor();
      await page.locator("#r-tape tbody tr", { hasText: "1.01" }).first().waitFor();
      expect(await page.locator("#r-tape tbody tr").first().innerText()).to.match(/1\.01\s+3/);
      expect(await page.locator("#r-stats").innerText()).to.include("1.01"); // last price
      expect(await page.locator("#r-msg").innerText()).to.equal("");
      expect(await page.locator(".board-card").isVisible()).to.equal(false);
      expect(
        await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("marketroom"))),
      ).to.deep.equal([]);
      const body = await page.locator("body").innerText();
      for (const name of ["seller", "buyer"]) expect(body, name).not.to.include(name);
      await page.screenshot({ path: joinPath(SHOTS, "share-replay-viewer.png"), fullPage: true });

      // a tampered link says so and shows nothing of the round
      // (a character inside the signature: the last one may only carry base64url padding bits, which decode alike)
      const sig = url.lastIndexOf(".") + 5;
      await page.goto(url.slice(0, sig) + (url[sig] === "A" ? "B" : "A") + url.slice(sig + 1));
      await page.reload();
      await page.locator("#r-msg", { hasText: "UNAUTHORIZED" }).waitFor();
    } finally {
      await browser.close();
    }
  });
});
