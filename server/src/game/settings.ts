/**
 * Game settings: what the game service stores about a game beside the engine (store.ts keeps them as
 * JSON in game:{g}:meta), built and checked once from the admin's CreateGameBody before anything is
 * created, and the scenario a round's bots and references follow.
 *
 * Errors (ApiError): UNKNOWN_SCENARIO, INVALID_BODY (no securities, an endowment holding a security the
 * game lacks, a makerRebate above its takerFee, bandLow above bandHigh). Units: ticks, lots, minor units, ms.
 */
import type { CreateGameBody, GameSecurity, SecurityInfo } from "@marketroom/shared";
import type { z } from "zod";
import { createScenario, getScenario, type Scenario } from "../market/scenarios.ts";
import { ApiError } from "./errors.ts";
import type { Schedule } from "./round-clock.ts";

type Body = z.output<typeof CreateGameBody>;
export type Rules = Body["rules"];
type SecurityRulesOut = NonNullable<Body["securityRules"]>;

/** What the service stores about a game beside the engine. */
export interface GameSettings {
  name: string;
  rules: Rules;
  securities: (SecurityInfo & { refPrice: number })[];
  endowment: { cash: number; holdings: { securityId: number; qty: number }[] };
  scenario: string | null;
  durationSec: number | null;
  allowObservers: boolean;
  /** The body's schedule (scheduled start, periods); null for a plain round. */
  schedule?: Body["schedule"] | null;
  /**
   * A margin round valued at the core's mark (docs/margin.md "One mark"): leaderboard, scoring, replay
   * and export value positions by rules.markRule, as margin and liquidation do. Absent on games stored
   * before that rule: they keep the valuation by rules.markPrice they were scored with.
   */
  coreMarks?: boolean;
}

/**
 * The settings of a new game from its (parsed) body, checked before anything is created: a refusal after
 * create_game would leave a game without securities in Valkey. Errors: UNKNOWN_SCENARIO, INVALID_BODY.
 */
export function settingsOf(body: Body): GameSettings {
  const scenario = body.scenario ? scenarioByName(body.scenario) : undefined;
  const securities = resolveSecurities(body.securities, scenario, body.securityRules).map((x) =>
    marginSecurity(x, body.rules.mode === "margin"),
  );
  checkEndowment(body.endowment, securities);
  checkSecurities(securities);
  const margin = body.rules.mode === "margin";
  return {
    name: body.name,
    rules: margin ? { ...body.rules, ...oneMark(body.rules) } : cashMarks(body.rules),
    ...(margin ? { coreMarks: true } : {}),
    securities,
    endowment: body.endowment,
    scenario: body.scenario ?? null,
    durationSec: body.durationSec ?? null,
    allowObservers: body.allowObservers,
    schedule: body.schedule ?? null,
  };
}

/**
 * A margin round's one mark rule (docs/margin.md "One mark"): rules.markRule, or when absent a markPrice
 * other than the default last_trade; markPrice is stored equal to it. INVALID_BODY when both are given and differ.
 */
function oneMark(rules: Rules): { markRule: NonNullable<Rules["markRule"]>; markPrice: Rules["markPrice"] } {
  const asked = rules.markPrice !== "last_trade" ? rules.markPrice : undefined;
  if (rules.markRule && asked && asked !== rules.markRule)
    throw new ApiError(
      "INVALID_BODY",
      `a margin round has one mark rule: markPrice ${asked} contradicts markRule ${rules.markRule} (give markRule alone)`,
    );
  const markRule = rules.markRule ?? asked ?? "last_trade";
  return { markRule, markPrice: markRule };
}

/** A cash round's rules: markPrice last_trade or reference (mid is the core's, margin rounds only). INVALID_BODY otherwise. */
function cashMarks(rules: Rules): Rules {
  if (rules.markPrice === "mid")
    throw new ApiError("INVALID_BODY", "markPrice mid needs a margin round (rules.mode margin)");
  return rules;
}

/** The schedule fields of a new game: total running time, periods, break, scheduled start. */
export function initialSchedule(body: Body): Partial<Schedule> {
  const p = body.schedule?.periods;
  const periodMs = (p?.durationSec ?? body.durationSec ?? 0) * 1000;
  const periodCount = p ? p.count : periodMs ? 1 : 0;
  return {
    durationMs: periodMs * periodCount,
    periodMs,
    periodCount,
    breakMs: (p?.breakSec ?? 0) * 1000,
    startAt: body.schedule?.startAt ?? 0,
  };
}

/** A security as the engine takes it (the settings' refPrice is the service's, not the engine's). */
export function engineSecurity(s: GameSettings["securities"][number]): SecurityInfo {
  const { refPrice: _ref, ...rest } = s;
  return rest;
}

/** A scenario by name. Errors: UNKNOWN_SCENARIO. */
function scenarioByName(name: string): Scenario {
  const sc = getScenario(name);
  if (!sc) throw new ApiError("UNKNOWN_SCENARIO", `no scenario ${name}`);
  return sc;
}

/** What a round's scenario needs of its settings. */
export interface ScenarioSettings {
  scenario: string | null;
  securities: {
    securityId: number;
    refPrice: number;
    symbol: string;
    tickSize: string;
    lotSize: number;
    scale: number;
    bandLow: number;
    bandHigh: number;
  }[];
}

/**
 * The scenario a round's bots follow: the game's own, or a flat one at each security's reference price
 * (a security without one: the middle of its band, the band's top capped at 10 x its bottom).
 */
export function roundScenario(s: ScenarioSettings): Scenario {
  const own = s.scenario ? getScenario(s.scenario) : undefined;
  if (own) return own;
  return createScenario({
    name: "flat",
    description: "constant reference prices",
    stepMs: 1000,
    securities: s.securities.map((x) => ({
      securityId: x.securityId,
      symbol: x.symbol,
      name: x.symbol,
      tickSize: x.tickSize,
      lotSize: x.lotSize,
      scale: x.scale,
      path: [x.refPrice || Math.max(1, Math.round((x.bandLow + Math.min(x.bandHigh, x.bandLow * 10)) / 2))],
      bandLow: x.bandLow,
      bandHigh: x.bandHigh,
    })),
  });
}

/**
 * The game's securities: the body's, else the scenario's; refPrice defaults to the scenario's start price;
 * `rules` (CreateGameBody.securityRules) replace those fields of every security. Errors: INVALID_BODY
 * (no securities).
 */
function resolveSecurities(
  body: Body["securities"],
  scenario?: Scenario,
  rules: SecurityRulesOut = {},
): GameSettings["securities"] {
  const start = new Map((scenario?.securities ?? []).map((s) => [s.securityId, s.startPrice]));
  const list: GameSecurity[] = body.length
    ? body
    : (scenario?.securities ?? []).map((s) => ({
        securityId: s.securityId,
        symbol: s.symbol,
        tickSize: s.tickSize,
        lotSize: s.lotSize,
        scale: s.scale,
        bandLow: s.bandLow,
        bandHigh: s.bandHigh,
        refPrice: s.startPrice,
      }));
  if (!list.length) throw new ApiError("INVALID_BODY", "a game needs securities or a scenario");
  return list
    .map((s) => ({
      securityId: s.securityId,
      symbol: s.symbol,
      tickSize: s.tickSize ?? "0.01",
      lotSize: s.lotSize ?? 1,
      scale: s.scale ?? 1,
      bandLow: s.bandLow ?? 1,
      bandHigh: s.bandHigh ?? 1_000_000_000,
      shortLimit: s.shortLimit ?? 0,
      positionLimit: s.positionLimit ?? 0,
      maxOrderQty: s.maxOrderQty ?? 0,
      takerFee: s.takerFee ?? 0,
      makerRebate: s.makerRebate ?? 0,
      limitWeight: s.limitWeight ?? 1,
      refPrice: s.refPrice || start.get(s.securityId) || 0,
      ...definedOnly({
        initialMarginBps: s.initialMarginBps,
        maintenanceMarginBps: s.maintenanceMarginBps,
        referencePrice: s.referencePrice,
        kind: s.kind,
        halfSpread: s.halfSpread,
      }),
    }))
    .map((s) => ({ ...s, ...definedOnly(leverageRules(rules)) }));
}

/** securityRules with maxLeverage turned into its initial margin, ceil(10000 / maxLeverage) bps. */
function leverageRules(rules: SecurityRulesOut): Omit<SecurityRulesOut, "maxLeverage"> {
  const { maxLeverage, ...rest } = rules;
  return maxLeverage ? { ...rest, initialMarginBps: Math.ceil(10_000 / maxLeverage) } : rest;
}

/**
 * In margin mode a security's core reference starts at its refPrice (so it has a mark before its first
 * trade; docs/margin.md "Settings"). Errors: INVALID_BODY when the maintenance margin exceeds the initial.
 */
function marginSecurity(s: GameSettings["securities"][number], margin: boolean): GameSettings["securities"][number] {
  const initial = s.initialMarginBps ?? 10_000;
  if (s.maintenanceMarginBps !== undefined && s.maintenanceMarginBps > initial)
    throw new ApiError(
      "INVALID_BODY",
      `${s.symbol}: maintenanceMarginBps ${s.maintenanceMarginBps} exceeds initialMarginBps ${initial}`,
    );
  return margin && s.referencePrice === undefined && s.refPrice > 0 ? { ...s, referencePrice: s.refPrice } : s;
}

/** The fields of `o` that are not undefined (so an absent rule keeps the security's own value). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkEndowment(e: GameSettings["endowment"], securities: GameSettings["securities"]): void {
  const ids = new Set(securities.map((s) => s.securityId));
  const bad = e.holdings.find((h) => !ids.has(h.securityId));
  if (bad)
    throw new ApiError("INVALID_BODY", `endowment holds security ${bad.securityId}, which the game does not have`);
}

/**
 * The securities' rules that span fields or securities, which the engine's add_security checks too
 * (core decide/setup.ts): checked here, before create_game, because a refusal after create_game would
 * leave a game without securities in Valkey (the id then taken: GAME_EXISTS on a retry). The code is
 * INVALID_BODY like every other refusal of the request body (the engine says INVALID_ARGUMENT to its
 * own callers); it covers securityRules merged into the securities. Duplicate ids are already
 * INVALID_BODY (CreateGameBody).
 */
function checkSecurities(securities: GameSettings["securities"]): void {
  for (const s of securities) {
    if (s.makerRebate > s.takerFee) {
      throw new ApiError(
        "INVALID_BODY",
        `${s.symbol}: makerRebate ${s.makerRebate} exceeds takerFee ${s.takerFee} (minor units per lot)`,
      );
    }
    if (s.bandLow > s.bandHigh)
      throw new ApiError("INVALID_BODY", `${s.symbol}: bandLow ${s.bandLow} exceeds bandHigh ${s.bandHigh} (ticks)`);
  }
}
