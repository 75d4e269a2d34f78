/**
 * The player's private panel in a double auction with induced values (docs/markets.md "Induced
 * values"): their role, their values (buyer) or costs (seller) per unit, the units traded so far and
 * the surplus earned, from GET /api/games/:id/induced with the player's own token (the server gives a
 * player only their own schedule). The player screen mounts it only in an induced round (the
 * instructions' marketType); in any other the route answers 404 and nothing shows.
 * Refreshed every REFRESH_MS while the panel is on the page.
 */
import { api } from "./api.ts";
import { cash, esc, signClass, signedCash } from "./format.ts";

const REFRESH_MS = 3000;

/** Adds the panel to the account card (`#account`'s card) when the round is an induced-value market. */
export async function mountInducedPanel(root: HTMLElement, gameId: string, token: string): Promise<void> {
  const path = `/api/games/${encodeURIComponent(gameId)}/induced`;
  let v: any;
  try {
    v = await api("GET", path, undefined, token);
  } catch {
    return;
  }
  const card = root.querySelector("#account")?.parentElement;
  if (!card) return;
  const box = document.createElement("div");
  box.id = "my-induced";
  card.prepend(box);
  const draw = () => {
    const buyer = v.role === "buyer";
    box.innerHTML = !v.role
      ? `<p class="muted small">Your role is assigned when you join.</p>`
      : `<h3>You are a <b id="my-role">${esc(v.role)}</b></h3>
      <p class="small">${buyer ? "Your value for each unit you buy (you earn value − price):" : "Your cost for each unit you sell (you earn price − cost):"}</p>
      <ol class="induced-units">${v.units.map((u: number, i: number) => `<li class="${i < (v.periodTraded ?? v.traded) ? "done" : ""}">${esc(cash(u))}</li>`).join("")}</ol>
      <p class="small">Units ${buyer ? "bought" : "sold"}: <b id="my-traded">${v.traded}</b> · your surplus: <b id="my-surplus" class="${signClass(v.surplus)}">${esc(signedCash(v.surplus))}</b></p>`;
  };
  draw();
  const timer = window.setInterval(async () => {
    if (!box.isConnected) {
      clearInterval(timer);
      return;
    }
    try {
      v = await api("GET", path, undefined, token);
      draw();
    } catch {
      /* the next refresh retries */
    }
  }, REFRESH_MS);
}
