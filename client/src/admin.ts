/**
 * Admin view (admin token): create a round (a scenario's securities or one custom security,
 * endowments, duration or periods with breaks, bots; optionally as the first round of a new session),
 * start it now or after a countdown, pause / resume / end it, watch the players and the leaderboard
 * live (an admin room session: read-only, sees every player's private state), add bots and switch them off and on.
 * For a session's round: the session's join code, "Create next round" (the same settings) and the
 * session's results (per round and overall).
 * Market drivers: announce news (with reference shifts), send private signals to a group, move players
 * between groups, let a bot take over a player's seat and hand it back (docs/market.md).
 * API usage of the round per player and key (api-usage.ts). The round's rule of who may trade (browser,
 * API or both) is chosen in the create form.
 */
import type { Room } from "@colyseus/sdk";
import { api, errorText } from "./api.ts";
import { Connection } from "./conn.ts";
import { $, batched, setHtml } from "./dom.ts";
import { cash, clock, esc, priceToTicks, px, qty, signClass, signedCash } from "./format.ts";
import { leaderboardTable } from "./leaderboard-table.ts";
import { clockText } from "./player-texts.ts";
import { downloadExport, downloadExportZip, EXPORT_FILES } from "./export.ts";
import { ROUND_HELP_FIELDS_HTML, roundHelpRules, wireRoundHelpForm } from "./round-help-form.ts";
import { drawShareReplay } from "./share.ts";
import { apiUsageHtml, fetchApiUsage } from "./api-usage.ts";
import { AdminApiKeys } from "./api-keys.ts";
import { ADMIN_MARGIN_HTML, drawAdminMargin, wireAdminMargin } from "./admin-margin.ts";
import { bpsText, maxLeverageText } from "./margin-view.ts";
import { MARGIN_FIELDS_HTML, marginSettings, wireMarginForm } from "./margin-form.ts";
import { MARKET_TYPE_FIELDS_HTML, marketTypeRules, wireMarketTypeForm } from "./market-type-form.ts";
import { BOT_KINDS, attachPrivateState } from "@marketroom/shared";
import { botCountFieldsHtml, botKindOptionsHtml } from "./bot-fields.ts";

const TOKEN_KEY = "marketroom.admin";
const GAME_KEY = "marketroom.admin.game";
/** How often the games list and the bots table are fetched again (ms): they are HTTP views, not room state. */
const POLL_MS = 2000;

export function mountAdmin(root: HTMLElement): void {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) new AdminScreen(root, token).start();
  else signIn(root);
}

function signIn(root: HTMLElement, error = ""): void {
  root.innerHTML = `<div class="join-page"><form id="admin-login" class="card join" autocomplete="off">
    <h1>marketroom · admin</h1>
    <p class="muted">Paste the admin token that <code>npm start</code> printed.</p>
    <label>Admin token <input name="token" type="password" required spellcheck="false"></label>
    <button type="submit" class="primary">Sign in</button>
    <div id="login-msg" class="msg reject" role="alert">${esc(error)}</div>
    <p class="muted small"><a href="#/">Player view</a></p></form></div>`;
  const form = $(root, "#admin-login") as HTMLFormElement;
  (form.elements.namedItem("token") as HTMLInputElement).focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = String(new FormData(form).get("token")).trim();
    try {
      await api("GET", "/api/games?limit=1", undefined, token);
      sessionStorage.setItem(TOKEN_KEY, token);
      new AdminScreen(root, token).start();
    } catch (err) {
      $(root, "#login-msg").textContent = errorText(err);
    }
  });
}

class AdminScreen {
  private gameId: string | null = sessionStorage.getItem(GAME_KEY);
  private detail: any = null;
  /** GET /api/games/:id/drivers of the selected game (groups, takeovers). */
  private drivers: any = null;
  private conn: Connection | undefined;
  private room: Room<any, any> | undefined;
  private timer = 0;
  private poller = 0;
  private polling = false;
  /** GET /api/games/:id/bots of the selected game (placed / cancelled / rejected per bot). */
  private botList: any[] = [];
  /** The selected session's join code (what students need), once fetched. */
  private sessionCode = "";
  private render = batched(() => this.drawLive());
  /** The "API keys" card (api-keys.ts), made when the screen starts. */
  private apiKeys: AdminApiKeys | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
  ) {}

  private call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return api<T>(method, path, body, this.token);
  }

  async start(): Promise<void> {
    this.root.innerHTML = ADMIN_TEMPLATE;
    this.apiKeys = new AdminApiKeys($(this.root, "#admin-api-keys-card"), this.token);
    this.timer = window.setInterval(() => this.drawClock(), 1000);
    this.poller = window.setInterval(() => void this.poll(), POLL_MS);
    this.wire();
    try {
      const { scenarios } = await this.call("GET", "/api/scenarios");
      const sel = $(this.root, "#scenario") as HTMLSelectElement;
      sel.innerHTML =
        scenarios
          .map(
            (s: any) =>
              `<option value="${esc(s.name)}" data-symbols="${esc(s.symbols.join(","))}" title="${esc(s.description)}">${esc(s.name)} — ${esc(s.symbols.join(", "))}</option>`,
          )
          .join("") + `<option value="">Custom: one security</option>`;
      this.syncScenario();
    } catch (err) {
      this.note(errorText(err), "reject");
    }
    await this.refreshList();
    if (this.gameId) await this.select(this.gameId);
  }

  private note(text: string, kind: "ok" | "reject" | "" = ""): void {
    const m = $(this.root, "#admin-msg");
    m.className = `msg ${kind}`;
    m.textContent = text;
  }

  /** "= 0.05" beside each money input (minor units shown as cash). */
  private drawMoneyHints(): void {
    for (const hint of this.root.querySelectorAll<HTMLElement>("[data-money]")) {
      const v = ($(this.root, `#create-form input[name=${hint.dataset.money}]`) as HTMLInputElement).value.trim();
      hint.textContent = /^\d{1,15}$/.test(v) ? `= ${cash(Number(v))} per lot` : "whole minor units";
    }
  }

  private syncScenario(): void {
    const custom = ($(this.root, "#scenario") as HTMLSelectElement).value === "";
    $(this.root, "#custom-sec").hidden = !custom;
  }

  private wire(): void {
    const r = this.root;
    $(r, "#scenario").addEventListener("change", () => this.syncScenario());
    $(r, "#rules-set").addEventListener("input", () => this.drawMoneyHints());
    this.drawMoneyHints();
    wireRoundHelpForm(r, (m, p, b) => this.call(m, p, b));
    wireMarketTypeForm(r);
    wireMarginForm(r);
    $(r, "#signout").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      void this.conn?.stop();
      clearInterval(this.timer);
      clearInterval(this.poller);
      signIn(r);
    });
    $(r, "#refresh").addEventListener("click", () => void this.refreshList());
    $(r, "#games").addEventListener("click", (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>("[data-game]");
      if (row) void this.select(row.dataset.game!);
    });
    ($(r, "#create-form") as HTMLFormElement).addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.create(ev.target as HTMLFormElement);
    });
    $(r, "#controls").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-action]");
      if (b) void this.action(b.dataset.action!);
    });
    $(r, "#bots").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-bot]");
      if (b) void this.switchBot(b.dataset.bot!, b.dataset.on === "1");
    });
    $(r, "#next-round").addEventListener("click", () => void this.nextRound());
    $(r, "#exports").addEventListener("click", (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>("[data-export]");
      if (btn && this.gameId) void this.exportFile(btn, this.gameId, btn.dataset.export!);
    });
    ($(r, "#bot-form") as HTMLFormElement).addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.addBot(ev.target as HTMLFormElement);
    });
    this.wireDrivers();
  }

  // ---- market drivers: news, signals, groups, takeover ----

  private wireDrivers(): void {
    const r = this.root;
    const game = () => encodeURIComponent(this.gameId ?? "");
    const send = async (what: string, method: string, path: string, body?: unknown) => {
      if (!this.gameId) return;
      try {
        await this.call(method, `/api/games/${game()}${path}`, body);
        this.note(`${what}: done`, "ok");
        this.drivers = await this.call("GET", `/api/games/${game()}/drivers`).catch(() => this.drivers);
        this.drawDriverForms();
      } catch (err) {
        this.note(`${what} — ${errorText(err)}`, "reject");
      }
    };
    wireAdminMargin(
      r,
      () => this.room?.state,
      (what, path, body) => send(what, "PUT", path, body),
      (text) => this.note(text, "reject"),
    );
    ($(r, "#news-form") as HTMLFormElement).addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target as HTMLFormElement);
      const sid = Number(f.get("sec") || 0),
        bps = Number(f.get("bps") || 0);
      void send("News", "POST", "/news", {
        headline: String(f.get("headline")).trim(),
        shifts: sid && bps ? [{ securityId: sid, bps }] : [],
      });
    });
    ($(r, "#signal-form") as HTMLFormElement).addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target as HTMLFormElement);
      const body: any = { group: String(f.get("group")), text: String(f.get("text")).trim() };
      if (Number(f.get("sec"))) body.securityId = Number(f.get("sec"));
      if (String(f.get("value") ?? "").trim() && body.securityId) {
        const sec = this.detail?.securities.find((s: any) => s.securityId === body.securityId);
        try {
          body.value = priceToTicks(String(f.get("value")).replace(/[,_\s]/g, ""), sec?.tickSize ?? "0.01");
        } catch {
          return this.note("Value must be on the tick grid", "reject");
        }
      }
      void send("Signal", "POST", "/signals", body);
    });
    $(r, "#players").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-seat]");
      if (!b) return;
      const pid = encodeURIComponent(b.dataset.seat!);
      if (b.dataset.op === "return") void send("Seat handed back", "DELETE", `/players/${pid}/takeover`);
      else
        void send("Seat taken over", "POST", `/players/${pid}/takeover`, {
          kind: ($(r, "#takeover-kind") as HTMLSelectElement).value,
        });
    });
    $(r, "#players").addEventListener("change", (ev) => {
      const sel = (ev.target as HTMLElement).closest<HTMLSelectElement>("select[data-group-of]");
      if (sel)
        void send("Group", "PUT", `/players/${encodeURIComponent(sel.dataset.groupOf!)}/group`, { group: sel.value });
    });
  }

  /** Security and group choices of the news / signal forms. */
  private drawDriverForms(): void {
    const secs = this.detail?.securities ?? [];
    const secOptions =
      `<option value="">(none)</option>` +
      secs.map((s: any) => `<option value="${s.securityId}">${esc(s.symbol)}</option>`).join("");
    for (const sel of this.root.querySelectorAll<HTMLSelectElement>("select.sec-choice")) setHtml(sel, secOptions);
    const groups: string[] = this.drivers?.plan?.groups ?? [];
    setHtml($(this.root, "#signal-group"), groups.map((g) => `<option>${esc(g)}</option>`).join(""));
    ($(this.root, "#signal-form") as HTMLFormElement).hidden = groups.length === 0;
    $(this.root, "#takeover-box").hidden = !this.detail?.rules?.botTakeover;
  }

  /** Group and seat cells of a human player's row (admin room state: group is private, takeover public). */
  private driverCells(p: any): string {
    if (p.bot) return "<td></td><td></td>";
    const groups: string[] = this.drivers?.plan?.groups ?? [];
    const group = groups.length
      ? `<select data-group-of="${esc(p.playerId)}" aria-label="group">${groups.map((g) => `<option${g === p.group ? " selected" : ""}>${esc(g)}</option>`).join("")}</select>`
      : "";
    const seat = !this.detail?.rules?.botTakeover
      ? ""
      : p.takeover
        ? `<span class="tag">${esc(p.takeover)}</span> <button type="button" class="ghost small" data-seat="${esc(p.playerId)}" data-op="return">Hand back</button>`
        : `<button type="button" class="ghost small" data-seat="${esc(p.playerId)}" data-op="take">Bot plays</button>`;
    return `<td>${group}</td><td>${seat}</td>`;
  }

  /**
   * The live HTTP views: the games list (phase, players, bots of every game) and the selected game's
   * bots table (the bots' own counters live in the server process, not in the room state). One poll
   * at a time; a failed poll is retried at the next tick.
   */
  private async poll(): Promise<void> {
    if (this.polling || document.hidden) return;
    this.polling = true;
    try {
      await this.refreshList();
      if (this.gameId) {
        const id = this.gameId;
        const [{ bots }, usage] = await Promise.all([
          this.call("GET", `/api/games/${encodeURIComponent(id)}/bots`),
          fetchApiUsage(id, this.token).catch(() => null),
        ]);
        if (id === this.gameId) {
          this.botList = bots;
          this.drawBots();
        }
        if (id === this.gameId && usage) setHtml($(this.root, "#api-usage"), apiUsageHtml(usage));
        if (id === this.gameId && usage) await this.apiKeys?.refresh(id, usage.players);
      }
    } catch {
      /* shown by the next successful poll or action */
    } finally {
      this.polling = false;
    }
  }

  /** Downloads one export file, or all of them as a zip ("zip"); only once the round has ended. */
  private async exportFile(btn: HTMLButtonElement, gameId: string, file: string): Promise<void> {
    btn.disabled = true;
    try {
      const name =
        file === "zip" ? await downloadExportZip(gameId, this.token) : await downloadExport(gameId, file, this.token);
      this.note(`Downloaded ${name}`, "ok");
    } catch (err) {
      this.note(`Export — ${errorText(err)}`, "reject");
    } finally {
      btn.disabled = false;
    }
  }

  /**
   * The bots table: per bot its kind, orders placed / cancelled / rejected (GET .../bots, the bot's own
   * counters) and its fills (trades in the room's leaderboard), with Switch off / on.
   */
  private drawBots(): void {
    const st = this.room?.state;
    const fills = new Map<string, number>();
    if (st?.leaderboard && st.gameId === this.gameId)
      for (const l of st.leaderboard) fills.set(l.playerId, l.trades ?? 0);
    const list = this.botList;
    setHtml(
      $(this.root, "#bots"),
      list.length
        ? `<table><thead><tr><th>Bot</th><th>Kind</th><th title="orders the bot placed">Placed</th><th title="orders the bot cancelled">Cancelled</th><th title="orders refused by the market">Rejected</th><th title="fills the bot took part in">Fills</th><th></th></tr></thead><tbody>${list
            .map(
              (b: any) =>
                `<tr data-bot-row="${esc(b.playerId)}"><td>${esc(b.name)}</td><td>${esc(b.kind)}${b.enabled === false ? ` <span class="tag">off</span>` : ""}</td><td class="num placed">${qty(b.placed)}</td><td class="num">${qty(b.cancelled ?? 0)}</td><td class="num">${qty(b.rejected)}</td><td class="num fills">${qty(fills.get(b.playerId) ?? 0)}</td><td>${
                  b.enabled === false
                    ? `<button type="button" class="ghost small" data-bot="${esc(b.playerId)}" data-on="1">Switch on</button>`
                    : `<button type="button" class="ghost small" data-bot="${esc(b.playerId)}">Switch off</button>`
                }</td></tr>`,
            )
            .join("")}</tbody></table>`
        : `<p class="muted">No bots.</p>`,
    );
  }

  /**
   * The join code students need, labelled: the round's code, or for a session's round the session's
   * code (it joins whichever round is open and keeps the player across rounds); the round's own code
   * is then shown small, with what it is for.
   */
  private drawCodes(): void {
    const d = this.detail;
    if (!d) return;
    const studentCode = d.sessionId ? this.sessionCode : d.joinCode;
    const link = studentCode ? `${location.origin}${location.pathname}#/?code=${encodeURIComponent(studentCode)}` : "";
    const big = d.sessionId
      ? `<b class="code big" id="session-code">${esc(this.sessionCode || "…")}</b>`
      : `<b class="code big" id="join-code">${esc(d.joinCode)}</b>`;
    setHtml(
      $(this.root, "#codes"),
      `<p class="student-code">Students join with ${d.sessionId ? "the session code" : "code"} ${big}
      ${link ? `<a href="${esc(link)}" target="_blank" id="player-link" class="small">player link</a>` : ""}</p>
      ${
        d.sessionId
          ? `<p class="muted small">The session code joins whichever round is open and keeps each student's name and results across rounds.
        This round's own code <span class="code" id="join-code">${esc(d.joinCode)}</span> joins only round ${esc(d.round)} (and the session): students do not need it.</p>`
          : ""
      }`,
    );
  }

  /** Export buttons of the selected round: each file of GET /api/games/:id/export/:file, and all as a zip. */
  private drawExports(): void {
    const d = this.detail;
    if (!d) return;
    const ended = d.phase === "ended";
    setHtml(
      $(this.root, "#exports"),
      `<p class="small muted">${
        ended
          ? "The round's data as files (docs/export.md): integer columns carry their unit (_ticks, _minor)."
          : "Available once the round has ended."
      }</p><div class="export-buttons">${EXPORT_FILES.map(
        (f) => `<button type="button" class="small" data-export="${f}"${ended ? "" : " disabled"}>${f}</button>`,
      ).join("")}
      <button type="button" class="small primary" data-export="zip"${ended ? "" : " disabled"}>All files (.zip)</button></div>`,
    );
    drawShareReplay($(this.root, "#share-replay"), d.gameId, this.token, ended);
  }

  private async refreshList(): Promise<void> {
    try {
      const { games } = await this.call("GET", "/api/games?limit=50");
      setHtml(
        $(this.root, "#games"),
        games.length
          ? `<table><thead><tr><th>Game</th><th>Phase</th><th title="the round's own code; a session's round: students use the session code">Round code</th><th>Players</th><th>Bots</th><th></th></tr></thead><tbody>${games
              .map(
                (g: any) =>
                  `<tr data-game="${esc(g.gameId)}" class="${g.gameId === this.gameId ? "selected" : ""}"><td><b>${esc(g.name)}</b><br><span class="muted small">${esc(g.gameId)}</span></td><td><span class="phase-badge ${esc(g.phase)}">${esc(g.phase)}</span></td><td class="code">${esc(g.joinCode)}</td><td class="num">${g.players}</td><td class="num">${g.bots}</td><td><a href="#replay/${encodeURIComponent(g.gameId)}" class="replay-link" title="Replay this round">Replay</a> · <a href="#/projector/${encodeURIComponent(g.gameId)}?code=${encodeURIComponent(g.joinCode)}" target="_blank" class="projector-link" title="Classroom screen: join code, clock, prices, leaderboard">Projector</a> · <a href="#/report/${encodeURIComponent(g.gameId)}" class="report-link" title="One-page results report (after the round)">Report</a></td></tr>`,
              )
              .join("")}</tbody></table>`
          : `<p class="muted">No games yet: create one.</p>`,
      );
    } catch (err) {
      if ((err as any).status === 401 || (err as any).status === 403) {
        sessionStorage.removeItem(TOKEN_KEY);
        clearInterval(this.timer);
        clearInterval(this.poller);
        void this.conn?.stop();
        signIn(this.root, errorText(err));
        return;
      }
      this.note(errorText(err), "reject");
    }
  }

  private async create(form: HTMLFormElement): Promise<void> {
    const f = new FormData(form);
    const scenario = String(f.get("scenario") ?? "");
    try {
      const cashMinor = priceToTicks(String(f.get("cash")).replace(/[,_\s]/g, "") || "0", "0.01");
      const lots = Number(f.get("lots") || 0);
      const margin = marginSettings(f);
      const body: any = {
        name: String(f.get("name")).trim() || "Round",
        endowment: { cash: cashMinor, holdings: [] as { securityId: number; qty: number }[] },
        allowObservers: f.get("observers") === "on",
        bots: BOT_KINDS.map((kind) => ({ kind, count: Number(f.get(`bots_${kind}`) || 0) })).filter((b) => b.count > 0),
        rules: {
          botTakeover: f.get("takeover") === "on",
          ...roundRules(f),
          ...marketTypeRules(f),
          ...margin?.rules,
          ...(await roundHelpRules(f, (m, p, b) => this.call(m, p, b))),
        },
        securityRules: { ...securityRules(f), ...margin?.securityRules },
      };
      const groups = String(f.get("groups") ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean);
      if (groups.length) body.groups = groups;
      const minutes = Number(f.get("duration") || 0);
      const periods = Math.max(1, Math.floor(Number(f.get("periods") || 1)));
      if (minutes > 0 && periods > 1) {
        body.schedule = {
          periods: {
            count: periods,
            durationSec: Math.round(minutes * 60),
            breakSec: Math.max(0, Math.round(Number(f.get("breakSec") || 0))),
          },
        };
      } else if (minutes > 0) body.durationSec = Math.round(minutes * 60);
      if (scenario) {
        body.scenario = scenario;
        const opt = ($(this.root, "#scenario") as HTMLSelectElement).selectedOptions[0];
        const n = (opt?.dataset.symbols ?? "").split(",").filter(Boolean).length;
        if (lots > 0) for (let i = 1; i <= n; i++) body.endowment.holdings.push({ securityId: i, qty: lots });
      } else {
        const tickSize = String(f.get("tick")).trim() || "0.01";
        body.securities = [
          {
            securityId: 1,
            symbol: String(f.get("symbol")).trim().toUpperCase() || "ACME",
            tickSize,
            lotSize: 1,
            scale: 1,
            refPrice: priceToTicks(String(f.get("ref")).replace(/[,_\s]/g, "") || "100", tickSize),
          },
        ];
        if (lots > 0) body.endowment.holdings.push({ securityId: 1, qty: lots });
      }
      let game: any;
      if (f.get("session") === "on") {
        const session = await this.call("POST", "/api/sessions", { name: body.name });
        game = await this.call("POST", `/api/sessions/${encodeURIComponent(session.sessionId)}/rounds`, body);
        this.note(`Created session ${session.name}: join code ${session.joinCode} (round 1 ${game.joinCode})`, "ok");
      } else {
        game = await this.call("POST", "/api/games", body);
        this.note(`Created ${game.name}: join code ${game.joinCode}`, "ok");
      }
      await this.refreshList();
      await this.select(game.gameId);
    } catch (err) {
      this.note(`Not created — ${errorText(err)}`, "reject");
    }
  }

  private async select(gameId: string): Promise<void> {
    try {
      this.detail = await this.call("GET", `/api/games/${encodeURIComponent(gameId)}`);
    } catch (err) {
      if (this.gameId === gameId) {
        sessionStorage.removeItem(GAME_KEY);
        this.gameId = null;
      }
      this.note(errorText(err), "reject");
      return;
    }
    this.drivers = await this.call("GET", `/api/games/${encodeURIComponent(gameId)}/drivers`).catch(() => null);
    const changed = this.gameId !== gameId || !this.conn;
    if (this.gameId !== gameId) this.sessionCode = "";
    this.gameId = gameId;
    sessionStorage.setItem(GAME_KEY, gameId);
    $(this.root, "#game").hidden = false;
    this.drawDetail();
    void this.refreshList();
    if (changed) {
      await this.conn?.stop();
      this.room = undefined;
      this.conn = new Connection({
        gameId,
        token: this.token,
        storageKey: `${GAME_KEY}.rt.${gameId}`,
        onRoom: (room) => {
          this.room = room;
          room.onStateChange(() => this.render());
          attachPrivateState(room, () => this.render()); // every player's private state
          this.render();
        },
        onStatus: (st, detail) =>
          setHtml(
            $(this.root, "#live-status"),
            `<span class="conn-${st}">${esc(st)}${detail ? ` — ${esc(detail)}` : ""}</span>`,
          ),
        onFatal: (msg) => this.note(msg, "reject"),
      });
      void this.conn.connect();
    }
  }

  private drawDetail(): void {
    const d = this.detail;
    if (!d) return;
    setHtml(
      $(this.root, "#game-head"),
      `<h2>${esc(d.name)} <span class="phase-badge ${esc(d.phase)}" id="game-phase">${esc(d.phase)}</span></h2>
      <div id="codes"></div>
      <p class="muted small">${esc(d.gameId)}${d.scenario ? ` · scenario ${esc(d.scenario)}` : ""}</p>
      <p class="muted small">Securities: ${d.securities.map((s: any) => `${esc(s.symbol)} (ref ${px(s.refPrice, s.tickSize)})`).join(", ")} · endowment ${cash(d.endowment.cash)} cash${d.endowment.holdings?.length ? ` + ${qty(d.endowment.holdings[0].qty)} lots each` : ""}${d.durationSec ? ` · ${clock(d.durationSec * 1000)} round` : ""}</p>
      <p class="muted small" id="game-rules">${esc(rulesText(d.rules, d.securities))}</p>`,
    );
    this.drawCodes();
    this.drawControls(d.phase);
    this.drawExports();
    void this.drawSession();
    this.drawDriverForms();
    this.botList = d.botList;
    this.drawBots();
  }

  /** The session panel of a session's round: join code, next round, results. */
  private async drawSession(): Promise<void> {
    const d = this.detail;
    const el = $(this.root, "#session");
    el.hidden = !d?.sessionId;
    if (!d?.sessionId) return;
    try {
      const [s, res] = await Promise.all([
        this.call("GET", `/api/sessions/${encodeURIComponent(d.sessionId)}`),
        this.call("GET", `/api/sessions/${encodeURIComponent(d.sessionId)}/results`),
      ]);
      const rounds = res.rounds.map((r: any) => `<th>R${r.round}</th>`).join("");
      if (this.detail === d && this.sessionCode !== s.joinCode) {
        this.sessionCode = s.joinCode;
        this.drawCodes();
      }
      setHtml(
        $(this.root, "#session-info"),
        `<p>Session <b>${esc(s.name)}</b>
        <span class="muted small">· round ${d.round} of ${s.rounds.length} · ${s.players.length} player(s) · students join with the session code above</span></p>`,
      );
      ($(this.root, "#next-round") as HTMLButtonElement).disabled = !!d.nextGameId;
      setHtml(
        $(this.root, "#session-results"),
        res.overall.length
          ? `<table class="board"><thead><tr><th>#</th><th>Name</th>${rounds}<th>Total P&amp;L</th></tr></thead><tbody>${res.overall
              .map(
                (o: any) =>
                  `<tr><td class="num">${o.rank}</td><td>${esc(o.name)}</td>${o.roundPnl.map((p: number | null) => `<td class="num ${signClass(p ?? 0)}">${p === null ? "—" : signedCash(p)}</td>`).join("")}<td class="num ${signClass(o.pnl)}"><b>${signedCash(o.pnl)}</b></td></tr>`,
              )
              .join("")}</tbody></table>`
          : `<p class="muted">No players in the session yet.</p>`,
      );
    } catch (err) {
      this.note(errorText(err), "reject");
    }
  }

  /** Creates the session's next round with the selected round's settings and selects it. */
  private async nextRound(): Promise<void> {
    const d = this.detail;
    if (!d?.sessionId) return;
    const kinds = new Map<string, number>();
    for (const b of d.botList) if (b.enabled !== false) kinds.set(b.kind, (kinds.get(b.kind) ?? 0) + 1);
    const body: any = {
      name: `${String(d.name).replace(/ · round \d+$/, "")} · round ${d.round + 1}`,
      rules: d.rules,
      endowment: d.endowment,
      allowObservers: true,
      bots: [...kinds].map(([kind, count]) => ({ kind, count })),
      // The securities as created (with their fees and limits); a scenario still drives the reference path.
      ...(d.scenario ? { scenario: d.scenario } : {}),
      securities: d.securities,
      ...(d.schedule?.periods
        ? { schedule: { periods: d.schedule.periods } }
        : d.durationSec
          ? { durationSec: d.durationSec }
          : {}),
    };
    try {
      const game = await this.call("POST", `/api/sessions/${encodeURIComponent(d.sessionId)}/rounds`, body);
      this.note(`Created round ${game.round}: ${game.name}`, "ok");
      await this.select(game.gameId);
    } catch (err) {
      this.note(`Next round not created — ${errorText(err)}`, "reject");
    }
  }

  private drawControls(phase: string): void {
    const can: Record<string, boolean> = {
      start: phase === "lobby",
      pause: phase === "running",
      resume: phase === "paused",
      end: phase !== "ended",
    };
    for (const b of this.root.querySelectorAll<HTMLButtonElement>("#controls [data-action]"))
      b.disabled = !can[b.dataset.action!];
  }

  private async action(action: string): Promise<void> {
    if (!this.gameId) return;
    if (action === "end" && !confirm("End the round now? Open orders are cancelled and results are final.")) return;
    try {
      const countdownSec = Math.max(0, Math.round(Number(($(this.root, "#countdown") as HTMLInputElement).value || 0)));
      await this.call(
        "POST",
        `/api/games/${encodeURIComponent(this.gameId)}/${action}`,
        action === "start" ? { countdownSec } : undefined,
      );
      this.note(action === "start" && countdownSec ? `start: in ${countdownSec} s` : `${action}: done`, "ok");
      await this.select(this.gameId);
    } catch (err) {
      this.note(`${action} — ${errorText(err)}`, "reject");
    }
  }

  private async addBot(form: HTMLFormElement): Promise<void> {
    if (!this.gameId) return;
    const f = new FormData(form);
    try {
      const { bots } = await this.call("POST", `/api/games/${encodeURIComponent(this.gameId)}/bots`, {
        kind: String(f.get("kind")),
        count: Number(f.get("count") || 1),
      });
      this.note(`Added ${bots.length} bot(s)`, "ok");
      await this.select(this.gameId);
    } catch (err) {
      this.note(`Bots not added — ${errorText(err)}`, "reject");
    }
  }

  /** Switches a bot off (it stops and its orders are cancelled) or on again. */
  private async switchBot(botId: string, on: boolean): Promise<void> {
    if (!this.gameId) return;
    try {
      const path = `/api/games/${encodeURIComponent(this.gameId)}/bots/${encodeURIComponent(botId)}`;
      await (on ? this.call("POST", `${path}/on`) : this.call("DELETE", path));
      this.note(`${botId} switched ${on ? "on" : "off"}`, "ok");
      await this.select(this.gameId);
    } catch (err) {
      this.note(errorText(err), "reject");
    }
  }

  private drawClock(): void {
    const st = this.room?.state;
    if (!st?.clock) return; // the first state patch has not arrived yet
    setHtml($(this.root, "#live-clock"), esc(clockText(st.phase, st.clock, Date.now()) || st.phase));
  }

  /** Live part, from the admin room session's state. */
  private drawLive(): void {
    const st = this.room?.state;
    if (!st?.players || !st.securities || !st.leaderboard || st.gameId !== this.gameId) return;
    if (this.detail && this.detail.phase !== st.phase) {
      this.detail.phase = st.phase;
      this.drawControls(st.phase);
      setHtml($(this.root, "#game-phase"), esc(st.phase));
      $(this.root, "#game-phase").className = `phase-badge ${st.phase}`;
      this.drawExports();
      void this.refreshList();
      if (st.phase === "ended") void this.drawSession();
    }
    this.drawBots();
    this.drawClock();
    const players = [...st.players.values()].sort(
      (a: any, b: any) => Number(a.bot) - Number(b.bot) || a.name.localeCompare(b.name),
    );
    setHtml(
      $(this.root, "#players"),
      players.length
        ? `<table><thead><tr><th>Player</th><th>Online</th><th>Cash</th><th>Equity</th><th>P&amp;L</th><th>Orders</th><th>Group</th><th>Seat</th></tr></thead><tbody>${players
            .map(
              (p: any) =>
                `<tr><td>${esc(p.name)}${p.bot ? ` <span class="tag">bot</span>` : ""}</td><td>${p.bot ? "" : p.connected ? `<span class="dot on" title="connected"></span>` : `<span class="dot off" title="offline"></span>`}</td>
       <td class="num">${p.cash === undefined ? "" : cash(p.cash)}</td><td class="num">${p.equity === undefined ? "" : cash(p.equity)}</td>
       <td class="num ${signClass(p.pnl ?? 0)}">${p.pnl === undefined ? "" : signedCash(p.pnl)}</td><td class="num">${p.orders ? qty(p.orders.size) : ""}</td>${this.driverCells(p)}</tr>`,
            )
            .join("")}</tbody></table>`
        : `<p class="muted">Nobody has joined yet.</p>`,
    );
    const news = st.news ? [...st.news].sort((a: any, b: any) => b.seq - a.seq) : [];
    setHtml(
      $(this.root, "#news-list"),
      news.length
        ? `<ul class="signals">${news.map((n: any) => `<li>${esc(n.headline)}${n.shifts.length ? ` <span class="muted">(${[...n.shifts].map((x: any) => `${esc(st.securities.get(String(x.securityId))?.symbol ?? x.securityId)} ${x.bps >= 0 ? "+" : ""}${x.bps} bp`).join(", ")})</span>` : ""}</li>`).join("")}</ul>`
        : `<p class="muted">No news yet.</p>`,
    );
    setHtml($(this.root, "#board"), leaderboardTable([...st.leaderboard], undefined, false, st.rules));
    drawAdminMargin(this.root, st);
    const secs = [...st.securities.values()].sort((a: any, b: any) => a.securityId - b.securityId);
    setHtml(
      $(this.root, "#market"),
      `<table><thead><tr><th>Sec</th><th>Bid</th><th>Ask</th><th>Last</th><th>Volume</th><th>Ref</th></tr></thead><tbody>${secs
        .map(
          (s: any) =>
            `<tr><td>${esc(s.symbol)}</td><td class="num buy-text">${px(s.bids[0]?.price ?? 0, s.tickSize)}</td><td class="num sell-text">${px(s.asks[0]?.price ?? 0, s.tickSize)}</td><td class="num">${px(s.lastPrice, s.tickSize)}</td><td class="num">${qty(s.volume)}</td><td class="num muted">${px(s.refPrice, s.tickSize)}</td></tr>`,
        )
        .join("")}</tbody></table>`,
    );
  }
}

/** A whole number in [min, max] from the form field `name` (empty = `empty`); throws a readable Error. */
function intField(f: FormData, name: string, label: string, min: number, max: number, empty = 0): number {
  const text = String(f.get(name) ?? "").trim();
  if (!text) return empty;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new Error(`${label} must be a whole number from ${min} to ${max.toLocaleString("en-US")}`);
  return n;
}

const MAX_LOTS = 1_000_000_000;

/**
 * The round-wide rules of the create form (GameRules): short selling, gross and net limits (weighted
 * lots), mark rule and the order rate limit (orders per window, window in seconds -> ms; both empty = the
 * server's default, docs/rounds.md).
 */
export function roundRules(f: FormData): Record<string, unknown> {
  const orders = intField(f, "rateOrders", "Order rate: orders", 1, 100_000);
  const windowText = String(f.get("rateWindowSec") ?? "").trim();
  if (!!orders !== !!windowText)
    throw new Error("Order rate limit: give both the number of orders and the window, or neither");
  let orderRateLimit: { orders: number; windowMs: number } | undefined;
  if (orders) {
    const windowMs = Math.round(Number(windowText) * 1000);
    if (!Number.isFinite(windowMs) || windowMs < 100 || windowMs > 3_600_000)
      throw new Error("Order rate window must be 0.1 to 3600 seconds");
    orderRateLimit = { orders, windowMs };
  }
  return {
    allowShort: f.get("allowShort") === "on",
    grossLimit: intField(f, "grossLimit", "Gross limit", 0, MAX_LOTS),
    netLimit: intField(f, "netLimit", "Net limit", 0, MAX_LOTS),
    markPrice: String(f.get("markPrice") || "last_trade"),
    trading: String(f.get("trading") || "both"),
    ...(orderRateLimit ? { orderRateLimit } : {}),
  };
}

/** The per-security rules of the create form, sent as CreateGameBody.securityRules (applied to every security). */
export function securityRules(f: FormData): Record<string, number> {
  const r = {
    takerFee: intField(f, "takerFee", "Taker fee", 0, 1_000_000_000),
    makerRebate: intField(f, "makerRebate", "Maker rebate", 0, 1_000_000_000),
    maxOrderQty: intField(f, "maxOrderQty", "Max order", 0, MAX_LOTS),
    positionLimit: intField(f, "positionLimit", "Position limit", 0, MAX_LOTS),
    shortLimit: intField(f, "shortLimit", "Short limit", 0, MAX_LOTS),
    limitWeight: intField(f, "limitWeight", "Limit weight", 0, 1000, 1),
  };
  if (r.makerRebate > r.takerFee) throw new Error("The maker rebate cannot exceed the taker fee");
  return r;
}

/** One line of a game's rules for the admin's detail view. */
/** rules.trading (shared TradingChannelRule) in words. */
const TRADING_TEXT: Record<string, string> = { both: "browser and API", browser: "browser only", api: "API only" };

function rulesText(rules: any, secs: any[]): string {
  const s = secs[0] ?? {};
  const lots = (n: number) => (n ? `${qty(n)} lots` : "none");
  const same = secs.every(
    (x) =>
      x.takerFee === s.takerFee &&
      x.makerRebate === s.makerRebate &&
      x.maxOrderQty === s.maxOrderQty &&
      x.positionLimit === s.positionLimit,
  );
  const parts = [
    `${same ? "" : `${s.symbol}: `}taker fee ${cash(s.takerFee ?? 0)} / maker rebate ${cash(s.makerRebate ?? 0)} per lot`,
    `max order ${lots(s.maxOrderQty ?? 0)}`,
    `position limit ${lots(s.positionLimit ?? 0)}`,
    rules?.allowShort ? `short up to ${qty(s.shortLimit ?? 0)} lots` : "no short selling",
    `gross ${rules?.grossLimit ? qty(rules.grossLimit) : "none"}`,
    `net ${rules?.netLimit ? qty(rules.netLimit) : "none"}`,
    rules?.orderRateLimit
      ? `${rules.orderRateLimit.orders} orders per ${rules.orderRateLimit.windowMs / 1000} s`
      : "no rate limit",
    `mark: ${rules?.markPrice === "reference" ? "closing reference" : "last trade"}`,
    `trading: ${TRADING_TEXT[rules?.trading as string] ?? TRADING_TEXT.both}`,
    `market: ${rules?.marketType ?? "continuous"}`,
    ...marginRulesText(rules, s),
  ];
  return `Rules: ${parts.join(" · ")}`;
}

/** The margin part of the rules line (empty in cash mode): mode, mark rule, fund, margin rates, CFD spread. */
function marginRulesText(rules: any, s: any): string[] {
  if (rules?.mode !== "margin") return [];
  const im = s.initialMarginBps ?? 10_000,
    mm = s.maintenanceMarginBps ?? Math.floor(im / 2);
  return [
    `margin mode (mark: ${String(rules.markRule ?? "last_trade").replace("_", " ")}, insurance fund ${cash(rules.insuranceFund ?? 0)})`,
    `margin ${bpsText(im)} (up to ${maxLeverageText(im)}) / maintenance ${bpsText(mm)}`,
    ...(s.kind === "cfd" ? [`CFD, half-spread ${qty(s.halfSpread ?? 0)} ticks`] : []),
  ];
}

const ADMIN_TEMPLATE = `
<div class="admin">
  <header class="topbar">
    <a class="brand" href="#/admin">marketroom · admin</a>
    <span class="spacer"></span>
    <a href="#/" class="small">player view</a>
    <button type="button" id="signout" class="ghost">Sign out</button>
  </header>
  <div id="admin-msg" class="msg" role="alert"></div>
  <main class="admin-grid">
    <div class="col">
      <section class="card">
        <h2>New round</h2>
        <form id="create-form" autocomplete="off">
          <label>Name <input name="name" value="Class round" required maxlength="200"></label>
          <label>Securities <select name="scenario" id="scenario"></select></label>
          <div id="custom-sec" class="row3" hidden>
            <label>Symbol <input name="symbol" value="ACME" maxlength="12"></label>
            <label>Tick size <input name="tick" value="0.01"></label>
            <label>Ref price <input name="ref" value="100.00" inputmode="decimal"></label>
          </div>
          <div class="row2">
            <label>Starting cash <input name="cash" value="100,000.00" inputmode="decimal"></label>
            <label>Starting lots (each security) <input name="lots" value="20" inputmode="numeric"></label>
          </div>
          <div class="row2">
            <label>Duration (minutes, empty = until ended) <input name="duration" value="10" inputmode="decimal"></label>
            <label class="check"><input type="checkbox" name="observers" checked> Allow observers</label>
          </div>
          <div class="row3">
            <label>Periods <input name="periods" type="number" min="1" max="100" value="1"></label>
            <label>Break between periods (s) <input name="breakSec" type="number" min="0" value="60"></label>
            <label class="check"><input type="checkbox" name="session"> First round of a new session</label>
          </div>
          <div class="row2">
            <label>Signal groups (comma separated, optional) <input name="groups" placeholder="e.g. informed, uninformed" spellcheck="false"></label>
            <label class="check"><input type="checkbox" name="takeover"> Bots take over absent players</label>
          </div>
          <fieldset class="rules" id="rules-set"><legend>Trading rules <span class="muted small">(every security; 0 = no limit)</span></legend>
            <div class="row3">
              <label>Taker fee (minor units/lot) <input name="takerFee" type="number" min="0" step="1" value="0"><small class="hint" data-money="takerFee"></small></label>
              <label>Maker rebate (minor units/lot) <input name="makerRebate" type="number" min="0" step="1" value="0"><small class="hint" data-money="makerRebate"></small></label>
              <label>Max order (lots) <input name="maxOrderQty" type="number" min="0" step="1" value="0"></label>
            </div>
            <div class="row3">
              <label>Position limit (lots) <input name="positionLimit" type="number" min="0" step="1" value="0"></label>
              <label class="check"><input type="checkbox" name="allowShort"> Allow short selling</label>
              <label>Short limit (lots) <input name="shortLimit" type="number" min="0" step="1" value="0"></label>
            </div>
            <div class="row3">
              <label>Gross limit (weighted lots) <input name="grossLimit" type="number" min="0" step="1" value="0"></label>
              <label>Net limit (weighted lots) <input name="netLimit" type="number" min="0" step="1" value="0"></label>
              <label>Limit weight (per lot) <input name="limitWeight" type="number" min="0" max="1000" step="1" value="1"></label>
            </div>
            <div class="row3">
              <label>Order rate: orders <input name="rateOrders" type="number" min="1" step="1" placeholder="default 50"></label>
              <label>per window (s) <input name="rateWindowSec" type="number" min="0.1" step="0.1" placeholder="default 1"></label>
              <label>Mark at the end <select name="markPrice"><option value="last_trade">last trade (else closing ref)</option><option value="reference">closing reference</option></select></label>
            </div>
            <div class="row3">
              <label>Who may trade <select name="trading"><option value="both">browser and programs (API)</option><option value="browser">browser only</option><option value="api">programs (API keys) only</option></select></label>
            </div>
          </fieldset>
          ${MARGIN_FIELDS_HTML}
          ${MARKET_TYPE_FIELDS_HTML}
          ${ROUND_HELP_FIELDS_HTML}
          <fieldset class="row3"><legend>Bots</legend>
            ${botCountFieldsHtml()}
          </fieldset>
          <button type="submit" class="primary" id="create">Create round</button>
        </form>
      </section>
      <section class="card"><h2>Games <small class="muted">updates every ${POLL_MS / 1000} s</small> <button type="button" id="refresh" class="ghost small">Refresh</button></h2><div id="games" class="scroll"></div></section>
    </div>
    <div class="col" id="game" hidden>
      <section class="card">
        <div id="game-head"></div>
        <div id="controls" class="controls">
          <button type="button" data-action="start" class="primary">Start</button>
          <label class="small">in <input id="countdown" type="number" min="0" max="86400" value="0" style="width:5em" aria-label="countdown seconds"> s</label>
          <button type="button" data-action="pause">Pause</button>
          <button type="button" data-action="resume">Resume</button>
          <button type="button" data-action="end" class="danger">End round</button>
          <span id="live-clock" class="clock num"></span>
          <span id="live-status" class="small muted"></span>
        </div>
      </section>
      <section class="card" id="session" hidden><h2>Session <button type="button" id="next-round" class="ghost small">Create next round</button></h2>
        <div id="session-info"></div><h3>Results</h3><div id="session-results" class="scroll"></div></section>
      <section class="card"><h2>Market</h2><div id="market"></div>${ADMIN_MARGIN_HTML}</section>
      <section class="card"><h2>Players</h2><div id="players" class="scroll"></div></section>
      <section class="card"><h2>Leaderboard</h2><div id="board" class="scroll"></div></section>
      <section class="card"><h2>Export</h2><div id="exports"></div></section>
      <section class="card"><h2>Share replay</h2><div id="share-replay"></div></section>
      <section class="card"><h2>API usage <small class="muted">programs with API keys (<a href="/api/v1/docs" target="_blank" rel="noopener">API reference</a>)</small></h2><div id="api-usage"><p class="muted">Loading…</p></div></section>
      <section class="card"><h2>API keys <small class="muted">any player's keys for programs</small></h2><div id="admin-api-keys-card"></div></section>
      <section class="card"><h2>Bots</h2><div id="bots"></div>
        <form id="bot-form" class="inline">
          <select name="kind">${botKindOptionsHtml()}</select>
          <input name="count" type="number" min="1" max="200" value="1" aria-label="count">
          <button type="submit">Add bots</button>
        </form>
      </section>
      <section class="card"><h2>News &amp; signals</h2>
        <form id="news-form" class="inline">
          <input name="headline" required maxlength="280" placeholder="Headline for every player" aria-label="headline">
          <select name="sec" class="sec-choice" aria-label="shifted security"></select>
          <input name="bps" type="number" min="-9000" max="10000" step="1" placeholder="shift bp" aria-label="shift in basis points">
          <button type="submit">Announce</button>
        </form>
        <form id="signal-form" class="inline" hidden>
          <select name="group" id="signal-group" aria-label="group"></select>
          <input name="text" required maxlength="280" placeholder="Private signal" aria-label="signal text">
          <select name="sec" class="sec-choice" aria-label="security"></select>
          <input name="value" inputmode="decimal" placeholder="value" aria-label="value">
          <button type="submit">Send signal</button>
        </form>
        <p id="takeover-box" class="small" hidden>Bot for a taken-over seat: <select id="takeover-kind">${botKindOptionsHtml()}</select></p>
        <div id="news-list" class="scroll"></div>
      </section>
    </div>
  </main>
</div>`;
