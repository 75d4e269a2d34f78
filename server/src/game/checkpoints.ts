/**
 * Checkpoints of a room's model, so a room (re)created for a long game folds only the end of its log
 * (issue 10: "a game with 100,000 resting orders resumes in at most 1 s"). Folding the whole log costs
 * about 6 µs of CPU per event in parsing alone, seconds for a game of that size.
 *
 * A room's model is its core state plus extras only the log gives (FIFO ledgers, trade statistics, the
 * last trades and own fills, margin calls, groups, takeovers: GameModel.checkpointData). The core state
 * of a game this process writes is in its writer already (hydrated from Valkey's key schema, kept by
 * evolve), so a checkpoint holds the extras only, and snapshot() rebuilds the model from
 *   a copy of the writer's committed state at seq S  +  the checkpoint at seq C <= S  +  the extras of
 *   events C+1..S
 * which equals the log folded from seq 1 (GameFold.resume; server/test/game/checkpoints.test.ts).
 *
 * Stored in Valkey as JSON text at game:{g}:checkpoint (same hash slot as the game). It is a cache: a
 * checkpoint that is missing, of another version, unreadable or past the game's seq is ignored and the
 * log is folded from seq 1. Any checkpoint is a correct fold at its seq, because committed events never
 * change and the model folds committed events only; so an older one (e.g. from a fenced room) is merely
 * slower, and a plain SET is enough.
 *
 * When: the room calls `maybeSave` once a second and with `force` when it is disposed; a checkpoint is
 * written when EVERY_EVENTS events were applied since the last one or EVERY_MS passed with any new event.
 * Its JSON is built in slices of at most a few ms (json-slices.ts): at 5,000 orders/s one is due every
 * second, and a single JSON.stringify of it held the room's thread for 10-35 ms.
 */
import type { Redis } from "iovalkey";
import { FOLD_EXTRAS_VERSION } from "../core/fold.ts";
import { checkpointKey } from "../engine/keys.ts";
import { stringifyInSlices } from "./json-slices.ts";
import type { GameModel, ModelCheckpointData } from "./model.ts";

/** Events applied since the last checkpoint that make the next one due. */
export const EVERY_EVENTS = 5_000;
/** Time after which any new event makes a checkpoint due, ms. */
export const EVERY_MS = 30_000;

/** The game's checkpoint if it is usable at `uptoSeq` (this version, seq <= uptoSeq), else null. */
export async function readCheckpoint(
  client: Redis,
  gameId: string,
  uptoSeq: number,
): Promise<ModelCheckpointData | null> {
  const text = await client.get(checkpointKey(gameId));
  if (text === null) return null;
  try {
    const cp = JSON.parse(text) as ModelCheckpointData;
    return cp.fold?.v === FOLD_EXTRAS_VERSION && Number.isSafeInteger(cp.fold.seq) && cp.fold.seq <= uptoSeq
      ? cp
      : null;
  } catch {
    return null;
  }
}

/** Writes the rooms' checkpoints when due (see module doc). One per process. */
export class Checkpointer {
  private readonly last = new Map<string, { seq: number; at: number; saving: boolean }>();

  constructor(
    private readonly client: Redis,
    private readonly onError: (gameId: string, err: unknown) => void = () => undefined,
  ) {}

  /**
   * Saves the model's checkpoint when due, or with `force` (the room is going: the game is forgotten
   * afterwards) whenever it has events not checkpointed by this process yet. A model that found an
   * inconsistency (broken) is never saved. Never rejects.
   */
  async maybeSave(model: GameModel, force = false, now = Date.now()): Promise<void> {
    const gameId = model.gameId;
    const last = this.last.get(gameId) ?? { seq: 0, at: now, saving: false };
    this.last.set(gameId, last);
    const fresh = model.seq - last.seq;
    const due = fresh >= EVERY_EVENTS || (fresh > 0 && (force || now - last.at >= EVERY_MS));
    if (force) this.last.delete(gameId);
    if (!due || last.saving || model.broken !== null || model.seq === 0) return;
    last.saving = true;
    const seq = model.seq;
    try {
      // checkpointData() is a copy, taken now at `seq`; its JSON (about 1.2 MB with 200 players) is built
      // over several turns so the room's thread is never held for the whole of it.
      const text = await stringifyInSlices(model.checkpointData());
      await this.client.set(checkpointKey(gameId), text);
      last.seq = seq;
      last.at = now;
    } catch (err) {
      this.onError(gameId, err);
    } finally {
      last.saving = false;
    }
  }
}
