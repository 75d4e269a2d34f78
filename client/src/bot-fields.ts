/**
 * The admin page's bot fields, built from the one list of bot kinds (shared/src/bot-kinds.ts), so a new
 * kind appears in the create form and both menus without editing HTML.
 */
import { BOT_KINDS, BOT_KIND_NAMES, type BotKind } from "@marketroom/shared";
import { esc } from "./format.ts";

/** How many bots of each kind the create form proposes (a market maker and two noise traders). */
const DEFAULT_COUNTS: Record<BotKind, number> = { market_maker: 1, noise: 2, momentum: 0 };

/** One number field per kind, named `bots_<kind>` (read back by the create form). */
export function botCountFieldsHtml(): string {
  return BOT_KINDS.map(
    (k) =>
      `<label>${esc(BOT_KIND_NAMES[k].plural)} <input name="bots_${k}" type="number" min="0" max="200" value="${DEFAULT_COUNTS[k]}"></label>`,
  ).join("\n");
}

/** `<option>`s of every kind, value = the kind, text = its name in lower case ("market maker"). */
export function botKindOptionsHtml(): string {
  return BOT_KINDS.map((k) => `<option value="${k}">${esc(BOT_KIND_NAMES[k].name.toLowerCase())}</option>`).join("");
}
