/**
 * Display helpers: every number on screen goes through shared/src/units.ts (no float touches a balance).
 */
import { formatCash, formatScaled, priceToTicks, ticksToPrice } from "../../shared/src/units.ts";

export { formatCash, priceToTicks, ticksToPrice };

/** A security's display rules (from the room state). */
export interface SecRules {
  tickSize: string;
  lotSize: number;
  scale: number;
  symbol: string;
}

/** Price of `ticks` with thousands separators; "—" for 0 (no price yet). */
export function px(ticks: number, tickSize: string): string {
  return ticks ? ticksToPrice(ticks, tickSize, true) : "—";
}

/** An integer count (lots) with thousands separators. */
export function qty(n: number): string {
  return formatScaled(BigInt(Math.trunc(n)), 0, true);
}

/** Cash in minor units (cents), with sign class helper. */
export function cash(minor: number): string {
  return formatCash(Math.trunc(minor));
}

/** Signed cash: "+1,234.56" / "-1,234.56". */
export function signedCash(minor: number): string {
  const s = formatCash(Math.trunc(minor));
  return minor > 0 ? `+${s}` : s;
}

/** CSS class for a signed number. */
export function signClass(n: number): string {
  return n > 0 ? "pos" : n < 0 ? "neg" : "";
}

/** A price as a float for charts only (display edge). */
export function chartPrice(ticks: number, tickSize: string): number {
  return Number(ticksToPrice(ticks, tickSize));
}

/** Decimal places of a tick size ("0.01" -> 2). */
export function decimalsOf(tickSize: string): number {
  const i = tickSize.indexOf(".");
  return i < 0 ? 0 : tickSize.length - i - 1;
}

/** mm:ss (or h:mm:ss) of a duration in ms. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0"),
    ss = String(r).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** hh:mm:ss local time of an epoch ms. */
export function time(ts: number): string {
  return ts ? new Date(ts).toLocaleTimeString([], { hour12: false }) : "";
}

/** HTML-escapes text. */
export function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}
