/**
 * Full SDK clients of the end-to-end benchmark (started by e2e.bench.ts): they join the game, decode
 * every state patch as a browser would, and send nothing, to check that state keeps arriving while the
 * light clients load the server.
 *
 *   node --import tsx server/bench/e2e/watchers.ts <spec.json>   spec: {"base", "gameId", "tokens": [...]}
 *
 * Prints {"event":"ready","clients"} once joined. On a line "stop" on stdin it prints
 * {"event":"watched","clients","patches","minSeq","maxSeq","sawTrades"} (patches: state changes decoded
 * over all clients; minSeq/maxSeq: the room's event seq in the least and most up-to-date client's state;
 * sawTrades: clients whose state shows traded volume) and exits.
 */
import { WebSocket } from "ws";
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Client, type Room } from "@colyseus/sdk";
import type { GameState } from "@marketroom/shared";

interface Spec {
  base: string;
  gameId: string;
  tokens: string[];
}

const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Spec;
  let patches = 0;
  const rooms: Room<GameState>[] = [];
  for (const token of spec.tokens) {
    const sdk = new Client(spec.base);
    sdk.auth.token = token;
    const room = await sdk.joinOrCreate<GameState>("game", { gameId: spec.gameId });
    room.onStateChange(() => {
      patches++;
    });
    room.onMessage("private", () => undefined); // the player's own state; not checked here
    rooms.push(room);
  }
  emit({ event: "ready", clients: rooms.length });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== "stop") continue;
    const seqs = rooms.map((r) => r.state.seq);
    const sawTrades = rooms.filter((r) => [...r.state.securities.values()].some((s) => s.volume > 0)).length;
    emit({
      event: "watched",
      clients: rooms.length,
      patches,
      minSeq: Math.min(...seqs),
      maxSeq: Math.max(...seqs),
      sawTrades,
    });
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    break;
  }
  process.stdout.write("", () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`watchers failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
