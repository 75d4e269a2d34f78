/**
 * Liquidation markers on the replay's price chart (docs/margin.md "Replay"): the log's margin_call,
 * liquidation_order and fund takeovers (fund_transfer with a security) up to the replay's seq, one
 * marker each on the candle of its time (5 s candles; a marker before the first candle goes on it).
 * A margin call is the player's, not a security's: it is marked on every security's chart. Times in
 * seconds (the chart's UTC timestamps), from the events' ts (ms).
 */
import type { SeriesMarkerBar, UTCTimestamp } from "lightweight-charts";

/** The marker kinds, as the chart's legend and data-markers name them. */
export type MarkerKind = "margin-call" | "liquidation";

export interface ChartMarker extends SeriesMarkerBar<UTCTimestamp> {
  kind: MarkerKind;
}

/** The candle time (s) a marker at `tsMs` goes on: the last candle at or before it, else the first; undefined when none. */
function candleAt(times: readonly number[], tsMs: number): number | undefined {
  const t = tsMs / 1000;
  let pick: number | undefined = times[0];
  for (const c of times) if (c <= t) pick = c;
  return pick;
}

/** The markers of security `sid` from `events` (oldest first), on the candles at `times` (s, ascending). */
export function liquidationMarkers(events: readonly any[], sid: number, times: readonly number[]): ChartMarker[] {
  const out: ChartMarker[] = [];
  for (const e of events) {
    let m: Omit<ChartMarker, "time"> | undefined;
    if (e.type === "margin_call") {
      m = { kind: "margin-call", position: "aboveBar", shape: "arrowDown", color: "#d97706", text: "Margin call" };
    } else if (e.type === "liquidation_order" && e.securityId === sid) {
      m = { kind: "liquidation", position: "aboveBar", shape: "circle", color: "#dc2626", text: "Liquidation" };
    } else if (e.type === "fund_transfer" && e.securityId === sid) {
      m = { kind: "liquidation", position: "belowBar", shape: "square", color: "#7c3aed", text: "Fund takeover" };
    }
    if (!m) continue;
    const time = candleAt(times, e.ts);
    if (time !== undefined) out.push({ ...m, time: time as UTCTimestamp });
  }
  return out;
}
