/**
 * Scenarios: reference price paths from real market data, mapped onto game time.
 *
 * A scenario gives each security a `path`: its reference price in integer ticks per step, one step per
 * trading day of the S&P 500 calendar (sp500-2000.csv), and a step length `stepMs` (default 1,000 ms:
 * one trading day per second). The reference at a moment of the round is the path's value at step
 * floor(elapsedMs / stepMs), clamped to the path's last step, shifted by the scheduled news that
 * carry a `shiftBps` and whose time has come. Monthly series (stocks.csv) are spread over the daily
 * calendar by linear interpolation in integer ticks between the first trading days of two months,
 * so a month spans ~21 steps and stocks move in step with the index.
 *
 * Units: prices in ticks (tickSize "0.01" => cents per share), quantities in lots, cash in minor units.
 * Every conversion from the CSV's decimal text is exact (BigInt); no float touches a price.
 *
 * Scenarios do not place orders: bots (bots.ts) read the reference and trade through the engine.
 */
import { MAX_PRICE_TICKS, type SecurityConfig } from "@marketroom/shared";
import { decimalToTicks, loadSp500, stockSeries, STOCK_SYMBOLS } from "./datasets.ts";

/** A scheduled headline, optionally moving the reference path. */
export interface NewsItem {
  /** When it appears, ms since round start; its shift applies to every reference from then on. */
  atMs: number;
  headline: string;
  /** The security it concerns; omitted = market-wide (a shift then applies to every security). */
  securityId?: number;
  /**
   * Shift of the reference path, basis points (+250 = +2.5 %, -1000 = -10 %), integer > -10,000.
   * Shifts compound: two -10 % news leave 81 % of the data path. 0 or omitted = headline only.
   */
  shiftBps?: number;
  /** Market date of the step the news falls on, ISO (informational). */
  date?: string;
}

/** A security of a scenario, with its rules as SecurityConfig wants them and its reference path. */
export interface ScenarioSecurity {
  securityId: number;
  symbol: string;
  /** Display name, e.g. "S&P 500 index". */
  name: string;
  /** Display value of one tick, decimal text ("0.01"). */
  tickSize: string;
  /** Shares per lot. */
  lotSize: number;
  /** Cash minor units per (1 tick x 1 lot). */
  scale: number;
  /** Reference at 0 ms (news at 0 ms included), ticks. */
  startPrice: number;
  /** Accepted limit prices, ticks, inclusive: by default 20 % of the lowest and 500 % of the highest reference. */
  bandLow: number;
  bandHigh: number;
  /** Reference price per step, integer ticks >= 1, without news shifts. */
  path: readonly number[];
  /** First step backed by real data; before it the path holds the first data value (GOOG before its IPO). */
  dataFromStep: number;
  /** Where the path comes from, e.g. "vega-datasets sp500-2000.csv close". */
  source: string;
}

/** A scenario: securities with reference paths, news, and the mapping to game time. */
export interface Scenario {
  name: string;
  description: string;
  /** Game time per step (per trading day), ms. */
  stepMs: number;
  /** Steps of the longest path. */
  steps: number;
  /** steps x stepMs: when the last step has been shown for a full stepMs. */
  durationMs: number;
  /** Market date (ISO) of each step, `steps` long. */
  dates: readonly string[];
  securities: readonly ScenarioSecurity[];
  /** Scheduled news, by atMs. */
  news: readonly NewsItem[];
  /** The security with that id; throws RangeError when the scenario has none. */
  security(securityId: number): ScenarioSecurity;
  /** Step at elapsedMs: floor(elapsedMs / stepMs), clamped to [0, steps - 1]. */
  stepAt(elapsedMs: number): number;
  /** Market date (ISO) at elapsedMs. */
  dateAt(elapsedMs: number): string;
  /**
   * Reference price of a security at elapsedMs since round start, integer ticks: the path at
   * min(floor(elapsedMs / stepMs), path.length - 1), times every news shift with atMs <= elapsedMs
   * that concerns it (rounded half-up once). Throws RangeError on an unknown security.
   */
  referenceAt(securityId: number, elapsedMs: number): number;
  /** News with afterMs < atMs <= untilMs, in time order (what to publish since the last look). */
  newsBetween(afterMs: number, untilMs: number): NewsItem[];
}

/** What createScenario needs: securities with paths; prices, bands and lookups are derived. */
export interface ScenarioDefinition {
  name: string;
  description: string;
  /** Ms per step, integer >= 1. */
  stepMs: number;
  /** Market date per step (optional; defaults to "step <n>"). */
  dates?: readonly string[];
  securities: (Omit<ScenarioSecurity, "startPrice" | "bandLow" | "bandHigh" | "dataFromStep" | "source"> &
    Partial<Pick<ScenarioSecurity, "bandLow" | "bandHigh" | "dataFromStep" | "source">>)[];
  news?: readonly NewsItem[];
  /** Band as percent of the lowest / highest reference over the scenario (defaults 20 and 500). */
  bandLowPct?: number;
  bandHighPct?: number;
}

const BPS = 10_000n;

/** base x num / den rounded half-up, exactly (BigInt), as a number. */
function mulDivHalfUp(base: number, num: bigint, den: bigint): number {
  return Number((2n * BigInt(base) * num + den) / (2n * den));
}

/**
 * Builds a Scenario from a definition: validates it, derives startPrice and the price bands, and
 * precomputes each security's news shifts. Throws RangeError on an invalid definition (empty or
 * non-integer path, duplicate security id, bad stepMs or news).
 */
export function createScenario(def: ScenarioDefinition): Scenario {
  const { stepMs } = def;
  if (!Number.isInteger(stepMs) || stepMs < 1) throw new RangeError(`stepMs must be an integer >= 1, got ${stepMs}`);
  if (def.securities.length === 0) throw new RangeError("a scenario needs at least one security");
  const ids = new Set<number>();
  for (const s of def.securities) {
    if (ids.has(s.securityId)) throw new RangeError(`duplicate securityId ${s.securityId}`);
    ids.add(s.securityId);
    if (s.path.length === 0) throw new RangeError(`${s.symbol}: empty path`);
    if (!s.path.every((p) => Number.isInteger(p) && p >= 1 && p <= MAX_PRICE_TICKS)) {
      throw new RangeError(`${s.symbol}: path prices must be integer ticks in [1, ${MAX_PRICE_TICKS}]`);
    }
  }
  const news = [...(def.news ?? [])].sort((a, b) => a.atMs - b.atMs);
  for (const n of news) {
    if (!Number.isInteger(n.atMs) || n.atMs < 0)
      throw new RangeError(`news atMs must be an integer >= 0: ${n.headline}`);
    if (n.shiftBps !== undefined && (!Number.isInteger(n.shiftBps) || n.shiftBps <= -10_000)) {
      throw new RangeError(`news shiftBps must be an integer > -10000: ${n.headline}`);
    }
    if (n.securityId !== undefined && !ids.has(n.securityId))
      throw new RangeError(`news for unknown security ${n.securityId}`);
  }
  const steps = Math.max(...def.securities.map((s) => s.path.length));
  const dates = def.dates ? def.dates.slice(0, steps) : Array.from({ length: steps }, (_, i) => `step ${i}`);
  while (dates.length < steps) dates.push(`step ${dates.length}`);

  // Per security: the shifting news in time order with the cumulative factor num/den after each.
  type Shift = { atMs: number; num: bigint; den: bigint };
  const shifts = new Map<number, Shift[]>();
  for (const s of def.securities) {
    let num = 1n;
    let den = 1n;
    const list: Shift[] = [];
    for (const n of news) {
      if (!n.shiftBps || (n.securityId !== undefined && n.securityId !== s.securityId)) continue;
      num *= BPS + BigInt(n.shiftBps);
      den *= BPS;
      list.push({ atMs: n.atMs, num, den });
    }
    shifts.set(s.securityId, list);
  }

  const stepAt = (elapsedMs: number) => Math.min(steps - 1, Math.max(0, Math.floor(elapsedMs / stepMs)));
  const pathOf = new Map(def.securities.map((s) => [s.securityId, s.path]));

  const referenceAt = (securityId: number, elapsedMs: number): number => {
    const path = pathOf.get(securityId);
    if (!path) throw new RangeError(`unknown security ${securityId} in scenario ${def.name}`);
    const step = Math.min(path.length - 1, Math.max(0, Math.floor(elapsedMs / stepMs)));
    const base = path[step]!;
    const list = shifts.get(securityId)!;
    // Last shift whose time has come (lists are short: a linear scan from the end is enough).
    for (let i = list.length - 1; i >= 0; i--) {
      const sh = list[i]!;
      if (sh.atMs <= elapsedMs) return Math.max(1, mulDivHalfUp(base, sh.num, sh.den));
    }
    return base;
  };

  const lowPct = def.bandLowPct ?? 20;
  const highPct = def.bandHighPct ?? 500;
  const securities: ScenarioSecurity[] = def.securities.map((s) => {
    // The reference only changes at step boundaries and at news times: its extremes are among those.
    let lo = Infinity;
    let hi = -Infinity;
    const times = [...s.path.keys()].map((k) => k * stepMs).concat(news.map((n) => n.atMs));
    for (const t of times) {
      const r = referenceAt(s.securityId, t);
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    const bandLow = s.bandLow ?? Math.max(1, Math.floor((lo * lowPct) / 100));
    const bandHigh = s.bandHigh ?? Math.min(MAX_PRICE_TICKS, Math.ceil((hi * highPct) / 100));
    if (bandLow > lo || bandHigh < hi)
      throw new RangeError(`${s.symbol}: band [${bandLow}, ${bandHigh}] excludes the reference [${lo}, ${hi}]`);
    return Object.freeze({
      ...s,
      path: Object.freeze([...s.path]),
      startPrice: referenceAt(s.securityId, 0),
      bandLow,
      bandHigh,
      dataFromStep: s.dataFromStep ?? 0,
      source: s.source ?? "custom",
    });
  });
  const byId = new Map(securities.map((s) => [s.securityId, s]));

  return Object.freeze({
    name: def.name,
    description: def.description,
    stepMs,
    steps,
    durationMs: steps * stepMs,
    dates: Object.freeze(dates),
    securities: Object.freeze(securities),
    news: Object.freeze(news.map((n) => Object.freeze({ ...n }))),
    security(securityId: number) {
      const s = byId.get(securityId);
      if (!s) throw new RangeError(`unknown security ${securityId} in scenario ${def.name}`);
      return s;
    },
    stepAt,
    dateAt: (elapsedMs: number) => dates[stepAt(elapsedMs)]!,
    referenceAt,
    newsBetween: (afterMs: number, untilMs: number) => news.filter((n) => n.atMs > afterMs && n.atMs <= untilMs),
  });
}

/** SecurityConfig of every security of a scenario, for Engine.addSecurity (limits left to the game). */
export function securityConfigs(scenario: Scenario): SecurityConfig[] {
  return scenario.securities.map((s) => ({
    securityId: s.securityId,
    symbol: s.symbol,
    tickSize: s.tickSize,
    lotSize: s.lotSize,
    scale: s.scale,
    bandLow: s.bandLow,
    bandHigh: s.bandHigh,
  }));
}

// ---- real-data paths ----

/** Index of the first calendar date >= date (> date when `after`), or calendar.length when none (binary search). */
function firstOnOrAfter(calendar: readonly string[], date: string, after = false): number {
  let lo = 0;
  let hi = calendar.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (calendar[mid]! < date || (after && calendar[mid] === date)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A monthly series spread over the daily calendar: each month's price is anchored at the first
 * trading day on or after its date, and the days between two anchors interpolate linearly in integer
 * ticks (rounded half-up, hence monotone between two months). Days before the first anchor hold the
 * first price; the series ends at the last anchor. Returns the values per calendar day up to the last
 * anchor, and the first anchor's index.
 */
export function spreadMonthly(
  calendar: readonly string[],
  months: readonly { date: string; ticks: number }[],
): { values: number[]; firstAnchor: number } {
  const anchors: { at: number; ticks: number }[] = [];
  for (const m of months) {
    const at = firstOnOrAfter(calendar, m.date);
    if (at >= calendar.length) continue;
    if (anchors.length && anchors.at(-1)!.at === at) anchors.pop(); // two rows on one day: keep the later
    anchors.push({ at, ticks: m.ticks });
  }
  if (anchors.length === 0) throw new RangeError("monthly series has no date inside the calendar");
  const values: number[] = new Array(anchors.at(-1)!.at + 1);
  for (let d = 0; d < anchors[0]!.at; d++) values[d] = anchors[0]!.ticks;
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i]!;
    values[a.at] = a.ticks;
    const b = anchors[i + 1];
    if (!b) break;
    const span = b.at - a.at;
    const diff = b.ticks - a.ticks;
    // a + round(diff * k / span), half-up, in exact integer arithmetic (all values far below 2^53).
    for (let k = 1; k < span; k++) values[a.at + k] = a.ticks + Math.floor((2 * diff * k + span) / (2 * span));
  }
  return { values, firstAnchor: anchors[0]!.at };
}

/** Options of the real-data scenarios. */
export interface ScenarioOptions {
  /** Game ms per trading day (default 1000: one trading day per second). */
  stepMs?: number;
  /** First market date, ISO (default the scenario's own; the first trading day on or after it). */
  from?: string;
  /** Last market date, ISO, inclusive (default the end of the data). */
  to?: string;
  /** News to schedule in addition to the scenario's headlines. */
  news?: readonly NewsItem[];
  /** Leave out the scenario's built-in historical headlines (default false). */
  noHeadlines?: boolean;
}

/** Historical headlines of 2000-2020, checked against the data; no shift (the data already moves). */
const HEADLINES: readonly { date: string; symbol?: string; headline: string }[] = [
  { date: "2000-03-24", headline: "S&P 500 closes at a record 1,527.46 at the height of the dot-com boom" },
  { date: "2001-09-17", headline: "Wall Street reopens after the September 11 attacks; the S&P 500 falls 4.9 %" },
  { date: "2002-10-09", headline: "S&P 500 closes at 776.76, the low of the dot-com bust" },
  { date: "2004-08-19", symbol: "GOOG", headline: "Google goes public on Nasdaq at $85 a share" },
  { date: "2007-01-09", symbol: "AAPL", headline: "Apple unveils the iPhone" },
  { date: "2007-10-09", headline: "S&P 500 closes at a record 1,565.15" },
  { date: "2008-09-15", headline: "Lehman Brothers files for bankruptcy; the S&P 500 falls 4.7 %" },
  { date: "2009-03-09", headline: "S&P 500 closes at 676.53, the low of the financial crisis" },
  { date: "2010-05-06", headline: "Flash crash: the Dow briefly drops almost 1,000 points" },
  { date: "2020-02-19", headline: "S&P 500 closes at a record 3,386.15" },
  { date: "2020-03-16", headline: "COVID-19 spreads: the S&P 500 falls 12 %, its worst day since 1987" },
];

const STOCK_NAMES: Record<string, string> = {
  AAPL: "Apple",
  AMZN: "Amazon",
  GOOG: "Google",
  IBM: "IBM",
  MSFT: "Microsoft",
};
const TICK = "0.01";

/**
 * The S&P 500 index plus the five stocks, on the S&P 500 trading calendar from `from` (default
 * 2000-01-03): SPX = 1 (daily closes), AAPL = 2, AMZN = 3, GOOG = 4, IBM = 5, MSFT = 6 (monthly,
 * interpolated). Tick 0.01, lot 1 share, scale 1 (1 cent per tick per lot). The stocks' data ends in
 * March 2010, the index's in April 2020; each reference holds its last value after its path ends.
 */
function sp500Scenario(name: string, description: string, defaultFrom: string, opts: ScenarioOptions): Scenario {
  const days = loadSp500();
  const calendar = days.map((d) => d.date);
  const from = opts.from ?? defaultFrom;
  const s = firstOnOrAfter(calendar, from);
  const e = opts.to ? firstOnOrAfter(calendar, opts.to, true) - 1 : calendar.length - 1; // last day <= to
  if (s >= calendar.length || e < s)
    throw new RangeError(`no trading day between ${from} and ${opts.to ?? "the end of the data"}`);
  const stepMs = opts.stepMs ?? 1000;

  const securities: ScenarioDefinition["securities"] = [
    {
      securityId: 1,
      symbol: "SPX",
      name: "S&P 500 index",
      tickSize: TICK,
      lotSize: 1,
      scale: 1,
      path: days.slice(s, e + 1).map((d) => decimalToTicks(d.close, TICK)),
      source: "vega-datasets sp500-2000.csv close",
    },
  ];
  STOCK_SYMBOLS.forEach((symbol, i) => {
    const months = stockSeries(symbol).map((m) => ({ date: m.date, ticks: decimalToTicks(m.price, TICK) }));
    const { values, firstAnchor } = spreadMonthly(calendar, months);
    const last = values.length - 1;
    const path = s > last ? [values[last]!] : values.slice(s, Math.min(e, last) + 1);
    securities.push({
      securityId: i + 2,
      symbol,
      name: STOCK_NAMES[symbol]!,
      tickSize: TICK,
      lotSize: 1,
      scale: 1,
      path,
      dataFromStep: Math.max(0, firstAnchor - s),
      source: "vega-datasets stocks.csv price (monthly, interpolated daily)",
    });
  });

  const idOf = new Map(securities.map((x) => [x.symbol, x.securityId]));
  const news: NewsItem[] = [];
  if (!opts.noHeadlines) {
    for (const h of HEADLINES) {
      const at = firstOnOrAfter(calendar, h.date);
      if (at < s || at > e) continue;
      news.push({
        atMs: (at - s) * stepMs,
        headline: h.headline,
        date: calendar[at]!,
        ...(h.symbol ? { securityId: idOf.get(h.symbol)! } : {}),
      });
    }
  }
  news.push(...(opts.news ?? []));
  return createScenario({ name, description, stepMs, dates: calendar.slice(s, e + 1), securities, news });
}

interface Entry {
  name: string;
  description: string;
  build(opts: ScenarioOptions): Scenario;
}

const REGISTRY: readonly Entry[] = [
  {
    name: "sp500-2000",
    description:
      "The S&P 500 from January 2000 (one trading day per second) with Apple, Amazon, Google, IBM and Microsoft (monthly, interpolated; to March 2010).",
    build(opts) {
      return sp500Scenario(this.name, this.description, "2000-01-03", opts);
    },
  },
  {
    name: "crisis-2008",
    description: "The financial crisis: the S&P 500 and the five stocks from September 2008 (Lehman) to March 2010.",
    build(opts) {
      return sp500Scenario(this.name, this.description, "2008-09-02", { to: "2010-03-01", ...opts });
    },
  },
];

/** Summary of a registered scenario. */
export interface ScenarioSummary {
  name: string;
  description: string;
  /** Symbols in security id order. */
  symbols: string[];
  /** Steps and duration at the default step length (1 s). */
  steps: number;
  durationMs: number;
}

/** Every registered scenario, at default options. */
export function listScenarios(): ScenarioSummary[] {
  return REGISTRY.map((r) => {
    const sc = r.build({});
    return {
      name: r.name,
      description: r.description,
      symbols: sc.securities.map((s) => s.symbol),
      steps: sc.steps,
      durationMs: sc.durationMs,
    };
  });
}

/**
 * The scenario of that name built with `opts` (step length, date window, extra news), or undefined
 * when no scenario has that name. Throws RangeError on invalid options (empty date window, bad stepMs).
 */
export function getScenario(name: string, opts: ScenarioOptions = {}): Scenario | undefined {
  return REGISTRY.find((r) => r.name === name)?.build(opts);
}
