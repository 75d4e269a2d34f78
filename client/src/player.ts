/**
 * Player view: join by code and name, then one screen per game — book ladder, depth, price chart,
 * trades tape, order entry, own account, open orders, fills, leaderboard, phase and clock (countdown
 * to a scheduled start, period n of m, breaks). In a session (joined by a session's or a round's
 * code) the player keeps one identity: before the first round it waits for one, and when a round ends
 * and the next exists, "Join next round" moves it there (GET /api/sessions/:id/current).
 * Everything is drawn from the room's state in `room.onStateChange` (no polling); the 1 s timer only
 * advances the clock display between patches. This module holds the join, the connection, the order
 * ticket and the drawing order; the parts it draws live apart: the market (player-market.ts), the own
 * account, orders and fills (player-account.ts), the margin account and positions (margin-panel.ts), the
 * "Round over" card (player-final.ts).
 */
import type { Room } from "@colyseus/sdk";
import type { CommandReply } from "../../shared/src/messages.ts";
import { attachPrivateState } from "@marketroom/shared";
import { api, ApiError, errorText } from "./api.ts";
import { mountApiKeys } from "./api-keys.ts";
import { mountInducedPanel } from "./induced-panel.ts";
import { DepthChart, PriceChart, SeriesStore } from "./charts.ts";
import { Connection, type ConnStatus } from "./conn.ts";
import { $, batched, setHtml } from "./dom.ts";
import { drawDrivers } from "./drivers.ts";
import { cash, esc, priceToTicks, px } from "./format.ts";
import { mountInstructions } from "./instructions.ts";
import { noticeHtml, orderOutcomeText, type NoticeContext } from "./notices.ts";
import { drawMargin, isMargin, wireMargin } from "./margin-panel.ts";
import { marginEstimateHtml, marginRulesHtml } from "./margin-view.ts";
import { cfdLeverage, stopPlacedText, stopRequest, syncCfdTicket, syncStopFields } from "./stop-ticket.ts";
import { leaderboardTable } from "./leaderboard-table.ts";
import { clockText, entryRulesHtml, lobbyNote, orderEstimate } from "./player-texts.ts";
import { TEMPLATE } from "./player-template.ts";
import { drawAccount } from "./player-account.ts";
import { drawFinal } from "./player-final.ts";
import { drawMarket } from "./player-market.ts";

const SESSION_KEY = "marketroom.player";
/** The submit button's word for each stop type ("Sell stop-limit"). */
const STOP_WORD: Record<string, string> = {
  stop: "stop",
  stop_limit: "stop-limit",
  take_profit: "take-profit",
  oco: "OCO",
};

interface PlayerSession {
  gameId: string;
  playerId: string;
  name: string;
  token: string;
  sessionId?: string;
  sessionToken?: string;
}

export function loadSession(): PlayerSession | null {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
  } catch {
    return null;
  }
}

/** Mounts the join form or, with a session in this tab, the game screen. */
export function mountPlayer(root: HTMLElement): void {
  const s = loadSession();
  if (s) enter(root, s);
  else joinForm(root);
}

/** The game screen, or — in a session with no open round yet — a wait for the next round. */
function enter(root: HTMLElement, s: PlayerSession): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  if (s.gameId) new PlayerScreen(root, s).start();
  else void waitForRound(root, s);
}

/** Asks the session for its current round every 2 s until there is one to join. */
async function waitForRound(root: HTMLElement, s: PlayerSession): Promise<void> {
  root.innerHTML = `<div class="join-page"><div class="card join" id="waiting"><h1>marketroom</h1>
    <p>Welcome, <b>${esc(s.name)}</b>. You are in the session; the next round has not opened yet.</p>
    <p class="muted" id="wait-msg">Waiting for the organiser…</p></div></div>`;
  for (;;) {
    try {
      const cur = await api(
        "GET",
        `/api/sessions/${encodeURIComponent(s.sessionId!)}/current`,
        undefined,
        s.sessionToken ?? s.token,
      );
      if (cur.gameId && cur.token) return enter(root, { ...s, gameId: cur.gameId, token: cur.token });
    } catch (err) {
      const el = root.querySelector("#wait-msg");
      if (el) el.innerHTML = plainError(err);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function joinForm(root: HTMLElement): void {
  const code = new URLSearchParams(location.hash.split("?")[1] ?? location.search).get("code") ?? "";
  root.innerHTML = `
    <div class="join-page">
      <form id="join-form" class="card join" autocomplete="off">
        <h1>marketroom</h1>
        <p class="muted">Join a trading game with the code your organiser gave you.</p>
        <label>Game code <input name="code" required minlength="4" maxlength="16" value="${esc(code)}" autocapitalize="characters" spellcheck="false"></label>
        <label>Display name <input name="name" required maxlength="32" spellcheck="false"></label>
        <button type="submit" class="primary">Join game</button>
        <div id="join-msg" class="msg reject" role="alert"></div>
        <p class="muted small"><a href="#/admin">Organiser / admin</a></p>
      </form>
    </div>`;
  const form = $(root, "#join-form") as HTMLFormElement;
  (form.elements.namedItem(code ? "name" : "code") as HTMLInputElement).focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const btn = form.querySelector("button")!;
    btn.disabled = true;
    try {
      const r = await api("POST", "/api/join", {
        code: String(f.get("code")).trim(),
        name: String(f.get("name")).trim(),
      });
      const s: PlayerSession = {
        gameId: r.gameId,
        playerId: r.playerId,
        name: r.name,
        token: r.token,
        ...(r.sessionId ? { sessionId: r.sessionId, sessionToken: r.sessionToken } : {}),
      };
      enter(root, s);
    } catch (err) {
      $(root, "#join-msg").innerHTML = plainError(err);
      btn.disabled = false;
    }
  });
}

/** An HTTP error in plain words with its code in small print (notices.ts); other errors as text. HTML. */
function plainError(err: unknown): string {
  return err instanceof ApiError ? noticeHtml(err.code, { message: err.message }) : esc(errorText(err));
}

const STATUS_TEXT: Record<ConnStatus, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Connection lost — reconnecting…",
  reconnected: "Reconnected",
  offline: "Offline — retrying…",
  closed: "Disconnected",
};

class PlayerScreen {
  private room: Room<any, any> | undefined;
  private conn: Connection;
  private sid = 0;
  private store = new SeriesStore();
  private price!: PriceChart;
  private depth!: DepthChart;
  private timer = 0;
  private render = batched(() => this.draw());
  /** Phase at the last draw: a rejection on screen is cleared when it changes (resume, end). */
  private phase = "";
  /** The order last sent (for the plain-words rejection: side, type, price, qty). */
  private sent: NoticeContext["order"];
  /** Margin round (rules.mode "margin"): the order form offers stop types, the account shows margin. */
  private margin = false;
  /** Re-syncs the order form's fields with its type, side and the round's mode (set by wire). */
  private syncForm = () => {};

  constructor(
    private readonly root: HTMLElement,
    private readonly s: PlayerSession,
  ) {
    this.conn = new Connection({
      gameId: s.gameId,
      token: s.token,
      storageKey: `${SESSION_KEY}.rt`,
      onRoom: (room) => this.onRoom(room),
      onStatus: (st, detail) => this.status(st, detail),
      onFatal: (msg) => this.fatal(msg),
    });
  }

  start(): void {
    this.root.innerHTML = TEMPLATE;
    $(this.root, "#me").textContent = this.s.name;
    this.price = new PriceChart($(this.root, "#price-chart"), this.store);
    this.depth = new DepthChart($(this.root, "#depth"));
    this.wire();
    // the induced-values panel only in such a round (its route answers 404 in any other); when the
    // instructions could not be fetched, the panel's own fetch decides, as before
    void mountInstructions({ root: this.root, gameId: this.s.gameId, token: this.s.token }).then((info) => {
      if (info === null || info.marketType === "induced")
        void mountInducedPanel(this.root, this.s.gameId, this.s.token);
    });
    mountApiKeys($(this.root, "#api-keys"), this.s.token);
    this.timer = window.setInterval(() => this.drawClock(), 1000);
    (window as any).marketroom = { conn: this.conn, screen: this };
    void this.conn.connect();
  }

  private onRoom(room: Room<any, any>): void {
    this.room = room;
    room.onStateChange(() => this.render());
    attachPrivateState(room, () => this.render()); // own cash, orders, fills...: "private" messages
    room.onMessage("*", () => {});
    this.render();
  }

  private status(st: ConnStatus, detail?: string): void {
    const el = $(this.root, "#conn");
    el.className = `banner ${st}`;
    el.textContent = `${STATUS_TEXT[st]}${detail ? ` (${detail})` : ""}`;
    el.hidden = st === "connected";
    if (st === "reconnected")
      setTimeout(() => {
        if (el.classList.contains("reconnected")) el.hidden = true;
      }, 4000);
    ($(this.root, "#submit") as HTMLButtonElement).disabled = !(st === "connected" || st === "reconnected");
  }

  private fatal(msg: string): void {
    clearInterval(this.timer);
    sessionStorage.removeItem(SESSION_KEY);
    this.root.innerHTML = `<div class="join-page"><div class="card join"><h1>Cannot join</h1><p class="msg reject">${esc(msg)}</p><p><a href="#/" id="again">Join another game</a></p></div></div>`;
    $(this.root, "#again").addEventListener("click", (e) => {
      e.preventDefault();
      joinForm(this.root);
    });
  }

  private wire(): void {
    const r = this.root;
    const form = $(r, "#order-form") as HTMLFormElement;
    const el = (n: string) => form.elements.namedItem(n) as HTMLInputElement;
    const syncForm = () => {
      const side = (form.querySelector("input[name=side]:checked") as HTMLInputElement).value;
      if (!this.margin && !["limit", "market"].includes(el("type").value)) el("type").value = "limit";
      syncStopFields(form, this.margin);
      syncCfdTicket(form, this.margin ? this.room?.state?.securities?.get(String(this.sid)) : undefined);
      const type = el("type").value;
      const market = type === "market";
      const stop = type !== "limit" && type !== "market";
      // stop-limit and take-profit use the price as their limit; a stop-market or OCO has none.
      el("price").disabled = market || type === "stop" || type === "oco";
      el("postOnly").disabled = market || stop;
      el("tif").disabled = stop && type !== "stop_limit";
      // A market order never rests: it is IOC (keep what fills) or FOK; GTC is not offered for it.
      const tif = form.elements.namedItem("tif") as HTMLSelectElement;
      const gtc = tif.querySelector<HTMLOptionElement>("option[value=GTC]")!;
      if (market && tif.value === "GTC") {
        tif.value = "IOC";
        form.dataset.autoTif = "1";
      }
      if (!market && form.dataset.autoTif) {
        if (tif.value === "IOC") tif.value = "GTC";
        delete form.dataset.autoTif;
      }
      gtc.disabled = market;
      gtc.hidden = market;
      const btn = $(r, "#submit");
      btn.textContent = `${side === "buy" ? "Buy" : "Sell"}${market ? " at market" : stop ? ` ${STOP_WORD[type] ?? type}` : ""}`;
      btn.className = side;
      form.dataset.side = side;
    };
    this.syncForm = syncForm;
    form.addEventListener("change", syncForm);
    form.addEventListener("input", () => this.drawEstimate());
    form.addEventListener("change", () => this.drawEstimate());
    syncForm();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.place(form);
    });
    $(r, "#secs").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-sid]");
      if (!b) return;
      this.sid = Number(b.dataset.sid);
      el("price").value = "";
      this.render();
    });
    $(r, "#ladder").addEventListener("click", (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>("[data-price]");
      if (row) {
        el("price").value = row.dataset.price!;
        el("qty").focus();
      }
    });
    $(r, "#orders").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-oid]");
      if (b) void this.command("cancel", { securityId: Number(b.dataset.sec), orderId: Number(b.dataset.oid) });
    });
    $(r, "#final").addEventListener("click", (ev) => {
      if ((ev.target as HTMLElement).closest("#join-next")) {
        void this.joinNext();
        return;
      }
      if (!(ev.target as HTMLElement).closest("#close-final")) return;
      const final = $(r, "#final");
      final.hidden = true;
      final.dataset.closed = "1";
    });
    $(r, "#cancel-all").addEventListener("click", () => void this.command("cancel-all", {}));
    wireMargin(
      r,
      this.s.gameId,
      (type, body) => this.command(type, body),
      (id) => this.room?.state?.securities?.get(String(id))?.tickSize,
      (text, kind) => this.msg(text, kind),
      (text, tick) => {
        try {
          return priceToTicks(text, tick);
        } catch {
          throw new Error(`Prices must be multiples of the tick size ${tick}`);
        }
      },
    );
    const help = $(r, "#help"),
      helpBtn = $(r, "#help-open");
    const showHelp = (on: boolean) => {
      help.hidden = !on;
      helpBtn.setAttribute("aria-expanded", String(on));
    };
    helpBtn.addEventListener("click", () => showHelp(help.hidden));
    help.addEventListener("click", (ev) => {
      if ((ev.target as HTMLElement).closest("#help-close")) showHelp(false);
    });
    $(r, "#account").addEventListener("click", (ev) => {
      if (!(ev.target as HTMLElement).closest("#pnl-why")) return;
      ev.preventDefault();
      const d = r.querySelector<HTMLDetailsElement>("#pnl-help");
      if (d) {
        d.open = true;
        d.scrollIntoView({ block: "nearest" });
      }
    });
    $(r, "#leave").addEventListener("click", async () => {
      if (!confirm("Leave this game? Your open orders stay on the book.")) return;
      clearInterval(this.timer);
      await this.conn.stop();
      sessionStorage.removeItem(SESSION_KEY);
      location.hash = "#/";
      location.reload();
    });
    // Keyboard: b / s pick the side, p / q focus price / quantity, Enter submits (native), Esc leaves a field.
    document.addEventListener("keydown", (ev) => {
      const t = ev.target as HTMLElement;
      if (ev.key === "Escape" && t.closest("#order-form")) {
        t.blur();
        return;
      }
      if (ev.key === "Escape" && !help.hidden) {
        showHelp(false);
        return;
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) return;
      const k = ev.key.toLowerCase();
      if (k === "b" || k === "s") {
        (form.querySelector(`input[name=side][value=${k === "b" ? "buy" : "sell"}]`) as HTMLInputElement).checked =
          true;
        syncForm();
      } else if (k === "p") {
        el("price").focus();
        ev.preventDefault();
      } else if (k === "q") {
        el("qty").focus();
        ev.preventDefault();
      } else if (k === "?" || k === "h") showHelp(help.hidden);
      else return;
    });
  }

  private msg(text: string, kind: "ok" | "reject" | ""): void {
    const m = $(this.root, "#order-msg");
    m.className = `msg ${kind}`;
    m.textContent = text;
  }

  /** A rejection in plain words, its code in small print (notices.ts). */
  private reject(code: string, message: string, retryAfterMs?: number): void {
    const m = $(this.root, "#order-msg");
    m.className = "msg reject";
    const sec = this.room?.state?.securities?.get(String(this.sid));
    const me = this.room?.state?.players?.get(this.s.playerId);
    m.innerHTML = noticeHtml(code, { message, sec, order: this.sent, me, retryAfterMs });
  }

  private async place(form: HTMLFormElement): Promise<void> {
    const sec = this.room?.state.securities.get(String(this.sid));
    if (!this.room || !sec) return;
    const f = new FormData(form);
    const type = String(f.get("type"));
    const tif = String(f.get("tif"));
    const body: Record<string, unknown> = {
      securityId: this.sid,
      side: String(f.get("side")),
      type,
      qty: Number(String(f.get("qty")).replace(/[,_\s]/g, "")),
      clientOrderId: `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    };
    if (!Number.isInteger(body.qty) || (body.qty as number) <= 0)
      return this.msg("Quantity must be a whole number of lots above 0", "reject");
    if (this.margin) {
      let req;
      try {
        req = stopRequest(f, sec.tickSize, { securityId: this.sid, side: String(body.side), qty: body.qty as number });
      } catch (err) {
        return this.msg((err as Error).message, "reject");
      }
      if (req.message === "place-stop") return this.placeStop(req.body, tif, sec.tickSize);
      if (req.bracket) body.bracket = req.bracket;
      const leverage = cfdLeverage(form);
      if (leverage !== undefined) body.leverage = leverage;
    }
    if (type === "limit") {
      const text = String(f.get("price") ?? "").replace(/[,_\s]/g, "");
      if (!text) return this.msg("Enter a price", "reject");
      try {
        body.price = priceToTicks(text, sec.tickSize);
      } catch {
        return this.msg(`Price must be a multiple of the tick size ${sec.tickSize}`, "reject");
      }
      body.tif = tif;
      if (f.get("postOnly")) body.postOnly = true;
    } else body.tif = tif === "FOK" ? "FOK" : "IOC";
    this.sent = {
      side: String(body.side),
      type,
      tif: String(body.tif ?? ""),
      price: body.price as number | undefined,
      qty: body.qty as number,
      postOnly: !!body.postOnly,
    };
    const reply = await this.command("place", body);
    if (reply?.ok && reply.order) {
      this.msg(orderOutcomeText(reply.order, sec), "ok");
    }
  }

  /** Sends a stop, stop-limit, take-profit or OCO ("place-stop") and says what waits now. */
  private async placeStop(body: Record<string, unknown>, tif: string, tickSize: string): Promise<void> {
    if (body.type === "limit" && tif !== "GTC") body.tif = tif;
    this.sent = {
      side: String(body.side),
      type: String(body.type),
      price: body.price as number | undefined,
      qty: body.qty as number,
    };
    const reply = await this.command("place-stop", body);
    if (reply?.ok) this.msg(stopPlacedText(body, reply.stopIds ?? [], tickSize), "ok");
  }

  /**
   * The ticket's estimate for the selected security: notional (limit price, or for a market order the
   * best opposite price) x qty x scale, plus the taker fee on a buy / minus it on a sell (the fee applies
   * when the order takes; a resting order that is hit gets the maker rebate instead). Minor units.
   */
  private drawEstimate(): void {
    const el = this.root.querySelector<HTMLElement>("#estimate");
    const sec = this.room?.state?.securities?.get(String(this.sid));
    if (!el || !sec) return;
    const form = $(this.root, "#order-form") as HTMLFormElement;
    const f = new FormData(form);
    const side = String(f.get("side")),
      market = f.get("type") === "market";
    // A stop-market's (or OCO's) notional is estimated at its (stop-loss) trigger price.
    const priceField = f.get("type") === "stop" ? "stopPrice" : f.get("type") === "oco" ? "ocoStop" : "price";
    const lots = Number(String(f.get("qty") ?? "").replace(/[,_\s]/g, ""));
    let price: number;
    if (market) price = (side === "buy" ? sec.asks[0]?.price : sec.bids[0]?.price) ?? 0;
    else
      try {
        price = priceToTicks(String(f.get(priceField) ?? "").replace(/[,_\s]/g, "") || "0", sec.tickSize);
      } catch {
        price = 0;
      }
    const est = orderEstimate(side, price, lots, sec.scale, sec.takerFee ?? 0);
    setHtml(
      el,
      est
        ? `${side === "buy" ? "Est. cost" : "Est. proceeds"} <b class="num" id="est-total">${cash(est.total)}</b>
      <span class="muted">= ${cash(est.notional)} ${side === "buy" ? "+" : "−"} taker fee <span id="est-fee">${cash(est.fee)}</span>${market ? " · at the best price now" : ""}</span>${this.margin ? marginEstimateHtml(est.notional, sec.initialMarginBps) : ""}`
        : `<span class="muted">Est. cost: enter ${market ? "a quantity (no opposite orders yet?)" : "a price and quantity"}</span>`,
    );
  }

  private async command(type: string, body: Record<string, unknown>): Promise<CommandReply | undefined> {
    if (!this.room) return undefined;
    try {
      const reply = (await this.room.request(type, body)) as CommandReply;
      if (!reply.ok) this.reject(reply.code, reply.message, reply.retryAfterMs);
      else if (type === "cancel-all") this.msg(`Cancelled ${reply.cancelledOrderIds?.length ?? 0} order(s)`, "ok");
      else if (type === "cancel") this.msg(`Order ${reply.cancelled?.orderId ?? ""} cancelled`, "ok");
      return reply;
    } catch (err) {
      const e = err as { code?: unknown; message?: string };
      if (typeof e?.code === "string") this.reject(e.code, e.message ?? "");
      else this.msg(`Not sent — ${errorText(err)}`, "reject");
      return undefined;
    }
  }

  /** Moves to the session's next round: a token for it from /current, then a fresh screen. */
  private async joinNext(): Promise<void> {
    const sessionId = this.s.sessionId || this.room?.state.sessionId;
    if (!sessionId) return;
    try {
      const cur = await api(
        "GET",
        `/api/sessions/${encodeURIComponent(sessionId)}/current`,
        undefined,
        this.s.sessionToken ?? this.s.token,
      );
      if (!cur.gameId || !cur.token) {
        this.msg("The next round is not open yet", "reject");
        return;
      }
      clearInterval(this.timer);
      await this.conn.stop();
      enter(this.root, { ...this.s, sessionId, gameId: cur.gameId, token: cur.token });
    } catch (err) {
      setHtml($(this.root, "#next-msg"), esc(errorText(err)));
    }
  }

  private drawClock(): void {
    const st = this.room?.state;
    if (!st) return;
    setHtml($(this.root, "#clock"), esc(clockText(st.phase, st.clock, Date.now())));
  }

  private draw(): void {
    const st = this.room?.state;
    if (!st?.securities || !st.players || !st.leaderboard || !st.clock) return;
    const r = this.root;
    const secs = [...st.securities.values()].sort((a: any, b: any) => a.securityId - b.securityId);
    if (!secs.length) return;
    if (!st.securities.get(String(this.sid))) this.sid = secs[0].securityId;
    const sec = st.securities.get(String(this.sid));
    const me = st.players.get(this.s.playerId);
    const now = st.clock.now || Date.now();
    if (this.margin !== isMargin(st)) {
      this.margin = isMargin(st);
      for (const el of r.querySelectorAll<HTMLElement>(".cash-only")) el.hidden = this.margin;
      this.syncForm();
    }
    const bookTitle = sec.kind === "cfd" && this.margin ? "House quote (CFD)" : "Order book";
    if ($(r, "#book-title").textContent !== bookTitle) $(r, "#book-title").textContent = bookTitle;
    // In a margin round the reference is the core's (an admin may set it; docs/margin.md "Protocol").
    const refOf = (s: any): number => (this.margin && s.reference) || s.refPrice;
    for (const s of secs) {
      this.store.addTrades(s.securityId, s.tickSize, [...s.trades]);
      this.store.addRef(s.securityId, s.tickSize, refOf(s), now);
    }

    setHtml($(r, "#game-name"), esc(st.name || st.gameId));
    setHtml($(r, "#phase"), `<span class="phase-badge ${esc(st.phase)}">${esc(st.phase)}</span>`);
    this.drawClock();
    setHtml(
      $(r, "#secs"),
      secs
        .map(
          (s: any) =>
            `<button type="button" data-sid="${s.securityId}" class="${s.securityId === this.sid ? "active" : ""}">${esc(s.symbol)} <span class="num">${px(s.lastPrice || refOf(s), s.tickSize)}</span></button>`,
        )
        .join(""),
    );

    drawMarket({ root: r, depth: this.depth, price: this.price }, sec, me, refOf);
    $(r, "#entry-sec").textContent =
      `${sec.symbol} · tick ${sec.tickSize}${sec.lotSize !== 1 ? ` · ${sec.lotSize} shares/lot` : ""}`;
    setHtml($(r, "#entry-rules"), entryRulesHtml(sec, st.rules) + (this.margin ? ` · ${marginRulesHtml(sec)}` : ""));
    this.drawEstimate();

    // own panel
    drawAccount(r, st, me, secs, this.s.playerId, this.margin);

    drawDrivers(r, st, me);
    drawMargin(r, st, me, sec, this.s.gameId);
    syncCfdTicket($(r, "#order-form") as HTMLFormElement, this.margin ? sec : undefined);

    // leaderboard and phase overlays
    const rows = [...st.leaderboard];
    setHtml($(r, "#leaderboard"), leaderboardTable(rows, this.s.playerId, true, st.rules));
    const final = $(r, "#final");
    const lobby = $(r, "#lobby-note");
    lobby.hidden = st.phase !== "lobby" && st.phase !== "paused";
    const c = st.clock;
    lobby.textContent = lobbyNote(st.phase, c);
    lobby.classList.toggle("paused", st.phase === "paused");
    if (this.phase && this.phase !== st.phase && $(r, "#order-msg").classList.contains("reject")) this.msg("", "");
    this.phase = st.phase;
    drawFinal(final, st, rows, this.s.playerId, this.s.gameId);
  }
}
