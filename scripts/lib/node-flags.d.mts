// Types of node-flags.mjs for the TypeScript code that imports it (the benchmarks).

/** Flags for `node` before the entry point of a game server process. */
export const GAME_SERVER_NODE_FLAGS: readonly string[];

/** The old-generation flag of the game server, which the in-process benchmarks take too. */
export const OLD_GENERATION_NODE_FLAGS: readonly string[];

/** Flags of a benchmark's own processes: no memory reducer (see node-flags.mjs). */
export const BENCH_HELPER_NODE_FLAGS: readonly string[];

/** Flags of a benchmark process that runs the game's code in process. */
export const IN_PROCESS_BENCH_NODE_FLAGS: readonly string[];
