/**
 * The create form's market type (docs/markets.md): which market the round runs, sent as
 * CreateGameBody.rules.marketType with the type's own settings (rules.call for a call market). The
 * type also picks the default instructions and quiz (server/src/rounds/market-types.ts).
 */

/** The fieldset's markup (inserted into the create form). */
export const MARKET_TYPE_FIELDS_HTML = `
<fieldset class="market-type" id="market-type"><legend>Market type</legend>
  <div class="row3">
    <label>Market <select name="marketType">
      <option value="continuous" title="A limit order book trading continuously, with bots">Continuous double auction</option>
      <option value="call" title="Orders collect and trade together at one price at each call">Call market</option>
      <option value="dividends" title="Smith-Suchanek-Williams: a random dividend per share at the end of each period">Asset market with dividends</option>
    </select></label>
    <label>Call every (s) <input name="callEverySec" type="number" min="1" max="3600" value="30"></label>
    <label>Continuous trading after each call (s) <input name="callContinuousSec" type="number" min="0" max="3600" value="0"></label>
  </div>
  <label>Dividends per share, minor units, equally likely (asset market) <input name="dividendValues" value="0, 8, 28, 60" spellcheck="false"></label>
  <p class="muted small">Asset market: set Periods above (one dividend at the end of each). Call market: orders do not trade on arrival; at each call the book clears at the price that trades the most lots (then the smallest imbalance, then the closest to the reference price).</p>
</fieldset>`;

/** rules.marketType (and rules.call for a call market) of the form; nothing for the default type. */
export function marketTypeRules(f: FormData): Record<string, unknown> {
  const type = String(f.get("marketType") ?? "continuous");
  if (type === "dividends") {
    const values = String(f.get("dividendValues") ?? "").split(",").map((v) => v.trim()).filter(Boolean).map(Number);
    if (!values.length || values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error("Dividends: whole numbers of minor units, separated by commas");
    return { marketType: "dividends", dividends: { values } };
  }
  if (type !== "call") return {};
  return {
    marketType: "call",
    call: { everySec: Math.max(1, Math.floor(Number(f.get("callEverySec") || 30))), continuousSec: Math.max(0, Math.floor(Number(f.get("callContinuousSec") || 0))) },
  };
}
