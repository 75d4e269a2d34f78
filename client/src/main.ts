/** Entry: `#/admin` is the admin view, anything else the player view. */
import "./style.css";
import { mountAdmin } from "./admin.ts";
import { mountPlayer } from "./player.ts";

const root = document.getElementById("app")!;
let current = "";

function route(): void {
  const view = location.hash.startsWith("#/admin") ? "admin" : "player";
  if (view === current) return;
  if (current) { location.reload(); return; } // views hold sockets and timers: start clean
  current = view;
  document.body.dataset.view = view;
  if (view === "admin") mountAdmin(root);
  else mountPlayer(root);
}

window.addEventListener("hashchange", route);
route();
