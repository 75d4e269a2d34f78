/**
 * PrivateFeed: the server side of the "private" message (shared/src/room-protocol.ts). It keeps, per
 * player, the private state last sent (the baseline every session of that player and every admin
 * session holds), and once per patch tick turns the players marked changed into PrivatePatches
 * against their baselines. The room sends each player's patch to that player's sessions and all the
 * tick's patches to admin sessions; a session that asks ("private-sync") or reconnects gets a full
 * snapshot of the baselines.
 *
 * So the shared state holds no private field and no StateView: Colyseus encodes the patch once for all
 * clients, and private data is built once per changed player per tick, whatever the number of viewers.
 */
import type { LeaderboardRow, PrivatePatch } from "@marketroom/shared";
import type { GameModel } from "../game/model.ts";
import { diffViews, fullViewPatch, viewOf, type PlayerView } from "./private-view.ts";

export class PrivateFeed {
  private readonly sent = new Map<string, PlayerView>();
  private readonly changed = new Set<string>();
  private all = true;
  /** The valuation fields per player, from the room's last leaderboard. */
  private readonly money = new Map<string, LeaderboardRow>();

  /** Marks players whose private state may have changed. */
  mark(playerIds: Iterable<string>): void {
    for (const pid of playerIds) this.changed.add(pid);
  }

  /** Some player is marked: the next flush may have patches. */
  get pending(): boolean {
    return this.all || this.changed.size > 0;
  }

  /** Marks every player (a rebuild, a new valuation). */
  markAll(): void {
    this.all = true;
  }

  /** Takes the valuation fields of a new leaderboard; marks every player. */
  setMoney(rows: readonly LeaderboardRow[]): void {
    this.money.clear();
    for (const r of rows) this.money.set(r.playerId, r);
    this.markAll();
  }

  /** The patches of the players changed since the last call (each against its baseline), in player id order. */
  flush(model: GameModel): PrivatePatch[] {
    const pids = this.all ? [...model.players.keys()] : [...this.changed];
    this.all = false;
    this.changed.clear();
    const out: PrivatePatch[] = [];
    for (const pid of pids) {
      const prev = this.sent.get(pid);
      const cur = viewOf(model, pid, this.money.get(pid), prev);
      if (!cur) {
        this.sent.delete(pid);
        continue;
      }
      const patch = prev ? diffViews(pid, prev, cur) : fullViewPatch(pid, cur);
      this.sent.set(pid, cur);
      if (patch) out.push(patch);
    }
    return out;
  }

  /** Full snapshots of the baselines of `playerIds` (call flush first so the baselines are current). */
  snapshots(playerIds: Iterable<string>): PrivatePatch[] {
    const out: PrivatePatch[] = [];
    for (const pid of playerIds) {
      const v = this.sent.get(pid);
      if (v) out.push(fullViewPatch(pid, v));
    }
    return out;
  }

  /** Every player with a baseline. */
  players(): string[] {
    return [...this.sent.keys()];
  }
}
