/**
 * Real market data shipped by the npm package `vega-datasets` (BSD-3-Clause):
 *
 * - `data/sp500-2000.csv`: S&P 500 daily bars, 2000-01-03 .. 2020-04-17
 *   (columns date,open,high,low,close,adjclose,volume; prices with 6 decimals);
 * - `data/stocks.csv`: monthly prices of AAPL, AMZN, GOOG, IBM, MSFT, Jan 2000 .. Mar 2010
 *   (columns symbol,date,price; dates like "Jan 1 2000"; GOOG from Aug 2004).
 *
 * The files are parsed with csv-parse (never by hand). Prices stay decimal TEXT: they become integer
 * ticks through `decimalToTicks`, which rounds on the tick grid with BigInt arithmetic, so no float
 * ever touches a price (docs/architecture.md, "Units"). Parsed files are cached per process: they are
 * read synchronously once, and scenarios are built from them many times.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { parseDecimal } from "@marketroom/shared";

/** One daily bar of sp500-2000.csv. Prices are the CSV's decimal text (e.g. "1455.219971"). */
export interface Sp500Day {
  /** ISO date, "2000-01-03". */
  date: string;
  open: string;
  high: string;
  low: string;
  close: string;
  adjclose: string;
  /** Shares traded (integer). */
  volume: number;
}

/** One monthly price of stocks.csv. */
export interface StockMonth {
  symbol: string;
  /** ISO date of the month's row, "2000-01-01". */
  date: string;
  /** Decimal text, e.g. "39.81". */
  price: string;
}

/** The five symbols of stocks.csv, in the order scenarios list them. */
export const STOCK_SYMBOLS = ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"] as const;
export type StockSymbol = (typeof STOCK_SYMBOLS)[number];

let dataDirCache: string | undefined;

/**
 * Absolute path of vega-datasets' data/ folder.
 *
 * The package's `exports` map does not export "./package.json" (resolving it throws
 * ERR_PACKAGE_PATH_NOT_EXPORTED), so we try that first, as the usual idiom, and fall back to the
 * package's main entry (build/index.js), whose parent's parent is the package root.
 */
export function vegaDataDir(): string {
  if (dataDirCache) return dataDirCache;
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve("vega-datasets/package.json"));
  } catch {
    root = dirname(dirname(require.resolve("vega-datasets")));
  }
  dataDirCache = join(root, "data");
  return dataDirCache;
}

/** Reads data/<file> and parses it into records keyed by header; checks the header is `columns`. */
function readCsv(file: string, columns: readonly string[]): Record<string, string>[] {
  const text = readFileSync(join(vegaDataDir(), file), "utf8");
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const header = rows[0] ? Object.keys(rows[0]) : [];
  if (header.join(",") !== columns.join(",")) {
    throw new Error(`vega-datasets ${file}: expected columns ${columns.join(",")}, got ${header.join(",")}`);
  }
  return rows;
}

let sp500Cache: readonly Sp500Day[] | undefined;

/** Every row of sp500-2000.csv in date order (5,104 trading days). Cached; do not mutate. */
export function loadSp500(): readonly Sp500Day[] {
  if (sp500Cache) return sp500Cache;
  const rows = readCsv("sp500-2000.csv", ["date", "open", "high", "low", "close", "adjclose", "volume"]);
  const out = rows.map((r): Sp500Day => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.date!)) throw new Error(`sp500-2000.csv: bad date ${r.date}`);
    for (const k of ["open", "high", "low", "close", "adjclose"] as const) parseDecimal(r[k]!); // throws on junk
    return {
      date: r.date!,
      open: r.open!,
      high: r.high!,
      low: r.low!,
      close: r.close!,
      adjclose: r.adjclose!,
      volume: Number(r.volume),
    };
  });
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  sp500Cache = Object.freeze(out);
  return sp500Cache;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Jan 1 2000" -> "2000-01-01". Throws on any other shape. */
export function stockDateToIso(text: string): string {
  const m = /^([A-Z][a-z]{2}) (\d{1,2}) (\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) throw new Error(`stocks.csv: bad date ${text}`);
  return `${m[3]}-${String(month + 1).padStart(2, "0")}-${m[2]!.padStart(2, "0")}`;
}

let stocksCache: readonly StockMonth[] | undefined;

/** Every row of stocks.csv, ISO dates, sorted by symbol then date (560 rows). Cached; do not mutate. */
export function loadStocks(): readonly StockMonth[] {
  if (stocksCache) return stocksCache;
  const rows = readCsv("stocks.csv", ["symbol", "date", "price"]);
  const out = rows.map((r): StockMonth => {
    parseDecimal(r.price!);
    return { symbol: r.symbol!, date: stockDateToIso(r.date!), price: r.price! };
  });
  out.sort((a, b) =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.date < b.date ? -1 : a.date > b.date ? 1 : 0,
  );
  stocksCache = Object.freeze(out);
  return stocksCache;
}

/** The monthly rows of one symbol of stocks.csv, in date order. */
export function stockSeries(symbol: string): StockMonth[] {
  return loadStocks().filter((r) => r.symbol === symbol);
}

/**
 * Integer ticks of a decimal price text, rounded half-up to the tick grid, exactly (BigInt):
 * decimalToTicks("1455.219971", "0.01") = 145522; decimalToTicks("0.005", "0.01") = 1.
 * Unlike priceToTicks (shared/units.ts), which throws off the grid, this rounds: market data has more
 * decimals than a game's tick. Throws RangeError on a non-decimal text or a zero tick size.
 */
export function decimalToTicks(price: string, tickSize: string): number {
  const p = parseDecimal(price);
  const t = parseDecimal(tickSize);
  const d = Math.max(p.decimals, t.decimals);
  const pn = p.units * 10n ** BigInt(d - p.decimals);
  const tn = t.units * 10n ** BigInt(d - t.decimals);
  if (tn === 0n) throw new RangeError("tick size is zero");
  const ticks = (2n * pn + tn) / (2n * tn); // half-up: floor(p / t + 1/2)
  if (ticks > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${price} is too large`);
  return Number(ticks);
}
