import type { EngineEvent } from "@marketroom/shared";

/**
 * An accepted command: its events (to be applied with evolve, in order) and its result, shaped as
 * shared/src/engine.ts's results (PlaceResult...); result.events is the same array.
 */
export interface Decision<R> {
  ok: true;
  events: EngineEvent[];
  result: R;
}
