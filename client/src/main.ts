/**
 * Entry: `#/admin` is the admin view, `#replay/<gameId>` the replay view, `#/projector/<gameId>?code=` the
 * classroom screen, `#/report/<gameId>` the printable results report, anything else the player view.
 */
import "./style.css";
import { mountAdmin } from "./admin.ts";
import { mountPlayer } from "./player.ts";
import { mountReplay } from "./replay/replay.ts";
import { mountProjector } from "./projector.ts";
import { mountReport } from "./report.ts";

const root = document.getElementById("app")!;
let current = "";

function route(): void {
  const h = location.hash;
  const view = h.startsWith("#/admin")
    ? "admin"
    : /^#\/?replay\//.test(h)
      ? `replay:${h.split("?")[0]}`
      : /^#\/?projector\//.test(h)
        ? `projector:${h}`
        : /^#\/?report\//.test(h)
          ? `report:${h}`
          : "player";
  if (view === current) return;
  if (current) {
    location.reload();
    return;
  } // views hold sockets and timers: start clean
  current = view;
  document.body.dataset.view = view.split(":")[0]!;
  if (view === "admin") mountAdmin(root);
  else if (view.startsWith("replay:")) mountReplay(root);
  else if (view.startsWith("projector:")) mountProjector(root);
  else if (view.startsWith("report:")) mountReport(root);
  else mountPlayer(root);
}

window.addEventListener("hashchange", route);
route();
