// Types of node-flags.mjs for the TypeScript code that imports it (the benchmarks).

/** Flags for `node` before the entry point of a game server process. */
export const GAME_SERVER_NODE_FLAGS: readonly string[];
