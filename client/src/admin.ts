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
 *
 * This file holds the page's wiring: sign-in, the screen's state, polling, the room session and the
 * commands. The parts it draws live in their own files: round-form.ts (the create form), admin-views.ts
 * (games list, game head, exports, players, market), admin-rules-text.ts (the rules line),
 * admin-session.ts (codes, session card, next round), admin-bots.ts (bots card), admin-drivers.ts (news,
 * signals, groups, takeover), admin-margin.ts.
 */
import type { Room } from "@colyseus/sdk";
import { api, errorText } from "./api.ts";
import { Connection } from "./conn.ts";
import { $, batched, setHtml } from "./dom.ts";
import { esc } from "./format.ts";
import { leaderboardTable } from "./leaderboard-table.ts";
import { clockText } from "./player-texts.ts";
import { downloadExport, downloadExportZip } from "./export.ts";
import { drawShareReplay } from "./share.ts";
import { apiUsageHtml, fetchApiUsage } from "./api-usage.ts";
import { AdminApiKeys } from "./api-keys.ts";
import { ADMIN_MARGIN_HTML, drawAdminMargin } from "./admin-margin.ts";
import { attachPrivateState } from "@marketroom/shared";
import { ROUND_FORM_HTML, createGameBody, scenarioOptionsHtml, syncScenario, wireRoundForm } from "./round-form.ts";
import { exportsHtml, gameHeadHtml, gamesTableHtml, marketTableHtml, playersTableHtml } from "./admin-views.ts";
import { codesHtml, nextRoundBody, sessionInfoHtml, sessionResultsHtml } from "./admin-session.ts";
import { BOTS_CARD_HTML, botFills, botsTableHtml } from "./admin-bots.ts";
import { DRIVERS_CARD_HTML, drawDriverForms, driverCells, newsListHtml, wireDrivers } from "./admin-drivers.ts";

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
      $(this.root, "#scenario").innerHTML = scenarioOptionsHtml(scenarios);
      syncScenario(this.root);
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

  private wire(): void {
    const r = this.root;
    wireRoundForm(r, (m, p, b) => this.call(m, p, b));
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
    wireDrivers(r, {
      send: (what, method, path, body) => this.sendDriver(what, method, path, body),
      state: () => this.room?.state,
      detail: () => this.detail,
      reject: (text) => this.note(text, "reject"),
    });
  }

  /** Sends a market driver's command about the selected game, then reloads its drivers (groups, takeovers). */
  private async sendDriver(what: string, method: string, path: string, body?: unknown): Promise<void> {
    if (!this.gameId) return;
    const game = encodeURIComponent(this.gameId);
    try {
      await this.call(method, `/api/games/${game}${path}`, body);
      this.note(`${what}: done`, "ok");
      this.drivers = await this.call("GET", `/api/games/${game}/drivers`).catch(() => this.drivers);
      drawDriverForms(this.root, this.detail, this.drivers);
    } catch (err) {
      this.note(`${what} — ${errorText(err)}`, "reject");
    }
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

  /** The bots table (admin-bots.ts). */
  private drawBots(): void {
    setHtml($(this.root, "#bots"), botsTableHtml(this.botList, botFills(this.room?.state, this.gameId)));
  }

  /** The join code students need (admin-session.ts). */
  private drawCodes(): void {
    if (this.detail) setHtml($(this.root, "#codes"), codesHtml(this.detail, this.sessionCode));
  }

  /** Export buttons and the share-replay box of the selected round. */
  private drawExports(): void {
    const d = this.detail;
    if (!d) return;
    const ended = d.phase === "ended";
    setHtml($(this.root, "#exports"), exportsHtml(ended));
    drawShareReplay($(this.root, "#share-replay"), d.gameId, this.token, ended);
  }

  private async refreshList(): Promise<void> {
    try {
      const { games } = await this.call("GET", "/api/games?limit=50");
      setHtml($(this.root, "#games"), gamesTableHtml(games, this.gameId));
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
    try {
      const body = await createGameBody(this.root, form, (m, p, b) => this.call(m, p, b));
      let game: any;
      if (new FormData(form).get("session") === "on") {
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
    setHtml($(this.root, "#game-head"), gameHeadHtml(d));
    this.drawCodes();
    this.drawControls(d.phase);
    this.drawExports();
    void this.drawSession();
    drawDriverForms(this.root, d, this.drivers);
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
      if (this.detail === d && this.sessionCode !== s.joinCode) {
        this.sessionCode = s.joinCode;
        this.drawCodes();
      }
      setHtml($(this.root, "#session-info"), sessionInfoHtml(s, d));
      ($(this.root, "#next-round") as HTMLButtonElement).disabled = !!d.nextGameId;
      setHtml($(this.root, "#session-results"), sessionResultsHtml(res));
    } catch (err) {
      this.note(errorText(err), "reject");
    }
  }

  /** Creates the session's next round with the selected round's settings and selects it. */
  private async nextRound(): Promise<void> {
    const d = this.detail;
    if (!d?.sessionId) return;
    try {
      const game = await this.call("POST", `/api/sessions/${encodeURIComponent(d.sessionId)}/rounds`, nextRoundBody(d));
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
    setHtml(
      $(this.root, "#players"),
      playersTableHtml(st, (p) => driverCells(p, this.detail, this.drivers)),
    );
    setHtml($(this.root, "#news-list"), newsListHtml(st));
    setHtml($(this.root, "#board"), leaderboardTable([...st.leaderboard], undefined, false, st.rules));
    drawAdminMargin(this.root, st);
    setHtml($(this.root, "#market"), marketTableHtml(st));
  }
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
${ROUND_FORM_HTML}
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
${BOTS_CARD_HTML}
${DRIVERS_CARD_HTML}
    </div>
  </main>
</div>`;
