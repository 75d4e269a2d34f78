/**
 * Charts with lightweight-charts: a price chart (candles from the trades, the scenario's reference
 * price as a line, optional markers: the replay's liquidations) and a depth chart (cumulative bids and asks over price, on a price x-axis).
 */
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  LineSeries,
  LineType,
  createChart,
  createOptionsChart,
  createSeriesMarkers,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type IChartApi,
  type IChartApiBase,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { chartPrice, decimalsOf } from "./format.ts";

export const GREEN = "#16a34a";
export const RED = "#dc2626";
const GRID = "#eef1f5";
const CANDLE_SEC = 5;

const base = {
  autoSize: true,
  layout: {
    background: { type: ColorType.Solid, color: "#ffffff" },
    textColor: "#334155",
    fontSize: 11,
    attributionLogo: false,
  },
  grid: { vertLines: { color: GRID }, horzLines: { color: GRID } },
} as const;

interface Candle {
  time: UTCTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Candles and reference samples kept per security, so switching securities redraws at once. */
export class SeriesStore {
  candles = new Map<number, Candle[]>();
  refs = new Map<number, { time: UTCTimestamp; value: number }[]>();
  lastSeq = new Map<number, number>();

  /** Adds trades newer than the last one seen; returns the candles touched (last first). */
  addTrades(sid: number, tickSize: string, trades: { seq: number; price: number; ts: number }[]): boolean {
    const last = this.lastSeq.get(sid) ?? 0;
    const fresh = trades.filter((t) => t.seq > last).sort((a, b) => a.seq - b.seq);
    if (!fresh.length) return false;
    const list = this.candles.get(sid) ?? [];
    for (const t of fresh) {
      const time = (Math.floor(t.ts / 1000 / CANDLE_SEC) * CANDLE_SEC) as UTCTimestamp;
      const p = chartPrice(t.price, tickSize);
      const c = list.at(-1);
      if (c && c.time === time) {
        c.high = Math.max(c.high, p);
        c.low = Math.min(c.low, p);
        c.close = p;
      } else if (!c || time > c.time)
        list.push({
          time,
          open: c?.close ?? p,
          high: Math.max(p, c?.close ?? p),
          low: Math.min(p, c?.close ?? p),
          close: p,
        });
    }
    if (list.length > 2000) list.splice(0, list.length - 2000);
    this.candles.set(sid, list);
    this.lastSeq.set(sid, fresh.at(-1)!.seq);
    return true;
  }

  /** Samples the reference price (once a second). */
  addRef(sid: number, tickSize: string, refTicks: number, now: number): boolean {
    if (!refTicks) return false;
    const list = this.refs.get(sid) ?? [];
    const time = Math.floor(now / 1000) as UTCTimestamp;
    const value = chartPrice(refTicks, tickSize);
    const last = list.at(-1);
    if (last && last.time >= time) {
      if (last.value === value) return false;
      last.value = value;
    } else list.push({ time, value });
    if (list.length > 4000) list.splice(0, list.length - 4000);
    this.refs.set(sid, list);
    return true;
  }
}

export class PriceChart {
  private chart: IChartApi;
  private candles: ISeriesApi<"Candlestick">;
  private ref: ISeriesApi<"Line">;
  private marks: ISeriesMarkersPluginApi<Time> | null = null;
  private shown = -1;

  constructor(
    private el: HTMLElement,
    private store: SeriesStore,
  ) {
    this.chart = createChart(el, {
      ...base,
      timeScale: { timeVisible: true, secondsVisible: true, rightOffset: 4, barSpacing: 10 },
      rightPriceScale: { borderVisible: false },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: GREEN,
      downColor: RED,
      borderUpColor: GREEN,
      borderDownColor: RED,
      wickUpColor: GREEN,
      wickDownColor: RED,
    });
    this.ref = this.chart.addSeries(LineSeries, {
      color: "#6366f1",
      lineWidth: 1,
      lineStyle: 2,
      title: "ref",
      priceLineVisible: false,
      lastValueVisible: true,
    });
  }

  /** Shows security `sid` (full redraw when it changed, else incremental). */
  show(sid: number, tickSize: string): void {
    const fmt = { type: "price" as const, precision: decimalsOf(tickSize), minMove: Number(tickSize) };
    if (this.shown !== sid) {
      this.shown = sid;
      this.candles.applyOptions({ priceFormat: fmt });
      this.ref.applyOptions({ priceFormat: fmt });
    }
    this.candles.setData((this.store.candles.get(sid) ?? []).map((c) => ({ ...c })));
    this.ref.setData((this.store.refs.get(sid) ?? []).map((r) => ({ ...r })));
  }

  /**
   * Markers on the candles (the replay's liquidations): drawn on the canvas, and their kinds counted in
   * the chart element's `data-markers` ("margin-call:1 liquidation:2", "" when none) for tests and tools.
   */
  setMarkers(markers: (SeriesMarker<UTCTimestamp> & { kind: string })[]): void {
    const sorted = markers.slice().sort((a, b) => a.time - b.time);
    if (!this.marks) this.marks = createSeriesMarkers(this.candles, sorted);
    else this.marks.setMarkers(sorted);
    const counts = new Map<string, number>();
    for (const m of markers) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    this.el.dataset.markers = [...counts].map(([k, n]) => `${k}:${n}`).join(" ");
  }

  destroy(): void {
    this.chart.remove();
  }
}

export interface Lvl {
  price: number;
  total: number;
}

export class DepthChart {
  private chart: IChartApiBase<number>;
  private bids: ISeriesApi<"Area", number>;
  private asks: ISeriesApi<"Area", number>;
  private precision = -1;

  constructor(el: HTMLElement) {
    this.chart = createOptionsChart(el, {
      ...base,
      rightPriceScale: { borderVisible: false },
      handleScroll: false,
      handleScale: false,
    });
    const common = {
      lineWidth: 2 as const,
      lineType: LineType.WithSteps,
      priceLineVisible: false,
      lastValueVisible: false,
      priceFormat: { type: "volume" as const },
    };
    this.bids = this.chart.addSeries(AreaSeries, {
      ...common,
      lineColor: GREEN,
      topColor: "rgba(22,163,74,0.35)",
      bottomColor: "rgba(22,163,74,0.05)",
    });
    this.asks = this.chart.addSeries(AreaSeries, {
      ...common,
      lineColor: RED,
      topColor: "rgba(220,38,38,0.35)",
      bottomColor: "rgba(220,38,38,0.05)",
    });
  }

  /** Bids best first (descending price), asks best first (ascending); `total` is cumulative lots. */
  show(bids: Lvl[], asks: Lvl[], tickSize: string): void {
    const precision = decimalsOf(tickSize);
    if (precision !== this.precision) {
      this.precision = precision;
      this.chart.applyOptions({ localization: { precision } } as never);
    }
    const b = bids
      .slice()
      .reverse()
      .map((l) => ({ time: chartPrice(l.price, tickSize), value: l.total }));
    const a = asks.map((l) => ({ time: chartPrice(l.price, tickSize), value: l.total }));
    this.bids.setData(dedupe(b));
    this.asks.setData(dedupe(a));
    if (b.length || a.length) this.chart.timeScale().fitContent();
  }

  destroy(): void {
    this.chart.remove();
  }
}

function dedupe<T extends { time: number }>(pts: T[]): T[] {
  const out: T[] = [];
  for (const p of pts) if (!out.length || p.time > out.at(-1)!.time) out.push(p);
  return out;
}
