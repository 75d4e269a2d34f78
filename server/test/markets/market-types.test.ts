/**
 * The market-type table (server/src/rounds/market-types.ts): every type the create body accepts has a
 * row, and every row's default instructions and quiz pass the schemas a teacher's own text must pass.
 */
import { expect } from "chai";
import { InstructionsText, MarketType, RoundQuiz } from "@marketroom/shared";
import { MARKET_TYPES } from "../../src/rounds/market-types.ts";

describe("market types", () => {
  it("each type of rules.marketType has defaults, and they are valid instructions and quizzes", () => {
    expect(Object.keys(MARKET_TYPES).sort()).to.deep.equal([...MarketType.options].sort());
    for (const [id, m] of Object.entries(MARKET_TYPES)) {
      expect(InstructionsText.safeParse(m.instructions).success, `${id} instructions`).to.equal(true);
      expect(RoundQuiz.safeParse(m.quiz).success, `${id} quiz`).to.equal(true);
      expect(m.label, id).to.not.equal("");
    }
  });
});
