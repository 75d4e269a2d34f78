/**
 * The margin part of a round's export (docs/margin.md "Exports"): config.json's `margin` section for a
 * margin round (null for a cash round), from the stored log folded to the results' seq and the stored
 * margin events. Units: ticks, lots, minor units, basis points.
 *
 *   mode, markRule, insuranceFund (starting cash of the fund)
 *   fund              the fund's final cash and the positions it took over
 *   accounts          per player at the core's marks at the results' seq (core/margin-account.ts):
 *                     equity, usedMargin, maintenance, freeMargin, leverageBps, and per open position
 *                     qty, entryPrice, mark, unrealizedPnl, margin, liquidationPrice
 *   marginCalls, liquidationOrders, fundTransfers, references   the log's margin events, seq order
 *   cfdFills, cfdLeverage   a CFD's fills with the house and leverage changes (core/cfd-order.ts), seq order
 *
 * Equity stays recomputable from the files alone: inventories.csv's final cash (negative while a long is
 * borrowed) and quantities (negative when short) at leaderboard.csv's marks; fund transfers change cash
 * outside fills.csv, so a recomputation from the fills adds `fundTransfers[].cash` to each player, and
 * the CFD fills (with the house, not in fills.csv) move price x qty x scale + fee as `cfdFills` say.
 */
import type { EngineEvent } from "@marketroom/shared";
import type { GameFold } from "../core/fold.ts";
import { marginAccount } from "../core/margin-account.ts";
import type { Db } from "../persistence/db.ts";

const MARGIN_EVENTS = [
  "game_created",
  "margin_call",
  "liquidation_order",
  "fund_transfer",
  "reference_price",
  "cfd_fill",
  "cfd_leverage",
];

export async function marginSection(db: Db, gameId: string, fold: GameFold, asOfSeq: number) {
  const state = fold.state;
  if (state.game?.mode !== "margin") return null;
  const rows = await db
    .selectFrom("events")
    .select(["data"])
    .where("game_id", "=", gameId)
    .where("type", "in", MARGIN_EVENTS)
    .where("seq", "<=", asOfSeq)
    .orderBy("seq")
    .execute();
  const events = rows.map((r) => r.data as unknown as EngineEvent);
  const created = events.find((e) => e.type === "game_created");
  return {
    mode: state.game.mode,
    markRule: state.game.markRule,
    insuranceFund: created?.type === "game_created" ? (created.insuranceFund ?? 0) : 0,
    fund: {
      cash: state.fund.cash,
      positions: [...state.fund.positions].map(([securityId, qty]) => ({ securityId, qty })),
    },
    accounts: [...state.players.values()]
      .sort((a, b) => (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0))
      .map((p) => ({ playerId: p.playerId, cash: p.cash, ...marginAccount(state, p) })),
    marginCalls: events.filter((e) => e.type === "margin_call"),
    liquidationOrders: events.filter((e) => e.type === "liquidation_order"),
    fundTransfers: events.filter((e) => e.type === "fund_transfer"),
    references: events.filter((e) => e.type === "reference_price"),
    cfdFills: events.filter((e) => e.type === "cfd_fill"),
    cfdLeverage: events.filter((e) => e.type === "cfd_leverage"),
  };
}
