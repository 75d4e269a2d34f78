/**
 * Reads of a game's live state (book, a player's open orders, a player's inventory) asked in a process
 * that does not run the game are answered by the process that does (PRESENCE=redis; docs/deploy.md).
 *
 * The live state of a game is its writer's memory, and only the process running the game's room has
 * the writer: any other process opening one would claim the game and fence its owner (ClusterNode.guard
 * refuses that). HTTP requests about a game are routed whole (http-route.ts); what reads the engine
 * without passing the HTTP routing — the program stream of /api/v1/stream, fed by Valkey pub/sub in
 * every process, reading a book on each market-data message — goes through here: the GameWriters read
 * methods of this process are wrapped so that, for a game another live process runs, the read travels
 * to that game's room with `callRoomElsewhere(gameId, "engineRead", [method, args])` (room-call.ts) and the
 * owner's answer comes back. A game nobody runs is read here (opening its writer, as a single process
 * does). A read whose owner does not answer gives `{ ok: false, code: "UNAVAILABLE" }`, as a read
 * during a Valkey outage does.
 */
import { callRoomElsewhere } from "./room-call.ts";
import type { GameWriters, Unavailable } from "../engine/writers.ts";

/** The GameWriters methods forwarded: reads of the writer's memory, JSON in and out. */
export const REMOTE_READS = ["book", "orders", "inventory"] as const;
export type RemoteRead = (typeof REMOTE_READS)[number];

type ReadFn = (gameId: string, ...args: unknown[]) => Promise<unknown>;

/** How long a forwarded read may take before it answers UNAVAILABLE (ms). */
const READ_TIMEOUT_MS = 5000;

/** Where a game runs, when another live process runs it (else null: read here). */
export type RemoteHolder = (gameId: string) => Promise<string | null>;

/**
 * Wraps the read methods of `engine` (see the header). `whileHolding` rejects the call early when the
 * holder dies meanwhile (ClusterNode.whileHolding). Returns the unwrapped methods, for `readHere`.
 */
export function forwardReads(
  engine: GameWriters,
  remoteHolder: RemoteHolder,
  whileHolding: <T>(gameId: string, processId: string, call: Promise<T>) => Promise<T>,
): Record<RemoteRead, ReadFn> {
  const local = {} as Record<RemoteRead, ReadFn>;
  const methods = engine as unknown as Record<RemoteRead, ReadFn>;
  for (const name of REMOTE_READS) {
    const own = methods[name].bind(engine);
    local[name] = own;
    methods[name] = async (gameId, ...args) => {
      const holder = await remoteHolder(gameId);
      if (!holder) return own(gameId, ...args);
      try {
        const call = callRoomElsewhere(gameId, "engineRead", [name, [gameId, ...args]], READ_TIMEOUT_MS);
        return await whileHolding(gameId, holder, call);
      } catch (err) {
        const answer: Unavailable = {
          ok: false,
          code: "UNAVAILABLE",
          message: `the game's server process did not answer the read: ${String(err)}`,
        };
        return answer;
      }
    };
  }
  return local;
}

/** Runs a forwarded read in the room's process (the room's `engineRead`); unknown methods are refused. */
export function readHere(local: Record<RemoteRead, ReadFn>, name: string, args: unknown[]): Promise<unknown> {
  if (!(REMOTE_READS as readonly string[]).includes(name)) throw new Error(`not a forwarded read: ${name}`);
  const [gameId, ...rest] = args as [string, ...unknown[]];
  return local[name as RemoteRead](gameId, ...rest);
}
