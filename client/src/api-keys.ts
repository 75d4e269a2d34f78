/**
 * The player view's "API keys" panel: create, list and revoke the player's keys for trading with a
 * program (docs/algo-trading.md). A new key's text is shown once, right after it is made; lists never
 * hold it. Uses the player token; the list loads when the panel is first opened.
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
