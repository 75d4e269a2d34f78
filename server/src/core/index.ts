/**
 * The game core: the rules of a marketroom game as pure, deterministic TypeScript (no I/O, integers
 * only). `decide(state, command, { ts })` answers a command with its events and result (or a
 * Rejection, changing nothing); `evolve(state, event)` is the one reducer that applies an event.
 * See docs/core.md for the modules and where each rule lives.
 */
export { decide, type Decided, type Decision, type ResultOf } from "./decide/index.ts";
export { evolve } from "./evolve.ts";
export { run } from "./run.ts";
export { emptyState, type CoreState, type GameState, type PlayerState, type SecurityState } from "./state.ts";
export { bookDepth, inventoryOf, openOrders } from "./read.ts";
export type * from "./commands.ts";
