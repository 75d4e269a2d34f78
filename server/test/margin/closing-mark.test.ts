/**
 * The closing mark (docs/margin.md "Mark price"): when a margin round ends, `evolve` fixes each
 * security's mark by the round's rule (SecurityState.closeMark), so the round end's cancellations do not
 * turn a `mid` into the last trade; the folded log equals the state; a writer rehydrated from Valkey
 * (margin-keys.ts `close_mark`) equals the one that wrote it. A cash round keeps no closing mark.
 */
import { expect } from "chai";
import type { Command } from "../../src/core/commands.ts";
import { emptyState, run } from "../../src/core/index.ts";
import { markOf } from "../../src/core/mark.ts";
import { bestPrice } from "../../src/core/matching/match.ts";
import { GameWriter } from "../../src/engine/game-writer.ts";
import { canonical } from "../core/support.ts";
import { connect, newGameId } from "../engine/helpers.ts";
import { limit, newGame, ok, replays, setupCommands, type GameSetup } from "./support.ts";

/** A running mid round: bob long 10 at 10.00 from alice, carol quoting 10.10 / 10.30 (mid 10.20). */
const MID_ROUND = (mode: "cash" | "margin"): GameSetup => ({
  mode,
  markRule: "mid",
  players: { alice: 100_000, bob: 100_000, carol: 100_000 },
});

function midRound(mode: "cash" | "margin") {
  const g = newGame(MID_ROUND(mode));
  ok(g, limit("alice", "sell", 1000, 10));
  ok(g, limit("bob", "buy", 1000, 10));
  ok(g, limit("carol", "buy", 1010, 1));
  ok(g, limit("carol", "sell", 1030, 1));
  return g;
}

describe("the closing mark of a margin round", () => {
  it("keeps the mid the book had when the round ended, after the round end's cancels", () => {
    const g = midRound("margin");
    const sec = () => g.s.securities.get(1)!;
    expect(markOf(sec(), "mid")).to.equal(1020);
    ok(g, { type: "set_phase", phase: "ended" });
    expect(sec().closeMark).to.equal(1020);
    ok(g, { type: "cancel_all", playerId: "carol", reason: "round_end" });
    expect(bestPrice(sec().book, "buy"), "the book emptied").to.equal(undefined);
    expect(bestPrice(sec().book, "sell")).to.equal(undefined);
    expect(sec().lastPrice).to.equal(1000);
    expect(markOf(sec(), "mid"), "the mark after the cancels").to.equal(1020);
    replays(g);
  });

  it("a cash round fixes none: its mark follows the book as before", () => {
    const g = midRound("cash");
    ok(g, { type: "set_phase", phase: "ended" });
    ok(g, { type: "cancel_all", playerId: "carol", reason: "round_end" });
    expect(g.s.securities.get(1)!.closeMark).to.equal(0);
    expect(markOf(g.s.securities.get(1)!, "mid")).to.equal(1000);
  });

  it("is kept in Valkey: a writer hydrated after the end has the same closing mark", async () => {
    const client = await connect();
    try {
      const id = newGameId("close");
      const w1 = await GameWriter.open(client, id, "node-a");
      const ref = emptyState();
      let ts = 1_000;
      const exec = async (c: Command) => {
        ts += 1;
        const want = run(ref, c, { ts });
        expect(want.ok, JSON.stringify(want)).to.equal(true);
        expect(await w1.execute(c, ts)).to.deep.equal(want);
      };
      // midRound's commands, through the writer
      for (const c of setupCommands(MID_ROUND("margin"), id)) await exec(c);
      await exec(limit("alice", "sell", 1000, 10));
      await exec(limit("bob", "buy", 1000, 10));
      await exec(limit("carol", "buy", 1010, 1));
      await exec(limit("carol", "sell", 1030, 1));
      await exec({ type: "set_phase", phase: "ended" });
      await exec({ type: "cancel_all", playerId: "carol", reason: "round_end" });
      expect(w1.state!.securities.get(1)!.closeMark).to.equal(1020);
      const w2 = await GameWriter.open(client, id, "node-b");
      expect(w2.state!.securities.get(1)!.closeMark).to.equal(1020);
      expect(canonical(w2.state!)).to.deep.equal(canonical(ref));
      await w2.close();
      await w1.close();
    } finally {
      await client.quit();
    }
  });
});
