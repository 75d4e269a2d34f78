// Node/V8 flags of the game server process (server/src/main.ts), in one place for everything that
// launches it: scripts/start.mjs (`npm start`), the benchmarks that run it as a child (bench:e2e,
// bench:api); docker/Dockerfile repeats them in its CMD.
//
// --max-semi-space-size=64 (MB; Node 20's default is 16): a game server allocates a few KB per order
// that die young (events, their JSON, replies, patches), while the resting orders it keeps live on.
// A larger young generation scavenges a quarter as often and lets more of the short-lived objects die
// before a scavenge copies them. bench:e2e (`E2E_RATES=1000,2000,5000 E2E_STEP_SECONDS=5
// E2E_IDLE_SECONDS=3`), four interleaved pairs at load 2.4-3.6: the server's CPU per order at
// 5,000/s 133.6-147.2 us against 148.4-158.8 with the default, lower in every pair; a young
// generation of up to 3 x 64 MB costs memory, not CPU (docs/throughput.md "Stop 21"). Stop 20 found
// the opposite for a smaller one (2-4 MB: 3-7 times the GC time, docs/commit.md).
// The price is tail latency: a scavenge that comes a quarter as often copies about four times the
// resting orders placed since the last one, so each pause is longer; for the group-commit writer alone
// (bench:engine's paced 10,000/s, which runs with Node's default young generation) the flag roughly doubled the p99
// (docs/commit.md "Stop 22 (the lead)"). In the whole server it did not: bench:e2e's p99 at 1,000,
// 2,000 and 5,000/s was lower with the flag in three interleaved pairs (the room's own garbage, which
// dies young, is most of what a scavenge finds there), so the server keeps it.
//
// --no-memory-reducer --min-semi-space-size=64 (stop 25): a server that has traded and then sat idle
// for a few minutes served the next round's opening seconds as slowly as a freshly started one (first
// second p99 336-654 ms and hundreds of requests shed in bench:api). While idle V8's memory reducer
// shrinks the heap, and the first scavenge after the idle sizes the young generation by the allocation
// rate it last saw (nearly none): the round then opens with a scavenge every 15-70 ms onto memory the
// kernel must fault in again. With both flags the young generation stays at 64 MB and the heap is not
// shrunk while idle: the round after 300 s idle opened like one right after a practice round (first
// second p99 42-183 ms in six runs, against 108-654 ms and mostly hundreds shed in eleven without);
// each flag alone did not help; after 900 s idle it is partly cold again (docs/api-benchmark.md
// "Stop 25"). The price is memory: an idle server's resident set was 250-307 MB instead of 134 MB.
//
// --initial-old-space-size=512 (MB; stop 30): V8 starts no full (mark-compact) collection before the
// old generation holds 512 MB, and keeps that as the least limit after one. With Node's default the
// limit after each full collection is a small multiple of what survived it, so a room whose books keep
// growing ran a full collection every few seconds: mark-compact pauses of up to 13 ms and incremental
// marking steps, with V8's helper threads on the second core beside Valkey. In bench:engine's paced
// 10,000/s (5 s rounds on a fresh game) those were most of the writer's tail: rounds with a full
// collection had p99 8.6-17 ms; with the flag no round had one, and the p99 was 3.2-9.9 ms (median 5.3
// over 17 rounds, against 9.5 over 19 without; docs/commit.md "Stop 30"). In a 20 s churn test
// (400,000 live objects replaced continuously) it ran 5 full collections against 15. The price is
// memory: the heap grows to about 512 MB of live and dead objects before a full collection (resident
// 455 MB against 221 in that test). bench:e2e's p99 at 5,000/s was 60-63 ms with it against 101-110
// without (two pairs, docs/throughput.md "Stop 30"); bench:api did not show it beyond its noise
// (docs/api-benchmark.md "Stop 30"). The benchmarks that run the game's code in their own process
// (bench:engine and the others scripts/bench.mjs runs) take this flag too, but not the young-generation
// ones above.

/** The old-generation flag of the game server, which the in-process benchmarks take too. */
export const OLD_GENERATION_NODE_FLAGS = ["--initial-old-space-size=512"];

// --no-memory-reducer for every process a benchmark starts (stop 35). Each of our processes runs under
// tsx, whose module hooks live on a thread of their own with its own V8 isolate. That isolate goes idle
// once the modules are loaded, and V8's memory reducer then runs three full collections on it about
// 16 s after the process started (10-30 ms of a core each, with their marking steps), one time only. A
// benchmark's measured window is exactly there: in bench:engine they fell in the paced or the floor
// step (`--trace-gc` shows them as `Mark-Compact (reduce)` of a 9-12 MB heap), on a machine where a
// third busy thread takes a core from the writer or Valkey. The game server has the flag already (above);
// a process that runs for hours pays them once, so `npm start`'s persister keeps V8's default.
/** Flags of a benchmark's own processes (scripts/bench.mjs' bench process, bench:api's and bench:e2e's persister and load generators). */
export const BENCH_HELPER_NODE_FLAGS = ["--no-memory-reducer"];

/** Flags of a benchmark process that runs the game's code in process (bench:engine and the others scripts/bench.mjs runs). */
export const IN_PROCESS_BENCH_NODE_FLAGS = [...OLD_GENERATION_NODE_FLAGS, ...BENCH_HELPER_NODE_FLAGS];

/** Flags for `node` before the entry point of a game server process. */
export const GAME_SERVER_NODE_FLAGS = [
  "--max-semi-space-size=64",
  "--min-semi-space-size=64",
  "--no-memory-reducer",
  ...OLD_GENERATION_NODE_FLAGS,
];
