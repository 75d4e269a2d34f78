/**
 * The admin view's "API usage" card: for the selected round, each player's use of the API for programs
 * (requests, orders, rejects, rate limit hits, summed over the player's keys and webhooks) and each key
 * that made a request, from GET /api/v1/admin/games/:id/usage (docs/algo-trading.md "Usage"). Polled with
 * the admin view's other HTTP tables; counts are whole numbers, shown with thousands separators.
 */
import { api } from "./api.ts";
import { esc, qty } from "./format.ts";

interface Counters {
  requests: number;
  orders: number;
  rejects: number;
  rateLimited: number;
}
export interface ApiUsageReply {
  gameId: string;
  totals: Counters;
  players: (Counters & { playerId: string; name: string; keys: number })[];
  keys: (Counters & {
    keyId: string;
    kind: "key" | "webhook";
    name: string;
    playerId: string;
    playerName: string;
    revokedAt: number | null;
  })[];
}

/** The round's usage (admin token). */
export function fetchApiUsage(gameId: string, token: string): Promise<ApiUsageReply> {
  return api<ApiUsageReply>("GET", `/api/v1/admin/games/${encodeURIComponent(gameId)}/usage`, undefined, token);
}

const cells = (c: Counters) =>
  `<td class="num requests">${qty(c.requests)}</td><td class="num orders">${qty(c.orders)}</td><td class="num rejects">${qty(c.rejects)}</td><td class="num rate-limited">${qty(c.rateLimited)}</td>`;
const HEAD = `<th title="requests made with the player's keys and webhooks">Requests</th><th title="orders placed or amended">Orders</th><th title="orders refused (any reason)">Rejects</th><th title="requests over the key's limit and orders over the round's order rate">Rate limited</th>`;

/** The card's HTML: players who used the API (others counted in a line), then keys. */
export function apiUsageHtml(u: ApiUsageReply): string {
  const users = u.players.filter((p) => p.requests > 0);
  if (users.length === 0) return `<p class="muted">No API requests in this round yet.</p>`;
  const idle = u.players.length - users.length;
  return `<table id="api-usage-players"><thead><tr><th>Player</th><th title="keys and webhooks used">Keys</th>${HEAD}</tr></thead><tbody>${users
    .map(
      (p) =>
        `<tr data-usage-player="${esc(p.playerId)}"><td>${esc(p.name)}</td><td class="num">${qty(p.keys)}</td>${cells(p)}</tr>`,
    )
    .join("")}</tbody>
    <tfoot><tr><td>All</td><td></td>${cells(u.totals)}</tr></tfoot></table>
    ${idle ? `<p class="muted small">${qty(idle)} other player${idle === 1 ? "" : "s"} used no key.</p>` : ""}
    <details><summary class="small">Per key</summary><table id="api-usage-keys"><thead><tr><th>Key</th><th>Player</th>${HEAD}</tr></thead><tbody>${u.keys
      .map(
        (k) =>
          `<tr data-usage-key="${esc(k.keyId)}"><td>${esc(k.name || (k.kind === "webhook" ? "inbound webhook" : k.keyId))}${k.revokedAt ? ` <span class="tag">revoked</span>` : ""}</td><td>${esc(k.playerName)}</td>${cells(k)}</tr>`,
      )
      .join("")}</tbody></table></details>`;
}
