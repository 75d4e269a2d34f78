// Types of node-flags.mjs for the TypeScript code that imports it (the benchmarks).

/** Flags for `node` before the entry point of a game server process. */
export const GAME_SERVER_NODE_FLAGS: readonly string[];

/** The old-generation flag of the game server, which the in-process benchmarks take too. */
export const OLD_GENERATION_NODE_FLAGS: readonly string[];
