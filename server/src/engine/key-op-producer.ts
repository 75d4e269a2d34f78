/**
 * The shape of one part of the key-ops projection (key-ops.ts PRODUCERS), apart from key-ops.ts so that
 * producers in their own files (market-keys.ts) import it without importing the list that imports them.
 */
import type { EngineEvent } from "@marketroom/shared";
import type { CoreState } from "../core/index.ts";
import type { BatchEncoder } from "./commit.ts";
import type { GameKeyNames } from "./keys.ts";

/** What a producer writes with, at the batch boundary. */
export interface ProjectionContext {
  gameId: string;
  /** The core state after the batch's last command. */
  state: CoreState;
  enc: BatchEncoder;
  /** The game's key names, built once per game (keys.ts GameKeyNames). */
  keys: GameKeyNames;
}

/**
 * One part of the projection, fresh per batch: `touch` sees every event of the batch in log order
 * (after the state has evolved past them, so read nothing from the state there), `write` runs once at
 * the batch boundary and writes the touched keys from the state.
 */
export interface KeyOpProducer {
  touch(ev: EngineEvent): void;
  write(ctx: ProjectionContext): void;
}
