/**
 * Instructions and comprehension quiz (docs/rounds.md "Instructions and quiz"): the market type's defaults
 * when a round sets none; a teacher's own text and quiz validated at creation; answers checked on the
 * server (wrong -> not passed, with the wrong questions; right -> passed and recorded in Valkey and the
 * log); the right answers in no payload a player receives; the order gate QuizGate (QUIZ_REQUIRED until
 * passed; bots and rounds without a required quiz never gated).
 */
import { expect } from "chai";
import type { CreateGameBody, JoinReply } from "@marketroom/shared";
import { QuizGate, quizPassedKey } from "../../src/rounds/quiz.ts";
import { MARKET_TYPES } from "../../src/rounds/market-types.ts";
import { api, connect, createGame, harness, join, waitFor, type Harness } from "../support/harness.ts";

const QUIZ = {
  required: true,
  questions: [
    { question: "Q-alpha: which one is a bid?", choices: ["a buy order waiting", "a sell order waiting"], answer: 0 },
    {
      question: "Q-beta: a market order with nobody on the other side",
      choices: ["rests", "trades at the last price", "is cancelled"],
      answer: 2,
    },
  ],
} as const;

describe("instructions and quiz before trading", function () {
  this.timeout(60_000);
  let h: Harness;
  let gate: QuizGate;
  before(async () => {
    h = await harness();
    gate = new QuizGate({ valkey: h.valkey, store: h.app.service.store });
  });

  const rules = (extra: Record<string, unknown>) => ({ rules: extra }) as Partial<CreateGameBody>;
  const instructionsOf = (gameId: string, token: string | null) =>
    api(h, "GET", `/api/games/${gameId}/instructions`, undefined, token);
  const answer = (gameId: string, token: string | null, answers: unknown) =>
    api(h, "POST", `/api/games/${gameId}/quiz`, { answers }, token);

  it("a round without its own text shows its market type's instructions and 3-question quiz, not required, without answers", async () => {
    const g = await createGame(h);
    const ann = await join(h, g.joinCode, "ann");
    const r = await instructionsOf(g.gameId, ann.token);
    expect(r.status).to.equal(200);
    const def = MARKET_TYPES.continuous!;
    expect(r.body).to.deep.include({
      gameId: g.gameId,
      marketType: "continuous",
      instructions: def.instructions,
      passed: false,
    });
    expect(r.body.quiz.required).to.equal(false);
    expect(r.body.quiz.questions).to.deep.equal(
      def.quiz.questions.map((q) => ({ question: q.question, choices: q.choices })),
    );
    expect(JSON.stringify(r.body)).not.to.include("answer");
    // The defaults pass with their own answers (the table is consistent).
    const ok = await answer(
      g.gameId,
      ann.token,
      def.quiz.questions.map((q) => q.answer),
    );
    expect(ok.body).to.deep.equal({ passed: true, wrong: [] });
  });

  it("a teacher's quiz: wrong answers are not passed and name the wrong questions; right ones pass and are recorded", async () => {
    const g = await createGame(h, rules({ instructions: "# Welcome\n\nRead **this** first.", quiz: QUIZ }));
    const ann = await join(h, g.joinCode, "ann");
    const bob = await join(h, g.joinCode, "bob");
    expect((await instructionsOf(g.gameId, ann.token)).body.instructions).to.equal("# Welcome\n\nRead **this** first.");

    const wrong = await answer(g.gameId, ann.token, [1, 2]);
    expect([wrong.status, wrong.body]).to.deep.equal([200, { passed: false, wrong: [0] }]);
    expect((await answer(g.gameId, ann.token, [1, 0])).body).to.deep.equal({ passed: false, wrong: [0, 1] });
    expect(await h.valkey.sismember(quizPassedKey(g.gameId), ann.playerId)).to.equal(0);
    expect((await gate.check(g.gameId, ann.playerId))?.code).to.equal("QUIZ_REQUIRED");

    const right = await answer(g.gameId, ann.token, [0, 2]);
    expect(right.body).to.deep.equal({ passed: true, wrong: [] });
    expect(await h.valkey.smembers(quizPassedKey(g.gameId))).to.deep.equal([ann.playerId]);
    expect((await instructionsOf(g.gameId, ann.token)).body.passed).to.equal(true);
    expect((await instructionsOf(g.gameId, bob.token)).body.passed).to.equal(false);
    expect(await gate.check(g.gameId, ann.playerId)).to.equal(null);
    expect((await gate.check(g.gameId, bob.playerId))?.code).to.equal("QUIZ_REQUIRED");
    // a fresh gate (another process) reads the pass from Valkey
    expect(await new QuizGate({ valkey: h.valkey, store: h.app.service.store }).check(g.gameId, ann.playerId)).to.equal(
      null,
    );

    // the pass is in the game's log (admin replay), once, as an action of the player
    const detail = await api(h, "GET", `/api/games/${g.gameId}`);
    await h.persister.drain(g.gameId, detail.body.seq);
    expect((await answer(g.gameId, ann.token, [0, 2])).body.passed).to.equal(true); // again: not logged twice
    const ev = await api(h, "GET", `/api/games/${g.gameId}/replay/events?limit=10000`);
    const logged = (ev.body.events as any[]).filter((e) => e.type === "admin_action" && e.action === "quiz_passed");
    expect(logged.map((e) => e.actor)).to.deep.equal([ann.playerId]);
  });

  it("the admin may try the quiz (checked, not recorded); others are refused", async () => {
    const g = await createGame(h, rules({ quiz: QUIZ }));
    const other = await join(h, (await createGame(h)).joinCode, "carol");
    expect((await answer(g.gameId, h.admin, [0, 2])).body).to.deep.equal({ passed: true, wrong: [] });
    expect(await h.valkey.scard(quizPassedKey(g.gameId))).to.equal(0);
    for (const [token, status, code] of [
      [null, 401, "UNAUTHORIZED"],
      [other.token, 403, "FORBIDDEN"],
      ["junk", 401, "UNAUTHORIZED"],
    ] as const) {
      const r = await answer(g.gameId, token, [0, 2]);
      expect([r.status, r.body.code]).to.deep.equal([status, code]);
      const i = await instructionsOf(g.gameId, token);
      expect([i.status, i.body.code]).to.deep.equal([status, code]);
    }
    expect((await answer("no-such-game", h.admin, [0])).body.code).to.equal("UNKNOWN_GAME");
    expect((await api(h, "GET", "/api/market-types", undefined, other.token)).status).to.equal(403);
    const types = await api(h, "GET", "/api/market-types");
    expect(types.body.marketTypes.map((m: any) => m.id)).to.deep.equal([
      "continuous",
      "call",
      "dividends",
      "induced",
      "contingent",
    ]);
    expect(types.body.marketTypes[0].quiz.questions).to.have.length(3);
  });

  it("bad answers and bad quizzes are refused with INVALID_BODY and change nothing", async () => {
    const g = await createGame(h, rules({ quiz: QUIZ }));
    const ann = await join(h, g.joinCode, "ann");
    for (const bad of [[0], [0, 2, 1], [0, -1], [0, 1.5], ["0", 2], null]) {
      const r = await answer(g.gameId, ann.token, bad);
      expect([r.status, r.body.code], JSON.stringify(bad)).to.deep.equal([400, "INVALID_BODY"]);
    }
    expect(await h.valkey.scard(quizPassedKey(g.gameId))).to.equal(0);
    const badQuizzes: [unknown, unknown, string][] = [
      [undefined, { questions: [{ question: "q", choices: ["a", "b"], answer: 2 }] }, "rules.quiz.questions.0.answer"],
      [
        undefined,
        { questions: [{ question: "q", choices: ["only one"], answer: 0 }] },
        "rules.quiz.questions.0.choices",
      ],
      [undefined, { questions: [] }, "rules.quiz.questions"],
      [
        undefined,
        { questions: [{ question: "q\u0000", choices: ["a", "b"], answer: 0 }] },
        "rules.quiz.questions.0.question",
      ],
      ["x".repeat(8001), undefined, "rules.instructions"],
      ["evil \u202E text", undefined, "rules.instructions"],
    ];
    for (const [instructions, quiz, path] of badQuizzes) {
      const r = await api(h, "POST", "/api/games", {
        name: "bad quiz",
        securities: [{ securityId: 1, symbol: "ACME" }],
        endowment: { cash: 1 },
        rules: { instructions, quiz },
      });
      expect([r.status, r.body.code], path).to.deep.equal([400, "INVALID_BODY"]);
      expect(
        r.body.issues.map((i: any) => i.path),
        path,
      ).to.include(path);
    }
  });

  it("a round with quiz null has none: the instructions only, and POST /quiz is NOT_FOUND", async () => {
    const g = await createGame(h, rules({ quiz: null }));
    const ann = await join(h, g.joinCode, "ann");
    expect((await instructionsOf(g.gameId, ann.token)).body.quiz).to.equal(null);
    expect((await answer(g.gameId, ann.token, [0])).body.code).to.equal("NOT_FOUND");
    expect(await gate.check(g.gameId, ann.playerId)).to.equal(null);
  });

  it("the gate never stops bots, nor players of a round whose quiz is not required", async () => {
    const g = await createGame(h, { ...rules({ quiz: QUIZ }), bots: [{ kind: "noise", count: 1 }] });
    const botId = g.botList[0]!.playerId;
    expect(await gate.check(g.gameId, botId)).to.equal(null);
    const open = await createGame(h, rules({ quiz: { ...QUIZ, required: false } }));
    const ann = await join(h, open.joinCode, "ann");
    expect(await gate.check(open.gameId, ann.playerId)).to.equal(null);
  });

  it("through the room: orders and amends of a player who has not passed are QUIZ_REQUIRED and change nothing; after passing they trade", async () => {
    const g = await createGame(h, rules({ quiz: QUIZ }));
    const ann = await join(h, g.joinCode, "ann");
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const room = await connect(h, g.gameId, ann.token);
    try {
      await waitFor(() => room.state.phase === "running", "running");
      const order = { securityId: 1, side: "buy", price: 99, qty: 1 };
      expect(await room.request("place", order)).to.include({ ok: false, code: "QUIZ_REQUIRED" });
      expect(await room.request("amend", { securityId: 1, orderId: 1, qty: 1 })).to.include({
        ok: false,
        code: "QUIZ_REQUIRED",
      });
      expect(room.state.securities.get("1")!.bids.length).to.equal(0);
      expect((await answer(g.gameId, ann.token, [0, 2])).body).to.deep.equal({ passed: true, wrong: [] });
      expect(await room.request("place", order)).to.include({ ok: true });
      await waitFor(() => room.state.securities.get("1")!.bids.length === 1, "the bid after passing");
    } finally {
      await room.leave();
    }
  });

  it("the right answers reach no player: not in the join reply, the room state, the instructions or the player's replay", async () => {
    const g = await createGame(h, rules({ quiz: QUIZ }));
    const joinReply: JoinReply = await join(h, g.joinCode, "ann");
    await api(h, "POST", `/api/games/${g.gameId}/start`);
    const room = await connect(h, g.gameId, joinReply.token);
    try {
      const state = String(
        await waitFor(() => room.state.phase === "running" && JSON.stringify(room.state.toJSON()), "running state"),
      );
      await answer(g.gameId, joinReply.token, [1, 1]);
      const detail = await api(h, "GET", `/api/games/${g.gameId}`);
      await h.persister.drain(g.gameId, detail.body.seq);
      const replay = await api(
        h,
        "GET",
        `/api/games/${g.gameId}/replay/events?limit=10000`,
        undefined,
        joinReply.token,
      );
      const instr = await instructionsOf(g.gameId, joinReply.token);
      expect(JSON.stringify(instr.body)).to.include("Q-alpha"); // the questions do reach the player
      for (const [what, payload] of [
        ["join", JSON.stringify(joinReply)],
        ["room state", state],
        ["replay", JSON.stringify(replay.body)],
        ["instructions", JSON.stringify(instr.body)],
      ]) {
        expect(payload, what).not.to.match(/"answer"/);
      }
      // the admin's own view of the round keeps them (to edit and review)
      expect(detail.body.rules.quiz.questions[1].answer).to.equal(2);
    } finally {
      await room.leave();
    }
  });
});
