/**
 * Runs a market-type command (a call, a trading-mode switch: core/decide/auction.ts) in a game's
 * writer, with the answers of GameWriters' own methods (writers.ts): the core's result, a Rejection
 * that changed nothing, UNKNOWN_GAME for a game that does not exist (nothing is claimed), or
 * Unavailable (UNAVAILABLE / FENCED) when the commit failed or Valkey is down.
 */
import type { DividendCommand, SetTradingModeCommand, UncrossCommand } from "../core/commands.ts";
import type { ResultOf } from "../core/index.ts";
import { isDependencyDown } from "../dependency.ts";
import { CommitError } from "./commit.ts";
import type { GameWriters, Result } from "./writers.ts";

/** The commands of docs/markets.md that GameHub.market sends. */
export type MarketCommand = UncrossCommand | SetTradingModeCommand | DividendCommand;

export async function runMarketCommand<C extends MarketCommand>(
  engine: GameWriters,
  gameId: string,
  command: C,
  now = Date.now,
): Promise<Result<ResultOf[C["type"]]>> {
  try {
    const info = await engine.gameInfo(gameId);
    if (!info.ok) return info;
    const d = await (await engine.writer(gameId)).execute(command, now());
    return d.ok ? (d.result as ResultOf[C["type"]]) : d;
  } catch (err) {
    if (err instanceof CommitError)
      return { ok: false, code: err.code === "FENCED" ? "FENCED" : "UNAVAILABLE", message: err.message };
    if (isDependencyDown(err))
      return { ok: false, code: "UNAVAILABLE", message: `Valkey is unavailable: ${String(err)}` };
    throw err;
  }
}
