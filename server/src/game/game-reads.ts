/**
 * What rooms, bots and exports read of a game beside its writer: a consistent view of the game at one seq
 * (the room loads its model from it), the round clock, the game's place in its session, and the reference
 * prices and running time now. Reads only; an unknown game gives the empty value, except snapshot.
 * Units: ticks, ms.
 */
import type { Db } from "../persistence/db.ts";
import { referencesAt } from "../scoring/references.ts";
import type { MarketDrivers } from "./drivers.ts";
import { unwrap } from "./errors.ts";
import type { ClockInfo, GameHub, RoundLink } from "./hub.ts";
import { Checkpointer, readCheckpoint } from "./checkpoints.ts";
import { readGameLog } from "./log.ts";
import { resumable, type GameSnapshot } from "./model.ts";
import { NO_CLOCK, clockOf, elapsedOf } from "./round-clock.ts";
import type { GameStore } from "./store.ts";

export interface GameReadDeps {
  hub: GameHub;
  store: GameStore;
  drivers: MarketDrivers;
  db?: Db;
}

export class GameReads {
  /** The rooms' model checkpoints (checkpoints.ts). */
  readonly checkpoints: Checkpointer;

  constructor(private readonly deps: GameReadDeps) {
    this.checkpoints = new Checkpointer(deps.hub.engine.client);
  }

  /**
   * A consistent snapshot of the game: its seq read while no command of this process is in flight, the
   * log up to that seq (PostgreSQL, then the stream; game/log.ts), current and opening references, bots
   * and drivers. The room's model folds the log through the core's evolve (game/model.ts). When this
   * process holds the game's writer open, the caller is its room (`own`) and a checkpoint exists
   * (checkpoints.ts), the snapshot carries a copy of the writer's state and the checkpoint as `base`, and
   * only the log after the checkpoint. The room claims the game here (opens its writer: claim, load from
   * Valkey's keys), so the first room after a restart resumes from the checkpoint too instead of folding
   * the whole log (issue 10: a game with 100,000 resting orders within 1 s; `npm run bench:engine`).
   * Errors: UNKNOWN_GAME; a failed claim (Valkey down, FENCED) rejects like GameWriter.open.
   */
  async snapshot(gameId: string, own = false): Promise<GameSnapshot> {
    const { hub, store, drivers } = this.deps;
    const rec = await store.get(gameId);
    // the room owns its game: claim it now (ARCHITECTURE "Ownership"), so its state comes from the keys
    if (own && rec) await hub.engine.writer(gameId);
    const { seq, state } = await hub.quiet(gameId, async () => ({
      seq: unwrap(await hub.engine.gameInfo(gameId)).seq,
      state: own ? await hub.engine.committedState(gameId) : null,
    }));
    // only the room folds from a checkpoint: other callers read the snapshot's events as the whole log
    const checkpoint = own && state?.seq === seq ? await readCheckpoint(hub.engine.client, gameId, seq) : null;
    let base = state && checkpoint ? { state, checkpoint } : undefined;
    let events = await readGameLog(hub.engine, this.deps.db, gameId, seq, base ? checkpoint!.fold.seq : 0);
    if (base && !resumable(events)) {
      base = undefined;
      events = await readGameLog(hub.engine, this.deps.db, gameId, seq);
    }
    const stored = await store.players(gameId);
    const bots = new Set([...stored].filter(([, p]) => p.bot).map(([id]) => id));
    const openRefs = new Map((rec?.settings.securities ?? []).map((s) => [s.securityId, s.refPrice]));
    const refPrices = rec
      ? referencesAt(await drivers.withNews(gameId, rec.settings), elapsedOf(rec, Date.now()))
      : openRefs;
    return { seq, events, base, openRefs, refPrices, bots, drivers: await drivers.snapshotPart(gameId, seq) };
  }

  /** The round clock of a game (for rooms). */
  async clock(gameId: string): Promise<ClockInfo> {
    const rec = await this.deps.store.get(gameId);
    return rec ? clockOf(rec, Date.now()) : { ...NO_CLOCK };
  }

  /** The game's place in its session, or null when it is no session's round (for rooms). */
  async roundLink(gameId: string): Promise<RoundLink | null> {
    const rec = await this.deps.store.get(gameId);
    return rec?.sessionId ? { sessionId: rec.sessionId, gameId, round: rec.round, nextGameId: rec.nextGameId } : null;
  }

  /**
   * Each security's reference price (ticks) at the round's running time now: the scenario's path, or
   * the fixed refPrice of a game without one, shifted by the news so far. Empty for an unknown game.
   */
  async references(gameId: string): Promise<Map<number, number>> {
    const rec = await this.deps.store.get(gameId);
    return rec
      ? referencesAt(await this.deps.drivers.withNews(gameId, rec.settings), elapsedOf(rec, Date.now()))
      : new Map();
  }

  /** Running time of the round so far, ms (0 before start). */
  async elapsed(gameId: string): Promise<number> {
    const rec = await this.deps.store.get(gameId);
    return rec ? elapsedOf(rec, Date.now()) : 0;
  }
}
