/**
 * Projector page for a classroom screen (issue 16; docs/client.md "Projector"):
 * `#/projector/<gameId>?code=<joinCode>` shows the join code in big letters (from the URL: the admin view's
 * Projector link puts it there, since the room state does not carry it), the phase and clock, a price chart
 * per security with its reference, and the leaderboard (top PROJECTOR_ROWS rows; bots apart or hidden as the
 * round says).
 *
 * It joins the room as an observer (`{ observer: true }`, no token): the server then sends only public state
 * (book, trades, clock, leaderboard), never a player's cash, positions, orders or fills. A round created with
 * `allowObservers: false` refuses the observer, and the page says so; no admin token is ever put in the URL.
 */
import { Client, type Room } from "@colyseus/sdk";
import { PriceChart, SeriesStore } from "./charts.ts";
import { $, batched, setHtml } from "./dom.ts";
import { esc, px } from "./format.ts";
import { leaderboardTable, pointsRuleText } from "./leaderboard-table.ts";
import { clockText } from "./player-texts.ts";
import { fetchMarketInfo, MARKET_POLL_MS, marketPanelHtml, type MarketInfoAt } from "./projector-market.ts";

/** Leaderboard rows on the projector (a classroom screen shows the top of the board). */
export const PROJECTOR_ROWS = 12;

/** The game id and join code of a projector URL, or null. */
export function projectorTarget(hash: string): { gameId: string; code: string } | null {
  const m = /^#\/?projector\/([^?]+)(?:\?(.*))?$/.exec(hash);
  if (!m) return null;
  return { gameId: decodeURIComponent(m[1]!), code: new URLSearchParams(m[2] ?? "").get("code") ?? "" };
}

/** Mounts the projector view for the game in the URL. */
export function mountProjector(root: HTMLElement): void {
  const t = projectorTarget(location.hash);
  if (!t) {
    setHtml(
      root,
      `<p class="center">No game in the address: use <code>#/projector/&lt;gameId&gt;?code=&lt;code&gt;</code>.</p>`,
    );
    return;
  }
  new Projector(root, t.gameId, t.code).start();
}

class Projector {
  private store = new SeriesStore();
  private charts = new Map<number, PriceChart>();
  private room: Room<any, any> | undefined;
  private render = batched(() => this.draw());
  /** The market type's public facts (projector-market.ts), once fetched. */
  private market: MarketInfoAt | undefined;

  constructor(
    private root: HTMLElement,
    private gameId: string,
    private code: string,
  ) {}

  start(): void {
    setHtml(
      this.root,
      `<div class="projector">
      <header class="proj-head">
        <div class="proj-join"><span class="muted">Join at <b>${esc(location.origin)}</b> with code</span><div id="proj-code" class="proj-code">${esc(this.code || "—")}</div></div>
        <div class="proj-status"><div id="proj-name" class="proj-name"></div><div id="proj-phase" class="phase-badge"></div><div id="proj-clock" class="proj-clock num"></div></div>
      </header>
      <div id="proj-market" class="proj-market"></div>
      <div id="proj-msg" class="banner" hidden></div>
      <main class="proj-grid"><section id="proj-charts" class="proj-charts"></section>
        <section class="card proj-board"><h2>Leaderboard</h2><div id="proj-board"></div><p id="proj-points" class="small muted"></p></section></main></div>`,
    );
    window.setInterval(() => this.drawClock(), 1000);
    const poll = () =>
      fetchMarketInfo(this.gameId).then(
        (m) => {
          this.market = m;
          this.render();
        },
        () => undefined,
      );
    void poll();
    window.setInterval(poll, MARKET_POLL_MS);
    void this.join();
  }

  /** Joins as an observer; retries while the server cannot be reached, stops on a refusal. */
  private async join(): Promise<void> {
    const sdk = new Client(location.origin);
    for (let attempt = 1; ; attempt++) {
      try {
        this.room = await sdk.joinOrCreate("game", { gameId: this.gameId, observer: true });
        $(this.root, "#proj-msg").hidden = true;
        this.room.onStateChange(() => this.render());
        this.room.onLeave(() => {
          this.say("Connection lost; reconnecting…");
          void this.join();
        });
        this.render();
        return;
      } catch (err) {
        const e = err as { code?: number; message?: string };
        if (e.code === 403 || e.code === 401) {
          this.say("This round does not allow observers (allowObservers is off), so it cannot be projected.");
          return;
        }
        if (e.code === 404 || e.code === 400) {
          this.say(`No such game: ${this.gameId}.`);
          return;
        }
        this.say(`Cannot reach the game server; retrying (${attempt})…`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  private say(text: string): void {
    const el = $(this.root, "#proj-msg");
    el.textContent = text;
    el.hidden = false;
  }

  private drawClock(): void {
    const st = this.room?.state;
    if (!st?.clock) return;
    $(this.root, "#proj-clock").textContent = clockText(st.phase, st.clock, Date.now());
    this.drawMarket();
  }

  /** The market-type panel (call countdown, fundamental value, claims), redrawn with the clock. */
  private drawMarket(): void {
    if (!this.market) return;
    const first = [...(this.room?.state?.securities?.values() ?? [])].sort(
      (a: any, b: any) => a.securityId - b.securityId,
    )[0];
    const last = first?.lastPrice ? px(first.lastPrice, first.tickSize) : "";
    setHtml($(this.root, "#proj-market"), marketPanelHtml(this.market, Date.now(), last));
  }

  private draw(): void {
    const st = this.room?.state;
    if (!st?.securities || !st.leaderboard) return;
    $(this.root, "#proj-name").textContent = st.name;
    const phase = $(this.root, "#proj-phase");
    phase.textContent = st.phase;
    phase.className = `phase-badge ${st.phase}`;
    this.drawClock();
    const now = Date.now();
    const host = $(this.root, "#proj-charts");
    const secs = [...st.securities.values()].sort((a: any, b: any) => a.securityId - b.securityId);
    for (const s of secs) {
      this.store.addTrades(s.securityId, s.tickSize, [...s.trades]);
      // a dividend round's dashed line is the fundamental value (minor units per lot -> ticks), else the reference
      const fundamental = this.market?.info.dividends?.fundamental;
      this.store.addRef(
        s.securityId,
        s.tickSize,
        fundamental !== undefined ? Math.floor(fundamental / (s.scale || 1)) : s.refPrice,
        now,
      );
      let chart = this.charts.get(s.securityId);
      if (!chart) {
        host.insertAdjacentHTML(
          "beforeend",
          `<div class="card proj-sec" data-sec="${s.securityId}"><h2><span class="sym"></span> <span class="last num"></span></h2><div class="chart proj-chart"></div></div>`,
        );
        const card = host.querySelector(`[data-sec="${s.securityId}"]`)!;
        chart = new PriceChart(card.querySelector(".proj-chart") as HTMLElement, this.store);
        this.charts.set(s.securityId, chart);
      }
      const card = host.querySelector(`[data-sec="${s.securityId}"]`)!;
      card.querySelector(".sym")!.textContent = s.symbol;
      card.querySelector(".last")!.textContent = s.lastPrice
        ? px(s.lastPrice, s.tickSize)
        : `ref ${px(s.refPrice, s.tickSize)}`;
      chart.show(s.securityId, s.tickSize);
    }
    const rows = [...st.leaderboard].slice(0, PROJECTOR_ROWS);
    setHtml($(this.root, "#proj-board"), leaderboardTable(rows, undefined, true, st.rules));
    $(this.root, "#proj-points").textContent = pointsRuleText(st.rules);
  }
}
