/** Entry: `#/admin` is the admin view, `#replay/<gameId>` the replay view, anything else the player view. */
import "./style.css";
import { mountAdmin } from "./admin.ts";
import { mountPlayer } from "./player.ts";
import { mountReplay } from "./replay/replay.ts";

const root = document.getElementById("app")!;
let current = "";

function route(): void {
  const view = location.hash.startsWith("#/admin") ? "admin" : /^#\/?replay\//.test(location.hash) ? `replay:${location.hash.split("?")[0]}` : "player";
  if (view === current) return;
  if (current) { location.reload(); return; } // views hold sockets and timers: start clean
  current = view;
  document.body.dataset.view = view.split(":")[0]!;
  if (view === "admin") mountAdmin(root);
  else if (view.startsWith("replay:")) mountReplay(root);
  else mountPlayer(root);
}

window.addEventListener("hashchange", route);
route();
