/**
 * Results of the classroom market types for the round's report (report.ts; docs/markets.md):
 *
 * - induced values: the supply and demand step curves of the induced costs and values with the
 *   competitive equilibrium (GET /api/games/:id/induced, admin), the realized and maximum surplus,
 *   the efficiency for the round and per period (traded units, average price, realized and maximum
 *   surplus, efficiency), and each player's role and surplus;
 * - dividends: the fundamental value per period (GET /api/games/:id/fundamental) as the price chart's
 *   dashed line, so the prices are read against it;
 * - contingent claims: the state that occurred and the payout (GET /api/games/:id/contingent).
 *
 * Money arrives in minor units per lot; prices in the chart are display prices (ticks x tick size), a
 * minor unit per lot being 1/scale ticks. SVG markup only, so it prints as vectors.
 */
import { api } from "./api.ts";
import { cash, esc, qty, signClass, signedCash } from "./format.ts";

/** What a market type adds to the report (fetched once). */
export interface MarketExtras {
  induced?: any;
  fundamental?: any;
  contingent?: any;
}

/** Fetches the report's extras for the round's market type (none for continuous and call markets). */
export async function loadMarketExtras(g: any, token: string): Promise<MarketExtras> {
  const enc = encodeURIComponent(g.gameId);
  switch (g.rules?.marketType) {
    case "induced":
      return { induced: await api("GET", `/api/games/${enc}/induced`, undefined, token) };
    case "dividends":
      return { fundamental: await api("GET", `/api/games/${enc}/fundamental`, undefined, token) };
    case "contingent":
      return { contingent: await api("GET", `/api/games/${enc}/contingent`, undefined, token) };
    default:
      return {};
  }
}

/**
 * The fundamental value as chart points {x: ms since the start, y: display price}: period k's value from
 * its start (k - 1) x (duration + break) to its end, then 0 after the last period.
 */
export function fundamentalPoints(g: any, f: any, tickSize: string, scale: number): { x: number; y: number }[] {
  const p = g.schedule?.periods;
  const len = (p ? p.durationSec + (p.breakSec ?? 0) : (g.durationSec ?? 0)) * 1000;
  const dur = (p ? p.durationSec : (g.durationSec ?? 0)) * 1000;
  if (!len) return [];
  const price = (minor: number) => (minor / (scale || 1)) * Number(tickSize);
  const out: { x: number; y: number }[] = [];
  (f.fundamental as number[]).slice(0, f.periods).forEach((v, i) => {
    out.push({ x: i * len, y: price(v) }, { x: i * len + dur, y: price(v) });
  });
  out.push({ x: (f.periods - 1) * len + dur, y: 0 });
  return out;
}

/**
 * Supply (costs, rising) and demand (values, falling) as step curves over units, with the equilibrium
 * quantity (vertical) and price range (shaded band). Values in minor units.
 */
export function supplyDemandSvg(
  demand: number[],
  supply: number[],
  eq: { qty: number; priceLow: number; priceHigh: number },
  w = 340,
  hgt = 180,
): string {
  const n = Math.max(demand.length, supply.length);
  if (!n) return `<p class="muted">No players with values or costs.</p>`;
  const all = [...demand, ...supply];
  const yMax = Math.max(...all) * 1.05 || 1,
    yMin = Math.min(0, ...all);
  const L = 48,
    T = 6,
    W = w - L - 6,
    H = hgt - T - 20;
  const X = (u: number) => (L + (u / n) * W).toFixed(1),
    Y = (v: number) => (T + (1 - (v - yMin) / (yMax - yMin)) * H).toFixed(1);
  const steps = (vs: number[]) => vs.map((v, i) => `${i ? "L" : "M"}${X(i)},${Y(v)} L${X(i + 1)},${Y(v)}`).join(" ");
  const band = eq.qty
    ? `<rect x="${L}" y="${Y(eq.priceHigh)}" width="${W}" height="${Math.max(1, Number(Y(eq.priceLow)) - Number(Y(eq.priceHigh))).toFixed(1)}" fill="#fde68a" opacity="0.6" class="eq-band"/>
    <line x1="${X(eq.qty)}" y1="${T}" x2="${X(eq.qty)}" y2="${T + H}" stroke="#92400e" stroke-dasharray="3 3" class="eq-qty"/>`
    : "";
  return `<svg class="rep-svg sd-svg" viewBox="0 0 ${w} ${hgt}" width="${w}" height="${hgt}" role="img" aria-label="supply and demand">
    <rect x="${L}" y="${T}" width="${W}" height="${H}" fill="none" stroke="#cbd5e1"/>${band}
    <text x="${L - 4}" y="${T + 8}" text-anchor="end" class="ax">${esc(cash(Math.round(yMax)))}</text><text x="${L - 4}" y="${T + H}" text-anchor="end" class="ax">${esc(cash(yMin))}</text>
    <text x="${L}" y="${hgt - 4}" class="ax">0</text><text x="${L + W}" y="${hgt - 4}" text-anchor="end" class="ax">${n} units</text>
    ${demand.length ? `<path d="${steps(demand)}" fill="none" stroke="#2563eb" stroke-width="1.6" class="demand-line"/>` : ""}
    ${supply.length ? `<path d="${steps(supply)}" fill="none" stroke="#dc2626" stroke-width="1.6" class="supply-line"/>` : ""}
  </svg>`;
}

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** Per-period results of an induced round (the same schedule in every period, so one chart serves all). */
function periodTable(periods: any[]): string {
  if (!periods.length) return "";
  const rows = periods
    .map(
      (p) =>
        `<tr data-period="${p.period}"><td class="num">${p.period}</td><td class="num">${qty(p.traded)}</td><td class="num">${p.avgPrice === null ? "–" : esc(cash(p.avgPrice))}</td><td class="num">${esc(cash(p.realized))}</td><td class="num">${esc(cash(p.maxSurplus))}</td><td class="num">${pct(p.efficiencyBps)}</td></tr>`,
    )
    .join("");
  return `<table class="rep-periods" id="rep-periods"><caption class="small muted">Per period (every period starts again with the same values and costs: the curves above)</caption>
    <thead><tr><th>Period</th><th>Units traded</th><th>Average price</th><th>Realized surplus</th><th>Maximum surplus</th><th>Efficiency</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The report section of the market type (empty for types without one). */
export function marketResultsHtml(x: MarketExtras, names: Map<string, string>): string {
  if (x.induced) {
    const v = x.induced;
    const eq = v.equilibrium;
    const rows = v.players
      .map(
        (p: any) =>
          `<tr data-player="${esc(p.playerId)}"><td>${esc(names.get(p.playerId) ?? p.playerId)}</td><td>${esc(p.role)}</td><td class="num">${qty(p.traded)}</td><td class="num ${signClass(p.surplus)}">${signedCash(p.surplus)}</td></tr>`,
      )
      .join("");
    return `<section class="rep-market" id="rep-induced"><h2>Supply and demand (induced values)</h2>
      ${supplyDemandSvg(v.demand, v.supply, eq)}
      <p class="small muted legend"><span class="key demand"></span> demand (values) <span class="key supply"></span> supply (costs) · shaded: equilibrium prices</p>
      <dl class="kv"><dt>Equilibrium</dt><dd>${eq.qty ? `${qty(eq.qty)} units at ${esc(cash(eq.priceLow))}${eq.priceHigh !== eq.priceLow ? ` to ${esc(cash(eq.priceHigh))}` : ""}` : "no gains from trade"}</dd>
      <dt>Surplus</dt><dd><span id="rep-realized">${esc(cash(v.realized))}</span> realized of <span id="rep-max">${esc(cash(v.maxSurplus ?? eq.maxSurplus))}</span> possible</dd>
      <dt>Efficiency</dt><dd id="rep-efficiency">${pct(v.efficiencyBps)}</dd></dl>
      ${periodTable(v.periods ?? [])}
      <table class="rep-surplus"><thead><tr><th>Player</th><th>Role</th><th>Units</th><th>Surplus</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }
  if (x.contingent) {
    const c = x.contingent;
    const won = c.states.find((s: any) => s.securityId === c.state);
    return `<section class="rep-market" id="rep-contingent"><h2>State</h2><p>State that occurred: <b id="rep-state">${esc(won?.symbol ?? "not drawn yet")}</b>; its claim paid ${esc(cash(c.payout))} per lot, the others nothing.
      Chances: ${c.states.map((s: any) => `${esc(s.symbol)} ${(s.chanceBps / 100).toFixed(0)}%`).join(", ")}.</p></section>`;
  }
  if (x.fundamental) {
    const f = x.fundamental;
    return `<section class="rep-market" id="rep-dividends"><h2>Dividends</h2><p class="small">Fundamental value per share at the start of each period: ${f.fundamental
      .slice(0, f.periods)
      .map((v: number) => esc(cash(v)))
      .join(
        ", ",
      )}; dividends paid: ${f.paid.map((p: any) => esc(cash(p.amount))).join(", ") || "none"}. The price chart's dashed line is the fundamental value.</p></section>`;
  }
  return "";
}
