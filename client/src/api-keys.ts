/**
 * The player view's "API keys" panel: create, list and revoke the player's keys for trading with a
 * program (docs/algo-trading.md). A new key's text is shown once, right after it is made; lists never
 * hold it. Uses the player token; the list loads when the panel is first opened.
 *
 * Also the admin view's "API keys" card (AdminApiKeys): any player's keys of a round, made and revoked
 * with the admin token.
 */
import { api, errorText } from "./api.ts";
import { $, setHtml } from "./dom.ts";
import { esc, time } from "./format.ts";

interface KeyInfo {
  keyId: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  expiresAt?: number | null;
  rateLimit: { requests: number; windowMs: number };
}

/** Mounts the panel into `el` for the player with `token`. */
export function mountApiKeys(el: HTMLElement, token: string): void {
  setHtml(
    el,
    `<details id="api-keys-box"><summary><h2>API keys <small class="muted">trade with a program</small></h2></summary>
    <p class="muted small">A key lets a program trade for you in this round through <code>/api/v1</code>
      (<a href="/api/v1/docs" target="_blank" rel="noopener">API reference</a>,
      <a href="/api/v1/openapi.json" target="_blank" rel="noopener">OpenAPI</a>). Keep it secret; revoke it when done.</p>
    <form id="api-key-form" class="row" autocomplete="off">
      <input name="name" maxlength="64" placeholder="Key name (optional)" spellcheck="false">
      <button type="submit" class="primary small">Create key</button>
    </form>
    <div id="api-key-new" role="status"></div>
    <div id="api-key-msg" class="msg reject" role="alert"></div>
    <div id="api-key-list"><p class="muted">Loading…</p></div>
  </details>`,
  );
  const box = $(el, "#api-keys-box") as HTMLDetailsElement;
  const form = $(el, "#api-key-form") as HTMLFormElement;
  const msg = (text: string) => {
    $(el, "#api-key-msg").textContent = text;
  };
  let loaded = false;

  const load = async () => {
    try {
      const { keys } = await api<{ keys: KeyInfo[] }>("GET", "/api/v1/keys", undefined, token);
      setHtml($(el, "#api-key-list"), listHtml(keys));
      msg("");
    } catch (err) {
      msg(errorText(err));
    }
  };
  box.addEventListener("toggle", () => {
    if (box.open && !loaded) {
      loaded = true;
      void load();
    }
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector("button")!;
    btn.disabled = true;
    try {
      const name = String(new FormData(form).get("name") ?? "").trim();
      const k = await api<KeyInfo & { key: string }>("POST", "/api/v1/keys", { name }, token);
      setHtml(
        $(el, "#api-key-new"),
        `<div class="msg ok"><p><b>New key${k.name ? ` “${esc(k.name)}”` : ""}</b> — copy it now, it is not shown again:</p>
        <p><code id="api-key-text" class="select-all">${esc(k.key)}</code> <button type="button" id="api-key-copy" class="ghost small">Copy</button></p></div>`,
      );
      $(el, "#api-key-copy").addEventListener("click", () => {
        void navigator.clipboard?.writeText(k.key);
      });
      form.reset();
      await load();
    } catch (err) {
      msg(errorText(err));
    } finally {
      btn.disabled = false;
    }
  });

  $(el, "#api-key-list").addEventListener("click", async (ev) => {
    const b = (ev.target as HTMLElement).closest("button[data-revoke]") as HTMLButtonElement | null;
    if (!b) return;
    b.disabled = true;
    try {
      await api("DELETE", `/api/v1/keys/${encodeURIComponent(b.dataset.revoke!)}`, undefined, token);
      setHtml($(el, "#api-key-new"), "");
      await load();
    } catch (err) {
      msg(errorText(err));
      b.disabled = false;
    }
  });
}

/** A key past its expiresAt (docs/algo-trading.md "Expiring keys"): it no longer works. */
const expired = (k: KeyInfo) => k.expiresAt != null && k.expiresAt <= Date.now();

function listHtml(keys: KeyInfo[]): string {
  if (!keys.length) return `<p class="muted">No keys yet.</p>`;
  const rows = keys
    .map(
      (
        k,
      ) => `<tr data-key="${esc(k.keyId)}"><td><code>${esc(k.keyId)}</code></td><td>${esc(k.name)}</td><td>${time(k.createdAt)}</td>
    <td>${k.revokedAt ? `<span class="muted">revoked</span>` : expired(k) ? `<span class="muted">expired</span>` : `${k.rateLimit.requests}/${k.rateLimit.windowMs} ms${k.expiresAt ? ` <span class="muted small">until ${time(k.expiresAt)}</span>` : ""}`}</td>
    <td>${k.revokedAt ? "" : `<button type="button" class="ghost small" data-revoke="${esc(k.keyId)}">Revoke</button>`}</td></tr>`,
    )
    .join("");
  return `<table class="api-keys"><thead><tr><th>Key</th><th>Name</th><th>Created</th><th>Limit</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A key as the admin's list shows it (GET /api/v1/admin/games/:id/keys). */
interface AdminKeyInfo extends KeyInfo {
  playerId: string;
  scope: "round" | "session";
  createdBy: "player" | "admin";
  lastUsedAt: number | null;
  usage: { requests: number };
}

/**
 * The admin view's "API keys" card: every key of the selected round (and the session keys of its
 * session), per player, with when it was made, its last request, its scope and whether it was revoked;
 * the admin makes a key for any player (its text shown once, right after) and revokes any key. Refreshed
 * with the admin view's other HTTP tables (`refresh`), redrawn only when something changed.
 */
export class AdminApiKeys {
  private gameId = "";
  private drawn = "";
  private names = new Map<string, string>();

  constructor(
    private readonly el: HTMLElement,
    private readonly token: string,
  ) {
    setHtml(
      el,
      `<form id="admin-key-form" class="row" autocomplete="off">
        <select name="player" aria-label="player" required></select>
        <input name="name" maxlength="64" placeholder="Key name (optional)" spellcheck="false">
        <button type="submit" class="small">Create key</button>
      </form>
      <div id="admin-key-new" role="status"></div>
      <div id="admin-key-msg" class="msg reject" role="alert"></div>
      <div id="admin-key-list"><p class="muted">Loading…</p></div>`,
    );
    $(el, "#admin-key-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.create(ev.currentTarget as HTMLFormElement);
    });
    $(el, "#admin-key-list").addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest("button[data-revoke]") as HTMLButtonElement | null;
      if (b) void this.revoke(b);
    });
  }

  /** Shows round `gameId` with its players (id and name, for the form and the list). */
  async refresh(gameId: string, players: { playerId: string; name: string }[]): Promise<void> {
    if (gameId !== this.gameId) {
      this.gameId = gameId;
      this.drawn = "";
      setHtml($(this.el, "#admin-key-new"), "");
      this.msg("");
    }
    this.names = new Map(players.map((p) => [p.playerId, p.name]));
    this.drawPlayers(players);
    try {
      const { keys } = await api<{ keys: AdminKeyInfo[] }>("GET", this.path("/keys"), undefined, this.token);
      if (gameId !== this.gameId) return;
      const html = this.listHtml(keys);
      if (html !== this.drawn) setHtml($(this.el, "#admin-key-list"), (this.drawn = html));
    } catch (err) {
      this.msg(errorText(err));
    }
  }

  private path(rest: string): string {
    return `/api/v1/admin/games/${encodeURIComponent(this.gameId)}${rest}`;
  }

  private msg(text: string): void {
    $(this.el, "#admin-key-msg").textContent = text;
  }

  /** The form's player choices, keeping the one chosen. */
  private drawPlayers(players: { playerId: string; name: string }[]): void {
    const select = $(this.el, "#admin-key-form select") as HTMLSelectElement;
    const html = players.map((p) => `<option value="${esc(p.playerId)}">${esc(p.name)}</option>`).join("");
    if (select.dataset.drawn === html) return;
    const chosen = select.value;
    setHtml(select, html);
    select.dataset.drawn = html;
    if (players.some((p) => p.playerId === chosen)) select.value = chosen;
  }

  private async create(form: HTMLFormElement): Promise<void> {
    const btn = form.querySelector("button")!;
    btn.disabled = true;
    try {
      const data = new FormData(form);
      const playerId = String(data.get("player") ?? "");
      const name = String(data.get("name") ?? "").trim();
      const k = await api<KeyInfo & { key: string }>(
        "POST",
        this.path(`/players/${encodeURIComponent(playerId)}/keys`),
        { name },
        this.token,
      );
      setHtml(
        $(this.el, "#admin-key-new"),
        `<div class="msg ok"><p><b>New key for ${esc(this.names.get(playerId) ?? playerId)}${k.name ? ` “${esc(k.name)}”` : ""}</b>
          — give it to the player now, it is not shown again:</p>
        <p><code id="admin-key-text" class="select-all">${esc(k.key)}</code></p></div>`,
      );
      (form.elements.namedItem("name") as HTMLInputElement).value = "";
      this.msg("");
      await this.refresh(
        this.gameId,
        [...this.names].map(([id, n]) => ({ playerId: id, name: n })),
      );
    } catch (err) {
      this.msg(errorText(err));
    } finally {
      btn.disabled = false;
    }
  }

  private async revoke(b: HTMLButtonElement): Promise<void> {
    b.disabled = true;
    try {
      await api("DELETE", this.path(`/keys/${encodeURIComponent(b.dataset.revoke!)}`), undefined, this.token);
      setHtml($(this.el, "#admin-key-new"), "");
      this.msg("");
      await this.refresh(
        this.gameId,
        [...this.names].map(([id, n]) => ({ playerId: id, name: n })),
      );
    } catch (err) {
      this.msg(errorText(err));
      b.disabled = false;
    }
  }

  /** The keys, by player name, newest first within a player. */
  private listHtml(keys: AdminKeyInfo[]): string {
    if (!keys.length) return `<p class="muted">No API keys in this round.</p>`;
    const name = (k: AdminKeyInfo) => this.names.get(k.playerId) ?? k.playerId;
    const rows = [...keys]
      .sort((a, b) => name(a).localeCompare(name(b)) || b.createdAt - a.createdAt)
      .map((k) => {
        const status = k.revokedAt
          ? `<span class="muted">revoked ${time(k.revokedAt)}</span>`
          : expired(k)
            ? `<span class="muted">expired</span>`
            : `active${k.expiresAt ? ` <span class="muted small">until ${time(k.expiresAt)}</span>` : ""}`;
        return `<tr data-admin-key="${esc(k.keyId)}"><td>${esc(name(k))}</td><td>${esc(k.name)} <code class="small">${esc(k.keyId)}</code></td>
          <td class="scope">${k.scope === "session" ? "session (every round)" : "this round"}</td><td>${time(k.createdAt)}${k.createdBy === "admin" ? ` <span class="muted small">by admin</span>` : ""}</td>
          <td class="last-used">${k.lastUsedAt ? time(k.lastUsedAt) : `<span class="muted">never</span>`}</td><td class="status">${status}</td>
          <td>${k.revokedAt ? "" : `<button type="button" class="ghost small" data-revoke="${esc(k.keyId)}">Revoke</button>`}</td></tr>`;
      })
      .join("");
    return `<table id="admin-api-keys"><thead><tr><th>Player</th><th>Key</th><th>Scope</th><th>Created</th><th>Last used</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  }
}
