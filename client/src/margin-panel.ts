/**
 * The margin part of the player screen (docs/client.md "Margin rounds"), drawn from the room state
 * (shared/src/state.ts: RulesState.mode, SecurityState.kind / mark / quoteBid / quoteAsk / margin rates,
 * PlayerState.marginEquity / usedMargin / freeMargin / maintenanceMargin / leverageBps / stops /
 * marginCalls, PositionState.entryPrice / mark / unrealizedPnl / liquidationPrice) into the elements of
 * MARGIN_HTML and the book card. In a cash round (rules.mode "cash") every element stays hidden, so the
 * screen is the cash screen.
 *
 * The liquidation notice: a new entry in PlayerState.marginCalls (seq above the last one the player
 * closed, kept in sessionStorage) shows MARGIN_NOTICES.margin_call until closed; while free margin is
 * below zero, margin_low shows instead.
 */
import "./margin.css";
import { $, setHtml } from "./dom.ts";
import { esc } from "./format.ts";
import { MARGIN_NOTICES, STOP_NOTE_HTML, drawStopNote, marginStateNotice, wireStopNote } from "./margin-notices.ts";
import {
  cfdQuoteHtml,
  exitsHtml,
  marginAccountHtml,
  marginPositionsHtml,
  stopsHtml,
  type MarginPosition,
  type StopView,
} from "./margin-view.ts";

/** The account card's margin elements (inserted above the cash account). */
export const MARGIN_ACCOUNT_HTML = `<div id="margin-box" hidden><h3>Margin</h3><div id="margin-account-box"></div>
  <h3>Positions</h3><div id="m-positions-box"></div>
<div id="m-exits-box"></div><h3>Cash and P&amp;L</h3></div>`;

/** The orders card's waiting stops. */
export const MARGIN_STOPS_HTML = `<div id="stops-box" hidden><h2>Waiting stops</h2><div id="stops"></div></div>`;

/** The banner for margin warnings and liquidations. */
export const MARGIN_BANNER_HTML = `<div id="margin-note" class="banner margin-note" role="alert" hidden><span id="margin-note-text"></span> <button type="button" id="margin-note-close" class="ghost small" hidden>Close</button></div>${STOP_NOTE_HTML}`;

/** The CFD quote in the book card (instead of the ladder). */
export const CFD_QUOTE_HTML = `<div id="cfd-box" hidden></div>`;

/** True when the room's round is a margin round. */
export function isMargin(st: any): boolean {
  return st?.rules?.mode === "margin";
}

/** The player's open positions as MarginPosition rows, with SL / TP from their closing-side stops. */
export function marginPositions(st: any, me: any): MarginPosition[] {
  const stops: any[] = me?.stops ? [...me.stops.values()] : [];
  const out: MarginPosition[] = [];
  for (const p of me?.positions?.values?.() ?? []) {
    if (!p.qty) continue;
    const sec = st.securities.get(String(p.securityId));
    if (!sec) continue;
    // The position's exits: waiting stops on the closing side, armed, not bracket children waiting for an entry.
    const closing = stops.filter(
      (s) => s.securityId === p.securityId && s.side === (p.qty > 0 ? "sell" : "buy") && s.qty > 0,
    );
    const newest = (kind: string) =>
      closing.filter((s) => s.kind === kind).sort((a, b) => b.stopId - a.stopId)[0]?.stopPrice ?? 0;
    out.push({
      securityId: p.securityId,
      symbol: sec.symbol,
      tickSize: sec.tickSize,
      qty: p.qty,
      entryPrice: p.entryPrice ?? 0,
      mark: p.mark || sec.mark || 0,
      unrealizedPnl: p.unrealizedPnl ?? 0,
      liquidationPrice: p.liquidationPrice ?? 0,
      margin: p.margin ?? 0,
      initialMarginBps: p.initialMarginBps ?? 0,
      stopLoss: newest("stop"),
      takeProfit: newest("take_profit"),
    });
  }
  return out.sort((a, b) => a.securityId - b.securityId);
}

/** The player's waiting stops as StopView rows. */
export function stopViews(st: any, me: any): StopView[] {
  return [...(me?.stops?.values?.() ?? [])].map((s: any) => {
    const sec = st.securities.get(String(s.securityId));
    return {
      stopId: s.stopId,
      securityId: s.securityId,
      symbol: sec?.symbol ?? String(s.securityId),
      tickSize: sec?.tickSize ?? "1",
      side: s.side,
      kind: s.kind,
      orderType: s.orderType,
      price: s.price,
      stopPrice: s.stopPrice,
      qty: s.qty,
      trigger: s.trigger,
      ocoStopId: s.ocoStopId,
      parentOrderId: s.parentOrderId,
    };
  });
}

const closedKey = (gameId: string) => `marketroom.marginCallSeen.${gameId}`;

/**
 * Draws the margin account, positions, exits, stops, the CFD quote of the selected security and the
 * margin banner; hides them all in a cash round. `sec` is the selected security.
 */
export function drawMargin(root: HTMLElement, st: any, me: any, sec: any, gameId: string): void {
  drawStopNote(root, st, me, gameId);
  const margin = isMargin(st);
  const cfd = margin && sec?.kind === "cfd";
  $(root, "#margin-box").hidden = !margin;
  $(root, "#margin-help").hidden = !margin;
  $(root, "#stops-box").hidden = !margin;
  $(root, "#cfd-box").hidden = !cfd;
  root.querySelector(".card.book")?.classList.toggle("cfd", cfd);
  if (cfd)
    setHtml(
      $(root, "#cfd-box"),
      cfdQuoteHtml(
        { bid: sec.quoteBid, ask: sec.quoteAsk, reference: sec.reference || sec.refPrice, halfSpread: sec.halfSpread },
        sec.tickSize,
      ),
    );
  if (!margin || !me || me.marginEquity === undefined) {
    $(root, "#margin-note").hidden = true;
    return;
  }
  setHtml(
    $(root, "#margin-account-box"),
    marginAccountHtml({
      equity: me.marginEquity,
      usedMargin: me.usedMargin,
      freeMargin: me.freeMargin,
      maintenance: me.maintenanceMargin,
      leverageBps: me.leverageBps,
    }),
  );
  const positions = marginPositions(st, me);
  setHtml($(root, "#m-positions-box"), marginPositionsHtml(positions));
  const exits = $(root, "#m-exits-box");
  // Do not redraw the SL / TP fields under the player's typing (a price move would wipe them).
  if (!exits.contains(document.activeElement)) setHtml(exits, exitsHtml(positions));
  setHtml($(root, "#stops"), stopsHtml(stopViews(st, me)));
  drawBanner(root, me, gameId);
}

/** The margin banner: the newest margin call not yet closed, else the low-margin warning, else nothing. */
function drawBanner(root: HTMLElement, me: any, gameId: string): void {
  const note = $(root, "#margin-note");
  const calls = me.marginCalls ? [...me.marginCalls] : [];
  const last = calls.at(-1);
  const seen = Number(sessionStorage.getItem(closedKey(gameId)) ?? 0);
  let text: string | null;
  let kind: string;
  if (last && last.seq > seen) {
    text = MARGIN_NOTICES.margin_call({ equity: last.equity, maintenance: last.maintenance });
    kind = "liquidated";
    note.dataset.seq = String(last.seq);
  } else {
    text = marginStateNotice({ equity: me.marginEquity, usedMargin: me.usedMargin, maintenance: me.maintenanceMargin });
    kind = "low";
  }
  note.hidden = !text;
  note.className = `banner margin-note ${kind}`;
  setHtml($(root, "#margin-note-text"), esc(text ?? ""));
  $(root, "#margin-note-close").hidden = kind !== "liquidated";
}

/** Sends a room command and shows its outcome (the player screen's `command`). */
export type Command = (type: string, body: Record<string, unknown>) => Promise<{ ok: boolean } | undefined>;

/**
 * Wires the margin elements: SL / TP Set and Clear ("set-exits"), stop Cancel ("cancel-stop"), closing
 * the liquidation notice. `tickOf` gives a security's tick size; `say` shows a message under the form.
 */
export function wireMargin(
  root: HTMLElement,
  gameId: string,
  command: Command,
  tickOf: (securityId: number) => string | undefined,
  say: (text: string, kind: "ok" | "reject") => void,
  parsePrice: (text: string, tickSize: string) => number,
): void {
  const exits = $(root, "#m-exits-box");
  exits.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = (ev.target as HTMLElement).closest<HTMLFormElement>("form[data-exits]");
    if (!form) return;
    const securityId = Number(form.dataset.exits);
    const tick = tickOf(securityId) ?? "1";
    const body: Record<string, unknown> = { securityId };
    try {
      for (const name of ["stopLoss", "takeProfit"]) {
        const text = (form.elements.namedItem(name) as HTMLInputElement).value.replace(/[,_\s]/g, "");
        if (text) body[name] = parsePrice(text, tick);
      }
    } catch (err) {
      say((err as Error).message, "reject");
      return;
    }
    void command("set-exits", body).then((r) => {
      if (r?.ok) {
        (document.activeElement as HTMLElement | null)?.blur();
        say(exitsSetText(form.dataset.sym ?? "", body.stopLoss !== undefined, body.takeProfit !== undefined), "ok");
      }
    });
  });
  exits.addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-clear]");
    if (!b) return;
    const form = b.closest<HTMLFormElement>("form");
    void command("set-exits", { securityId: Number(b.dataset.clear) }).then((r) => {
      if (r?.ok) {
        b.blur();
        say(`Stop-loss and take-profit removed from ${form?.dataset.sym ?? "the position"}.`, "ok");
      }
    });
  });
  $(root, "#stops").addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-stop]");
    if (!b) return;
    void command("cancel-stop", { securityId: Number(b.dataset.sec), stopId: Number(b.dataset.stop) }).then((r) => {
      if (r?.ok) say(`Stop #${b.dataset.stop} cancelled.`, "ok");
    });
  });
  wireStopNote(root, gameId);
  $(root, "#margin-note-close").addEventListener("click", () => {
    const note = $(root, "#margin-note");
    sessionStorage.setItem(closedKey(gameId), note.dataset.seq ?? "0");
    note.hidden = true;
  });
}

/** "Stop-loss and take-profit set on ACME." */
function exitsSetText(symbol: string, sl: boolean, tp: boolean): string {
  const what = sl && tp ? "Stop-loss and take-profit" : sl ? "Stop-loss" : tp ? "Take-profit" : "";
  return what
    ? `${what} set on ${symbol}: ${sl && tp ? "the first to trigger closes the position and cancels the other" : "it closes the whole position when reached"}.`
    : `Stop-loss and take-profit removed from ${symbol}.`;
}
