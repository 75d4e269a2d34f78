/**
 * Replay view (`#replay/<gameId>`, optional `?seq=N`): a finished (or running) round rebuilt from its
 * event log through the replay HTTP API (docs/replay.md). A timeline (range over seq 1..lastSeq, play /
 * pause, speed in events per tick), and at the chosen seq: the book ladder, the tape (fills up to seq),
 * the price chart (candles up to seq), the leaderboard at seq as the room showed it (valued by the server,
 * the same rule as the live room and the round end) and one followed player's open orders and P&L over time;
 * in a margin round also the margin events and the margin accounts at seq (margin-accounts.ts).
 * Token: the viewer token of a shared link (`?view=<token>`, no sign-in: the market only, no leaderboard
 * or player to follow; docs/replay.md "Shared replay links"), else the admin token of this tab, else this
 * tab's player token for that game.
 */
import "./replay.css";
import { LineSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { api, errorText } from "../api.ts";
import { PriceChart, SeriesStore } from "../charts.ts";
import { $, setHtml } from "../dom.ts";
import { cash, chartPrice, esc, px, qty, signClass, signedCash, time } from "../format.ts";
import { ladderHtml, type LadderLevel } from "../ladder.ts";
import { liquidationMarkers } from "./chart-markers.ts";
import { marginEventsHtml } from "./margin-events.ts";
import { marginAccountsHtml } from "./margin-accounts.ts";

const LEVELS = 10;
const TICK_MS = 250;
const SPEEDS = [1, 4, 16];

interface Sec {
  securityId: number;
  symbol: string;
  tickSize: string;
  scale: number;
  lastPrice: number;
}

/** The token to read this game's replay with: the admin's, else this tab's player session for it. */
export function replayToken(gameId: string): { token: string; playerId?: string; viewer?: boolean } | null {
  const view = new URLSearchParams(location.hash.split("?")[1] ?? "").get("view");
  if (view) return { token: view, viewer: true };
  const admin = sessionStorage.getItem("marketroom.admin");
  if (admin) return { token: admin };
  try {
    const s = JSON.parse(sessionStorage.getItem("marketroom.player") ?? "null");
    if (s?.gameId === gameId) return { token: s.token, playerId: s.playerId };
  } catch {
    /* none */
  }
  return null;
}

export function mountReplay(root: HTMLElement): void {
  const [path, query] = location.hash.replace(/^#\/?replay\/?/, "").split("?");
  const gameId = decodeURIComponent(path ?? "");
  const seq = Number(new URLSearchParams(query ?? "").get("seq") ?? "") || undefined;
  const token = replayToken(gameId);
  if (!gameId || !token) {
    root.innerHTML = `<div class="join-page"><div class="card join"><h1>Replay</h1><p class="msg reject">${gameId ? "Sign in as the admin or join this game in this tab to see its replay." : "No game given."}</p><p><a href="#/">Player view</a> · <a href="#/admin">Admin</a></p></div></div>`;
    return;
  }
  void new ReplayScreen(root, gameId, token.token, token.playerId, token.viewer).start(seq);
}

class ReplayScreen {
  private summary: any;
  private secs: Sec[] = [];
  private sid = 0;
  private seq = 1;
  private playing = 0;
  private speed = 1;
  private debounce = 0;
  private gen = 0;
  private loading = false;
  private follow = "";
  private timeline: any = null;
  private store = new SeriesStore();
  private price!: PriceChart;
  private pnlChart!: IChartApi;
  private pnlLine!: ISeriesApi<"Line">;

  constructor(
    private readonly root: HTMLElement,
    private readonly gameId: string,
    private readonly token: string,
    private readonly me?: string,
    private readonly viewer = false,
  ) {}

  private get<T = any>(path: string): Promise<T> {
    return api<T>("GET", `/api/games/${encodeURIComponent(this.gameId)}/replay${path}`, undefined, this.token);
  }

  async start(seq?: number): Promise<void> {
    this.root.innerHTML = TEMPLATE;
    try {
      this.summary = await this.get("");
    } catch (err) {
      setHtml($(this.root, "#r-msg"), esc(errorText(err)));
      return;
    }
    const s = this.summary;
    if (this.viewer) this.viewerMode();
    this.secs = s.securities.map((x: any) => ({
      securityId: x.securityId,
      symbol: x.symbol,
      tickSize: x.tickSize,
      scale: x.scale,
      lastPrice: 0,
    }));
    this.sid = this.secs[0]?.securityId ?? 0;
    const r = this.root;
    setHtml(
      $(r, "#r-name"),
      `${esc(s.game?.name ?? s.gameId)} <span class="phase-badge ${esc(s.phase)}">${esc(s.phase)}</span>`,
    );
    const range = $(r, "#r-range") as HTMLInputElement;
    range.min = "1";
    range.max = String(s.lastSeq);
    this.price = new PriceChart($(r, "#r-chart"), this.store);
    this.pnlChart = createChart($(r, "#r-pnl-chart"), {
      autoSize: true,
      layout: { attributionLogo: false, fontSize: 11 },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    this.pnlLine = this.pnlChart.addSeries(LineSeries, { color: "#2563eb", lineWidth: 2, priceLineVisible: false });
    // a player may follow only themselves (the server shows a player only their own inventory and timeline)
    const players: any[] = this.me ? s.players.filter((p: any) => p.playerId === this.me) : s.players;
    const pick = $(r, "#r-follow") as HTMLSelectElement;
    pick.innerHTML =
      `<option value="">— nobody —</option>` +
      players.map((p) => `<option value="${esc(p.playerId)}">${esc(p.name)}</option>`).join("");
    const mine = this.me && players.length ? this.me : "";
    this.wire();
    if (mine) {
      pick.value = mine;
      void this.setFollow(mine);
    }
    this.goto(seq ?? s.lastSeq, true);
    (window as any).marketroom = { replay: this };
  }

  /** A shared link: the market only (the server refuses accounts to it), so no leaderboard or player to follow. */
  private viewerMode(): void {
    for (const sel of [".entry", ".board-card"]) this.root.querySelector<HTMLElement>(sel)!.style.display = "none";
    $(this.root, ".timeline").insertAdjacentHTML(
      "afterend",
      `<p class="banner note small replay-viewer-note" id="r-viewer-note">Shared replay: the round's market (book, trades, prices). Players' names and accounts are not shown.</p>`,
    );
  }

  private wire(): void {
    const r = this.root;
    const range = $(r, "#r-range") as HTMLInputElement;
    range.addEventListener("input", () => {
      this.stop();
      this.goto(Number(range.value), false);
    });
    range.addEventListener("change", () => this.goto(Number(range.value), true));
    $(r, "#r-play").addEventListener("click", () => (this.playing ? this.stop() : this.play()));
    $(r, "#r-start").addEventListener("click", () => {
      this.stop();
      this.goto(1, true);
    });
    $(r, "#r-end").addEventListener("click", () => {
      this.stop();
      this.goto(this.summary.lastSeq, true);
    });
    $(r, "#r-back").addEventListener("click", () => {
      this.stop();
      this.goto(this.seq - 1, true);
    });
    $(r, "#r-fwd").addEventListener("click", () => {
      this.stop();
      this.goto(this.seq + 1, true);
    });
    $(r, "#r-speed").addEventListener("change", (ev) => {
      this.speed = Number((ev.target as HTMLSelectElement).value) || 1;
    });
    $(r, "#r-follow").addEventListener("change", (ev) => void this.setFollow((ev.target as HTMLSelectElement).value));
    $(r, "#r-secs").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-sid]");
      if (!b) return;
      this.sid = Number(b.dataset.sid);
      this.goto(this.seq, true);
    });
  }

  private play(): void {
    if (this.seq >= this.summary.lastSeq) this.goto(1, true);
    $(this.root, "#r-play").textContent = "Pause";
    this.playing = window.setInterval(() => {
      if (this.seq >= this.summary.lastSeq) {
        this.stop();
        return;
      }
      if (this.loading) return; // wait for the previous position to be drawn
      this.goto(this.seq + this.speed, true);
    }, TICK_MS);
  }

  private stop(): void {
    if (!this.playing) return;
    clearInterval(this.playing);
    this.playing = 0;
    $(this.root, "#r-play").textContent = "Play";
  }

  /** Moves to `seq`; loads at once (`now`) or after the scrubber rests for 150 ms. */
  private goto(seq: number, now: boolean): void {
    this.seq = Math.max(1, Math.min(this.summary.lastSeq, Math.round(seq)));
    ($(this.root, "#r-range") as HTMLInputElement).value = String(this.seq);
    setHtml($(this.root, "#r-seq"), `seq <b class="num">${this.seq}</b> / ${this.summary.lastSeq}`);
    clearTimeout(this.debounce);
    if (now) void this.load();
    else this.debounce = window.setTimeout(() => void this.load(), 150);
  }

  private async load(): Promise<void> {
    const gen = ++this.gen;
    const seq = this.seq;
    this.loading = true;
    try {
      const margin = this.summary.game?.mode === "margin";
      const [books, page, prices, board, accounts] = await Promise.all([
        Promise.all(
          this.secs.map((s) =>
            this.get(`/book/${s.securityId}?seq=${seq}&depth=${s.securityId === this.sid ? 50 : 1}`),
          ),
        ),
        this.get(`/events?from=${Math.max(1, seq - 999)}&to=${seq}&limit=1000`),
        this.get(`/prices/${this.sid}?bucketMs=5000&to=${seq}`),
        this.viewer ? { leaderboard: [] } : this.get(`/leaderboard?seq=${seq}`), // a shared link sees no accounts
        margin ? this.get(`/margin?seq=${seq}`) : null, // margin accounts at seq (the server decides whose)
      ]);
      if (gen !== this.gen) return; // a newer position was asked for meanwhile
      this.draw(seq, books, page.events, prices.candles, board.leaderboard);
      this.drawAccounts(accounts);
      setHtml($(this.root, "#r-msg"), "");
    } catch (err) {
      if (gen === this.gen) setHtml($(this.root, "#r-msg"), esc(errorText(err)));
    } finally {
      if (gen === this.gen) this.loading = false;
    }
  }

  private async setFollow(playerId: string): Promise<void> {
    this.follow = playerId;
    this.timeline = null;
    if (playerId) {
      try {
        this.timeline = await this.get(`/players/${encodeURIComponent(playerId)}/timeline`);
      } catch (err) {
        setHtml($(this.root, "#r-msg"), esc(errorText(err)));
      }
    }
    const pts = (this.timeline?.points ?? []) as any[];
    const line: { time: UTCTimestamp; value: number }[] = [];
    for (const p of pts) {
      const t = Math.floor(p.ts / 1000) as UTCTimestamp,
        v = p.pnl / 100;
      if (line.length && line.at(-1)!.time === t) line.at(-1)!.value = v;
      else line.push({ time: t, value: v });
    }
    this.pnlLine.setData(line);
    this.pnlChart.timeScale().fitContent();
    if (this.summary) void this.load();
  }

  /** The margin accounts card at seq (margin rounds; hidden otherwise). */
  private drawAccounts(view: any): void {
    const card = this.root.querySelector<HTMLElement>("#r-accounts-card")!;
    card.hidden = !view;
    if (!view) return;
    card.dataset.seq = String(view.seq);
    const secs = new Map(this.secs.map((s) => [s.securityId, s]));
    setHtml($(this.root, "#r-accounts"), marginAccountsHtml(view, secs, this.follow));
  }

  private draw(seq: number, books: any[], events: any[], candles: any[], rows: any[]): void {
    const r = this.root;
    const sec = this.secs.find((s) => s.securityId === this.sid)!;
    const ts = sec.tickSize;
    for (const [i, b] of books.entries()) this.secs[i]!.lastPrice = b.lastPrice;
    const book = books.find((b) => b.securityId === this.sid);
    const at = events.at(-1);
    setHtml($(r, "#r-time"), at ? `${time(at.ts)} · <span class="muted">${esc(at.type)}</span>` : "");
    setHtml(
      $(r, "#r-secs"),
      this.secs
        .map(
          (s) =>
            `<button type="button" data-sid="${s.securityId}" class="${s.securityId === this.sid ? "active" : ""}">${esc(s.symbol)} <span class="num">${px(s.lastPrice, s.tickSize)}</span></button>`,
        )
        .join(""),
    );

    // ladder: the same table as the player's, levels with the followed player's orders marked
    const own = new Set<string>();
    for (const side of ["bids", "asks"] as const)
      for (const o of book.orders[side]) if (this.follow && o.playerId === this.follow) own.add(`${o.side}:${o.price}`);
    const cum = (ls: any[]) => {
      let t = 0;
      return ls
        .slice(0, LEVELS)
        .map((l): LadderLevel => ({ price: l.price, lots: l.qty, total: (t += l.qty), orders: l.orders }));
    };
    const bids = cum(book.bids),
      asks = cum(book.asks);
    setHtml($(r, "#r-ladder"), ladderHtml(bids, asks, own, ts));

    // tape: fills up to seq, newest first
    const fills = events
      .filter((e) => e.type === "fill" && e.securityId === this.sid)
      .reverse()
      .slice(0, 30);
    setHtml(
      $(r, "#r-tape"),
      `<table class="tape"><thead><tr><th>Time</th><th>Seq</th><th>Price</th><th>Lots</th></tr></thead><tbody>${
        fills
          .map(
            (t) =>
              `<tr class="${t.aggressor}"><td class="muted">${time(t.ts)}</td><td class="num muted">${t.seq}</td><td class="num price">${px(t.price, ts)}</td><td class="num">${qty(t.qty)}</td></tr>`,
          )
          .join("") || `<tr><td colspan="4" class="muted center">no trades yet</td></tr>`
      }</tbody></table>`,
    );
    setHtml(
      $(r, "#r-stats"),
      [
        ["Last", px(book.lastPrice, ts)],
        ["Volume", qty(book.volume)],
        ["Bid", px(bids[0]?.price ?? 0, ts)],
        ["Ask", px(asks[0]?.price ?? 0, ts)],
      ]
        .map(([k, v]) => `<div><span class="muted">${k}</span><b class="num">${v}</b></div>`)
        .join(""),
    );

    // chart: 5 s candles of the fills up to seq
    this.store.candles.set(
      this.sid,
      candles.map((c) => ({
        time: Math.floor(c.bucket / 1000) as UTCTimestamp,
        open: chartPrice(c.open, ts),
        high: chartPrice(c.high, ts),
        low: chartPrice(c.low, ts),
        close: chartPrice(c.close, ts),
      })),
    );
    this.price.show(this.sid, ts);
    const times = (this.store.candles.get(this.sid) ?? []).map((c) => c.time);
    this.price.setMarkers(liquidationMarkers(events, this.sid, times));

    // margin rounds: margin calls, liquidation orders and fund transfers up to seq, in words
    const marginCard = r.querySelector<HTMLElement>("#r-margin-card")!;
    marginCard.hidden = this.summary.game?.mode !== "margin";
    if (!marginCard.hidden) {
      const names = new Map<string, string>((this.summary.players ?? []).map((p: any) => [p.playerId, p.name]));
      setHtml(
        $(r, "#r-margin"),
        marginEventsHtml(events, { names, secs: new Map(this.secs.map((s) => [s.securityId, s])) }),
      );
    }

    // leaderboard at seq, as the room showed it (the server values it: GET .../replay/leaderboard, docs/replay.md)
    const mark = new Map(this.secs.map((s) => [s.securityId, s]));
    setHtml(
      $(r, "#r-board"),
      rows.length
        ? `<table class="board"><thead><tr><th>#</th><th>Name</th><th>Equity</th><th>P&amp;L</th></tr></thead><tbody>${rows
            .map(
              (l) =>
                `<tr class="${l.playerId === this.follow ? "own" : ""}"><td class="num">${l.ranked ? l.rank : "—"}</td><td>${esc(l.name)}${l.bot ? ` <span class="muted">bot</span>` : ""}</td><td class="num">${cash(l.equity)}</td><td class="num ${signClass(l.pnl)}">${signedCash(l.pnl)}</td></tr>`,
            )
            .join("")}</tbody></table>`
        : `<p class="muted">No players yet.</p>`,
    );

    // the followed player: open orders at seq (every security's book), P&L at seq
    if (!this.follow) {
      setHtml($(r, "#r-player"), `<p class="muted">Pick a player to follow their orders and P&amp;L.</p>`);
      return;
    }
    const orders = books.flatMap((b) => [...b.orders.bids, ...b.orders.asks]).filter((o) => o.playerId === this.follow);
    const pt = ((this.timeline?.points ?? []) as any[]).filter((p) => p.seq <= seq).at(-1);
    const me = rows.find((x) => x.playerId === this.follow);
    const symOf = (id: number) => mark.get(id);
    setHtml(
      $(r, "#r-player"),
      `<dl class="kv"><dt>Equity at seq</dt><dd class="num">${me ? cash(me.equity) : "—"}</dd>
      <dt>P&amp;L at seq</dt><dd class="num ${signClass(me?.pnl ?? 0)}" id="r-pnl">${me?.pnl === undefined ? "—" : signedCash(me.pnl)}</dd>
      <dt>Last change</dt><dd class="small">${pt ? `seq ${pt.seq} (${esc(pt.cause)})` : "—"}</dd></dl>
      <h3>Open orders at seq</h3>${
        orders.length
          ? `<table><thead><tr><th>Sec</th><th>Side</th><th>Price</th><th>Open</th><th>Qty</th></tr></thead><tbody>${orders
              .map((o) => {
                const s = symOf(o.securityId);
                return `<tr class="${o.side}"><td>${esc(s?.symbol ?? o.securityId)}</td><td class="side">${o.side}</td><td class="num">${px(o.price, s?.tickSize ?? "1")}</td><td class="num">${qty(o.amount ?? o.qty)}</td><td class="num muted">${qty(o.qty)}</td></tr>`;
              })
              .join("")}</tbody></table>`
          : `<p class="muted">No open orders.</p>`
      }`,
    );
  }
}

const TEMPLATE = `
<div class="replay">
  <header class="topbar">
    <a class="brand" href="#/">marketroom · replay</a>
    <span id="r-name" class="game-name"></span>
    <span class="spacer"></span>
    <a href="#/admin" class="small">admin</a>
  </header>
  <section class="card timeline">
    <div class="controls">
      <button type="button" id="r-start" title="First event">First</button>
      <button type="button" id="r-back" title="One event back">◀</button>
      <button type="button" id="r-play" class="primary">Play</button>
      <button type="button" id="r-fwd" title="One event on">▶</button>
      <button type="button" id="r-end" title="Last event">Last</button>
      <select id="r-speed" aria-label="Speed">${SPEEDS.map((s) => `<option value="${s}">${s}× (events per tick)</option>`).join("")}</select>
      <span id="r-seq" class="small"></span>
      <span id="r-time" class="small"></span>
    </div>
    <input type="range" id="r-range" min="1" max="1" value="1" aria-label="Position in the round (seq)">
    <div id="r-msg" class="msg reject" role="alert"></div>
  </section>
  <nav id="r-secs" class="tabs" aria-label="Securities"></nav>
  <main class="grid replay-grid">
    <section class="card book"><h2>Order book</h2><div id="r-ladder"></div></section>
    <section class="card market"><div id="r-stats" class="stats"></div><div id="r-chart" class="chart price"></div><h2>Trades</h2><div id="r-tape" class="scroll"></div></section>
    <section class="card entry"><h2>Follow <select id="r-follow" aria-label="Player to follow"></select></h2><div id="r-player"></div><h3>P&amp;L over time</h3><div id="r-pnl-chart" class="chart depth"></div></section>
    <section class="card board-card"><h2>Leaderboard at seq</h2><div id="r-board" class="scroll"></div></section>
    <section class="card margin-card" id="r-margin-card" hidden><h2>Margin calls and liquidations</h2><div id="r-margin" class="scroll"></div></section>
    <section class="card margin-card" id="r-accounts-card" hidden><h2>Margin accounts at seq</h2><div id="r-accounts" class="scroll"></div></section>
  </main>
</div>`;
