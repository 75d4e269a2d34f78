/**
 * A room session that survives reloads and dropped connections.
 *
 * - connect(): reconnects with the saved reconnection token when there is one (a reload within the
 *   server's grace period keeps the same session), else joins with the bearer token (player or admin).
 * - A dropped connection is retried by the SDK (onDrop / onReconnect), which resumes the session when
 *   its server process is still there. When it is not back within REJOIN_AFTER_MS — the room's process
 *   died or was fenced, and the game now runs in another process (docs/deploy.md, "Failover"), where
 *   the old session cannot be resumed — or the SDK gives up, or the server closes the session, we drop
 *   that room and join again with the token (the matchmaker finds the game's room wherever it runs),
 *   with back-off, until stop() is called. A late resumption of an abandoned room is left at once.
 * - Every status change is reported to `onStatus` so the view can say so on screen.
 */
import { Client, type Room } from "@colyseus/sdk";

export type ConnStatus = "connecting" | "connected" | "reconnecting" | "reconnected" | "offline" | "closed";

export interface ConnOptions {
  gameId: string;
  token: string;
  /** sessionStorage key for the reconnection token. */
  storageKey: string;
  onRoom: (room: Room<any, any>, fresh: boolean) => void;
  onStatus: (status: ConnStatus, detail?: string) => void;
  /** A join that cannot succeed (game gone, token refused): stop retrying. */
  onFatal?: (message: string) => void;
}

/**
 * How long the SDK may try to resume a dropped session before we join afresh (ms): longer than a
 * network blip, about the time another process needs to take a dead process's games over (2.5 s).
 */
export const REJOIN_AFTER_MS = 3000;

export class Connection {
  private sdk = new Client(location.origin);
  room: Room<any, any> | undefined;
  private stopped = false;
  private attempts = 0;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: ConnOptions) {
    this.sdk.auth.token = o.token;
  }

  async connect(): Promise<void> {
    const saved = sessionStorage.getItem(this.o.storageKey);
    this.o.onStatus(saved ? "reconnecting" : "connecting");
    if (saved) {
      try {
        const room = await this.sdk.reconnect(saved);
        this.attach(room, false);
        this.o.onStatus("reconnected", "session resumed after reload");
        return;
      } catch {
        sessionStorage.removeItem(this.o.storageKey);
      }
    }
    await this.join(!!saved);
  }

  private async join(again: boolean): Promise<void> {
    while (!this.stopped) {
      try {
        const room = await this.sdk.joinOrCreate("game", { gameId: this.o.gameId });
        this.attempts = 0;
        this.attach(room, true);
        this.o.onStatus(again ? "reconnected" : "connected");
        return;
      } catch (err) {
        const e = err as { code?: number; message?: string };
        if (e.code === 401 || e.code === 403 || e.code === 404 || e.code === 400) {
          this.o.onStatus("closed", e.message);
          this.o.onFatal?.(e.message ?? "cannot join");
          return;
        }
        this.attempts++;
        this.o.onStatus("offline", `cannot reach the game server; retrying (${this.attempts})`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(this.attempts, 5))));
        again = true;
      }
    }
  }

  private attach(room: Room<any, any>, fresh: boolean): void {
    this.room = room;
    sessionStorage.setItem(this.o.storageKey, room.reconnectionToken);
    room.onDrop(() => {
      this.o.onStatus("reconnecting", "connection lost; reconnecting…");
      clearTimeout(this.rejoinTimer);
      this.rejoinTimer = setTimeout(() => this.abandon(room), REJOIN_AFTER_MS);
    });
    room.onReconnect(() => {
      if (this.room !== room) return void room.leave().catch(() => {}); // we joined afresh meanwhile
      clearTimeout(this.rejoinTimer);
      sessionStorage.setItem(this.o.storageKey, room.reconnectionToken);
      this.o.onStatus("reconnected");
    });
    room.onLeave((code: number) => {
      if (this.room !== room) return;
      clearTimeout(this.rejoinTimer);
      sessionStorage.removeItem(this.o.storageKey);
      if (this.stopped || code === 4000) return;
      this.o.onStatus("reconnecting", "disconnected; joining again…");
      void this.join(true);
    });
    this.o.onRoom(room, fresh);
  }

  /** The session could not be resumed in time: stop the SDK's attempts and join again. */
  private abandon(room: Room<any, any>): void {
    if (this.room !== room || this.stopped) return;
    room.reconnection.enabled = false;
    this.room = undefined;
    sessionStorage.removeItem(this.o.storageKey);
    this.o.onStatus("reconnecting", "the game moved; joining again…");
    void this.join(true);
  }

  /** Leaves for good (the player's "leave" button). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.rejoinTimer);
    sessionStorage.removeItem(this.o.storageKey);
    await this.room?.leave().catch(() => {});
  }

  /** Test hook / diagnostics: closes the socket without consent (as a network drop would). */
  drop(): void {
    (this.room as any)?.connection?.transport?.ws?.close?.(4010);
  }
}
