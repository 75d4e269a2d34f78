/**
 * Market data from vega-datasets: the CSV files are found in node_modules, parsed with csv-parse, and
 * prices become integer ticks exactly (BigInt rounding on the tick grid, no floats).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import {
  decimalToTicks,
  loadSp500,
  loadStocks,
  stockDateToIso,
  stockSeries,
  STOCK_SYMBOLS,
  vegaDataDir,
} from "../../src/market/datasets.ts";

describe("market datasets (vega-datasets)", () => {
  it("finds the data folder inside node_modules/vega-datasets", () => {
    const dir = vegaDataDir();
    expect(dir).to.match(/node_modules[\\/]vega-datasets[\\/]data$/);
    expect(existsSync(join(dir, "sp500-2000.csv"))).to.equal(true);
    expect(existsSync(join(dir, "stocks.csv"))).to.equal(true);
  });

  it("loads sp500-2000.csv: daily rows from 2000-01-03, first close 1455.22 = 145522 ticks", () => {
    const days = loadSp500();
    expect(days.length).to.be.greaterThan(5000);
    expect(days[0]).to.include({ date: "2000-01-03", close: "1455.219971" });
    expect(decimalToTicks(days[0]!.close, "0.01")).to.equal(145522);
    expect(days[0]!.volume).to.equal(931_800_000);
    expect(days.at(-1)!.date).to.equal("2020-04-17");
    for (let i = 1; i < days.length; i++) expect(days[i]!.date > days[i - 1]!.date).to.equal(true);
    expect(loadSp500()).to.equal(days); // cached
  });

  it("loads stocks.csv: monthly prices of the five symbols, dates as ISO", () => {
    const rows = loadStocks();
    expect(rows.length).to.be.greaterThan(0);
    expect([...new Set(rows.map((r) => r.symbol))].sort()).to.deep.equal([...STOCK_SYMBOLS]);
    const msft = stockSeries("MSFT");
    expect(msft[0]).to.deep.equal({ symbol: "MSFT", date: "2000-01-01", price: "39.81" });
    expect(msft.length).to.equal(123);
    expect(stockSeries("GOOG")[0]!.date).to.equal("2004-08-01"); // Google listed in August 2004
    for (const s of STOCK_SYMBOLS) expect(stockSeries(s).at(-1)!.date).to.equal("2010-03-01");
  });

  it("converts dates and prices exactly", () => {
    expect(stockDateToIso("Jan 1 2000")).to.equal("2000-01-01");
    expect(stockDateToIso("Dec 31 2009")).to.equal("2009-12-31");
    expect(() => stockDateToIso("2000-01-01")).to.throw();
    expect(decimalToTicks("25.94", "0.01")).to.equal(2594);
    expect(decimalToTicks("1399.420044", "0.01")).to.equal(139942);
    expect(decimalToTicks("0.005", "0.01")).to.equal(1); // half-up
    expect(decimalToTicks("0.004999", "0.01")).to.equal(0);
    expect(decimalToTicks("102.37", "0.05")).to.equal(2047); // 102.35 is the nearest 0.05
    expect(decimalToTicks("7", "1")).to.equal(7);
    expect(() => decimalToTicks("1e5", "0.01")).to.throw(RangeError);
    expect(() => decimalToTicks("1", "0.00")).to.throw(RangeError);
  });
});
