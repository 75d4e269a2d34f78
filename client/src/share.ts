/**
 * "Share replay": the admin's button that makes a read-only replay link of an ended round (POST
 * /api/games/:id/replay-links; docs/replay.md "Shared replay links") and shows it, copied to the clipboard
 * when the browser allows. Anyone with the link opens `#/replay/<id>?view=<token>` without signing in and
 * sees the market of the round, not the players. Used by the admin view (game panel) and the report page.
 */
import "./instructions.css";
import { api, errorText } from "./api.ts";
import { esc } from "./format.ts";

/** Link lifetimes offered, seconds (the server accepts 60 s to 365 days; default 30 days). */
const LIFETIMES: [number, string][] = [
  [86_400, "1 day"],
  [7 * 86_400, "7 days"],
  [30 * 86_400, "30 days"],
  [90 * 86_400, "90 days"],
  [365 * 86_400, "1 year"],
];

interface ReplayLink {
  path: string;
  expiresAt: number;
}

/**
 * Draws the Share replay control into `el` for `gameId` (`ended` false: the button stays disabled with a
 * note, since links are made only after the round). Safe to call again on every refresh: it redraws only
 * when the game or its phase changed, so a link on screen stays.
 */
export function drawShareReplay(el: HTMLElement, gameId: string, token: string, ended: boolean): void {
  const stamp = `${gameId}|${ended}`;
  if (el.dataset.stamp === stamp) return;
  el.dataset.stamp = stamp;
  el.innerHTML = `<div class="share-replay">
    <p class="small muted">${
      ended
        ? "A link anyone can open without signing in: the round's market in replay (book, trades, prices), without players' names or accounts."
        : "Available once the round has ended."
    }</p>
    <div class="inline-row"><label class="small">Link valid for <select class="share-ttl">${LIFETIMES.map(([s, t]) => `<option value="${s}"${s === 30 * 86_400 ? " selected" : ""}>${t}</option>`).join("")}</select></label>
    <button type="button" class="small primary share-make"${ended ? "" : " disabled"}>Share replay</button></div>
    <div class="share-out" hidden><input type="text" class="share-url" readonly aria-label="Replay link"><p class="small share-msg" role="status"></p></div></div>`;
  const btn = el.querySelector<HTMLButtonElement>(".share-make")!;
  btn.addEventListener("click", () => void make(el, gameId, token, btn));
}

async function make(el: HTMLElement, gameId: string, token: string, btn: HTMLButtonElement): Promise<void> {
  const out = el.querySelector<HTMLElement>(".share-out")!;
  const input = el.querySelector<HTMLInputElement>(".share-url")!;
  const msg = el.querySelector<HTMLElement>(".share-msg")!;
  const ttlSec = Number(el.querySelector<HTMLSelectElement>(".share-ttl")!.value);
  btn.disabled = true;
  out.hidden = false;
  try {
    const link = await api<ReplayLink>(
      "POST",
      `/api/games/${encodeURIComponent(gameId)}/replay-links`,
      { ttlSec },
      token,
    );
    input.value = `${location.origin}${link.path}`;
    input.select();
    const copied =
      (await navigator.clipboard?.writeText(input.value).then(
        () => true,
        () => false,
      )) ?? false;
    msg.className = "small share-msg ok";
    msg.innerHTML = `${copied ? "Copied to the clipboard." : "Select the link and copy it."} Valid until ${esc(new Date(link.expiresAt).toLocaleString())}.`;
  } catch (err) {
    input.value = "";
    msg.className = "small share-msg reject";
    msg.textContent = errorText(err);
  } finally {
    btn.disabled = false;
  }
}
