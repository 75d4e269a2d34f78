/**
 * Units. Everything the engine stores is an integer:
 * - price in ticks; a security's `tickSize` is the display value of one tick (a decimal string, "0.01");
 * - quantity in lots; `lotSize` is shares per lot;
 * - cash in minor units (cents); `scale` is cash minor units per (1 tick x 1 lot), so the notional of a
 *   fill is price x qty x scale minor units (exact while below 2^53, which the engine enforces).
 * Floats appear only at the display edge, and these helpers avoid them: they work on decimal strings
 * and BigInt so that formatting a balance never rounds it.
 */

/** Largest integer a JS number holds exactly (2^53 - 1). */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Splits a non-negative decimal string ("0.01") into digits and scale: { units: 1n, decimals: 2 }. */
export function parseDecimal(text: string): { units: bigint; decimals: number } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${text}`);
  const frac = m[2] ?? "";
  return { units: BigInt(m[1]! + frac), decimals: frac.length };
}

/** Formats an integer count of 10^-decimals units: formatScaled(123456n, 2) = "1234.56". */
export function formatScaled(value: bigint, decimals: number, thousands = false): string {
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(decimals + 1, "0");
  let int = digits.slice(0, digits.length - decimals);
  if (thousands) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals > 0 ? "." + digits.slice(digits.length - decimals) : "";
  return (neg ? "-" : "") + int + frac;
}

/** Display price of `ticks` for a tick size: ticksToPrice(10150, "0.01") = "101.50". */
export function ticksToPrice(ticks: number, tickSize: string, thousands = false): string {
  const t = parseDecimal(tickSize);
  return formatScaled(BigInt(ticks) * t.units, t.decimals, thousands);
}

/**
 * Ticks for a display price, exactly; throws RangeError when the price is not on the tick grid.
 * priceToTicks("101.5", "0.01") = 10150.
 */
export function priceToTicks(price: string, tickSize: string): number {
  const p = parseDecimal(price);
  const t = parseDecimal(tickSize);
  const d = Math.max(p.decimals, t.decimals);
  const pn = p.units * 10n ** BigInt(d - p.decimals);
  const tn = t.units * 10n ** BigInt(d - t.decimals);
  if (tn === 0n || pn % tn !== 0n) throw new RangeError(`${price} is not a multiple of the tick size ${tickSize}`);
  return Number(pn / tn);
}

/** Display cash of `minor` units with `digits` minor digits (2 for cents): formatCash(123456) = "1,234.56". */
export function formatCash(minor: number, digits = 2): string {
  return formatScaled(BigInt(minor), digits, true);
}

/** Notional in minor units of qty lots at price ticks, checked to stay exact; throws RangeError. */
export function notional(price: number, qty: number, scale: number): number {
  const n = BigInt(price) * BigInt(qty) * BigInt(scale);
  if (n > BigInt(MAX_SAFE)) throw new RangeError("notional exceeds 2^53 - 1");
  return Number(n);
}
